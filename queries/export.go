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
	if err := checkDestination(s.Lake.Root, path, overwrite); err != nil {
		return Stats{}, err
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

// ExistsError is an export to a file that exists, without overwrite.
type ExistsError struct{ Path string }

func (e *ExistsError) Error() string {
	return fmt.Sprintf("export to %s: the file exists; choose another name or overwrite it", e.Path)
}

// checkDestination refuses an export into the lake, symlinks and ".."
// resolved, into a folder that does not exist, or over an existing file
// unless overwrite is set.
func checkDestination(root, path string, overwrite bool) error {
	abs, err := filepath.Abs(path)
	if err != nil {
		return fmt.Errorf("export to %s: %w", path, err)
	}
	dir, err := filepath.EvalSymlinks(filepath.Dir(abs))
	if err != nil {
		return fmt.Errorf("export to %s: folder %s does not exist", path, filepath.Dir(abs))
	}
	if realRoot, err := filepath.EvalSymlinks(root); err == nil && within(realRoot, dir) {
		return fmt.Errorf("inside the lake (%s): an export may not write there, since %s would become part of the lake; write it elsewhere, e.g. in %s", root, path, DefaultExportDir(root))
	}
	if info, err := os.Lstat(abs); err == nil {
		if info.IsDir() {
			return fmt.Errorf("export to %s: that is a folder", path)
		}
		if !overwrite {
			return &ExistsError{Path: path}
		}
	}
	return nil
}

// within says whether dir is root or inside it.
func within(root, dir string) bool {
	rel, err := filepath.Rel(root, dir)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, "../")
}

// DefaultExportDir is where exports go unless the user says otherwise:
// tarn's data folder's exports, beside the default lake, or ~/tarn-exports
// when that folder would be inside the lake.
func DefaultExportDir(root string) string {
	home, _ := os.UserHomeDir()
	dir := filepath.Join(home, ".local", "share", "tarn", "exports")
	if data := os.Getenv("XDG_DATA_HOME"); data != "" {
		dir = filepath.Join(data, "tarn", "exports")
	}
	if abs, err := filepath.Abs(root); err == nil && within(abs, dir) {
		dir = filepath.Join(home, "tarn-exports")
	}
	return dir
}

var enumRE = regexp.MustCompile(`\bENUM\b([^(]|$)`)

// exportType is the type of an export's column. duckdb-go names an ENUM
// type without its values, which DuckDB cannot create; its values arrive
// as text, and are written as VARCHAR.
func exportType(t string) string {
	return enumRE.ReplaceAllString(t, "VARCHAR$1")
}
