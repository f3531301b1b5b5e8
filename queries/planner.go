package queries

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

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
// empty and drop the Parquet side.
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
			if _, err := p.conn.ExecContext(ctx, "CREATE VIEW main."+lake.QuoteIdent(t.Name)+" AS SELECT * FROM "+viewName(t)); err != nil {
				return nil, err
			}
			p.views[name] = true
		}
	}
	return planScans(ctx, p.conn, planText(c.exec))
}

func viewName(t lake.Table) string {
	return lake.QuoteIdent(t.Database) + "." + lake.QuoteIdent(t.Name)
}

func (s *Session) openPlanner(ctx context.Context) (*planner, error) {
	if s.planner != nil {
		return s.planner, nil
	}
	db, err := sql.Open("duckdb", "")
	if err != nil {
		return nil, err
	}
	conn, err := db.Conn(ctx)
	if err != nil {
		db.Close()
		return nil, err
	}
	p := &planner{db: db, conn: conn, views: map[string]bool{}}
	var stmts []string
	for _, d := range s.Lake.Catalog.Databases() {
		stmts = append(stmts, "CREATE SCHEMA "+lake.QuoteIdent(d))
	}
	stmts = append(stmts, "SET disabled_optimizers = 'late_materialization'")
	for _, q := range append(stmts, sandbox(s.Lake.Root)...) {
		if _, err := conn.ExecContext(ctx, q); err != nil {
			p.close()
			return nil, fmt.Errorf("planner: %s: %w", q, err)
		}
	}
	s.planner = p
	return p, nil
}

// plannerView creates t's view in the planner: the session's own view SQL
// for Parquet, a stand-in of the governed view's columns otherwise.
func (s *Session) plannerView(ctx context.Context, p *planner, t lake.Table) error {
	name := t.QualifiedName()
	if p.views[name] {
		return nil
	}
	var create string
	if t.Format == lake.Parquet {
		err := s.conn.QueryRowContext(ctx, "SELECT sql FROM duckdb_views() WHERE schema_name = ? AND view_name = ?", t.Database, t.Name).Scan(&create)
		if err != nil {
			return fmt.Errorf("planner: view %s: %w", name, err)
		}
	} else {
		cols, err := s.viewColumns(ctx, viewName(t))
		if err != nil {
			return err
		}
		nulls := make([]string, len(cols))
		for i, c := range cols {
			nulls[i] = "CAST(NULL AS " + c.Type + ") AS " + lake.QuoteIdent(c.Name)
		}
		create = "CREATE VIEW " + viewName(t) + " AS SELECT " + strings.Join(nulls, ", ") + " FROM range(1) WHERE random() < 2"
	}
	if _, err := p.conn.ExecContext(ctx, create); err != nil {
		return fmt.Errorf("planner: view %s: %w", name, err)
	}
	p.views[name] = true
	return nil
}
