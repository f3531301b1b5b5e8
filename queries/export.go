package queries

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	duckdb "github.com/duckdb/duckdb-go/v2"

	"tarn/lake"
)

// ExportFormats are the file formats Export writes.
var ExportFormats = []string{"csv", "json", "parquet"}

// Export runs text as the session's persona and writes its rows to path
// as CSV (with a header), JSON lines or Parquet. The rows go through the
// guard and views like any query; a private, sandboxed in-memory DuckDB
// that never sees the lake or the user's SQL receives them through an
// appender and writes the file with COPY into a private folder; the file
// is then put in place whole (see destination.go), so path holds the old
// file or the whole new one. The export is one audit record of its own
// (kind export, its destination, rows and state): a query that ran but
// whose file could not be written is FAILED.
//
// An export never writes inside the lake, whoever asks: tables read every
// file of their folder, so a file there would add rows to a table (or
// replace one the persona cannot even see), and policy.toml would become
// whatever the rows say. It does not replace an existing file unless
// overwrite is set.
func (s *Session) Export(ctx context.Context, text, path, format string, overwrite bool) (Stats, error) {
	copyOpts, ok := map[string]string{"csv": "FORMAT csv, HEADER true", "json": "FORMAT json", "parquet": "FORMAT parquet, COMPRESSION zstd"}[format]
	if !ok {
		return Stats{}, fmt.Errorf("export format %q: use csv, json or parquet", format)
	}
	if err := s.follow(ctx); err != nil { // the lake as it is now: its tables' folders
		return Stats{}, err
	}
	dest, err := openDestination(s.Lake, path, overwrite)
	if err != nil {
		return Stats{}, err
	}
	defer dest.close()
	r, err := s.run(ctx, text, "export", path)
	if err != nil {
		return s.Last().Stats, err
	}
	private, err := os.MkdirTemp("", "tarn-export-")
	if err == nil {
		defer os.RemoveAll(private)
		file := filepath.Join(private, "export."+format)
		if err = writeExport(ctx, r, private, file, copyOpts); err == nil {
			err = dest.commit(file, overwrite)
		}
	}
	if err != nil {
		r.fail(fmt.Errorf("export to %s: %w", path, err))
	}
	err = r.Close()
	return r.Stats(), err
}

// writeExport writes r's rows to file with COPY, in a DuckDB that may
// write only in the private folder (no extension, no other file).
func writeExport(ctx context.Context, r *Result, private, file, copyOpts string) error {
	db, conn, err := openDuck(ctx, sandbox([]string{private}, ""))
	if err != nil {
		return err
	}
	defer db.Close()
	defer conn.Close()
	var cols []string
	seen := map[string]int{}
	for _, c := range r.Columns() {
		name := c.Name
		if seen[strings.ToLower(name)]++; seen[strings.ToLower(name)] > 1 {
			name = fmt.Sprintf("%s_%d", name, seen[strings.ToLower(name)]) // SELECT a.x, b.x
		}
		cols = append(cols, lake.QuoteIdent(name)+" "+exportType(c.Type))
	}
	if _, err := conn.ExecContext(ctx, "CREATE TABLE export ("+strings.Join(cols, ", ")+")"); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	err = conn.Raw(func(dc any) error {
		a, err := duckdb.NewAppenderFromConn(dc.(driver.Conn), "", "export")
		if err != nil {
			return err
		}
		vals := make([]driver.Value, len(cols))
		err = r.Each(func(row []any) error {
			for i, v := range row {
				vals[i] = v
			}
			return a.AppendRow(vals...)
		})
		return errors.Join(err, a.Close())
	})
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	_, err = conn.ExecContext(ctx, "COPY export TO "+lake.SQLString(file)+" ("+copyOpts+")")
	return err
}

var enumRE = regexp.MustCompile(`\bENUM\b([^(]|$)`)

// exportType is the type of an export's column. duckdb-go names an ENUM
// type without its values, which DuckDB cannot create; its values arrive
// as text, and are written as VARCHAR.
func exportType(t string) string {
	return enumRE.ReplaceAllString(t, "VARCHAR$1")
}
