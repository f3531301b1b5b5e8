package tui

import (
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
)

// press hands msgs to the app one at a time, as the program does, and
// delivers the answers of the commands they return (a dialog the catalog
// asks for, a saved query, an export) before the next one.
func press(a *App, msgs ...tea.Msg) {
	for _, msg := range msgs {
		_, cmd := a.Update(msg)
		settle(a, cmd)
	}
}

func settle(a *App, cmd tea.Cmd) {
	if cmd == nil {
		return
	}
	switch msg := cmd().(type) {
	case nil:
	case tea.BatchMsg:
		for _, c := range msg {
			settle(a, c)
		}
	default:
		_, next := a.Update(msg)
		settle(a, next)
	}
}

// text stands for the key presses that type it.
type text string

// seq is msgs with each text spelled out as key presses.
func seq(msgs ...tea.Msg) []tea.Msg {
	var out []tea.Msg
	for _, m := range msgs {
		if t, ok := m.(text); ok {
			for _, r := range t {
				out = append(out, keyPress(string(r)))
			}
			continue
		}
		out = append(out, m)
	}
	return out
}

var (
	leftKey   = tea.KeyPressMsg{Code: tea.KeyLeft}
	wordLeft  = tea.KeyPressMsg{Code: tea.KeyLeft, Mod: tea.ModAlt}
	homeKey   = tea.KeyPressMsg{Code: tea.KeyHome}
	endKey    = tea.KeyPressMsg{Code: tea.KeyEnd}
	backspace = tea.KeyPressMsg{Code: tea.KeyBackspace}
	deleteKey = tea.KeyPressMsg{Code: tea.KeyDelete}
	ctrlW     = tea.KeyPressMsg{Code: 'w', Mod: tea.ModCtrl}
	ctrlU     = tea.KeyPressMsg{Code: 'u', Mod: tea.ModCtrl}
	ctrlK     = tea.KeyPressMsg{Code: 'k', Mod: tea.ModCtrl}
	ctrlS     = tea.KeyPressMsg{Code: 's', Mod: tea.ModCtrl}
	ctrlE     = tea.KeyPressMsg{Code: 'e', Mod: tea.ModCtrl}
	f4        = tea.KeyPressMsg{Code: tea.KeyF4}
)

// lineInputs are the workbench's one-line inputs: the keys that open each
// (from the editor, as the administrator) and its value.
var lineInputs = []struct {
	name  string
	open  []tea.Msg
	value func(*App) string
}{
	{"catalog filter", seq(f4, text("/")), func(a *App) string { return a.catalog.filter.Value() }},
	{"save prompt", seq(ctrlS), promptValue},
	{"export prompt", seq(ctrlE, ctrlU), promptValue}, // ctrl+u: the suggested path, all before the cursor
	{"tag editor", seq(f4, text("ta")), func(a *App) string { return a.overlay.(*tagOverlay).input.Value() }},
}

func promptValue(a *App) string { return a.overlay.(*promptOverlay).input.Value() }

func TestEveryLineInputEditsTheSameWay(t *testing.T) {
	l, pol := testLake(t)
	edits := []struct {
		name string
		keys []tea.Msg
		want string
	}{
		{"typing and a paste", seq(text("ab"), tea.PasteMsg{Content: "c d"}), "abc d"},
		{"left, then a character", seq(text("ac"), leftKey, text("b")), "abc"},
		{"home and end", seq(text("bc"), homeKey, text("a"), endKey, text("d")), "abcd"},
		{"a word left", seq(text("ab cd"), wordLeft, text("x")), "ab xcd"},
		{"backspace and delete", seq(text("abxyc"), leftKey, backspace, deleteKey), "abx"},
		{"ctrl+w deletes the word before", seq(text("ab cd"), ctrlW), "ab "},
		{"ctrl+u deletes before the cursor", seq(text("abcd"), leftKey, leftKey, ctrlU), "cd"},
		{"ctrl+k deletes after the cursor", seq(text("abcd"), leftKey, leftKey, ctrlK), "ab"},
	}
	for _, in := range lineInputs {
		for _, e := range edits {
			t.Run(in.name+"/"+e.name, func(t *testing.T) {
				a := newTestApp(t, l, pol, "admin", 120, 35)
				press(a, in.open...)
				press(a, e.keys...)
				if got := in.value(a); got != e.want {
					t.Errorf("%s holds %q, want %q", in.name, got, e.want)
				}
			})
		}
	}
}

// An input with rules stays open on enter, saying why, until its value
// follows them; then it does its work.
func TestLineInputsRefuseInvalidValues(t *testing.T) {
	l, pol := testLake(t)
	out := t.TempDir() + "/rows.csv"
	cases := []struct {
		name          string
		open          []tea.Msg
		bad, reason   string
		good, flashed string
	}{
		{"saved query name", seq(ctrlS), "Top hosts", "must be lower-case letters", "top_hosts", "saved top_hosts in queries.toml"},
		{"export path", seq(ctrlE, ctrlU), out + ".txt", "the file must end in .csv, .json or .parquet", out, "exported 1 row to " + out},
		{"tag assignment", seq(f4, text("ta")), "role", "type: assign RESOURCE KEY=VALUE", "role=analyst", "assign sales role=analyst"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a := newTestApp(t, l, pol, "admin", 120, 35)
			a.editor.SetText("SELECT 1 AS x")
			press(a, c.open...)
			press(a, seq(text(c.bad), keyPress("enter"))...)
			if s := ansi.Strip(a.render()); a.overlay == nil || !strings.Contains(s, c.reason) {
				t.Fatalf("%q was taken, or refused without %q:\n%s", c.bad, c.reason, s)
			}
			press(a, ctrlU, tea.PasteMsg{Content: c.good}, keyPress("enter"))
			if a.overlay != nil || !strings.Contains(a.flash, c.flashed) {
				t.Errorf("%q: overlay %T, status %q, want %q", c.good, a.overlay, a.flash, c.flashed)
			}
		})
	}
}

// While the filter is typed, the footer offers its keys, not the
// catalog's single letters (they type) nor ? (it types too).
func TestTheFilterFooterListsTheKeysThatWork(t *testing.T) {
	l, pol := testLake(t)
	a := newTestApp(t, l, pol, "admin", 200, 35)
	press(a, f4)
	if footer := lastLine(a); !strings.Contains(footer, "/ filter") || !strings.Contains(footer, "?/f1 help") {
		t.Fatalf("browsing footer: %s", footer)
	}
	press(a, keyPress("/"))
	footer := lastLine(a)
	for _, want := range []string{"enter ok", "esc cancel", "f1 help"} {
		if !strings.Contains(footer, want) {
			t.Errorf("the filter's footer lacks %q: %s", want, footer)
		}
	}
	for _, typed := range []string{"/ filter", "s SELECT", "a access", "t tags", "?/f1 help"} {
		if strings.Contains(footer, typed) {
			t.Errorf("the filter's footer offers %q, which types: %s", typed, footer)
		}
	}
}

func lastLine(a *App) string {
	s := ansi.Strip(a.render())
	return s[strings.LastIndex(s, "\n")+1:]
}
