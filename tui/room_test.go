package tui

import (
	"errors"
	"fmt"
	"image/color"
	"regexp"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"tarn/queries"
	"tarn/themes"
)

var (
	pgDown   = tea.KeyPressMsg{Code: tea.KeyPgDown}
	ctrlT    = tea.KeyPressMsg{Code: 't', Mod: tea.ModCtrl}
	helpF1   = tea.KeyPressMsg{Code: tea.KeyF1}
	downKey  = keyPress("down")
	enterKey = keyPress("enter")
)

// At 80x24 the help overlay is shorter than the key list: it scrolls to
// the last program key instead of cutting it off.
func TestHelpScrollsAtEightyByTwentyFour(t *testing.T) {
	l, pol := testLake(t)
	a := newTestApp(t, l, pol, "admin", 80, 24)
	press(a, helpF1)
	if s := ansi.Strip(a.render()); strings.Contains(s, "ctrl+q") || !strings.Contains(s, "more") {
		t.Fatalf("the first page shows the end or no sign of more:\n%s", s)
	}
	press(a, pgDown, pgDown, pgDown)
	s := ansi.Strip(a.render())
	for _, want := range []string{"ctrl+b", "ctrl+g", "ctrl+t", "ctrl+q"} {
		if !strings.Contains(s, want) {
			t.Errorf("after paging down the help lacks %s:\n%s", want, s)
		}
	}
	requireGolden(t, "help_80x24_end", s)
}

// Each key is listed once in the help and in the footer, and the theme
// is named once in the status bar.
func TestHelpFooterAndThemeSayEachThingOnce(t *testing.T) {
	l, pol := testLake(t)
	a := newTestApp(t, l, pol, "admin", 200, 60)
	for _, focus := range []tea.KeyPressMsg{f4, {Code: tea.KeyF2}, {Code: tea.KeyF3}} {
		press(a, focus)
		footer := lastLine(a)
		for _, k := range []string{"tab ", "esc ", "f1 ", "ctrl+e "} {
			if n := strings.Count(" "+footer, " "+k); n > 1 {
				t.Errorf("the footer lists %q %d times: %s", k, n, footer)
			}
		}
		press(a, helpF1)
		s := ansi.Strip(a.render())
		for _, entry := range [][2]string{{"ctrl+j/f5", "run"}, {"ctrl+r", "history"}, {"ctrl+e", "export results"},
			{"ctrl+o", "saved queries"}, {"ctrl+s", "save the query"}, {"f6", "run 5×, trimmed mean"}, {"", "help"}} {
			if n := countEntry(s, entry[0], entry[1]); n != 1 {
				t.Errorf("the help lists %q %d times:\n%s", entry, n, s)
			}
		}
		press(a, keyPress("esc"))
	}
	press(a, ctrlT)
	if bar := ansi.Strip(a.statusBar()); strings.Count(bar, "theme ") != 1 {
		t.Errorf("the status bar names the theme twice: %s", bar)
	}
}

// countEntry counts the help entries "KEY   DESC" on screen (any key when
// key is "").
func countEntry(screen, key, desc string) int {
	k := regexp.QuoteMeta(key)
	if key == "" {
		k = `\S+`
	}
	re := regexp.MustCompile(`(?m)(^|[ ┃│])` + k + ` +` + regexp.QuoteMeta(desc) + `( {2,}| *┃| *$)`)
	return len(re.FindAllString(screen, -1))
}

// An error longer than the results pane is cut there, says so, and opens
// whole on enter (the workgroup limit's message ended at "workgroup…").
func TestLongErrorOpensWholeOnEnter(t *testing.T) {
	l, pol := testLake(t)
	a := newTestApp(t, l, pol, "analyst", 80, 24)
	long := "Workgroup limit: this query would scan 84.2 MiB, over the 20.0 MiB per-query limit of workgroup analytics; " +
		"narrow it (a WHERE on the partition column, fewer columns) or ask an administrator to raise the limit; " +
		strings.Repeat("a wrapped error fills the pane's lines ", 12) + "and its last words"
	a.seq++
	a.run.running = true
	press(a, queryMsg{seq: a.seq, started: true, done: true, err: errors.New(long)})
	s := ansi.Strip(a.render())
	if strings.Contains(s, "its last words") || !strings.Contains(s, "enter: the whole message") {
		t.Fatalf("the cut error does not say how to see it whole:\n%s", s)
	}
	press(a, tea.KeyPressMsg{Code: tea.KeyF3}, enterKey)
	s = ansi.Strip(a.render())
	if !strings.Contains(s, "Error") || !strings.Contains(oneLine(strings.ReplaceAll(s, "┃", " ")), "its last words") {
		t.Errorf("enter did not open the whole error:\n%s", s)
	}
	requireGolden(t, "error_whole_80x24", s)
}

func TestMiddleCut(t *testing.T) {
	for _, c := range []struct {
		name  string
		width int
		want  string
	}{
		{"access_log_parquet_1000", 30, "access_log_parquet_1000"},
		{"access_log_parquet_1000", 23, "access_log_parquet_1000"},
		{"access_log_parquet_1000", 18, "access_lo…uet_1000"},
		{"access_log_parquet_1000", 2, "a…"},
		{"access_log_parquet_1000", 1, "…"},
		{"access_log_parquet_1000", 0, ""},
	} {
		if got := middleCut(c.name, c.width); got != c.want {
			t.Errorf("middleCut(%q, %d) = %q, want %q", c.name, c.width, got, c.want)
		}
	}
}

// The catalog follows the terminal's width: wide, a table's files and
// size show whole; narrow, the names still differ (their middles go).
func TestCatalogFollowsTheTerminal(t *testing.T) {
	l, pol := testLake(t)
	wide := newTestApp(t, l, pol, "admin", 200, 35)
	settle(wide, wide.Init())
	if s := ansi.Strip(wide.render()); !strings.Contains(s, "access_log_json_gz_1 json+gzip 1 file ") {
		t.Errorf("at 200 columns a table's files are cut:\n%s", s)
	}
	narrow := newTestApp(t, l, pol, "admin", 80, 24)
	settle(narrow, narrow.Init())
	s := ansi.Strip(narrow.catalog.View())
	seen := map[string]bool{}
	for _, line := range strings.Split(s, "\n") {
		if name, ok := strings.CutPrefix(strings.TrimSpace(line), "▸ access_"); ok {
			if seen[name] {
				t.Errorf("two tables read %q at 80 columns:\n%s", line, s)
			}
			seen[name] = true
		}
	}
	if len(seen) < 5 {
		t.Errorf("%d access_log tables told apart at 80 columns:\n%s", len(seen), s)
	}
}

// > and < in the catalog, and a drag of its right border, resize it,
// within bounds that leave the other panes room.
func TestCatalogResizesByKeysAndDrag(t *testing.T) {
	l, pol := testLake(t)
	a := newTestApp(t, l, pol, "admin", 120, 35)
	start := a.layoutBoxes().catalog.w
	press(a, f4, keyPress(">"))
	if w := a.layoutBoxes().catalog.w; w <= start {
		t.Fatalf("> left the catalog %d wide (was %d)", w, start)
	}
	press(a, keyPress("<"), keyPress("<"))
	if w := a.layoutBoxes().catalog.w; w >= start {
		t.Fatalf("< twice left the catalog %d wide (was %d)", w, start)
	}
	for range 40 {
		press(a, keyPress("<"))
	}
	if w := a.layoutBoxes().catalog.w; w != leastCatalog {
		t.Errorf("the narrowest catalog is %d wide, want %d", w, leastCatalog)
	}
	press(a, keyPress(">"))
	if w := a.layoutBoxes().catalog.w; w == leastCatalog {
		t.Errorf("one > after the narrowest did not widen the catalog")
	}

	border := a.layoutBoxes().catalog.w - 1
	press(a, tea.MouseClickMsg{X: border, Y: 5, Button: tea.MouseLeft},
		tea.MouseMotionMsg{X: 60, Y: 5, Button: tea.MouseLeft}, tea.MouseReleaseMsg{X: 60, Y: 5, Button: tea.MouseLeft})
	if w := a.layoutBoxes().catalog.w; w != 61 {
		t.Errorf("dragged to column 60, the catalog is %d wide, want 61", w)
	}
	if inner := a.catalog.width; inner != 59 {
		t.Errorf("the catalog draws %d columns inside a 61-column pane", inner)
	}
	press(a, tea.MouseMotionMsg{X: 30, Y: 5, Button: tea.MouseLeft})
	if w := a.layoutBoxes().catalog.w; w != 61 {
		t.Errorf("motion after the release resized the catalog to %d", w)
	}
	border = a.layoutBoxes().catalog.w - 1
	press(a, tea.MouseClickMsg{X: border, Y: 5, Button: tea.MouseLeft},
		tea.MouseMotionMsg{X: 119, Y: 5, Button: tea.MouseLeft}, tea.MouseReleaseMsg{X: 119, Y: 5, Button: tea.MouseLeft})
	if w := a.layoutBoxes().catalog.w; w != 120-leastRight {
		t.Errorf("dragged to the edge, the catalog is %d wide, want %d", w, 120-leastRight)
	}
}

// d on a table shows all the catalog knows of it, as the persona may
// know it: a row-filtered persona is not told the whole table's rows.
func TestCatalogDetailView(t *testing.T) {
	l, pol := testLake(t)
	for _, c := range []struct {
		persona string
		want    []string
		not     []string
	}{
		{"admin", []string{"Table sales.customers", "format       csv", "compression  none", "files        1", "bytes", "rows         5,000",
			"location     /lake/sales/customers (*.csv)", "tags         role=leader", "columns admin may read (6 of 6)", "email", "phone"}, nil},
		{"sales_east", []string{"rows         filtered", "masked(", "columns sales_east may read"}, []string{"5,000"}},
	} {
		t.Run(c.persona, func(t *testing.T) {
			a := newTestApp(t, l, pol, c.persona, 120, 35)
			settle(a, a.Init())
			press(a, f4, downKey, keyPress("d"))
			s := ansi.Strip(a.render())
			for _, want := range c.want {
				if !strings.Contains(s, want) {
					t.Errorf("the detail view lacks %q:\n%s", want, s)
				}
			}
			for _, not := range c.not {
				if strings.Contains(s, not) {
					t.Errorf("the detail view shows %q:\n%s", not, s)
				}
			}
			if c.persona == "admin" {
				requireGolden(t, "detail_customers_120x35", s)
			}
		})
	}
}

// A syntax error is marked where DuckDB's parser stopped, as a binder
// error is: its message names the token but not the place, so the editor
// finds it (real DuckDB messages, run through the workbench).
func TestSyntaxErrorsAreMarkedInPlace(t *testing.T) {
	l, pol := testLake(t)
	a := newTestApp(t, l, pol, "admin", 120, 35)
	for _, c := range []struct {
		sql       string
		line, col int
	}{
		{"SELEC host FROM weblogs.access_log_parquet_1", 1, 0},
		{"SELECT host\nFROM weblogs.access_log_parquet_1\nWHER status = 200", 3, 5},
		{"SELECT host FROM weblogs.access_log_parquet_1\nWHERE status = 200 AND AND bytes > 0", 2, 23},
		{"SELECT host, -- the AND here is a comment\n  status FROM weblogs.access_log_parquet_1 WHERE status = 1 AND AND 2", 2, 64},
		{"SELECT (host\nFROM weblogs.access_log_parquet_1", 2, 0},
		{"SELECT host FROM weblogs.access_log_parquet_1 WHERE status IN (1, 2", 1, 66},
		{"SELECT 'abc FROM weblogs.access_log_parquet_1", 1, 7},
	} {
		a.editor.SetText(c.sql)
		press(a, keyPress("ctrl+j"))
		if a.run.err == "" {
			t.Fatalf("%q ran without an error", c.sql)
		}
		if a.editor.errLine != c.line || a.editor.errCol != c.col {
			t.Errorf("%q: %q marked at %d:%d, want %d:%d", c.sql, a.run.err, a.editor.errLine, a.editor.errCol, c.line, c.col)
		}
	}
}

// F6 shows the rows it measured in the grid, as many as a run fetches on
// its own; a longer result says how many the grid holds of how many.
func TestMeasureFillsTheGrid(t *testing.T) {
	l, pol := testLake(t)
	a := newTestApp(t, l, pol, "admin", 120, 35)
	f6 := tea.KeyPressMsg{Code: tea.KeyF6}
	a.editor.SetText("SELECT status, count(*) AS hits FROM weblogs.access_log_parquet_1 GROUP BY status ORDER BY status")
	press(a, f6)
	if a.run.timing == nil {
		t.Fatalf("no timing: %s", a.flash)
	}
	if got, want := int64(a.results.Fetched()), a.run.stats.Rows; got != want || got == 0 {
		t.Fatalf("the grid holds %d rows of the %d measured", got, want)
	}
	s := ansi.Strip(a.render())
	for _, want := range []string{"status", "hits", "200", "(all rows)", "trimmed mean of 5 runs"} {
		if !strings.Contains(s, want) {
			t.Errorf("after F6 the screen lacks %q:\n%s", want, s)
		}
	}
	requireGolden(t, "measured_results", a.results.View()+"\n"+a.results.Footer())

	a.editor.SetText("SELECT a.status FROM weblogs.access_log_parquet_1 a, weblogs.access_log_parquet_1 b LIMIT 25000")
	press(a, f6)
	if a.run.err != "" || a.run.timing == nil {
		t.Fatalf("F6 of 25,000 rows: %s", a.flash)
	}
	if got := a.results.Fetched(); got != measuredRows {
		t.Errorf("the grid holds %d rows of 25,000, want %d", got, measuredRows)
	}
	if footer := a.results.Footer(); !strings.Contains(footer, "the first 20,000 of 25,000 rows measured; ctrl+j/f5 runs it") {
		t.Errorf("footer: %s", footer)
	}
}

// deliver runs cmd and hands its messages to the app without running
// the commands they return, which it gives back: one step of a chain.
func deliver(a *App, cmd tea.Cmd) []tea.Cmd {
	if cmd == nil {
		return nil
	}
	switch msg := cmd().(type) {
	case nil:
		return nil
	case tea.BatchMsg:
		var next []tea.Cmd
		for _, c := range msg {
			next = append(next, deliver(a, c)...)
		}
		return next
	default:
		_, c := a.Update(msg)
		return []tea.Cmd{c}
	}
}

const manyRowsSQL = "SELECT a.status, b.path FROM weblogs.access_log_parquet_1 a, weblogs.access_log_parquet_1 b LIMIT 75000"

// G fetches every row, page after page with the count in the status bar,
// the cursor ending on the last row; one press, not one per page.
func TestBottomFetchesToTheEnd(t *testing.T) {
	l, pol := testLake(t)
	a := newTestApp(t, l, pol, "admin", 120, 35)
	a.editor.SetText(manyRowsSQL)
	press(a, keyPress("ctrl+j"), tea.KeyPressMsg{Code: tea.KeyF3})
	if a.results.Fetched() >= 75000 || !a.results.More() {
		t.Fatalf("the run fetched %d rows on its own", a.results.Fetched())
	}
	_, cmd := a.Update(keyPress("G"))
	next := deliver(a, cmd)
	if !strings.Contains(a.flash, "fetching every row: ") || !strings.Contains(a.flash, "(esc stops)") {
		t.Errorf("no progress after the first page: %q", a.flash)
	}
	for _, c := range next {
		settle(a, c)
	}
	if got := a.results.Fetched(); got != 75000 || a.results.More() {
		t.Fatalf("after G %d rows fetched (more: %v), want all 75,000", got, a.results.More())
	}
	if a.results.row != 74999 {
		t.Errorf("the cursor is on row %d, want the last", a.results.row+1)
	}
	if footer := a.results.Footer(); !strings.HasPrefix(footer, "row 75,000 of 75,000 fetched (all rows)") {
		t.Errorf("footer: %s", footer)
	}
	if a.run.running || a.run.stats.State != "SUCCEEDED" {
		t.Errorf("the query did not finish: running %v, %s", a.run.running, a.run.stats.State)
	}
}

// esc while G fetches stops the fetching and keeps the rows open.
func TestEscStopsFetchingToTheEnd(t *testing.T) {
	l, pol := testLake(t)
	a := newTestApp(t, l, pol, "admin", 120, 35)
	a.editor.SetText(manyRowsSQL)
	press(a, keyPress("ctrl+j"), tea.KeyPressMsg{Code: tea.KeyF3})
	_, cmd := a.Update(keyPress("G"))
	next := deliver(a, cmd)
	press(a, keyPress("esc"))
	if !strings.Contains(a.flash, "stopped fetching at") {
		t.Errorf("esc said %q", a.flash)
	}
	for _, c := range next {
		settle(a, c)
	}
	if a.results.Fetched() >= 75000 || !a.results.More() {
		t.Errorf("esc did not stop the fetching: %d rows", a.results.Fetched())
	}
	if a.run.stats.State == "CANCELLED" || a.results.failure != "" {
		t.Errorf("esc cancelled the query instead of stopping the fetching: %s", a.run.stats.State)
	}
}

// F6's six runs are one history entry with their times, and / filters
// the history.
func TestHistoryGroupsRepeatsAndFilters(t *testing.T) {
	l, pol := testLake(t)
	a := newTestApp(t, l, pol, "admin", 120, 35)
	a.editor.SetText("SELECT count(*) AS n FROM weblogs.access_log_parquet_1")
	press(a, keyPress("ctrl+j"))
	a.editor.SetText("SELECT status FROM weblogs.access_log_parquet_1 WHERE status = 404")
	press(a, tea.KeyPressMsg{Code: tea.KeyF6})
	a.editor.SetText("SELECT host FROM weblogs.access_log_parquet_1 LIMIT 1")
	press(a, keyPress("ctrl+j"), tea.KeyPressMsg{Code: 'r', Mod: tea.ModCtrl})
	list, ok := a.overlay.(*listOverlay)
	if !ok {
		t.Fatalf("no history: %T %s", a.overlay, a.flash)
	}
	if len(list.items) != 3 {
		t.Errorf("%d history entries, want 3 (F6's six runs as one):\n%s", len(list.items), ansi.Strip(a.render()))
	}
	s := ansi.Strip(a.render())
	if !strings.Contains(s, "×6 SELECT status FROM") {
		t.Errorf("the repeats are not one entry marked ×6:\n%s", s)
	}
	press(a, downKey)
	if s := ansi.Strip(a.render()); !strings.Contains(s, "6 runs: ") {
		t.Errorf("the grouped entry's detail lacks its runs:\n%s", s)
	}
	press(a, seq(keyPress("/"), text("count"))...)
	if len(list.items) != 1 || !strings.Contains(list.items[0].text, "count(*)") {
		t.Fatalf("the filter kept %d entries", len(list.items))
	}
	press(a, enterKey)
	if s := ansi.Strip(a.render()); !strings.Contains(s, "filter: count (1 of 3") {
		t.Errorf("the filter is not shown:\n%s", s)
	}
	press(a, enterKey)
	if a.overlay != nil || !strings.Contains(a.editor.Text(), "count(*)") {
		t.Errorf("enter did not load the filtered entry: %q", a.editor.Text())
	}
}

func TestRepeatGroups(t *testing.T) {
	run := func(sql, group string) queries.Query { return queries.Query{SQL: sql, Group: group} }
	for _, c := range []struct {
		name string
		runs []queries.Query
		want []int
	}{
		{"one measurement", []queries.Query{run("a", "g1"), run("a", "g1"), run("a", "g1")}, []int{3}},
		{"by hand, twice", []queries.Query{run("a", ""), run("a", "")}, []int{1, 1}},
		{"a compare's layouts are one entry", []queries.Query{run("a", "g1"), run("b", "g1"), run("c", "g1")}, []int{3}},
		{"another session's query between", []queries.Query{run("a", "g1"), run("x", ""), run("a", "g1")}, []int{2, 1}},
		{"two measurements", []queries.Query{run("a", "g1"), run("a", "g2")}, []int{1, 1}},
	} {
		var got []int
		for _, g := range repeatGroups(c.runs) {
			got = append(got, len(g))
		}
		if fmt.Sprint(got) != fmt.Sprint(c.want) {
			t.Errorf("%s: groups %v, want %v", c.name, got, c.want)
		}
	}
}

// The light theme paints the terminal's background with its own, so its
// dark text is readable on a dark terminal; the dark theme keeps the
// terminal's, and NO_COLOR sets none.
func TestLightThemeSetsItsBackground(t *testing.T) {
	l, pol := testLake(t)
	palettes, err := themes.Load("")
	if err != nil {
		t.Fatal(err)
	}
	for _, noColor := range []bool{false, true} {
		a, err := New(Options{Lake: l, Policy: pol, Persona: "admin", Themes: palettes, Theme: "light", NoColor: noColor})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(a.w.shutdown)
		a.Update(tea.WindowSizeMsg{Width: 100, Height: 30})
		v := a.View()
		if noColor {
			if v.BackgroundColor != nil {
				t.Errorf("NO_COLOR, yet the background is set to %v", v.BackgroundColor)
			}
			continue
		}
		if !sameColour(v.BackgroundColor, "#ffffff") || !sameColour(v.ForegroundColor, "#262626") {
			t.Errorf("light theme: background %v, text %v, want #ffffff and #262626", v.BackgroundColor, v.ForegroundColor)
		}
		press(a, ctrlT, ctrlT) // light -> high-contrast -> dark
		if v := a.View(); a.ctx.Styles.Name != "dark" || v.BackgroundColor != nil {
			t.Errorf("theme %s sets the background %v, want the terminal's own", a.ctx.Styles.Name, v.BackgroundColor)
		}
	}
}

func sameColour(c color.Color, hex string) bool {
	if c == nil {
		return false
	}
	r, g, b, _ := c.RGBA()
	return fmt.Sprintf("#%02x%02x%02x", r>>8, g>>8, b>>8) == hex
}
