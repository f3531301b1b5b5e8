package queries

import (
	"context"
	"database/sql"
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
// guard and views like any query; a private in-memory DuckDB that never
// sees the lake or the user's SQL receives them through an appender and
// writes the file with COPY, to a temporary name first, so path holds the
// old file or the whole new one. The export is one audit record of its
// own (kind export, its destination, rows and state): a query that ran but
// whose file could not be written is FAILED.
func (s *Session) Export(ctx context.Context, text, path, format string) (Stats, error) {
	copyOpts, ok := map[string]string{"csv": "FORMAT csv, HEADER true", "json": "FORMAT json", "parquet": "FORMAT parquet, COMPRESSION zstd"}[format]
	if !ok {
		return Stats{}, fmt.Errorf("export format %q: use csv, json or parquet", format)
	}
	if dir := filepath.Dir(path); dir != "" {
		if info, err := os.Stat(dir); err != nil || !info.IsDir() {
			return Stats{}, fmt.Errorf("export to %s: folder %s does not exist", path, dir)
		}
	}
	r, err := s.run(ctx, text, "export", path)
	if err != nil {
		return s.Last().Stats, err
	}
	tmp := path + ".tarn-tmp"
	err = writeExport(ctx, r, tmp, copyOpts)
	if err == nil {
		err = lake.CommitFile(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		r.fail(fmt.Errorf("export to %s: %w", path, err))
	}
	err = r.Close()
	return r.Stats(), err
}

func writeExport(ctx context.Context, r *Result, tmp, copyOpts string) error {
	db, err := sql.Open("duckdb", "")
	if err != nil {
		return err
	}
	defer db.Close()
	conn, err := db.Conn(ctx)
	if err != nil {
		return err
	}
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
	_, err = conn.ExecContext(ctx, "COPY export TO "+lake.SQLString(tmp)+" ("+copyOpts+")")
	return err
}

var enumRE = regexp.MustCompile(`\bENUM\b([^(]|$)`)

// exportType is the type of an export's column. duckdb-go names an ENUM
// type without its values, which DuckDB cannot create; its values arrive
// as text, and are written as VARCHAR.
func exportType(t string) string {
	return enumRE.ReplaceAllString(t, "VARCHAR$1")
}
