package queries

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"tarn/lake"
)

// The plan check is the third layer of enforcement. It asks DuckDB itself
// what a statement reads, instead of trusting the guard's reading of it.
//
// A twin is a DuckDB of its own beside each session that holds the same
// names as the session (its schemas, views and bare aliases, created as
// the session creates them) but where every view is a stand-in of the same
// columns that reads no file (one row from a range() of its own), and that
// may open no file at all. Each statement is bound in the twin before the
// session sees it. Names bind there exactly as in the session, so whatever
// the statement reads other than the persona's views shows in the twin's
// bound plan as an operator of its own: a file (a replacement scan or a
// table function, which the twin cannot even open), a catalog function, a
// system view. The bound plan may hold only relational operators and the
// stand-ins' scans; anything else refuses the statement.
//
// The twin also plans statements over CSV and JSON tables for data
// scanned: their files count whole, once per scan of their stand-in.
//
// The scans of the optimised plan, from which data scanned is computed,
// are checked as well (see explainScans): every scan must read the folder
// of a table the statement names, no more often than it names it.
type twin struct {
	ready    chan struct{} // closed once the twin is open, or failed to
	db       *sql.DB
	conn     *sql.Conn
	err      error
	standIns map[int64]string  // range() start of each stand-in: its table
	plans    map[string][]scan // optimised plans by statement (see planInTwin)
}

// errReadsOutside refuses a statement whose plan reads something other
// than the persona's views. It does not say what: the name may be a file
// the persona should not learn exists.
var errReadsOutside = &RefusedError{"Insufficient Lake Formation permission(s): the query reads data other than the tables you may query"}

// openTwin opens the twin beside the session: a DuckDB takes 13-16 ms to
// open here, and a persona switch would otherwise wait for two of them.
// Its first use waits for it.
func openTwin(schemas []string) *twin {
	t := &twin{ready: make(chan struct{}), standIns: map[int64]string{}}
	go func() {
		defer close(t.ready)
		t.db, t.conn, t.err = openDuck(context.Background(), append(createSchemas(schemas), sandbox(nil, "")...))
	}()
	return t
}

// open waits for the twin and returns its connection.
func (t *twin) open() (*sql.Conn, error) {
	<-t.ready
	if t.err != nil {
		return nil, fmt.Errorf("plan check: %w", t.err)
	}
	return t.conn, nil
}

func (t *twin) close() {
	if t == nil {
		return
	}
	if _, err := t.open(); err == nil {
		t.conn.Close()
		t.db.Close()
	}
}

func (t *twin) exec(ctx context.Context, stmt string) error {
	conn, err := t.open()
	if err != nil {
		return err
	}
	if _, err := conn.ExecContext(ctx, stmt); err != nil {
		return fmt.Errorf("plan check: %w", err)
	}
	return nil
}

// standIn is a view of cols that reads from, a range() whose start names
// the table, instead of files. Its columns come out of a window function
// and its rows through a volatile filter: the optimizer can then neither
// fold a predicate on a column to false nor prove the view empty, either
// of which would drop the scan from the plan, though the real table would
// be read.
func standIn(view string, cols []lake.Column, from string) string {
	values := make([]string, len(cols))
	for i, c := range cols {
		values[i] = "lag(CAST(NULL AS " + c.Type + ")) OVER () AS " + lake.QuoteIdent(c.Name)
	}
	return "CREATE OR REPLACE VIEW " + view + " AS SELECT " + strings.Join(values, ", ") + " FROM " + from + " WHERE random() < 2"
}

// checkPlan binds c in the twin and refuses it unless its plan holds only
// relational operators over the stand-ins. SHOW TABLES runs tarn's own
// text (see canonicalShow) and reads DuckDB's catalog by design.
func (s *Session) checkPlan(ctx context.Context, c checked) error {
	if !enforcement.planCheck || c.showTables || s.verified[c.plan] {
		return nil
	}
	conn, err := s.twin.open()
	if err != nil {
		return err
	}
	var serialized string
	if err := conn.QueryRowContext(ctx, "SELECT json_serialize_plan(?::VARCHAR)::VARCHAR", c.plan).Scan(&serialized); err != nil {
		return fmt.Errorf("plan check: %w", err)
	}
	var doc struct {
		Error     bool   `json:"error"`
		ErrorType string `json:"error_type"`
		Message   string `json:"error_message"`
		Plans     any    `json:"plans"`
	}
	dec := json.NewDecoder(strings.NewReader(serialized))
	dec.UseNumber() // a stand-in's range() start, to the digit
	if err := dec.Decode(&doc); err != nil {
		return fmt.Errorf("plan check: %w", err)
	}
	if doc.Error {
		return s.twin.bindError(ctx, c.plan, doc.ErrorType, doc.Message)
	}
	if err := s.twin.onlyRelational(doc.Plans); err != nil {
		return err
	}
	if err := s.notRescanned(ctx, c); err != nil {
		return err
	}
	if s.verified == nil || len(s.verified) >= maxCached {
		s.verified = map[string]bool{}
	}
	s.verified[c.plan] = true
	return nil
}

// bindError turns the twin's failure to bind a statement into the
// statement's error. The twin holds no data, so its messages carry none:
// a mistake in the query (a misspelt column) is told as DuckDB tells it,
// with the position (which only a prepared statement's error has). The
// twin may open no file, so a permission error means the statement tried
// to, and is refused without naming what it tried.
func (t *twin) bindError(ctx context.Context, text, kind, msg string) error {
	switch {
	case kind == "permission" || strings.Contains(msg, "Permission Error"):
		return errReadsOutside
	case kind == "not implemented" || kind == "invalid input" && strings.Contains(msg, "serializ"):
		return refuse("tarn cannot check what this statement reads (%s), so it does not run it", firstLine(msg))
	}
	conn, err := t.open()
	if err != nil {
		return err
	}
	stmt, err := conn.PrepareContext(ctx, text)
	if err == nil {
		stmt.Close()
		return errors.New(msg)
	}
	if strings.Contains(err.Error(), "Permission Error") {
		return errReadsOutside
	}
	return err
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

// relational are the plan operators a statement over views may hold:
// none of them reads anything but its children and the statement's own
// constants.
var relational = map[string]bool{}

func init() {
	for _, op := range strings.Fields(`PROJECTION FILTER AGGREGATE_AND_GROUP_BY WINDOW UNNEST LIMIT ORDER_BY
		TOP_N DISTINCT SAMPLE PIVOT DUMMY_SCAN EMPTY_RESULT EXPRESSION_GET CHUNK_GET COLUMN_DATA_GET
		DELIM_GET CTE_REF MATERIALIZED_CTE RECURSIVE_CTE JOIN DELIM_JOIN COMPARISON_JOIN ANY_JOIN
		CROSS_PRODUCT POSITIONAL_JOIN ASOF_JOIN DEPENDENT_JOIN UNION EXCEPT INTERSECT`) {
		relational["LOGICAL_"+op] = true
	}
}

// onlyRelational walks a serialised plan: every operator must be one of
// relational, or the scan of a stand-in. Any other LOGICAL_GET (a file, a
// table function, a catalog view) refuses the statement.
func (t *twin) onlyRelational(node any) error {
	switch n := node.(type) {
	case []any:
		for _, c := range n {
			if err := t.onlyRelational(c); err != nil {
				return err
			}
		}
	case map[string]any:
		if op, _ := n["type"].(string); strings.HasPrefix(op, "LOGICAL_") && n["expression_class"] == nil {
			switch {
			case op == "LOGICAL_GET":
				if sc := scanOf(n); sc.function != "range" || t.standIns[sc.first] == "" {
					return errReadsOutside
				}
			case !relational[op]:
				return refuse("tarn cannot check what this statement reads (%s), so it does not run it", strings.ToLower(strings.TrimPrefix(op, "LOGICAL_")))
			}
		}
		for _, c := range n {
			if err := t.onlyRelational(c); err != nil {
				return err
			}
		}
	}
	return nil
}

// mirrorView creates in the twin the stand-in of the governed view of
// table the session just created.
func (s *Session) mirrorView(ctx context.Context, view, table string) error {
	cols, err := s.viewColumns(ctx, view)
	if err != nil {
		return err
	}
	if _, err := s.twin.open(); err != nil {
		return err
	}
	id := standInBase + int64(len(s.twin.standIns))
	if err := s.twin.exec(ctx, standIn(view, cols, fmt.Sprintf("range(%d, %d)", id, id+1))); err != nil {
		return err
	}
	s.twin.standIns[id] = table
	return nil
}

// notRescanned refuses a statement whose optimised plan reads a table in
// the recursive part of a recursive CTE. The twin's optimised plan says it
// for every statement, also one whose real plan cannot be serialised
// (explainScans checks the real plan too); it inlines CTEs as the real
// one does, which the bound plan does not show.
func (s *Session) notRescanned(ctx context.Context, c checked) error {
	scans, err := s.planInTwin(ctx, c)
	if err != nil {
		return nil // not plannable here: the real plan, or the upper bound, decides
	}
	for _, sc := range scans {
		if sc.recursive {
			return errRescanned
		}
	}
	return nil
}

// planInTwin plans c with the twin's optimizer: whether a recursive part
// reads a table, and, for a statement whose tables are all CSV or JSON,
// how often each is scanned. Both ask on a statement's first run, so the
// plan is kept: it depends only on the statement and the stand-ins, which
// do not change under it.
func (s *Session) planInTwin(ctx context.Context, c checked) ([]scan, error) {
	if scans, ok := s.twin.plans[c.plan]; ok {
		return scans, nil
	}
	conn, err := s.twin.open()
	if err != nil {
		return nil, err
	}
	scans, err := planScans(ctx, conn, planText(c.plan))
	if err == nil {
		if s.twin.plans == nil || len(s.twin.plans) >= maxCached {
			s.twin.plans = map[string][]scan{}
		}
		s.twin.plans[c.plan] = scans
	}
	return scans, err
}
