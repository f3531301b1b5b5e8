package lake

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
)

// CrawlReport says what a crawl found, like a Glue crawler's run summary.
type CrawlReport struct {
	Registered []Table
	Changed    []string // tables whose files no longer match the catalog
	Unchanged  int
	Skipped    []string // files or folders left out, each with the reason
	Refused    []string // changes Check refused, each with the reason
}

// CrawlOptions say where to crawl and whether to apply what changed.
type CrawlOptions struct {
	Dir    string // the lake root or a folder inside it; relative to the root
	Update bool   // apply the changes found in registered tables
	// Check, if set, sees the catalog before and after one registered
	// table's change, under the catalog's lock, before the change is
	// applied: an error refuses that change (it is reported in Refused)
	// and the crawl goes on. The command line checks the policy there.
	Check func(before, after *Catalog, table Table) error
	// Progress, if set, is called as each folder is applied, and once
	// with Done == Total at the end.
	Progress func(CrawlProgress)
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

// Crawl finds data folders under opts.Dir, infers each new folder's
// schema with DuckDB, checks every file, and registers the folders as
// tables. A registered folder is compared with the catalog as it is now
// (the columns of all its files by name, its rows, its unreadable files):
// what changed is reported, and applied with opts.Update. Unreadable files
// are reported and left out.
//
// The crawl is one locked update of the catalog: lake.toml is read, and
// saved only if something was registered or applied, so no other change
// is lost meanwhile; a cancelled crawl saves nothing.
//
// Folders are read by several DuckDB connections at once (crawlWorkers)
// and applied one at a time in the folders' order, so the catalog and the
// report are those of a crawl folder by folder.
func (l *Lake) Crawl(ctx context.Context, opts CrawlOptions) (CrawlReport, error) {
	var rep CrawlReport
	err := l.Update(func(*Catalog) error {
		folders, err := l.dataFolders(opts.Dir, &rep)
		if err != nil {
			return err
		}
		db, err := l.OpenBoundedDuckDB()
		if err != nil {
			return err
		}
		defer db.Close()
		c := newCrawl(l, opts, &rep)
		jobs := c.plan(folders)
		if err := shareOut(db, len(jobs)); err != nil {
			return err
		}
		ctx, cancel := context.WithCancel(ctx)
		results, wait := inspectAll(ctx, db, jobs)
		defer func() { cancel(); wait() }() // before db.Close
		for i, job := range jobs {
			res := <-results[i]
			if err := ctx.Err(); err != nil {
				return err
			}
			c.progress(i, len(jobs), job.rel)
			c.apply(job, res)
		}
		c.progress(len(jobs), len(jobs), "")
		if len(rep.Registered) == 0 && (!opts.Update || len(rep.Changed) == 0) {
			return errNothingToSave
		}
		return nil
	})
	if errors.Is(err, errNothingToSave) {
		err = nil
	}
	return rep, err
}

// errNothingToSave ends a crawl that changed nothing without a save.
var errNothingToSave = errors.New("nothing to save")

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
	if hiddenIn(l.Root, abs) {
		// .tarn holds every persona's history and rejected raw lines: a
		// table there would serve them to whoever is granted it.
		return nil, fmt.Errorf("crawl: %s is a hidden folder of the lake (tarn's own .tarn, or one a crawl skips); data folders have names that do not start with a dot", dir)
	}
	folders := map[string]map[string][]string{}
	compacting := l.compactingFolders()
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
		if d.IsDir() && l.compactionLeftover(compacting, path) {
			rep.Skipped = append(rep.Skipped, fmt.Sprintf("%s: a compaction's folder (in progress or interrupted; the next tarn compact of its table cleans it)", path))
			return fs.SkipDir
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

// inspectNew reads a folder no table owns as a new table: its schema
// from the first readable file, its rows from all of them. The names are
// those the folder derives (apply gives the final ones); what is left out
// is in skipped, in the order a crawl reports it.
func inspectNew(ctx context.Context, db *crawlConn, job crawlJob) inspection {
	t := Table{Location: job.rel, Format: job.kind.Format, Compression: job.kind.Compression, Origin: OriginCrawl}
	if job.kind.Ext != Extension(job.kind.Format, job.kind.Compression) {
		t.Pattern = "*" + job.kind.Ext
	}
	t.Database, t.Name, _ = derivedName(job.rel)
	var res inspection
	files := job.files
	cols, rows, footers := parquetFooters(t, files)
	var err error
	if !footers {
		cols, err = inferSchema(ctx, db, t, files[:1])
	}
	for err != nil && len(files) > 1 { // the first file may be the broken one
		res.skip(fmt.Sprintf("%s: %v", files[0], err))
		t.Exclude = append(t.Exclude, filepath.Base(files[0]))
		files = files[1:]
		cols, err = inferSchema(ctx, db, t, files[:1])
	}
	if err != nil {
		res.skip(fmt.Sprintf("%s: %v", files[0], err))
		return res
	}
	t.Columns = cols
	if err := validateTable(t); err != nil {
		res.skip(fmt.Sprintf("%s: %v", job.rel, err))
		return res
	}
	if t.Rows = rows; !footers {
		// DuckDB sniffed the types from the first file's first 20,480
		// rows: a later value that does not fit sends it back to read
		// every row of every file.
		resniff := func() ([]Column, error) { return inferSchemaFrom(ctx, db, t, files, wholeSample) }
		countFiles(ctx, db, &t, files, &res.CrawlReport, resniff)
	}
	if allExcluded(t, files) {
		res.skip(fmt.Sprintf("%s: no readable files", job.rel))
		return res
	}
	res.table, res.ok = t, true
	return res
}

func allExcluded(t Table, files []string) bool {
	for _, f := range files {
		if !slices.Contains(t.Exclude, filepath.Base(f)) {
			return false
		}
	}
	return true
}

// countFiles sets t's rows from its files: counted in Go if they are
// plain enough (countedInGo), else by DuckDB. All of them are read in one
// query first, as a query of the table would read them; only if that
// fails are they read one at a time, so that an unreadable file is
// reported and excluded and the rest still count. (A query a file made a
// crawl of one 2,000-file table take 18 s instead of 2.)
//
// Every value is read as its column's type, so a value the sniffed type
// does not fit fails the count. Then, for a new table (resniff not nil),
// the types are sniffed again from every row, and the count retried.
func countFiles(ctx context.Context, db *crawlConn, t *Table, files []string, rep *CrawlReport, resniff func() ([]Column, error)) {
	if n, ok := countedInGo(*t, files); ok {
		t.Rows = n
		return
	}
	n, err := countAll(ctx, db, *t, files)
	if err != nil && resniff != nil && conversionError(err) {
		if cols, serr := resniff(); serr == nil {
			wider := *t
			wider.Columns = cols
			if n, err = countAll(ctx, db, wider, files); err == nil {
				*t = wider
			}
		}
	}
	if err == nil {
		t.Rows = n
		return
	}
	t.Rows = 0
	for _, f := range files {
		n, err := countFile(ctx, db, *t, f)
		if err != nil {
			rep.Skipped = append(rep.Skipped, fmt.Sprintf("%s: %v", f, err))
			t.Exclude = append(t.Exclude, filepath.Base(f))
			continue
		}
		t.Rows += n
	}
}

// inspectRegistered reads the folder of a registered table as it is now.
func inspectRegistered(ctx context.Context, db *crawlConn, job crawlJob) inspection {
	var res inspection
	next, err := folderTable(ctx, db, *job.existing, job.files, &res.CrawlReport)
	if err != nil {
		res.skip(fmt.Sprintf("%s: %v", job.existing.QualifiedName(), err))
		return res
	}
	res.table, res.ok = next, true
	return res
}

// recrawl compares a registered table with its folder as it is now and
// reports what changed; with opts.Update (and Check's consent) the
// catalog follows.
func (c *crawl) recrawl(t, next Table) {
	l, opts, rep := c.l, c.opts, c.rep
	change := describeChange(t, next)
	if change == "" {
		rep.Unchanged++
		return
	}
	change = t.QualifiedName() + ": " + change
	if opts.Update && opts.Check != nil {
		after := &Catalog{Tables: slices.Clone(l.Catalog.Tables)}
		after.Put(next)
		if err := opts.Check(l.Catalog, after, next); err != nil {
			rep.Refused = append(rep.Refused, fmt.Sprintf("%s; not applied: %v", change, err))
			return
		}
	}
	rep.Changed = append(rep.Changed, change)
	if opts.Update {
		l.Catalog.Put(next)
	}
}

// folderTable is t as its folder now is: its columns are those of all its
// readable files by name (types of CSV and JSON columns it has are kept),
// its rows theirs, its exclusions the unreadable files still there. When
// a table gains columns, older files lack them: it is then read by name,
// with NULL for a column a file lacks (JSON always is).
func folderTable(ctx context.Context, db *crawlConn, t Table, files []string, rep *CrawlReport) (Table, error) {
	next := t
	next.Exclude = slices.DeleteFunc(slices.Clone(t.Exclude), func(name string) bool {
		return !slices.ContainsFunc(files, func(f string) bool { return filepath.Base(f) == name })
	})
	files = slices.DeleteFunc(slices.Clone(files), func(f string) bool { return slices.Contains(t.Exclude, filepath.Base(f)) })
	if len(files) == 0 {
		return t, errors.New("every file is excluded as unreadable")
	}
	cols := t.Columns
	if !headersMatch(t, files) {
		var err error
		if cols, err = inferSchema(ctx, db, t, files); err != nil {
			return t, err
		}
	}
	next.Columns = mergeColumns(t, cols)
	if t.Format != JSON && len(addedColumns(t.Columns, next.Columns)) > 0 {
		next.UnionByName = true
	}
	if err := validateTable(next); err != nil {
		return t, err
	}
	countFiles(ctx, db, &next, files, rep, nil) // the catalog's types hold: a file they do not fit is excluded
	if allExcluded(next, files) {
		return t, errors.New("no readable files")
	}
	return next, nil
}

// mergeColumns takes a folder's columns: Parquet's types are the files'
// own; CSV and JSON types are inferred from samples, so a column the
// catalog has keeps its type.
func mergeColumns(t Table, found []Column) Columns {
	if t.Format == Parquet {
		return found
	}
	out := make(Columns, len(found))
	for i, c := range found {
		out[i] = c
		if j := slices.IndexFunc(t.Columns, func(o Column) bool { return o.Name == c.Name }); j >= 0 {
			out[i].Type = t.Columns[j].Type
		}
	}
	return out
}

// addedColumns are the columns of now that before lacks (by name).
func addedColumns(before, now []Column) []Column {
	return slices.DeleteFunc(slices.Clone(now), func(c Column) bool {
		return slices.ContainsFunc(before, func(o Column) bool { return o.Name == c.Name })
	})
}

// describeChange says how next differs from t, "" when it does not:
// "columns +email VARCHAR, -phone VARCHAR; rows 3 -> 4".
func describeChange(t, next Table) string {
	var cols []string
	for _, c := range addedColumns(t.Columns, next.Columns) {
		cols = append(cols, "+"+c.Name+" "+c.Type)
	}
	for _, c := range addedColumns(next.Columns, t.Columns) {
		cols = append(cols, "-"+c.Name+" "+c.Type)
	}
	for _, c := range next.Columns {
		if j := slices.IndexFunc(t.Columns, func(o Column) bool { return o.Name == c.Name }); j >= 0 && t.Columns[j].Type != c.Type {
			cols = append(cols, c.Name+" "+t.Columns[j].Type+" -> "+c.Type)
		}
	}
	var parts []string
	if len(cols) > 0 {
		parts = append(parts, "columns "+strings.Join(cols, ", "))
	} else if !slices.Equal(t.Columns, next.Columns) {
		parts = append(parts, "columns reordered "+DescribeColumns(next.Columns))
	}
	if t.Rows != next.Rows {
		parts = append(parts, fmt.Sprintf("rows %d -> %d", t.Rows, next.Rows))
	}
	if !slices.Equal(t.Exclude, next.Exclude) {
		parts = append(parts, fmt.Sprintf("unreadable files %s", formatNames(next.Exclude)))
	}
	return strings.Join(parts, "; ")
}

func formatNames(names []string) string {
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, ", ")
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

// derivedName derives database and table names from a folder: the first
// component is the database, the rest joined by _ the table (as a Glue
// crawler names tables after folders). A folder directly under the root
// names no table, and a database is never given one of DuckDB's own
// names: the crawler does not invent names. (crawl.name makes a taken
// name unique.)
func derivedName(rel string) (string, string, error) {
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
	return db, name, nil
}

// identifier makes a cleaned name valid: not empty, not starting with a digit.
func identifier(s string) string {
	if s == "" || (s[0] >= '0' && s[0] <= '9') {
		return "t_" + s
	}
	return s
}

// inferSchema asks DuckDB for the columns of files, by name across them,
// detecting CSV and JSON types from a sample of the data.
func inferSchema(ctx context.Context, db *crawlConn, t Table, files []string) ([]Column, error) {
	return inferSchemaFrom(ctx, db, t, files, "")
}

// wholeSample has DuckDB sniff CSV and JSON types from every row.
const wholeSample = ", sample_size=-1"

// inferSchemaFrom is inferSchema with more reader options (wholeSample).
func inferSchemaFrom(ctx context.Context, db *crawlConn, t Table, files []string, options string) ([]Column, error) {
	quoted := make([]string, len(files))
	for i, f := range files {
		quoted[i] = SQLString(f)
	}
	src := "[" + strings.Join(quoted, ", ") + "], union_by_name=true"
	var reader string
	switch t.Format {
	case Parquet:
		reader = "read_parquet(" + src + ")"
	case CSV:
		reader = "read_csv(" + src + ", header=true, delim=',', allow_quoted_nulls=false" + options + ")"
	default:
		reader = "read_json(" + src + ", format='newline_delimited'" + options + ")"
	}
	cols, err := db.describe(ctx, "SELECT * FROM "+reader)
	if err != nil {
		return nil, duckReason(err)
	}
	return cols, nil
}

// countAll reads all files as the table reads them, each gzip file
// checked first (see countFile).
func countAll(ctx context.Context, db *crawlConn, t Table, files []string) (int64, error) {
	if t.Compression == Gzip {
		for _, f := range files {
			if err := checkGzip(f); err != nil {
				return 0, err
			}
		}
	}
	return db.count(ctx, countQuery(t, files))
}

// countQuery counts the rows of files read as t, every value of a CSV or
// JSON file converted to its column's type on the way: DuckDB reads none
// for count(*), so a value the type does not fit went unnoticed and every
// query of the table failed on it. (The counts sit in a list so that
// DuckDB cannot drop them as unused.)
func countQuery(t Table, files []string) string {
	counts := []string{"count(*)"}
	if t.Format != Parquet {
		for _, c := range t.Columns {
			counts = append(counts, "count("+QuoteIdent(c.Name)+")")
		}
	}
	return "SELECT [" + strings.Join(counts, ", ") + "][1] FROM " + RelationOf(t, files)
}

// conversionError says whether DuckDB failed to read a value as its
// column's type.
func conversionError(err error) bool {
	msg := err.Error()
	return strings.Contains(msg, "Conversion Error") || strings.Contains(msg, "Could not convert") ||
		strings.Contains(msg, "JSON transform error")
}

// countFile reads a whole file with the table's explicit schema, which
// catches truncated gzip, bad footers and rows that do not fit the types.
func countFile(ctx context.Context, db *crawlConn, t Table, file string) (int64, error) {
	if t.Compression == Gzip {
		// DuckDB reads a truncated gzip stream up to the cut without complaint.
		if err := checkGzip(file); err != nil {
			return 0, err
		}
	}
	if t.Format == CSV && t.UnionByName {
		// DuckDB refuses types for columns a file lacks: give it the
		// catalog's types of the columns this file has.
		own, err := inferSchema(ctx, db, t, []string{file})
		if err != nil {
			return 0, err
		}
		t.Columns = mergeColumns(t, own)
	}
	n, err := db.count(ctx, countQuery(t, []string{file}))
	if err != nil {
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

// DescribeColumns lists columns as (name TYPE, ...).
func DescribeColumns(cols []Column) string {
	parts := make([]string, len(cols))
	for i, c := range cols {
		parts[i] = c.Name + " " + c.Type
	}
	return "(" + strings.Join(parts, ", ") + ")"
}

// hiddenIn says whether dir, links resolved, is or lies in a folder of
// root whose name starts with a dot.
func hiddenIn(root, dir string) bool {
	for _, pair := range [][2]string{{root, dir}, {resolved(root), resolved(dir)}} {
		rel, err := filepath.Rel(pair[0], pair[1])
		if err != nil || rel == ".." || strings.HasPrefix(rel, "../") {
			continue
		}
		for _, part := range strings.Split(filepath.ToSlash(rel), "/") {
			if strings.HasPrefix(part, ".") && part != "." && part != ".." {
				return true
			}
		}
	}
	return false
}

// resolved is path with its links resolved, or path where that fails.
func resolved(path string) string {
	if r, err := filepath.EvalSymlinks(path); err == nil {
		return r
	}
	return path
}
