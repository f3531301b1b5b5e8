package main

import (
	"encoding/json"
	"strings"
	"testing"

	"tarn/engines"
)

// accessJSON runs `tarn access --json` and decodes it.
func accessJSON(t *testing.T, root string, args ...string) engines.AccessDoc {
	t.Helper()
	code, out, errOut := tarn(t, append([]string{"access", "--json", "--lake", root}, args...)...)
	var doc engines.AccessDoc
	if code != 0 {
		t.Fatalf("access --json: exit %d: %s", code, errOut)
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("access --json is not JSON: %v\n%s", err, out)
	}
	return doc
}

func TestAccessJSONIsTheMatrixAsData(t *testing.T) {
	root := governedCLILake(t)
	if code, _, errOut := tarn(t, "grants", "add", "analyst", "DESCRIBE", "sales.shops", "--lake", root); code != 0 {
		t.Fatal(errOut)
	}
	doc := accessJSON(t, root)
	if len(doc.Tables) != 10 {
		t.Fatalf("want every table of the demo lake, got %d", len(doc.Tables))
	}
	customers, _ := doc.Table("sales.customers")
	east := customers.Personas["sales_east"]
	if east.Access != "select" || east.Columns["phone"] != "masked:last4" || east.Columns["payment_id"] != "hidden" ||
		east.Columns["name"] != "visible" || east.RowFilter == nil || *east.RowFilter != "region = 'east'" {
		t.Errorf("sales_east on sales.customers: %+v", east)
	}
	if analyst := customers.Personas["analyst"]; analyst.RowFilter != nil || analyst.Columns["email"] != "hidden" {
		t.Errorf("analyst on sales.customers: %+v", analyst)
	}
	shops, _ := doc.Table("sales.shops")
	if got := shops.Personas["analyst"]; got.Access != "describe" || got.Columns["shop_name"] != "visible" {
		t.Errorf("analyst with DESCRIBE on sales.shops: %+v", got)
	}
	if got := shops.Personas["sales_east"]; got.Access != "none" || got.Columns["shop_id"] != "hidden" {
		t.Errorf("sales_east on sales.shops: %+v", got)
	}
	one := accessJSON(t, root, "sales.shops")
	if len(one.Tables) != 1 || one.Tables[0].Table != "sales.shops" || len(one.Tables[0].Personas) != 4 {
		t.Errorf("access --json sales.shops: %+v", one)
	}
	code, _, errOut := tarn(t, "access", "--json", "--persona", "analyst", "--lake", root)
	if code == 0 || !strings.Contains(errOut, "administrators") {
		t.Errorf("a non-administrator read the matrix: exit %d %s", code, errOut)
	}
	if code, _, errOut := tarn(t, "access", "--json", "sales.nope", "--lake", root); code == 0 || !strings.Contains(errOut, "no table sales.nope") {
		t.Errorf("unknown table: exit %d %s", code, errOut)
	}
}
