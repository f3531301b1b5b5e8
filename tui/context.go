// Package tui is tarn's interactive workbench (Bubble Tea v2): presentation
// only. It asks package queries for everything it shows, runs that work in
// commands, and keeps no business rules of its own.
package tui

import (
	"context"
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
}

// worker owns one persona's DuckDB session. Commands reach the session only
// through it, one at a time: a fetch still unwinding after a cancel holds
// the lock until DuckDB has stopped, so a new query never races it.
type worker struct {
	mu         sync.Mutex
	session    *queries.Session
	open       *queries.Result
	generation int // the session's Generation the workbench has adopted
}

func newWorker(s *queries.Session) *worker { return &worker{session: s} }

// do runs fn with the session to itself.
func (w *worker) do(fn func(s *queries.Session) error) error {
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

// shutdown closes the session once nothing uses it.
func (w *worker) shutdown() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.closeOpen()
	w.session.Close()
}

// openSession starts a session for persona: the evaluation of its views
// happens here, off the UI.
func openSession(ctx context.Context, l *lake.Lake, pol *perms.Policy, persona string) (*worker, error) {
	s, err := queries.Open(ctx, l, pol, persona)
	if err != nil {
		return nil, err
	}
	return newWorker(s), nil
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
