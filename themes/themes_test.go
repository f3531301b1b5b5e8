package themes_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"tarn/themes"
)

func TestEmbeddedThemesAreComplete(t *testing.T) {
	all, err := themes.Load("")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, p := range all {
		names = append(names, p.Name)
		if p.Foreground == "" || p.BarReference == "" || p.SelectionBG == "" {
			t.Errorf("%s lacks colours: %+v", p.Name, p)
		}
	}
	if strings.Join(names, ",") != "dark,light,high-contrast" {
		t.Errorf("themes %v", names)
	}
}

func TestUserThemesOverrideAndInherit(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("solar.toml", "base = \"light\"\naccent = \"#b58900\"\n")
	write("dark.toml", "name = \"dark\"\nerror = \"#ff0000\"\n")
	all, err := themes.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	solar, dark, light := themes.Find(all, "solar"), themes.Find(all, "dark"), themes.Find(all, "light")
	if solar.Name != "solar" || solar.Accent != "#b58900" || solar.Foreground != light.Foreground {
		t.Errorf("solar %+v: accent its own, the rest from light", solar)
	}
	if light.Background == "" || solar.Background != light.Background || dark.Background != "" {
		t.Errorf("backgrounds: light %q, solar %q (from light), dark %q (the terminal's)", light.Background, solar.Background, dark.Background)
	}
	if dark.Error != "#ff0000" || dark.Foreground == "" {
		t.Errorf("the user's dark replaces the default and keeps every colour: %+v", dark)
	}

	write("bad.toml", "accent = \"blue\"\n")
	if _, err := themes.Load(dir); err == nil || !strings.Contains(err.Error(), `bad.toml: accent = "blue" is not a colour`) {
		t.Errorf("bad colour: %v", err)
	}
	os.Remove(filepath.Join(dir, "bad.toml"))
	write("loop.toml", "base = \"loop\"\n")
	if _, err := themes.Load(dir); err == nil || !strings.Contains(err.Error(), "cycle") {
		t.Errorf("a theme based on itself: %v", err)
	}
}

func TestNoColorStylesCarryNoColour(t *testing.T) {
	all, _ := themes.Load("")
	s := themes.NewStyles(all[0], true)
	out := s.Keyword.Render("SELECT") + s.Error.Render("boom") + s.Selected.Render("row")
	if strings.Contains(out, "38;") || strings.Contains(out, "48;") {
		t.Errorf("NO_COLOR output has colour codes: %q", out)
	}
}
