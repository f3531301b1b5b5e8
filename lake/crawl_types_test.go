package lake_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"tarn/internal/testlake"
	"tarn/lake"
)

// numbers is n records "i,i" after the header "id,v", then the records of more.
func numbers(n int, more ...string) string {
	var b strings.Builder
	b.WriteString("id,v\n")
	for i := range n {
		fmt.Fprintf(&b, "%d,%d\n", i, i)
	}
	for _, m := range more {
		b.WriteString(m + "\n")
	}
	return b.String()
}

// DuckDB sniffs a CSV or JSON file's types from its first 20,480 rows. A
// value past them that the sniffed type does not fit made every query of
// the crawled table fail; the crawl now reads every value when it counts,
// and sniffs again from every row where one does not fit. A small file
// (counted in Go), a large one (counted by DuckDB), a value in a second
// file, and JSON lines (where DuckDB gives a mixed value the type JSON).
func TestCrawlTypesFitEveryRowNotJustTheSample(t *testing.T) {
	l, err := lake.Create(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	testlake.WriteFile(t, filepath.Join(l.Root, "late/small/a.csv"), numbers(30000, "30000,zz"))
	testlake.WriteFile(t, filepath.Join(l.Root, "late/large/a.csv"), numbers(200000, "200000,zz"))
	testlake.WriteFile(t, filepath.Join(l.Root, "late/second/a.csv"), numbers(100))
	testlake.WriteFile(t, filepath.Join(l.Root, "late/second/b.csv"), numbers(0, "7,zz"))
	var json strings.Builder
	for i := range 30000 {
		fmt.Fprintf(&json, "{\"id\":%d,\"v\":%d}\n", i, i)
	}
	testlake.WriteFile(t, filepath.Join(l.Root, "late/events/a.jsonl"), json.String()+"{\"id\":30000,\"v\":\"zz\"}\n")
	testlake.WriteFile(t, filepath.Join(l.Root, "late/fits/a.csv"), numbers(30000))
	rep, err := l.Crawl(context.Background(), lake.CrawlOptions{Dir: l.Root})
	if err != nil || len(rep.Skipped) > 0 {
		t.Fatalf("crawl: %v, skipped %v", err, rep.Skipped)
	}
	db, err := lake.OpenDuckDB()
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for name, want := range map[string]struct {
		rows int64
		v    string
	}{"small": {30001, "VARCHAR"}, "large": {200001, "VARCHAR"}, "second": {101, "VARCHAR"}, "events": {30001, "JSON"}, "fits": {30000, "BIGINT"}} {
		tab, ok := l.Catalog.Find("late." + name)
		if !ok {
			t.Errorf("late.%s: not registered", name)
			continue
		}
		if tab.Rows != want.rows || tab.Columns[1].Type != want.v {
			t.Errorf("late.%s: %d rows, v %s; want %d rows, v %s", name, tab.Rows, tab.Columns[1].Type, want.rows, want.v)
		}
		var n int64
		var last any
		if err := db.QueryRow("SELECT count(*), max(v) FROM "+l.Relation(tab)).Scan(&n, &last); err != nil || n != want.rows {
			t.Errorf("late.%s: a query of the table: %d rows, %v", name, n, err)
		}
	}
}

// An import whose input holds a value past DuckDB's 20,480-row sample
// that the sampled type does not fit imports it, its column typed from
// every row, instead of failing: CSV into one file and into ten, and
// JSON lines.
func TestImportTypesFitEveryRowNotJustTheSample(t *testing.T) {
	l, err := lake.Create(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	csv := filepath.Join(dir, "late.csv")
	testlake.WriteFile(t, csv, numbers(30000, "30000,zz"))
	var json strings.Builder
	for i := range 30000 {
		fmt.Fprintf(&json, "{\"id\":%d,\"v\":%d}\n", i, i)
	}
	jsonl := filepath.Join(dir, "late.jsonl")
	testlake.WriteFile(t, jsonl, json.String()+"{\"id\":30000,\"v\":\"zz\"}\n")
	db, err := lake.OpenDuckDB()
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, c := range []struct {
		table, file, v string
		parts          int
	}{{"csv", csv, "VARCHAR", 1}, {"csv10", csv, "VARCHAR", 10}, {"json", jsonl, "JSON", 1}} {
		rep, err := l.Import(context.Background(), lake.ImportOptions{Files: []string{c.file}, Database: "late", Table: c.table, Format: lake.Parquet, Compression: lake.None, Parts: c.parts})
		if err != nil {
			t.Errorf("%s: %v", c.table, err)
			continue
		}
		tab := rep.Table
		if tab.Rows != 30001 || tab.Columns[1].Type != c.v {
			t.Errorf("%s: %d rows, v %s; want 30001, %s", c.table, tab.Rows, tab.Columns[1].Type, c.v)
		}
		var last any
		if err := db.QueryRow("SELECT v FROM " + l.Relation(tab) + " WHERE id = 30000").Scan(&last); err != nil || fmt.Sprint(last) != "zz" && fmt.Sprint(last) != `"zz"` {
			t.Errorf("%s: the last row's v is %v (%v)", c.table, last, err)
		}
	}
}
