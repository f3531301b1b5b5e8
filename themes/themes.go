// Package themes turns colour palettes (TOML) into the styles the TUI draws
// with. Defaults are embedded (dark, light, high-contrast); files in the
// user's config folder override them or add more, and a colour a file
// leaves out comes from its base. Styles are values built once per theme
// and passed down; nothing here is global or mutable.
package themes

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"

	"tarn/internal/tomlfile"
)

//go:embed palettes/*.toml
var embedded embed.FS

// Palette is a theme's colours by role, as "#rrggbb".
type Palette struct {
	Name string `toml:"name"`
	Base string `toml:"base"` // the theme missing colours come from (default: dark)
	// Background is the screen's, set through the terminal while the
	// theme is in use; empty keeps the terminal's own. A theme whose text
	// is dark sets it, or it is unreadable on a dark terminal.
	Background   string `toml:"background"`
	Foreground   string `toml:"foreground"`
	Muted        string `toml:"muted"`
	Accent       string `toml:"accent"`
	Border       string `toml:"border"`
	BorderFocus  string `toml:"border_focus"`
	SelectionFG  string `toml:"selection_fg"`
	SelectionBG  string `toml:"selection_bg"`
	Header       string `toml:"header"`
	Keyword      string `toml:"keyword"`
	String       string `toml:"string"`
	Number       string `toml:"number"`
	Comment      string `toml:"comment"`
	Error        string `toml:"error"`
	Warning      string `toml:"warning"`
	Success      string `toml:"success"`
	Bar          string `toml:"bar"`
	BarReference string `toml:"bar_reference"`
}

var hexColour = regexp.MustCompile(`^#[0-9a-fA-F]{6}$`)

// colours are the palette's colour fields, by TOML name.
func (p *Palette) colours() map[string]*string {
	out := map[string]*string{}
	v := reflect.ValueOf(p).Elem()
	for i := range v.NumField() {
		name := v.Type().Field(i).Tag.Get("toml")
		if name != "name" && name != "base" {
			out[name] = v.Field(i).Addr().Interface().(*string)
		}
	}
	return out
}

// inherit fills the colours p leaves empty from base.
func (p *Palette) inherit(base Palette) {
	from := base.colours()
	for name, c := range p.colours() {
		if *c == "" {
			*c = *from[name]
		}
	}
}

func (p *Palette) validate(file string) error {
	for name, c := range p.colours() {
		if *c != "" && !hexColour.MatchString(*c) {
			return fmt.Errorf("%s: %s = %q is not a colour like \"#5fafff\"", file, name, *c)
		}
	}
	return nil
}

// Load reads the embedded themes, then every *.toml in dir (the user's
// themes; dir may not exist). A user theme with a default's name replaces
// it; each inherits missing colours from its base. Themes come back in a
// stable order: the defaults first, then the user's by name.
func Load(dir string) ([]Palette, error) {
	byName := map[string]Palette{}
	var order []string
	add := func(file string, data []byte) error {
		var p Palette
		md, err := tomlfile.Decode(file, data, &p)
		if err != nil {
			return err
		}
		if und := md.Undecoded(); len(und) > 0 {
			return fmt.Errorf("%s: unknown field %q", file, und[0].String())
		}
		if p.Name == "" {
			p.Name = strings.TrimSuffix(filepath.Base(file), ".toml")
		}
		if err := p.validate(file); err != nil {
			return err
		}
		if old, ok := byName[p.Name]; ok {
			p.inherit(old) // a user's "dark" changes only what it names
		} else {
			order = append(order, p.Name)
		}
		byName[p.Name] = p
		return nil
	}
	for _, name := range []string{"dark", "light", "high-contrast"} {
		data, err := embedded.ReadFile("palettes/" + name + ".toml")
		if err != nil {
			return nil, err
		}
		if err := add(name+".toml", data); err != nil {
			return nil, err
		}
	}
	if err := loadDir(dir, add); err != nil {
		return nil, err
	}
	out := make([]Palette, 0, len(order))
	for _, name := range order {
		p, err := resolve(byName, name, nil)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

// resolve fills a theme's missing colours from its base, recursively.
func resolve(byName map[string]Palette, name string, seen []string) (Palette, error) {
	p := byName[name]
	if slices.Contains(seen, name) {
		return p, fmt.Errorf("theme %s: its bases form a cycle (%s)", name, strings.Join(append(seen, name), " -> "))
	}
	base := p.Base
	if base == "" && name != "dark" {
		base = "dark"
	}
	if base == "" {
		return p, nil
	}
	if _, ok := byName[base]; !ok {
		return p, fmt.Errorf("theme %s: base %q is not a theme", name, base)
	}
	b, err := resolve(byName, base, append(seen, name))
	if err != nil {
		return p, err
	}
	p.inherit(b)
	return p, nil
}

func loadDir(dir string, add func(string, []byte) error) error {
	if dir == "" {
		return nil
	}
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	for _, e := range entries {
		if e.IsDir() || filepath.Ext(e.Name()) != ".toml" {
			continue
		}
		file := filepath.Join(dir, e.Name())
		data, err := os.ReadFile(file)
		if err != nil {
			return err
		}
		if err := add(file, data); err != nil {
			return err
		}
	}
	return nil
}

// UserDir is where user themes live: $XDG_CONFIG_HOME/tarn/themes.
func UserDir() string {
	dir, err := os.UserConfigDir()
	if err != nil {
		return ""
	}
	return filepath.Join(dir, "tarn", "themes")
}

// Find returns the named palette, or the first.
func Find(all []Palette, name string) Palette {
	for _, p := range all {
		if p.Name == name {
			return p
		}
	}
	return all[0]
}
