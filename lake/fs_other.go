//go:build !linux

package lake

import (
	"os"
	"path/filepath"
)

// partDir is a directory of layout files being written.
type partDir struct{ path string }

func openPartDir(path string) (*partDir, error) { return &partDir{path: path}, nil }

// sync fsyncs every file in the directory: there is no syncfs outside Linux.
func (p *partDir) sync() error {
	entries, err := os.ReadDir(p.path)
	if err != nil {
		return err
	}
	for _, e := range entries {
		f, err := os.Open(filepath.Join(p.path, e.Name()))
		if err != nil {
			return err
		}
		err = f.Sync()
		f.Close()
		if err != nil {
			return err
		}
	}
	return nil
}

func (p *partDir) Close() error { return nil }

// freeBytes is unknown here; the demo skips its disk-space check.
func freeBytes(string) (int64, bool) { return 0, false }
