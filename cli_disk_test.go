package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"tarn/lake"
)

// smallDisk mounts a tmpfs of size bytes for the test (it needs root, as
// CI has), or skips.
func smallDisk(t *testing.T, size string) string {
	t.Helper()
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size="+size, "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a tmpfs (%v: %s): this test needs root", err, out)
	}
	t.Cleanup(func() { exec.Command("umount", "-l", dir).Run() })
	return dir
}

// fill writes a file until the disk is full.
func fill(t *testing.T, path string) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	chunk := make([]byte, 4096)
	for {
		if _, err := f.Write(chunk); err != nil {
			if !errors.Is(err, syscall.ENOSPC) {
				t.Fatal(err)
			}
			return
		}
	}
}

// A full disk tears the audit log's last line. The query fails before any
// row is shown; once there is room again, the next record starts a line
// of its own (after a note that the one before was torn) instead of being
// appended onto the torn one and lost with it.
func TestAFullDiskLosesNoLaterAuditRecord(t *testing.T) {
	disk := smallDisk(t, "2m")
	root := filepath.Join(disk, "lake")
	if _, err := lake.Create(root); err != nil {
		t.Fatal(err)
	}
	src := filepath.Join(t.TempDir(), "in.csv")
	os.WriteFile(src, []byte("id,name\n1,a\n2,b\n"), 0o644)
	if code, _, errOut := tarn(t, "import", src, "--lake", root, "--db", "crm", "--table", "people", "--to", "csv"); code != 0 {
		t.Fatal(errOut)
	}
	const q = "SELECT name FROM crm.people ORDER BY id"
	if code, _, errOut := tarn(t, "query", "--lake", root, q); code != 0 {
		t.Fatal(errOut)
	}
	filler := filepath.Join(disk, "filler")
	fill(t, filler)

	// The audit log's last page still has room for a few records.
	var stdout, stderr bytes.Buffer
	for range 20 {
		cmd := tarnProcess(t, "query", "--lake", root, "--format", "csv", q)
		stdout.Reset()
		stderr.Reset()
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		if cmd.Run() != nil {
			break
		}
	}
	// (Rows may have been shown: their RUNNING record fit; the final one did not.)
	if !strings.Contains(stderr.String(), "no space left on device") {
		t.Fatalf("on a full disk: stdout %q, stderr %q", stdout.String(), stderr.String())
	}
	data, _ := os.ReadFile(filepath.Join(root, lake.AuditFile))
	if bytes.HasSuffix(data, []byte("\n")) {
		t.Skip("the full disk did not tear the last line this time (it ended on a page boundary)")
	}

	os.Remove(filler)
	if code, out, errOut := tarn(t, "query", "--lake", root, "--format", "csv", q); code != 0 || out != "name\na\nb\n" {
		t.Fatalf("with room again: exit %d %q %s", code, out, errOut)
	}
	data, _ = os.ReadFile(filepath.Join(root, lake.AuditFile))
	lines := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
	var torn, notes int
	var recs []map[string]any
	for _, line := range lines {
		var rec map[string]any
		switch {
		case json.Unmarshal([]byte(line), &rec) != nil:
			torn++
		case rec["kind"] == "torn_line":
			notes++
		default:
			recs = append(recs, rec)
		}
	}
	n := len(recs)
	if torn != 1 || notes != 1 || n < 2 || recs[n-2]["state"] != "RUNNING" || recs[n-1]["state"] != "SUCCEEDED" || recs[n-1]["id"] != recs[n-2]["id"] {
		t.Errorf("%d torn lines and %d notes (want 1 and 1), and the last query's records intact:\n%s", torn, notes, data)
	}
}
