package demo_test

import (
	"testing"

	"tarn/demo"
	"tarn/perms"
)

// The walk-through's reset replaces personas, tags and grants; the
// principals who connect to the lake are people and must survive it.
func TestWalkthroughKeepsThePrincipals(t *testing.T) {
	const line = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGytvYG1eFeYX3c58UvymmJ4xqIAOXJ5VDiVAUQBB5sL ana@laptop"
	p := demo.Policy()
	if err := p.AddPrincipal(perms.Principal{Name: "ana", Persona: "analyst", Keys: []string{line}}); err != nil {
		t.Fatal(err)
	}
	if err := demo.StartWalkthrough(p); err != nil {
		t.Fatal(err)
	}
	if x, ok := p.Principal("ana"); !ok || x.Persona != "analyst" || len(x.Keys) != 1 || x.Keys[0] != line {
		t.Errorf("after the walk-through's reset ana is %+v (%v)", x, ok)
	}
}
