package demo_test

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"tarn/demo"
	"tarn/internal/testlake"
	"tarn/lake"
)

// The source experiment's three queries, over a relation placeholder.
var sourceQueries = map[string]string{
	"full":       "SELECT * FROM %s",
	"like":       "SELECT * FROM %s WHERE path LIKE '%%.php%%'",
	"projection": "SELECT host, path, status FROM %s",
}

// fingerprint is a query's row count and the sum of its rows' hashes: equal
// for equal multisets of rows in any order, and read in one pass.
func fingerprint(t testing.TB, db *sql.DB, query string) string {
	return testlake.Scalar[string](t, db, fmt.Sprintf("SELECT count(*) || ':' || coalesce(sum(hash(q)::HUGEINT), 0) FROM (%s) q", query))
}

// assertLayoutsAgree checks every weblogs table has rows rows and returns
// the same result for each source query as the reference table; exact
// compares rows with EXCEPT ALL, otherwise fingerprints are compared.
func assertLayoutsAgree(t *testing.T, l *lake.Lake, rows int64, reference string, exact bool) {
	db := testlake.OpenDuck(t)
	ref, ok := l.Catalog.Lookup("weblogs", reference)
	if !ok {
		t.Fatalf("no reference table %s", reference)
	}
	refRel := l.Relation(ref)
	phpRows := testlake.Scalar[int64](t, db, fmt.Sprintf("SELECT count(*) FROM (%s)", fmt.Sprintf(sourceQueries["like"], refRel)))
	if phpRows < rows/3 || phpRows >= rows {
		t.Errorf("%d of %d rows have .php paths; want a good share but not all", phpRows, rows)
	}
	want := map[string]string{}
	for name, q := range sourceQueries {
		want[name] = fingerprint(t, db, fmt.Sprintf(q, refRel))
	}
	for _, tab := range l.Catalog.Tables {
		if tab.Database != "weblogs" {
			continue
		}
		rel := l.Relation(tab)
		if got := testlake.Scalar[int64](t, db, "SELECT count(*) FROM "+rel); got != rows {
			t.Errorf("%s: %d rows, want %d", tab.Name, got, rows)
		}
		for name, q := range sourceQueries {
			if exact && tab.Name != reference {
				if d := testlake.DifferingRows(t, db, fmt.Sprintf(q, rel), fmt.Sprintf(q, refRel)); d != 0 {
					t.Errorf("%s %s query: %d rows differ from %s", tab.Name, name, d, reference)
				}
			} else if got := fingerprint(t, db, fmt.Sprintf(q, rel)); got != want[name] {
				t.Errorf("%s %s query: fingerprint %s, %s has %s", tab.Name, name, got, reference, want[name])
			}
		}
	}
}

func TestDemoFullSizeSingleFileLayouts(t *testing.T) {
	l := testlake.Demo(t, demo.Options{})
	if n := len(l.Catalog.Tables); n != 10 {
		t.Fatalf("demo registered %d tables, want 5 weblogs + 5 sales", n)
	}
	assertLayoutsAgree(t, l, demo.LogRows, "access_log_parquet_1", true)
	db := testlake.OpenDuck(t)
	for _, tab := range l.Catalog.Tables {
		if got, err := l.CountRows(context.Background(), db, tab); err != nil || got != tab.Rows {
			t.Errorf("%s: counted %d rows (err %v), catalog says %d", tab.QualifiedName(), got, err, tab.Rows)
		}
	}
	sales, _ := l.Catalog.Lookup("sales", "sales")
	dates := testlake.Scalar[int64](t, db, "SELECT count(*) FROM "+l.Relation(sales)+` WHERE regexp_full_match("date", '\d\d\.\d\d\.(2013|2014|2015)')`)
	if dates != demo.SaleRows {
		t.Errorf("%d of %d sales dates are dd.mm.yyyy strings in 2013-2015", dates, demo.SaleRows)
	}
}

func TestDemoBenchLayoutsAgree(t *testing.T) {
	if testing.Short() {
		t.Skip("writes and reads about 53,500 files")
	}
	const rows = 20_000 // 2 rows per file at 10,000 files keeps this quick
	l := testlake.Demo(t, demo.Options{Bench: true, LogRows: rows})
	var weblogs []string
	for _, tab := range l.Catalog.Tables {
		if tab.Database == "weblogs" {
			weblogs = append(weblogs, tab.Name)
			st, err := l.Stat(tab)
			if err != nil {
				t.Fatal(err)
			}
			want := tab.Name[strings.LastIndex(tab.Name, "_")+1:]
			if fmt.Sprint(st.Files) != want {
				t.Errorf("%s has %d files", tab.Name, st.Files)
			}
		}
	}
	if len(weblogs) != 21 {
		t.Fatalf("bench demo has %d weblogs layouts, want 15 plain + 6 gzip: %v", len(weblogs), weblogs)
	}
	assertLayoutsAgree(t, l, rows, "access_log_parquet_1", false)
}

func TestDemoKeepsUserTablesAndFolders(t *testing.T) {
	l, err := lake.Create(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	// A user's own table named like a demo table, and a user folder where a
	// demo layout would go: neither may be touched.
	l.Catalog.Put(lake.Table{Database: "weblogs", Name: "access_log_json_1", Location: "mine/logs",
		Format: lake.CSV, Compression: lake.None, Origin: lake.OriginImport, Rows: 1,
		Columns: []lake.Column{{Name: "host", Type: "VARCHAR"}}})
	testlake.WriteFile(t, filepath.Join(l.Root, "mine/logs/a.csv"), "host\nx\n")
	testlake.WriteFile(t, filepath.Join(l.Root, "weblogs/access_log/csv/1/notes.txt"), "my notes")
	if err := l.Save(); err != nil {
		t.Fatal(err)
	}
	rep, err := demo.Create(context.Background(), l, demo.Options{LogRows: 3000})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Kept) != 2 || len(rep.Written) != 8 {
		t.Errorf("kept %v and wrote %v; want the user's table and folder kept, 8 tables written", rep.Kept, rep.Written)
	}
	if got, _ := os.ReadFile(filepath.Join(l.Root, "weblogs/access_log/csv/1/notes.txt")); string(got) != "my notes" {
		t.Errorf("user file changed: %q", got)
	}
	if tab, _ := l.Catalog.Lookup("weblogs", "access_log_json_1"); tab.Origin != lake.OriginImport {
		t.Errorf("user table replaced: %+v", tab)
	}
	if _, ok := l.Catalog.Lookup("weblogs", "access_log_csv_1"); ok {
		t.Error("demo registered a table over the user's folder")
	}
}

func TestDemoRerunChangesNothing(t *testing.T) {
	opts := demo.Options{LogRows: 3000}
	l := testlake.Demo(t, opts)
	first := testlake.CatalogText(t, l)
	info, err := os.Stat(filepath.Join(l.Root, "weblogs/access_log/parquet/1/part-00000.parquet"))
	if err != nil {
		t.Fatal(err)
	}
	rep, err := demo.Create(context.Background(), l, opts)
	if err != nil || len(rep.Written) != 0 || len(rep.UpToDate) != 10 {
		t.Fatalf("second run wrote %v, up to date %d, err %v", rep.Written, len(rep.UpToDate), err)
	}
	if testlake.CatalogText(t, l) != first {
		t.Error("catalog changed on an idempotent re-run")
	}
	again, _ := os.Stat(filepath.Join(l.Root, "weblogs/access_log/parquet/1/part-00000.parquet"))
	if !again.ModTime().Equal(info.ModTime()) {
		t.Error("a complete layout was rewritten")
	}
}

// BenchmarkDemo times `tarn demo` (1-file layouts and the sales database)
// into a fresh lake each iteration. Target: under 3 s.
func BenchmarkDemo(b *testing.B) {
	for b.Loop() {
		testlake.Demo(b, demo.Options{})
	}
}

// BenchmarkDemoBench times `tarn demo --bench`: all 21 layouts, about
// 53,500 files. Target: under 30 s. Run with -benchtime=1x.
func BenchmarkDemoBench(b *testing.B) {
	for b.Loop() {
		testlake.Demo(b, demo.Options{Bench: true})
	}
}

// fileSums maps each file under dir (relative name) to its SHA-256.
func fileSums(t *testing.T, dir string) map[string]string {
	sums := map[string]string{}
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		rel, _ := filepath.Rel(dir, path)
		sums[rel] = fmt.Sprintf("%x", sha256.Sum256(b))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return sums
}

// --scale 2 adds the log twice as long in Parquet and CSV at 1 and 100
// files: the demo log's rows, then as many again later in time; the same
// bytes on every run, readable by every persona that reads weblogs, and
// left alone when complete.
func TestDemoScaleContinuesTheLog(t *testing.T) {
	const logRows = 3000
	opts := demo.Options{LogRows: logRows, Scale: 2}
	l := testlake.Demo(t, opts)
	db := testlake.OpenDuck(t)
	rel := func(name string) string {
		tab, ok := l.Catalog.Lookup("weblogs", name)
		if !ok {
			t.Fatalf("no table weblogs.%s", name)
		}
		return l.Relation(tab)
	}
	for _, lay := range demo.ScaleLayouts {
		name := demo.ScaledLogTable(2, lay, logRows).Name
		if got := testlake.Scalar[int64](t, db, "SELECT count(*) FROM "+rel(name)); got != 2*logRows {
			t.Errorf("%s: %d rows, want %d", name, got, 2*logRows)
		}
		if d := testlake.DifferingRows(t, db, "SELECT * FROM "+rel(name), "SELECT * FROM "+rel("logs_x2_parquet_1")); d != 0 {
			t.Errorf("%s: %d rows differ from logs_x2_parquet_1", name, d)
		}
	}
	// In file and row order: the demo log's rows first, then times that never go back.
	ordered := fmt.Sprintf(`SELECT *, row_number() OVER (ORDER BY filename, file_row_number) AS n
		FROM read_parquet(%s, filename=true, file_row_number=true)`, lake.SQLString(filepath.Join(l.Root, "weblogs/scaled/x2/parquet/100/*.parquet")))
	first := fmt.Sprintf("SELECT * EXCLUDE (filename, file_row_number, n) FROM (%s) WHERE n <= %d", ordered, logRows)
	if d := testlake.DifferingRows(t, db, first, "SELECT * FROM "+rel("access_log_parquet_1")); d != 0 {
		t.Errorf("the first %d rows are not the demo log's: %d differ", logRows, d)
	}
	back := testlake.Scalar[int64](t, db, fmt.Sprintf("SELECT count(*) FROM (SELECT time < lag(time) OVER (ORDER BY n) AS back FROM (%s)) WHERE back", ordered))
	later := testlake.Scalar[bool](t, db, fmt.Sprintf("SELECT (SELECT max(time) FROM (%s) WHERE n > %d) > (SELECT max(time) FROM %s)", ordered, logRows, rel("access_log_parquet_1")))
	if back != 0 || !later {
		t.Errorf("%d rows go back in time; the second half is later than the demo log: %v", back, later)
	}
	vis, err := demo.Policy().Visibility(l.Catalog, "analyst")
	if err != nil {
		t.Fatal(err)
	}
	if ta, ok := vis.Lookup("weblogs", "logs_x2_csv_100"); !ok || !ta.Select {
		t.Error("the analyst, who reads weblogs, may not read logs_x2_csv_100")
	}
	again := testlake.Demo(t, opts)
	scaled := filepath.Join("weblogs", "scaled")
	if a, b := fileSums(t, filepath.Join(l.Root, scaled)), fileSums(t, filepath.Join(again.Root, scaled)); len(a) != 206 || !maps.Equal(a, b) {
		t.Errorf("two runs wrote different scaled files (%d and %d files, want 202 and 4 markers)", len(a), len(b))
	}
	rep, err := demo.Create(context.Background(), l, opts)
	if err != nil || len(rep.Written) != 0 || len(rep.UpToDate) != 14 {
		t.Errorf("a second run wrote %v, %d up to date (want 14), err %v", rep.Written, len(rep.UpToDate), err)
	}
}
