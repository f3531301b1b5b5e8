package tui

import (
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
)

var (
	ctrlC = tea.KeyPressMsg{Code: 'c', Mod: tea.ModCtrl}
	f4Key = tea.KeyPressMsg{Code: tea.KeyF4}
)

// The catalog's s puts its SELECT in the editor as a statement of its
// own: the whole text when the editor is empty, else on a new line.
func TestSelectStarIsAStatementOfItsOwn(t *testing.T) {
	l, pol := testLake(t)
	const star = "SELECT * FROM sales.customers LIMIT 100"
	for _, tc := range []struct{ before, want string }{
		{"", star},
		{"  \n", star},
		{"SELECT 1", "SELECT 1\n" + star},
	} {
		a := newTestApp(t, l, pol, "admin", 120, 35)
		a.editor.SetText(tc.before)
		a.editor.row, a.editor.col = 0, 0 // the cursor anywhere: the statement still goes last
		press(a, f4Key, keyPress("down"), keyPress("s"))
		if got := a.editor.Text(); got != tc.want || a.focus != paneEditor {
			t.Errorf("editor %q then s: %q (focus %d), want %q in the editor", tc.before, got, a.focus, tc.want)
		}
	}
}

// esc in the catalog's filter leaves the filter; the query runs on.
func TestEscInTheFilterDoesNotCancelTheQuery(t *testing.T) {
	l, pol := testLake(t)
	a := newTestApp(t, l, pol, "admin", 120, 35)
	cancelled := false
	a.run.running, a.cancel = true, func() { cancelled = true }
	press(a, f4Key, keyPress("/"), keyPress("c"), keyPress("esc"))
	if cancelled || a.catalog.Editing() {
		t.Errorf("esc in the filter: query cancelled %v, still filtering %v; want the filter left, the query running", cancelled, a.catalog.Editing())
	}
	press(a, keyPress("esc"))
	if !cancelled {
		t.Error("esc outside the filter did not cancel the query")
	}
}

// ctrl+c with nothing running asks for a second one before quitting; any
// other key in between starts over.
func TestCtrlCWhenIdleQuitsOnTheSecond(t *testing.T) {
	l, pol := testLake(t)
	a := newTestApp(t, l, pol, "admin", 120, 35)
	a.Update(ctrlC)
	if s := ansi.Strip(a.render()); a.quitting || !strings.Contains(s, "press ctrl+c again to quit") {
		t.Fatalf("the first ctrl+c quit (%v) or did not say a second one quits:\n%s", a.quitting, s)
	}
	a.Update(keyPress("x"))
	a.Update(ctrlC)
	if a.quitting {
		t.Fatal("ctrl+c, a key, ctrl+c quit")
	}
	a.Update(ctrlC)
	if !a.quitting {
		t.Error("ctrl+c twice did not quit")
	}
}

// ctrl+z undoes the editor's edits, a run of typed characters at a time,
// and ctrl+shift+z (or ctrl+y) redoes them.
func TestTheEditorUndoesAndRedoes(t *testing.T) {
	l, pol := testLake(t)
	undo := tea.KeyPressMsg{Code: 'z', Mod: tea.ModCtrl}
	redo := tea.KeyPressMsg{Code: 'z', Mod: tea.ModCtrl | tea.ModShift}
	ctrlY := tea.KeyPressMsg{Code: 'y', Mod: tea.ModCtrl}
	a := newTestApp(t, l, pol, "admin", 120, 35)
	editorText := func(want, after string) {
		t.Helper()
		if got := a.editor.Text(); got != want {
			t.Errorf("after %s: %q, want %q", after, got, want)
		}
	}
	press(a, seq(text("SELECT 1"))...)
	press(a, tea.PasteMsg{Content: " AS one"})
	press(a, backspace, backspace, backspace)
	editorText("SELECT 1 AS ", "typing, a paste, 3 backspaces")
	press(a, undo, undo, undo)
	editorText("SELECT 1 AS one", "3 undos")
	press(a, undo)
	editorText("SELECT 1", "undoing the paste")
	press(a, undo)
	editorText("", "undoing the typed run")
	press(a, undo)
	editorText("", "an undo with nothing to undo")
	press(a, redo, ctrlY)
	editorText("SELECT 1 AS one", "ctrl+shift+z, ctrl+y")
	press(a, seq(leftKey, text("x"), undo)...)
	editorText("SELECT 1 AS one", "a new edit then undo")
	press(a, redo)
	editorText("SELECT 1 AS onxe", "redo")
	press(a, f4Key, keyPress("down"), keyPress("s"), undo)
	editorText("SELECT 1 AS onxe", "undoing the catalog's s")
}

// The history of edits is bounded: the oldest steps go.
func TestTheEditorsUndoIsBounded(t *testing.T) {
	l, pol := testLake(t)
	a := newTestApp(t, l, pol, "admin", 120, 35)
	for range maxUndo + 50 {
		press(a, keyPress("enter"))
	}
	if n := len(a.editor.history.undo); n != maxUndo {
		t.Errorf("%d undo steps kept, want %d", n, maxUndo)
	}
}
