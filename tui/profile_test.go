package tui

import (
	"regexp"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"tarn/queries"
)

// onColumn puts the catalog's cursor on a column, its table opened.
func onColumn(t *testing.T, a *App, table, column string) {
	t.Helper()
	a.setFocus(paneCatalog)
	a.catalog.expanded[table] = true
	a.catalog.rebuild()
	for i, n := range a.catalog.items {
		if n.key() == table+"."+column {
			a.catalog.cursor = i
			return
		}
	}
	t.Fatalf("the catalog has no %s.%s", table, column)
}

// profiled presses i and runs the profile's command to its reply.
func profiled(t *testing.T, a *App) profiledMsg {
	t.Helper()
	_, cmd := a.Update(keyPress("i"))
	if cmd == nil {
		t.Fatal("i made no command")
	}
	_, cmd = a.Update(cmd()) // the catalog's request: the root starts the profile
	if _, ok := a.overlay.(*profileOverlay); !ok || cmd == nil {
		t.Fatalf("no profile started: overlay %T", a.overlay)
	}
	batch, ok := cmd().(tea.BatchMsg)
	if !ok {
		t.Fatal("the profile's command is not a batch")
	}
	for _, c := range batch {
		if msg, ok := c().(profiledMsg); ok {
			return msg
		}
	}
	t.Fatal("no profile came back")
	return profiledMsg{}
}

func TestProfileViewsOfAMaskedColumn(t *testing.T) {
	l, pol := testLake(t)
	for _, size := range [][2]int{{120, 35}, {80, 24}} {
		a := newTestApp(t, l, pol, "sales_east", size[0], size[1])
		onColumn(t, a, "sales.customers", "phone")
		msg := profiled(t, a)
		if msg.err != nil {
			t.Fatal(msg.err)
		}
		st := &msg.profile.Stats // times vary from run to run; the rest is the lake's
		st.PlanningMS, st.EngineMS, st.FetchMS, st.FirstRowMS, st.TotalMS = 20, 30, 0.1, 30, 50.1
		a.Update(msg)
		requireGolden(t, "profile_phone_"+sizeName(size), a.render())
	}
}

func TestProfileOfANumberDrawsItsHistogram(t *testing.T) {
	l, pol := testLake(t)
	a := newTestApp(t, l, pol, "analyst", 120, 35)
	onColumn(t, a, "weblogs.access_log_parquet_1", "size")
	msg := profiled(t, a)
	a.Update(msg)
	screen := a.render()
	if !strings.Contains(screen, "histogram") || !strings.Contains(screen, "quartiles") || !strings.Contains(screen, "█") {
		t.Errorf("a number's profile:\n%s", screen)
	}
	bars := regexp.MustCompile(`█+`).FindAllString(screen, -1)
	if len(bars) < 2 {
		t.Errorf("%d bars drawn", len(bars))
	}
}

func TestAStaleProfileIsDropped(t *testing.T) {
	l, pol := testLake(t)
	a := newTestApp(t, l, pol, "admin", 120, 35)
	onColumn(t, a, "sales.customers", "region")
	old := profiled(t, a)
	a.Update(keyPress("esc")) // closed (and cancelled) before its reply
	if a.overlay != nil {
		t.Fatal("esc left the profile open")
	}
	next := profiled(t, a)
	a.Update(old)
	if o := a.overlay.(*profileOverlay); o.done {
		t.Errorf("the reply of a closed profile (seq %d) filled the new one (seq %d)", old.seq, o.seq)
	}
	a.Update(next)
	if o := a.overlay.(*profileOverlay); !o.done || o.profile.Column != "region" {
		t.Errorf("the current reply: %+v", o.profile)
	}
}

// A results column is profiled through the query that made the result,
// as the persona: sales_east's phones stay masked, its rows east only.
func TestFlowProfileAResultColumn(t *testing.T) {
	f := startFlow(t, "sales_east")
	f.run("SELECT region, phone FROM sales.customers")
	f.waitFor("SUCCEEDED")
	f.tm.Send(tea.KeyPressMsg{Code: tea.KeyF3})
	f.keys("right", "i")
	s := f.waitFor("Profile · phone", "most frequent", "scanned")
	if !regexp.MustCompile(`min \*+\d{4}`).MatchString(s) {
		t.Errorf("the profile of sales_east's phones:\n%s", s)
	}
	f.keys("esc", "left", "i")
	s = f.waitFor("Profile · region", "most frequent")
	if !regexp.MustCompile(`east +█+ +` + regexp.QuoteMeta(queries.FormatCount(1270))).MatchString(s) {
		t.Errorf("sales_east's regions:\n%s", s)
	}
}

// On a column, i profiles and enter inserts the name; on a table, i still
// inserts its name.
func TestCatalogKeysOnAColumn(t *testing.T) {
	l, pol := testLake(t)
	a := newTestApp(t, l, pol, "admin", 120, 35)
	onColumn(t, a, "sales.customers", "phone")
	if footer := ansi.Strip(a.statusBar()); !strings.Contains(footer, "i column profile") || !strings.Contains(footer, "enter insert column name") {
		t.Errorf("the footer on a column: %s", footer)
	}
	_, cmd := a.Update(keyPress("enter"))
	if msg, ok := cmd().(insertMsg); !ok || msg.text != "phone" {
		t.Errorf("enter on a column: %#v", msg)
	}
	onColumn(t, a, "sales.customers", "phone")
	a.catalog.cursor-- // up to the column before; then onto the table
	for n, _ := a.catalog.Selected(); n.column != nil; n, _ = a.catalog.Selected() {
		a.catalog.cursor--
	}
	_, cmd = a.Update(keyPress("i"))
	if msg, ok := cmd().(insertMsg); !ok || msg.text != "sales.customers" {
		t.Errorf("i on a table: %#v", msg)
	}
}

// A profile of a result still open (more rows to fetch) runs beside it:
// the grid can still fetch the rest.
func TestFlowProfileBesideAnOpenResult(t *testing.T) {
	f := startFlow(t, "admin")
	f.run("SELECT a.status FROM weblogs.access_log_parquet_1 a, weblogs.access_log_parquet_1 b LIMIT 50000")
	f.waitFor("(more to fetch)")
	f.tm.Send(tea.KeyPressMsg{Code: tea.KeyF3})
	f.keys("i")
	f.waitFor("Profile · status", "rows 50,000", "histogram", "SUCCEEDED")
	f.keys("esc", "G")
	f.waitFor("row 50,000 of 50,000")
}

// The workgroup's limit refuses a profile as it refuses any query, and the
// overlay says so with the figures of the refusal.
func TestAProfileOverTheLimitIsRefusedInPlace(t *testing.T) {
	l, pol := testLake(t)
	for i := range pol.Workgroups {
		if pol.Workgroups[i].Name == "sales" {
			pol.Workgroups[i].BytesScannedCutoff = 1000
		}
	}
	a := newTestApp(t, l, pol, "sales_east", 120, 35)
	onColumn(t, a, "sales.customers", "phone")
	a.Update(profiled(t, a))
	screen := ansi.Strip(a.render())
	for _, want := range []string{"Bytes scanned limit was exceeded", "workgroup sales allows 1000 B", queries.Cancelled, "scanned 0 B"} {
		if !strings.Contains(screen, want) {
			t.Errorf("the refused profile's overlay lacks %q:\n%s", want, screen)
		}
	}
}
