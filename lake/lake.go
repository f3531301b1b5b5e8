// Package lake is the lake on disk: the catalog (lake.toml), table files
// and their formats, import, crawl and file statistics. The demo lake is
// package demo.
package lake

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"tarn/internal/atomicfile"
	"tarn/internal/filelock"
)

// Lake is an opened lake: its absolute root and its catalog, and the
// version of lake.toml the catalog was read from (zero for a catalog that
// was not read from disk).
type Lake struct {
	Root    string
	Catalog *Catalog
	Version FileVersion
}

// FileVersion tells one state of a file from another: its identity (a
// rename over it, as every atomic write does, makes a new one), size,
// modification time and change time (which, unlike the modification time,
// cannot be set back: an edit in place that keeps the size and restores
// the mtime still shows). A file that does not exist has a known version
// too.
type FileVersion struct {
	known              bool
	dev, ino           uint64
	size, mtime, ctime int64
	exists             bool
}

// Known says whether v was read from a file.
func (v FileVersion) Known() bool { return v.known }

// String writes v out, so that a version can be kept in a file (tarn's
// caches) and compared with a later StatVersion's.
func (v FileVersion) String() string {
	if !v.exists {
		return "absent"
	}
	return fmt.Sprintf("%d:%d:%d:%d:%d", v.dev, v.ino, v.size, v.mtime, v.ctime)
}

// StatVersion reads the version of the file at path.
func StatVersion(path string) FileVersion {
	info, err := os.Stat(path)
	if err != nil {
		return FileVersion{known: true}
	}
	return InfoVersion(info)
}

// InfoVersion is the version of the file os.Stat described as info.
func InfoVersion(info os.FileInfo) FileVersion {
	v := FileVersion{known: true, exists: true, size: info.Size(), mtime: info.ModTime().UnixNano()}
	v.dev, v.ino, v.ctime = fileIdentity(info)
	return v
}

// CatalogPath is the lake's lake.toml.
func (l *Lake) CatalogPath() string { return filepath.Join(l.Root, CatalogFile) }

// DefaultRoot is $TARN_LAKE, else the XDG data dir's tarn/lake.
func DefaultRoot() (string, error) {
	if dir := os.Getenv("TARN_LAKE"); dir != "" {
		return dir, nil
	}
	if dir := os.Getenv("XDG_DATA_HOME"); dir != "" {
		return filepath.Join(dir, "tarn", "lake"), nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("no lake location: set TARN_LAKE or use --lake (%v)", err)
	}
	return filepath.Join(home, ".local", "share", "tarn", "lake"), nil
}

// Open opens an existing lake directory. A directory without lake.toml is
// an empty lake; a missing directory is an error.
func Open(root string) (*Lake, error) {
	abs, err := filepath.Abs(root)
	if err != nil {
		return nil, fmt.Errorf("lake %s: %w", root, err)
	}
	st, err := os.Stat(abs)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("lake %s: no such directory (create it with `tarn demo --lake %s`)", abs, root)
	}
	if err != nil {
		return nil, fmt.Errorf("lake %s: %w", abs, err)
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("lake %s: not a directory", abs)
	}
	// The version is read first: a change made while the file is read then
	// shows as a change, and is read again.
	version := StatVersion(filepath.Join(abs, CatalogFile))
	cat, err := LoadCatalog(filepath.Join(abs, CatalogFile))
	if err != nil {
		return nil, err
	}
	return &Lake{Root: abs, Catalog: cat, Version: version}, nil
}

// Create makes the lake directory if needed and opens it.
func Create(root string) (*Lake, error) {
	if err := os.MkdirAll(root, 0o755); err != nil {
		return nil, fmt.Errorf("lake %s: %w", root, err)
	}
	return Open(root)
}

// Exists reports whether root holds a catalog.
func Exists(root string) bool {
	_, err := os.Stat(filepath.Join(root, CatalogFile))
	return err == nil
}

// lockCatalog takes the lake's lock on lake.toml: every read-change-write
// of the catalog holds it, so concurrent ones (four imports at once) never
// lose each other's tables.
func (l *Lake) lockCatalog() (func(), error) {
	return filelock.Lock(filepath.Join(l.Root, "."+CatalogFile+".lock"))
}

// reload reads lake.toml afresh into the lake; the caller holds the lock.
func (l *Lake) reload() error {
	version := StatVersion(l.CatalogPath())
	cat, err := LoadCatalog(l.CatalogPath())
	if err != nil {
		return err
	}
	l.Catalog, l.Version = cat, version
	return nil
}

// Update changes the catalog under the lake's lock: lake.toml is read
// afresh, change applied, and the result validated and saved atomically.
// On an error nothing is saved.
func (l *Lake) Update(change func(*Catalog) error) error {
	return l.update(func(c *Catalog) (func() error, error) { return nil, change(c) })
}

// update is Update for a change that also did something outside the
// catalog: undo, if the change returns one, reverts that when the catalog
// cannot be saved, still under the lock.
func (l *Lake) update(change func(*Catalog) (undo func() error, err error)) error {
	unlock, err := l.lockCatalog()
	if err != nil {
		return err
	}
	defer unlock()
	if err := l.reload(); err != nil {
		return err
	}
	undo, err := change(l.Catalog)
	if err == nil {
		if err = l.Save(); err != nil && undo != nil {
			undo()
		}
	}
	if err != nil {
		l.reload()
	}
	return err
}

// Save writes the catalog atomically, sorted. Callers that read, change
// and write the catalog use Update, which holds the lake's lock.
func (l *Lake) Save() error {
	l.Catalog.Sort()
	if err := l.Catalog.Validate(); err != nil {
		return fmt.Errorf("catalog not saved: %w", err)
	}
	if err := atomicfile.WriteFile(l.CatalogPath(), l.Catalog.Encode); err != nil {
		return err
	}
	l.Version = StatVersion(l.CatalogPath())
	return nil
}

// Dir is the absolute directory of a table's files.
func (l *Lake) Dir(t Table) string {
	return filepath.Join(l.Root, filepath.FromSlash(t.Location))
}

// Files lists a table's data files, sorted. A location that vanished is an
// error naming the table.
func (l *Lake) Files(t Table) ([]string, error) {
	dir := l.Dir(t)
	if _, err := os.Stat(dir); err != nil {
		return nil, fmt.Errorf("table %s: location %s: %w", t.QualifiedName(), t.Location, unwrapPath(err))
	}
	files, err := filepath.Glob(filepath.Join(dir, t.FilePattern()))
	if err != nil {
		return nil, fmt.Errorf("table %s: pattern %q: %w", t.QualifiedName(), t.FilePattern(), err)
	}
	files = slices.DeleteFunc(files, func(f string) bool { return slices.Contains(t.Exclude, filepath.Base(f)) })
	if len(files) == 0 {
		return nil, fmt.Errorf("table %s: no files matching %s in %s", t.QualifiedName(), t.FilePattern(), t.Location)
	}
	sort.Strings(files)
	return files, nil
}

func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// FileStats counts a table's files and their bytes on disk.
type FileStats struct {
	Files int
	Bytes int64
}

// SmallFileAverage is the average file size below which a table of more
// than one file is marked "small files": a quarter of the size compact
// aims at, so compacting it makes at most a quarter as many files (in
// its format). One file has nothing to merge with, however small.
const SmallFileAverage = DefaultTargetSize / 4

// SmallFiles says whether the table's files are many and small: the
// source's cost of a query grew with the file count, not the bytes.
func (s FileStats) SmallFiles() bool {
	return s.Files > 1 && s.Bytes/int64(s.Files) < SmallFileAverage
}

// Stat counts a table's files and bytes.
func (l *Lake) Stat(t Table) (FileStats, error) {
	files, err := l.Files(t)
	if err != nil {
		return FileStats{}, err
	}
	st := FileStats{Files: len(files)}
	for _, f := range files {
		info, err := os.Stat(f)
		if err != nil {
			return FileStats{}, fmt.Errorf("table %s: %w", t.QualifiedName(), err)
		}
		st.Bytes += info.Size()
	}
	return st, nil
}

// Relation is the DuckDB table expression that reads t with its catalog
// schema. CSV and JSON pass their columns explicitly: sniffing 10,000 files
// at query time doubled the cost of a count(*) (DESIGN.md). Files are named
// by a glob, so views stay short and new files appear as on a real lake;
// a table with excluded files lists the rest instead.
func (l *Lake) Relation(t Table) string {
	if len(t.Exclude) > 0 {
		if files, err := l.Files(t); err == nil {
			return RelationOf(t, files)
		}
	}
	return RelationOf(t, []string{filepath.Join(l.Dir(t), t.FilePattern())})
}

// RelationOf reads the given files or globs as table t.
func RelationOf(t Table, files []string) string {
	quoted := make([]string, len(files))
	for i, f := range files {
		quoted[i] = SQLString(f)
	}
	src := "[" + strings.Join(quoted, ", ") + "]"
	switch {
	case t.Format == Parquet && t.UnionByName:
		return fmt.Sprintf("read_parquet(%s, union_by_name=true)", src)
	case t.Format == Parquet:
		return fmt.Sprintf("read_parquet(%s)", src)
	case t.Format == CSV && t.UnionByName:
		// By name, each file's header sniffed; the catalog's types hold.
		return fmt.Sprintf("read_csv(%s, header=true, union_by_name=true, delim=',', quote='\"', escape='\"', "+
			"allow_quoted_nulls=false, types=%s, compression=%s)",
			src, columnsStruct(t.Columns), SQLString(duckCompression(t.Compression, "none")))
	case t.Format == CSV:
		return fmt.Sprintf("read_csv(%s, header=true, auto_detect=false, delim=',', quote='\"', escape='\"', "+
			"allow_quoted_nulls=false, columns=%s, compression=%s)",
			src, columnsStruct(t.Columns), SQLString(duckCompression(t.Compression, "none")))
	default:
		return fmt.Sprintf("read_json(%s, format='newline_delimited', columns=%s, compression=%s)",
			src, columnsStruct(t.Columns), SQLString(duckCompression(t.Compression, "uncompressed")))
	}
}

// duckCompression names c for a reader; read_csv and read_json spell "no
// compression" differently.
func duckCompression(c Compression, none string) string {
	if c == Gzip {
		return "gzip"
	}
	return none
}

func columnsStruct(cols []Column) string {
	parts := make([]string, len(cols))
	for i, c := range cols {
		parts[i] = SQLString(c.Name) + ": " + SQLString(c.Type)
	}
	return "{" + strings.Join(parts, ", ") + "}"
}

// SQLString quotes s as a SQL string literal.
func SQLString(s string) string {
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}

// QuoteIdent quotes s as a SQL identifier.
func QuoteIdent(s string) string {
	return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
}

// closeWith closes c and keeps its error if nothing failed before.
func closeWith(c io.Closer, err *error) {
	if cerr := c.Close(); cerr != nil && *err == nil {
		*err = cerr
	}
}
