package tui

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"tarn/queries"
)

// plotQueries are a demo-lake query for each kind tarn chooses.
var plotQueries = []struct{ kind, sql string }{
	{"bar", "SELECT status, count(*) AS n FROM weblogs.access_log_parquet_1 GROUP BY 1 ORDER BY 1"},
	{"line", "SELECT time_bucket(INTERVAL 10 MINUTE, time) AS at, count(*) AS n FROM weblogs.access_log_parquet_1 GROUP BY 1 ORDER BY 1"},
	{"scatter", "SELECT size, length(path) AS path_length FROM weblogs.access_log_parquet_1"},
	{"histogram", "SELECT size FROM weblogs.access_log_parquet_1"},
}

// runInResults runs sql as the workbench does and focuses the grid.
func runInResults(a *App, sql string) {
	a.editor.SetText(sql)
	press(a, keyPress("ctrl+j"), tea.KeyPressMsg{Code: tea.KeyF3})
}

func TestPlotViews(t *testing.T) {
	l, pol := testLake(t)
	for _, size := range [][2]int{{120, 35}, {80, 24}} {
		a := newTestApp(t, l, pol, "admin", size[0], size[1])
		for _, q := range plotQueries {
			runInResults(a, q.sql)
			press(a, keyPress("p"))
			p, ok := a.overlay.(*plotOverlay)
			if !ok {
				t.Fatalf("%s: p opened no plot (flash %q)", q.kind, a.flash)
			}
			if p.spec.Kind.String() != q.kind {
				t.Errorf("%s chose a %s plot, want %s", q.sql, p.spec.Kind, q.kind)
			}
			// The panel alone: the screen behind it holds timings.
			requireGolden(t, q.kind+"_"+sizeName(size), a.overlayPanel(a.overlayBox()))
			press(a, keyPress("esc"))
		}
	}
}

// The bars of a GROUP BY are labelled with its values, as the grid shows
// them: each status and its count on one line.
func TestPlotBarsCarryTheGridsValues(t *testing.T) {
	l, pol := testLake(t)
	a := newTestApp(t, l, pol, "admin", 120, 35)
	runInResults(a, plotQueries[0].sql)
	rows := a.results.rows
	press(a, keyPress("p"))
	screen := ansi.Strip(a.render())
	for _, r := range rows {
		bar := regexp.MustCompile(`┃` + r[0] + `│[█▏▎▍▌▋▊▉]+ ` + r[1] + ` *┃`)
		if !bar.MatchString(screen) {
			t.Errorf("no bar labelled %s with %s:\n%s", r[0], r[1], screen)
		}
	}
}

// t, x and y change the kind and the columns, skipping what cannot be
// drawn and saying why when nothing can.
func TestPlotKeysChangeKindAndColumns(t *testing.T) {
	l, pol := testLake(t)
	a := newTestApp(t, l, pol, "admin", 120, 35)
	runInResults(a, "SELECT host, size, length(path) AS path_length FROM weblogs.access_log_parquet_1 LIMIT 30")
	press(a, keyPress("p"))
	p := a.overlay.(*plotOverlay)
	if p.spec.Kind.String() != "bar" || p.spec.X != 0 || p.spec.Y != 1 {
		t.Fatalf("host, size: %+v, want bars of size by host", p.spec)
	}
	press(a, keyPress("y"))
	if p.spec.Y != 2 {
		t.Errorf("y moved to column %d, want path_length (2)", p.spec.Y)
	}
	press(a, keyPress("y"))
	if p.spec.Y != 1 {
		t.Errorf("y moved to column %d, want size (1): host is text", p.spec.Y)
	}
	for _, want := range []struct {
		kind string
		x    int
	}{{"line", 2}, {"scatter", 2}, {"histogram", 2}, {"bar", 2}} {
		press(a, keyPress("t"))
		if p.spec.Kind.String() != want.kind || p.spec.X != want.x {
			t.Errorf("t gave a %s of x %d, want a %s of x %d (host is text: the other number moves to x)", p.spec.Kind, p.spec.X, want.kind, want.x)
		}
	}
	press(a, keyPress("x"))
	if p.spec.X != 0 {
		t.Errorf("x moved to column %d, want host (0): bars take text", p.spec.X)
	}
}

// A result not fetched whole says so, and G fetches every row into the
// plot.
func TestPlotSaysWhatItDrawsAndFetchesTheRest(t *testing.T) {
	l, pol := testLake(t)
	a := newTestApp(t, l, pol, "admin", 120, 35)
	runInResults(a, "SELECT length(b.path) AS n FROM weblogs.access_log_parquet_1 a, weblogs.access_log_parquet_1 b LIMIT 75000")
	if !a.results.More() {
		t.Fatalf("the grid fetched all %d rows on its own", a.results.Fetched())
	}
	press(a, keyPress("p"))
	if a.overlay == nil {
		t.Fatalf("no plot: %s", a.flash)
	}
	screen := ansi.Strip(a.render())
	want := "the first " + queries.FormatCount(int64(a.results.Fetched())) + " rows (the rest were not fetched)"
	if !strings.Contains(screen, want) || !strings.Contains(screen, "G fetches every row") {
		t.Errorf("the plot of a partial result does not say %q:\n%s", want, screen)
	}
	press(a, keyPress("G"))
	screen = ansi.Strip(a.render())
	if a.results.More() || !strings.Contains(screen, "75,000 rows") {
		t.Errorf("after G: more %v, screen:\n%s", a.results.More(), screen)
	}
}

// w writes the plot as SVG, with the values as text, through a command.
func TestPlotWritesSVG(t *testing.T) {
	l, pol := testLake(t)
	a := newTestApp(t, l, pol, "admin", 120, 35)
	runInResults(a, plotQueries[0].sql)
	press(a, keyPress("p"), keyPress("w"))
	path := filepath.Join(t.TempDir(), "status.svg")
	p := a.overlay.(*plotOverlay)
	p.save.input.SetValue(path)
	press(a, keyPress("enter"))
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("no SVG written: %v (flash %q)", err, a.flash)
	}
	for _, r := range a.results.rows {
		if !strings.Contains(string(b), ">"+r[0]+"</text>") || !strings.Contains(string(b), ">"+r[1]+"</text>") {
			t.Errorf("the SVG lacks the bar %s = %s", r[0], r[1])
		}
	}
	if a.overlay != p || !strings.Contains(a.flash, "wrote the plot to "+path) {
		t.Errorf("after writing: overlay %T, flash %q", a.overlay, a.flash)
	}
	press(a, keyPress("w"))
	p.save.input.SetValue(filepath.Join(t.TempDir(), "x.png"))
	press(a, keyPress("enter"))
	if p.save == nil || !strings.Contains(ansi.Strip(a.render()), "must end in .svg") {
		t.Errorf("a path without .svg was taken")
	}
}

// A long result's plot draws the rows the grid kept, numbered as they
// came, and follows the window as the grid releases older rows.
func TestPlotOfALongResultSaysWhichRows(t *testing.T) {
	r := newResults(&Context{Keys: DefaultKeyMap()})
	manyRows(r, 250_000)
	p := &plotOverlay{results: r}
	first := fmt.Sprintf("rows %s–%s of 250,000 rows", queries.FormatCount(int64(r.base+1)), queries.FormatCount(int64(r.Fetched())))
	if got := p.data().Note(); r.base == 0 || got != first {
		t.Errorf("note %q, want %q", got, first)
	}
	r.done = false
	r.Append([][]string{{"250000", "h", "/"}}, false)
	if got := p.data().Note(); !strings.HasSuffix(got, "–250,001 rows (the rest were not fetched)") || p.data().Rows() != len(r.rows) {
		t.Errorf("after one more row: %q, %d rows plotted of %d kept", got, p.data().Rows(), len(r.rows))
	}
}

// More bars than fit scroll with ↓ and pgdn, the note saying which.
func TestPlotBarsScroll(t *testing.T) {
	l, pol := testLake(t)
	a := newTestApp(t, l, pol, "admin", 80, 24)
	runInResults(a, "SELECT path, count(*) AS n FROM weblogs.access_log_parquet_1 GROUP BY 1 ORDER BY 2 DESC, 1")
	rows := a.results.rows
	press(a, keyPress("p"))
	p := a.overlay.(*plotOverlay)
	a.render()
	if len(rows) <= p.page {
		t.Fatalf("%d paths fit on a page of %d bars: nothing to scroll", len(rows), p.page)
	}
	press(a, keyPress("down"), keyPress("down"))
	screen := ansi.Strip(a.render())
	if got := firstBar(screen); got != rows[2][1] {
		t.Errorf("two lines down, the first bar shows %s, want the third path's %s:\n%s", got, rows[2][1], screen)
	}
	want := fmt.Sprintf("bars 3–%d of %d", 2+p.page, len(rows))
	if !strings.Contains(screen, want) {
		t.Errorf("the note does not say %q:\n%s", want, screen)
	}
	for range len(rows) {
		press(a, tea.KeyPressMsg{Code: tea.KeyPgDown})
	}
	screen = ansi.Strip(a.render())
	want = fmt.Sprintf("bars %d–%d of %d", len(rows)-p.page+1, len(rows), len(rows))
	if !strings.Contains(screen, want) {
		t.Errorf("paged to the end, the note does not say %q:\n%s", want, screen)
	}
}

// firstBar is the value written after the first bar of a plot on screen.
func firstBar(screen string) string {
	m := regexp.MustCompile(`│[█▏▎▍▌▋▊▉]* (\S+) *┃`).FindStringSubmatch(screen)
	if m == nil {
		return ""
	}
	return m[1]
}

// Over SSH, w would write on the server's disk, wherever the principal
// typed: the plot says so and writes nothing.
func TestServedPlotWritesNothingOnTheServer(t *testing.T) {
	l, pol := testLake(t)
	a := newServedTestApp(t, l, pol, "analyst")
	runInResults(a, plotQueries[0].sql)
	press(a, keyPress("p"), keyPress("w"))
	p := a.overlay.(*plotOverlay)
	path := filepath.Join(t.TempDir(), "status.svg")
	if p.save != nil {
		p.save.input.SetValue(path)
		press(a, keyPress("enter"))
	}
	if _, err := os.Stat(path); err == nil {
		t.Fatalf("a served principal wrote %s on the server", path)
	}
	if screen := ansi.Strip(a.render()); !strings.Contains(screen, "over SSH the plot is not written") {
		t.Errorf("the plot does not say why it writes nothing:\n%s", screen)
	}
}
