package tui

import (
	"strings"
	"time"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"tarn/internal/units"
	"tarn/queries"
)

// box is a pane's place on screen, borders included.
type box struct{ x, y, w, h int }

func (b box) contains(x, y int) bool { return x >= b.x && x < b.x+b.w && y >= b.y && y < b.y+b.h }

type boxes struct {
	catalog, editor, results, stats box
}

// statusLines are the status bar and the key-hint line.
const statusLines = 2

// layoutBoxes divides the screen: the catalog on the left, the editor
// above the results on the right, the stats beside the results when the
// screen is wide enough (else a line under them).
func (a *App) layoutBoxes() boxes {
	w, h := max(a.ctx.Width, 20), max(a.ctx.Height-statusLines, 6)
	cw := catalogWidth(w, a.catalogShare)
	rw := w - cw
	eh := min(12, max(5, h*30/100))
	sw := 0
	if rw >= 76 {
		sw = 26
	}
	return boxes{
		catalog: box{0, 0, cw, h},
		editor:  box{cw, 0, rw, eh},
		results: box{cw, eh, rw - sw, h - eh},
		stats:   box{cw + rw - sw, eh, sw, h - eh},
	}
}

// The catalog pane's width: a share of the terminal's, changed by keys
// (a step at a time) or by dragging its border, never so narrow that a
// name is unreadable nor so wide that the editor and results are.
const (
	defaultCatalogShare = 30
	catalogStep         = 3
	leastCatalog        = 20
	leastRight          = 44
)

func catalogWidth(width, share int) int {
	return max(leastCatalog, min(width*share/100, width-leastRight))
}

// resizeCatalog sets the catalog's share, kept to what catalogWidth
// allows so that a key held at the edge is undone by one press back.
func (a *App) resizeCatalog(share int) {
	w := max(a.ctx.Width, 1)
	least := (leastCatalog*100 + w - 1) / w
	most := max(least, ((w-leastRight)*100+w-1)/w)
	a.catalogShare = max(least, min(share, most))
	a.layout()
}

// layout gives each pane its inner size.
func (a *App) layout() {
	l := a.layoutBoxes()
	a.catalog.SetSize(l.catalog.w-2, l.catalog.h-2)
	a.editor.SetSize(l.editor.w-2, l.editor.h-2)
	a.results.SetSize(l.results.w-2, l.results.h-3) // a footer line
}

func (a *App) render() string {
	if a.ctx.Width == 0 {
		return "" // no size yet
	}
	if a.ctx.Width < 20 || a.ctx.Height < 8 {
		return "tarn needs a bigger terminal"
	}
	l := a.layoutBoxes()
	st := a.ctx.Styles
	left := a.frame("Catalog · "+a.ctx.Persona.Name, a.catalog.View(), l.catalog, a.focus == paneCatalog)
	editor := a.frame("SQL", a.editor.View(), l.editor, a.focus == paneEditor)
	resultsBody := a.results.View()
	footer := a.results.Footer()
	if l.stats.w == 0 {
		footer = a.statsLine()
	}
	resultsBody = fill(resultsBody, l.results.h-3) + "\n" + st.Muted.Render(truncate(footer, l.results.w-2))
	res := a.frame("Results", resultsBody, l.results, a.focus == paneResults)
	bottom := res
	if l.stats.w > 0 {
		stats := a.frame("Stats", statsView(a.ctx, a.run, l.stats.w-2, time.Now()), l.stats, false)
		bottom = lipgloss.JoinHorizontal(lipgloss.Top, res, stats)
	}
	right := lipgloss.JoinVertical(lipgloss.Left, editor, bottom)
	body := lipgloss.JoinHorizontal(lipgloss.Top, left, right)
	if a.overlay != nil {
		body = a.drawOverlay(body)
	}
	return body + "\n" + a.statusBar()
}

// fill pads text to n lines (or cuts it).
func fill(s string, n int) string {
	n = max(0, n)
	lines := strings.Split(s, "\n")
	if len(lines) > n {
		lines = lines[:n]
	}
	for len(lines) < n {
		lines = append(lines, "")
	}
	return strings.Join(lines, "\n")
}

// frame draws a rounded box of exactly b's size with the title in its top
// border; content is cut or padded to the inside.
func (a *App) frame(title, content string, b box, focused bool) string {
	st := a.ctx.Styles
	border := st.Pane
	if focused {
		border = st.PaneFocused
	}
	bs := border.GetBorderStyle()
	paint := lipgloss.NewStyle().Foreground(border.GetBorderTopForeground())
	inner := max(0, b.w-2)
	t := truncate(" "+title+" ", max(0, inner-2))
	titleStyle := st.Muted
	if focused {
		titleStyle = st.Title
	}
	top := paint.Render(bs.TopLeft+bs.Top) + titleStyle.Render(t) +
		paint.Render(strings.Repeat(bs.Top, max(0, inner-1-ansi.StringWidth(t)))+bs.TopRight)
	lines := strings.Split(fill(content, max(0, b.h-2)), "\n")
	var out strings.Builder
	out.WriteString(top)
	for _, line := range lines {
		line = ansi.Truncate(line, inner, "")
		out.WriteString("\n" + paint.Render(bs.Left) + line + strings.Repeat(" ", max(0, inner-ansi.StringWidth(line))) + paint.Render(bs.Right))
	}
	out.WriteString("\n" + paint.Render(bs.BottomLeft+strings.Repeat(bs.Bottom, inner)+bs.BottomRight))
	return out.String()
}

// overlayBox is where an overlay is drawn: most of the screen, centred.
func (a *App) overlayBox() box {
	w := min(a.ctx.Width-4, max(60, a.ctx.Width*3/4))
	h := min(a.ctx.Height-statusLines-2, max(12, (a.ctx.Height-statusLines)*3/4))
	return box{x: (a.ctx.Width - w) / 2, y: (a.ctx.Height - statusLines - h) / 2, w: w, h: h}
}

// overlayPanel is the overlay in its frame, the size of b.
func (a *App) overlayPanel(b box) string {
	return a.frame(a.overlay.Title(), a.overlay.View(b.w-2, b.h-2), b, true)
}

// drawOverlay paints the overlay's box over the middle of the body.
func (a *App) drawOverlay(body string) string {
	b := a.overlayBox()
	panel := strings.Split(a.overlayPanel(b), "\n")
	lines := strings.Split(body, "\n")
	for i, p := range panel {
		y := b.y + i
		if y >= len(lines) {
			break
		}
		line := lines[y]
		left := ansi.Truncate(line, b.x, "")
		left += strings.Repeat(" ", max(0, b.x-ansi.StringWidth(left)))
		lines[y] = left + p + ansi.TruncateLeft(line, b.x+b.w, "")
	}
	return strings.Join(lines, "\n")
}

// statusBar is the lake, persona, workgroup, theme and the flash message,
// then the key hints of whatever has the keyboard.
func (a *App) statusBar() string {
	st := a.ctx.Styles
	wg := a.ctx.Workgroup.Name
	if c := a.ctx.Workgroup.BytesScannedCutoff; c > 0 {
		wg += " ≤" + units.Bytes(c)
	}
	parts := []string{
		st.StatusKey.Render("tarn") + " " + st.Muted.Render(a.ctx.LakeLabel),
		st.Muted.Render("persona ") + st.Accent.Render(a.ctx.Persona.Name) + a.openingNote(),
		st.Muted.Render("workgroup ") + st.Text.Render(wg),
		st.Muted.Render("theme ") + st.Text.Render(a.ctx.Styles.Name),
	}
	line := strings.Join(parts, st.Muted.Render(" · "))
	switch {
	case a.export != nil || a.flash == a.exportNote && a.flash != "": // first: a long lake path would cut it off
		line = st.Warning.Render(queries.Printable(a.flash)) + st.Muted.Render(" · ") + line
	case a.flash != "":
		line += st.Muted.Render(" · ") + st.Warning.Render(queries.Printable(a.flash))
	}
	hm := help.New()
	hm.Styles = st.Help
	hm.SetWidth(a.ctx.Width)
	keys := a.hintKeys()
	if a.overlay == nil {
		keys = append(keys, a.ctx.Keys.global(a.typing())...)
	}
	hints := hm.ShortHelpView(distinct(keys, map[string]bool{}, true))
	return truncate(line, a.ctx.Width) + "\n" + hints
}

// openingNote says the persona's session is still opening: a statement
// run now waits for it.
func (a *App) openingNote() string {
	if !a.opening {
		return ""
	}
	return a.ctx.Styles.Muted.Render(" (session opening…)")
}

// hintKeys are the bindings of whatever has the keyboard now.
func (a *App) hintKeys() []key.Binding {
	if a.overlay != nil {
		return a.overlay.ShortHelp()
	}
	return a.focused().ShortHelp()
}

// statsLine is the stats panel in one line, for narrow screens.
func (a *App) statsLine() string {
	s := a.run.stats
	if s.State == "" && !a.run.running {
		return ""
	}
	state := s.State
	if a.run.running {
		state = "RUNNING"
	}
	return state + " · " + queries.FormatCount(s.Rows) + " rows · scanned " + units.Bytes(s.DataScanned) + " · " + ms(s.TotalMS)
}

func shortPath(p string) string {
	if home, err := userHome(); err == nil && strings.HasPrefix(p, home) {
		return "~" + strings.TrimPrefix(p, home)
	}
	return p
}
