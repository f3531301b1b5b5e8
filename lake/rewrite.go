package lake

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"
)

// DefaultTargetSize is the size compact aims each file at: Athena's and
// Iceberg's usual advice for files (128 MiB).
const DefaultTargetSize = 128 << 20

// ScratchDir is where lake work lets DuckDB spill what does not fit in its
// memory limit: inside .tarn/, which no persona's DuckDB may open.
const ScratchDir = ".tarn/tmp"

// RewriteMemoryLimit bounds DuckDB's memory in a rewrite; past it DuckDB
// spills to ScratchDir, so a rewrite's peak stays bounded whatever the
// input's size (issue 15 asks for under 1 GB). DuckDB fills the limit with
// cached file data, and the process's peak was the limit plus ~200 MB when
// copying the bench lake's 10,000 Parquet files: 727 MB at 512MB, 469 MB
// at 256MB, 336 MB at 128MB, with the time unchanged (27-31 s).
const RewriteMemoryLimit = "256MB"

// OpenBoundedDuckDB is OpenDuckDB with a memory limit and a spill folder
// inside the lake's .tarn/, for statements that stream a whole table.
func (l *Lake) OpenBoundedDuckDB() (*sql.DB, error) {
	scratch := filepath.Join(l.Root, filepath.FromSlash(ScratchDir))
	if err := os.MkdirAll(scratch, 0o700); err != nil {
		return nil, fmt.Errorf("scratch folder: %w", err)
	}
	db, err := OpenDuckDB()
	if err != nil {
		return nil, err
	}
	for _, set := range []string{
		"SET memory_limit=" + SQLString(RewriteMemoryLimit),
		"SET temp_directory=" + SQLString(scratch),
	} {
		if _, err := db.Exec(set); err != nil {
			db.Close()
			return nil, fmt.Errorf("duckdb: %s: %w", set, err)
		}
	}
	return db, nil
}

// Rewrite is one streaming COPY of the rows of query into dir, an empty
// folder, as files of format and compression of about target bytes each
// (DuckDB starts a new file once one passes target, at a row group for
// Parquet). Files are named as PartName names them, in the rows' order.
// written, if not nil, is kept up to date with the bytes in dir while
// DuckDB writes. Import can share it (issue 15).
func Rewrite(ctx context.Context, db *sql.DB, query, dir string, format Format, compression Compression, target int64, written *atomic.Int64) error {
	ext := Extension(format, compression)
	opts := append([]string{"FILE_SIZE_BYTES " + fmt.Sprint(target), "FILENAME_PATTERN 'part-{i}'",
		"FILE_EXTENSION " + SQLString(strings.TrimPrefix(ext, "."))}, copyFormat(format, compression)...)
	// One thread: DuckDB's parallel COPY fills several files at once, and
	// the rows' order across them is lost (measured: 8.4 s instead of 7.5 s
	// for the 10,000 CSV files of the bench lake on 2 cores).
	if _, err := db.ExecContext(ctx, "SET threads=1"); err != nil {
		return err
	}
	defer db.Exec("RESET threads")
	stop := watchSize(dir, written)
	_, err := db.ExecContext(ctx, fmt.Sprintf("COPY (%s) TO %s (%s)", query, SQLString(dir), strings.Join(opts, ", ")))
	stop()
	if err != nil {
		return fmt.Errorf("writing %s: %w", dir, duckReason(err))
	}
	return padPartNames(dir, ext)
}

// copyFormat are the COPY options of a layout's files: Parquet in zstd
// with row groups of ParquetRowGroupRows, CSV with a header.
func copyFormat(format Format, compression Compression) []string {
	switch format {
	case Parquet:
		return []string{"FORMAT parquet", "COMPRESSION zstd", "ROW_GROUP_SIZE " + fmt.Sprint(ParquetRowGroupRows)}
	case CSV:
		return []string{"FORMAT csv", "HEADER true", "COMPRESSION " + duckCompression(compression, "none")}
	}
	return []string{"FORMAT json", "COMPRESSION " + duckCompression(compression, "none")}
}

// TimeLeft estimates how long reading the rest of total bytes takes at
// the rate done of them took elapsed; false before anything was read.
func TimeLeft(done, total int64, elapsed time.Duration) (time.Duration, bool) {
	if done <= 0 || total <= 0 {
		return 0, false
	}
	left := time.Duration(float64(max(total-done, 0)) / float64(done) * float64(elapsed))
	return left.Round(time.Second), true
}

// watchSize keeps written at the bytes in dir every 100 ms until stopped.
func watchSize(dir string, written *atomic.Int64) (stop func()) {
	if written == nil {
		return func() {}
	}
	stopWatching := every(100*time.Millisecond, func() { written.Store(dirBytes(dir)) })
	return func() {
		stopWatching()
		written.Store(dirBytes(dir))
	}
}

// every calls f now and each interval until stopped; stop returns once f
// has returned for the last time.
func every(interval time.Duration, f func()) (stop func()) {
	done, finished := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(finished)
		tick := time.NewTicker(interval)
		defer tick.Stop()
		for {
			f()
			select {
			case <-done:
				return
			case <-tick.C:
			}
		}
	}()
	return func() { close(done); <-finished }
}

func dirBytes(dir string) int64 {
	entries, _ := os.ReadDir(dir)
	var n int64
	for _, e := range entries {
		if info, err := e.Info(); err == nil && info.Mode().IsRegular() {
			n += info.Size()
		}
	}
	return n
}

// padPartNames renames DuckDB's part-0 ... part-11 to PartName's
// zero-padded names, so that the files' sorted order (DuckDB's glob order)
// is the order they were written in: part-10 would sort before part-2.
func padPartNames(dir, ext string) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	for _, e := range entries {
		var i int
		if _, err := fmt.Sscanf(e.Name(), "part-%d", &i); err != nil || e.Name() != fmt.Sprintf("part-%d%s", i, ext) {
			return fmt.Errorf("writing %s: unexpected file %s", dir, e.Name())
		}
		if err := os.Rename(filepath.Join(dir, e.Name()), filepath.Join(dir, PartName(i, len(entries), ext))); err != nil {
			return err
		}
	}
	return nil
}

// Checksum is an order-independent fingerprint of a table's rows,
// computed by DuckDB: the row count and, per column, the non-NULL count
// and the sum of every value's hash.
type Checksum struct {
	Rows    int64
	Columns []ColumnChecksum
}

// ColumnChecksum is one column's part of a Checksum.
type ColumnChecksum struct {
	Name    string
	NonNull int64
	HashSum string // a HUGEINT, as text
}

// Querier is a *sql.DB or a *sql.Conn.
type Querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// TableChecksum computes the checksum of relation, read as cols.
func TableChecksum(ctx context.Context, db Querier, relation string, cols []Column) (Checksum, error) {
	exprs := []string{"count(*)"}
	for _, c := range cols {
		q := QuoteIdent(c.Name)
		exprs = append(exprs, "count("+q+")", "CAST(sum(hash("+q+")) AS VARCHAR)")
	}
	sum := Checksum{Columns: make([]ColumnChecksum, len(cols))}
	dest := []any{&sum.Rows}
	for i, c := range cols {
		sum.Columns[i].Name = c.Name
		dest = append(dest, &sum.Columns[i].NonNull, &sum.Columns[i].HashSum)
	}
	err := db.QueryRowContext(ctx, "SELECT "+strings.Join(exprs, ", ")+" FROM "+relation).Scan(dest...)
	if err != nil {
		return Checksum{}, duckReason(err)
	}
	return sum, nil
}

// Differs names what differs between two checksums, "" when nothing.
func (c Checksum) Differs(other Checksum) string {
	if c.Rows != other.Rows {
		return fmt.Sprintf("row count %d, was %d", other.Rows, c.Rows)
	}
	for i, col := range c.Columns {
		o := other.Columns[i]
		switch {
		case col.NonNull != o.NonNull:
			return fmt.Sprintf("column %s: %d values that are not NULL, was %d", col.Name, o.NonNull, col.NonNull)
		case col.HashSum != o.HashSum:
			return fmt.Sprintf("column %s: its values' checksum differs", col.Name)
		}
	}
	return ""
}
