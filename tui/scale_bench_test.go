package tui

import (
	"testing"

	tea "charm.land/bubbletea/v2"

	"tarn/internal/testlake"
	"tarn/lake"
	"tarn/perms"
)

// Issue 15's catalog size: the workbench on the generated lake of 10,000
// tables (100 databases x 100 tables in mixed formats, 20,000 files; its
// policy tags a third of the tables for the analyst). Targets: first
// frame under 200 ms, a filter keypress under 16 ms, a persona switch
// under 50 ms, the access matrix at once. scripts/scale-catalog.sh runs them.

func tenThousandTables(b *testing.B) (*lake.Lake, *perms.Policy) {
	b.Helper()
	return testlake.ManyTables(b, testlake.TenThousandTables)
}

// BenchmarkFirstFrame10000Tables opens the workbench as the analyst
// (visibility, catalog tree, completion names) and draws the first frame;
// the session opens meanwhile (BenchmarkSessionOpen10000Tables).
func BenchmarkFirstFrame10000Tables(b *testing.B) {
	l, pol := tenThousandTables(b)
	for b.Loop() {
		startAndDraw(b, l, pol, "analyst", 160, 48)
	}
}

// BenchmarkSessionOpen10000Tables opens the analyst's DuckDB session
// (schemas, the sandbox of 3,334 folders), which happens in the
// background of the first frame and of a switch to the analyst; a
// statement run at once waits for it.
func BenchmarkSessionOpen10000Tables(b *testing.B) {
	l, pol := tenThousandTables(b)
	vis, err := pol.Visibility(l.Catalog, "analyst")
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		w := startWorker(nil, l, pol, vis)
		if err := w.wait(); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		w.shutdown()
		b.StartTimer()
	}
}

// BenchmarkCatalogFilterKeypress types one letter into the catalog's
// filter (then deletes it) and draws the frame after each key.
func BenchmarkCatalogFilterKeypress(b *testing.B) {
	l, pol := tenThousandTables(b)
	a := newTestApp(b, l, pol, "leader", 160, 48)
	a.setFocus(paneCatalog)
	a.Update(keyPress("/"))
	a.Update(keyPress("t"))
	keys := []tea.KeyPressMsg{keyPress("0"), {Code: tea.KeyBackspace}}
	i := 0
	for b.Loop() {
		a.Update(keys[i%2])
		i++
		mustDraw(b, a)
	}
	if !a.catalog.Editing() || len(a.catalog.items) < 1000 {
		b.Fatalf("the filter is not being typed: %d rows, editing %v", len(a.catalog.items), a.catalog.Editing())
	}
}

// BenchmarkPersonaSwitch switches between the leader and the analyst as
// the persona picker does (lake and policy checked, visibility, the tree
// rebuilt) and draws the new persona's frame: what the user waits for.
// The new session opens meanwhile; it is waited for, and the old one
// closed, off the clock.
func BenchmarkPersonaSwitch(b *testing.B) {
	l, pol := tenThousandTables(b)
	a := newTestApp(b, l, pol, "leader", 160, 48)
	personas := []string{"analyst", "leader"}
	i := 0
	for b.Loop() {
		old := a.w
		msg := switchPersonaCmd(a, personas[i%2], "")().(personaMsg)
		i++
		if msg.err != nil {
			b.Fatal(msg.err)
		}
		a.Update(msg)
		mustDraw(b, a)
		b.StopTimer()
		if err := msg.w.wait(); err != nil {
			b.Fatal(err)
		}
		old.shutdown()
		b.StartTimer()
	}
	a.w.shutdown()
}

// BenchmarkAccessMatrixOpen opens the access matrix (ctrl+a) of a table
// as the admin and draws it.
func BenchmarkAccessMatrixOpen(b *testing.B) {
	l, pol := tenThousandTables(b)
	a := newTestApp(b, l, pol, "admin", 160, 48)
	a.setFocus(paneCatalog)
	a.Update(keyPress("down"))
	for b.Loop() {
		a.openAccess(a.catalog.items[a.catalog.cursor].table.Table)
		mustDraw(b, a)
		a.overlay = nil
	}
}

// Switching persona reads lake.toml and policy.toml again only when one
// changed on disk since they were read.
func TestPersonaSwitchReadsTheLakeAgainOnlyWhenChanged(t *testing.T) {
	l, pol := testLake(t)
	a := newTestApp(t, l, pol, "admin", 120, 35)
	msg := switchPersonaCmd(a, "analyst", "")().(personaMsg)
	if msg.err != nil || msg.lake != a.ctx.Lake || msg.pol != a.ctx.Policy {
		t.Fatalf("unchanged files were read again (err %v)", msg.err)
	}
	msg.w.shutdown()
	elsewhere, err := lake.Open(l.Root) // another tarn
	if err != nil {
		t.Fatal(err)
	}
	if err := elsewhere.Update(func(c *lake.Catalog) error { c.Tables[0].Description = "edited elsewhere"; return nil }); err != nil {
		t.Fatal(err)
	}
	msg = switchPersonaCmd(a, "analyst", "")().(personaMsg)
	if msg.err != nil || msg.lake == a.ctx.Lake || msg.lake.Catalog.Tables[0].Description != "edited elsewhere" {
		t.Fatalf("a changed lake.toml was not read again (err %v)", msg.err)
	}
	msg.w.shutdown()
}
