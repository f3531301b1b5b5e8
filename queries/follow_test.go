package queries_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"tarn/lake"
	"tarn/perms"
	"tarn/queries"
)

// loadedLake is the governed lake opened from disk, as the CLI and the
// workbench open it, so its sessions follow the files.
func loadedLake(t *testing.T) (*lake.Lake, *perms.Policy) {
	t.Helper()
	l, _ := governedLake(t)
	l, err := lake.Open(l.Root)
	if err != nil {
		t.Fatal(err)
	}
	pol, err := queries.LoadPolicy(l)
	if err != nil {
		t.Fatal(err)
	}
	return l, pol
}

// editPolicy changes policy.toml as another process would (tarn tags in
// another shell): through perms.Edit, as the administrator.
func editPolicy(t *testing.T, l *lake.Lake, change func(*perms.Policy) error) {
	t.Helper()
	validate := queries.CheckRowFilter
	if _, err := perms.Edit(l.Root, l.Catalog, validate, "admin", "test edit", change); err != nil {
		t.Fatal(err)
	}
}

// A revoke, a new mask and a new row filter made elsewhere apply to the
// next statement of a session that is already open.
func TestOpenSessionsFollowThePolicy(t *testing.T) {
	l, pol := loadedLake(t)
	analyst := open(t, l, pol, "analyst")
	leader := open(t, l, pol, "leader")
	cols, _, err := result(analyst, "SELECT * FROM sales.customers")
	if err != nil || strings.Join(cols, " ") != "customer_id region" {
		t.Fatalf("before: %v %v", cols, err)
	}
	before := analyst.Generation
	result(analyst, "SELECT 1")
	if analyst.Generation != before {
		t.Error("a session reloaded though nothing changed")
	}

	editPolicy(t, l, func(p *perms.Policy) error { return p.Unassign("sales.customers.region", "role") })
	cols, _, err = result(analyst, "SELECT * FROM sales.customers")
	if err != nil || strings.Join(cols, " ") != "customer_id" {
		t.Errorf("after the revoke the open session still returns %v (%v)", cols, err)
	}
	if _, _, err := result(analyst, "SELECT region FROM sales.customers"); err == nil {
		t.Error("the revoked column can still be selected")
	}

	editPolicy(t, l, func(p *perms.Policy) error {
		p.Masks = append(p.Masks, perms.Mask{Persona: "leader", Column: "sales.customers.email", Kind: "redact"})
		p.Filters[0].Rows = "region = 'north'" // the leader's filter
		return nil
	})
	_, rows, err := result(leader, "SELECT DISTINCT email, region FROM sales.customers")
	if err != nil || len(rows) != 1 || rows[0][0] != "****" || rows[0][1] != "north" {
		t.Errorf("after a new mask and row filter the leader sees %v (%v)", rows, err)
	}
	if leader.Generation == 0 {
		t.Error("the leader's session did not reload")
	}
}

// A policy that no longer loads stops every statement, rather than
// leaving the last one in force.
func TestABrokenPolicyStopsOpenSessions(t *testing.T) {
	l, pol := loadedLake(t)
	s := open(t, l, pol, "analyst")
	if _, _, err := result(s, "SELECT 1"); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(l.Root, perms.PolicyFile)
	data, _ := os.ReadFile(file)
	os.WriteFile(file, append(data, []byte("\n[[grant]]\npersona = \"nobody\"\n")...), 0o644)
	_, _, err := result(s, "SELECT customer_id FROM sales.customers")
	if err == nil || !strings.Contains(err.Error(), "policy changed and does not load") || !strings.Contains(err.Error(), "policy.toml:") {
		t.Errorf("a broken policy: %v", err)
	}
	os.WriteFile(file, data, 0o644)
	if _, _, err := result(s, "SELECT customer_id FROM sales.customers"); err != nil {
		t.Errorf("the repaired policy: %v", err)
	}
}
