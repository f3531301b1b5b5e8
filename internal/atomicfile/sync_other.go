//go:build !linux

package atomicfile

import "os"

// datasync is a full fsync where there is no fdatasync.
func datasync(f *os.File) error { return f.Sync() }
