package tui

import (
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"tarn/chart"
	"tarn/queries"
)

// plotOverlay draws the result's rows as a plot (package chart): the
// kind and columns chosen from the column types, changed with keys; it
// redraws as rows arrive, so G's fetch of every row fills it in.
type plotOverlay struct {
	ctx     *Context
	results *results
	spec    chart.Spec
	err     string
	save    *promptOverlay // asking where to write the SVG
	title   string         // the query, for the SVG
	page    int            // bars on a page, as last drawn
	plotCallbacks
	cache struct {
		rows, base int // the grid's rows added, and its first row's number then
		data       *chart.Data
	}
}

// plotCallbacks connect the plot to the app's fetching of rows: fetchAll
// starts fetching every row (the grid's G), fetching says whether that is
// under way, stopFetch stops it.
type plotCallbacks struct {
	fetchAll  func() tea.Cmd
	fetching  func() bool
	stopFetch func()
}

// newPlot opens the plot of r, or says why there is none.
func newPlot(ctx *Context, r *results, title string, cb plotCallbacks) (*plotOverlay, error) {
	p := &plotOverlay{ctx: ctx, results: r, title: title, plotCallbacks: cb}
	spec, err := chart.Choose(p.data())
	if err != nil {
		return nil, err
	}
	p.spec = spec
	return p, nil
}

// data is the rows held by the grid as chart data: rows that came since
// the last call are added, and all read again only when the grid released
// some (it keeps a bounded window).
func (p *plotOverlay) data() *chart.Data {
	r := p.results
	c := &p.cache
	if c.data == nil || c.base != r.base || c.rows > len(r.rows) {
		c.data = chart.NewData(queries.ChartColumns(r.columns), maxKeptRows)
		c.data.First = int64(r.base)
		c.rows, c.base = 0, r.base
	}
	for _, row := range r.rows[c.rows:] {
		c.data.Add(row)
	}
	c.rows = len(r.rows)
	c.data.Total = 0 // what was added
	if !r.done || r.cut != "" {
		c.data.Total = -1
	}
	return c.data
}

func (p *plotOverlay) Title() string { return "Plot" }

func (p *plotOverlay) Update(msg tea.Msg) (tea.Cmd, bool) {
	if p.save != nil {
		cmd, done := p.save.Update(msg)
		if done {
			p.save = nil
		}
		return cmd, false
	}
	m, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return nil, false
	}
	k := p.ctx.Keys
	p.err = ""
	switch {
	case p.fetching() && key.Matches(m, k.Cancel):
		p.stopFetch()
	case key.Matches(m, k.Close):
		return nil, true
	case key.Matches(m, k.PlotKind):
		p.change(func(s *chart.Spec) {
			s.Kind = chart.Kinds[(int(s.Kind)+1)%len(chart.Kinds)]
			*s = s.Fit(p.data())
		})
	case key.Matches(m, k.PlotX):
		p.change(func(s *chart.Spec) { s.X = (s.X + 1) % len(p.results.columns) })
	case key.Matches(m, k.PlotY):
		p.change(func(s *chart.Spec) { s.Y = (s.Y + 1) % len(p.results.columns) })
	case key.Matches(m, k.Down), key.Matches(m, k.PageDown):
		p.scroll(m, 1)
	case key.Matches(m, k.Up), key.Matches(m, k.PageUp):
		p.scroll(m, -1)
	case key.Matches(m, k.PlotAll) && p.results.More():
		return p.fetchAll(), false
	case key.Matches(m, k.PlotSave) && p.ctx.Served != nil:
		// The file would be written on the server, wherever the principal typed.
		p.err = "over SSH the plot is not written: the file would be on the server, not where you are"
	case key.Matches(m, k.PlotSave):
		p.save = p.savePrompt()
	}
	return nil, false
}

// change applies a change of kind or column, skipping what cannot be
// drawn (a text column on y) up to one turn of the choices.
func (p *plotOverlay) change(step func(*chart.Spec)) {
	s := p.spec
	var err error
	for range max(len(p.results.columns), len(chart.Kinds)) {
		step(&s)
		if err = s.Check(p.data()); err == nil {
			p.spec = s
			return
		}
	}
	p.err = err.Error()
}

// scroll moves the bars a line (a page with pgup/pgdn) towards dir; the
// drawing keeps the last page in view past the end.
func (p *plotOverlay) scroll(m tea.KeyPressMsg, dir int) {
	step := 1
	if key.Matches(m, p.ctx.Keys.PageDown, p.ctx.Keys.PageUp) {
		step = max(1, p.page-1)
	}
	p.spec.First = max(0, min(p.spec.First+dir*step, p.data().Rows()-p.page))
}

// savePrompt asks where to write the plot as SVG.
func (p *plotOverlay) savePrompt() *promptOverlay {
	dir := queries.DefaultExportDir(p.ctx.Lake.Root)
	data, spec, title := p.data(), p.spec, p.title
	return newPrompt(p.ctx, "Write the plot", "Write the plot as SVG to:", filepath.Join(dir, "tarn-plot.svg"), "", validSVGPath,
		func(path string) tea.Cmd {
			path = expandHome(path)
			return func() tea.Msg {
				if filepath.Dir(path) == dir {
					queries.EnsureExportDir(p.ctx.Lake.Root)
				}
				err := queries.WriteOutside(p.ctx.Lake, path, func(w io.Writer) error { return chart.SVG(w, data, spec, title) })
				if err != nil {
					return flashMsg("plot not written: " + err.Error())
				}
				return flashMsg("wrote the plot to " + path)
			}
		})
}

func validSVGPath(path string) error {
	if !strings.HasSuffix(strings.ToLower(path), ".svg") {
		return fmt.Errorf("the file must end in .svg")
	}
	return nil
}

func (p *plotOverlay) View(width, height int) string {
	st := p.ctx.Styles
	below := []string{}
	if p.fetching() {
		below = append(below, st.Warning.Render(truncate(fmt.Sprintf("fetching every row: %s so far (%s stops)",
			queries.FormatCount(int64(p.results.Fetched())), p.ctx.Keys.Cancel.Help().Key), width)))
	} else if p.results.More() {
		below = append(below, st.Muted.Render(truncate(p.ctx.Keys.PlotAll.Help().Key+" fetches every row to plot them all", width)))
	}
	if p.err != "" {
		below = append(below, st.Warning.Render(truncate(p.err, width)))
	}
	if p.save != nil {
		below = []string{p.save.View(width, 3)}
	}
	rest := strings.Join(below, "\n")
	h := height - strings.Count(rest, "\n") - 1
	if rest == "" {
		h = height
	}
	style := chart.Style{Axis: render(st.Muted), Label: render(st.Text), Mark: render(st.Bar), Note: render(st.Muted)}
	p.page = h - 2 // the caption and the note: the bars a page holds
	out := chart.Draw(p.data(), p.spec, width, h, style)
	if rest != "" {
		out = fill(out, h) + "\n" + rest
	}
	return out
}

func (p *plotOverlay) ShortHelp() []key.Binding {
	k := p.ctx.Keys
	if p.save != nil {
		return p.save.ShortHelp()
	}
	return []key.Binding{k.PlotKind, k.PlotX, k.PlotY, k.PlotAll, k.PlotSave, k.Close}
}

func (p *plotOverlay) FullHelp() [][]key.Binding {
	if p.save != nil {
		return p.save.FullHelp()
	}
	k := p.ctx.Keys
	return [][]key.Binding{p.ShortHelp(), {k.Down, k.Up, k.PageDown, k.PageUp}}
}

// openPlot opens the plot of the result in the grid, or says why not.
func (a *App) openPlot() {
	if a.results.columns == nil || a.results.Fetched() == 0 {
		a.flash = "plot: run a query that returns rows first"
		return
	}
	p, err := newPlot(a.ctx, a.results, a.editor.Text(), plotCallbacks{
		fetchAll: func() tea.Cmd {
			a.toEnd = true
			a.results.ToLast() // as G in the grid: the next page is wanted
			a.flash = a.toEndProgress()
			return a.maybeFetch()
		},
		fetching:  func() bool { return a.toEnd },
		stopFetch: func() { a.toEnd = false },
	})
	if err != nil {
		a.flash = "plot: " + err.Error()
		return
	}
	a.overlay = p
}

// render is a theme style as chart's styling function.
func render(s lipgloss.Style) func(string) string {
	return func(text string) string { return s.Render(text) }
}
