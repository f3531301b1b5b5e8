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
	"golang.org/x/sys/unix"
)

// Dataset is a row set that can be written as CSV, JSON lines or Parquet.
type Dataset interface {
	Len() int
	Columns() []Column
	AppendCSVHeader(b []byte) []byte
	AppendCSV(b []byte, i int) []byte
	AppendJSON(b []byte, i int) []byte
	WriteParquet(w io.Writer, lo, hi int) error
}

// Layout is one way to store a table: format, compression, file count.
type Layout struct {
	Format      Format
	Compression Compression
	Files       int
}

func (l Layout) String() string {
	s := string(l.Format)
	if l.Compression == Gzip {
		s += "_gz"
	}
	return fmt.Sprintf("%s_%d", s, l.Files)
}

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
	return ReplaceDirAtomically(dir, func(tmp string) error {
		if err := writeParts(ctx, tmp, ds, lay, opts.OnFile); err != nil {
			return err
		}
		if opts.Marker == "" {
			return nil
		}
		return os.WriteFile(filepath.Join(tmp, opts.Marker), nil, 0o644)
	})
}

// ReplaceDirAtomically lets fill write a temp sibling of dir, syncs it and
// renames it over dir. If fill fails, dir is left as it was.
func ReplaceDirAtomically(dir string, fill func(tmp string) error) error {
	parent := filepath.Dir(dir)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return err
	}
	tmp, err := os.MkdirTemp(parent, "."+filepath.Base(dir)+".tmp-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp) // no-op after the rename
	if err := os.Chmod(tmp, 0o755); err != nil {
		return err
	}
	if err := fill(tmp); err != nil {
		return err
	}
	if err := syncFS(tmp); err != nil {
		return err
	}
	return replaceDir(tmp, dir)
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
			buf := make([]byte, 0, 64<<10)
			for {
				i := int(next.Add(1) - 1)
				if i >= lay.Files {
					return
				}
				err := ctx.Err()
				if err == nil {
					lo, hi := SplitBounds(ds.Len(), lay.Files, i)
					err = writePart(filepath.Join(dir, PartName(i, lay.Files, ext)), ds, lay, lo, hi, &buf)
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

func writePart(path string, ds Dataset, lay Layout, lo, hi int, buf *[]byte) (err error) {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer closeWith(f, &err)
	bw := bufio.NewWriterSize(f, 256<<10)
	if err := writeEncoded(bw, ds, lay, lo, hi, buf); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return bw.Flush()
}

// writeEncoded writes rows [lo, hi) in the layout's format and compression.
func writeEncoded(w io.Writer, ds Dataset, lay Layout, lo, hi int, buf *[]byte) error {
	if lay.Compression != Gzip {
		return writeRows(w, ds, lay.Format, lo, hi, buf)
	}
	gz := gzip.NewWriter(w)
	if err := writeRows(gz, ds, lay.Format, lo, hi, buf); err != nil {
		return err
	}
	return gz.Close()
}

func writeRows(w io.Writer, ds Dataset, format Format, lo, hi int, buf *[]byte) error {
	if format == Parquet {
		return ds.WriteParquet(w, lo, hi)
	}
	b := (*buf)[:0]
	if format == CSV {
		b = ds.AppendCSVHeader(b)
	}
	for i := lo; i < hi; i++ {
		if format == CSV {
			b = ds.AppendCSV(b, i)
		} else {
			b = ds.AppendJSON(b, i)
		}
		if len(b) > 32<<10 {
			if _, err := w.Write(b); err != nil {
				return err
			}
			b = b[:0]
		}
	}
	_, err := w.Write(b)
	*buf = b
	return err
}

// syncFS flushes the file system holding dir: one syncfs instead of an
// fsync per file, which matters at 10,000 files per layout.
func syncFS(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := unix.Syncfs(int(d.Fd())); err != nil {
		return fmt.Errorf("sync %s: %w", dir, err)
	}
	return nil
}

// replaceDir renames tmp to dir, moving an existing dir aside first and
// removing it only after the new one is in place.
func replaceDir(tmp, dir string) error {
	old := ""
	if _, err := os.Stat(dir); err == nil {
		old = tmp + ".old"
		if err := os.Rename(dir, old); err != nil {
			return err
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		return err
	}
	if err := os.Rename(tmp, dir); err != nil {
		if old != "" {
			os.Rename(old, dir)
		}
		return err
	}
	if err := syncDir(filepath.Dir(dir)); err != nil {
		return err
	}
	if old != "" {
		return os.RemoveAll(old)
	}
	return nil
}
