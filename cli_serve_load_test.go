package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"

	"tarn/demo"
	"tarn/lake"
	"tarn/queries"
)

// The load test: TARN_SERVE_LOAD=1 go test . -run TestServeLoad -v -timeout 30m
// (TARN_SERVE_LOAD_SECONDS, default 60; TARN_SERVE_LOAD_SESSIONS, default
// 50). A real server in a process of its own on a loopback port; 50 SSH
// sessions each run the source's three queries for 60 s; then the server
// is killed with SIGKILL under load and restarted. It stops by itself.
func TestServeLoad(t *testing.T) {
	if os.Getenv("TARN_SERVE_LOAD") == "" {
		t.Skip("the load test runs with TARN_SERVE_LOAD=1")
	}
	seconds, sessions := envInt("TARN_SERVE_LOAD_SECONDS", 60), envInt("TARN_SERVE_LOAD_SESSIONS", 50)
	l, err := lake.Create(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := demo.Create(context.Background(), l, demo.Options{}); err != nil {
		t.Fatal(err)
	}
	if _, err := demo.WritePolicy(l.Root, l.Catalog, queries.CheckRowFilter); err != nil {
		t.Fatal(err)
	}
	const principals = 10
	keys := make([]gossh.Signer, principals)
	for i := range keys {
		keys[i] = addPrincipal(t, l.Root, fmt.Sprintf("load%d", i), "leader")
	}
	limits := []string{"--max-sessions", "100", "--max-sessions-per-principal", "10", "--max-queries-per-principal", "10"}
	server := startServerProcess(t, l.Root, limits)
	texts := loadQueries()

	one := server.load(t, keys[:1], 1, 30*time.Second, texts)
	t.Logf("1 session, 30 s: %s", one.summary())
	many := server.load(t, keys, sessions, time.Duration(seconds)*time.Second, texts)
	t.Logf("%d sessions, %d s: %s", sessions, seconds, many.summary())
	t.Logf("server peak RSS (VmHWM): %s", server.peakRSS(t))
	if many.errors > 0 || one.errors > 0 {
		t.Errorf("errors under load: %d (first: %s)", many.errors+one.errors, many.firstError+one.firstError)
	}
	ended, notTwo := audited(t, l.Root)
	if ran := one.queries + many.queries; ended != ran || notTwo != 0 {
		t.Errorf("audit: %d queries ended, %d ran; %d ids without exactly 2 records", ended, ran, notTwo)
	}
	t.Logf("audit: %d queries ran and %d are audited, each with exactly its RUNNING and final record", one.queries+many.queries, ended)

	// SIGKILL under load: every record written before the kill is kept, and
	// at most the last line is torn; a restart serves again. Short queries,
	// so that many end before the kill.
	short := []string{"SELECT * FROM sales.customers LIMIT 10", "SELECT count(*) FROM weblogs.access_log_parquet_1"}
	killed := &loadResult{latencies: map[int][]time.Duration{}}
	done := make(chan struct{})
	go func() { server.run(killed, keys, sessions, time.Minute, short); close(done) }()
	for start := time.Now(); killed.count() < 50 && time.Since(start) < time.Minute; {
		time.Sleep(50 * time.Millisecond)
	}
	server.cmd.Process.Kill()
	server.cmd.Wait()
	<-done
	lines, torn := auditLines(t, l.Root)
	endedAfter, _ := audited(t, l.Root)
	if endedAfter-ended < killed.queries {
		t.Errorf("kill -9: %d queries finished for their clients, %d final records", killed.queries, endedAfter-ended)
	}
	t.Logf("kill -9 under load: %d queries had finished for their clients, %d final records (the rest were cut off); %d audit lines, torn last line: %v",
		killed.queries, endedAfter-ended, lines, torn)
	restarted := startServerProcess(t, l.Root, limits)
	if r := restarted.load(t, keys[:1], 1, time.Second, texts); r.errors > 0 || r.queries == 0 {
		t.Errorf("after a restart: %d queries, %d errors (%s)", r.queries, r.errors, r.firstError)
	}
}

func envInt(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n > 0 {
		return n
	}
	return def
}

// loadQueries are the source's three queries over the Parquet log.
func loadQueries() []string {
	var texts []string
	for _, q := range queries.SourceQueries() {
		texts = append(texts, q.Text("weblogs.access_log_parquet_1"))
	}
	return texts
}

// TestServeLoadServer is the load test's server process (run by it only).
func TestServeLoadServer(t *testing.T) {
	root := os.Getenv("TARN_SERVE_LOAD_ROOT")
	if root == "" {
		t.Skip("run by TestServeLoad")
	}
	args := append([]string{"--lake", root, "serve", "--listen", "127.0.0.1:0"}, strings.Fields(os.Getenv("TARN_SERVE_LOAD_LIMITS"))...)
	os.Exit(run(context.Background(), args, os.Stdout, os.Stderr))
}

type serverProcess struct {
	cmd  *exec.Cmd
	addr string
}

func startServerProcess(t *testing.T, root string, limits []string) *serverProcess {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestServeLoadServer$")
	cmd.Env = append(os.Environ(), "TARN_SERVE_LOAD_ROOT="+root, "TARN_SERVE_LOAD_LIMITS="+strings.Join(limits, " "))
	stderr, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	line, err := bufio.NewReader(stderr).ReadString('\n')
	if err != nil {
		t.Fatalf("the server did not start: %v", err)
	}
	// "tarn serve: ROOT on ADDR (host key ...)"
	fields := strings.Fields(line)
	i := slices.Index(fields, "on")
	if i < 0 || i+1 >= len(fields) {
		t.Fatalf("the server said %q", line)
	}
	return &serverProcess{cmd: cmd, addr: fields[i+1]}
}

func (s *serverProcess) peakRSS(t *testing.T) string {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", s.cmd.Process.Pid))
	if err != nil {
		return "unknown (" + err.Error() + ")"
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "VmHWM:") {
			return strings.TrimSpace(strings.TrimPrefix(line, "VmHWM:"))
		}
	}
	return "unknown"
}

// loadResult is what a load run did: each query's latency by query, how
// many succeeded, errors.
type loadResult struct {
	mu         sync.Mutex
	latencies  map[int][]time.Duration
	queries    int
	errors     int
	firstError string
}

// load runs n sessions, spread over keys, each running texts in turn
// until d has passed.
func (s *serverProcess) load(t *testing.T, keys []gossh.Signer, n int, d time.Duration, texts []string) *loadResult {
	r := &loadResult{latencies: map[int][]time.Duration{}}
	s.run(r, keys, n, d, texts)
	return r
}

// run is load's work, counted in r as it goes.
func (s *serverProcess) run(r *loadResult, keys []gossh.Signer, n int, d time.Duration, texts []string) {
	deadline := time.Now().Add(d)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			c, err := gossh.Dial("tcp", s.addr, &gossh.ClientConfig{User: "load", Auth: []gossh.AuthMethod{gossh.PublicKeys(keys[i%len(keys)])},
				HostKeyCallback: gossh.InsecureIgnoreHostKey(), Timeout: 30 * time.Second})
			if err != nil {
				r.fail(err)
				return
			}
			defer c.Close()
			for q := 0; time.Now().Before(deadline); q = (q + 1) % len(texts) {
				start := time.Now()
				if err := runQuiet(c, texts[q]); err != nil {
					r.fail(err)
					return
				}
				r.add(q, time.Since(start))
			}
		})
	}
	wg.Wait()
}

func (r *loadResult) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.queries
}

// runQuiet runs one query over c; the server reads every row and sends
// none (--format null).
func runQuiet(c *gossh.Client, text string) error {
	sess, err := c.NewSession()
	if err != nil {
		return err
	}
	defer sess.Close()
	sess.Stdin = strings.NewReader(text)
	var out, errOut strings.Builder
	sess.Stdout, sess.Stderr = &out, &errOut
	if err := sess.Run("query --format null --stats"); err != nil {
		return fmt.Errorf("%v: %s", err, errOut.String())
	}
	if !strings.Contains(errOut.String(), "SUCCEEDED") {
		return fmt.Errorf("not SUCCEEDED: %s", errOut.String())
	}
	return nil
}

func (r *loadResult) fail(err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.errors == 0 {
		r.firstError = err.Error()
	}
	r.errors++
}

func (r *loadResult) add(q int, d time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.latencies[q] = append(r.latencies[q], d)
	r.queries++
}

func (r *loadResult) summary() string {
	var parts []string
	names := []string{"full", "like", "projection"}
	for q := range 3 {
		l := slices.Clone(r.latencies[q])
		slices.Sort(l)
		if len(l) == 0 {
			continue
		}
		pct := func(p float64) time.Duration { return l[int(p*float64(len(l)-1))] }
		parts = append(parts, fmt.Sprintf("%s: %d queries, p50 %s, p95 %s", names[q], len(l), pct(0.5).Round(time.Millisecond), pct(0.95).Round(time.Millisecond)))
	}
	return fmt.Sprintf("%d errors; %s", r.errors, strings.Join(parts, "; "))
}

// audited counts the load principals' queries that ended in the audit
// log, and the ids that do not have exactly 2 records (RUNNING, the end).
func audited(t *testing.T, root string) (ended, notTwo int) {
	t.Helper()
	f, err := os.Open(filepath.Join(root, lake.AuditFile))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	ids := map[string]int{}
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var q queries.Query
		if json.Unmarshal(sc.Bytes(), &q) == nil && strings.HasPrefix(q.Principal, "load") {
			ids[q.ID]++
			if q.State != queries.Running {
				ended++
			}
		}
	}
	for _, n := range ids {
		if n != 2 {
			notTwo++
		}
	}
	return ended, notTwo
}

// auditLines counts the audit log's lines and says whether the last is
// torn; any other line that does not parse fails the test.
func auditLines(t *testing.T, root string) (int, bool) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, lake.AuditFile))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(b), "\n")
	torn := lines[len(lines)-1] != ""
	for i, line := range lines[:len(lines)-1] {
		if !json.Valid([]byte(line)) {
			t.Errorf("audit line %d does not parse: %.200s", i+1, line)
		}
	}
	return len(lines) - 1, torn
}
