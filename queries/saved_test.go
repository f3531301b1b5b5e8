package queries_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

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
	if err := queries.SaveQuery(root, queries.Saved{Name: "mine", SQL: "SELECT 1"}, false); err != nil {
		t.Fatal(err)
	}
	if wrote, _ := queries.WriteDemoSaved(root); wrote {
		t.Error("the demo rewrote an existing queries.toml")
	}
	if saved, _ = queries.LoadSaved(root); len(saved) != 4 {
		t.Errorf("%d saved after adding one", len(saved))
	}
	if err := queries.SaveQuery(root, queries.Saved{Name: "x", SQL: "SELECT * FROM {table}"}, false); err == nil {
		t.Error("a {table} query without a table was saved")
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
