package themes

import (
	"image/color"

	"charm.land/bubbles/v2/help"
	"charm.land/lipgloss/v2"
)

// Styles are everything the TUI draws with, built from one palette.
type Styles struct {
	Name        string
	NoColor     bool
	Pane        lipgloss.Style // an unfocused pane's border
	PaneFocused lipgloss.Style
	Title       lipgloss.Style // a pane's title
	Text        lipgloss.Style
	Muted       lipgloss.Style
	Accent      lipgloss.Style
	Header      lipgloss.Style // table headers
	Selected    lipgloss.Style // the cursor row or cell
	Keyword     lipgloss.Style // SQL highlighting
	String      lipgloss.Style
	Number      lipgloss.Style
	Comment     lipgloss.Style
	Error       lipgloss.Style
	Warning     lipgloss.Style
	Success     lipgloss.Style
	Bar         lipgloss.Style // compare bars: local
	BarRef      lipgloss.Style // compare bars: the source's Athena figure
	StatusBar   lipgloss.Style
	StatusKey   lipgloss.Style
	Overlay     lipgloss.Style // dialogs drawn over the panes
	Help        help.Styles
	// Screen is the terminal's background and default text colour while
	// the theme is in use; nil for the terminal's own.
	ScreenBG, ScreenFG color.Color
}

// NewStyles builds the styles of a palette. With noColor (NO_COLOR set)
// nothing is coloured; focus and selection still show, by weight and
// reverse video.
func NewStyles(p Palette, noColor bool) Styles {
	c := func(hex string) color.Color {
		if noColor {
			return lipgloss.NoColor{}
		}
		return lipgloss.Color(hex)
	}
	fg := lipgloss.NewStyle().Foreground
	border := lipgloss.NewStyle().Border(lipgloss.RoundedBorder())
	s := Styles{
		Name:        p.Name,
		NoColor:     noColor,
		Pane:        border.BorderForeground(c(p.Border)),
		PaneFocused: border.BorderForeground(c(p.BorderFocus)),
		Title:       fg(c(p.Accent)).Bold(true),
		Text:        fg(c(p.Foreground)),
		Muted:       fg(c(p.Muted)),
		Accent:      fg(c(p.Accent)),
		Header:      fg(c(p.Header)).Bold(true),
		Selected:    lipgloss.NewStyle().Foreground(c(p.SelectionFG)).Background(c(p.SelectionBG)),
		Keyword:     fg(c(p.Keyword)).Bold(true),
		String:      fg(c(p.String)),
		Number:      fg(c(p.Number)),
		Comment:     fg(c(p.Comment)).Italic(true),
		Error:       fg(c(p.Error)).Bold(true),
		Warning:     fg(c(p.Warning)),
		Success:     fg(c(p.Success)),
		Bar:         fg(c(p.Bar)),
		BarRef:      fg(c(p.BarReference)),
		StatusBar:   fg(c(p.Foreground)),
		StatusKey:   fg(c(p.Accent)).Bold(true),
		Overlay:     lipgloss.NewStyle().Border(lipgloss.DoubleBorder()).BorderForeground(c(p.BorderFocus)).Padding(0, 1),
	}
	if p.Background != "" && !noColor {
		s.ScreenBG, s.ScreenFG = lipgloss.Color(p.Background), lipgloss.Color(p.Foreground)
	}
	if noColor {
		s.Selected = lipgloss.NewStyle().Reverse(true)
		s.PaneFocused = border.BorderStyle(lipgloss.ThickBorder())
	}
	s.Help = help.Styles{
		ShortKey:       s.StatusKey,
		ShortDesc:      s.Muted,
		ShortSeparator: s.Muted,
		Ellipsis:       s.Muted,
		FullKey:        s.StatusKey,
		FullDesc:       s.Text,
		FullSeparator:  s.Muted,
	}
	return s
}
