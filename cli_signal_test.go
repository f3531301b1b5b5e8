package main

import (
	"bufio"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"tarn/lake"
	"tarn/queries"
)

// TestMain lets a test run this test binary as tarn itself, a real process
// with real pipes and signals.
func TestMain(m *testing.M) {
	if os.Getenv("TARN_RUN_MAIN") == "1" {
		os.Args = append([]string{"tarn"}, strings.Split(os.Getenv("TARN_ARGS"), "\x1f")...)
		main()
	}
	os.Exit(m.Run())
}

// tarnProcess starts tarn with args as a process of its own.
func tarnProcess(t *testing.T, args ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "TARN_RUN_MAIN=1", "TARN_ARGS="+strings.Join(args, "\x1f"))
	return cmd
}

// tarnWithStderr starts tarn with args as a process of its own, its
// stderr read line by line.
func tarnWithStderr(t *testing.T, args ...string) (*exec.Cmd, *bufio.Scanner) {
	t.Helper()
	cmd := tarnProcess(t, args...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return cmd, bufio.NewScanner(stderr)
}

// auditOf reads the lake's audit records of one SQL text.
func auditOf(t *testing.T, root, sql string) []queries.Query {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(root, lake.AuditFile))
	if err != nil {
		t.Fatal(err)
	}
	var out []queries.Query
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		var q queries.Query
		if json.Unmarshal([]byte(line), &q) == nil && q.SQL == sql {
			out = append(out, q)
		}
	}
	return out
}

// A reader that stops early (`| head`) and SIGTERM both end the query
// CANCELLED, recorded after a RUNNING record that was on disk before the
// first row left tarn.
func TestAQueryCutShortIsStillAudited(t *testing.T) {
	root := governedCLILake(t)
	for _, format := range []string{"table", "csv", "json"} {
		t.Run("closed pipe "+format, func(t *testing.T) {
			q := "SELECT host, path, '" + format + "' AS f FROM weblogs.access_log_parquet_1"
			cmd := tarnProcess(t, "query", "--lake", root, "--persona", "analyst", "--format", format, q)
			out, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			first, err := bufio.NewReader(out).ReadString('\n')
			if err != nil || first == "" {
				t.Fatalf("no first line: %v", err)
			}
			out.Close() // as head does after its lines
			err = cmd.Wait()
			if code := cmd.ProcessState.ExitCode(); code != 141 {
				t.Errorf("exit %d (%v), want 141 as for SIGPIPE", code, err)
			}
			recs := auditOf(t, root, q)
			if len(recs) != 2 || recs[0].State != queries.Running || recs[1].State != queries.Cancelled || recs[0].ID != recs[1].ID {
				t.Fatalf("audit records %+v, want RUNNING then CANCELLED", recs)
			}
			if !strings.Contains(recs[1].Error, "the reader stopped reading") {
				t.Errorf("the record does not say why: %q", recs[1].Error)
			}
		})
	}
	t.Run("SIGTERM", func(t *testing.T) {
		q := "SELECT count(*) FROM weblogs.access_log_parquet_1 a, weblogs.access_log_parquet_1 b, weblogs.access_log_parquet_1 c"
		cmd := tarnProcess(t, "query", "--lake", root, "--persona", "admin", q)
		var stderr strings.Builder
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(30 * time.Second)
		for len(auditOf(t, root, q)) == 0 && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond)
		}
		cmd.Process.Signal(syscall.SIGTERM)
		waitOrDump(t, cmd, &stderr, time.Minute)
		if code := cmd.ProcessState.ExitCode(); code != 1 {
			t.Errorf("exit %d after SIGTERM, want 1", code)
		}
		if !strings.HasPrefix(stderr.String(), "tarn: cancelled after 0 rows, ") || strings.Count(stderr.String(), "\n") != 1 {
			t.Errorf("stderr %q, want one line saying how far the query got", stderr.String())
		}
		recs := auditOf(t, root, q)
		if len(recs) != 2 || recs[1].State != queries.Cancelled || !strings.Contains(recs[1].Error, "context canceled") {
			t.Errorf("audit records %+v, want RUNNING then CANCELLED", recs)
		}
	})
}

// waitOrDump waits for cmd to exit; a tarn still running after limit is
// made to print its goroutines (SIGQUIT) and the test fails with them, not
// the whole package at go test's timeout (CI once saw this test hang six
// minutes after SIGTERM, and never again here in 40 runs, 20 of them loaded).
func waitOrDump(t *testing.T, cmd *exec.Cmd, stderr *strings.Builder, limit time.Duration) {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(limit):
		cmd.Process.Signal(syscall.SIGQUIT)
		<-done
		t.Fatalf("tarn did not exit within %v of SIGTERM; its goroutines:\n%s", limit, stderr.String())
	}
}

// ctrl+c during tarn bench keeps what was measured: the cells that ended
// before it are printed (valid JSON here), the rest are not, and the exit
// says the bench was cancelled.
func TestABenchCancelledPrintsTheCellsMeasuredBeforeIt(t *testing.T) {
	root := governedCLILake(t)
	// 60 shops to the fourth power is 13M rows; 2,200 items' would take hours.
	sql := "SELECT count(*) FROM {table} a, {table} b, {table} c, {table} d"
	cmd := tarnProcess(t, "bench", "--lake", root, "--tables", "sales.shops,sales.items", "--sql", sql, "--runs", "1", "--warmup", "0", "--format", "json")
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	started := func() bool { // the audit log has the slow query's RUNNING record
		data, _ := os.ReadFile(filepath.Join(root, lake.AuditFile))
		return strings.Contains(string(data), "sales.items a")
	}
	for deadline := time.Now().Add(2 * time.Minute); !started(); time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatalf("the second cell never started:\n%s", stderr.String())
		}
	}
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	err := cmd.Wait()
	if err == nil || !strings.Contains(stderr.String(), "bench cancelled after 1 of 2 cells") {
		t.Fatalf("exit %v, stderr:\n%s", err, stderr.String())
	}
	var doc struct {
		Cells []struct {
			Table string  `json:"table"`
			Rows  int64   `json:"rows"`
			MS    float64 `json:"trimmed_mean_ms"`
		}
	}
	if err := json.Unmarshal([]byte(stdout.String()), &doc); err != nil {
		t.Fatalf("%v:\n%s", err, stdout.String())
	}
	if len(doc.Cells) != 1 || doc.Cells[0].Table != "shops" || doc.Cells[0].Rows != 1 || doc.Cells[0].MS <= 0 {
		t.Errorf("cells printed: %+v", doc.Cells)
	}
}
