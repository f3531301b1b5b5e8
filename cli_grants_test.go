package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"tarn/perms"
)

func TestGrantsFromTheCommandLine(t *testing.T) {
	root := governedCLILake(t)
	policy := func() string {
		b, _ := os.ReadFile(filepath.Join(root, perms.PolicyFile))
		return string(b)
	}
	code, out, _ := tarn(t, "grants", "--lake", root)
	if code != 0 || !strings.Contains(out, "2  analyst     DESCRIBE,SELECT  role=analyst") ||
		!strings.Contains(out, "sales_east  sales.customers rows=region = 'east' exclude=payment_id") {
		t.Errorf("grants list: exit %d\n%s", code, out)
	}
	code, out, _ = tarn(t, "grants", "--as", "analyst", "--lake", root)
	if code != 0 || strings.Contains(out, "leader") || !strings.Contains(out, "5  analyst  DESCRIBE,SELECT  weblogs") {
		t.Errorf("an analyst's grants list shows more than its own:\n%s", out)
	}

	before := policy()
	code, _, errOut := tarn(t, "grants", "add", "analyst", "SELECT", "sales", "--as", "analyst", "--lake", root)
	if code != 1 || !strings.Contains(errOut, "only a data lake administrator may change tags and grants; analyst is not one") {
		t.Errorf("grant by analyst: exit %d, %s", code, errOut)
	}
	code, out, _ = tarn(t, "grants", "revoke", "analyst", "DESCRIBE,SELECT", "role=analyst", "--dry-run", "--lake", root)
	if code != 0 || !strings.Contains(out, "effect:\n  analyst loses sales.customers\n  analyst loses sales.sales\n") || !strings.Contains(out, "not saved (--dry-run)") {
		t.Errorf("dry run: exit %d\n%s", code, out)
	}
	if policy() != before {
		t.Error("a refused grant or a dry run changed policy.toml")
	}
	code, _, errOut = tarn(t, "grants", "revoke", "analyst", "SELECT", "sales.items", "--lake", root)
	if code != 1 || !strings.Contains(errOut, "no grant analyst SELECT sales.items to revoke") {
		t.Errorf("revoke of a missing grant: exit %d, %s", code, errOut)
	}
	code, _, errOut = tarn(t, "grants", "add", "analyst", "SELECT", "sales.customers", "emial", "--lake", root)
	if code != 1 || !strings.Contains(errOut, `table sales.customers has no column "emial"`) {
		t.Errorf("grant on a missing column: exit %d, %s", code, errOut)
	}
	code, _, errOut = tarn(t, "grants", "add", "analyst", "--lake", root)
	if code != 1 || !strings.Contains(errOut, "usage: tarn grants add PERSONA") {
		t.Errorf("grant without a target: exit %d, %s", code, errOut)
	}

	code, out, errOut = tarn(t, "grants", "add", "analyst", "SELECT", "sales.customers", "email", "--lake", root)
	if code != 0 || !strings.Contains(out, "  analyst gains sales.customers.email\n") {
		t.Fatalf("grant add: exit %d\n%s%s", code, out, errOut)
	}
	code, out, _ = tarn(t, "query", "--lake", root, "--persona", "analyst", "SELECT * FROM sales.customers LIMIT 1")
	if code != 0 || !strings.HasPrefix(out, "customer_id | email") || !strings.Contains(out, "| region\n") || strings.Contains(out, "phone") {
		t.Errorf("after the grant the analyst reads:\n%s", out)
	}
}

func TestTagEditsShowTheirEffect(t *testing.T) {
	root := governedCLILake(t)
	code, out, errOut := tarn(t, "tags", "assign", "sales.customers.email", "role=analyst", "--dry-run", "--lake", root)
	if code != 0 || !strings.Contains(out, "  analyst gains sales.customers.email\n") || !strings.Contains(out, "not saved") {
		t.Errorf("tags --dry-run: exit %d\n%s%s", code, out, errOut)
	}
	code, out, _ = tarn(t, "query", "--lake", root, "--persona", "analyst", "SELECT * FROM sales.customers LIMIT 1")
	if code != 0 || !strings.HasPrefix(out, "customer_id | region\n") {
		t.Errorf("a dry run changed what the analyst reads:\n%s", out)
	}
	code, out, _ = tarn(t, "tags", "assign", "sales.customers", "role=analyst", "--lake", root)
	for _, want := range []string{"analyst gains sales.customers.name", "analyst gains sales.customers.payment_id"} {
		if code != 0 || !strings.Contains(out, want) {
			t.Errorf("tags assign lacks %q:\n%s", want, out)
		}
	}
}

// The README's five commands, in order, on a demo lake whose policy a
// presenter had already changed.
func TestTheWalkThroughInFiveCommands(t *testing.T) {
	root := governedCLILake(t)
	if code, _, errOut := tarn(t, "grants", "add", "analyst", "SELECT", "sales.items", "--lake", root); code != 0 {
		t.Fatal(errOut)
	}
	code, out, errOut := tarn(t, "demo", "--walkthrough", "--lake", root)
	if code != 0 || !strings.Contains(out, "analyst loses sales.items") || !strings.Contains(out, "analyst loses sales.customers") {
		t.Fatalf("demo --walkthrough: exit %d\n%s%s", code, out, errOut)
	}
	code, out, _ = tarn(t, "catalog", "--persona", "analyst", "--lake", root)
	if code != 0 || strings.Contains(out, "sales ") || !strings.Contains(out, "access_log_parquet_1") {
		t.Errorf("the analyst's catalog at the start lists a sales table, or no weblogs:\n%s", out)
	}
	code, _, errOut = tarn(t, "query", "--persona", "analyst", "--lake", root, "SELECT * FROM sales.customers")
	if code != 1 || !strings.Contains(errOut, "Table sales.customers not found") {
		t.Errorf("the analyst's query at the start: exit %d, %s", code, errOut)
	}
	code, out, errOut = tarn(t, "grants", "add", "analyst", "DESCRIBE,SELECT", "role=analyst", "--lake", root)
	if code != 0 || !strings.Contains(out, "analyst gains sales.customers (customer_id, region)") {
		t.Fatalf("the grant: exit %d\n%s%s", code, out, errOut)
	}
	code, out, _ = tarn(t, "query", "--persona", "analyst", "--lake", root, "SELECT * FROM sales.customers LIMIT 1")
	if code != 0 || !strings.HasPrefix(out, "customer_id | region\n") {
		t.Errorf("after the grant the analyst reads:\n%s", out)
	}
	code, out, _ = tarn(t, "demo", "--walkthrough", "--lake", root)
	if code != 0 || !strings.Contains(out, "analyst loses sales.customers\n") {
		t.Errorf("a second start does not take the grant back:\n%s", out)
	}
}
