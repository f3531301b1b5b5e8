package lake

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/parquet-go/parquet-go"
)

// ImportProgress is how far an import is. An import into one file is one
// pass over the input ("read"); into N files it is two: the input into
// one Parquet file in the scratch folder ("read"), then that file into the
// N files ("split"), each with its own Done and Total.
type ImportProgress struct {
	Phase       string
	Done, Total int64         // bytes of the phase's input read, of all; Done is 0 where it cannot be known
	Written     int64         // bytes of the table's files so far
	Elapsed     time.Duration // since the phase began
}

// importWrite is one import's writing: a bounded DuckDB, a scratch folder
// in .tarn/tmp for what is not the table (the whole input as one Parquet
// file before a split, the rejected lines), removed by close.
type importWrite struct {
	opts    ImportOptions
	lay     Layout
	db      *sql.DB
	scratch string
	dir     string // the staging folder of the table's files
	rejects rejectsFile
}

func (l *Lake) newImportWrite(opts ImportOptions, lay Layout) (*importWrite, error) {
	db, err := l.OpenBoundedDuckDB()
	if err != nil {
		return nil, fmt.Errorf("import: %w", err)
	}
	scratch, err := os.MkdirTemp(filepath.Join(l.Root, filepath.FromSlash(ScratchDir)), "import-")
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("import: %w", err)
	}
	w := &importWrite{opts: opts, lay: lay, db: db, scratch: scratch}
	w.rejects.dir = scratch
	return w, nil
}

func (w *importWrite) close() {
	w.rejects.close()
	w.db.Close()
	os.RemoveAll(w.scratch)
}

// report tells opts.Progress where the import is, every 100 ms while run
// runs; done, if not nil, says how many of the phase's bytes were read
// (else the process's reads since the phase began stand for it).
func (w *importWrite) report(phase string, total int64, done func() int64, run func() error) error {
	if w.opts.Progress == nil {
		return run()
	}
	if done == nil {
		meter := newReadMeter()
		done = func() int64 { return min(meter.read(), total) }
	}
	start := time.Now()
	stop := every(100*time.Millisecond, func() {
		w.opts.Progress(ImportProgress{Phase: phase, Done: done(), Total: total, Written: dirBytes(w.dir), Elapsed: time.Since(start)})
	})
	defer stop()
	return run()
}

// importWithDuckDB reads CSV or JSON lines with DuckDB's readers (schema
// detected) and streams them into the table's files.
func (w *importWrite) importWithDuckDB(ctx context.Context, kind InputKind, t *Table) error {
	rows, err := w.copyInput(ctx, kind, t)
	if err != nil {
		return err
	}
	if rows == 0 {
		return fmt.Errorf("import: %s: no rows", strings.Join(w.opts.Files, ", "))
	}
	t.Rows = rows
	if w.lay.Files == 1 {
		return nil
	}
	return w.split(ctx, rows)
}

// copyInput detects the input's columns into t and copies its rows into
// the table's one file, or the scratch file to split, on one connection
// of w.db (returned before a split uses w.db).
func (w *importWrite) copyInput(ctx context.Context, kind InputKind, t *Table) (int64, error) {
	conn := openCrawlConn(ctx, w.db)
	defer conn.Close()
	size := inputBytes(w.opts.Files)
	if size < oneThreadBelow {
		if _, err := conn.exec(ctx, "SET threads=1"); err != nil {
			return 0, fmt.Errorf("import: %w", err)
		}
	}
	reader, cols, err := importReader(ctx, conn, kind, w.opts.Files)
	if err != nil {
		return 0, fmt.Errorf("import: reading %s: %w", strings.Join(w.opts.Files, ", "), duckReason(err))
	}
	t.Columns = cols
	if err := validateTable(*t); err != nil {
		return 0, fmt.Errorf("import: %v", err)
	}
	rows, err := w.copyRows(ctx, conn, reader, size)
	if err != nil && conversionError(err) && ctx.Err() == nil {
		// A value past the sniffed sample that its type does not fit.
		if reader, cols, serr := wholeSampleReader(ctx, conn, kind, w.opts.Files); serr == nil && validateTable(withColumns(*t, cols)) == nil {
			t.Columns = cols
			rows, err = w.copyRows(ctx, conn, reader, size)
		}
	}
	if err != nil {
		return 0, fmt.Errorf("import: reading %s: %w", strings.Join(w.opts.Files, ", "), err)
	}
	return rows, nil
}

func withColumns(t Table, cols []Column) Table {
	t.Columns = cols
	return t
}

// copyRows copies the rows of reader into the table's one file, or the
// scratch file to split.
func (w *importWrite) copyRows(ctx context.Context, conn *crawlConn, reader string, size int64) (int64, error) {
	var rows int64
	err := w.report("read", size, nil, func() error {
		var err error
		if w.lay.Files == 1 {
			rows, err = conn.copyTo(ctx, "SELECT * FROM "+reader, w.partPath(0), copyFormat(w.lay.Format, w.lay.Compression))
		} else {
			rows, err = conn.copyTo(ctx, "SELECT * FROM "+reader, w.wholePath(), scratchParquet)
		}
		return err
	})
	return rows, err
}

// oneThreadBelow is the input size under which an import sniffs and
// copies on one DuckDB thread (in its private DuckDB, closed after it). A
// second thread costs more than it brings there: the source's 1x log
// (28 MB) took 0.5-0.7 s of CPU with the sniff and the COPY on one, 0.8-
// 1.0 s with the COPY alone and 0.9-1.3 s with neither, at 80-90 MB peak
// against 115-125 MB; the wall time followed on 2 shared cores. Larger inputs
// keep DuckDB's threads: the 100x log (2.8 GB) used both cores for
// 199 MB/s.
var oneThreadBelow int64 = 64 << 20

// csvReadBuffer is the bytes DuckDB's CSV reader reads at a time. Its
// default, 32 MiB, is past glibc's largest reuse threshold, so every
// buffer is a fresh mapping whose pages fault in as the file is copied
// into it: measured on the 10x log (277 MB), the COPY to Parquet took
// 4.3-5.0 s of CPU, 1.6 s of it in the kernel, against 2.2-2.6 s with
// 2 MiB. 2 MiB is still above the reader's longest line (2,000,000 bytes
// by default), so no line that read before is refused now.
var csvReadBuffer = 2 << 20

// scratchParquet is how the whole input is kept before a split: Snappy,
// cheaper to write and read again than zstd.
var scratchParquet = []string{"FORMAT parquet", "COMPRESSION snappy", "ROW_GROUP_SIZE " + fmt.Sprint(ParquetRowGroupRows)}

func (w *importWrite) wholePath() string { return filepath.Join(w.scratch, "whole.parquet") }

func (w *importWrite) partPath(i int) string {
	return filepath.Join(w.dir, PartName(i, w.lay.Files, Extension(w.lay.Format, w.lay.Compression)))
}

// split writes the whole input, rows long, from the scratch folder into
// the layout's files: file i holds rows [i*rows/N, (i+1)*rows/N) in their
// order, as SplitBounds divides them. Each file is one COPY of a range of
// the scratch file's row numbers, which DuckDB reads only the row groups
// of (measured: a 1/500 slice of 5,000,000 rows in 59-101 ms against
// 1.9 s for all), so the N COPYs read the scratch file about once.
func (w *importWrite) split(ctx context.Context, rows int64) error {
	if int64(w.lay.Files) > rows {
		return fmt.Errorf("import: cannot split %d rows into %d files", rows, w.lay.Files)
	}
	whole := w.wholePath()
	st, err := os.Stat(whole)
	if err != nil {
		return fmt.Errorf("import: %w", err)
	}
	conn := openCrawlConn(ctx, w.db)
	defer conn.Close()
	return w.report("split", st.Size(), nil, func() error {
		for i := range w.lay.Files {
			lo, hi := SplitBounds(int(rows), w.lay.Files, i)
			query := fmt.Sprintf("SELECT * EXCLUDE (file_row_number) FROM read_parquet(%s, file_row_number=true) "+
				"WHERE file_row_number >= %d AND file_row_number < %d", SQLString(whole), lo, hi)
			if _, err := conn.copyTo(ctx, query, w.partPath(i), copyFormat(w.lay.Format, w.lay.Compression)); err != nil {
				return fmt.Errorf("import: writing %s: %w", w.partPath(i), err)
			}
		}
		return nil
	})
}

// inputBytes is the files' size on disk.
func inputBytes(files []string) int64 {
	var n int64
	for _, f := range files {
		if st, err := os.Stat(f); err == nil {
			n += st.Size()
		}
	}
	return n
}

// importLog parses access logs in Go and writes them, a row group at a
// time, into one Parquet file in the scratch folder, then into the
// table's files; malformed lines are counted, the first few reported and
// all kept in the rejects file, never fatal and never silently dropped.
func (w *importWrite) importLog(ctx context.Context, t *Table, rep *ImportReport) error {
	var read atomic.Int64
	var rows int64
	err := w.report("read", inputBytes(w.opts.Files), read.Load, func() (err error) {
		rows, err = w.parseLogs(ctx, &read, rep)
		return err
	})
	if err == nil {
		err = w.rejects.finish()
	}
	if err != nil {
		return fmt.Errorf("import: %w", err)
	}
	if rows == 0 {
		return fmt.Errorf("import: no readable log lines in %s (%d malformed)", strings.Join(w.opts.Files, ", "), rep.Malformed)
	}
	t.Columns, t.Rows = LogColumns, rows
	if w.lay.Files > 1 {
		return w.split(ctx, rows)
	}
	conn := openCrawlConn(ctx, w.db)
	defer conn.Close()
	err = w.report("write", 0, nil, func() (err error) {
		_, err = conn.copyTo(ctx, "SELECT * FROM read_parquet("+SQLString(w.wholePath())+")", w.partPath(0),
			copyFormat(w.lay.Format, w.lay.Compression))
		return err
	})
	if err != nil {
		return fmt.Errorf("import: writing %s: %w", w.partPath(0), err)
	}
	return nil
}

// parseLogs writes every readable line of the files into the scratch
// Parquet file, a row group of ParquetRowGroupRows at a time, keeping
// read at the input bytes read.
func (w *importWrite) parseLogs(ctx context.Context, read *atomic.Int64, rep *ImportReport) (int64, error) {
	f, err := os.Create(w.wholePath())
	if err != nil {
		return 0, err
	}
	defer f.Close()
	buf := bufio.NewWriterSize(f, 1<<20)
	pw := parquet.NewGenericWriter[LogRecord](buf, parquet.Compression(&parquet.Snappy),
		parquet.MaxRowsPerRowGroup(ParquetRowGroupRows), parquet.CreatedBy("tarn", "0.1", ""))
	batch := make([]LogRecord, 0, ParquetRowGroupRows)
	var rows int64
	flush := func() error {
		if len(batch) == 0 {
			return ctx.Err()
		}
		rows += int64(len(batch))
		if _, err := pw.Write(batch); err != nil {
			return err
		}
		batch = batch[:0]
		if err := pw.Flush(); err != nil {
			return err
		}
		return ctx.Err()
	}
	for _, path := range w.opts.Files {
		err := readLog(path, read, func(rec LogRecord) error {
			if batch = append(batch, rec); len(batch) == cap(batch) {
				return flush()
			}
			return nil
		}, func(bad LineError) error { return w.malformed(bad, rep) })
		if err != nil {
			return 0, err
		}
	}
	if err := flush(); err != nil {
		return 0, err
	}
	if err := pw.Close(); err != nil {
		return 0, err
	}
	if err := buf.Flush(); err != nil {
		return 0, err
	}
	return rows, f.Close()
}

// malformed counts a line that could not be parsed, quotes the first few
// and keeps every one in the rejects file.
func (w *importWrite) malformed(bad LineError, rep *ImportReport) error {
	rep.Malformed++
	if len(rep.Examples) < maxExamples {
		rep.Examples = append(rep.Examples, bad)
	}
	return w.rejects.add(bad)
}

// readLog calls good for each parsed line of path and bad for each line
// that could not be parsed, keeping read at the bytes of path read (as
// stored: compressed for a gzip file) on top of what it was.
func readLog(path string, read *atomic.Int64, good func(LogRecord) error, bad func(LineError) error) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	r, err := openInputReader(&countingReader{f, read})
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if strings.TrimSpace(line) == "" {
			continue
		}
		rec, err := ParseLogLine(line)
		if err != nil {
			err = bad(LineError{path, n, err.Error(), line})
		} else {
			err = good(rec)
		}
		if err != nil {
			return err
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

// countingReader adds what it reads to n.
type countingReader struct {
	r io.Reader
	n *atomic.Int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	k, err := c.r.Read(p)
	c.n.Add(int64(k))
	return k, err
}

// rejectsFile is the CSV file (file, line, reason, raw) of an import's
// malformed lines, made in dir at the first one; path is "" until then.
type rejectsFile struct {
	dir  string
	path string
	f    *os.File
	buf  *bufio.Writer
	csv  *csv.Writer
}

func (r *rejectsFile) add(bad LineError) error {
	if r.f == nil {
		f, err := os.OpenFile(filepath.Join(r.dir, "rejects.csv"), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return fmt.Errorf("keeping the malformed lines: %w", err)
		}
		r.f, r.path = f, f.Name()
		r.buf = bufio.NewWriterSize(f, 64<<10)
		r.csv = csv.NewWriter(r.buf)
		r.csv.Write([]string{"file", "line", "reason", "raw"})
	}
	return r.csv.Write([]string{bad.File, strconv.Itoa(bad.Line), bad.Err, bad.Raw})
}

// finish flushes and syncs the file, ready to be moved into place.
func (r *rejectsFile) finish() error {
	if r.f == nil {
		return nil
	}
	r.csv.Flush()
	err := errors.Join(r.csv.Error(), r.buf.Flush(), r.f.Sync())
	if err != nil {
		return fmt.Errorf("keeping the malformed lines: %w", err)
	}
	return nil
}

func (r *rejectsFile) close() {
	if r.f != nil {
		r.f.Close()
	}
}
