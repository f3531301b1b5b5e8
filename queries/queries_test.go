package queries_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"tarn/demo"
	"tarn/internal/bypass"
	"tarn/lake"
	"tarn/perms"
	"tarn/queries"
)

// The bypass suite, its canaries and its lake are shared with the tests
// that run it over SSH (tarn serve).
const (
	canaryName    = bypass.CanaryName
	canaryEmail   = bypass.CanaryEmail
	canaryPhone   = bypass.CanaryPhone
	canaryPayment = bypass.CanaryPayment
	canaryShop    = bypass.CanaryShop
	canaryAdmin   = bypass.CanaryAdmin
)

var (
	hidden       = bypass.Hidden
	mustFail     = bypass.MustFail
	hiddenTables = bypass.HiddenTables
	mayRun       = bypass.MayRun
)

// governedLake is a small demo lake with the demo policy and canaries in
// sales.customers (row 1, region west).
func governedLake(t testing.TB) (*lake.Lake, *perms.Policy) { return bypass.Lake(t) }

func open(t testing.TB, l *lake.Lake, pol *perms.Policy, persona string) *queries.Session {
	t.Helper()
	s, err := queries.Open(context.Background(), l, pol, persona)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// result runs a query and returns its columns, its rows as text, and the
// error, all of which a persona would see.
func result(s *queries.Session, q string) ([]string, [][]string, error) {
	r, err := s.Run(context.Background(), q)
	if err != nil {
		return nil, nil, err
	}
	var cols []string
	for _, c := range r.Columns() {
		cols = append(cols, c.Name)
	}
	var out [][]string
	err = r.Each(func(vals []any) error {
		row := make([]string, len(vals))
		for i, v := range vals {
			row[i] = fmt.Sprint(v)
		}
		out = append(out, row)
		return nil
	})
	return cols, out, errors.Join(err, r.Close())
}

func TestEachPersonaSeesExactlyItsColumnsAndRows(t *testing.T) {
	l, pol := governedLake(t)
	cases := []struct {
		persona, cols string
		rows          int
	}{
		{"admin", "customer_id name email phone region payment_id", demo.CustomerRows},
		{"leader", "customer_id name email phone region", demo.CustomerRows},
		{"analyst", "customer_id region", demo.CustomerRows},
	}
	for _, c := range cases {
		cols, rows, err := result(open(t, l, pol, c.persona), "SELECT * FROM sales.customers")
		if err != nil || strings.Join(cols, " ") != c.cols || len(rows) != c.rows {
			t.Errorf("%s: SELECT * gave %v and %d rows (%v); want %s and %d", c.persona, cols, len(rows), err, c.cols, c.rows)
		}
	}
	s := open(t, l, pol, "sales_east")
	cols, rows, err := result(s, "SELECT * FROM customers") // bare name works when unambiguous
	if err != nil || strings.Join(cols, " ") != "customer_id name email phone region" {
		t.Fatalf("sales_east: %v %v", cols, err)
	}
	for _, r := range rows {
		if r[4] != "east" || !strings.HasPrefix(r[3], "**") || len(r[3]) != len("+7-912-345-6789") {
			t.Fatalf("sales_east row %v: want region east and a last4-masked phone", r)
		}
	}
	_, all, _ := result(open(t, l, pol, "admin"), "SELECT count(*) FROM sales.customers WHERE region = 'east'")
	if fmt.Sprint(len(rows)) != all[0][0] {
		t.Errorf("sales_east sees %d rows, there are %s east customers", len(rows), all[0][0])
	}
	for _, persona := range []string{"leader", "analyst", "sales_east"} {
		if _, rows, err := result(open(t, l, pol, persona), "SELECT count(*) FROM weblogs.access_log_parquet_1"); err != nil || rows[0][0] != "2000" {
			t.Errorf("%s cannot read weblogs: %v %v", persona, rows, err)
		}
	}
}

func TestTheSourceWalkThroughThroughSessions(t *testing.T) {
	l, _ := governedLake(t)
	pol := &perms.Policy{
		Tags:     []perms.TagKey{{Key: "role", Values: []string{"leader", "analyst"}}},
		Personas: []perms.Persona{{Name: "admin", Admin: true}, {Name: "analyst"}},
	}
	tables := func() string {
		_, rows, err := result(open(t, l, pol, "analyst"), "SHOW TABLES")
		if err != nil {
			t.Fatal(err)
		}
		return fmt.Sprint(rows)
	}
	if got := tables(); got != "[]" {
		t.Errorf("before any grant the analyst sees %s", got)
	}
	if _, _, err := result(open(t, l, pol, "analyst"), "SELECT * FROM sales.sales"); err == nil || !strings.Contains(err.Error(), "Table sales.sales not found") {
		t.Errorf("SELECT before the grant: %v", err)
	}
	pol.Grants = []perms.Grant{{Persona: "analyst", Permissions: []string{"DESCRIBE", "SELECT"}, Expression: map[string][]string{"role": {"analyst"}}}}
	if err := pol.Assign(l.Catalog, "sales.sales", "role", "analyst"); err != nil {
		t.Fatal(err)
	}
	if got := tables(); got != "[[sales]]" {
		t.Errorf("after tagging sales the analyst sees %s", got)
	}
	for _, step := range [][3]string{{"sales.sales", "role", "leader"}, {"sales.sales.date", "role", "analyst"}, {"sales.sales.item_price", "role", "analyst"}} {
		if err := pol.Assign(l.Catalog, step[0], step[1], step[2]); err != nil {
			t.Fatal(err)
		}
	}
	cols, rows, err := result(open(t, l, pol, "analyst"), "SELECT * FROM sales")
	if err != nil || strings.Join(cols, " ") != "date item_price" || len(rows) != demo.SaleRows {
		t.Errorf("after the column retag SELECT * gives %v, %d rows, %v", cols, len(rows), err)
	}
}

func TestDescribeOnlyTablesAreListedNotRead(t *testing.T) {
	l, pol := governedLake(t)
	pol.Grants = append(pol.Grants, perms.Grant{Persona: "analyst", Permissions: []string{"DESCRIBE"}, Resource: "sales.items"})
	s := open(t, l, pol, "analyst")
	if _, ok := s.Visibility.Lookup("sales", "items"); !ok {
		t.Error("DESCRIBE grant does not list sales.items")
	}
	_, _, err := result(s, "SELECT * FROM sales.items")
	if err == nil || err.Error() != "Insufficient Lake Formation permission(s) on sales.items" {
		t.Errorf("reading a DESCRIBE-only table: %v", err)
	}
}

func TestBypassSuite(t *testing.T) {
	l, pol := governedLake(t)
	file := filepath.Join(l.Root, "sales/customers/part-00000.csv")
	expand := func(q string) string {
		return strings.NewReplacer("{root}", l.Root, "{file}", file).Replace(q)
	}
	for persona, forbidden := range hidden {
		s := open(t, l, pol, persona)
		leaks := func(q string, cols []string, rows [][]string, err error) {
			seen := fmt.Sprint(cols, rows, err)
			for _, f := range forbidden {
				if strings.Contains(seen, f) {
					t.Errorf("%s: %q leaked %q:\n%.300s", persona, q, f, seen)
				}
			}
		}
		queries := slices.Clone(mustFail)
		for _, table := range hiddenTables[persona] {
			queries = append(queries, "SELECT * FROM "+table, "DESCRIBE "+table, "SELECT count(*) FROM "+table)
		}
		for _, q := range queries {
			q = expand(q)
			cols, rows, err := result(s, q)
			if err == nil {
				t.Errorf("%s: %q ran and returned %.200v", persona, q, rows)
			} else if strings.TrimSpace(err.Error()) == "" {
				t.Errorf("%s: %q failed without a message", persona, q)
			}
			leaks(q, cols, rows, err)
		}
		for _, q := range mayRun {
			cols, rows, err := result(s, expand(q))
			leaks(q, cols, rows, err)
		}
	}
	for _, leak := range []string{"leak.csv", "other.db"} {
		if _, err := os.Stat(filepath.Join(l.Root, leak)); err == nil {
			t.Errorf("a hostile statement wrote %s", leak)
		}
	}
}

func TestEveryQueryIsAudited(t *testing.T) {
	l, pol := governedLake(t)
	s := open(t, l, pol, "analyst")
	result(s, "SELECT customer_id FROM sales.customers LIMIT 2")
	result(s, "SELECT * FROM read_csv('x')")
	result(s, "SELECT nope FROM sales.customers")
	b, err := os.ReadFile(filepath.Join(l.Root, lake.AuditFile))
	if err != nil {
		t.Fatal(err)
	}
	var recs []queries.Query
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		var q queries.Query
		if err := json.Unmarshal([]byte(line), &q); err != nil {
			t.Fatalf("audit line does not parse: %v\n%s", err, line)
		}
		if q.Persona == "analyst" {
			recs = append(recs, q)
		}
	}
	// The query that ran has a RUNNING record, written before its rows,
	// and a final one; the two that never started have only the final one.
	want := []struct{ state, sql string }{
		{"RUNNING", "SELECT customer_id"}, {"SUCCEEDED", "SELECT customer_id"}, {"REFUSED", "SELECT * FROM read_csv"}, {"FAILED", "SELECT nope"},
	}
	if len(recs) != len(want) {
		t.Fatalf("%d audit records, want %d:\n%s", len(recs), len(want), b)
	}
	for i, w := range want {
		q := recs[i]
		if q.State != w.state || !strings.HasPrefix(q.SQL, w.sql) || q.Persona != "analyst" || q.Workgroup != "analytics" || q.ID == "" {
			t.Errorf("audit record %d: %+v, want %s of %q", i, q, w.state, w.sql)
		}
	}
	if recs[0].ID != recs[1].ID || recs[1].ID == recs[2].ID || recs[1].Rows != 2 {
		t.Errorf("RUNNING and final records: ids %s %s %s, rows %d", recs[0].ID, recs[1].ID, recs[2].ID, recs[1].Rows)
	}
}

func TestRowFiltersAreCheckedWhenThePolicyLoads(t *testing.T) {
	l, _ := governedLake(t)
	validate := queries.CheckRowFilter
	customers, _ := l.Catalog.Lookup("sales", "customers")
	for expr, want := range map[string]string{
		"regoin = 'east'":         `"regoin" not found`,
		"region = 'east' AND (":   "syntax error",
		"region IN (SELECT 1)":    "may not contain a subquery",
		"true) UNION (SELECT 1":   "one boolean expression",
		"true ORDER BY 1 LIMIT 1": "syntax error",
	} {
		if err := validate(customers, expr); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %v, want %q", expr, err, want)
		}
	}
	if err := validate(customers, "region = 'east' AND customer_id > 10"); err != nil {
		t.Errorf("a good filter was refused: %v", err)
	}
	policy := filepath.Join(l.Root, perms.PolicyFile)
	b, _ := os.ReadFile(policy)
	os.WriteFile(policy, []byte(strings.Replace(string(b), "region = 'east'", "regoin = 'east'", 1)), 0o644)
	if _, err := queries.LoadPolicy(l); err == nil || !strings.Contains(err.Error(), "policy.toml:") || !strings.Contains(err.Error(), "filter entry 2: rows:") {
		t.Errorf("a typo in a row filter loaded: %v", err)
	}
}

func TestOrdinaryAnalyticSQLRuns(t *testing.T) {
	l, pol := governedLake(t)
	s := open(t, l, pol, "analyst")
	for _, q := range mayRun {
		if strings.Contains(q, "error(") || strings.Contains(q, "CAST(") {
			continue // these may fail; they only must not leak
		}
		if _, _, err := result(s, q); err != nil {
			t.Errorf("%q: %v", q, err)
		}
	}
}

func TestEveryMaskKind(t *testing.T) {
	l, pol := governedLake(t)
	table := "weblogs.access_log_csv_1"
	for column, kind := range map[string]string{"host": "redact", "path": "hash", "agent": "null", "time": "year", "referrer": "last4"} {
		pol.Masks = append(pol.Masks, perms.Mask{Persona: "analyst", Column: table + "." + column, Kind: kind})
	}
	if err := pol.Validate(l.Catalog, nil); err != nil {
		t.Fatal(err)
	}
	_, masked, err := result(open(t, l, pol, "analyst"), "SELECT host, path, agent, strftime(time, '%Y-%m-%d %H:%M:%S'), referrer FROM "+table)
	if err != nil {
		t.Fatal(err)
	}
	_, plain, err := result(open(t, l, pol, "admin"), "SELECT '****', sha256(path), NULL, strftime(date_trunc('year', time), '%Y-%m-%d %H:%M:%S'), "+
		"repeat('*', greatest(length(referrer) - 4, 0)) || right(referrer, 4) FROM "+table)
	if err != nil {
		t.Fatal(err)
	}
	if len(masked) != len(plain) || len(masked) != 2000 {
		t.Fatalf("%d masked rows, %d expected", len(masked), len(plain))
	}
	for i := range masked {
		want := fmt.Sprint(plain[i])
		if got := fmt.Sprint(masked[i]); got != want {
			t.Fatalf("row %d: %s, want %s", i, got, want)
		}
	}
	if masked[0][3] != "2020-01-01 00:00:00" || masked[0][2] != "<nil>" || masked[0][0] != "****" || len(masked[0][1]) != 64 {
		t.Errorf("first masked row %v", masked[0])
	}
	// A predicate on a masked column sees the masked value, not the original.
	_, rows, err := result(open(t, l, pol, "analyst"), "SELECT count(*) FROM "+table+" WHERE host LIKE '192.%'")
	if err != nil || rows[0][0] != "0" {
		t.Errorf("filtering on a redacted column matched %v rows (%v)", rows, err)
	}
}

// A row filter is a barrier: no predicate of the user's is evaluated on
// the rows it removes. DuckDB's CTE filter pusher copied the predicate
// into the filter's CTE, ahead of the filter itself.
func TestARowFilterRunsBeforeAnyPredicateOfTheUsers(t *testing.T) {
	l, pol := governedLake(t)
	_, rows, err := result(open(t, l, pol, "sales_east"), "EXPLAIN SELECT * FROM customers WHERE customer_id + 2147483640 > 0")
	if err != nil || len(rows) != 1 {
		t.Fatal(rows, err)
	}
	// EXPLAIN draws the CTE's own plan in the left column of boxes.
	var cte strings.Builder
	for _, line := range strings.Split(rows[0][1], "\n") {
		r := []rune(line)
		cte.WriteString(string(r[:min(29, len(r))]) + "\n")
	}
	if !strings.Contains(cte.String(), "region = 'east'") || !strings.Contains(cte.String(), "READ_CSV") {
		t.Fatalf("the left column is not the row filter's CTE:\n%s", cte.String())
	}
	if strings.Contains(cte.String(), "2147483640") {
		t.Errorf("the user's predicate is evaluated inside the row filter's CTE:\n%s", rows[0][1])
	}
}

// A quoted name holding a dot ("sales.customers") is one table name to
// DuckDB, never a database and a table: the guard refuses it as a table
// it does not know rather than admit it as the persona's view, which
// DuckDB would then look up as something else (a file, by a
// replacement scan, for a name ending in .csv).
func TestAQuotedNameWithADotIsNotADatabaseAndATable(t *testing.T) {
	l, pol := governedLake(t)
	s := open(t, l, pol, "analyst")
	_, _, err := result(s, `SELECT count(*) FROM "sales.customers"`)
	var refused *queries.RefusedError
	if !errors.As(err, &refused) || !strings.Contains(err.Error(), "not found") {
		t.Errorf(`"sales.customers": %v (%T), want a refusal`, err, err)
	}
	if _, _, err := result(s, `SELECT count(*) FROM sales."customers"`); err != nil {
		t.Errorf(`sales."customers": %v`, err)
	}
}
