package queries_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"tarn/demo"
	"tarn/lake"
	"tarn/queries"
)

func TestExportWritesWhatThePersonaSees(t *testing.T) {
	l, pol := governedLake(t)
	s := open(t, l, pol, "sales_east")
	dir := t.TempDir()
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, format := range []string{"csv", "json", "parquet"} {
		path := filepath.Join(dir, "east."+format)
		st, err := s.Export(context.Background(), "SELECT * FROM sales.customers", path, format, false)
		if err != nil {
			t.Fatalf("%s: %v", format, err)
		}
		var n int64
		var regions, phones string
		reader := map[string]string{"csv": "read_csv", "json": "read_json", "parquet": "read_parquet"}[format]
		q := "SELECT count(*), string_agg(DISTINCT region, ','), min(phone::VARCHAR) FROM " + reader + "('" + path + "')"
		if err := db.QueryRow(q).Scan(&n, &regions, &phones); err != nil {
			t.Fatalf("%s: read back: %v", format, err)
		}
		if n != st.Rows || n == 0 || regions != "east" || !strings.HasPrefix(phones, "*") {
			t.Errorf("%s: %d rows (stats %d), regions %q, phone %q", format, n, st.Rows, regions, phones)
		}
		data, _ := os.ReadFile(path)
		for _, secret := range hidden["sales_east"] {
			if strings.Contains(string(data), secret) {
				t.Errorf("%s export holds hidden %q", format, secret)
			}
		}
		if _, err := os.Stat(path + ".tarn-tmp"); err == nil {
			t.Errorf("%s: temporary file left behind", format)
		}
	}
	if _, err := s.Export(context.Background(), "SELECT 1", filepath.Join(dir, "nope", "x.csv"), "csv", false); err == nil || !strings.Contains(err.Error(), "does not exist") {
		t.Errorf("missing folder: %v", err)
	}
}

// An export is an audit action of its own: its destination, rows and
// state. One whose file cannot be written is FAILED, not SUCCEEDED with
// the rows it read; ENUM columns export, VARIANT ones fail saying why.
func TestExportsAreAuditedWithTheirOutcome(t *testing.T) {
	l, pol := governedLake(t)
	s := open(t, l, pol, "analyst")
	dir := t.TempDir()
	good := filepath.Join(dir, "regions.parquet")
	if _, err := s.Export(context.Background(), "SELECT region::ENUM('east', 'west', 'north', 'south') AS region FROM sales.customers", good, "parquet", false); err != nil {
		t.Fatalf("ENUM export: %v", err)
	}
	_, err := s.Export(context.Background(), "SELECT 42::VARIANT AS v", filepath.Join(dir, "v.csv"), "csv", false)
	if err == nil || !strings.Contains(err.Error(), `column "v" has type VARIANT, which tarn cannot read yet`) {
		t.Errorf("VARIANT export: %v", err)
	}
	// A disk too small for the file makes the write fail.
	small := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", small).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a tmpfs (%v: %s): this test needs root", err, out)
	}
	t.Cleanup(func() { exec.Command("umount", "-l", small).Run() })
	blocked := filepath.Join(small, "blocked.csv")
	if _, err := s.Export(context.Background(), "SELECT customer_id, region, repeat('x', 100) AS pad FROM sales.customers", blocked, "csv", false); err == nil {
		t.Error("an export whose file cannot be written succeeded")
	}
	if entries, _ := os.ReadDir(small); len(entries) != 0 {
		t.Errorf("a failed export left %v", entries)
	}
	var exports []queries.Query
	audit, _ := os.ReadFile(filepath.Join(l.Root, lake.AuditFile))
	for _, line := range strings.Split(strings.TrimSpace(string(audit)), "\n") {
		var q queries.Query
		if json.Unmarshal([]byte(line), &q) == nil && q.Kind == "export" && q.State != queries.Running {
			exports = append(exports, q)
		}
	}
	want := []struct {
		dest, state string
		rows        int64
	}{{good, queries.Succeeded, demo.CustomerRows}, {filepath.Join(dir, "v.csv"), queries.Failed, 0}, {blocked, queries.Failed, -1}}
	if len(exports) != len(want) {
		t.Fatalf("%d export records, want %d:\n%s", len(exports), len(want), audit)
	}
	for i, w := range want {
		e := exports[i]
		if e.Destination != w.dest || e.State != w.state || w.rows >= 0 && e.Rows != w.rows || e.Persona != "analyst" {
			t.Errorf("export record %d: %+v, want %s %s", i, e, w.dest, w.state)
		}
	}
	if exports[2].Error == "" || !strings.Contains(exports[2].Error, "export to "+blocked) {
		t.Errorf("the failed export's record lacks its cause: %q", exports[2].Error)
	}
}

// An export never writes inside the lake: an analyst exporting forged
// rows into a table's folder added a customer everyone then read, and
// could replace a table it cannot see, or policy.toml. Symlinks and ".."
// are resolved first. An existing file is replaced only when asked.
func TestExportsNeverWriteInsideTheLake(t *testing.T) {
	l, pol := governedLake(t)
	s := open(t, l, pol, "analyst")
	outside := t.TempDir()
	link := filepath.Join(outside, "into-lake")
	if err := os.Symlink(filepath.Join(l.Root, "sales"), link); err != nil {
		t.Fatal(err)
	}
	before := lakeFiles(t, l.Root)
	policy, _ := os.ReadFile(filepath.Join(l.Root, "policy.toml"))
	forged := "SELECT 99999 AS customer_id, 'Forged' AS name, 'f@x' AS email, '1' AS phone, 'east' AS region, 'p' AS payment_id"
	for _, path := range []string{
		filepath.Join(l.Root, "sales/customers/zz.csv"),
		filepath.Join(l.Root, "sales/items/part-00000.csv"),
		filepath.Join(l.Root, "policy.toml"),
		filepath.Join(link, "customers/zz.csv"),
		filepath.Join(outside, "..", filepath.Base(outside), "into-lake", "shops", "part-00000.csv"),
		filepath.Join(l.Root, "weblogs", "..", "sales", "customers", "x.csv"),
	} {
		_, err := s.Export(context.Background(), forged, path, "csv", true)
		if err == nil || !strings.Contains(err.Error(), "inside the lake") {
			t.Errorf("export to %s: %v", path, err)
		}
	}
	if after := lakeFiles(t, l.Root); !slices.Equal(before, after) {
		t.Errorf("an export changed the lake's files:\n%v\n%v", before, after)
	}
	if now, _ := os.ReadFile(filepath.Join(l.Root, "policy.toml")); string(now) != string(policy) {
		t.Error("an export changed policy.toml")
	}
	_, rows, err := result(open(t, l, pol, "admin"), "SELECT count(*) FROM sales.customers WHERE name = 'Forged'")
	if err != nil || rows[0][0] != "0" {
		t.Errorf("forged customers: %v %v", rows, err)
	}
	// Outside the lake: a new file is written, an existing one only on request.
	dest := filepath.Join(outside, "mine.csv")
	if _, err := s.Export(context.Background(), "SELECT 1 AS x", dest, "csv", false); err != nil {
		t.Fatal(err)
	}
	var exists *queries.ExistsError
	if _, err := s.Export(context.Background(), "SELECT 2 AS x", dest, "csv", false); !errors.As(err, &exists) {
		t.Errorf("over an existing file without overwrite: %v", err)
	}
	if data, _ := os.ReadFile(dest); string(data) != "x\n1\n" {
		t.Errorf("the existing file became %q", data)
	}
	if _, err := s.Export(context.Background(), "SELECT 2 AS x", dest, "csv", true); err != nil {
		t.Fatal(err)
	}
	if data, _ := os.ReadFile(dest); string(data) != "x\n2\n" {
		t.Errorf("the overwritten file is %q", data)
	}
	if dir := queries.DefaultExportDir(l.Root); within(l.Root, dir) {
		t.Errorf("the default export folder %s is inside the lake", dir)
	}
}

func within(root, dir string) bool {
	rel, err := filepath.Rel(root, dir)
	return err == nil && !strings.HasPrefix(rel, "..")
}

// An export is checked against the lake as it is when it runs: a table
// registered since the session's last statement, whose folder is a link
// to elsewhere, is the lake too.
func TestAnExportFollowsTheCatalog(t *testing.T) {
	l, pol := governedLake(t)
	l, err := lake.Open(l.Root)
	if err != nil {
		t.Fatal(err)
	}
	pol, err = queries.LoadPolicy(l)
	if err != nil {
		t.Fatal(err)
	}
	s := open(t, l, pol, "analyst")
	if _, _, err := result(s, "SELECT 1"); err != nil {
		t.Fatal(err)
	}
	outside := filepath.Join(t.TempDir(), "newt")
	os.MkdirAll(outside, 0o755)
	os.WriteFile(filepath.Join(outside, "part.csv"), []byte("a\n1\n"), 0o644)
	os.MkdirAll(filepath.Join(l.Root, "scratch"), 0o755)
	os.Symlink(outside, filepath.Join(l.Root, "scratch", "newt"))
	other, _ := lake.Open(l.Root)
	if err := other.Update(func(c *lake.Catalog) error {
		c.Put(lake.Table{Database: "scratch", Name: "newt", Location: "scratch/newt", Format: lake.CSV, Compression: lake.None,
			Columns: []lake.Column{{Name: "a", Type: "BIGINT"}}})
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	_, err = s.Export(context.Background(), "SELECT 7 AS a", filepath.Join(outside, "planted.csv"), "csv", false)
	if err == nil || !strings.Contains(err.Error(), "inside the lake") {
		t.Errorf("an export into a new table's folder: %v", err)
	}
	if _, err := os.Stat(filepath.Join(outside, "planted.csv")); err == nil {
		t.Error("planted.csv was written")
	}
}

// An export's CSV and JSON lines come from the writers `tarn query` prints
// with: CSV as --format csv prints it (NULL empty, the empty string ""), JSON lines
// with --format json's values, keys made distinct.
func TestExportFilesAreTheQueryWritersOutput(t *testing.T) {
	l, pol := governedLake(t)
	s := open(t, l, pol, "analyst")
	const q = "SELECT customer_id, region, NULL AS note, '' AS empty, [customer_id, 7] AS pair, DATE '2024-02-29' AS day, region FROM sales.customers ORDER BY customer_id LIMIT 2"
	want := map[string]string{
		"csv": "customer_id,region,note,empty,pair,day,region\n1,west,,\"\",\"[1, 7]\",2024-02-29,west\n2,south,,\"\",\"[2, 7]\",2024-02-29,south\n",
		"json": `{"customer_id":1,"region":"west","note":null,"empty":"","pair":[1,7],"day":"2024-02-29","region_2":"west"}` + "\n" +
			`{"customer_id":2,"region":"south","note":null,"empty":"","pair":[2,7],"day":"2024-02-29","region_2":"south"}` + "\n",
	}
	dir := t.TempDir()
	for _, format := range []string{"csv", "json"} {
		path := filepath.Join(dir, "two."+format)
		if _, err := s.Export(context.Background(), q, path, format, false); err != nil {
			t.Fatal(err)
		}
		if data, _ := os.ReadFile(path); string(data) != want[format] {
			t.Errorf("%s export:\n got %q\nwant %q", format, data, want[format])
		}
	}
}

// A CSV export keeps NULL and the empty string apart, as DuckDB's COPY
// does: NULL an empty field, ” a quoted one (""). DuckDB's read_csv reads
// them back apart when told that quotes never make a NULL (by default
// allow_quoted_nulls reads "" as NULL too).
func TestCSVExportKeepsNullApartFromEmpty(t *testing.T) {
	l, pol := governedLake(t)
	s := open(t, l, pol, "analyst")
	path := filepath.Join(t.TempDir(), "nulls.csv")
	const q = "SELECT * FROM (VALUES (1, NULL), (2, ''), (3, 'x'), (4, ' '), (5, 'a,\"b\"')) AS v(n, s)"
	if _, err := s.Export(context.Background(), q, path, "csv", false); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query("SELECT n, s IS NULL, coalesce(s, '') FROM read_csv(?, header = true, allow_quoted_nulls = false, columns = {'n': 'INTEGER', 's': 'VARCHAR'}) ORDER BY n", path)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var got []string
	for rows.Next() {
		var n int
		var isNull bool
		var text string
		if err := rows.Scan(&n, &isNull, &text); err != nil {
			t.Fatal(err)
		}
		if isNull {
			text = "NULL"
		}
		got = append(got, text)
	}
	if want := []string{"NULL", "", "x", " ", `a,"b"`}; !slices.Equal(got, want) {
		data, _ := os.ReadFile(path)
		t.Errorf("read back %q, want %q; the file:\n%s", got, want, data)
	}
}
