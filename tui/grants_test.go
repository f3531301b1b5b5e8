package tui

import (
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
)

// The walk-through on stage in the workbench: the start state, then the
// grant, each edit's effect on screen before enter saves it.
func TestFlowAdministratorPlaysTheWalkThrough(t *testing.T) {
	f := startFlow(t, "admin")
	policy := f.policy
	f.keys("f4", "g")
	f.waitFor("Grants", "analyst DESCRIBE,SELECT role=analyst", "sales_east filter sales.customers rows=region = 'east'")
	f.keys("w")
	f.waitFor("walk-through's start?", "analyst loses sales.customers", "analyst loses sales.sales")
	if !strings.Contains(policy(), `persona = "analyst"`+"\n"+`permissions = ["DESCRIBE", "SELECT"]`+"\n"+`expression = { role = ["analyst"] }`) {
		t.Fatalf("the test expects the analyst's tag grant in the policy:\n%s", policy())
	}
	f.keys("enter")
	f.waitFor("demo --walkthrough")
	if strings.Contains(policy(), `expression = { role = ["analyst"] }`) {
		t.Errorf("the walk-through's start kept the analyst's grant:\n%s", policy())
	}

	typeGrant(f, "a", "analyst DESCRIBE,SELECT role=analyst")
	f.waitFor("analyst gains sales.customers (customer_id, region)")
	if strings.Contains(policy(), `expression = { role = ["analyst"] }`) {
		t.Fatal("the grant was saved before enter")
	}
	f.keys("enter")
	f.waitFor("grants add analyst DESCRIBE,SELECT role=analyst")
	if !strings.Contains(policy(), `expression = { role = ["analyst"] }`) {
		t.Errorf("the grant was not saved:\n%s", policy())
	}

	typeGrant(f, "r", "analyst SELECT sales.items")
	f.keys("enter")
	f.waitFor("no grant analyst SELECT sales.items to revoke")
}

// typeGrant opens the grants from the catalog and types a grant to add
// (a) or revoke (r).
func typeGrant(f *flow, verbKey, grant string) {
	f.keys("g")
	f.waitFor("w the walk-through's start")
	f.keys(verbKey)
	f.tm.Send(tea.PasteMsg{Content: grant})
}

func TestFlowAnalystCannotSeeGrants(t *testing.T) {
	f := startFlow(t, "analyst")
	f.keys("f4", "g")
	s := f.waitFor("Only a data lake administrator may see and change grants; analyst is not one")
	if strings.Contains(s, "leader") {
		t.Errorf("the analyst is shown others' grants:\n%s", s)
	}
}
