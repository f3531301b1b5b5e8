// Package filelock holds an exclusive lock on a lock file, so that edits
// that read, change and save a file (lake.toml, policy.toml, queries.toml)
// from several processes at once cannot lose each other's updates. It uses
// flock on Unix and LockFileEx on Windows; other systems have no Lock and
// do not build.
package filelock

import (
	"fmt"
	"os"
)

// Lock takes an exclusive lock on path (created if needed), waiting for
// another holder to release it, and returns the function that releases it.
func Lock(path string) (func(), error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	if err := lock(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	return func() {
		unlock(f)
		f.Close()
	}, nil
}
