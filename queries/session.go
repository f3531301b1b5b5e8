package queries

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/duckdb/duckdb-go/v2/mapping"

	"tarn/internal/atomicfile"
	"tarn/lake"
	"tarn/perms"
)

// Session is one persona's connection to the lake. Isolation is by
// construction: tables the persona may not read have no view here, so
// there is nothing to name; the guard refuses every way around the views.
//
// A session follows the lake: before each statement it checks whether
// lake.toml or policy.toml changed on disk (file identity, size, times:
// lake.FileVersion), and if so reloads both and rebuilds its views, so a
// revoke, a new mask or a new row filter applies to the next statement
// of every open session. Lake, Policy and Visibility are then new values;
// Generation counts the reloads.
type Session struct {
	Lake       *lake.Lake
	Policy     *perms.Policy
	Visibility perms.Visibility
	Generation int
	// Identity is who the session acts for, beyond its persona (a served
	// lake's principal); every audit record names it.
	Identity Identity
	opts     Options
	*engine
	open     *Result        // the query whose rows are being read
	last     Query          // the last finished query's record
	syncs    sync.WaitGroup // background fsyncs of the audit log
	unsynced bool           // audit records written since the last fsync
	// wantCopies are the tables the statement under way read from their
	// files though they should have a copy; pending, the copies this
	// session started (see copiesDir).
	wantCopies []lake.Table
	pending    []<-chan struct{}
}

// engine is what a session builds from one version of the catalog and
// the policy: its DuckDB, views, twin and caches.
type engine struct {
	db       *sql.DB
	conn     *sql.Conn
	raw      mapping.Connection // conn's C handle, for streaming results
	plans    map[string]plan    // statements' scans, for data scanned
	planner  *planner           // plans statements that mix formats
	twin     *twin              // binds statements over stand-ins (the plan check)
	verified map[string]bool    // statements the plan check passed
	guard    guard
	tables   map[string]perms.TableAccess // readable tables by database.table
	created  map[string]bool              // views created so far, by guard name
	tmp      string                       // the folder DuckDB spills to
	dirs     []string                     // the folders its sandbox admits
	reading  map[string]string            // the copy a table's view reads, by database.table
	governed map[string]bool              // views that name their columns (viewOver), not SELECT *
}

// Identity is who acts beyond the persona (see perms.Identity).
type Identity = perms.Identity

// Options are what a session shares a served lake under (tarn serve):
// who it is and its limits. The zero value is a local session's.
type Options struct {
	Identity Identity
	// MemoryLimit is DuckDB's memory_limit for the session ("512MB"); ""
	// leaves DuckDB's default (80% of the machine's memory).
	MemoryLimit string
	// SpillLimit is DuckDB's max_temp_directory_size for the session
	// ("4GB"): what it may spill to disk beyond MemoryLimit; "" leaves
	// DuckDB's default (90% of the free disk).
	SpillLimit string
	// Admit is asked before each query runs and may refuse it (a limit of
	// concurrent queries); release is called once the query has ended.
	Admit func() (release func(), err error)
	// BuildCopies makes a copy of a table of many small files after a
	// query read it, in the background (see copiesDir): for a process that
	// runs more than one query. IgnoreCopies reads every table from its
	// own files, copy or not (tarn bench --no-copies).
	BuildCopies, IgnoreCopies bool
}

// Open starts a session for persona over the lake.
func Open(ctx context.Context, l *lake.Lake, pol *perms.Policy, persona string) (*Session, error) {
	return OpenWith(ctx, l, pol, persona, Options{})
}

// OpenWith starts a session for persona with opts.
func OpenWith(ctx context.Context, l *lake.Lake, pol *perms.Policy, persona string, opts Options) (*Session, error) {
	vis, err := pol.Visibility(l.Catalog, persona)
	if err != nil {
		return nil, err
	}
	return OpenVisible(ctx, l, pol, vis, opts)
}

// OpenVisible starts a session for the persona of vis, which must be
// pol.Visibility of l's catalog for it: the workbench has it already, as it
// draws the persona's catalog while the session opens, and computing it
// again took 30 ms of CPU at 10,000 tables.
func OpenVisible(ctx context.Context, l *lake.Lake, pol *perms.Policy, vis perms.Visibility, opts Options) (*Session, error) {
	s := &Session{Lake: l, Policy: pol, Visibility: vis, Identity: opts.Identity, opts: opts}
	var err error
	if s.engine, err = s.build(ctx); err != nil {
		return nil, fmt.Errorf("session for %s: %w", vis.Persona.Name, err)
	}
	return s, nil
}

// build makes the engine for the session's lake, policy and visibility.
func (s *Session) build(ctx context.Context) (*engine, error) {
	var limits []string
	if s.opts.MemoryLimit != "" {
		// Before the sandbox, which locks the configuration.
		limits = append(limits, "SET memory_limit = "+lake.SQLString(s.opts.MemoryLimit))
	}
	if s.opts.SpillLimit != "" {
		limits = append(limits, "SET max_temp_directory_size = "+lake.SQLString(s.opts.SpillLimit))
	}
	db, conn, err := openDuck(ctx, limits)
	if err != nil {
		return nil, err
	}
	e := &engine{db: db, conn: conn}
	e.tmp, err = sessionTemp()
	if err == nil {
		e.raw, err = rawConn(conn)
	}
	if err == nil {
		err = e.setup(ctx, s.Lake, s.Visibility)
	}
	if err != nil {
		e.close()
		return nil, err
	}
	return e, nil
}

func (e *engine) close() error {
	e.planner.close()
	e.twin.close()
	e.conn.Close()
	err := e.db.Close()
	if e.tmp != "" {
		os.RemoveAll(e.tmp)
	}
	return err
}

// Persona is the session's persona.
func (s *Session) Persona() perms.Persona { return s.Visibility.Persona }

// Close ends the session, and the query still open in it, once the
// audit log is on disk.
func (s *Session) Close() error {
	if s.open != nil {
		s.open.Close()
	}
	s.syncs.Wait()
	err := s.engine.close()
	if s.unsynced {
		if serr := atomicfile.SyncAppends(filepath.Join(s.Lake.Root, lake.AuditFile)); serr != nil {
			return fmt.Errorf("audit log: %w", serr)
		}
	}
	return err
}

// follow reloads the catalog and the policy when either changed on disk
// since the session loaded them, and rebuilds the session's engine. A
// policy that no longer loads, or that no longer has the persona, refuses
// every statement until it is fixed: nothing runs on stale permissions.
//
// A catalog or policy made in memory (a test's) has no version and is not
// followed.
func (s *Session) follow(ctx context.Context) error {
	changed := func(v lake.FileVersion, path string) bool { return v.Known() && v != lake.StatVersion(path) }
	if !changed(s.Lake.Version, s.Lake.CatalogPath()) && !changed(s.Policy.Version, perms.PolicyPath(s.Lake.Root)) {
		return nil
	}
	l, err := lake.Open(s.Lake.Root)
	if err != nil {
		return fmt.Errorf("the lake's catalog changed and does not load, so nothing runs: %w", err)
	}
	pol, err := LoadPolicy(l)
	if err != nil {
		return fmt.Errorf("the lake's policy changed and does not load, so nothing runs: %w", err)
	}
	vis, err := pol.Visibility(l.Catalog, s.Persona().Name)
	if err != nil {
		return fmt.Errorf("the lake's policy changed: %w", err)
	}
	next := &Session{Lake: l, Policy: pol, Visibility: vis, opts: s.opts}
	e, err := next.build(ctx)
	if err != nil {
		return err
	}
	s.engine.close()
	s.Lake, s.Policy, s.Visibility, s.engine = l, pol, vis, e
	s.Generation++
	return nil
}

// setup registers the persona's names and creates the schemas, then
// locks the sandbox. Views are created on first use: binding one globs its
// files, which took 40 ms for a 10,000-file layout, so creating all of them
// up front made switching persona take half a second.
func (e *engine) setup(ctx context.Context, l *lake.Lake, vis perms.Visibility) error {
	e.guard.names = map[string]access{}
	e.tables = map[string]perms.TableAccess{}
	e.created = map[string]bool{}
	bare := map[string]int{}
	for _, ta := range vis.Tables {
		bare[ta.Table.Name]++
	}
	var schemas []string
	for _, ta := range vis.Tables {
		t := ta.Table
		a := access{qualified: t.QualifiedName(), readable: ta.Select}
		e.guard.names[t.QualifiedName()] = a
		if bare[t.Name] == 1 {
			e.guard.names[t.Name] = a
		}
		if ta.Select && !slices.Contains(schemas, t.Database) {
			schemas = append(schemas, t.Database)
		}
		if ta.Select {
			e.tables[t.QualifiedName()] = ta
		}
	}
	e.twin = openTwin(schemas)
	e.dirs = readableDirs(l, vis)
	e.reading, e.governed = map[string]string{}, map[string]bool{}
	return e.exec(ctx, append(createSchemas(schemas), sandbox(e.dirs, e.tmp)...))
}

func (e *engine) exec(ctx context.Context, stmts []string) error {
	for _, q := range stmts {
		if _, err := e.conn.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("%s: %w", q, err)
		}
	}
	return nil
}

// ensureViews creates the views a checked statement uses: the governed
// view database.table, and for a bare name its alias in main.
func (s *Session) ensureViews(ctx context.Context, c checked) error {
	names := c.refs
	if c.showTables {
		names = nil
		for name, a := range s.guard.names {
			if a.readable {
				names = append(names, name)
			}
		}
		slices.Sort(names)
	}
	for _, name := range names {
		if s.created[name] {
			continue
		}
		qualified := s.guard.names[name].qualified
		ta := s.tables[qualified]
		view := viewName(ta.Table)
		if !s.created[qualified] {
			if err := s.createView(ctx, view, ta); err != nil {
				return s.viewError(qualified, err)
			}
			if err := s.mirrorView(ctx, view, qualified); err != nil {
				return err
			}
			s.created[qualified] = true
		}
		if name != qualified {
			alias := "CREATE OR REPLACE VIEW main." + lake.QuoteIdent(ta.Table.Name) + " AS SELECT * FROM " + view
			if err := s.exec(ctx, []string{alias}); err != nil {
				return err
			}
			if err := s.twin.exec(ctx, alias); err != nil {
				return err
			}
			s.created[name] = true
		}
	}
	return nil
}

// createView creates the governed view of ta. A table the persona sees
// whole (no hidden or masked column, no row filter) gets a plain SELECT *:
// naming the columns cost 2-3% on the source's LIKE query over Parquet.
// CSV and JSON readers already name the catalog's columns; a Parquet view
// is checked against the catalog and falls back to naming them if the files
// hold anything else. DuckDB re-binds views at query time and fails if a
// view's columns change, so columns added to the files later cannot appear.
func (s *Session) createView(ctx context.Context, view string, ta perms.TableAccess) error {
	q := ta.Table.QualifiedName()
	s.governed[q] = !seesWhole(ta)
	if err := s.exec(ctx, []string{"CREATE OR REPLACE VIEW " + view + " AS " + s.viewBody(ta, s.relation(ta.Table))}); err != nil || s.governed[q] || ta.Table.Format != lake.Parquet {
		return err
	}
	cols, err := s.viewColumns(ctx, view)
	if err != nil {
		return err
	}
	if !slices.EqualFunc(cols, ta.Table.Columns, func(a, b lake.Column) bool { return a.Name == b.Name }) {
		s.governed[q] = true
		return s.exec(ctx, []string{"CREATE OR REPLACE VIEW " + view + " AS " + s.viewBody(ta, s.relation(ta.Table))})
	}
	return nil
}

// viewBody is the query of ta's view over rel, in the form createView
// chose for it.
func (s *Session) viewBody(ta perms.TableAccess, rel string) string {
	if s.governed[ta.Table.QualifiedName()] {
		return viewOver(rel, ta)
	}
	return "SELECT * FROM " + rel
}

func seesWhole(ta perms.TableAccess) bool {
	if ta.RowFilter != "" || len(ta.Columns) != len(ta.Table.Columns) {
		return false
	}
	for _, c := range ta.Columns {
		if c.Mask != "" {
			return false
		}
	}
	return true
}

// viewColumns are a view's columns with their types, as DuckDB binds them.
func (s *Session) viewColumns(ctx context.Context, view string) ([]lake.Column, error) {
	return describeColumns(ctx, s.conn, view)
}

// describeColumns are the columns of a relation or query with their types.
func describeColumns(ctx context.Context, conn *sql.Conn, rel string) ([]lake.Column, error) {
	rows, err := conn.QueryContext(ctx, "SELECT column_name, column_type FROM (DESCRIBE "+rel+")")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var cols []lake.Column
	for rows.Next() {
		var c lake.Column
		if err := rows.Scan(&c.Name, &c.Type); err != nil {
			return nil, err
		}
		cols = append(cols, c)
	}
	return cols, rows.Err()
}

// ViewSQL is the governed view of a table for one persona: visible columns
// only, masks applied, and the row filter. A row filter sits behind a
// MATERIALIZED CTE: otherwise the optimizer may evaluate a user's predicate
// on rows the filter removes, and an error message (a failed cast, say)
// could quote a value from a row the persona may not see.
func ViewSQL(l *lake.Lake, ta perms.TableAccess) string {
	return viewOver(l.Relation(ta.Table), ta)
}

// viewOver is the governed view of ta over rel, the table's files or its
// copy.
func viewOver(rel string, ta perms.TableAccess) string {
	masked := false
	cols := make([]string, len(ta.Columns))
	names := make([]string, len(ta.Columns))
	for i, c := range ta.Columns {
		cols[i] = maskedColumn(c) + " AS " + lake.QuoteIdent(c.Name)
		names[i] = lake.SQLString(c.Name)
		masked = masked || c.Mask != ""
	}
	// COLUMNS with the allowed names admits only those columns (one added to
	// the files later stays hidden) and, unlike a column list, leaves DuckDB
	// free to read a filtered column first: a list made the governed LIKE
	// over Parquet 3% slower than the same query run directly.
	allowed := "COLUMNS(lambda c: c IN (" + strings.Join(names, ", ") + "))"
	outer := allowed
	if masked {
		outer = strings.Join(cols, ", ")
	}
	if ta.RowFilter == "" {
		return "SELECT " + outer + " FROM " + rel
	}
	// The CTE keeps only visible columns, so not even EXPLAIN names a hidden one.
	return "WITH tarn_filtered AS MATERIALIZED (SELECT " + allowed + " FROM " + rel +
		" WHERE (" + ta.RowFilter + ")) SELECT " + outer + " FROM tarn_filtered"
}

func maskedColumn(c perms.ColumnAccess) string {
	col := lake.QuoteIdent(c.Name)
	text := "CAST(" + col + " AS VARCHAR)"
	switch c.Mask {
	case "redact":
		return "CASE WHEN " + col + " IS NULL THEN NULL ELSE '****' END"
	case "hash":
		return "sha256(" + text + ")"
	case "last4":
		return "repeat('*', greatest(length(" + text + ") - 4, 0)) || right(" + text + ", 4)"
	case "null":
		return "CAST(NULL AS " + c.Type + ")"
	case "year":
		return "date_trunc('year', " + col + ")"
	}
	return col
}
