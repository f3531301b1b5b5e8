package lake

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/klauspost/compress/gzip"

	"tarn/internal/atomicfile"
)

// InputKind is what an imported file holds.
type InputKind string

const (
	InputCSV  InputKind = "csv"
	InputJSON InputKind = "json"
	InputLog  InputKind = "log" // Apache/Nginx combined or common log format
)

// ImportOptions describe one import into the lake.
type ImportOptions struct {
	Files       []string
	Database    string
	Table       string
	Input       InputKind // "" detects from each file's name and first line
	Format      Format
	Compression Compression
	Parts       int  // number of output files
	Replace     bool // replace an existing table of the same name
	// Check, if set, sees the catalog as it is and as it would be with the
	// new table, under the catalog's lock, before anything is replaced:
	// the command line checks the policy against the new schema there.
	Check func(before, after *Catalog) error
	// Progress, if set, hears how far the import is every 100 ms.
	Progress func(ImportProgress)
}

// LineError is one input line that could not be read.
type LineError struct {
	File string
	Line int
	Err  string
	Raw  string // the line as it was read
}

func (e LineError) String() string { return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Err) }

// ImportReport says what an import did.
type ImportReport struct {
	Table     Table
	Input     InputKind
	Rows      int64
	Malformed int         // log lines that could not be parsed
	Examples  []LineError // the first few malformed lines
	// RejectsFile holds the malformed lines, "" when there were none.
	RejectsFile string
}

// maxExamples is how many malformed lines a report quotes.
const maxExamples = 5

// Import reads the files, writes them as a new table in the requested
// layout and registers it. Nothing in the lake changes unless it succeeds.
// The files are written to a hidden folder first; installing them and
// registering the table happen together under the catalog's lock, after
// the target is checked again against lake.toml as it is then.
func (l *Lake) Import(ctx context.Context, opts ImportOptions) (ImportReport, error) {
	var rep ImportReport
	t, err := l.importTarget(l.Catalog, opts)
	if err != nil {
		return rep, err
	}
	kind, err := detectInputs(opts.Files, opts.Input)
	if err != nil {
		return rep, err
	}
	rep.Input = kind
	defer removeIfCreated(filepath.Dir(l.Dir(t)))() // a new database's folder, if nothing was imported into it
	w, err := l.newImportWrite(opts, Layout{opts.Format, opts.Compression, opts.Parts})
	if err != nil {
		return rep, err
	}
	defer w.close()
	tmp, err := stageDir(l.Dir(t), func(tmp string) error {
		w.dir = tmp
		if kind == InputLog {
			err = w.importLog(ctx, &t, &rep)
		} else {
			err = w.importWithDuckDB(ctx, kind, &t)
		}
		if err == nil && ctx.Err() != nil { // cancelled as the last file was finished
			err = fmt.Errorf("import: %w", ctx.Err())
		}
		return err
	})
	if err != nil {
		return rep, err
	}
	defer os.RemoveAll(tmp) // a no-op once installed
	rep.Table, rep.Rows = t, t.Rows
	if err := l.register(t, tmp, opts, w.rejects.path); err != nil {
		return rep, err
	}
	if w.rejects.path != "" {
		rep.RejectsFile = l.RejectsPath(t)
	}
	return rep, nil
}

// removeIfCreated returns a func that removes dir if it did not exist
// when removeIfCreated was called and is empty by then.
func removeIfCreated(dir string) func() {
	if _, err := os.Stat(dir); err == nil {
		return func() {}
	}
	return func() { os.Remove(dir) }
}

// register installs the staged files as t's folder and puts t in the
// catalog, under the catalog's lock; if the catalog cannot be saved, the
// table's old files are put back.
func (l *Lake) register(t Table, tmp string, opts ImportOptions, rejects string) error {
	var keep func() error
	err := l.update(func(c *Catalog) (func() error, error) {
		if _, err := l.importTarget(c, opts); err != nil {
			return nil, err
		}
		before := &Catalog{Tables: slices.Clone(c.Tables)}
		c.Put(t)
		if opts.Check != nil {
			if err := opts.Check(before, c); err != nil {
				return nil, err
			}
		}
		undo, k, err := installDir(tmp, l.Dir(t))
		if err != nil {
			return nil, fmt.Errorf("import: %w", err)
		}
		if err := l.keepRejects(t, rejects); err != nil {
			undo()
			return nil, fmt.Errorf("import: keeping the malformed lines: %w", err)
		}
		keep = k
		return undo, nil
	})
	if err != nil {
		return err
	}
	return keep()
}

// importTarget checks that opts may make its table in cat.
func (l *Lake) importTarget(cat *Catalog, opts ImportOptions) (Table, error) {
	t := Table{Database: opts.Database, Name: opts.Table, Location: opts.Database + "/" + opts.Table,
		Format: opts.Format, Compression: opts.Compression, Origin: OriginImport,
		Columns: []Column{{"placeholder", "VARCHAR"}}}
	if len(opts.Files) == 0 {
		return t, errors.New("import: no input files")
	}
	if opts.Parts < 1 {
		return t, fmt.Errorf("import: --files must be at least 1, got %d", opts.Parts)
	}
	if err := validateTable(t); err != nil {
		return t, fmt.Errorf("import: %v", err)
	}
	if old, ok := cat.Lookup(t.Database, t.Name); ok {
		if !opts.Replace {
			return t, fmt.Errorf("import: table %s already exists (at %s); use --replace to overwrite it", t.QualifiedName(), old.Location)
		}
		if old.Location != t.Location {
			return t, fmt.Errorf("import: table %s lives at %s, not %s; remove it from lake.toml first", t.QualifiedName(), old.Location, t.Location)
		}
	} else if _, err := os.Stat(l.Dir(t)); err == nil {
		return t, fmt.Errorf("import: folder %s already exists and is not table %s; nothing was changed", t.Location, t.QualifiedName())
	}
	others := &Catalog{Tables: slices.DeleteFunc(slices.Clone(cat.Tables), func(o Table) bool { return o.QualifiedName() == t.QualifiedName() })}
	if err := others.FolderConflict(t.Location); err != nil {
		return t, fmt.Errorf("import: %v", err)
	}
	return t, nil
}

var logLineRE = regexp.MustCompile(`^\S+ \S+ \S+ \[[^\]]+\] "`)

// detectInputs decides the input kind; all files must agree.
func detectInputs(files []string, forced InputKind) (InputKind, error) {
	for _, f := range files {
		if st, err := os.Stat(f); err != nil {
			return "", fmt.Errorf("import: %s: %w", f, unwrapPath(err))
		} else if st.IsDir() {
			return "", fmt.Errorf("import: %s is a directory; name the files", f)
		}
		if isGzip(f) {
			if err := checkGzip(f); err != nil {
				return "", fmt.Errorf("import: %s: %w", f, err)
			}
		}
	}
	if forced != "" {
		if forced != InputCSV && forced != InputJSON && forced != InputLog {
			return "", fmt.Errorf("import: unknown input kind %q (want csv, json or log)", forced)
		}
		return forced, nil
	}
	var kind InputKind
	for _, f := range files {
		k, err := detectInput(f)
		if err != nil {
			return "", fmt.Errorf("import: %s: %w", f, err)
		}
		if kind != "" && k != kind {
			return "", fmt.Errorf("import: %s holds %s but earlier files hold %s; import them separately", f, k, kind)
		}
		kind = k
	}
	return kind, nil
}

func detectInput(path string) (InputKind, error) {
	name := strings.TrimSuffix(strings.ToLower(filepath.Base(path)), ".gz")
	switch filepath.Ext(name) {
	case ".csv":
		return InputCSV, nil
	case ".json", ".jsonl", ".ndjson":
		return InputJSON, nil
	}
	r, err := openInput(path)
	if err != nil {
		return "", err
	}
	defer r.Close()
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "":
			continue
		case strings.HasPrefix(line, "{"):
			return InputJSON, nil
		case logLineRE.MatchString(line):
			return InputLog, nil
		default:
			return InputCSV, nil
		}
	}
	if err := sc.Err(); err != nil {
		return "", err
	}
	return "", errors.New("empty input")
}

// openInput opens a file, decompressing it when it is gzip.
func openInput(path string) (io.ReadCloser, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	r, err := openInputReader(f)
	if err != nil {
		f.Close()
		return nil, err
	}
	return struct {
		io.Reader
		io.Closer
	}{r, f}, nil
}

// openInputReader reads r, decompressing it when it is gzip.
func openInputReader(r io.Reader) (io.Reader, error) {
	br := bufio.NewReaderSize(r, 256<<10)
	if magic, _ := br.Peek(2); !bytes.Equal(magic, []byte{0x1f, 0x8b}) {
		return br, nil
	}
	return gzip.NewReader(br)
}

// checkGzip reads a gzip file to its end, so truncation and bad checksums
// are reported as such.
func checkGzip(file string) error {
	f, err := os.Open(file)
	if err != nil {
		return err
	}
	defer f.Close()
	gz, err := gzip.NewReader(bufio.NewReaderSize(f, 256<<10))
	if err != nil {
		return fmt.Errorf("not a gzip file: %v", err)
	}
	if _, err := io.Copy(io.Discard, gz); err != nil {
		if errors.Is(err, io.ErrUnexpectedEOF) {
			return errors.New("truncated gzip file (unexpected end of data)")
		}
		return fmt.Errorf("corrupt gzip file: %v", err)
	}
	return nil
}

// isGzip tells a gzip file by its magic bytes.
func isGzip(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	magic := make([]byte, 2)
	n, _ := io.ReadFull(f, magic)
	return n == 2 && magic[0] == 0x1f && magic[1] == 0x8b
}

// RejectsDir holds the lines imports could not parse, one CSV file a
// table. It is under .tarn/, which no persona's DuckDB may open (its
// sandbox allows only table folders): a raw line holds every field of its
// row, past the masks, column exclusions and row filters of the table, so
// only the lake's owner, at the file system, reads them.
const RejectsDir = ".tarn/rejects"

// RejectsPath is the file of t's rejected lines.
func (l *Lake) RejectsPath(t Table) string {
	return filepath.Join(l.Root, filepath.FromSlash(RejectsDir), t.QualifiedName()+".csv")
}

// keepRejects moves the file of t's rejected lines (file, line, reason,
// raw), written and synced in the scratch folder, into place, or removes
// t's when there are none: rejects of a replaced table's old data do not
// describe the new one.
func (l *Lake) keepRejects(t Table, rejects string) error {
	path := l.RejectsPath(t)
	if rejects == "" {
		if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	if err := os.Rename(rejects, path); err != nil {
		return err
	}
	return atomicfile.SyncDir(filepath.Dir(path))
}

// describe returns the column names and types of a query.
func describe(ctx context.Context, db *sql.DB, query string) ([]Column, error) {
	rows, err := queryText(ctx, db, "DESCRIBE "+query)
	if err != nil {
		return nil, err
	}
	return describedColumns(rows), nil
}

// describedColumns are the columns in DESCRIBE's rows (name, type, ...).
func describedColumns(rows [][]string) []Column {
	cols := make([]Column, len(rows))
	for i, r := range rows {
		cols[i] = Column{Name: r[0], Type: r[1]}
	}
	return cols
}

// queryText is every row of query, whose columns must all be VARCHAR
// (NULL as "").
func queryText(ctx context.Context, db *sql.DB, query string) ([][]string, error) {
	rows, err := db.QueryContext(ctx, query)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	names, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	var out [][]string
	for rows.Next() {
		vals := make([]*string, len(names))
		ptrs := make([]any, len(names))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		row := make([]string, len(names))
		for i, v := range vals {
			if v != nil {
				row[i] = *v
			}
		}
		out = append(out, row)
	}
	return out, rows.Err()
}
