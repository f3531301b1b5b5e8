package queries

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// scopeOracle is a DuckDB holding real tables a, b, c and r: where the
// guard takes a name for a CTE in scope and DuckDB binds it to one of
// these tables instead, the guard has drifted from DuckDB's binder.
func scopeOracle(t *testing.T) *sql.Conn {
	t.Helper()
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	conn, err := db.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	for _, name := range []string{"a", "b", "c", "r"} {
		if _, err := conn.ExecContext(context.Background(), "CREATE TABLE "+name+" AS SELECT 'table "+name+"' AS v"); err != nil {
			t.Fatal(err)
		}
	}
	return conn
}

// bindsATable says whether DuckDB's bound (unoptimised) plan of text reads
// a table, and whether it could bind text at all.
func bindsATable(t *testing.T, conn *sql.Conn, text string) (reads, ok bool) {
	t.Helper()
	var plan string
	if err := conn.QueryRowContext(context.Background(), "SELECT json_serialize_plan(?::VARCHAR)::VARCHAR", text).Scan(&plan); err != nil {
		t.Fatal(err)
	}
	if strings.HasPrefix(plan, `{"error":true`) {
		return false, false
	}
	return strings.Contains(plan, `"LOGICAL_GET"`), true
}

// A guard with no views admits a statement only if every name in it is a
// CTE in scope; DuckDB must then bind no table.
func TestGuardScopeMatchesDuckDBsBinder(t *testing.T) {
	conn := scopeOracle(t)
	cases := []struct {
		sql   string
		admit bool
	}{
		{"WITH a AS (SELECT 'cte' AS v) SELECT * FROM a", true},
		{"WITH a AS (SELECT * FROM a) SELECT * FROM a", false},                                              // own body
		{"WITH RECURSIVE a AS (SELECT * FROM a) SELECT * FROM a", false},                                    // not a union: not recursive
		{"WITH x AS (SELECT * FROM b), b AS (SELECT 'cte' AS v) SELECT * FROM x", false},                    // forward
		{"WITH RECURSIVE x AS (SELECT * FROM b), b AS (SELECT 'cte' AS v) SELECT * FROM x", false},          // forward
		{"WITH b AS (SELECT 'cte' AS v), x AS (SELECT * FROM b) SELECT * FROM x", true},                     // backward
		{"WITH a AS (SELECT 'cte' AS v) SELECT * FROM (SELECT * FROM a)", true},                             // subquery
		{"WITH a AS (SELECT 'cte' AS v) SELECT (SELECT max(v) FROM a)", true},                               // scalar subquery
		{"WITH a AS (SELECT 'cte' AS v) SELECT 1 ORDER BY (SELECT max(v) FROM a)", true},                    // ORDER BY
		{"WITH a AS (SELECT 'cte' AS v) SELECT * FROM a UNION ALL SELECT * FROM a", true},                   // both branches
		{"SELECT * FROM (WITH a AS (SELECT 'cte' AS v) SELECT * FROM a) UNION ALL SELECT * FROM a", false},  // other branch
		{"(WITH a AS (SELECT 'cte' AS v) SELECT * FROM a) UNION ALL (SELECT * FROM a)", false},              // other branch
		{"SELECT * FROM (WITH a AS (SELECT 'cte' AS v) SELECT * FROM a) s, (SELECT * FROM a) t", false},     // sibling
		{"SELECT * FROM a WHERE EXISTS (WITH a AS (SELECT 'cte' AS v) SELECT * FROM a)", false},             // outer
		{"WITH RECURSIVE r(v) AS (SELECT 'x' UNION ALL SELECT v FROM r WHERE false) SELECT * FROM r", true}, // recursive branch
		{"WITH RECURSIVE r(v) AS (SELECT 'x' UNION ALL SELECT v FROM (SELECT * FROM r) WHERE false) SELECT * FROM r", true},
		{"WITH RECURSIVE r(v) AS (SELECT 'x' UNION ALL SELECT v FROM b WHERE false) SELECT * FROM r", false},
		{"WITH b AS (SELECT 'cte' AS v), x AS (WITH y AS (SELECT * FROM b) SELECT * FROM y) SELECT * FROM x", true},
		{"WITH x AS (WITH y AS (SELECT 'cte' AS v) SELECT * FROM y) SELECT * FROM y", false}, // inner WITH stays inner
		{"WITH a AS (SELECT 'cte' AS v) SELECT * FROM a, LATERAL (SELECT * FROM a)", true},
		{"WITH a AS MATERIALIZED (SELECT 'cte' AS v) SELECT * FROM a", true},
		{"WITH a AS NOT MATERIALIZED (SELECT 'cte' AS v) SELECT * FROM a", true},
		{"WITH a AS (SELECT * FROM (SELECT * FROM a)) SELECT * FROM a", false},
		{"WITH a AS (SELECT 'x' AS v UNION ALL SELECT * FROM a) SELECT * FROM a", false},
		{"WITH A AS (SELECT 'cte' AS v) SELECT * FROM a", true},
		{`WITH "A" AS (SELECT 'cte' AS v) SELECT * FROM "a"`, true},
		{"WITH a AS (SELECT 'cte' AS v) SELECT * FROM main.a", false},
		{"WITH a AS (SELECT 'cte' AS v) SELECT * FROM (DESCRIBE a)", true},
		{"WITH a AS (SELECT 'cte' AS v) SELECT * FROM (DESCRIBE SELECT * FROM a)", true},
		{"WITH a AS (SELECT 'cte' AS v) SELECT * FROM (SUMMARIZE a)", true},
		{"WITH a AS (SELECT 'cte' AS v) PIVOT a ON v IN ('cte') USING count(*)", true},
		{"SELECT * FROM (WITH a AS (SELECT 'cte' AS v) SELECT * FROM a) PIVOT (count(*) FOR v IN ('cte'))", true},
		{"SELECT * FROM (WITH a AS (SELECT 'cte' AS v) SELECT 1) PIVOT (count(*) FOR v IN ('cte')), a", false},
	}
	for _, tc := range cases {
		var g guard
		_, err := g.check(context.Background(), conn, tc.sql)
		admitted := err == nil
		reads, ok := bindsATable(t, conn, tc.sql)
		if admitted != tc.admit {
			t.Errorf("%s: admitted %v (%v), want %v", tc.sql, admitted, err, tc.admit)
		}
		if admitted && reads {
			t.Errorf("%s: the guard took a name for a CTE but DuckDB binds a table", tc.sql)
		}
		if ok && !tc.admit && !reads {
			t.Errorf("%s: the case expects a table read, DuckDB binds none", tc.sql)
		}
	}
}

// TestGuardScopeOnGeneratedStatements checks that property (admitted
// means no table is bound) on
// thousands of generated statements: nested WITHs (recursive and
// materialised), subqueries in FROM, WHERE and the select list, joins,
// LATERAL and set operations, each naming a, b, c or r.
func TestGuardScopeOnGeneratedStatements(t *testing.T) {
	conn := scopeOracle(t)
	rng := rand.New(rand.NewPCG(9, 23))
	n := 3000
	if testing.Short() {
		n = 500
	}
	// A refused statement may bind no table: DuckDB does not bind a CTE
	// that nothing references, while the guard checks every CTE's body.
	var admitted, refused int
	for range n {
		text := gen{rng}.query(3, nil)
		reads, ok := bindsATable(t, conn, text)
		if !ok {
			continue
		}
		var g guard
		_, err := g.check(context.Background(), conn, text)
		switch {
		case err == nil && reads:
			t.Fatalf("admitted, but DuckDB binds a table:\n%s", text)
		case err == nil:
			admitted++
		default:
			refused++
		}
	}
	t.Logf("%d admitted, %d refused", admitted, refused)
	if admitted < n/10 || refused < n/10 {
		t.Errorf("generated %d admitted and %d refused statements: the generator is lopsided", admitted, refused)
	}
}

var scopeNames = []string{"a", "b", "c", "r"}

// gen writes random statements. visible is the generator's own idea of the
// CTEs in scope, used only to name them more often than chance would.
type gen struct{ rng *rand.Rand }

func (g gen) name(visible []string) string {
	if len(visible) > 0 && g.rng.IntN(12) > 0 {
		return visible[g.rng.IntN(len(visible))]
	}
	return scopeNames[g.rng.IntN(len(scopeNames))]
}

func (g gen) query(depth int, visible []string) string {
	if depth <= 0 || g.rng.IntN(3) == 0 {
		return g.body(depth, visible)
	}
	var ctes []string
	recursive := g.rng.IntN(4) == 0
	inner := slices.Clone(visible)
	names := slices.Clone(scopeNames)
	g.rng.Shuffle(len(names), func(i, j int) { names[i], names[j] = names[j], names[i] })
	for _, name := range names[:1+g.rng.IntN(2)] {
		cte := fmt.Sprintf("%s(v) AS %s(%s)", name, []string{"", "MATERIALIZED ", "NOT MATERIALIZED "}[g.rng.IntN(3)], g.query(depth-1, inner))
		if recursive && g.rng.IntN(2) == 0 {
			cte = fmt.Sprintf("%s(v) AS (SELECT 'seed' UNION ALL SELECT v FROM %s WHERE false)", name, g.from(depth-1, append(slices.Clone(inner), name)))
		}
		ctes = append(ctes, cte)
		inner = append(inner, name)
	}
	with := "WITH "
	if recursive {
		with = "WITH RECURSIVE "
	}
	return with + strings.Join(ctes, ", ") + " " + g.body(depth, inner)
}

func (g gen) body(depth int, visible []string) string {
	switch {
	case depth > 0 && g.rng.IntN(4) == 0:
		return "(" + g.query(depth-1, visible) + ") UNION ALL (" + g.query(depth-1, visible) + ")"
	case depth > 0 && g.rng.IntN(5) == 0:
		return "SELECT (SELECT max(v) FROM " + g.from(depth-1, visible) + ") AS v"
	case depth > 0 && g.rng.IntN(5) == 0:
		return "SELECT v FROM " + g.from(depth-1, visible) + " WHERE EXISTS (" + g.query(depth-1, visible) + ")"
	}
	return "SELECT v FROM " + g.from(depth, visible)
}

func (g gen) from(depth int, visible []string) string {
	switch {
	case depth > 0 && g.rng.IntN(3) == 0:
		return "(" + g.query(depth-1, visible) + ")"
	case depth > 0 && g.rng.IntN(5) == 0:
		return "(SELECT t1.v FROM " + g.from(depth-1, visible) + " t1, LATERAL (" + g.query(depth-1, visible) + ") t2)"
	}
	return g.name(visible)
}
