//go:build !linux

package queries

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// Off Linux a destination is checked by path: the folder is resolved
// again before the rename, but a link swapped in between the check and the
// rename is not caught as it is on Linux (destination_linux.go).

func folderPath(f *os.File) (string, error) { return filepath.EvalSymlinks(f.Name()) }

func (d *destination) checkFile(overwrite bool) error {
	info, err := os.Lstat(filepath.Join(d.dir.Name(), d.name))
	switch {
	case errors.Is(err, os.ErrNotExist):
		return nil
	case err != nil:
		return fmt.Errorf("export to %s: %w", d.path, err)
	case info.IsDir():
		return fmt.Errorf("export to %s: that is a folder", d.path)
	case !overwrite:
		return &ExistsError{Path: d.path}
	}
	return nil
}

func (d *destination) commit(src string, overwrite bool) error {
	var r [8]byte
	rand.Read(r[:])
	tmp := filepath.Join(d.dir.Name(), fmt.Sprintf(".%s.tarn-%x", d.name, r))
	out, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return fmt.Errorf("export to %s: %w", d.path, err)
	}
	in, err := os.Open(src)
	if err == nil {
		_, err = io.Copy(out, in)
		in.Close()
	}
	if err == nil {
		err = out.Sync()
	}
	err = errors.Join(err, out.Close())
	if err == nil {
		err = d.checkFolder()
	}
	if err == nil && !overwrite {
		err = d.checkFile(false)
	}
	if err == nil {
		err = os.Rename(tmp, filepath.Join(d.dir.Name(), d.name))
	}
	if err != nil {
		os.Remove(tmp)
	}
	return err
}
