package tui

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"tarn/lake"
	"tarn/perms"
	"tarn/queries"
	"tarn/themes"
)

// A served workbench (tarn serve) names its principal, key and address in
// the audit records of its queries and of its policy edits.
func TestFlowServedWorkbenchAuditsThePrincipal(t *testing.T) {
	l, pol := testLake(t)
	palettes, err := themes.Load("")
	if err != nil {
		t.Fatal(err)
	}
	id := perms.Identity{Principal: "boss", KeyFingerprint: "SHA256:abc", RemoteAddr: "127.0.0.1:4242"}
	a, err := New(Options{Lake: l, Policy: pol, Persona: "admin", Themes: palettes, NoColor: true,
		Served: &Served{Options: queries.Options{Identity: id}, Persona: "admin", Admin: true}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(a.Close)
	a.ctx.LakeLabel = "/lake" // a short label leaves the status bar room for the flash
	a.Update(tea.WindowSizeMsg{Width: 120, Height: 35})
	tm := teatest.NewTestModel(t, probed{a}, teatest.WithInitialTermSize(120, 35))
	t.Cleanup(func() { tm.Quit() })
	f := &flow{t, tm, l.Root}
	f.waitFor("persona admin")
	f.run("SELECT 42 AS answer")
	f.waitFor("SUCCEEDED")
	f.keys("f4")
	typeGrant(f, "a", "analyst DESCRIBE,SELECT sales.items")
	f.keys("enter")
	f.waitFor("grants add analyst DESCRIBE,SELECT sales.items")

	kinds := map[string]int{}
	file, err := os.Open(filepath.Join(l.Root, lake.AuditFile))
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	for sc := bufio.NewScanner(file); sc.Scan(); {
		var rec struct {
			Kind string `json:"kind"`
			perms.Identity
		}
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			t.Fatal(err)
		}
		if rec.Identity == id {
			kinds[rec.Kind]++
		}
	}
	if kinds["query"] != 2 || kinds["policy_edit"] != 1 {
		t.Errorf("audit records naming the principal by kind: %v, want 2 query (RUNNING and final) and 1 policy_edit", kinds)
	}
}
