// Package tui is tarn's interactive workbench (Bubble Tea v2): presentation
// only. It asks package queries for everything it shows, runs that work in
// commands, and keeps no business rules of its own.
package tui

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"tarn/lake"
	"tarn/perms"
	"tarn/queries"
	"tarn/themes"
)

// Context is what every component shares: sizes, styles, key map, and the
// lake as the current persona sees it. Components read it; only the root
// model changes it, in Update.
type Context struct {
	Width, Height int
	Styles        themes.Styles
	Themes        []themes.Palette
	NoColor       bool
	Keys          KeyMap
	Lake          *lake.Lake
	LakeLabel     string // the lake as the status bar names it
	Policy        *perms.Policy
	Persona       perms.Persona
	Workgroup     perms.Workgroup
	Visibility    perms.Visibility
	Saved         []queries.Saved
	Served        *Served // nil when the lake's owner runs tarn locally
}

// Served is how the workbench runs for a principal over SSH (tarn serve):
// every session opens with the principal's identity and the server's
// limits, and a principal whose persona is not an administrator acts as
// that persona only.
type Served struct {
	Options queries.Options
	Persona string // the principal's persona
	Admin   bool   // the principal's persona is an administrator: it may act as anyone
}

// MayActAs says whether the workbench may act as persona.
func (sv *Served) MayActAs(persona string) bool {
	return sv == nil || sv.Admin || persona == sv.Persona
}

// refuse says why the principal may not act as persona, if it may not.
func (sv *Served) refuse(persona string) error {
	if sv.MayActAs(persona) {
		return nil
	}
	return fmt.Errorf("over SSH you act as %s: your key's principal is not an administrator, so it cannot act as %s", sv.Persona, persona)
}

// open starts a session as persona, refusing one the principal may not be.
func (sv *Served) open(ctx context.Context, l *lake.Lake, pol *perms.Policy, persona string) (*queries.Session, error) {
	vis, err := visibleAs(sv, l, pol, persona)
	if err != nil {
		return nil, err
	}
	return sv.openVisible(ctx, l, pol, vis)
}

// openVisible starts a session for vis's persona (see visibleAs).
func (sv *Served) openVisible(ctx context.Context, l *lake.Lake, pol *perms.Policy, vis perms.Visibility) (*queries.Session, error) {
	if err := sv.refuse(vis.Persona.Name); err != nil {
		return nil, err
	}
	var opts queries.Options
	if sv != nil {
		opts = sv.Options
	}
	opts.BuildCopies = true // the workbench runs query after query
	return queries.OpenVisible(ctx, l, pol, vis, opts)
}

// identity is who edits the policy, for its audit record.
func (sv *Served) identity() perms.Identity {
	if sv == nil {
		return perms.Identity{}
	}
	return sv.Options.Identity
}

// worker owns one persona's DuckDB session. Commands reach the session only
// through it, one at a time: a fetch still unwinding after a cancel holds
// the lock until DuckDB has stopped, so a new query never races it.
//
// The session opens in the background (setting up the sandbox of a
// 10,000-table lake took most of a second): a statement waits for it,
// and gets the open's error if it failed. A worker never changes persona.
type worker struct {
	mu         sync.Mutex
	session    *queries.Session
	open       *queries.Result
	generation int           // the session's Generation the workbench has adopted
	closed     bool          // shut down: its session, if it opened, is closed
	opened     chan struct{} // closed once the open has ended
	openErr    error         // why the session did not open
	stopOpen   context.CancelFunc
	pool       *workers // nil for a worker of its own
}

// openSessionFor opens a worker's session: (*Served).openVisible, which
// tests wrap to hold an open back or make it fail.
var openSessionFor = (*Served).openVisible

// startWorker starts opening a session for vis's persona and returns at once.
func startWorker(sv *Served, l *lake.Lake, pol *perms.Policy, vis perms.Visibility) *worker {
	return (*workers)(nil).start(sv, l, pol, vis)
}

// workers are the sessions a workbench has started and not yet shut
// down. A persona switch opens its session in a command whose reply may
// never be read: a served connection that closes mid-switch ends the
// program first. Shutting down every worker at the end, and any started
// after it, leaves no DuckDB session open behind a closed workbench.
type workers struct {
	mu     sync.Mutex
	live   map[*worker]bool
	closed bool
}

// start is startWorker, the worker kept until it is shut down; once the
// workbench has ended, the worker is shut from the start.
func (ws *workers) start(sv *Served, l *lake.Lake, pol *perms.Policy, vis perms.Visibility) *worker {
	ctx, cancel := context.WithCancel(context.Background())
	w := &worker{opened: make(chan struct{}), stopOpen: cancel, pool: ws}
	if ws != nil {
		ws.mu.Lock()
		defer ws.mu.Unlock()
		if ws.closed {
			cancel()
			w.openErr, w.closed = errors.New("the workbench has ended"), true
			close(w.opened)
			return w
		}
		if ws.live == nil {
			ws.live = map[*worker]bool{}
		}
		ws.live[w] = true
	}
	go func() {
		defer close(w.opened)
		w.session, w.openErr = openSessionFor(sv, ctx, l, pol, vis)
	}()
	return w
}

// shutdownAll shuts every live worker down, and any started later.
func (ws *workers) shutdownAll() {
	ws.mu.Lock()
	ws.closed = true
	live := ws.live
	ws.live = nil
	ws.mu.Unlock()
	for w := range live {
		w.shutdown()
	}
}

// forget drops w once it is shut down.
func (ws *workers) forget(w *worker) {
	if ws != nil {
		ws.mu.Lock()
		delete(ws.live, w)
		ws.mu.Unlock()
	}
}

// wait blocks until the session is open, or says why it did not open.
func (w *worker) wait() error {
	<-w.opened
	return w.openErr
}

// do runs fn with the session to itself, once it is open.
func (w *worker) do(fn func(s *queries.Session) error) error {
	if err := w.wait(); err != nil {
		return err
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	return fn(w.session)
}

// closeOpen ends the result still open, if any (caller holds the lock).
func (w *worker) closeOpen() {
	if w.open != nil {
		w.open.Close()
		w.open = nil
	}
}

// shutdown stops an open still under way and closes the session once
// nothing uses it.
func (w *worker) shutdown() {
	w.stopOpen()
	defer w.pool.forget(w)
	err := w.wait()
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return
	}
	w.closed = true // also when the open failed or was stopped: nothing is left open
	if err == nil {
		w.closeOpen()
		w.session.Close()
	}
}

// visibleAs is what persona sees of the lake, from the catalog and the
// policy alone (pure Go, no session), refusing a persona the principal
// may not be.
func visibleAs(sv *Served, l *lake.Lake, pol *perms.Policy, persona string) (perms.Visibility, error) {
	if err := sv.refuse(persona); err != nil {
		return perms.Visibility{}, err
	}
	return pol.Visibility(l.Catalog, persona)
}

// loadLakeAgain is the lake and policy as they are on disk: l and pol
// themselves while neither file changed since they were read (reading a
// 10,000-table lake.toml again took 0.9 s of a persona switch), read
// again otherwise.
func loadLakeAgain(l *lake.Lake, pol *perms.Policy) (*lake.Lake, *perms.Policy, error) {
	same := func(v lake.FileVersion, path string) bool { return v.Known() && v == lake.StatVersion(path) }
	if same(l.Version, l.CatalogPath()) && same(pol.Version, perms.PolicyPath(l.Root)) {
		return l, pol, nil
	}
	return queries.LoadLake(l.Root)
}
