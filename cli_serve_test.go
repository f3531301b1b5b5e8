package main

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"

	"tarn/internal/bypass"
	"tarn/lake"
	"tarn/perms"
	"tarn/queries"
)

// servedLake is a real tarn serve on a random loopback port.
type servedLake struct {
	root string
	addr string
	srv  *server
}

func testLimits() serveLimits {
	return serveLimits{sessions: 64, sessionsPerPrincipal: 8, queriesPerPrincipal: 4, idle: time.Hour, memory: "1GB", spill: "4GB", handshake: 30 * time.Second}
}

func serveLake(t testing.TB, root string, lim serveLimits) *servedLake {
	t.Helper()
	srv, err := newServer(root, lim, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.ssh.Serve(ln)
	t.Cleanup(func() { srv.ssh.Close() })
	return &servedLake{root: root, addr: ln.Addr().String(), srv: srv}
}

// newKey is a fresh client key and its authorized_keys line.
func newKey(t testing.TB) (gossh.Signer, string) {
	t.Helper()
	pub, private, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := gossh.NewSignerFromKey(private)
	if err != nil {
		t.Fatal(err)
	}
	sshPub, _ := gossh.NewPublicKey(pub)
	return signer, strings.TrimSpace(string(gossh.MarshalAuthorizedKey(sshPub))) + " test"
}

// addPrincipal gives persona a principal with a new key, as an
// administrator's edit does.
func addPrincipal(t testing.TB, root, name, persona string) gossh.Signer {
	t.Helper()
	signer, line := newKey(t)
	editServedPolicy(t, root, "add principal "+name, func(p *perms.Policy) error {
		return p.AddPrincipal(perms.Principal{Name: name, Persona: persona, Keys: []string{line}})
	})
	return signer
}

func editServedPolicy(t testing.TB, root, what string, change func(*perms.Policy) error) {
	t.Helper()
	l, err := lake.Open(root)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := perms.Edit(root, l.Catalog, queries.CheckRowFilter, "admin", what, change); err != nil {
		t.Fatal(err)
	}
}

func (s *servedLake) dial(auth ...gossh.AuthMethod) (*gossh.Client, error) {
	return gossh.Dial("tcp", s.addr, &gossh.ClientConfig{User: "someone", Auth: auth,
		HostKeyCallback: gossh.InsecureIgnoreHostKey(), Timeout: 10 * time.Second})
}

func (s *servedLake) connect(t testing.TB, key gossh.Signer) *gossh.Client {
	t.Helper()
	c, err := s.dial(gossh.PublicKeys(key))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// outcome is what one command over SSH printed and its exit status.
type outcome struct {
	stdout, stderr string
	exit           int
}

// run runs a command over c with stdin, as `ssh HOST command < stdin`.
func run1(t testing.TB, c *gossh.Client, command, stdin string) outcome {
	t.Helper()
	sess, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	defer sess.Close()
	var out, errOut bytes.Buffer
	sess.Stdin, sess.Stdout, sess.Stderr = strings.NewReader(stdin), &out, &errOut
	err = sess.Run(command)
	o := outcome{out.String(), errOut.String(), 0}
	var exit *gossh.ExitError
	if errors.As(err, &exit) {
		o.exit = exit.ExitStatus()
	} else if err != nil {
		t.Fatalf("%s: %v", command, err)
	}
	return o
}

func demoLake(t testing.TB) string {
	t.Helper()
	l, _ := bypass.Lake(t)
	return l.Root
}

func TestServeHostKeyIsCreatedPrivateAndKeptAcrossRestarts(t *testing.T) {
	root := demoLake(t)
	first := serveLake(t, root, testLimits())
	path := filepath.Join(root, hostKeyFile)
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode().Perm() != 0o600 {
		t.Errorf("host key mode %v, want 0600", info.Mode().Perm())
	}
	first.srv.ssh.Close()
	second := serveLake(t, root, testLimits())
	if first.srv.fingerprint != second.srv.fingerprint {
		t.Errorf("host key changed on restart: %s, then %s", first.srv.fingerprint, second.srv.fingerprint)
	}
	// A client that pinned the first key connects to the restarted server.
	key := addPrincipal(t, root, "ana", "analyst")
	var seen string
	c, err := gossh.Dial("tcp", second.addr, &gossh.ClientConfig{User: "x", Auth: []gossh.AuthMethod{gossh.PublicKeys(key)},
		HostKeyCallback: func(_ string, _ net.Addr, k gossh.PublicKey) error { seen = gossh.FingerprintSHA256(k); return nil }})
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
	if seen != first.srv.fingerprint {
		t.Errorf("the client saw host key %s, want %s", seen, first.srv.fingerprint)
	}
}

func TestServeAcceptsOnlyThePrincipalsKeys(t *testing.T) {
	root := demoLake(t)
	s := serveLake(t, root, testLimits())
	ana := addPrincipal(t, root, "ana", "analyst")
	stranger, _ := newKey(t)
	for name, auth := range map[string][]gossh.AuthMethod{
		"unknown key": {gossh.PublicKeys(stranger)},
		"password":    {gossh.Password("admin")},
		"keyboard-interactive": {gossh.KeyboardInteractive(func(string, string, []string, []bool) ([]string, error) {
			return []string{"admin"}, nil
		})},
		"no authentication": nil,
	} {
		if c, err := s.dial(auth...); err == nil {
			c.Close()
			t.Errorf("%s: connected", name)
		} else if !strings.Contains(err.Error(), "unable to authenticate") {
			t.Errorf("%s: %v, want an authentication failure", name, err)
		}
	}
	c := s.connect(t, ana)
	if o := run1(t, c, "catalog", ""); o.exit != 0 {
		t.Errorf("ana's catalog: %+v", o)
	}
	// Removing the principal refuses its next connection: the policy is
	// read again at each authentication.
	editServedPolicy(t, root, "remove principal ana", func(p *perms.Policy) error { return p.RemovePrincipal("ana") })
	if c, err := s.dial(gossh.PublicKeys(ana)); err == nil {
		c.Close()
		t.Error("a removed principal connected")
	}
	// ... and the connection it still has runs nothing more.
	if o := run1(t, c, "catalog", ""); o.exit == 0 || !strings.Contains(o.stderr, "belongs to no principal") {
		t.Errorf("a removed principal's open connection ran catalog: %+v", o)
	}
}

func TestServedAnalystSeesItsColumnsAndIsAudited(t *testing.T) {
	root := demoLake(t)
	s := serveLake(t, root, testLimits())
	c := s.connect(t, addPrincipal(t, root, "ana", "analyst"))
	o := run1(t, c, "query --format csv", "SELECT * FROM sales.customers ORDER BY customer_id LIMIT 2")
	if o.exit != 0 || !strings.HasPrefix(o.stdout, "customer_id,region\n1,west\n") {
		t.Fatalf("analyst's SELECT *: %+v", o)
	}
	// Quoted once more for the remote shell's word splitting, as ssh needs.
	o = run1(t, c, `query --format csv 'SELECT region FROM sales.customers WHERE customer_id = 1'`, "")
	if o.exit != 0 || o.stdout != "region\nwest\n" {
		t.Errorf("SQL as an argument: %+v", o)
	}
	b, err := os.ReadFile(filepath.Join(root, lake.AuditFile))
	if err != nil {
		t.Fatal(err)
	}
	var records int
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		var q queries.Query
		if err := json.Unmarshal([]byte(line), &q); err != nil || q.Persona != "analyst" {
			continue
		}
		records++
		if q.Principal != "ana" || !strings.HasPrefix(q.KeyFingerprint, "SHA256:") || !strings.HasPrefix(q.RemoteAddr, "127.0.0.1:") {
			t.Errorf("audit record without the principal's identity: %s", line)
		}
	}
	if records != 4 { // RUNNING and SUCCEEDED of each
		t.Errorf("%d audit records of the analyst's 2 queries, want 4:\n%s", records, b)
	}
	if strings.Contains(string(b), `"principal":""`) {
		t.Error("an empty principal is written")
	}
}

// The bypass suite over SSH: every non-admin principal is refused each
// attack with a message, exit status 1, and no canary in what it gets.
func TestServedBypassSuite(t *testing.T) {
	l, _ := bypass.Lake(t)
	s := serveLake(t, l.Root, testLimits())
	file := filepath.Join(l.Root, "sales/customers/part-00000.csv")
	expand := strings.NewReplacer("{root}", l.Root, "{file}", file).Replace
	for persona, forbidden := range bypass.Hidden {
		if testing.Short() && persona != "analyst" {
			continue // ~35 s a persona: each query is a connection's session
		}
		c := s.connect(t, addPrincipal(t, l.Root, persona+"_p", persona))
		attacks := append([]string{}, bypass.MustFail...)
		for _, table := range bypass.HiddenTables[persona] {
			attacks = append(attacks, "SELECT * FROM "+table, "DESCRIBE "+table)
		}
		leaks := func(q string, o outcome) {
			for _, f := range forbidden {
				if strings.Contains(o.stdout+o.stderr, f) {
					t.Errorf("%s: %q leaked %q:\n%.300s", persona, q, f, o.stdout+o.stderr)
				}
			}
		}
		for _, q := range attacks {
			o := run1(t, c, "query --format csv", expand(q))
			if o.exit != 1 || !strings.HasPrefix(o.stderr, "tarn: ") {
				t.Errorf("%s: %q: exit %d, stderr %q; want refused with exit 1", persona, q, o.exit, o.stderr)
			}
			leaks(q, o)
		}
		if persona != "analyst" {
			continue // what may run takes the same path for every persona: checked once over SSH
		}
		for _, q := range bypass.MayRun {
			leaks(q, run1(t, c, "query --format csv", expand(q)))
		}
	}
	for _, leak := range []string{"leak.csv", "other.db"} {
		if _, err := os.Stat(filepath.Join(l.Root, leak)); err == nil {
			t.Errorf("a hostile statement wrote %s", leak)
		}
	}
}

func TestServedPrincipalCannotChangePersonaOrLake(t *testing.T) {
	root := demoLake(t)
	s := serveLake(t, root, testLimits())
	ana := s.connect(t, addPrincipal(t, root, "ana", "analyst"))
	chart := filepath.Join(t.TempDir(), "x.svg") // on the server, outside the lake
	for _, command := range []string{
		"query --persona admin 'SELECT 1'", "query --persona=admin 'SELECT 1'", "query -persona admin 'SELECT 1'",
		"catalog --persona admin", "history --workgroup primary", "access sales.customers --persona admin",
		"query --lake /tmp 'SELECT 1'", "query --file /etc/passwd", "query --chart /tmp/x.svg 'SELECT 1'",
		"saved add x 'SELECT 1'", "saved delete x", "import /etc/passwd --db x --table y", "grants add analyst SELECT sales",
		"tags create k v", "demo", "serve", "compact sales.customers", "crawl", "bench",
		// The flag parser reads flags after "--" too: each is refused there.
		"query -- 'SELECT 1' --persona admin", "query -- x --file /etc/passwd", "query -- --lake /tmp 'SELECT 1'",
		"query -- 'SELECT 1 AS a, 2 AS b' --chart " + chart, "catalog -- --persona admin",
		"access sales.customers -- --persona admin", "history -- --workgroup primary",
	} {
		if o := run1(t, ana, command, ""); o.exit != 2 || !strings.Contains(o.stderr, "tarn serve: ") {
			t.Errorf("%s: exit %d, %q; want refused", command, o.exit, o.stderr)
		}
	}
	if _, err := os.Stat(chart); err == nil {
		t.Errorf("the analyst wrote %s on the server", chart)
	}
	if o := run1(t, ana, "access sales.customers", ""); o.exit != 1 || !strings.Contains(o.stderr, "for administrators") {
		t.Errorf("analyst's access: %+v", o)
	}
	if o := run1(t, ana, "history", ""); o.exit != 0 || !strings.HasPrefix(o.stdout, "workgroup analytics:") {
		t.Errorf("analyst's history: %+v", o)
	}
	// An administrator may act as anyone.
	root2 := s.connect(t, addPrincipal(t, root, "boss", "admin"))
	o := run1(t, root2, "query --persona analyst --format csv 'SELECT * FROM sales.customers LIMIT 1'", "")
	if o.exit != 0 || !strings.HasPrefix(o.stdout, "customer_id,region\n") {
		t.Errorf("an administrator acting as the analyst: %+v", o)
	}
	if o := run1(t, root2, "access sales.customers", ""); o.exit != 0 || !strings.Contains(o.stdout, "payment_id") {
		t.Errorf("administrator's access: %+v", o)
	}
}

// A tag edit by the administrator applies to a connected analyst's next
// query: the analyst gains the column name.
func TestServedAnalystSeesATagEditOnItsNextQuery(t *testing.T) {
	root := demoLake(t)
	s := serveLake(t, root, testLimits())
	c := s.connect(t, addPrincipal(t, root, "ana", "analyst"))
	q := "SELECT * FROM sales.customers ORDER BY customer_id LIMIT 1"
	if o := run1(t, c, "query --format csv", q); !strings.HasPrefix(o.stdout, "customer_id,region\n") {
		t.Fatalf("before the edit: %+v", o)
	}
	l, _ := lake.Open(root)
	change, err := perms.TagCommand(l.Catalog, "assign", []string{"sales.customers.name", "role=analyst"})
	if err != nil {
		t.Fatal(err)
	}
	editServedPolicy(t, root, "assign sales.customers.name role=analyst", change)
	if o := run1(t, c, "query --format csv", q); !strings.HasPrefix(o.stdout, "customer_id,name,region\n") {
		t.Errorf("after the edit: %+v", o)
	}
}

func TestServeLimitsSayWhichLimit(t *testing.T) {
	root := demoLake(t)
	lim := testLimits()
	lim.sessions, lim.sessionsPerPrincipal, lim.queriesPerPrincipal = 3, 2, 1
	s := serveLake(t, root, lim)
	ana := s.connect(t, addPrincipal(t, root, "ana", "analyst"))
	bob := s.connect(t, addPrincipal(t, root, "bob", "analyst"))
	// A query whose rows nobody reads stays running: SSH's window fills.
	stuck := openSession(t, ana, "query --format csv 'SELECT * FROM sales.customers a, sales.customers b'")
	waitFor(t, func() bool { return s.srv.runningQueries("ana") == 1 })
	o := run1(t, ana, "query 'SELECT 1'", "")
	if o.exit != 1 || !strings.Contains(o.stderr, "--max-queries-per-principal") {
		t.Errorf("a second query of ana's: %+v", o)
	}
	if o := run1(t, bob, "query --format csv 'SELECT 1 AS x'", ""); o.exit != 0 {
		t.Errorf("bob was refused while ana ran a query: %+v", o)
	}
	// ana has 1 session open; one more reaches the limit per principal.
	waiting := openSession(t, ana, "query")
	waitFor(t, func() bool { return s.srv.openSessions() == 2 })
	if o := run1(t, ana, "catalog", ""); o.exit != 1 || !strings.Contains(o.stderr, "--max-sessions-per-principal") {
		t.Errorf("ana's third session: %+v", o)
	}
	// bob's one session makes 3 in all: the server's limit.
	bobs := openSession(t, bob, "query")
	waitFor(t, func() bool { return s.srv.openSessions() == 3 })
	if o := run1(t, bob, "catalog", ""); o.exit != 1 || !strings.Contains(o.stderr, "--max-sessions)") {
		t.Errorf("a fourth session: %+v", o)
	}
	stuck.Close()
	waiting.Close()
	bobs.Close()
	waitFor(t, func() bool { return s.srv.openSessions() == 0 && s.srv.runningQueries("ana") == 0 })
	if o := run1(t, ana, "catalog", ""); o.exit != 0 {
		t.Errorf("after the sessions closed: %+v", o)
	}
	// The refused query is audited as REFUSED with the limit's words.
	b, _ := os.ReadFile(filepath.Join(root, lake.AuditFile))
	if !strings.Contains(string(b), `"state":"REFUSED","error":"principal ana already runs 1 queries at once`) {
		t.Errorf("the refused query's audit record is missing:\n%s", b)
	}
}

func TestServedSessionMemoryLimit(t *testing.T) {
	root := demoLake(t)
	lim := testLimits()
	lim.memory = "20MB"
	s := serveLake(t, root, lim)
	c := s.connect(t, addPrincipal(t, root, "ana", "analyst"))
	o := run1(t, c, "query --format csv", "SELECT string_agg(a.region || b.region, ',') FROM sales.customers a, sales.customers b")
	if o.exit != 1 || !strings.Contains(o.stderr, "memory limit is 20MB, set by tarn serve --memory-limit") {
		t.Errorf("a query beyond the memory limit: exit %d, %.400s", o.exit, o.stderr)
	}
}

func TestServedWorkbenchClosesWhenIdle(t *testing.T) {
	root := demoLake(t)
	lim := testLimits()
	lim.idle = time.Second
	s := serveLake(t, root, lim)
	c := s.connect(t, addPrincipal(t, root, "ana", "analyst"))
	sess, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	defer sess.Close()
	if err := sess.RequestPty("xterm-256color", 30, 100, nil); err != nil {
		t.Fatal(err)
	}
	var out, errOut syncBuffer
	sess.Stdout, sess.Stderr = &out, &errOut
	if err := sess.Shell(); err != nil {
		t.Fatal(err)
	}
	err = sess.Wait()
	var exit *gossh.ExitError
	if !errors.As(err, &exit) || exit.ExitStatus() != 1 || !strings.Contains(errOut.String(), "idle limit (tarn serve --idle)") {
		t.Errorf("an idle workbench: %v, stderr %q", err, errOut.String())
	}
	if !strings.Contains(out.String(), "Catalog · analyst") {
		t.Errorf("the workbench was not drawn:\n%.500s", out.String())
	}
}

// The workbench's persona picker lists only the principal's own persona
// unless it is an administrator.
func TestServedWorkbenchPersonaPicker(t *testing.T) {
	root := demoLake(t)
	s := serveLake(t, root, testLimits())
	for _, tc := range []struct {
		persona    string
		adminShown bool
	}{{"analyst", false}, {"admin", true}} {
		c := s.connect(t, addPrincipal(t, root, tc.persona+"_p", tc.persona))
		sess, err := c.NewSession()
		if err != nil {
			t.Fatal(err)
		}
		keys, _ := sess.StdinPipe()
		var out syncBuffer
		sess.Stdout, sess.Stderr = &out, io.Discard
		if err := sess.RequestPty("xterm-256color", 30, 120, nil); err != nil {
			t.Fatal(err)
		}
		if err := sess.Shell(); err != nil {
			t.Fatal(err)
		}
		waitFor(t, func() bool { return strings.Contains(out.String(), "Catalog · "+tc.persona) })
		keys.Write([]byte{0x10}) // ctrl+p
		waitFor(t, func() bool { return strings.Contains(out.String(), "Act as persona") })
		time.Sleep(200 * time.Millisecond) // the rest of the frame
		picker := out.String()[strings.Index(out.String(), "Act as persona"):]
		if got := strings.Contains(picker, "Data lake administrator"); got != tc.adminShown {
			t.Errorf("%s's picker lists the administrator: %v, want %v", tc.persona, got, tc.adminShown)
		}
		if !strings.Contains(picker, "Data analyst") {
			t.Errorf("%s's picker does not list the analyst", tc.persona)
		}
		keys.Write([]byte("\r")) // choose: the picker closes
		time.Sleep(500 * time.Millisecond)
		keys.Write([]byte{0x11}) // ctrl+q
		done := make(chan error, 1)
		go func() { done <- sess.Wait() }()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("%s: quitting the workbench: %v", tc.persona, err)
			}
		case <-time.After(20 * time.Second):
			t.Fatalf("%s: the workbench did not quit on ctrl+q", tc.persona)
		}
	}
}

// openSession starts a command that stays open until closed.
func openSession(t testing.TB, c *gossh.Client, command string) *gossh.Session {
	t.Helper()
	sess, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	sess.Stdin = blockingReader{}
	if _, err := sess.StdoutPipe(); err != nil { // never read: a query's rows fill SSH's window
		t.Fatal(err)
	}
	if err := sess.Start(command); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sess.Close() })
	return sess
}

// blockingReader is a stdin that never ends.
type blockingReader struct{}

func (blockingReader) Read([]byte) (int, error) { select {} }

func waitFor(t testing.TB, ok func() bool) {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); !ok(); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("timed out waiting")
		}
	}
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// The local CLI keeps working on a served lake: a local query and a tag
// edit while a served workbench is open; the served analyst sees the
// edit; every audit line stays whole.
func TestLocalCLIWorksOnAServedLake(t *testing.T) {
	root := demoLake(t)
	s := serveLake(t, root, testLimits())
	c := s.connect(t, addPrincipal(t, root, "ana", "analyst"))
	bench, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	defer bench.Close()
	var screen syncBuffer
	bench.Stdout, bench.Stdin = &screen, blockingReader{}
	if err := bench.RequestPty("xterm", 30, 100, nil); err != nil {
		t.Fatal(err)
	}
	if err := bench.Shell(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { return strings.Contains(screen.String(), "Catalog · analyst") })
	if code, out, errOut := tarn(t, "--lake", root, "query", "--persona", "analyst", "--format", "csv", "SELECT count(*) AS n FROM sales.customers"); code != 0 || out != "n\n5000\n" {
		t.Errorf("a local query on the served lake: %d %q %q", code, out, errOut)
	}
	if code, _, errOut := tarn(t, "--lake", root, "tags", "assign", "sales.customers.name", "role=analyst", "--as", "admin"); code != 0 {
		t.Fatalf("a local tag edit on the served lake: %s", errOut)
	}
	if o := run1(t, c, "query --format csv", "SELECT * FROM sales.customers LIMIT 1"); !strings.HasPrefix(o.stdout, "customer_id,name,region\n") {
		t.Errorf("the served analyst after the local edit: %+v", o)
	}
	b, _ := os.ReadFile(filepath.Join(root, lake.AuditFile))
	for i, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		if !json.Valid([]byte(line)) {
			t.Errorf("audit line %d is not whole: %s", i+1, line)
		}
	}
}

// SQL on stdin is read whole before it runs: over SSH it is bounded, or
// one principal's endless stdin grows the server until it is killed
// (300 MB of spaces took the server to 1.8 GB RSS).
func TestServedSQLOnStdinIsBounded(t *testing.T) {
	root := demoLake(t)
	s := serveLake(t, root, testLimits())
	c := s.connect(t, addPrincipal(t, root, "ana", "analyst"))
	o := run1(t, c, "query --format csv", strings.Repeat(" ", maxServedSQL)+"SELECT 1 AS x")
	if o.exit != 1 || !strings.Contains(o.stderr, "longer than 1.0 MiB") || o.stdout != "" {
		t.Errorf("SQL beyond the limit: %+v", o)
	}
	o = run1(t, c, "query --format csv", strings.Repeat(" ", maxServedSQL-len("SELECT 1 AS x"))+"SELECT 1 AS x")
	if o.exit != 0 || o.stdout != "x\n1\n" {
		t.Errorf("SQL of the limit's size: exit %d, stdout %q, stderr %.200q", o.exit, o.stdout, o.stderr)
	}
}

// What a session spills beyond its memory limit is bounded too: DuckDB's
// default lets one query fill 90% of the server's free disk.
func TestServedSessionSpillLimit(t *testing.T) {
	root := demoLake(t)
	lim := testLimits()
	lim.memory, lim.spill = "150MB", "64MB"
	s := serveLake(t, root, lim)
	c := s.connect(t, addPrincipal(t, root, "ana", "analyst"))
	o := run1(t, c, "query --format null", "SELECT a.customer_id, b.customer_id, a.region || b.region AS r FROM sales.customers a, sales.customers b ORDER BY r, 1, 2")
	if o.exit != 1 || !strings.Contains(o.stderr, "may spill 64MB to disk, set by tarn serve --spill-limit") {
		t.Errorf("a query spilling beyond the limit: exit %d, %.400s", o.exit, o.stderr)
	}
}

// A client that connects and never authenticates is closed: otherwise
// anyone who reaches the port holds connections until the server runs out
// of file descriptors, and then no one connects and no file opens.
func TestServeClosesAConnectionThatDoesNotAuthenticate(t *testing.T) {
	lim := testLimits()
	lim.handshake = time.Second
	s := serveLake(t, demoLake(t), lim)
	conn, err := net.Dial("tcp", s.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetReadDeadline(time.Now().Add(20 * time.Second))
	_, err = io.Copy(io.Discard, conn) // the banner, then nothing: until closed
	if err != nil {
		t.Errorf("the server kept a connection that never authenticated: %v", err)
	}
}

// A principal cannot hold connections without sessions past its limit:
// each is a file descriptor, and 200 such were kept, so one key could
// leave the server none. Twice the sessions per principal are allowed, so
// that the session limit, with its message, is what people meet.
func TestServeLimitsConnectionsPerPrincipal(t *testing.T) {
	root := demoLake(t)
	lim := testLimits()
	lim.sessionsPerPrincipal = 2
	s := serveLake(t, root, lim)
	ana := addPrincipal(t, root, "ana", "analyst")
	var held []*gossh.Client
	for range 4 {
		held = append(held, s.connect(t, ana))
	}
	if c, err := s.dial(gossh.PublicKeys(ana)); err == nil {
		c.Close()
		t.Fatal("a fifth connection of a principal limited to 2 sessions was let in")
	}
	bob := s.connect(t, addPrincipal(t, root, "bob", "analyst"))
	if o := run1(t, bob, "catalog", ""); o.exit != 0 {
		t.Errorf("another principal: %+v", o)
	}
	held[0].Close()
	waitFor(t, func() bool {
		c, err := s.dial(gossh.PublicKeys(ana))
		if err == nil {
			c.Close()
		}
		return err == nil
	})
}
