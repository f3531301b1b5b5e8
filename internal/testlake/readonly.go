package testlake

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"tarn/lake"
)

// ReadOnly is the lake folder root as a user of a read-only lake has it:
// its audit log cannot be appended to. It tries, in order, what works for
// the user running the tests: chmod (not root), a read-only bind mount
// (root, where mounting is permitted), an immutable audit log (chattr +i);
// the test is skipped, saying why, when none does. Undone when the test
// ends.
func ReadOnly(t testing.TB, root string) string {
	t.Helper()
	audit := filepath.Join(root, lake.AuditFile)
	if f, err := os.OpenFile(audit, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644); err == nil {
		f.Close() // an existing log, so the last two ways have a file to protect
	}
	for _, way := range []func(testing.TB, string) (string, bool){byChmod, byBindMount, byChattr} {
		if dir, ok := way(t, root); ok {
			if !appendable(filepath.Join(dir, lake.AuditFile)) {
				return dir
			}
		}
	}
	t.Skip("cannot make a lake read-only here: chmod does not stop this user, mount and chattr +i are not permitted")
	return ""
}

func appendable(path string) bool {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	if err == nil {
		f.Close()
	}
	return err == nil
}

// byChmod takes write permission from the folder and the log.
func byChmod(t testing.TB, root string) (string, bool) {
	audit := filepath.Join(root, lake.AuditFile)
	if os.Chmod(audit, 0o444) != nil || os.Chmod(root, 0o555) != nil {
		return "", false
	}
	t.Cleanup(func() { os.Chmod(root, 0o755); os.Chmod(audit, 0o644) })
	if appendable(audit) { // root ignores modes
		os.Chmod(root, 0o755)
		os.Chmod(audit, 0o644)
		return "", false
	}
	return root, true
}

// byBindMount mounts root again, read-only, in a folder of its own.
func byBindMount(t testing.TB, root string) (string, bool) {
	dir := t.TempDir()
	if exec.Command("mount", "--bind", root, dir).Run() != nil {
		return "", false
	}
	t.Cleanup(func() { exec.Command("umount", dir).Run() })
	if exec.Command("mount", "-o", "remount,ro,bind", dir).Run() != nil {
		return "", false
	}
	return dir, true
}

// byChattr makes the audit log immutable, which stops root too.
func byChattr(t testing.TB, root string) (string, bool) {
	audit := filepath.Join(root, lake.AuditFile)
	if exec.Command("chattr", "+i", audit).Run() != nil {
		return "", false
	}
	t.Cleanup(func() { exec.Command("chattr", "-i", audit).Run() })
	return root, true
}
