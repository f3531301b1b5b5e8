package queries_test

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"tarn/perms"
	"tarn/queries"
)

func TestSavedQueriesFile(t *testing.T) {
	root := t.TempDir()
	if wrote, err := queries.WriteDemoSaved(root); err != nil || !wrote {
		t.Fatalf("demo saved queries: %v %v", wrote, err)
	}
	saved, err := queries.LoadSaved(root)
	if err != nil || len(saved) != 3 {
		t.Fatalf("%d saved, %v", len(saved), err)
	}
	like, _ := queries.FindSaved(saved, "like")
	if got := like.Text(""); got != "SELECT * FROM weblogs.access_log_parquet_1 WHERE path LIKE '%.php%'" {
		t.Errorf("like runs %q", got)
	}
	if got := like.Text("weblogs.access_log_csv_100"); !strings.Contains(got, "FROM weblogs.access_log_csv_100 WHERE") {
		t.Errorf("like over another layout runs %q", got)
	}
	// Users' queries survive: the demo never rewrites the file.
	admin := perms.Persona{Name: "admin", Admin: true}
	if err := queries.SaveQuery(root, queries.Saved{Name: "mine", SQL: "SELECT 1"}, false, admin); err != nil {
		t.Fatal(err)
	}
	if wrote, _ := queries.WriteDemoSaved(root); wrote {
		t.Error("the demo rewrote an existing queries.toml")
	}
	if saved, _ = queries.LoadSaved(root); len(saved) != 4 {
		t.Errorf("%d saved after adding one", len(saved))
	}
	if err := queries.SaveQuery(root, queries.Saved{Name: "x", SQL: "SELECT * FROM {table}"}, false, admin); err == nil {
		t.Error("a {table} query without a table was saved")
	}
}

// savedOfEveryField is queries.toml as tarn wrote it before it used the
// TOML library's encoder: a shared query without table or description,
// and a workgroup's with SQL over two lines: such a file still reads, and
// is written back the same, byte for byte.
const savedOfEveryField = `# tarn saved queries. {table} in sql stands for a table name: ` + "`table`" + ` when
# the query runs on its own, each layout when benchmarked or compared.

[[query]]
name = "shared_one"
description = ""
sql = "SELECT 1"

[[query]]
name = "mine"
description = "Rows with \"quotes\"\nand a newline"
table = "sales.sales"
workgroup = "analytics"
sql = "SELECT *\nFROM {table} WHERE date LIKE '%.2014'"
`

func TestSavedQueriesRoundTrip(t *testing.T) {
	root := t.TempDir()
	file := filepath.Join(root, queries.SavedFile)
	if err := os.WriteFile(file, []byte(savedOfEveryField), 0o644); err != nil {
		t.Fatal(err)
	}
	saved, err := queries.LoadSaved(root)
	if err != nil {
		t.Fatal(err)
	}
	mine := queries.Saved{Name: "mine", Description: "Rows with \"quotes\"\nand a newline", Table: "sales.sales",
		Workgroup: "analytics", SQL: "SELECT *\nFROM {table} WHERE date LIKE '%.2014'"}
	if len(saved) != 2 || saved[1] != mine {
		t.Fatalf("the file read as %+v", saved)
	}
	// Saving a query as it is rewrites the file: the same bytes.
	analyst := perms.Persona{Name: "analyst", Workgroup: "analytics"}
	if err := queries.SaveQuery(root, mine, true, analyst); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(file); string(got) != savedOfEveryField {
		t.Errorf("written back differently:\n%s", got)
	}
	if again, err := queries.LoadSaved(root); err != nil || !slices.Equal(again, saved) {
		t.Errorf("round trip changed the queries: %v\n got %+v\nwant %+v", err, again, saved)
	}
}

func TestSavedQueriesErrorsNameLineAndField(t *testing.T) {
	cases := []struct{ text, want string }{
		{"[[query]]\nname = \"a\"\nsql = \"SELECT 1\"\n\n[[query]]\nname = \"a\"\nsql = \"SELECT 2\"\n", `queries.toml:6: query entry 2: name: query "a" is saved twice`},
		{"[[query]]\nname = \"Bad Name\"\nsql = \"SELECT 1\"\n", `queries.toml:2: query entry 1: name: "Bad Name" must be`},
		{"[[query]]\nname = \"a\"\nsq = \"SELECT 1\"\n", `queries.toml:3: unknown field "query.sq"`},
		{"[[query]]\nname = \"a\"\nsql = \"SELECT * FROM {table}\"\n", `queries.toml:1: query entry 1: table: the SQL says {table}`},
	}
	for _, c := range cases {
		root := t.TempDir()
		if err := os.WriteFile(filepath.Join(root, queries.SavedFile), []byte(c.text), 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := queries.LoadSaved(root)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("error %v, want %q", err, c.want)
		}
	}
}

func TestHistoryTotalsSkipATornLine(t *testing.T) {
	l, pol := scanLake(t)
	s := open(t, l, pol, "sales_east")
	stats(t, s, "SELECT * FROM sales.customers")
	stats(t, s, "SELECT count(*) FROM sales.customers")
	f, err := os.OpenFile(queries.HistoryFile(l.Root, "sales"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString(`{"time":"2026-`) // a write cut short
	f.Close()
	var totals queries.Totals
	skipped, err := queries.ReadHistory(l.Root, "sales", totals.Add)
	if err != nil || len(skipped) != 1 || !strings.Contains(skipped[0], "sales.jsonl:3:") {
		t.Fatalf("skipped %v, %v", skipped, err)
	}
	if totals.Queries != 2 || totals.States[queries.Succeeded] != 2 || totals.DataScanned <= 0 || totals.BilledBytes != 2*(10<<20) {
		t.Errorf("totals %+v", totals)
	}
}

// Saved queries belong to a workgroup: a persona sees, replaces and
// deletes its own workgroup's and uses the shared ones whose table it may
// see; another workgroup's are as if they did not exist.
func TestSavedQueriesBelongToAWorkgroup(t *testing.T) {
	l, pol := governedLake(t)
	root := l.Root
	persona := func(name string) perms.Persona { p, _ := pol.Persona(name); return p }
	admin, analyst, east := persona("admin"), persona("analyst"), persona("sales_east")
	if _, err := queries.WriteDemoSaved(root); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		q  queries.Saved
		as perms.Persona
	}{
		{queries.Saved{Name: "shops", Table: "sales.shops", SQL: "SELECT * FROM {table} WHERE shop_name = '" + canaryShop + "'"}, admin},
		{queries.Saved{Name: "pub", SQL: "SELECT 1"}, admin},
		{queries.Saved{Name: "mine", SQL: "SELECT 'analyst'"}, analyst},
		{queries.Saved{Name: "mine", SQL: "SELECT '" + canaryName + "'"}, east},
	} {
		if err := queries.SaveQuery(root, c.q, false, c.as); err != nil {
			t.Fatalf("%s saving %s: %v", c.as.Name, c.q.Name, err)
		}
	}
	names := func(p perms.Persona) string {
		vis, err := pol.Visibility(l.Catalog, p.Name)
		if err != nil {
			t.Fatal(err)
		}
		saved, err := queries.LoadSavedFor(root, l.Catalog, vis)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, q := range saved {
			out = append(out, q.Name+"@"+q.Workgroup)
		}
		return strings.Join(out, " ")
	}
	if got := names(analyst); got != "mine@analytics full@ like@ projection@ pub@" {
		t.Errorf("the analyst sees %q", got)
	}
	if got := names(east); got != "mine@sales full@ like@ projection@ pub@" {
		t.Errorf("sales_east sees %q", got)
	}
	for _, name := range []string{"pub", "shops", "full"} {
		if err := queries.DeleteSaved(root, "", name, analyst); err == nil || err.Error() != `no saved query named "`+name+`"` {
			t.Errorf("the analyst deleting shared %s: %v", name, err)
		}
	}
	// Replacing a shared name makes the persona's own query; the shared one stays.
	if err := queries.SaveQuery(root, queries.Saved{Name: "full", SQL: "SELECT 2"}, true, analyst); err != nil {
		t.Fatal(err)
	}
	all, _ := queries.LoadSaved(root)
	if q, _ := queries.FindSaved(all, "full"); q.SQL != "SELECT * FROM {table}" || !q.Shared() {
		t.Errorf("the shared full is now %+v", q)
	}
	if err := queries.DeleteSaved(root, "", "mine", east); err != nil {
		t.Errorf("sales_east deleting its own: %v", err)
	}
	if got := names(analyst); !strings.HasPrefix(got, "mine@analytics full@analytics full@") {
		t.Errorf("after sales_east deleted its own, the analyst sees %q", got)
	}
	if got := names(admin); !strings.Contains(got, "shops@") || !strings.Contains(got, "mine@analytics") {
		t.Errorf("the administrator sees %q", got)
	}
}

// Personas who share a workgroup may have different grants: each reads
// only its own queries in the workgroup's history (their SQL and errors
// hold what only their author may see); an administrator reads all.
func TestHistoryShowsAPersonaItsOwnQueries(t *testing.T) {
	l, pol := governedLake(t)
	for i := range pol.Personas {
		if pol.Personas[i].Name == "leader" {
			pol.Personas[i].Workgroup = "analytics"
		}
	}
	result(open(t, l, pol, "leader"), "SELECT '"+canaryEmail+"' AS mine")
	result(open(t, l, pol, "analyst"), "SELECT 1 AS theirs")
	persona := func(name string) perms.Persona { p, _ := pol.Persona(name); return p }
	read := func(viewer string) string {
		var sqls []string
		if _, err := queries.ReadHistoryAs(l.Root, "analytics", persona(viewer), func(q queries.Query) { sqls = append(sqls, q.SQL) }); err != nil {
			t.Fatal(err)
		}
		return strings.Join(sqls, " | ")
	}
	if got := read("analyst"); strings.Contains(got, canaryEmail) || !strings.Contains(got, "theirs") {
		t.Errorf("the analyst reads %q", got)
	}
	if got := read("admin"); !strings.Contains(got, canaryEmail) || !strings.Contains(got, "theirs") {
		t.Errorf("the administrator reads %q", got)
	}
}
