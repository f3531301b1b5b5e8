package lake

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
)

// CrawlReport says what a crawl found, like a Glue crawler's run summary.
type CrawlReport struct {
	Registered []Table
	Changed    []string // tables whose files no longer match the catalog
	Unchanged  int
	Skipped    []string // files or folders left out, each with the reason
}

// fileKind is how the crawler recognises a data file by its name.
type fileKind struct {
	Format      Format
	Compression Compression
	Ext         string
}

func kindOf(name string) (fileKind, bool) {
	lower := strings.ToLower(name)
	comp := None
	if strings.HasSuffix(lower, ".gz") {
		comp = Gzip
		lower = strings.TrimSuffix(lower, ".gz")
	}
	ext := filepath.Ext(lower)
	full := ext
	if comp == Gzip {
		full += ".gz"
	}
	switch ext {
	case ".parquet":
		if comp == Gzip {
			return fileKind{}, false
		}
		return fileKind{Parquet, None, full}, true
	case ".csv":
		return fileKind{CSV, comp, full}, true
	case ".json", ".jsonl", ".ndjson":
		return fileKind{JSON, comp, full}, true
	}
	return fileKind{}, false
}

// Crawl finds data folders under dir (the lake root or a folder inside it;
// a relative dir is relative to the root, wherever tarn runs),
// infers each new folder's schema with DuckDB, checks every file, and
// registers the folders as tables. Registered folders whose first file's
// schema differs from the catalog are reported as changed (and updated when
// update is set). Unreadable files are reported and left out.
//
// The crawl holds the catalog's lock from the moment it reads lake.toml
// to the moment it saves it, so no other change is lost meanwhile.
func (l *Lake) Crawl(ctx context.Context, dir string, update bool) (CrawlReport, error) {
	var rep CrawlReport
	unlock, err := l.lockCatalog()
	if err != nil {
		return rep, err
	}
	defer unlock()
	if err := l.reload(); err != nil {
		return rep, err
	}
	folders, err := l.dataFolders(dir, &rep)
	if err != nil {
		return rep, err
	}
	db, err := OpenDuckDB()
	if err != nil {
		return rep, err
	}
	defer db.Close()
	for _, rel := range slices.Sorted(maps.Keys(folders)) {
		if err := ctx.Err(); err != nil {
			return rep, err
		}
		kinds := folders[rel]
		if len(kinds) > 1 {
			rep.Skipped = append(rep.Skipped, fmt.Sprintf("%s: mixes %s files; put each format in its own folder", rel, strings.Join(slices.Sorted(maps.Keys(kinds)), " and ")))
			continue
		}
		for ext, files := range kinds {
			kind, _ := kindOf("x" + ext)
			l.crawlFolder(ctx, db, rel, kind, files, update, &rep)
		}
	}
	if len(rep.Registered) > 0 || (update && len(rep.Changed) > 0) {
		return rep, l.Save()
	}
	return rep, nil
}

// dataFolders maps each folder (relative to the root) to its data files
// by extension. Hidden entries and tarn's own files are ignored.
func (l *Lake) dataFolders(dir string, rep *CrawlReport) (map[string]map[string][]string, error) {
	abs := dir
	if !filepath.IsAbs(dir) {
		abs = filepath.Join(l.Root, dir)
	}
	abs = filepath.Clean(abs)
	if rel, err := filepath.Rel(l.Root, abs); err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return nil, fmt.Errorf("crawl: %s is outside the lake %s", dir, l.Root)
	}
	if st, err := os.Stat(abs); err != nil || !st.IsDir() {
		return nil, fmt.Errorf("crawl: %s: not a directory inside the lake", dir)
	}
	folders := map[string]map[string][]string{}
	err := filepath.WalkDir(abs, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			rep.Skipped = append(rep.Skipped, fmt.Sprintf("%s: %v", path, unwrapPath(err)))
			return nil
		}
		if strings.HasPrefix(d.Name(), ".") && path != abs {
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if d.IsDir() || !d.Type().IsRegular() {
			return nil
		}
		kind, ok := kindOf(d.Name())
		if !ok {
			return nil
		}
		rel, _ := filepath.Rel(l.Root, filepath.Dir(path))
		rel = filepath.ToSlash(rel)
		if rel == "." && d.Name() == AuditFile {
			return nil // tarn's own log
		}
		if rel == "." {
			rep.Skipped = append(rep.Skipped, fmt.Sprintf("%s: data files must be in a folder (database/table/), not the lake root", d.Name()))
			return nil
		}
		if folders[rel] == nil {
			folders[rel] = map[string][]string{}
		}
		folders[rel][kind.Ext] = append(folders[rel][kind.Ext], path)
		return nil
	})
	return folders, err
}

func (l *Lake) crawlFolder(ctx context.Context, db *sql.DB, rel string, kind fileKind, files []string, update bool, rep *CrawlReport) {
	sort.Strings(files)
	if existing, ok := l.tableAt(rel); ok {
		l.recrawl(ctx, db, existing, files, update, rep)
		return
	}
	t := Table{Location: rel, Format: kind.Format, Compression: kind.Compression, Origin: OriginCrawl}
	if kind.Ext != Extension(kind.Format, kind.Compression) {
		t.Pattern = "*" + kind.Ext
	}
	var err error
	if err = l.Catalog.FolderConflict(rel); err == nil {
		t.Database, t.Name, err = l.nameFor(rel)
	}
	if err != nil {
		rep.Skipped = append(rep.Skipped, fmt.Sprintf("%s: %v", rel, err))
		return
	}
	cols, err := inferSchema(ctx, db, t, files[0])
	for err != nil && len(files) > 1 { // the first file may be the broken one
		rep.Skipped = append(rep.Skipped, fmt.Sprintf("%s: %v", files[0], err))
		t.Exclude = append(t.Exclude, filepath.Base(files[0]))
		files = files[1:]
		cols, err = inferSchema(ctx, db, t, files[0])
	}
	if err != nil {
		rep.Skipped = append(rep.Skipped, fmt.Sprintf("%s: %v", files[0], err))
		return
	}
	t.Columns = cols
	if err := validateTable(t); err != nil {
		rep.Skipped = append(rep.Skipped, fmt.Sprintf("%s: %v", rel, err))
		return
	}
	for _, f := range files {
		n, err := countFile(ctx, db, t, f)
		if err != nil {
			rep.Skipped = append(rep.Skipped, fmt.Sprintf("%s: %v", f, err))
			t.Exclude = append(t.Exclude, filepath.Base(f))
			continue
		}
		t.Rows += n
	}
	if allExcluded(t, files) {
		rep.Skipped = append(rep.Skipped, fmt.Sprintf("%s: no readable files", rel))
		return
	}
	l.Catalog.Put(t)
	rep.Registered = append(rep.Registered, t)
}

func allExcluded(t Table, files []string) bool {
	for _, f := range files {
		if !slices.Contains(t.Exclude, filepath.Base(f)) {
			return false
		}
	}
	return true
}

// recrawl compares a registered table with its files.
func (l *Lake) recrawl(ctx context.Context, db *sql.DB, t Table, files []string, update bool, rep *CrawlReport) {
	files = slices.DeleteFunc(files, func(f string) bool { return slices.Contains(t.Exclude, filepath.Base(f)) })
	if len(files) == 0 {
		rep.Skipped = append(rep.Skipped, fmt.Sprintf("%s: every file is excluded as unreadable", t.QualifiedName()))
		return
	}
	cols, err := inferSchema(ctx, db, t, files[0])
	if err != nil {
		rep.Skipped = append(rep.Skipped, fmt.Sprintf("%s: %v", files[0], err))
		return
	}
	if t.Format == Parquet && !sameColumns(cols, t.Columns) || t.Format != Parquet && !sameNames(cols, t.Columns) {
		rep.Changed = append(rep.Changed, fmt.Sprintf("%s: files have columns %s; catalog has %s",
			t.QualifiedName(), describeColumns(cols), describeColumns(t.Columns)))
		if update {
			t.Columns = cols
			l.Catalog.Put(t)
		}
		return
	}
	rep.Unchanged++
}

func (l *Lake) tableAt(rel string) (Table, bool) {
	for _, t := range l.Catalog.Tables {
		if t.Location == rel {
			return t, true
		}
	}
	return Table{}, false
}

var nonIdent = regexp.MustCompile(`[^a-z0-9_]+`)

// nameFor derives database and table names from a folder: the first
// component is the database, the rest joined by _ the table (as a Glue
// crawler names tables after folders). Taken names get a numeric suffix.
// A folder directly under the root names no table, and a database is never
// given one of DuckDB's own names: the crawler does not invent names.
func (l *Lake) nameFor(rel string) (string, string, error) {
	parts := strings.Split(rel, "/")
	if len(parts) < 2 {
		return "", "", fmt.Errorf("data files must be in a table's folder, database/table/ (found them directly in %s/)", rel)
	}
	for i, p := range parts {
		parts[i] = strings.Trim(nonIdent.ReplaceAllString(strings.ToLower(p), "_"), "_")
	}
	db, name := identifier(parts[0]), identifier(strings.Join(parts[1:], "_"))
	if slices.Contains(ReservedDatabases, db) {
		return "", "", fmt.Errorf("database name %q is DuckDB's own (reserved: %s); rename the folder", db, strings.Join(ReservedDatabases, ", "))
	}
	base := name
	for i := 2; ; i++ {
		if _, taken := l.Catalog.Lookup(db, name); !taken {
			return db, name, nil
		}
		name = fmt.Sprintf("%s_%d", base, i)
	}
}

// identifier makes a cleaned name valid: not empty, not starting with a digit.
func identifier(s string) string {
	if s == "" || (s[0] >= '0' && s[0] <= '9') {
		return "t_" + s
	}
	return s
}

// inferSchema asks DuckDB for one file's columns, detecting CSV and JSON
// types from the data.
func inferSchema(ctx context.Context, db *sql.DB, t Table, file string) ([]Column, error) {
	src := SQLString(file)
	var reader string
	switch t.Format {
	case Parquet:
		reader = "read_parquet(" + src + ")"
	case CSV:
		reader = "read_csv(" + src + ", header=true, delim=',', allow_quoted_nulls=false)"
	default:
		reader = "read_json(" + src + ", format='newline_delimited')"
	}
	cols, err := describe(ctx, db, "SELECT * FROM "+reader)
	if err != nil {
		return nil, duckReason(err)
	}
	return cols, nil
}

// countFile reads a whole file with the table's explicit schema, which
// catches truncated gzip, bad footers and rows that do not fit the types.
func countFile(ctx context.Context, db *sql.DB, t Table, file string) (int64, error) {
	if t.Compression == Gzip {
		// DuckDB reads a truncated gzip stream up to the cut without complaint.
		if err := checkGzip(file); err != nil {
			return 0, err
		}
	}
	var n int64
	if err := db.QueryRowContext(ctx, "SELECT count(*) FROM "+RelationOf(t, []string{file})).Scan(&n); err != nil {
		return 0, duckReason(err)
	}
	return n, nil
}

// duckReason keeps the lines of a DuckDB error that name the cause, and
// drops its advice, option dump and SQL excerpt: one line for the user.
func duckReason(err error) error {
	var keep []string
	for _, line := range strings.Split(err.Error(), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "Possible fixes") || strings.HasPrefix(line, "LINE ") {
			break
		}
		keep = append(keep, line)
	}
	return errors.New(strings.Join(keep, "; "))
}

func sameColumns(a, b []Column) bool { return slices.Equal(a, b) }

func sameNames(a, b []Column) bool {
	return slices.EqualFunc(a, b, func(x, y Column) bool { return x.Name == y.Name })
}

func describeColumns(cols []Column) string {
	parts := make([]string, len(cols))
	for i, c := range cols {
		parts[i] = c.Name + " " + c.Type
	}
	return "(" + strings.Join(parts, ", ") + ")"
}
