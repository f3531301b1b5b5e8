package tui

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"sync/atomic"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"tarn/internal/units"
	"tarn/lake"
	"tarn/perms"
	"tarn/queries"
)

// demoTableRE finds a demo log layout named in SQL.
var demoTableRE = regexp.MustCompile(`(?i)\b(weblogs\.)?access_log_(csv|json|parquet)(_gz)?_\d+\b`)

// compareMsg is a finished comparison of layouts.
type compareMsg struct {
	seq   int
	cells []queries.BenchCell
	err   error
}

// compareOverlay runs the editor's query over every layout of the demo
// log and draws local times beside the source's Athena times as bars.
type compareOverlay struct {
	ctx         *Context
	query       string
	cancel      context.CancelFunc
	done, total *atomic.Int64
	cells       []queries.BenchCell
	err         error
	finished    bool
	top         int
	nameHeader  string // the first column's title; "" is "layout"
}

func (a *App) startCompare() tea.Cmd {
	text := a.editor.Text()
	if !demoTableRE.MatchString(text) {
		a.flash = "compare: name a demo log layout in the editor (e.g. weblogs.access_log_csv_1)"
		return nil
	}
	template := demoTableRE.ReplaceAllString(text, queries.TablePlaceholder)
	name := "editor"
	for _, q := range queries.SourceQueries() {
		if strings.EqualFold(strings.TrimSpace(template), q.SQL) {
			name = q.Name
		}
	}
	var tables []lake.Table
	for _, ta := range a.ctx.Visibility.Tables {
		if ta.Select && demoTableRE.MatchString(ta.Table.Name) {
			tables = append(tables, ta.Table)
		}
	}
	cells, err := queries.PlanBench(a.ctx.Lake, tables, []queries.Saved{{Name: name, SQL: template}})
	if err != nil {
		a.flash = err.Error()
		return nil
	}
	ctx := a.newRun()
	o := &compareOverlay{ctx: a.ctx, query: oneLine(template), cancel: a.cancel, done: new(atomic.Int64), total: new(atomic.Int64)}
	a.overlay = o
	w, seq := a.w, a.seq
	run := func() tea.Msg {
		err := w.do(func(s *queries.Session) error {
			w.closeOpen()
			return s.Bench(ctx, cells, 5, 1, func(p queries.BenchProgress) {
				o.done.Store(int64(p.Done))
				o.total.Store(int64(p.Total))
			})
		})
		return compareMsg{seq: seq, cells: cells, err: err}
	}
	return tea.Batch(run, compareTick(seq))
}

// compareTickMsg redraws the progress of a comparison.
type compareTickMsg struct{ seq int }

func compareTick(seq int) tea.Cmd {
	return tea.Tick(150*time.Millisecond, func(time.Time) tea.Msg { return compareTickMsg{seq} })
}

func (a *App) onCompare(msg compareMsg) tea.Cmd {
	o, ok := a.overlay.(*compareOverlay)
	if !ok || msg.seq != a.seq {
		return nil
	}
	o.cells, o.err, o.finished = msg.cells, msg.err, true
	return nil
}

func (o *compareOverlay) Title() string { return "Compare layouts · " + o.query }

func (o *compareOverlay) Update(msg tea.Msg) (tea.Cmd, bool) {
	switch m := msg.(type) {
	case compareTickMsg:
		if !o.finished {
			return compareTick(m.seq), false
		}
	case tea.KeyPressMsg:
		switch {
		case key.Matches(m, o.ctx.Keys.Close):
			o.cancel()
			return nil, true
		case key.Matches(m, o.ctx.Keys.Down):
			o.top++
		case key.Matches(m, o.ctx.Keys.Up):
			o.top = max(0, o.top-1)
		}
	}
	return nil, false
}

func (o *compareOverlay) View(width, height int) string {
	st := o.ctx.Styles
	if !o.finished {
		done, total := o.done.Load(), max(1, o.total.Load())
		barW := max(10, width-30)
		filled := int(int64(barW) * done / total)
		return st.Text.Render(fmt.Sprintf("running each layout 1 + 5 times: %d/%d runs\n", done, total)) +
			st.Bar.Render(strings.Repeat("█", filled)) + st.Muted.Render(strings.Repeat("·", barW-filled)) +
			"\n\n" + st.Muted.Render(o.ctx.Keys.Close.Help().Key+" cancels")
	}
	if errors.Is(o.err, context.Canceled) {
		return st.Warning.Render("cancelled")
	}
	return o.table(width, height)
}

// table draws one line per layout: local trimmed mean and Athena's figure
// as bars, each scaled to its own largest value, then scanned and cost.
func (o *compareOverlay) table(width, height int) string {
	st := o.ctx.Styles
	var maxLocal, maxAthena float64
	for _, c := range o.cells {
		maxLocal = max(maxLocal, c.TrimmedMS)
		if c.AthenaS != nil {
			maxAthena = max(maxAthena, *c.AthenaS)
		}
	}
	// Below 80 cells two bars leave no room for what was scanned: the
	// Athena figures give way.
	athenaShown := width >= 80
	nameW, barW := 24, max(6, (width-24-48)/2)
	if !athenaShown {
		nameW = 20
		barW = max(4, width-nameW-34) // a line is the name, the bar and 34 cells
	}
	local := "local (trimmed mean of 5)"
	if !athenaShown {
		local = "trimmed mean"
	}
	header := pad(cmp.Or(o.nameHeader, "layout"), nameW) + " " + pad(local, barW+11)
	if athenaShown {
		header += " " + pad("Athena (source)", barW+8)
	}
	lines := []string{st.Header.Render(header + " scanned     cost")}
	copies := false
	for _, c := range o.cells {
		if c.Error != "" {
			lines = append(lines, pad(c.Table, nameW)+" "+st.Error.Render(truncate(c.Error, width-nameW-1)))
			continue
		}
		name := c.Table
		if c.CopiesRead > 0 {
			name, copies = truncate(name, nameW-1)+"*", true
		}
		local := bar(c.TrimmedMS, maxLocal, barW)
		line := pad(name, nameW) + " " + st.Bar.Render(local) + fmt.Sprintf(" %9s ", ms(c.TrimmedMS))
		athena := strings.Repeat(" ", barW+9) // as wide as a bar and " %6.2f s"
		if c.AthenaS != nil {
			athena = st.BarRef.Render(bar(*c.AthenaS, maxAthena, barW)) + fmt.Sprintf(" %6.2f s", *c.AthenaS)
		}
		if !athenaShown {
			athena = ""
		}
		line += athena + fmt.Sprintf(" %10s %s", units.Bytes(c.DataScanned), queries.FormatUSD(c.CostUSD))
		lines = append(lines, line)
	}
	if copies {
		lines = append(lines, st.Muted.Render(truncate("* read from tarn's one-file copy of its many small files after the first run; scanned and cost are the files'", width)))
	}
	top := min(o.top, max(0, len(lines)-height+1))
	body := lines[:1]
	body = append(body, lines[1+top:]...)
	return strings.Join(body, "\n")
}

// bar is a horizontal bar of x out of full in width cells (eighths).
func bar(x, full float64, width int) string {
	if full <= 0 {
		return strings.Repeat(" ", width)
	}
	eighths := int(x / full * float64(width*8))
	s := strings.Repeat("█", eighths/8)
	if r := eighths % 8; r > 0 {
		s += string([]rune("▏▎▍▌▋▊▉")[r-1])
	}
	return pad(s, width)
}

func (o *compareOverlay) ShortHelp() []key.Binding {
	return []key.Binding{o.ctx.Keys.Up, o.ctx.Keys.Down, o.ctx.Keys.Close}
}

func (o *compareOverlay) FullHelp() [][]key.Binding { return [][]key.Binding{o.ShortHelp()} }

// personasComparedMsg is one query's outcome for every persona, asked
// for under the session adopted as openSeq: after a persona switch it is
// dropped (the persona now acting may not be an administrator).
type personasComparedMsg struct {
	openSeq int
	text    string
}

// comparePersonas runs the editor's query as every persona, each in a
// session of its own, and shows the columns, row count and first rows
// each gets, or its refusal.
func (a *App) comparePersonas() tea.Cmd {
	text := a.editor.Text()
	if strings.TrimSpace(text) == "" {
		return nil
	}
	if !a.ctx.Persona.Admin {
		a.overlay = adminOnly(a.ctx, "As every persona", "run a query as every persona")
		return nil
	}
	l, pol, sv, openSeq := a.ctx.Lake, a.ctx.Policy, a.ctx.Served, a.openSeq
	a.flash = "running as every persona…"
	return func() tea.Msg {
		var b strings.Builder
		for _, p := range pol.Personas {
			fmt.Fprintf(&b, "── %s (%s)\n%s\n", p.Name, p.Workgroup, asPersona(sv, l, pol, p.Name, text))
		}
		return personasComparedMsg{openSeq, b.String()}
	}
}

// asPersona is one persona's outcome in two lines: state, rows, columns
// and data scanned, then its first row (or the refusal).
func asPersona(sv *Served, l *lake.Lake, pol *perms.Policy, persona, text string) string {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s, err := sv.open(ctx, l, pol, persona)
	if err != nil {
		return "error: " + err.Error()
	}
	defer s.Close()
	r, err := s.Run(ctx, text)
	if err != nil {
		return s.Last().State + ": " + firstLine(err.Error())
	}
	var names []string
	for _, c := range r.Columns() {
		names = append(names, c.Name)
	}
	first := ""
	formats := queries.FormatsOf(r.Columns())
	err = r.Each(func(row []any) error {
		if first == "" {
			var cells []string
			for i, v := range row {
				cells = append(cells, formats[i].Text(v))
			}
			first = "   first row: " + strings.Join(cells, " | ")
		}
		return nil
	})
	r.Close()
	st := r.Stats()
	if err != nil {
		return st.State + ": " + firstLine(err.Error())
	}
	return fmt.Sprintf("%s · %s · scanned %s · %d columns: %s\n%s", st.State, queries.Plural(int(st.Rows), "row"),
		units.Bytes(st.DataScanned), len(names), strings.Join(names, ", "), first)
}
