package lake

import (
	"fmt"
	"os"
	"strconv"
	"strings"
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

// readMeter counts the bytes this process has read since it was made
// (every read, /proc/self/io's rchar): DuckDB reads an import's input
// and a rewrite's old files itself, so this is how far it is.
type readMeter struct{ start int64 }

func newReadMeter() readMeter { return readMeter{processReadBytes()} }

func (m readMeter) read() int64 { return max(processReadBytes()-m.start, 0) }

func processReadBytes() int64 {
	data, err := os.ReadFile("/proc/self/io")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "rchar: "); ok {
			n, _ := strconv.ParseInt(v, 10, 64)
			return n
		}
	}
	return 0
}
