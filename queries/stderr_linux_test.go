package queries_test

import (
	"os"
	"testing"

	"golang.org/x/sys/unix"
)

// captureStderr runs f with the process's file descriptor 2 going to a
// file, where DuckDB's C++ code writes, and returns what was written.
func captureStderr(t *testing.T, f func()) string {
	t.Helper()
	file, err := os.CreateTemp(t.TempDir(), "stderr")
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	saved, err := unix.Dup(2)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(saved)
	if err := unix.Dup2(int(file.Fd()), 2); err != nil {
		t.Fatal(err)
	}
	func() {
		defer unix.Dup2(saved, 2)
		f()
	}()
	b, err := os.ReadFile(file.Name())
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
