package tui

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"

	"tarn/perms"
)

// Fixed public keys, so the views' fingerprints do not change.
const (
	anaLaptop  = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGytvYG1eFeYX3c58UvymmJ4xqIAOXJ5VDiVAUQBB5sL ana@laptop"
	anaDesktop = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIC/vndc0gqw2mw1+8762y03EBFXMjbM8HQ2fiHJSgkqG ana@desktop"
	bobBuild   = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAJ1X+H1EkIh5It3YKAy7NNdMWQ4oByYWribWPY1+Bde bob@build"
)

func TestPrincipalsViews(t *testing.T) {
	l, pol := testLake(t)
	pol.Principals = []perms.Principal{
		{Name: "ana", Persona: "analyst", Keys: []string{anaLaptop, anaDesktop}},
		{Name: "bob", Persona: "sales_east", Keys: []string{bobBuild}},
	}
	for _, size := range [][2]int{{120, 35}, {80, 24}} {
		a := newTestApp(t, l, pol, "admin", size[0], size[1])
		for _, k := range []string{"f4", "g", "p", "down"} {
			_, cmd := a.Update(keyPress(k))
			deliver(a, cmd) // g asks for the grants with a message
		}
		requireGolden(t, "principals_"+sizeName(size), a.render())
		a.Update(keyPress("d"))
		requireGolden(t, "principals_remove_"+sizeName(size), a.render())
	}
	a := newTestApp(t, l, pol, "admin", 120, 35)
	m := pol.AccessMatrix(l.Catalog, mustTable(t, l, "sales.customers"))
	requireGolden(t, "access_matrix_with_principals", newAccessOverlay(a.ctx, m).View(90, 14))
}

// An administrator adds a principal by pasting its key line, and removes
// one after confirming; each edit is saved to policy.toml.
func TestFlowAdministratorAddsAndRemovesAPrincipal(t *testing.T) {
	f := startFlow(t, "admin")
	policy := f.policy
	f.keys("f4", "g")
	f.waitFor("p principals")
	f.keys("p")
	f.waitFor("Principals", "No principals")
	f.keys("a")
	f.tm.Send(tea.PasteMsg{Content: "ana nobody " + anaLaptop})
	f.keys("enter")
	f.waitFor(`unknown persona "nobody"`)
	if strings.Contains(policy(), "[[principal]]") {
		t.Fatal("a refused principal was saved")
	}
	f.keys("esc", "a")
	f.tm.Send(tea.PasteMsg{Content: "ana analyst " + anaLaptop})
	f.keys("enter")
	f.waitFor("principals add ana --persona analyst SHA256:Fxou")
	if !strings.Contains(policy(), `name = "ana"`+"\n"+`persona = "analyst"`+"\n"+`keys = ["`+anaLaptop+`"]`) {
		t.Fatalf("ana is not in policy.toml:\n%s", policy())
	}
	f.keys("g")
	f.waitFor("p principals")
	f.keys("p")
	f.waitFor("▸ ana · analyst", "SHA256:FxouJtS25962Rpxett4XgxjdqCv64MdnMsj5ijhcyiA ana@laptop (ssh-ed25519)")
	f.keys("d")
	f.waitFor("Remove principal ana?", "ana (analyst, 1 key) can then no longer connect.")
	f.keys("esc")
	f.waitFor("a add · d remove")
	f.keys("d", "enter")
	f.waitFor("principals remove ana")
	if strings.Contains(policy(), "[[principal]]") {
		t.Errorf("ana is still in policy.toml:\n%s", policy())
	}
}

// policy is the lake's policy.toml as it is on disk now.
func (f *flow) policy() string {
	b, _ := os.ReadFile(filepath.Join(f.root, perms.PolicyFile))
	return string(b)
}

// A statement run while the principals are open may reload a policy with
// fewer of them: the cursor stays on one that exists.
func TestPrincipalsCursorFollowsAReloadedPolicy(t *testing.T) {
	l, pol := testLake(t)
	pol.Principals = []perms.Principal{
		{Name: "ana", Persona: "analyst", Keys: []string{anaLaptop}},
		{Name: "bob", Persona: "sales_east", Keys: []string{bobBuild}},
	}
	a := newTestApp(t, l, pol, "admin", 120, 35)
	v := newPrincipalsView(a.ctx)
	v.Update(keyPress("down"))
	v.Update(keyPress("d"))
	fewer := *pol
	fewer.Principals = pol.Principals[:1]
	a.ctx.Policy = &fewer
	if s := v.View(90, 20); !strings.Contains(s, "Remove principal ana?") {
		t.Errorf("after the reload the removal does not name the one left:\n%s", s)
	}
	fewer.Principals = nil
	if s := v.View(90, 20); !strings.Contains(s, "No principals") || strings.Contains(s, "Remove") {
		t.Errorf("with none left the view still asks to remove one:\n%s", s)
	}
}
