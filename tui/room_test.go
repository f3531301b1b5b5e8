package tui

import (
	"errors"
	"regexp"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
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
		"narrow it (a WHERE on the partition column, fewer columns) or ask an administrator to raise the limit"
	a.seq++
	a.run.running = true
	press(a, queryMsg{seq: a.seq, started: true, done: true, err: errors.New(long)})
	s := ansi.Strip(a.render())
	if strings.Contains(s, "raise the limit") || !strings.Contains(s, "enter: the whole message") {
		t.Fatalf("the cut error does not say how to see it whole:\n%s", s)
	}
	press(a, tea.KeyPressMsg{Code: tea.KeyF3}, enterKey)
	s = ansi.Strip(a.render())
	if !strings.Contains(s, "Error") || !strings.Contains(oneLine(strings.ReplaceAll(s, "┃", " ")), "raise the limit") {
		t.Errorf("enter did not open the whole error:\n%s", s)
	}
	requireGolden(t, "error_whole_80x24", s)
}
