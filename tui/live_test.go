package tui

import (
	"strings"
	"testing"

	"tarn/lake"
	"tarn/perms"
)

// An administrator's revoke, made elsewhere while the analyst's result
// waits for its next page, stops the result when the cursor asks for
// more: the results pane says the policy changed and what.
func TestFlowAnOpenResultStopsWhenThePolicyChanges(t *testing.T) {
	f := startFlow(t, "analyst")
	// 25,000,000 rows: the first 20,000 come at once, the rest wait for the cursor.
	f.run("SELECT a.customer_id, b.region FROM sales.customers a, sales.customers b")
	f.waitFor("more to fetch")
	f.editAsAdmin("tags unassign sales.customers.region role", func(p *perms.Policy) error {
		return p.Unassign("sales.customers.region", "role")
	})
	f.keys("f3", "G")
	s := f.waitFor("(stopped: policy changed)", "the policy changed while this result was open", "hidden from analyst", "CANCELLED")
	for _, region := range []string{" west ", " east ", " north ", " south "} {
		if strings.Contains(s, region) {
			t.Errorf("rows of the revoked column are still on screen:\n%s", s)
		}
	}
}

// editAsAdmin changes the policy as another process would (tarn tags in
// another shell): through perms.Edit, as the administrator.
func (f *flow) editAsAdmin(what string, change func(*perms.Policy) error) {
	f.t.Helper()
	l, err := lake.Open(f.root)
	if err != nil {
		f.t.Fatal(err)
	}
	if _, err := perms.Edit(f.root, l.Catalog, nil, "admin", what, change); err != nil {
		f.t.Fatal(err)
	}
}
