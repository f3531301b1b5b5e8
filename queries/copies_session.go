package queries

import (
	"context"
	"errors"
	"path/filepath"
	"slices"

	"tarn/lake"
)

// relation is what t's view reads: its copy while the session uses one
// (see copiesDir), its files otherwise.
func (s *Session) relation(t lake.Table) string {
	if path := s.reading[t.QualifiedName()]; path != "" {
		return "read_parquet(" + lake.SQLString(path) + ")"
	}
	return s.Lake.Relation(t)
}

// useCopies points the views of the tables c names at their copies where
// a valid one exists, and back at their files where none does, before the
// statement is checked and planned; tables that should have a copy and
// have none are noted for a build once the statement succeeds. A copy made
// since the session opened needs a sandbox that admits its folder: the
// session's DuckDB is then opened again (as when the policy changes) and
// the statement checked again in it.
func (s *Session) useCopies(ctx context.Context, c checked, text string) (checked, error) {
	s.wantCopies = nil
	if s.opts.IgnoreCopies {
		return c, nil
	}
	want := map[string]string{}
	for _, t := range s.referencedTables(c) {
		path, missing := s.copyFor(t)
		want[t.QualifiedName()] = path
		if missing && !c.explain && !c.showTables { // those read no rows
			s.wantCopies = append(s.wantCopies, t)
		}
	}
	if !s.admits(want) {
		if err := s.reopen(ctx); err != nil {
			return c, err
		}
		var err error
		if c, err = s.guard.check(ctx, s.conn, text); err != nil {
			return c, err
		}
	}
	for q, path := range want {
		if err := s.read(ctx, q, path); err != nil {
			return c, err
		}
	}
	return c, nil
}

// read points the view of table q at path, its copy ("" for its files).
func (s *Session) read(ctx context.Context, q, path string) error {
	if s.reading[q] == path {
		return nil
	}
	s.reading[q] = path // plans stay: they are always the files' (see cachedPlan)
	if s.created[q] {
		ta := s.tables[q]
		if err := s.createView(ctx, viewName(ta.Table), ta); err != nil {
			return s.viewError(q, err)
		}
	}
	return nil
}

// scannedFromFiles is data scanned for a statement that reads a copy and
// whose plan could not be read (sc an upper bound): the planner (see
// cachedPlan) may fail where the session's own plan over the files
// serialises (a SUMMARIZE in a subquery: "inequal num bindings"), and a
// copy changes no figure, so such a statement reads its files, checked
// again over them.
func (s *Session) scannedFromFiles(ctx context.Context, c checked, sc Scanned) (Scanned, error) {
	tables := s.referencedTables(c)
	if sc.Exact || !s.readsCopy(tables) {
		return sc, nil
	}
	for _, t := range tables {
		if err := s.read(ctx, t.QualifiedName(), ""); err != nil {
			return sc, err
		}
	}
	delete(s.plans, c.plan) // planned in the planner; the session's own plan may serialise
	if err := s.checkPlan(ctx, c); err != nil {
		return sc, err
	}
	return s.scanned(ctx, c)
}

// copyFor is the copy t's view should read now ("" for its files), and
// whether t should have one but has none.
func (s *Session) copyFor(t lake.Table) (path string, missing bool) {
	tf, err := statTable(s.Lake, t)
	if err != nil || !tf.copyable() {
		return "", false
	}
	path = validCopy(s.Lake.Root, t, tf)
	return path, path == "" && !copyFailed(s.Lake.Root, t, tf)
}

// admits says whether the session's sandbox admits every copy in want.
func (s *Session) admits(want map[string]string) bool {
	for _, path := range want {
		if path != "" && enforcement.narrowSandbox && !slices.Contains(s.dirs, filepath.Dir(path)) {
			return false
		}
	}
	return true
}

// reopen builds the session's engine again from the same lake and policy.
func (s *Session) reopen(ctx context.Context) error {
	e, err := s.build(ctx)
	if err != nil {
		return err
	}
	s.engine.close()
	s.engine = e
	return nil
}

// requestCopies starts the builds the last statement asked for, where the
// session may build.
func (s *Session) requestCopies() {
	if !s.opts.BuildCopies {
		return
	}
	for _, t := range s.wantCopies {
		s.pending = append(s.pending, requestCopy(s.Lake, t))
	}
	s.wantCopies = nil
}

// AwaitCopies waits for the copies this session started to be built (or
// to fail): tarn bench waits after a cell's first run, so that every
// recorded run reads the same thing.
func (s *Session) AwaitCopies(ctx context.Context) error {
	for _, done := range s.pending {
		select {
		case <-done:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	s.pending = nil
	return nil
}

// errReadsCopy sends a statement that reads a copy to the planner, whose
// views read the tables' files (see cachedPlan).
var errReadsCopy = errors.New("reads a copy")

// readsCopy says whether the session reads any of tables from a copy.
func (s *Session) readsCopy(tables []lake.Table) bool {
	return slices.ContainsFunc(tables, func(t lake.Table) bool { return s.reading[t.QualifiedName()] != "" })
}
