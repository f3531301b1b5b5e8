package queries

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"

	"golang.org/x/sys/unix"
)

// folderPath is where the open folder f is now.
func folderPath(f *os.File) (string, error) {
	return os.Readlink("/proc/self/fd/" + strconv.Itoa(int(f.Fd())))
}

// checkFile refuses a name that is a folder, or an existing file when
// overwrite is not set. (A link there is replaced, never followed.)
func (d *destination) checkFile(overwrite bool) error {
	var st unix.Stat_t
	err := unix.Fstatat(int(d.dir.Fd()), d.name, &st, unix.AT_SYMLINK_NOFOLLOW)
	switch {
	case errors.Is(err, unix.ENOENT):
		return nil
	case err != nil:
		return fmt.Errorf("export to %s: %w", d.path, err)
	case st.Mode&unix.S_IFMT == unix.S_IFDIR:
		return fmt.Errorf("export to %s: that is a folder", d.path)
	case !overwrite:
		return &ExistsError{Path: d.path}
	}
	return nil
}

// commit copies the finished file src into the folder under a new name of
// its own (created exclusively, never through a link), syncs it, checks
// the folder again, and renames it to the destination's name: over an
// existing file only when overwrite is set. On any error nothing is left.
func (d *destination) commit(src string, overwrite bool) error {
	dirfd := int(d.dir.Fd())
	var r [8]byte
	rand.Read(r[:])
	tmp := fmt.Sprintf(".%s.tarn-%x", d.name, r)
	fd, err := unix.Openat(dirfd, tmp, unix.O_WRONLY|unix.O_CREAT|unix.O_EXCL|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0o644)
	if err != nil {
		return fmt.Errorf("export to %s: %w", d.path, err)
	}
	out := os.NewFile(uintptr(fd), tmp)
	err = copyInto(out, src)
	if err == nil {
		err = d.checkFolder() // moved into the lake while the query ran?
	}
	if err == nil && overwrite {
		err = unix.Renameat(dirfd, tmp, dirfd, d.name)
	} else if err == nil {
		err = unix.Renameat2(dirfd, tmp, dirfd, d.name, unix.RENAME_NOREPLACE)
		if errors.Is(err, unix.EEXIST) {
			err = &ExistsError{Path: d.path}
		}
	}
	if err != nil {
		unix.Unlinkat(dirfd, tmp, 0)
		return err
	}
	return d.dir.Sync()
}

// copyInto copies the file src into out, syncs and closes out.
func copyInto(out *os.File, src string) error {
	in, err := os.Open(src)
	if err != nil {
		out.Close()
		return err
	}
	defer in.Close()
	_, err = io.Copy(out, in)
	if err == nil {
		err = out.Sync()
	}
	return errors.Join(err, out.Close())
}
