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
// columns that reads nothing, and that may open no file at all. Each
// statement is bound in the twin before the session sees it. Names bind
// there exactly as in the session, so whatever the statement reads other
// than the persona's views shows in the twin's bound plan as an operator
// of its own: a file (a replacement scan or a table function, which the
// twin cannot even open), a catalog function, a system view. The bound plan
// may hold only relational operators; anything else refuses the statement.
//
// The scans of the optimised plan, from which data scanned is computed,
// are checked as well (see explainScans): every scan must read the folder
// of a table the statement names, no more often than it names it.
type twin struct {
	db   *sql.DB
	conn *sql.Conn
}

// errReadsOutside refuses a statement whose plan reads something other
// than the persona's views. It does not say what: the name may be a file
// the persona should not learn exists.
var errReadsOutside = &RefusedError{"Insufficient Lake Formation permission(s): the query reads data other than the tables you may query"}

func openTwin(ctx context.Context, schemas []string) (*twin, error) {
	db, conn, err := openDuck(ctx, append(createSchemas(schemas), sandbox(nil, "")...))
	if err != nil {
		return nil, fmt.Errorf("plan check: %w", err)
	}
	return &twin{db: db, conn: conn}, nil
}

func (t *twin) close() {
	if t != nil {
		t.conn.Close()
		t.db.Close()
	}
}

func (t *twin) exec(ctx context.Context, stmt string) error {
	if _, err := t.conn.ExecContext(ctx, stmt); err != nil {
		return fmt.Errorf("plan check: %w", err)
	}
	return nil
}

// standIn is a view of cols that reads no file. Without from (the twin,
// which only binds) its columns are NULLs. With from (the planner, which
// optimises) it reads that table expression instead, and its columns come
// out of a window function and its rows through a volatile filter: the
// optimizer can then neither fold a predicate on a column to false nor
// prove the view empty, either of which would drop the scan from the
// plan, though the real table would be read.
func standIn(view string, cols []lake.Column, from string) string {
	values := make([]string, len(cols))
	for i, c := range cols {
		values[i] = "CAST(NULL AS " + c.Type + ")"
		if from != "" {
			values[i] = "lag(" + values[i] + ") OVER ()"
		}
		values[i] += " AS " + lake.QuoteIdent(c.Name)
	}
	text := "CREATE VIEW " + view + " AS SELECT " + strings.Join(values, ", ")
	if from != "" {
		text += " FROM " + from + " WHERE random() < 2"
	}
	return text
}

// checkPlan binds c in the twin and refuses it unless its plan holds only
// relational operators over the stand-ins. SHOW TABLES runs tarn's own
// text (see canonicalShow) and reads DuckDB's catalog by design.
func (s *Session) checkPlan(ctx context.Context, c checked) error {
	if !enforcement.planCheck || c.showTables || s.verified[c.plan] {
		return nil
	}
	var serialized string
	err := s.twin.conn.QueryRowContext(ctx, "SELECT json_serialize_plan(?::VARCHAR)::VARCHAR", c.plan).Scan(&serialized)
	if err != nil {
		return fmt.Errorf("plan check: %w", err)
	}
	var doc struct {
		Error     bool   `json:"error"`
		ErrorType string `json:"error_type"`
		Message   string `json:"error_message"`
		Plans     any    `json:"plans"`
	}
	if err := json.Unmarshal([]byte(serialized), &doc); err != nil {
		return fmt.Errorf("plan check: %w", err)
	}
	if doc.Error {
		return s.twin.bindError(ctx, c.plan, doc.ErrorType, doc.Message)
	}
	if err := onlyRelational(doc.Plans); err != nil {
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
	stmt, err := t.conn.PrepareContext(ctx, text)
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
// relational. A LOGICAL_GET (a file, a table function, a catalog view)
// refuses the statement.
func onlyRelational(node any) error {
	switch n := node.(type) {
	case []any:
		for _, c := range n {
			if err := onlyRelational(c); err != nil {
				return err
			}
		}
	case map[string]any:
		if op, _ := n["type"].(string); strings.HasPrefix(op, "LOGICAL_") && n["expression_class"] == nil {
			switch {
			case op == "LOGICAL_GET":
				return errReadsOutside
			case !relational[op]:
				return refuse("tarn cannot check what this statement reads (%s), so it does not run it", strings.ToLower(strings.TrimPrefix(op, "LOGICAL_")))
			}
		}
		for _, c := range n {
			if err := onlyRelational(c); err != nil {
				return err
			}
		}
	}
	return nil
}

// mirror creates in the twin what the session just created: the stand-in
// of a governed view, or a bare name's alias.
func (s *Session) mirrorView(ctx context.Context, view string) error {
	cols, err := s.viewColumns(ctx, view)
	if err != nil {
		return err
	}
	return s.twin.exec(ctx, standIn(view, cols, ""))
}
