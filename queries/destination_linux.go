package queries

import (
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
	return d.judgeExisting(errors.Is(err, unix.ENOENT), st.Mode&unix.S_IFMT == unix.S_IFDIR, err, overwrite)
}

// create makes the file in the folder under a new name of its own:
// exclusively, never through a link, readable by its owner only (an
// export holds people's data).
func (d *destination) create() error {
	tmp := d.tempName()
	fd, err := unix.Openat(int(d.dir.Fd()), tmp, unix.O_WRONLY|unix.O_CREAT|unix.O_EXCL|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0o600)
	if err != nil {
		return fmt.Errorf("export to %s: %w", d.path, err)
	}
	d.tmp, d.out = tmp, os.NewFile(uintptr(fd), tmp)
	return nil
}

// rename puts the file in place in the same folder: over an existing file
// only when overwrite is set.
func (d *destination) rename(overwrite bool) error {
	dirfd := int(d.dir.Fd())
	if overwrite {
		return unix.Renameat(dirfd, d.tmp, dirfd, d.name)
	}
	err := unix.Renameat2(dirfd, d.tmp, dirfd, d.name, unix.RENAME_NOREPLACE)
	if errors.Is(err, unix.EEXIST) {
		return &ExistsError{Path: d.path}
	}
	return err
}

// remove deletes name from the folder.
func (d *destination) remove(name string) { unix.Unlinkat(int(d.dir.Fd()), name, 0) }

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
