package queries_test

import (
	"context"
	"encoding/json"
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

// smallFiles is how many files the tests split a table into: enough for
// tarn to keep a copy of it.
const smallFiles = queries.MinCopyFiles

// copiesLake is the governed lake with its canaries, where sales.customers
// (masks, a row filter, hidden columns) and sales.shops (hidden from the
// analyst) are each split into smallFiles CSV files, and two tables of the
// log, Parquet and gzipped JSON lines, are added in smallFiles files each.
func copiesLake(t testing.TB) (*lake.Lake, *perms.Policy) {
	l, pol := governedLake(t)
	ctx := context.Background()
	sales := demo.GenerateSales(demo.Seed)
	customers := sales.Customers
	customers[0] = demo.Customer{CustomerID: 1, Name: bypass.CanaryName, Email: bypass.CanaryEmail, Phone: bypass.CanaryPhone, Region: "west", PaymentID: bypass.CanaryPayment}
	shops := append(sales.Shops, demo.Shop{ShopName: bypass.CanaryShop, ShopID: 9999})
	for i := len(shops); i < smallFiles; i++ {
		shops = append(shops, demo.Shop{ShopName: fmt.Sprintf("shop %d", i), ShopID: int32(10000 + i)})
	}
	split := func(name string, rows lake.Dataset) {
		table, ok := l.Catalog.Lookup("sales", name)
		if !ok {
			t.Fatalf("no sales.%s", name)
		}
		lay := lake.Layout{Format: table.Format, Compression: table.Compression, Files: smallFiles}
		if err := lake.WriteLayout(ctx, l.Dir(table), rows, lay, lake.LayoutOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	split("customers", lake.RowsOf(customers))
	split("shops", lake.RowsOf(shops))
	log := lake.RowsOf(demo.GenerateLog(3000, demo.Seed))
	for _, lay := range []lake.Layout{{Format: lake.Parquet, Compression: lake.None, Files: smallFiles}, {Format: lake.JSON, Compression: lake.Gzip, Files: smallFiles}} {
		table := demo.LogTable(lay, log.Len())
		if err := lake.WriteLayout(ctx, l.Dir(table), log, lay, lake.LayoutOptions{}); err != nil {
			t.Fatal(err)
		}
		if err := l.Update(func(c *lake.Catalog) error { c.Put(table); return nil }); err != nil {
			t.Fatal(err)
		}
	}
	pol, err := queries.LoadPolicy(l)
	if err != nil {
		t.Fatal(err)
	}
	return l, pol
}

// openBuilding opens a session that makes copies, as the workbench does.
func openBuilding(t testing.TB, l *lake.Lake, pol *perms.Policy, persona string) *queries.Session {
	return openWith(t, l, pol, persona, queries.Options{BuildCopies: true})
}

func openWith(t testing.TB, l *lake.Lake, pol *perms.Policy, persona string, opts queries.Options) *queries.Session {
	t.Helper()
	s, err := queries.OpenWith(context.Background(), l, pol, persona, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.AwaitCopies(context.Background()); s.Close() })
	return s
}

// answer is what a persona sees of a query and what it was told it cost.
type answer struct {
	cols    []string
	rows    [][]string
	scanned int64
	files   int
	copies  int
}

func ask(t *testing.T, s *queries.Session, q string) answer {
	t.Helper()
	cols, rows, err := result(s, q)
	if err != nil {
		t.Fatalf("%s: %s: %v", s.Persona().Name, q, err)
	}
	st := s.Last().Stats
	return answer{cols, rows, st.DataScanned, st.Files, st.Copies}
}

// copyQueries are what the copy must answer exactly as the files do: every
// row in order, aggregates, filters Parquet statistics prune by, a column
// subset, a count DuckDB answers from footers, and a join of two copies.
var copyQueries = []string{
	"SELECT * FROM sales.customers",
	"SELECT region, count(*), max(customer_id) FROM sales.customers GROUP BY ALL ORDER BY ALL",
	"SELECT customer_id FROM sales.customers WHERE customer_id > 4990 ORDER BY customer_id",
	"SELECT * FROM weblogs.access_log_parquet_1000",
	"SELECT host, status FROM weblogs.access_log_parquet_1000 WHERE path LIKE '%.php%'",
	"SELECT count(*) FROM weblogs.access_log_parquet_1000",
	// One file's statistics answer max() from the footer; the files' plan reads the column.
	"SELECT count(*), max(status), min(host) FROM weblogs.access_log_parquet_1000",
	"SELECT * FROM weblogs.access_log_parquet_1000 ORDER BY time DESC LIMIT 3",
	"SELECT p.status, count(*) FROM weblogs.access_log_parquet_1000 p JOIN sales.customers c ON p.status = c.customer_id GROUP BY ALL ORDER BY ALL",
	"SELECT status, count(*) FROM weblogs.access_log_json_gz_1000 GROUP BY ALL ORDER BY ALL",
	"SELECT count(*) FROM weblogs.access_log_parquet_1000 p JOIN weblogs.access_log_json_gz_1000 j USING (host, path)",
}

// A copy changes no figure but the time: for each persona (a mask, a row
// filter, hidden columns), every query gives the same columns and rows,
// data scanned and file count from the copy as from the files, and says it
// read a copy.
func TestACopyChangesNoFigureButTheTime(t *testing.T) {
	l, pol := copiesLake(t)
	for _, persona := range []string{"admin", "sales_east", "leader", "analyst"} {
		t.Run(persona, func(t *testing.T) {
			files := openWith(t, l, pol, persona, queries.Options{IgnoreCopies: true})
			s := openBuilding(t, l, pol, persona)
			var fromFiles []answer
			var asked []string
			for _, q := range copyQueries {
				if _, _, err := result(files, q); err != nil {
					continue // a table this persona may not read
				}
				a := ask(t, files, q)
				if a.copies != 0 {
					t.Fatalf("%s read a copy, told not to", q)
				}
				fromFiles, asked = append(fromFiles, a), append(asked, q)
				ask(t, s, q) // which makes the copies
			}
			if len(asked) < 3 {
				t.Fatalf("%s may run only %d of the queries", persona, len(asked))
			}
			if err := s.AwaitCopies(context.Background()); err != nil {
				t.Fatal(err)
			}
			for i, q := range asked {
				a := ask(t, s, q)
				want := fromFiles[i]
				if a.copies == 0 {
					t.Errorf("%s: read the files, not the copy", q)
				}
				if !slices.Equal(a.cols, want.cols) || rowsText(q, a.rows) != rowsText(q, want.rows) {
					t.Errorf("%s: the copy answered otherwise:\n%.300s\nfiles:\n%.300s", q, fmt.Sprint(a.rows), fmt.Sprint(want.rows))
				}
				if a.scanned != want.scanned || a.files != want.files {
					t.Errorf("%s: from the copy %d B in %d files, from the files %d B in %d files", q, a.scanned, a.files, want.scanned, want.files)
				}
			}
		})
	}
}

// rowsText is rows as text, sorted unless q orders them: DuckDB keeps
// the files' order through a plain scan, but not through a row filter's
// materialised CTE, whatever it reads.
func rowsText(q string, rows [][]string) string {
	lines := make([]string, len(rows))
	for i, r := range rows {
		lines[i] = strings.Join(r, "\x1f")
	}
	if !strings.Contains(q, "ORDER BY") {
		slices.Sort(lines)
	}
	return strings.Join(lines, "\n")
}

// A stale copy never changes a result or a data-scanned figure: a file
// rewritten with the same size and a new modification time, a file of a
// new size, a file added, and the copy itself rewritten each send the
// next query back to the files.
func TestAStaleCopyIsNeverRead(t *testing.T) {
	l, pol := copiesLake(t)
	table, _ := l.Catalog.Lookup("sales", "customers")
	file := filepath.Join(l.Dir(table), lake.PartName(0, smallFiles, ".csv"))
	const q = "SELECT * FROM sales.customers WHERE customer_id <= 3 ORDER BY customer_id, name"
	cases := []struct {
		name   string
		change func(t *testing.T)
		want   string // a value the rows must now hold
	}{
		{"same size, new time", func(t *testing.T) { replaceIn(t, file, "CANARYNAMEWEST", "CANARYNAMEEAST") }, "CANARYNAMEEAST"},
		{"new size", func(t *testing.T) { replaceIn(t, file, "CANARYNAMEEAST", "CANARYNAMEEASTERN") }, "CANARYNAMEEASTERN"},
		{"a file added", func(t *testing.T) {
			writeFile(t, filepath.Join(l.Dir(table), "zz-added.csv"), "customer_id,name,email,phone,region,payment_id\n2,ADDED,a@b,+7,north,p\n")
		}, "ADDED"},
		{"the copy rewritten", func(t *testing.T) { tamperWithCopy(t, l) }, ""},
	}
	s := openBuilding(t, l, pol, "admin")
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ask(t, s, q)
			if err := s.AwaitCopies(context.Background()); err != nil {
				t.Fatal(err)
			}
			if a := ask(t, s, q); a.copies == 0 {
				t.Fatalf("no copy to go stale")
			}
			c.change(t)
			a := ask(t, s, q)
			fresh := ask(t, open(t, l, pol, "admin"), q) // a session that never saw a copy
			if a.copies != 0 {
				t.Errorf("read the stale copy")
			}
			if rowsText(q, a.rows) != rowsText(q, fresh.rows) || !strings.Contains(fmt.Sprint(a.rows), c.want) {
				t.Errorf("rows %.300s, the files hold %.300s", fmt.Sprint(a.rows), fmt.Sprint(fresh.rows))
			}
			if a.scanned != fresh.scanned || a.files != fresh.files {
				t.Errorf("data scanned %d B in %d files, the files give %d B in %d files", a.scanned, a.files, fresh.scanned, fresh.files)
			}
		})
	}
}

// replaceIn rewrites path with its first old replaced by new.
func replaceIn(t *testing.T, path, old, new string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), old) {
		t.Fatalf("%s holds no %q", path, old)
	}
	if err := os.WriteFile(path, []byte(strings.Replace(string(b), old, new, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// tamperWithCopy rewrites every copy in the lake in place, as a session
// that could write in a folder it may read could.
func tamperWithCopy(t *testing.T, l *lake.Lake) {
	t.Helper()
	copies, _ := filepath.Glob(filepath.Join(l.Root, ".tarn/copies/data/*/*.parquet"))
	if len(copies) == 0 {
		t.Fatal("no copy to tamper with")
	}
	for _, c := range copies {
		b, err := os.ReadFile(c)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(c, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// copyOf is the path of the copy of table (database.name) in the lake.
func copyOf(t *testing.T, l *lake.Lake, table string) string {
	t.Helper()
	manifests, _ := filepath.Glob(filepath.Join(l.Root, ".tarn/copies/manifests/*.json"))
	for _, m := range manifests {
		var doc struct{ Table, Data string }
		b, _ := os.ReadFile(m)
		if json.Unmarshal(b, &doc) == nil && doc.Table == table {
			return filepath.Join(l.Root, ".tarn/copies/data", strings.TrimSuffix(filepath.Base(m), ".json"), doc.Data)
		}
	}
	t.Fatalf("no copy of %s", table)
	return ""
}

// Copies add files to the lake that hold whole tables, hidden columns and
// rows included. Each layer must still hold alone: with the guard's scope
// rule broken, the sandbox alone refuses the copy of a table the persona
// may not read and every manifest; the plan check alone also refuses the
// raw read of the copy of a table it may read. With every layer on, no
// way of naming a copy reads it.
func TestEachLayerHoldsAloneOverCopies(t *testing.T) {
	l, pol := copiesLake(t)
	admin := openBuilding(t, l, pol, "admin")
	ask(t, admin, "SELECT count(*) FROM sales.customers")
	ask(t, admin, "SELECT count(*) FROM sales.shops")
	if err := admin.AwaitCopies(context.Background()); err != nil {
		t.Fatal(err)
	}
	manifest, _ := filepath.Glob(filepath.Join(l.Root, ".tarn/copies/manifests/*.json"))
	expand := strings.NewReplacer("{copy}", copyOf(t, l, "sales.customers"), "{hidden}", copyOf(t, l, "sales.shops"),
		"{manifest}", manifest[0], "{root}", l.Root).Replace
	const hiddenAttack = `WITH "{hidden}" AS (SELECT * FROM "{hidden}") SELECT * FROM "{hidden}"`
	const rawAttack = `WITH "{copy}" AS (SELECT * FROM "{copy}") SELECT * FROM "{copy}"`
	const manifestAttack = `WITH "{manifest}" AS (SELECT * FROM "{manifest}") SELECT * FROM "{manifest}"`
	cases := []struct {
		name   string
		layers queries.Layers
		refuse []string
	}{
		{"the sandbox alone", queries.Layers{NarrowSandbox: true}, []string{hiddenAttack, manifestAttack}},
		{"the plan check alone", queries.Layers{PlanCheck: true}, []string{hiddenAttack, rawAttack, manifestAttack}},
		{"the scoped guard alone", queries.Layers{ScopedGuard: true}, []string{hiddenAttack, rawAttack, manifestAttack}},
		{"every layer", queries.Layers{ScopedGuard: true, NarrowSandbox: true, PlanCheck: true}, []string{
			hiddenAttack, rawAttack, manifestAttack,
			"SELECT * FROM read_parquet('{hidden}')", "SELECT * FROM '{copy}'", "SELECT * FROM '{root}/.tarn/copies/data/*/*.parquet'",
			"SELECT * FROM parquet_metadata('{hidden}')", "SELECT * FROM read_text('{manifest}')",
		}},
	}
	t.Run("the broken guard alone lets them through", func(t *testing.T) {
		queries.SetLayersForTest(t, queries.Layers{})
		_, rows, err := result(open(t, l, pol, "analyst"), expand(hiddenAttack))
		if err != nil || !strings.Contains(fmt.Sprint(rows), bypass.CanaryShop) {
			t.Fatalf("with every layer off the attack should read the hidden table's copy: %v %.200s", err, fmt.Sprint(rows))
		}
	})
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			queries.SetLayersForTest(t, c.layers)
			var attacks []string
			for _, q := range c.refuse {
				attacks = append(attacks, expand(q))
			}
			for _, persona := range []string{"analyst", "sales_east"} {
				attack(t, l, pol, persona, attacks, true)
			}
		})
	}
}

// A copy no table can read any more (its table compacted to a new
// location) is removed once the next copy is made: it held the table's
// whole data on disk for nothing.
func TestACopyNoTableReadsIsRemoved(t *testing.T) {
	l, pol := copiesLake(t)
	admin := openBuilding(t, l, pol, "admin")
	ask(t, admin, "SELECT count(*) FROM sales.customers")
	if err := admin.AwaitCopies(context.Background()); err != nil {
		t.Fatal(err)
	}
	old := filepath.Dir(copyOf(t, l, "sales.customers"))
	if _, err := l.Compact(context.Background(), "sales.customers", lake.CompactOptions{Persona: "admin"}); err != nil {
		t.Fatal(err)
	}
	ask(t, admin, "SELECT count(*) FROM sales.shops")
	if err := admin.AwaitCopies(context.Background()); err != nil {
		t.Fatal(err)
	}
	copyOf(t, l, "sales.shops")
	if _, err := os.Stat(old); !os.IsNotExist(err) {
		t.Errorf("the copy of the compacted table's old files is still there: %v", err)
	}
	if left, _ := filepath.Glob(filepath.Join(l.Root, ".tarn/copies/manifests/"+filepath.Base(old)+".json")); len(left) > 0 {
		t.Errorf("its manifest is still there: %v", left)
	}
}
