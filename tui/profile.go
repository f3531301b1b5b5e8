package tui

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"tarn/internal/units"
	"tarn/lake"
	"tarn/perms"
	"tarn/queries"
)

// openProfileMsg asks the root for a column's profile: a catalog column
// (table set) or column col of the current result.
type openProfileMsg struct {
	table, column string
	col           int
}

// profiledMsg is a finished profile; seq tells it from a superseded one.
type profiledMsg struct {
	seq     int
	profile queries.Profile
	err     error
}

// profileTickMsg redraws a running profile's spinner and time.
type profileTickMsg struct{ seq int }

func profileTick(seq int) tea.Cmd {
	return tea.Tick(100*time.Millisecond, func(time.Time) tea.Msg { return profileTickMsg{seq} })
}

// profileOverlay shows one column's profile, computed as the persona's
// own query (see profileCmd).
type profileOverlay struct {
	ctx     *Context
	seq     int
	name    string // what is profiled, as people name it
	cancel  context.CancelFunc
	started time.Time
	done    bool
	profile queries.Profile
	err     error
}

// startProfile opens the overlay and starts the profile's command.
func (a *App) startProfile(msg openProfileMsg) tea.Cmd {
	a.profileSeq++
	ctx, cancel := context.WithCancel(context.Background())
	o := &profileOverlay{ctx: a.ctx, seq: a.profileSeq, cancel: cancel, started: time.Now(), name: msg.table + "." + msg.column}
	l, pol, persona := a.ctx.Lake, a.ctx.Policy, a.ctx.Persona.Name
	var run func(s *queries.Session) (queries.Profile, error)
	if msg.table != "" {
		run = func(s *queries.Session) (queries.Profile, error) { return s.ProfileColumn(ctx, msg.table, msg.column) }
	} else {
		text, cols := a.run.text, a.run.columns
		if msg.col >= len(cols) {
			cancel()
			a.flash = "no result column to profile: run a query first"
			return nil
		}
		o.name = queries.Printable(cols[msg.col].Name)
		run = func(s *queries.Session) (queries.Profile, error) { return s.ProfileResult(ctx, text, cols, msg.col) }
	}
	a.overlay = o
	return tea.Batch(profileCmd(ctx, o.seq, a.w, a.ctx.Served, l, pol, persona, run), profileTick(o.seq))
}

// profileCmd runs a profile in the persona's session when no result is
// open there, else in a session of its own, so the grid's open result
// stays open. A new session's first statement creates its views: a
// profile took 3-4 times as long in one (BenchmarkProfile).
func profileCmd(ctx context.Context, seq int, w *worker, sv *Served, l *lake.Lake, pol *perms.Policy, persona string,
	run func(*queries.Session) (queries.Profile, error)) tea.Cmd {
	return func() tea.Msg {
		msg := profiledMsg{seq: seq}
		ran := false
		if err := w.do(func(s *queries.Session) error {
			if w.open == nil {
				msg.profile, msg.err = run(s)
				ran = true
			}
			return nil
		}); err != nil || ran {
			msg.err = cmp.Or(msg.err, err)
			return msg
		}
		s, err := sv.open(ctx, l, pol, persona)
		if err != nil {
			return profiledMsg{seq: seq, err: err}
		}
		defer s.Close()
		msg.profile, msg.err = run(s)
		return msg
	}
}

// onProfiled shows a finished profile in its overlay, if still open.
func (a *App) onProfiled(msg profiledMsg) {
	if o, ok := a.overlay.(*profileOverlay); ok && o.seq == msg.seq {
		o.profile, o.err, o.done = msg.profile, msg.err, true
	}
}

func (o *profileOverlay) Title() string { return "Profile · " + queries.Printable(o.name) }

func (o *profileOverlay) Update(msg tea.Msg) (tea.Cmd, bool) {
	switch m := msg.(type) {
	case profileTickMsg:
		if !o.done && m.seq == o.seq {
			return profileTick(o.seq), false
		}
	case tea.KeyPressMsg:
		if key.Matches(m, o.ctx.Keys.Close) {
			o.cancel() // a profile still running is cancelled, and recorded so
			return nil, true
		}
	}
	return nil, false
}

func (o *profileOverlay) ShortHelp() []key.Binding { return []key.Binding{o.ctx.Keys.Close} }

func (o *profileOverlay) FullHelp() [][]key.Binding { return [][]key.Binding{o.ShortHelp()} }

func (o *profileOverlay) View(width, height int) string {
	st := o.ctx.Styles
	if !o.done {
		now := time.Now()
		return st.Text.Render(fmt.Sprintf("%s profiling as %s… %s", spinner(now), o.ctx.Persona.Name, ms(float64(now.Sub(o.started).Milliseconds())))) +
			"\n\n" + st.Muted.Render(o.ctx.Keys.Close.Help().Key+" cancels")
	}
	stats := profileStats(o.ctx, o.profile.Stats, width)
	if o.err != nil {
		msg := o.err.Error()
		if errors.Is(o.err, context.Canceled) {
			msg = queries.CancelledMessage(o.profile.Stats)
		}
		lines := wrapHead(ansi.Wrap(msg, width, ""), width, max(1, height-1-len(stats)), false) // between words
		return st.Error.Render(strings.Join(lines, "\n")) + "\n\n" + strings.Join(stats, "\n")
	}
	return o.figures(width, height, stats)
}

// figures draws the profile: its figures packed into lines, the bars in
// the lines left, and the query's stats last.
func (o *profileOverlay) figures(width, height int, stats []string) string {
	st := o.ctx.Styles
	p := o.profile
	var parts []string
	for _, f := range append([]queries.Figure{{Name: "type", Value: p.Type}}, p.Figures()...) {
		parts = append(parts, st.Muted.Render(f.Name)+" "+st.Text.Render(queries.Printable(f.Value)))
	}
	lines := append(packed(st.Muted.Render(" · "), parts, width), "")
	title, bins := "most frequent", p.Top
	if len(p.Histogram) > 0 {
		title, bins = "histogram: rows up to each value", p.Histogram
	}
	room := height - len(lines) - 2 - len(stats) // the bars' title and a blank line
	if len(bins) > 0 && room > 0 {
		lines = append(lines, st.Header.Render(title))
		lines = append(lines, profileBars(o.ctx, bins, width, room)...)
		lines = append(lines, "")
	}
	lines = append(lines, stats...)
	for i := range lines {
		lines[i] = ansi.Truncate(lines[i], width, "…")
	}
	return strings.Join(lines, "\n")
}

// packed joins parts with sep into as few lines of width as they fit.
func packed(sep string, parts []string, width int) []string {
	var lines []string
	line := ""
	for _, part := range parts {
		switch {
		case line == "":
			line = part
		case ansi.StringWidth(line)+ansi.StringWidth(sep)+ansi.StringWidth(part) <= width:
			line += sep + part
		default:
			lines, line = append(lines, line), part
		}
	}
	return append(lines, line)
}

// maxProfileBar is the longest bar: longer ones are harder to compare.
const maxProfileBar = 40

// profileBars draws up to rows bins, one a line: label, bar, count. The
// last line says how many more there are when they do not all fit.
func profileBars(ctx *Context, bins []queries.Bin, width, rows int) []string {
	st := ctx.Styles
	labelW, most := 1, int64(0)
	for _, b := range bins {
		labelW = max(labelW, ansi.StringWidth(queries.Printable(b.Label)))
		most = max(most, b.Count)
	}
	countW := len(queries.FormatCount(most))
	labelW = min(labelW, width/3)
	barW := max(4, min(maxProfileBar, width-labelW-countW-2))
	shown := bins
	if len(bins) > rows {
		shown = bins[:max(0, rows-1)]
	}
	var out []string
	for _, b := range shown {
		label := pad(truncate(queries.Printable(b.Label), labelW), labelW)
		out = append(out, st.Text.Render(label)+" "+st.Bar.Render(bar(float64(b.Count), float64(most), barW))+" "+
			st.Text.Render(fmt.Sprintf("%*s", countW, queries.FormatCount(b.Count))))
	}
	if len(shown) < len(bins) {
		out = append(out, st.Muted.Render(fmt.Sprintf("… %d more", len(bins)-len(shown))))
	}
	return out
}

// profileStats is the profile query's figures, in as few lines of width
// as they fit.
func profileStats(ctx *Context, s queries.Stats, width int) []string {
	st := ctx.Styles
	parts := []string{st.Text.Render(s.State), st.Muted.Render("scanned ") + st.Text.Render(units.Bytes(s.DataScanned)),
		st.Muted.Render("billed ") + st.Text.Render(units.Bytes(s.BilledBytes)), st.Muted.Render("cost ") + st.Text.Render(queries.FormatUSD(s.CostUSD)),
		st.Muted.Render("time ") + st.Text.Render(ms(s.TotalMS))}
	return packed(st.Muted.Render(" · "), parts, width)
}
