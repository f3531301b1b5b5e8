package queries

import (
	"crypto/rand"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"tarn/internal/atomicfile"
	"tarn/lake"
)

// An export's destination is checked where it will be written, not only
// where its path points when the export starts. The folder is opened once
// and the file is created in it at once, under a name of its own, never
// through a link and never over a file. When the rows are in, the folder
// is checked again against the lake as it is then, the file renamed into
// place in the same folder (over an existing file only when asked), and
// the folder checked once more: had it been moved into the lake in the
// instant between, the file is removed and the export fails. Folders are
// compared by identity (device and inode), so a bind mount or a link of
// the lake or of a table's folder is the lake too. DuckDB never sees the
// user's path: it writes into a private folder first (so "file://",
// "s3://" and "~" mean nothing to it, and it downloads no extension).
//
// What remains is the owner's: moving a folder holding files into the
// lake, after an export or during one, is what the owner can always do.

// destination is an export's target: its folder, held open, the file name
// in it, and the file being written under a name of its own.
type destination struct {
	lake      *lake.Lake
	path      string // as the user gave it
	dir       *os.File
	name      string
	tmp       string   // the file's own name in dir until it is renamed
	out       *os.File // the file, open for writing
	committed bool
}

// openDestination opens path's folder and checks it (see checkFolder) and
// the name (it is not a folder; it exists only if overwrite is set), then
// creates the file under a name of its own, so a folder that cannot take
// it fails before the query runs.
func openDestination(l *lake.Lake, path string, overwrite bool) (*destination, error) {
	if strings.Contains(path, "://") {
		return nil, fmt.Errorf("export to %s: an export writes a local file; give a path", path)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("export to %s: %w", path, err)
	}
	name := filepath.Base(abs)
	if strings.HasSuffix(path, "/") || name == "/" || name == "." || name == ".." {
		return nil, fmt.Errorf("export to %s: that is a folder", path)
	}
	if len(name) > 200 {
		return nil, fmt.Errorf("export to %s: the file name is longer than 200 bytes", path)
	}
	dir, err := os.Open(filepath.Dir(abs))
	if err != nil {
		return nil, fmt.Errorf("export to %s: folder %s does not exist", path, filepath.Dir(abs))
	}
	d := &destination{lake: l, path: path, dir: dir, name: name}
	err = d.checkFolder(l.Root, protectedFolders(l))
	if err == nil {
		err = d.checkFile(overwrite)
	}
	if err == nil {
		err = d.create()
	}
	if err != nil {
		d.close()
		return nil, err
	}
	return d, nil
}

// close removes the file unless it was committed, and closes the folder.
func (d *destination) close() {
	if d.out != nil {
		d.out.Close()
	}
	if d.tmp != "" && !d.committed {
		d.remove(d.tmp)
	}
	d.dir.Close()
}

// commit copies the finished file src into the destination and puts it in
// place, checking the folder against the lake as it is on disk now.
func (d *destination) commit(src string, overwrite bool) error {
	err := copyInto(d.out, src)
	d.out = nil
	if err != nil {
		return fmt.Errorf("export to %s: %w", d.path, err)
	}
	now, err := lake.Open(d.lake.Root)
	if err != nil {
		return fmt.Errorf("export to %s: %w", d.path, err)
	}
	protected := protectedFolders(now)
	if err := d.checkFolder(now.Root, protected); err != nil { // moved into the lake while the query ran?
		return err
	}
	if err := d.rename(overwrite); err != nil {
		d.remove(d.tmp)
		d.tmp = ""
		return err
	}
	d.committed = true
	if err := d.checkFolder(now.Root, protected); err != nil { // moved in the instant between?
		d.remove(d.name)
		return err
	}
	return d.dir.Sync()
}

// checkFolder refuses a folder that is, or is inside, the lake at root,
// one of the protected folders (its tables' folders, which may be links to
// elsewhere, and the folders between) by identity and by path; or that is
// inside any other tarn lake.
func (d *destination) checkFolder(root string, protected []os.FileInfo) error {
	real, err := folderPath(d.dir)
	if err != nil {
		return fmt.Errorf("export to %s: %w", d.path, err)
	}
	self, err := d.dir.Stat()
	if err != nil || !self.IsDir() {
		return fmt.Errorf("export to %s: %s is not a folder", d.path, filepath.Dir(d.path))
	}
	refused := slices.ContainsFunc(protected, func(p os.FileInfo) bool { return os.SameFile(p, self) })
	if r, err := filepath.EvalSymlinks(root); err == nil && within(r, real) {
		refused = true
	}
	for dir := real; !refused; dir = filepath.Dir(dir) {
		if info, err := os.Stat(dir); err == nil {
			refused = slices.ContainsFunc(protected, func(p os.FileInfo) bool { return os.SameFile(p, info) })
		}
		if _, err := os.Stat(filepath.Join(dir, lake.CatalogFile)); err == nil && !refused {
			return fmt.Errorf("inside a tarn lake (%s): an export may not write there, since %s would become part of it", dir, d.path)
		}
		if dir == filepath.Dir(dir) {
			break
		}
	}
	if refused {
		return fmt.Errorf("inside the lake (%s): an export may not write there, since %s would become part of the lake; write it elsewhere, e.g. in %s",
			root, d.path, DefaultExportDir(root))
	}
	return nil
}

// protectedFolders are the lake's root, its tables' folders and the
// folders between, as the file system identifies them.
func protectedFolders(l *lake.Lake) []os.FileInfo {
	var out []os.FileInfo
	seen := map[string]bool{}
	add := func(dir string) {
		if !seen[dir] {
			seen[dir] = true
			if info, err := os.Stat(dir); err == nil {
				out = append(out, info)
			}
		}
	}
	add(l.Root)
	for _, t := range l.Catalog.Tables {
		for dir := l.Dir(t); within(l.Root, dir) && dir != l.Root; dir = filepath.Dir(dir) {
			add(dir)
		}
	}
	return out
}

// within says whether dir is root or inside it.
func within(root, dir string) bool {
	rel, err := filepath.Rel(root, dir)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, "../")
}

// ExistsError is an export to a file that exists, without overwrite.
type ExistsError struct{ Path string }

func (e *ExistsError) Error() string {
	return fmt.Sprintf("export to %s: the file exists; choose another name or overwrite it", e.Path)
}

// judgeExisting says whether an export may go where something stands at
// its path: missing, what the platform's stat found of it, and its error.
func (d *destination) judgeExisting(missing, isDir bool, err error, overwrite bool) error {
	switch {
	case missing:
		return nil
	case err != nil:
		return fmt.Errorf("export to %s: %w", d.path, err)
	case isDir:
		return fmt.Errorf("export to %s: that is a folder", d.path)
	case !overwrite:
		return &ExistsError{Path: d.path}
	}
	return nil
}

// tempName is a new name for the file being written, hidden beside it.
func (d *destination) tempName() string {
	var r [8]byte
	rand.Read(r[:])
	return fmt.Sprintf(".%s.tarn-%x", d.name, r)
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

// EnsureExportDir creates the default export folder, unless it would be
// inside the lake (a lake in the home folder).
func EnsureExportDir(root string) (string, error) {
	dir := DefaultExportDir(root)
	if abs, err := filepath.Abs(root); err == nil && within(abs, dir) {
		return dir, fmt.Errorf("the default export folder %s is inside the lake; give a path outside it", dir)
	}
	return dir, os.MkdirAll(dir, 0o700) // exports hold people's data: the owner's alone
}

// WriteOutside writes a file people asked for besides a result (a chart)
// as an export is written: never inside the lake (a chart could otherwise
// stand in for policy.toml or a table's file), into its place at once.
func WriteOutside(l *lake.Lake, path string, write func(io.Writer) error) error {
	dest, err := openDestination(l, path, true)
	if err != nil {
		return err
	}
	defer dest.close()
	private, err := os.MkdirTemp("", "tarn-file-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(private)
	file := filepath.Join(private, "file")
	if err := atomicfile.WriteFile(file, write); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return dest.commit(file, true)
}
