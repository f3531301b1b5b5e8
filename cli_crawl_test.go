package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"tarn/internal/testlake"
)

// A PATH names a folder of the lake wherever the command runs: relative
// to the lake's root, or absolute and inside it.
func TestCrawlPathIsRelativeToTheLake(t *testing.T) {
	root := smallLake(t)
	os.MkdirAll(filepath.Join(root, "raw", "events"), 0o755)
	os.WriteFile(filepath.Join(root, "raw", "events", "a.csv"), []byte("id,kind\n1,click\n"), 0o644)
	for _, c := range []struct {
		path string
		code int
		want string
	}{
		{"raw/events", 0, "registered raw.events (csv, 1 rows) from raw/events"},
		{filepath.Join(root, "raw"), 0, "crawl: 0 registered, 0 changed, 1 unchanged, 0 skipped"},
		{"../elsewhere", 1, "is outside the lake " + root},
		{t.TempDir(), 1, "is outside the lake " + root},
		{"raw/missing", 1, "raw/missing: not a directory inside the lake"},
	} {
		code, out, errOut := tarn(t, "crawl", c.path, "--lake", root)
		if code != c.code || !strings.Contains(out+errOut, c.want) {
			t.Errorf("crawl %s: exit %d, want %d and %q:\n%s%s", c.path, code, c.code, c.want, out, errOut)
		}
	}
}

// crawl --update follows a table's folder under the policy's rules, as
// import --replace does: a new column inherits the table's tags and the
// crawl says who reads it; a column gone that the policy names is refused
// with the entries to edit, and the catalog keeps the table as it was.
func TestCrawlUpdateFollowsTheFolderUnderThePolicy(t *testing.T) {
	root := governedCLILake(t)
	dir := filepath.Join(root, "sales", "customers")
	os.WriteFile(filepath.Join(dir, "zz_new.csv"),
		[]byte("customer_id,name,email,phone,region,payment_id,loyalty\n9001,zed,z@x,+7-1,east,p9,3\n"), 0o644)
	code, out, _ := tarn(t, "crawl", "sales", "--lake", root)
	for _, want := range []string{"changed    sales.customers: columns +loyalty BIGINT; rows 5000 -> 5001", "crawl: 0 registered, 1 changed, 4 unchanged", "tarn crawl --update"} {
		if code != 0 || !strings.Contains(out, want) {
			t.Errorf("crawl: exit %d, lacks %q:\n%s", code, want, out)
		}
	}
	code, out, errOut := tarn(t, "crawl", "sales", "--update", "--lake", root)
	if code != 0 || !strings.Contains(out, "updated    sales.customers: columns +loyalty BIGINT") ||
		!strings.Contains(errOut, "new column sales.customers.loyalty: readable unmasked by admin, leader, sales_east") {
		t.Errorf("crawl --update: exit %d:\n%s%s", code, out, errOut)
	}
	if code, out, errOut := tarn(t, "query", "--lake", root, "--format", "csv", "SELECT count(*), count(loyalty) FROM sales.customers"); code != 0 || out != "count_star(),count(loyalty)\n5001,1\n" {
		t.Errorf("the updated table reads: exit %d %q %s", code, out, errOut)
	}

	// Every file loses phone, which sales_east's mask names.
	_, rows, _ := tarn(t, "query", "--lake", root, "--format", "csv", "SELECT customer_id, name, email, region, payment_id FROM sales.customers")
	os.Remove(filepath.Join(dir, "zz_new.csv"))
	parts, _ := filepath.Glob(filepath.Join(dir, "*.csv"))
	if len(parts) != 1 {
		t.Fatalf("customers has files %v", parts)
	}
	os.WriteFile(parts[0], []byte(rows), 0o644)
	catalog, _ := os.ReadFile(filepath.Join(root, "lake.toml"))
	code, out, errOut = tarn(t, "crawl", "sales", "--update", "--lake", root)
	for _, want := range []string{"refused sales.customers: columns -phone VARCHAR, -loyalty BIGINT", "mask entry 1 (sales_east on sales.customers.phone)", "edit policy.toml first"} {
		if code != 1 || !strings.Contains(errOut, want) {
			t.Errorf("narrowed crawl --update: exit %d, lacks %q:\n%s%s", code, want, out, errOut)
		}
	}
	if now, _ := os.ReadFile(filepath.Join(root, "lake.toml")); string(now) != string(catalog) {
		t.Error("the refused update changed the catalog")
	}
}

// A file whose header copies a column the policy hides under a name that
// differs only by spacing ("payment_id ", which DuckDB reads as
// payment_id_1) or by case and punctuation would give that column's data a
// new name that inherits the table's tags: crawl --update refuses it, and
// the catalog keeps the table as it was. So does a name spelled with a
// look-alike letter of another script (a Cyrillic a) or numbered as
// pandas numbers a repeat ("payment_id.1").
func TestCrawlUpdateRefusesALookAlikeOfAHiddenColumn(t *testing.T) {
	for _, header := range []string{"payment_id ", "Payment-ID", "p\u0430yment_id", "payment_id.1"} {
		t.Run(header, func(t *testing.T) {
			root := governedCLILake(t)
			dir := filepath.Join(root, "sales", "customers")
			os.WriteFile(filepath.Join(dir, "zz_copy.csv"),
				[]byte("customer_id,name,email,phone,region,payment_id,"+header+"\n9001,zed,z@x,+7-1,east,p9,p9\n"), 0o644)
			catalog, _ := os.ReadFile(filepath.Join(root, "lake.toml"))
			code, out, errOut := tarn(t, "crawl", "sales", "--update", "--lake", root)
			for _, want := range []string{"refused sales.customers", `looks like "payment_id", which leader, sales_east cannot read unmasked`, "rename the column in the files"} {
				if code != 1 || !strings.Contains(errOut, want) {
					t.Errorf("crawl --update: exit %d, lacks %q:\n%s%s", code, want, out, errOut)
				}
			}
			if now, _ := os.ReadFile(filepath.Join(root, "lake.toml")); string(now) != string(catalog) {
				t.Error("the refused update changed the catalog")
			}
		})
	}
}

// A crawl reports how far it is on stderr: folders done of all, their
// rate, and a last line when done.
func TestCrawlReportsProgress(t *testing.T) {
	root := smallLake(t)
	if _, err := (testlake.Tree{Databases: 2, Tables: 3, FilesPerTable: 1, RowsPerFile: 2}).Write(root); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := tarn(t, "crawl", "--lake", root)
	last := regexp.MustCompile(`crawled (\d+)/(\d+) folders, \d+/s, [\d.]+s\n$`).FindStringSubmatch(errOut)
	if code != 0 || !strings.Contains(out, "crawl: 6 registered") || last == nil || last[1] != last[2] {
		t.Errorf("crawl: exit %d:\n%s%s", code, out, errOut)
	}
}
