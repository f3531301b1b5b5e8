package main

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"charm.land/ssh"
	"charm.land/wish/v2"
	gossh "golang.org/x/crypto/ssh"

	"tarn/internal/atomicfile"
	"tarn/internal/units"
	"tarn/lake"
	"tarn/perms"
	"tarn/queries"
)

// hostKeyFile is the server's SSH host key, in the lake's private folder.
const hostKeyFile = ".tarn/ssh_host_ed25519_key"

// serveLimits are how a served lake is shared: no principal can take
// every session, every DuckDB or all the memory.
type serveLimits struct {
	sessions             int           // open SSH sessions in all
	sessionsPerPrincipal int           // open SSH sessions of one principal
	queriesPerPrincipal  int           // queries one principal runs at once
	idle                 time.Duration // a workbench without a keystroke this long is closed
	memory               string        // DuckDB's memory_limit per session
	spill                string        // DuckDB's max_temp_directory_size per session
	handshake            time.Duration // a connection not authenticated by then is closed
}

func runServe(e *env, args []string) error {
	fs := e.newFlags("serve")
	listen := fs.String("listen", "127.0.0.1:23234", "address to listen on (host:port)")
	var lim serveLimits
	fs.IntVar(&lim.sessions, "max-sessions", 64, "SSH sessions open at once, in all")
	fs.IntVar(&lim.sessionsPerPrincipal, "max-sessions-per-principal", 4, "SSH sessions one principal may have open at once")
	fs.IntVar(&lim.queriesPerPrincipal, "max-queries-per-principal", 2, "queries one principal may run at once")
	fs.DurationVar(&lim.idle, "idle", 30*time.Minute, "close a workbench that received no key for this long")
	fs.StringVar(&lim.memory, "memory-limit", "1GB", "DuckDB memory limit of each session (spills to disk beyond it)")
	fs.StringVar(&lim.spill, "spill-limit", "4GB", "what each session's DuckDB may spill to disk beyond its memory limit")
	if rest, err := parseInterspersed(fs, args); err != nil {
		return err
	} else if len(rest) > 0 {
		return fmt.Errorf("serve takes flags only, got %q", rest[0])
	}
	lim.handshake = 30 * time.Second
	if err := lim.check(); err != nil {
		return err
	}
	l, _, err := queries.LoadLake(e.lakeRoot)
	if err != nil {
		return err
	}
	srv, err := newServer(l.Root, lim, e.stderr)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stderr, "tarn serve: %s on %s (host key %s)\n", l.Root, ln.Addr(), srv.fingerprint)
	go func() {
		<-e.ctx.Done()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.ssh.Shutdown(ctx)
		srv.ssh.Close()
	}()
	if err := srv.ssh.Serve(ln); !errors.Is(err, ssh.ErrServerClosed) {
		return err
	}
	return nil
}

var memoryLimitRE = regexp.MustCompile(`^[0-9]+(\.[0-9]+)?\s*(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)$`)

func (lim serveLimits) check() error {
	switch {
	case lim.sessions < 1 || lim.sessionsPerPrincipal < 1 || lim.queriesPerPrincipal < 1:
		return errors.New("--max-sessions, --max-sessions-per-principal and --max-queries-per-principal must be at least 1")
	case lim.idle <= 0:
		return errors.New("--idle must be a positive duration, such as 30m")
	case !memoryLimitRE.MatchString(lim.memory):
		return fmt.Errorf("--memory-limit %q: give a size such as 512MB or 2GB", lim.memory)
	case !memoryLimitRE.MatchString(lim.spill):
		return fmt.Errorf("--spill-limit %q: give a size such as 512MB or 2GB", lim.spill)
	}
	return nil
}

// server is a lake served over SSH.
type server struct {
	root        string
	limits      serveLimits
	log         io.Writer
	ssh         *ssh.Server
	fingerprint string // the host key's

	mu          sync.Mutex
	sessions    map[string]int // open sessions by principal
	connections map[string]int // open connections by principal
	running     map[string]int // running queries by principal
}

func newServer(root string, lim serveLimits, log io.Writer) (*server, error) {
	key, err := loadHostKey(filepath.Join(root, hostKeyFile))
	if err != nil {
		return nil, err
	}
	s := &server{root: root, limits: lim, log: log, sessions: map[string]int{}, connections: map[string]int{}, running: map[string]int{}}
	s.fingerprint = gossh.FingerprintSHA256(key.PublicKey())
	s.ssh, err = wish.NewServer(
		func(srv *ssh.Server) error { srv.AddHostKey(key); srv.HandshakeTimeout = lim.handshake; return nil },
		wish.WithPublicKeyAuth(s.authenticate),
		wish.WithMiddleware(s.handle),
	)
	return s, err
}

// loadHostKey reads the host key, creating it (mode 0600) on first start:
// clients pin it, so it must survive restarts.
func loadHostKey(path string) (gossh.Signer, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		if err := createHostKey(path); err != nil {
			return nil, fmt.Errorf("host key %s: %w", path, err)
		}
		b, err = os.ReadFile(path)
	}
	if err != nil {
		return nil, fmt.Errorf("host key: %w", err)
	}
	key, err := gossh.ParsePrivateKey(b)
	if err != nil {
		return nil, fmt.Errorf("host key %s: %w (remove it to make a new one; clients will then see a changed host key)", path, err)
	}
	return key, nil
}

func createHostKey(path string) error {
	_, private, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return err
	}
	block, err := gossh.MarshalPrivateKey(private, "tarn serve host key")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".host-key-*") // mode 0600
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := pem.Encode(tmp, block); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	// A link, not a rename: two servers starting at once keep one key.
	if err := os.Link(tmp.Name(), path); err != nil && !errors.Is(err, os.ErrExist) {
		return err
	}
	return atomicfile.SyncDir(filepath.Dir(path))
}

// authenticate accepts a key that belongs to a principal of the policy as
// it is on disk now: a principal added or removed applies to the next
// connection.
func (s *server) authenticate(ctx ssh.Context, key ssh.PublicKey) bool {
	p, err := s.principal(key)
	if err == nil {
		err = s.admitConnection(ctx, p.Name)
	}
	if err != nil {
		fmt.Fprintf(s.log, "tarn serve: %s refused: %v\n", ctx.RemoteAddr(), err)
	}
	return err == nil
}

// principal is the principal whose key this is, in the policy on disk now.
func (s *server) principal(key ssh.PublicKey) (perms.Principal, error) {
	l, err := lake.Open(s.root)
	if err != nil {
		return perms.Principal{}, err
	}
	pol, err := queries.LoadPolicy(l)
	if err != nil {
		return perms.Principal{}, err
	}
	p, ok := pol.PrincipalForKey(key)
	if !ok {
		return perms.Principal{}, fmt.Errorf("key %s belongs to no principal", perms.KeyFingerprint(key))
	}
	return p, nil
}

// handle is every session: the principal's workbench, or one command.
func (s *server) handle(ssh.Handler) ssh.Handler {
	return func(sess ssh.Session) {
		sess.Exit(s.serveSession(sess))
	}
}

func (s *server) serveSession(sess ssh.Session) int {
	// Looked up again: the policy may have changed since authentication.
	p, err := s.principal(sess.PublicKey())
	if err != nil {
		fmt.Fprintln(sess.Stderr(), "tarn serve:", err)
		return 1
	}
	release, err := s.admitSession(p.Name)
	if err != nil {
		fmt.Fprintln(sess.Stderr(), "tarn serve:", err)
		return 1
	}
	defer release()
	who := served{principal: p, session: queries.Options{
		Identity:    queries.Identity{Principal: p.Name, KeyFingerprint: perms.KeyFingerprint(sess.PublicKey()), RemoteAddr: sess.RemoteAddr().String()},
		MemoryLimit: s.limits.memory,
		SpillLimit:  s.limits.spill,
		Admit:       func() (func(), error) { return s.admitQuery(p.Name) },
		BuildCopies: true, // the server outlives every command
	}}
	if who.admin, err = s.isAdmin(p.Persona); err != nil {
		fmt.Fprintln(sess.Stderr(), "tarn serve:", err)
		return 1
	}
	if len(sess.Command()) == 0 {
		return s.workbench(sess, who)
	}
	return s.command(sess, who)
}

func (s *server) isAdmin(persona string) (bool, error) {
	_, pol, err := queries.LoadLake(s.root)
	if err != nil {
		return false, err
	}
	p, ok := pol.Persona(persona)
	return ok && p.Admin, nil
}

// served is the principal a session acts for.
type served struct {
	principal perms.Principal
	admin     bool
	session   queries.Options
}

// admitSession counts a session in, unless a limit is reached.
func (s *server) admitSession(principal string) (release func(), err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch total := s.total(); {
	case total >= s.limits.sessions:
		return nil, fmt.Errorf("the server's limit of %d sessions open at once is reached (tarn serve --max-sessions); try again later", s.limits.sessions)
	case s.sessions[principal] >= s.limits.sessionsPerPrincipal:
		return nil, fmt.Errorf("principal %s already has %d sessions open, the server's limit per principal (tarn serve --max-sessions-per-principal); close one first",
			principal, s.sessions[principal])
	}
	s.sessions[principal]++
	return func() { s.mu.Lock(); s.sessions[principal]--; s.mu.Unlock() }, nil
}

// connectionOf is the context key of a connection counted for a principal.
type connectionOf string

// admitConnection counts a connection in for principal until it closes,
// unless it already holds twice its sessions' limit: a connection is a
// file descriptor whether or not it opens a session, and the session
// limit, which says so, should be what people meet.
func (s *server) admitConnection(ctx ssh.Context, principal string) error {
	if ctx.Value(connectionOf(principal)) != nil {
		return nil // counted at an earlier key query
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if n := s.connections[principal]; n >= 2*s.limits.sessionsPerPrincipal {
		return fmt.Errorf("principal %s already has %d connections open, twice the server's limit of sessions per principal (tarn serve --max-sessions-per-principal)", principal, n)
	}
	s.connections[principal]++
	ctx.SetValue(connectionOf(principal), true)
	go func() {
		<-ctx.Done() // the connection closed
		s.mu.Lock()
		s.connections[principal]--
		s.mu.Unlock()
	}()
	return nil
}

// admitQuery counts a query in, unless the principal runs its limit.
func (s *server) admitQuery(principal string) (release func(), err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if n := s.running[principal]; n >= s.limits.queriesPerPrincipal {
		return nil, &queries.RefusedError{Msg: fmt.Sprintf("principal %s already runs %d queries at once, the server's limit per principal (tarn serve --max-queries-per-principal); wait for one to end",
			principal, n)}
	}
	s.running[principal]++
	return func() { s.mu.Lock(); s.running[principal]--; s.mu.Unlock() }, nil
}

// servedCommands are the commands a principal may run over SSH, with the
// flags each accepts; an administrator may add --persona (and history's
// --workgroup). The lake and the persona are never the client's to set,
// and no flag names a file on the server.
var servedCommands = map[string][]string{
	"query":   {"format", "stats", "saved"},
	"catalog": {"json"},
	"history": {"limit", "json"},
	"saved":   {},
	"access":  {"why"},
}

// maxServedSQL bounds the SQL a command reads on stdin: it is read whole
// before it runs, so without a bound one principal's endless stdin would
// grow the server until it is killed.
const maxServedSQL = 1 << 20

// command runs one CLI command for the principal, its output the
// session's, its exit status the CLI's.
func (s *server) command(sess ssh.Session, who served) int {
	e := &env{ctx: sess.Context(), stdin: &boundedStdin{r: sess, left: maxServedSQL}, stdout: sess, stderr: sess.Stderr(), lakeRoot: s.root, named: true, session: who.session}
	args := sess.Command()
	name, args := args[0], args[1:]
	allowed, ok := servedCommands[name]
	c, _ := lookup(name)
	if !ok {
		fmt.Fprintf(e.stderr, "tarn serve: %q is not served over SSH; the commands are %s (without a command, the workbench)\n",
			name, strings.Join(servedCommandNames(), ", "))
		return 2
	}
	if who.admin {
		allowed = append(slices.Clone(allowed), "persona", "workgroup")
	}
	if err := servedFlagsOnly(name, allowed, args); err != nil {
		fmt.Fprintln(e.stderr, "tarn serve:", err)
		return 2
	}
	if name == "saved" && !(len(args) == 0 || len(args) == 1 && args[0] == "list") {
		fmt.Fprintln(e.stderr, "tarn serve: over SSH, saved only lists the saved queries (saved [list])")
		return 2
	}
	e.helpAsked = asksHelp(args)
	// First, so that an administrator's own --persona, parsed later, wins.
	return exitCode(e, c.run(e, append([]string{"--persona", who.principal.Persona}, args...)))
}

// boundedStdin is a session's stdin that fails past maxServedSQL bytes.
type boundedStdin struct {
	r    io.Reader
	left int
}

func (b *boundedStdin) Read(p []byte) (int, error) {
	if b.left <= 0 {
		// One byte more says whether the input goes on.
		if n, _ := b.r.Read(make([]byte, 1)); n > 0 {
			return 0, fmt.Errorf("the SQL on stdin is longer than %s, the server's limit over SSH", units.Bytes(maxServedSQL))
		}
		return 0, io.EOF
	}
	n, err := b.r.Read(p[:min(len(p), b.left)])
	b.left -= n
	return n, err
}

func servedCommandNames() []string {
	var names []string
	for n := range servedCommands {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// servedFlagsOnly refuses any flag of args that is not in allowed. Every
// argument that looks like a flag is checked, a flag's value too and those
// after "--" (the commands' parser reads flags after it): a refusal too
// many, never a flag let through.
func servedFlagsOnly(name string, allowed, args []string) error {
	for _, a := range args {
		if a == "-" || a == "--" || !strings.HasPrefix(a, "-") || looksLikeText(a) {
			continue
		}
		flag, _, _ := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if flag == "h" || flag == "help" || slices.Contains(allowed, flag) {
			continue
		}
		if len(allowed) == 0 {
			return fmt.Errorf("over SSH, %s takes no flag (%s given): the lake and the persona are the server's and your key's", name, a)
		}
		return fmt.Errorf("over SSH, %s takes only --%s (%s given): the lake and the persona are the server's and your key's",
			name, strings.Join(allowed, ", --"), a)
	}
	return nil
}

// openSessions is how many sessions are open.
func (s *server) openSessions() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.total()
}

// total is the sessions open in all (the caller holds mu).
func (s *server) total() int {
	total := 0
	for _, n := range s.sessions {
		total += n
	}
	return total
}

// runningQueries is how many queries principal runs.
func (s *server) runningQueries(principal string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.running[principal]
}
