package queries

import (
	"context"
	"database/sql"
	"fmt"

	"tarn/lake"
)

// planner is a second, private DuckDB database that only ever plans what
// the session's plan cannot tell: it holds the session's Parquet views as
// they are and stand-ins for its CSV and JSON views, and it plans without
// the late-materialization optimizer, whose plans DuckDB 1.5.6 fails to
// serialise. It never executes the user's statement; it is sandboxed like
// the session all the same.
type planner struct {
	db    *sql.DB
	conn  *sql.Conn
	views map[string]bool
	// standIns maps the first argument of a stand-in's range() to its
	// table, so the plan says how often each CSV or JSON table is read.
	standIns map[int64]string
}

func (p *planner) close() {
	if p != nil {
		p.conn.Close()
		p.db.Close()
	}
}

// planInPlanner plans c with stand-ins for the CSV and JSON tables: views
// of the same columns and types over one row of NULLs behind a volatile
// filter, so the optimizer can neither read files for them nor prove them
// empty and drop the Parquet side. Each stand-in reads a range() of its
// own, which names its table in the plan.
func (s *Session) planInPlanner(ctx context.Context, c checked, tables []lake.Table) ([]scan, error) {
	p, err := s.openPlanner(ctx)
	if err != nil {
		return nil, err
	}
	for _, t := range tables {
		if err := s.plannerView(ctx, p, t); err != nil {
			return nil, err
		}
	}
	for _, name := range c.refs {
		if q := s.guard.names[name].qualified; name != q && !p.views[name] {
			t := s.tables[q].Table
			if _, err := p.conn.ExecContext(ctx, "CREATE OR REPLACE VIEW main."+lake.QuoteIdent(t.Name)+" AS SELECT * FROM "+viewName(t)); err != nil {
				return nil, err
			}
			p.views[name] = true
		}
	}
	return planScans(ctx, p.conn, planText(c.plan))
}

// standInBase numbers the planner's stand-ins far from any range a
// statement could hold (the guard refuses table functions anyway).
const standInBase = 7_000_000_000_000

func viewName(t lake.Table) string {
	return lake.QuoteIdent(t.Database) + "." + lake.QuoteIdent(t.Name)
}

func (s *Session) openPlanner(ctx context.Context) (*planner, error) {
	if s.planner != nil {
		return s.planner, nil
	}
	db, conn, err := openDuck(ctx, append(createSchemas(s.Lake.Catalog.Databases()), sandbox(readableDirs(s.Lake, s.Visibility), "", "late_materialization")...))
	if err != nil {
		return nil, fmt.Errorf("planner: %w", err)
	}
	s.planner = &planner{db: db, conn: conn, views: map[string]bool{}, standIns: map[int64]string{}}
	return s.planner, nil
}

// plannerView creates t's view in the planner: the session's own view
// over the table's files for Parquet (also while the session reads a copy:
// data scanned is the files'), a stand-in of the governed view's columns
// otherwise.
func (s *Session) plannerView(ctx context.Context, p *planner, t lake.Table) error {
	name := t.QualifiedName()
	if p.views[name] {
		return nil
	}
	var create string
	if t.Format == lake.Parquet {
		create = "CREATE VIEW " + viewName(t) + " AS " + s.viewBody(s.tables[name], s.Lake.Relation(t))
	} else {
		cols, err := s.viewColumns(ctx, viewName(t))
		if err != nil {
			return err
		}
		id := standInBase + int64(len(p.standIns))
		p.standIns[id] = name
		create = standIn(viewName(t), cols, fmt.Sprintf("range(%d, %d)", id, id+1))
	}
	if _, err := p.conn.ExecContext(ctx, create); err != nil {
		return fmt.Errorf("planner: view %s: %w", name, err)
	}
	p.views[name] = true
	return nil
}
