package lake

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/klauspost/compress/gzip"

	"tarn/internal/atomicfile"
)

// Dataset is a row set that can be written as CSV, JSON lines or Parquet.
type Dataset interface {
	Len() int
	Columns() []Column
	AppendCSVHeader(b []byte) []byte
	AppendCSV(b []byte, i int) []byte
	AppendJSON(b []byte, i int) []byte
	// ParquetEncoder returns a function writing rows [lo, hi) as one Parquet
	// file; it reuses its writer from call to call (one per goroutine).
	ParquetEncoder() func(w io.Writer, lo, hi int) error
}

// Layout is one way to store a table: format, compression, file count.
type Layout struct {
	Format      Format
	Compression Compression
	Files       int
}

// Kind names the format and compression, as in table names: "csv_gz".
func (l Layout) Kind() string {
	if l.Compression == Gzip {
		return string(l.Format) + "_gz"
	}
	return string(l.Format)
}

func (l Layout) String() string { return fmt.Sprintf("%s_%d", l.Kind(), l.Files) }

// SplitBounds gives file i's rows [lo, hi) when n rows are split evenly
// over files files: sizes differ by at most one row.
func SplitBounds(n, files, i int) (lo, hi int) {
	return i * n / files, (i + 1) * n / files
}

// PartName is the name of file i of a layout with files files.
func PartName(i, files int, ext string) string {
	width := max(5, len(fmt.Sprint(files-1)))
	return fmt.Sprintf("part-%0*d%s", width, i, ext)
}

// LayoutOptions are the optional parts of WriteLayout.
type LayoutOptions struct {
	// OnFile is called once per data file written, from worker goroutines.
	OnFile func()
	// Marker, if set, names an empty file written beside the data files.
	Marker string
}

// WriteLayout writes ds into dir as the layout, replacing dir only once
// every file is written and synced: files go to a temp sibling directory
// which is renamed into place, so a failure or cancel leaves dir as it was.
func WriteLayout(ctx context.Context, dir string, ds Dataset, lay Layout, opts LayoutOptions) error {
	if lay.Files < 1 || lay.Files > ds.Len() {
		return fmt.Errorf("cannot split %d rows into %d files", ds.Len(), lay.Files)
	}
	return ReplaceDirAtomically(dir, opts.withMarker(func(tmp string) error {
		return writeParts(ctx, tmp, ds, lay, opts.OnFile)
	}))
}

// withMarker adds the marker file, if any, to what fill writes.
func (o LayoutOptions) withMarker(fill func(tmp string) error) func(tmp string) error {
	return func(tmp string) error {
		if err := fill(tmp); err != nil || o.Marker == "" {
			return err
		}
		return os.WriteFile(filepath.Join(tmp, o.Marker), nil, 0o644)
	}
}

// ReplaceDirAtomically lets fill write a temp sibling of dir, syncs it and
// renames it over dir. If fill fails, dir is left as it was.
func ReplaceDirAtomically(dir string, fill func(tmp string) error) error {
	tmp, err := stageDir(dir, fill)
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp) // no-op after the rename
	return replaceDir(tmp, dir)
}

// stageDir lets fill write a temp sibling of dir (a dot folder, which the
// crawler and tables' globs do not see) and syncs it. The caller installs
// it with installDir, or removes it.
func stageDir(dir string, fill func(tmp string) error) (string, error) {
	parent := filepath.Dir(dir)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return "", err
	}
	tmp, err := os.MkdirTemp(parent, "."+filepath.Base(dir)+".tmp-")
	if err != nil {
		return "", err
	}
	err = os.Chmod(tmp, 0o755)
	if err == nil {
		err = fill(tmp)
	}
	if err == nil {
		err = syncTree(tmp)
	}
	if err != nil {
		os.RemoveAll(tmp)
		return "", err
	}
	return tmp, nil
}

// installDir renames tmp to dir, keeping an existing dir aside: undo puts
// it back (when what depends on the new one failed), keep removes it.
func installDir(tmp, dir string) (undo, keep func() error, err error) {
	old := ""
	if _, err := os.Stat(dir); err == nil {
		old = tmp + ".old"
		if err := os.Rename(dir, old); err != nil {
			return nil, nil, err
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, nil, err
	}
	if err := os.Rename(tmp, dir); err != nil {
		if old != "" {
			os.Rename(old, dir)
		}
		return nil, nil, err
	}
	undo = func() error {
		if err := os.RemoveAll(dir); err != nil || old == "" {
			return err
		}
		return os.Rename(old, dir)
	}
	keep = func() error {
		if err := atomicfile.SyncDir(filepath.Dir(dir)); err != nil || old == "" {
			return err
		}
		return os.RemoveAll(old)
	}
	return undo, keep, nil
}

func writeParts(ctx context.Context, dir string, ds Dataset, lay Layout, onFile func()) error {
	ext := Extension(lay.Format, lay.Compression)
	var next atomic.Int64
	var firstErr error
	var once sync.Once
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), lay.Files) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			enc := newPartEncoder(ds, lay)
			for {
				i := int(next.Add(1) - 1)
				if i >= lay.Files {
					return
				}
				err := ctx.Err()
				if err == nil {
					lo, hi := SplitBounds(ds.Len(), lay.Files, i)
					err = enc.writeFile(filepath.Join(dir, PartName(i, lay.Files, ext)), lo, hi)
				}
				if err != nil {
					once.Do(func() { firstErr = err })
					next.Store(int64(lay.Files)) // stop the other workers
					return
				}
				if onFile != nil {
					onFile()
				}
			}
		}()
	}
	wg.Wait()
	return firstErr
}

// EncodedSize is the size in bytes of rows [lo, hi) of ds written as one
// file of the layout, found by writing them to nowhere.
func EncodedSize(ds Dataset, lay Layout, lo, hi int) (int64, error) {
	var count countingWriter
	err := newPartEncoder(ds, lay).encode(&count, lo, hi)
	return count.n, err
}

type countingWriter struct{ n int64 }

func (c *countingWriter) Write(p []byte) (int, error) {
	c.n += int64(len(p))
	return len(p), nil
}

// partEncoder writes files of one layout. It keeps its buffers, gzip
// compressor and Parquet writer across files: allocating them afresh for
// each of 10,000 small files tripled the run time in page faults.
type partEncoder struct {
	ds      Dataset
	lay     Layout
	bw      *bufio.Writer
	gz      *gzip.Writer
	parquet func(w io.Writer, lo, hi int) error
	buf     []byte
}

func newPartEncoder(ds Dataset, lay Layout) *partEncoder {
	e := &partEncoder{ds: ds, lay: lay, bw: bufio.NewWriterSize(nil, 256<<10), buf: make([]byte, 0, 64<<10)}
	if lay.Format == Parquet {
		e.parquet = ds.ParquetEncoder()
	}
	return e
}

func (e *partEncoder) writeFile(path string, lo, hi int) (err error) {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer closeWith(f, &err)
	e.bw.Reset(f)
	if err := e.encode(e.bw, lo, hi); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return e.bw.Flush()
}

// encode writes rows [lo, hi) in the layout's format and compression.
func (e *partEncoder) encode(w io.Writer, lo, hi int) error {
	if e.lay.Compression != Gzip {
		return e.encodeRows(w, lo, hi)
	}
	if e.gz == nil {
		e.gz = gzip.NewWriter(w)
	} else {
		e.gz.Reset(w)
	}
	if err := e.encodeRows(e.gz, lo, hi); err != nil {
		return err
	}
	return e.gz.Close()
}

func (e *partEncoder) encodeRows(w io.Writer, lo, hi int) error {
	if e.lay.Format == Parquet {
		return e.parquet(w, lo, hi)
	}
	b := e.buf[:0]
	if e.lay.Format == CSV {
		b = e.ds.AppendCSVHeader(b)
	}
	for i := lo; i < hi; i++ {
		if e.lay.Format == CSV {
			b = e.ds.AppendCSV(b, i)
		} else {
			b = e.ds.AppendJSON(b, i)
		}
		if len(b) > 32<<10 {
			if _, err := w.Write(b); err != nil {
				return err
			}
			b = b[:0]
		}
	}
	_, err := w.Write(b)
	e.buf = b
	return err
}

// replaceDir renames tmp to dir, moving an existing dir aside first and
// removing it only after the new one is in place.
func replaceDir(tmp, dir string) error {
	_, keep, err := installDir(tmp, dir)
	if err != nil {
		return err
	}
	return keep()
}
