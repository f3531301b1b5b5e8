package lake_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/klauspost/compress/gzip"

	"tarn/demo"
	"tarn/internal/testlake"
	"tarn/lake"
)

func gzipBytes(t testing.TB, s string) []byte {
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	w.Write([]byte(s))
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func writeBytes(t testing.TB, path string, data []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// crawlFixture builds a lake whose folders hold good, corrupt and mixed
// files, the way users drop data into a lake.
func crawlFixture(t *testing.T) *lake.Lake {
	l := testlake.Demo(t, demo.Options{LogRows: 2000})
	root := l.Root
	testlake.WriteFile(t, filepath.Join(root, "crm/events/a.csv"), "id,kind,at\n1,click,2020-01-01 00:00:00\n2,view,2020-01-02 00:00:00\n")
	testlake.WriteFile(t, filepath.Join(root, "crm/events/b.csv"), "id,kind,at\n3,click,2020-01-03 00:00:00\n")
	testlake.WriteFile(t, filepath.Join(root, "crm/events/README.md"), "not data")
	testlake.WriteFile(t, filepath.Join(root, "crm/events/.hidden.csv"), "garbage")

	parquet, err := os.ReadFile(filepath.Join(root, "weblogs/access_log/parquet/1/part-00000.parquet"))
	if err != nil {
		t.Fatal(err)
	}
	writeBytes(t, filepath.Join(root, "raw/logs/2020/good.parquet"), parquet)
	writeBytes(t, filepath.Join(root, "raw/logs/2020/bad_footer.parquet"), parquet[:len(parquet)-100])

	full := gzipBytes(t, "a,b\n"+strings.Repeat("1,x\n", 50000))
	writeBytes(t, filepath.Join(root, "raw/gz/whole.csv.gz"), gzipBytes(t, "a,b\n7,y\n"))
	writeBytes(t, filepath.Join(root, "raw/gz/truncated.csv.gz"), full[:len(full)/2])

	testlake.WriteFile(t, filepath.Join(root, "raw/mixed/a.csv"), "a\n1\n")
	testlake.WriteFile(t, filepath.Join(root, "raw/mixed/b.jsonl"), `{"a":1}`+"\n")
	testlake.WriteFile(t, filepath.Join(root, "raw/feed/x.jsonl"), `{"user":"u1","n":1}`+"\n"+`{"user":"u2","n":2}`+"\n")
	return l
}

func TestCrawlRegistersReadableFoldersAndReportsBadFiles(t *testing.T) {
	l := crawlFixture(t)
	demoTables := len(l.Catalog.Tables)
	rep, err := l.Crawl(context.Background(), lake.CrawlOptions{Dir: l.Root})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]lake.Table{}
	for _, tab := range rep.Registered {
		got[tab.QualifiedName()] = tab
	}
	want := map[string]int64{"crm.events": 3, "raw.logs_2020": 2000, "raw.gz": 1, "raw.feed": 2}
	for name, rows := range want {
		if got[name].Rows != rows {
			t.Errorf("%s: %d rows registered, want %d (registered: %v)", name, got[name].Rows, rows, got)
		}
	}
	if len(rep.Registered) != len(want) || rep.Unchanged != demoTables || len(rep.Changed) != 0 {
		t.Errorf("registered %d, unchanged %d, changed %v", len(rep.Registered), rep.Unchanged, rep.Changed)
	}
	skipped := strings.Join(rep.Skipped, "\n")
	for _, reason := range []string{
		"raw/logs/2020/bad_footer.parquet: Invalid Input Error: No magic bytes found at end of file",
		"raw/gz/truncated.csv.gz: truncated gzip file",
		"raw/mixed: mixes .csv and .jsonl files",
	} {
		if !strings.Contains(skipped, reason) {
			t.Errorf("skipped list lacks %q:\n%s", reason, skipped)
		}
	}
	if len(rep.Skipped) != 3 {
		t.Errorf("skipped %d, want 3:\n%s", len(rep.Skipped), skipped)
	}

	// The registered tables read without the bad files, and survive a reload.
	reopened, err := lake.Open(l.Root)
	if err != nil {
		t.Fatal(err)
	}
	db := testlake.OpenDuck(t)
	for name, rows := range want {
		db2, tab, _ := strings.Cut(name, ".")
		table, _ := reopened.Catalog.Lookup(db2, tab)
		if n, err := reopened.CountRows(context.Background(), db, table); err != nil || n != rows {
			t.Errorf("%s reads %d rows (%v), want %d", name, n, err, rows)
		}
	}
	if feed, _ := reopened.Catalog.Lookup("raw", "feed"); feed.Pattern != "*.jsonl" || feed.Format != lake.JSON {
		t.Errorf("jsonl folder registered as %+v", feed)
	}

	// A second crawl finds nothing new and does not re-report excluded files.
	again, err := reopened.Crawl(context.Background(), lake.CrawlOptions{Dir: reopened.Root})
	if err != nil || len(again.Registered) != 0 || again.Unchanged != demoTables+len(want) || len(again.Skipped) != 1 {
		t.Errorf("second crawl: %d registered, %d unchanged, skipped %v, err %v", len(again.Registered), again.Unchanged, again.Skipped, err)
	}
}

func TestCrawlReportsChangedSchemaAndUpdatesOnRequest(t *testing.T) {
	l := newLake(t)
	testlake.WriteFile(t, filepath.Join(l.Root, "crm/people/a.csv"), "id,name\n1,ann\n")
	if _, err := l.Crawl(context.Background(), lake.CrawlOptions{Dir: l.Root}); err != nil {
		t.Fatal(err)
	}
	testlake.WriteFile(t, filepath.Join(l.Root, "crm/people/a.csv"), "id,name,email\n1,ann,a@x\n")
	before := testlake.CatalogText(t, l)
	rep, err := l.Crawl(context.Background(), lake.CrawlOptions{Dir: filepath.Join(l.Root, "crm")})
	if err != nil || len(rep.Changed) != 1 || !strings.Contains(rep.Changed[0], "crm.people: columns +email VARCHAR") {
		t.Fatalf("changed %v, err %v", rep.Changed, err)
	}
	if testlake.CatalogText(t, l) != before {
		t.Error("crawl without --update changed the catalog")
	}
	if _, err := l.Crawl(context.Background(), lake.CrawlOptions{Dir: l.Root, Update: true}); err != nil {
		t.Fatal(err)
	}
	if tab, _ := l.Catalog.Lookup("crm", "people"); len(tab.Columns) != 3 {
		t.Errorf("update kept columns %v", tab.Columns)
	}
}

func TestCrawlRefusesPathsOutsideTheLake(t *testing.T) {
	l := newLake(t)
	for _, p := range []string{t.TempDir(), filepath.Join(l.Root, ".."), filepath.Join(l.Root, "missing")} {
		if _, err := l.Crawl(context.Background(), lake.CrawlOptions{Dir: p}); err == nil {
			t.Errorf("crawl of %s succeeded", p)
		}
	}
}

// A crawler names tables after folders but never invents a name: no
// "default" database for a folder directly under the root, none of
// DuckDB's own names, and no table inside another table's folder.
func TestCrawlSkipsFoldersItCannotNameOrSandbox(t *testing.T) {
	l := newLake(t)
	testlake.WriteFile(t, filepath.Join(l.Root, "loose/a.csv"), "id\n1\n")
	testlake.WriteFile(t, filepath.Join(l.Root, "main/people/a.csv"), "id\n1\n")
	testlake.WriteFile(t, filepath.Join(l.Root, "crm/people/a.csv"), "id\n1\n")
	testlake.WriteFile(t, filepath.Join(l.Root, "crm/people/archive/old.csv"), "id\n0\n")
	rep, err := l.Crawl(context.Background(), lake.CrawlOptions{Dir: l.Root})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Registered) != 1 || rep.Registered[0].QualifiedName() != "crm.people" {
		t.Errorf("registered %v, want crm.people only", rep.Registered)
	}
	skipped := strings.Join(rep.Skipped, "\n")
	for _, reason := range []string{
		"loose: data files must be in a table's folder, database/table/",
		`main/people: database name "main" is DuckDB's own`,
		"crm/people/archive: crm/people/archive is inside crm/people, the folder of table crm.people",
	} {
		if !strings.Contains(skipped, reason) {
			t.Errorf("skipped list lacks %q:\n%s", reason, skipped)
		}
	}
	for _, tab := range l.Catalog.Tables {
		if tab.Database == "default" || slices.Contains(lake.ReservedDatabases, tab.Database) {
			t.Errorf("crawler invented database %q", tab.Database)
		}
	}
}

// writeParquet writes the rows of a query as a Parquet file with DuckDB.
func writeParquet(t *testing.T, path, query string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	db := testlake.OpenDuck(t)
	if _, err := db.Exec("COPY (" + query + ") TO " + lake.SQLString(path) + " (FORMAT parquet)"); err != nil {
		t.Fatal(err)
	}
}

// A folder that changed after it was registered (a file added with an
// extra column, a file removed, a file grown, a column gone) is reported
// without --update and followed with it: columns, rows and the table's
// reads, which take missing columns of older files as NULL.
func TestRecrawlFollowsTheFolder(t *testing.T) {
	csvPair := func(t *testing.T, dir string) {
		testlake.WriteFile(t, filepath.Join(dir, "a.csv"), "id,name\n1,ann\n2,bob\n")
		testlake.WriteFile(t, filepath.Join(dir, "b.csv"), "id,name\n3,cy\n")
	}
	cases := []struct {
		name       string
		before     func(t *testing.T, dir string)
		change     func(t *testing.T, dir string)
		report     string // in the changed line
		columns    string
		rows       int64
		countQuery string // of the table after the update, and its answer
		count      int64
	}{
		{"csv file added with a column", csvPair, func(t *testing.T, dir string) {
			testlake.WriteFile(t, filepath.Join(dir, "c.csv"), "id,name,email\n4,dee,d@x\n")
		}, "columns +email VARCHAR; rows 3 -> 4", "id BIGINT, name VARCHAR, email VARCHAR", 4, "count(email)", 1},
		{"parquet file added with a column", func(t *testing.T, dir string) {
			writeParquet(t, filepath.Join(dir, "a.parquet"), "SELECT * FROM (VALUES (1, 'ann'), (2, 'bob')) v(id, name)")
		}, func(t *testing.T, dir string) {
			writeParquet(t, filepath.Join(dir, "b.parquet"), "SELECT 3 AS id, 'cy' AS name, 'c@x' AS email")
		}, "columns +email VARCHAR; rows 2 -> 3", "id INTEGER, name VARCHAR, email VARCHAR", 3, "count(email)", 1},
		{"csv file removed", csvPair, func(t *testing.T, dir string) {
			os.Remove(filepath.Join(dir, "b.csv"))
		}, "rows 3 -> 2", "id BIGINT, name VARCHAR", 2, "count(name)", 2},
		{"csv file grown", csvPair, func(t *testing.T, dir string) {
			testlake.WriteFile(t, filepath.Join(dir, "b.csv"), "id,name\n3,cy\n4,dee\n5,eve\n")
		}, "rows 3 -> 5", "id BIGINT, name VARCHAR", 5, "max(id)", 5},
		{"parquet column gone", func(t *testing.T, dir string) {
			writeParquet(t, filepath.Join(dir, "a.parquet"), "SELECT 1 AS id, 'ann' AS name")
		}, func(t *testing.T, dir string) {
			writeParquet(t, filepath.Join(dir, "a.parquet"), "SELECT * FROM (VALUES (1), (2)) v(id)")
		}, "columns -name VARCHAR; rows 1 -> 2", "id INTEGER", 2, "sum(id)", 3},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			l := newLake(t)
			dir := filepath.Join(l.Root, "crm", "people")
			c.before(t, dir)
			ctx := context.Background()
			if rep, err := l.Crawl(ctx, lake.CrawlOptions{Dir: l.Root}); err != nil || len(rep.Registered) != 1 {
				t.Fatalf("first crawl: %+v, %v", rep, err)
			}
			c.change(t, dir)
			before := testlake.CatalogText(t, l)
			rep, err := l.Crawl(ctx, lake.CrawlOptions{Dir: "crm"})
			if err != nil || len(rep.Changed) != 1 || !strings.Contains(rep.Changed[0], "crm.people: "+c.report) {
				t.Fatalf("crawl reports %q (err %v, skipped %q), want %q", rep.Changed, err, rep.Skipped, c.report)
			}
			if testlake.CatalogText(t, l) != before {
				t.Error("crawl without --update changed the catalog")
			}
			rep, err = l.Crawl(ctx, lake.CrawlOptions{Dir: "crm", Update: true})
			if err != nil || len(rep.Changed) != 1 {
				t.Fatalf("crawl --update: %+v, %v", rep, err)
			}
			reopened, err := lake.Open(l.Root)
			if err != nil {
				t.Fatal(err)
			}
			tab, _ := reopened.Catalog.Lookup("crm", "people")
			if got := strings.Trim(lake.DescribeColumns(tab.Columns), "()"); got != c.columns || tab.Rows != c.rows {
				t.Errorf("catalog has (%s), %d rows; want (%s), %d rows", got, tab.Rows, c.columns, c.rows)
			}
			db := testlake.OpenDuck(t)
			if got := testlake.Scalar[int64](t, db, "SELECT "+c.countQuery+"::BIGINT FROM "+reopened.Relation(tab)); got != c.count {
				t.Errorf("%s of the table = %d, want %d", c.countQuery, got, c.count)
			}
			if again, err := reopened.Crawl(ctx, lake.CrawlOptions{Dir: "crm"}); err != nil || len(again.Changed) != 0 || again.Unchanged != 1 {
				t.Errorf("a crawl after the update: changed %q, %d unchanged, %v", again.Changed, again.Unchanged, err)
			}
		})
	}
}

// tarn's own .tarn folder (every persona's history, rejected raw lines) is
// never crawled into a table, named or through a link.
func TestCrawlRefusesHiddenFolders(t *testing.T) {
	l, err := lake.Create(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	private := filepath.Join(l.Root, ".tarn", "history")
	if err := os.MkdirAll(private, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(private, "q.csv"), []byte("persona,sql\nadmin,SELECT 1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(l.Root, ".tarn"), filepath.Join(l.Root, "peek")); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{".tarn", ".tarn/history", filepath.Join(l.Root, ".tarn"), "peek"} {
		rep, err := l.Crawl(context.Background(), lake.CrawlOptions{Dir: path, Update: true})
		if err == nil || !strings.Contains(err.Error(), "hidden folder") || len(rep.Registered) > 0 {
			t.Errorf("crawl %s: %v, registered %v", path, err, rep.Registered)
		}
	}
}
