package perms_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"tarn/lake"
	"tarn/perms"
)

// grantEdit runs a grants command through Edit, as the CLI does.
func grantEdit(root string, cat *lake.Catalog, as, verb string, params ...string) ([]perms.Change, error) {
	change, err := perms.GrantCommand(verb, params)
	if err != nil {
		return nil, err
	}
	return perms.EditShowingEffect(root, cat, nil, as, "grants "+verb+" "+strings.Join(params, " "), change)
}

func TestGrantsAddAndRevokeWithTheirEffect(t *testing.T) {
	root, cat := newPolicyLake(t)
	cases := []struct {
		as, verb string
		params   []string
		want     string // the effect, or the error's words
	}{
		{"admin", "revoke", []string{"analyst", "DESCRIBE,SELECT", "role=analyst"},
			"[analyst loses sales.customers analyst loses sales.sales]"},
		{"admin", "add", []string{"analyst", "describe", "role=analyst"},
			"[analyst gains sales.customers (DESCRIBE only: customer_id, region) analyst gains sales.sales (DESCRIBE only: date, date_block_num, shop_id, item_id, item_price, item_cnt_day)]"},
		{"admin", "add", []string{"analyst", "SELECT", "role=analyst"},
			"[analyst gains SELECT on sales.customers analyst gains SELECT on sales.sales]"},
		{"admin", "add", []string{"analyst", "SELECT", "role=analyst"}, "already gives analyst DESCRIBE,SELECT role=analyst"},
		{"admin", "add", []string{"analyst", "SELECT", "sales.customers", "email"}, "[analyst gains sales.customers.email]"},
		{"admin", "add", []string{"analyst", "filter", "sales.customers", "rows=region = 'east'"},
			"[analyst loses rows of sales.customers outside region = 'east']"},
		{"admin", "revoke", []string{"analyst", "filter", "sales.customers"},
			"[analyst gains every row of sales.customers (was only region = 'east')]"},
		{"admin", "revoke", []string{"analyst", "filter", "sales.customers"}, "no data filter for analyst on sales.customers to revoke"},
		{"admin", "revoke", []string{"leader", "SELECT", "sales.items"}, "no grant leader SELECT sales.items to revoke"},
		{"admin", "add", []string{"analyst", "SELECT", "sales.nosuch"}, "no table sales.nosuch in the catalog"},
		{"admin", "add", []string{"analyst", "SELECT", "sales.customers", "nosuch"}, `table sales.customers has no column "nosuch"`},
		{"admin", "add", []string{"analyst", "SELECT", "pii=yes"}, `unknown tag key "pii"`},
		{"admin", "add", []string{"analyst", "SELECT", "role=boss"}, `tag key "role" has no value "boss"`},
		{"admin", "add", []string{"ghost", "SELECT", "weblogs"}, `unknown persona "ghost"`},
		{"admin", "add", []string{"analyst", "WRITE", "weblogs"}, `unknown permission "WRITE"`},
		{"leader", "add", []string{"leader", "SELECT", "sales"}, "only a data lake administrator may change tags and grants; leader is not one"},
	}
	for _, c := range cases {
		got, err := grantEdit(root, cat, c.as, c.verb, c.params...)
		text := fmt.Sprint(got)
		if err != nil {
			text = err.Error()
		}
		if !strings.Contains(text, c.want) {
			t.Errorf("%s %s %q:\n got %s\nwant %s", c.as, c.verb, c.params, text, c.want)
		}
	}
	reloaded, err := perms.Load(root, cat, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := seen(t, reloaded, cat, "analyst")["sales.customers"]; got != "customer_id email region" {
		t.Errorf("after the edits the analyst sees sales.customers as %q", got)
	}
	audit, _ := os.ReadFile(filepath.Join(root, lake.AuditFile))
	if ok, refused := strings.Count(string(audit), `"outcome":"SUCCEEDED"`), strings.Count(string(audit), `"outcome":"REFUSED"`); ok != 6 || refused != 9 { // WRITE is refused before it is an edit
		t.Errorf("audit log: %d succeeded, %d refused, want 6 and 9", ok, refused)
	}
}

func TestAPreviewChangesNothing(t *testing.T) {
	root, cat := newPolicyLake(t)
	before := policyText(t, root)
	change, err := perms.GrantCommand("add", []string{"analyst", "SELECT", "sales.items"})
	if err != nil {
		t.Fatal(err)
	}
	effect, err := perms.Preview(root, cat, nil, "admin", change)
	if err != nil || fmt.Sprint(effect) != "[analyst gains sales.items (item_name, item_id, item_category_id)]" {
		t.Errorf("preview: %v %v", effect, err)
	}
	if _, err := perms.Preview(root, cat, nil, "analyst", change); !errors.Is(err, perms.ErrNotAdmin) {
		t.Errorf("preview as analyst: %v", err)
	}
	if policyText(t, root) != before {
		t.Error("a preview changed policy.toml")
	}
}

func TestTagEditEffectNamesColumnsAndMasks(t *testing.T) {
	root, cat := newPolicyLake(t)
	change, err := perms.TagCommand(cat, "assign", []string{"sales.customers.phone", "role=analyst"})
	if err != nil {
		t.Fatal(err)
	}
	effect, err := perms.EditShowingEffect(root, cat, nil, "admin", "tags assign", change)
	if err != nil || fmt.Sprint(effect) != "[analyst gains sales.customers.phone]" {
		t.Errorf("assign: %v %v", effect, err)
	}
}
