package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"tarn/perms"
)

// governedCLILake is a small demo lake with the demo policy, made through
// the CLI as a user would.
func governedCLILake(t *testing.T) string {
	root := smallLake(t)
	if code, _, errOut := tarn(t, "demo", "--lake", root); code != 0 {
		t.Fatalf("demo: %s", errOut)
	}
	if _, err := os.Stat(filepath.Join(root, perms.PolicyFile)); err != nil {
		t.Fatalf("demo wrote no policy: %v", err)
	}
	return root
}

func TestPersonasAccessAndCatalogPerPersona(t *testing.T) {
	root := governedCLILake(t)
	code, out, _ := tarn(t, "personas", "--lake", root)
	if code != 0 || !strings.Contains(out, "admin (default)  yes") || !strings.Contains(out, "sales_east") {
		t.Errorf("personas:\n%s", out)
	}
	code, out, _ = tarn(t, "access", "sales.customers", "--lake", root)
	for _, want := range []string{
		"phone        visible  visible  hidden   masked(last4)",
		"payment_id   visible  hidden   hidden   hidden",
		"rows         all      all      all      region = 'east'",
	} {
		if code != 0 || !strings.Contains(out, want) {
			t.Errorf("access matrix lacks %q:\n%s", want, out)
		}
	}
	code, out, _ = tarn(t, "access", "sales.customers", "--why", "--lake", root)
	if code != 0 || !strings.Contains(out, "analyst region: visible: grant #2 matches role=analyst assigned on sales.customers.region") {
		t.Errorf("access --why:\n%s", out)
	}
	code, out, _ = tarn(t, "catalog", "--json", "--persona", "analyst", "--lake", root)
	var doc struct {
		Tables []struct {
			Database, Name string
			Columns        []struct{ Name string }
		}
	}
	if err := json.Unmarshal([]byte(out), &doc); code != 0 || err != nil {
		t.Fatalf("catalog --persona: %v\n%s", err, out)
	}
	seen := map[string]int{}
	for _, tab := range doc.Tables {
		seen[tab.Database+"."+tab.Name] = len(tab.Columns)
	}
	if seen["sales.customers"] != 2 || seen["sales.sales"] != 6 || len(seen) != 7 {
		t.Errorf("analyst's catalog: %v (want customers with 2 columns, sales, and 5 weblogs tables)", seen)
	}
}

func TestQueryAndTagEditsFromTheCommandLine(t *testing.T) {
	root := governedCLILake(t)
	code, out, errOut := tarn(t, "query", "--lake", root, "--persona", "analyst", "SELECT * FROM sales.customers ORDER BY customer_id LIMIT 2")
	if code != 0 || !strings.HasPrefix(out, "customer_id | region\n") || !strings.Contains(out, "(2 rows)") {
		t.Errorf("query as analyst: exit %d\n%s%s", code, out, errOut)
	}
	code, _, errOut = tarn(t, "query", "--lake", root, "--persona", "analyst", "SELECT * FROM sales.items")
	if code != 1 || !strings.Contains(errOut, "tarn: Table sales.items not found") {
		t.Errorf("hidden table: exit %d, %s", code, errOut)
	}
	code, _, errOut = tarn(t, "query", "--lake", root, "--persona", "nobody", "SELECT 1")
	if code != 1 || !strings.Contains(errOut, `unknown persona "nobody"`) {
		t.Errorf("unknown persona: exit %d, %s", code, errOut)
	}

	before, _ := os.ReadFile(filepath.Join(root, perms.PolicyFile))
	code, _, errOut = tarn(t, "tags", "assign", "sales.customers.email", "role=analyst", "--as", "analyst", "--lake", root)
	if code != 1 || !strings.Contains(errOut, "only a data lake administrator may change tags; analyst is not one") {
		t.Errorf("tag edit as analyst: exit %d, %s", code, errOut)
	}
	if after, _ := os.ReadFile(filepath.Join(root, perms.PolicyFile)); string(after) != string(before) {
		t.Error("a refused tag edit changed policy.toml")
	}
	code, _, errOut = tarn(t, "tags", "assign", "sales.customers.email", "role=analyst", "--lake", root)
	if code != 0 {
		t.Fatalf("tag edit as admin: %s", errOut)
	}
	code, out, _ = tarn(t, "query", "--lake", root, "--persona", "analyst", "SELECT * FROM sales.customers LIMIT 1")
	if code != 0 || !strings.HasPrefix(out, "customer_id | email") {
		t.Errorf("after the retag the analyst sees:\n%s", out)
	}
	code, out, _ = tarn(t, "tags", "--lake", root)
	if code != 0 || !strings.Contains(out, "sales.customers.email        role=analyst") {
		t.Errorf("tags list:\n%s", out)
	}
}
