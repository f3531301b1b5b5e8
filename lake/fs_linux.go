package lake

import (
	"fmt"
	"os"
	"syscall"

	"golang.org/x/sys/unix"
)

// fileIdentity is a file's device, inode and change time.
func fileIdentity(info os.FileInfo) (dev, ino uint64, ctime int64) {
	if st, ok := info.Sys().(*syscall.Stat_t); ok {
		return uint64(st.Dev), st.Ino, st.Ctim.Nano()
	}
	return 0, 0, 0
}

// syncTree makes the files written in dir durable before dir is renamed
// into place: one syncfs instead of an fsync per file, which matters at
// 10,000 files.
func syncTree(dir string) error {
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
