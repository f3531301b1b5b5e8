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
	if code != 1 || !strings.Contains(errOut, "only a data lake administrator may change tags and grants; analyst is not one") {
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

// A table a persona may not see gets exactly the words of a table that
// does not exist, in every command; nothing of it is printed.
func TestHiddenTablesAreNotFoundInEveryCommand(t *testing.T) {
	root := governedCLILake(t)
	if code, _, errOut := tarn(t, "saved", "add", "shop_list", "--table", "sales.shops", "--lake", root, "SELECT * FROM {table}"); code != 0 {
		t.Fatalf("admin's saved query: %s", errOut)
	}
	cases := []struct {
		name string
		args func(table string) []string
	}{
		{"query", func(tb string) []string { return []string{"query", "--persona", "analyst", "SELECT * FROM " + tb} }},
		{"query bare name", func(tb string) []string {
			return []string{"query", "--persona", "analyst", "SELECT * FROM " + strings.TrimPrefix(tb, "sales.")}
		}},
		{"bench", func(tb string) []string {
			return []string{"bench", "--persona", "analyst", "--tables", tb, "--runs", "1", "--warmup", "0"}
		}},
		{"access", func(tb string) []string { return []string{"access", "--persona", "analyst", tb} }},
		{"saved add", func(tb string) []string {
			return []string{"saved", "add", "mine", "--persona", "analyst", "--table", tb, "SELECT * FROM {table}"}
		}},
	}
	for _, c := range cases {
		hiddenCode, hiddenOut, hiddenErr := tarn(t, append(c.args("sales.shops"), "--lake", root)...)
		missingCode, missingOut, missingErr := tarn(t, append(c.args("sales.nope"), "--lake", root)...)
		hiddenErr = strings.ReplaceAll(hiddenErr, "shops", "nope")
		if hiddenCode == 0 || hiddenCode != missingCode || hiddenOut != missingOut || hiddenErr != missingErr {
			t.Errorf("%s: a hidden table (exit %d, %q, %q) differs from a missing one (exit %d, %q, %q)",
				c.name, hiddenCode, hiddenOut, hiddenErr, missingCode, missingOut, missingErr)
		}
	}
	for _, args := range [][]string{{"catalog", "--persona", "analyst"}, {"saved", "--persona", "analyst"}} {
		code, out, _ := tarn(t, append(args, "--lake", root)...)
		if code != 0 || strings.Contains(out, "shops") || strings.Contains(out, "shop_list") {
			t.Errorf("%v shows the hidden table:\n%s", args, out)
		}
	}
	if _, out, _ := tarn(t, "saved", "--lake", root); !strings.Contains(out, "shop_list") {
		t.Errorf("the administrator's saved queries lack shop_list:\n%s", out)
	}
	// Another workgroup's history is refused (its name is no secret:
	// tarn personas lists workgroups).
	code, out, otherErr := tarn(t, "history", "--persona", "analyst", "--workgroup", "primary", "--lake", root)
	if code != 1 || out != "" || !strings.Contains(otherErr, `the history of workgroup "primary" is its members' and the administrators'`) {
		t.Errorf("another workgroup's history: exit %d, %q %q", code, out, otherErr)
	}
}

// Names that become paths are names: a workgroup "../../x" in the policy
// is refused where it stands, and history takes workgroup names only.
func TestNamesThatBecomePathsAreChecked(t *testing.T) {
	root := governedCLILake(t)
	code, _, errOut := tarn(t, "history", "--workgroup", "../../audit", "--lake", root)
	if code != 1 || !strings.Contains(errOut, `no workgroup "../../audit"`) {
		t.Errorf("history --workgroup ../../audit: exit %d, %s", code, errOut)
	}
	policy := filepath.Join(root, perms.PolicyFile)
	data, _ := os.ReadFile(policy)
	// Without [[workgroup]] entries a persona's workgroup is still a name.
	text := string(data)
	text = strings.ReplaceAll(text, "[[workgroup]]", "[[wg_removed]]")
	text = strings.Replace(text, `workgroup = "analytics"`, `workgroup = "../../x"`, 1)
	var kept []string
	for _, block := range strings.Split(text, "\n\n") {
		if !strings.HasPrefix(strings.TrimSpace(block), "[[wg_removed]]") {
			kept = append(kept, block)
		}
	}
	os.WriteFile(policy, []byte(strings.Join(kept, "\n\n")), 0o644)
	code, _, errOut = tarn(t, "query", "--persona", "analyst", "SELECT 1", "--lake", root)
	if code != 1 || !strings.Contains(errOut, "policy.toml:") || !strings.Contains(errOut, `workgroup: "../../x" must be lower-case letters`) {
		t.Errorf("a workgroup path in the policy: exit %d, %s", code, errOut)
	}
	if _, err := os.Stat(filepath.Join(root, "..", "x.jsonl")); err == nil {
		t.Error("a history file was written outside the lake")
	}
}

// A persona whose row filter narrows a table does not get the table's
// whole row count as its own.
func TestCatalogSaysWhenRowsAreFiltered(t *testing.T) {
	root := governedCLILake(t)
	_, out, _ := tarn(t, "catalog", "--persona", "sales_east", "--lake", root)
	var line string
	for _, l := range strings.Split(out, "\n") {
		if strings.Contains(l, "customers") {
			line = l
		}
	}
	if !strings.Contains(line, "filtered") || strings.Contains(line, "5,000") {
		t.Errorf("sales_east's customers line: %q", line)
	}
	_, out, _ = tarn(t, "catalog", "--json", "--persona", "sales_east", "--lake", root)
	var doc struct {
		Tables []struct {
			Name     string
			Rows     *int64 `json:"rows"`
			Filtered bool   `json:"rows_filtered"`
		}
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	for _, tab := range doc.Tables {
		if (tab.Name == "customers") != tab.Filtered || tab.Filtered != (tab.Rows == nil) {
			t.Errorf("%s: rows %v, rows_filtered %v", tab.Name, tab.Rows, tab.Filtered)
		}
	}
}

// `tarn --persona P` with no command acts as P (it failed: "flag provided
// but not defined: -persona"); off a terminal it prints P's catalog.
func TestPersonaBeforeTheCommand(t *testing.T) {
	root := governedCLILake(t)
	code, out, errOut := tarn(t, "--lake", root, "--persona", "sales_east")
	if code != 0 || !strings.Contains(out, "6 tables") || strings.Contains(out, "shops") {
		t.Errorf("tarn --persona sales_east: exit %d, %s %s", code, out, errOut)
	}
	code, out, _ = tarn(t, "--lake", root, "--persona", "analyst", "query", "--format", "csv", "SELECT * FROM sales.customers LIMIT 1")
	if code != 0 || !strings.HasPrefix(out, "customer_id,region\n") {
		t.Errorf("tarn --persona analyst query: exit %d, %s", code, out)
	}
}

// A persona who is not an administrator knows only the LF-Tags it was
// granted, as Lake Formation shows a principal: the analyst's grants name
// role=analyst, so role=leader is not shown to it anywhere.
func TestTagsShownAreTheTagsGranted(t *testing.T) {
	root := governedCLILake(t)
	_, out, _ := tarn(t, "tags", "--as", "analyst", "--lake", root)
	if strings.Contains(out, "leader") || !strings.Contains(out, "sales.customers.region       role=analyst") {
		t.Errorf("the analyst's tags:\n%s", out)
	}
	_, out, _ = tarn(t, "tags", "--lake", root)
	if !strings.Contains(out, "role  leader, analyst") || !strings.Contains(out, "sales.customers              role=leader") {
		t.Errorf("the administrator's tags:\n%s", out)
	}
}
