package queries

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"tarn/lake"
)

// An export's destination is checked where it will be written, not only
// where its path points when the export starts: the folder is opened
// once, its real path checked, the file written through that open folder
// under a name of its own (never following a link, never replacing a
// file), the folder checked again, and the file renamed into place in the
// same folder. Moving folders or planting links while the query runs
// cannot send the file into the lake. DuckDB never sees the user's path:
// it writes into a private folder first (so "file://", "s3://" and "~"
// mean nothing to it, and it downloads no extension).

// destination is an export's target: its folder, held open, and the file
// name in it.
type destination struct {
	lake *lake.Lake
	path string // as the user gave it
	dir  *os.File
	name string
}

// openDestination opens path's folder and checks it: outside the lake,
// outside every table's folder (a table's folder may be a link to
// elsewhere), outside any other tarn lake; and that the file may be
// written (it is not a folder; it exists only if overwrite is set).
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
	dir, err := os.Open(filepath.Dir(abs))
	if err != nil {
		return nil, fmt.Errorf("export to %s: folder %s does not exist", path, filepath.Dir(abs))
	}
	d := &destination{lake: l, path: path, dir: dir, name: name}
	if err := d.checkFolder(); err != nil {
		d.close()
		return nil, err
	}
	if err := d.checkFile(overwrite); err != nil {
		d.close()
		return nil, err
	}
	return d, nil
}

func (d *destination) close() { d.dir.Close() }

// checkFolder refuses a folder whose real path (of the open folder, now)
// is inside the lake, a table's folder or another tarn lake.
func (d *destination) checkFolder() error {
	real, err := folderPath(d.dir)
	if err != nil {
		return fmt.Errorf("export to %s: %w", d.path, err)
	}
	if info, err := d.dir.Stat(); err != nil || !info.IsDir() {
		return fmt.Errorf("export to %s: %s is not a folder", d.path, filepath.Dir(d.path))
	}
	inside := func(root string) bool {
		r, err := filepath.EvalSymlinks(root)
		return err == nil && within(r, real)
	}
	refused := inside(d.lake.Root)
	for _, t := range d.lake.Catalog.Tables {
		refused = refused || inside(d.lake.Dir(t))
	}
	if refused {
		return fmt.Errorf("inside the lake (%s): an export may not write there, since %s would become part of the lake; write it elsewhere, e.g. in %s",
			d.lake.Root, d.path, DefaultExportDir(d.lake.Root))
	}
	for dir := real; ; dir = filepath.Dir(dir) {
		if _, err := os.Stat(filepath.Join(dir, lake.CatalogFile)); err == nil {
			return fmt.Errorf("inside a tarn lake (%s): an export may not write there, since %s would become part of it", dir, d.path)
		}
		if dir == filepath.Dir(dir) {
			return nil
		}
	}
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
	return dir, os.MkdirAll(dir, 0o755)
}
