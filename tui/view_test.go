package tui

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"

	"tarn/demo"
	"tarn/lake"
	"tarn/perms"
	"tarn/queries"
	"tarn/themes"
)

// requireGolden compares a view, colours stripped, with
// testdata/TestName/name.golden; go test ./tui -update rewrites it.
func requireGolden(t *testing.T, name, view string) {
	t.Helper()
	t.Run(name, func(t *testing.T) { golden.RequireEqual(t, ansi.Strip(view)) })
}

// testLake is a small demo lake with the demo policy, shared by a test.
func testLake(t testing.TB) (*lake.Lake, *perms.Policy) {
	t.Helper()
	l, err := lake.Create(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := demo.Create(context.Background(), l, demo.Options{LogRows: 3000}); err != nil {
		t.Fatal(err)
	}
	if _, err := demo.WritePolicy(l.Root, l.Catalog, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := queries.WriteDemoSaved(l.Root); err != nil {
		t.Fatal(err)
	}
	pol, err := queries.LoadPolicy(l)
	if err != nil {
		t.Fatal(err)
	}
	return l, pol
}

// newTestApp is the workbench as persona at a fixed size, colourless.
func newTestApp(t testing.TB, l *lake.Lake, pol *perms.Policy, persona string, w, h int) *App {
	t.Helper()
	palettes, err := themes.Load("")
	if err != nil {
		t.Fatal(err)
	}
	a, err := New(Options{Lake: l, Policy: pol, Persona: persona, Themes: palettes, NoColor: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(a.w.shutdown)
	a.Update(a.sessionOpenedCmd()()) // the session is open, as a moment after the first frame
	a.ctx.LakeLabel = "/lake"
	a.Update(tea.WindowSizeMsg{Width: w, Height: h})
	return a
}

// fixedResult feeds the app a result as a run would, with fixed figures.
func fixedResult(a *App) {
	a.seq++
	a.run.running = true
	cols := []queries.Column{{Name: "customer_id", Type: "BIGINT"}, {Name: "region", Type: "VARCHAR"}, {Name: "note", Type: "VARCHAR"}}
	rows := [][]string{{"1", "west", "a value long enough to be cut at the column's cap of forty cells"}, {"2", "east", "NULL"}, {"3", "north", ""}}
	a.Update(queryMsg{seq: a.seq, started: true, columns: cols, rows: rows, done: true,
		stats: queries.Stats{State: queries.Succeeded, Rows: 3, DataScanned: 461516, BilledBytes: 10 << 20,
			CostUSD: queries.CostUSD(461516), EngineMS: 3.2, FetchMS: 0.4, FirstRowMS: 3.1, TotalMS: 5.0}})
}

func TestViewsAtFixedSizes(t *testing.T) {
	l, pol := testLake(t)
	for _, size := range [][2]int{{120, 35}, {80, 24}} {
		a := newTestApp(t, l, pol, "analyst", size[0], size[1])
		a.editor.SetText("SELECT customer_id, region -- who\nFROM sales.customers WHERE region = 'east' LIMIT 10")
		fixedResult(a)
		a.catalog.stats = tableStats{"sales.customers": {Files: 1, Bytes: 461516}}
		requireGolden(t, "app_analyst_"+sizeName(size), a.render())
	}
	a := newTestApp(t, l, pol, "admin", 100, 30)
	a.setFocus(paneCatalog)
	for _, k := range []string{"down", "enter", "down"} { // open customers, onto its first column
		a.Update(keyPress(k))
	}
	requireGolden(t, "catalog_admin_open_table", a.catalog.View())
	a.Update(keyPress("?"))
	requireGolden(t, "help_overlay", a.render())
}

func sizeName(s [2]int) string { return fmt.Sprintf("%dx%d", s[0], s[1]) }

// keyPress builds the message a terminal key makes.
func keyPress(k string) tea.KeyPressMsg {
	switch k {
	case "enter":
		return tea.KeyPressMsg{Code: tea.KeyEnter}
	case "down":
		return tea.KeyPressMsg{Code: tea.KeyDown}
	case "up":
		return tea.KeyPressMsg{Code: tea.KeyUp}
	case "tab":
		return tea.KeyPressMsg{Code: tea.KeyTab}
	case "esc":
		return tea.KeyPressMsg{Code: tea.KeyEscape}
	case "ctrl+j":
		return tea.KeyPressMsg{Code: 'j', Mod: tea.ModCtrl}
	case "ctrl+p":
		return tea.KeyPressMsg{Code: 'p', Mod: tea.ModCtrl}
	}
	r := []rune(k)[0]
	return tea.KeyPressMsg{Code: r, Text: k}
}

func TestComponentViews(t *testing.T) {
	l, pol := testLake(t)
	a := newTestApp(t, l, pol, "admin", 120, 35)
	e := a.editor
	e.SetSize(50, 5)
	e.SetText("SELECT host, 'x' AS s, 42 -- note\nFROM weblogs.access_log_parquet_1\nWHERE nope > 1")
	e.MarkError("Binder Error: Referenced column \"nope\" not found\n\nLINE 3: WHERE nope > 1\n              ^")
	if e.errLine != 3 || e.errCol != 6 {
		t.Errorf("error position %d:%d, want 3:6", e.errLine, e.errCol)
	}
	e.Insert("\nAND acc")
	e.Update(keyPress("tab"))
	requireGolden(t, "editor_completion", e.View())

	fixedResult(a)
	a.results.SetSize(40, 6)
	a.results.focused = true
	a.results.Update(keyPress("down"))
	requireGolden(t, "results_cursor_row2", a.results.View()+"\n"+a.results.Footer())

	requireGolden(t, "stats_succeeded", statsView(a.ctx, a.run, 24, time.Unix(0, 0)))

	m := pol.AccessMatrix(l.Catalog, mustTable(t, l, "sales.customers"))
	requireGolden(t, "access_matrix_customers", newAccessOverlay(a.ctx, m).View(90, 14))
}

func mustTable(t *testing.T, l *lake.Lake, name string) lake.Table {
	tb, ok := l.Catalog.Find(name)
	if !ok {
		t.Fatalf("no table %s", name)
	}
	return tb
}

func TestCopyCellAndRowGoThroughTheClipboardCommand(t *testing.T) {
	l, pol := testLake(t)
	a := newTestApp(t, l, pol, "admin", 120, 35)
	fixedResult(a)
	a.setFocus(paneResults)
	a.Update(keyPress("down"))
	a.Update(keyPress("right"))
	for k, want := range map[string]string{"y": "east", "Y": "2\teast\tNULL"} {
		_, cmd := a.Update(keyPress(k))
		if cmd == nil {
			t.Fatalf("%s: no command", k)
		}
		if got := fmt.Sprint(cmd()); !strings.Contains(got, want) {
			t.Errorf("%s copies %q, want %q", k, got, want)
		}
	}
}

func TestMouseFocusesAndSelects(t *testing.T) {
	l, pol := testLake(t)
	a := newTestApp(t, l, pol, "admin", 120, 35)
	fixedResult(a)
	b := a.layoutBoxes()
	a.Update(tea.MouseClickMsg{X: b.results.x + 5, Y: b.results.y + 3, Button: tea.MouseLeft}) // border, header, row 1, row 2
	if a.focus != paneResults || a.results.row != 1 {
		t.Errorf("click on the second row: focus %d, row %d", a.focus, a.results.row)
	}
	a.Update(tea.MouseClickMsg{X: 2, Y: b.catalog.y + 3, Button: tea.MouseLeft})
	if n, _ := a.catalog.Selected(); a.focus != paneCatalog || n.table == nil || n.table.Table.Name != "item_categories" {
		t.Errorf("click on the catalog's third line: focus %d, node %+v", a.focus, n)
	}
}

func TestEditorShowsAsMuchTextAsFits(t *testing.T) {
	e := newEditor(&Context{Keys: DefaultKeyMap(), Styles: themes.NewStyles(themes.Palette{}, true)})
	e.SetText("one\ntwo\nthree\nfour") // set before the pane has a size, as at start
	e.SetSize(20, 4)                   // three lines of text and the completion line
	if got := ansi.Strip(e.View()); !strings.HasPrefix(got, "two\nthree\nfour") {
		t.Errorf("editor shows %q, want the last three lines with the cursor's", got)
	}
	e.SetSize(20, 8)
	if got := ansi.Strip(e.View()); !strings.HasPrefix(got, "one\ntwo") {
		t.Errorf("with room for all, editor shows %q", got)
	}
}
