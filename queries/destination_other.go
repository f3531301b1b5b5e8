//go:build !linux

package queries

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// Off Linux a destination is checked by path: the folder is resolved
// again before the rename, but a link swapped in between the check and the
// rename is not caught as it is on Linux (destination_linux.go).

func folderPath(f *os.File) (string, error) { return filepath.EvalSymlinks(f.Name()) }

func (d *destination) checkFile(overwrite bool) error {
	info, err := os.Lstat(filepath.Join(d.dir.Name(), d.name))
	return d.judgeExisting(errors.Is(err, os.ErrNotExist), err == nil && info.IsDir(), err, overwrite)
}

func (d *destination) create() error {
	d.tmp = d.tempName()
	out, err := os.OpenFile(filepath.Join(d.dir.Name(), d.tmp), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		d.tmp = ""
		return fmt.Errorf("export to %s: %w", d.path, err)
	}
	d.out = out
	return nil
}

func (d *destination) rename(overwrite bool) error {
	if !overwrite {
		if err := d.checkFile(false); err != nil {
			return err
		}
	}
	return os.Rename(filepath.Join(d.dir.Name(), d.tmp), filepath.Join(d.dir.Name(), d.name))
}

func (d *destination) remove(name string) { os.Remove(filepath.Join(d.dir.Name(), name)) }
