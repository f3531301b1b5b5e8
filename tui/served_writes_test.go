package tui

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"tarn/lake"
	"tarn/perms"
	"tarn/queries"
	"tarn/themes"
)

// newServedTestApp is the workbench as tarn serve runs it for a principal
// of persona, which is not an administrator.
func newServedTestApp(t testing.TB, l *lake.Lake, pol *perms.Policy, persona string) *App {
	t.Helper()
	palettes, err := themes.Load("")
	if err != nil {
		t.Fatal(err)
	}
	a, err := New(Options{Lake: l, Policy: pol, Persona: persona, Themes: palettes, NoColor: true,
		Served: &Served{Persona: persona}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(a.w.shutdown)
	a.Update(tea.WindowSizeMsg{Width: 120, Height: 35})
	return a
}

// Over SSH a principal who is not an administrator does not change the
// lake: ctrl+s saves no query in queries.toml (as ssh HOST saved only
// lists) and says so.
func TestServedWorkbenchSavesNoQuery(t *testing.T) {
	l, pol := testLake(t)
	a := newServedTestApp(t, l, pol, "analyst")
	path := filepath.Join(l.Root, queries.SavedFile)
	before, _ := os.ReadFile(path)
	a.editor.SetText("SELECT 1 AS x")
	press(a, tea.KeyPressMsg{Code: 's', Mod: tea.ModCtrl})
	press(a, seq(text("mine"), keyPress("enter"))...)
	if after, _ := os.ReadFile(path); string(after) != string(before) {
		t.Errorf("a served analyst changed %s:\n%s", queries.SavedFile, after)
	}
	if screen := ansi.Strip(a.render()) + a.flash; !strings.Contains(screen, "over SSH") {
		t.Errorf("the workbench does not say why nothing is saved:\n%s", screen)
	}
}
