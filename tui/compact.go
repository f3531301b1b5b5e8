package tui

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"tarn/internal/units"
	"tarn/lake"
	"tarn/queries"
)

// openCompactMsg asks the root to compact a table (after a confirmation).
type openCompactMsg struct {
	table lake.Table
	files lake.FileStats
}

// compactPhase is where a compaction started in the workbench is.
type compactPhase int32

const (
	compactConfirming compactPhase = iota
	compactTimingBefore
	compactRewriting
	compactTimingAfter
	compactFinished
)

// compactProgress is what the command doing the work shares with the
// overlay drawing it: written by the command, read on each tick.
type compactProgress struct {
	phase       atomic.Int32
	step        atomic.Int32 // index in lake.CompactSteps
	written     atomic.Int64
	read, size  atomic.Int64 // bytes of the old files read while writing, of all
	elapsed     atomic.Int64 // of the rewrite, in ns
	runs, total atomic.Int64 // bench runs done, of total
}

// compactDoneMsg is a compaction's end: its report and the source's
// queries timed before and after, or where it stopped.
type compactDoneMsg struct {
	seq           int
	report        lake.CompactReport
	before, after []queries.BenchCell
	err           error
}

// compactTickMsg redraws a compaction's progress.
type compactTickMsg struct{ seq int }

func compactTick(seq int) tea.Cmd {
	return tea.Tick(150*time.Millisecond, func(time.Time) tea.Msg { return compactTickMsg{seq} })
}

// compactOverlay confirms, runs and reports one compaction.
type compactOverlay struct {
	ctx      *Context
	table    lake.Table
	files    lake.FileStats
	start    func() tea.Cmd // begins the work once confirmed
	cancel   context.CancelFunc
	seq      int
	progress *compactProgress
	done     *compactDoneMsg
	compare  *compareOverlay // the before/after table, as ctrl+b draws it
}

// openCompact opens the confirmation, or the refusal for a persona who is
// not an administrator.
func (a *App) openCompact(msg openCompactMsg) {
	name := msg.table.QualifiedName()
	if !a.ctx.Persona.Admin {
		a.overlay = adminOnly(a.ctx, "Compact "+name, "compact a table's files")
		return
	}
	o := &compactOverlay{ctx: a.ctx, table: msg.table, files: msg.files, progress: &compactProgress{}}
	o.start = func() tea.Cmd {
		ctx := a.newRun()
		o.cancel, o.seq = a.cancel, a.seq
		o.progress.phase.Store(int32(compactTimingBefore)) // esc cancels from now on
		return tea.Batch(compactCmd(ctx, a.ctx.Lake.Root, a.ctx.Persona.Name, name, a.seq, o.progress), compactTick(a.seq))
	}
	a.overlay = o
}

// compactCmd times the source's queries, compacts the table and times
// them again, each on the lake as read afresh (never the workbench's own
// catalog, which the UI reads meanwhile).
func compactCmd(ctx context.Context, root, persona, name string, seq int, p *compactProgress) tea.Cmd {
	return func() tea.Msg {
		msg := compactDoneMsg{seq: seq}
		p.phase.Store(int32(compactTimingBefore))
		if msg.before, msg.err = benchAfresh(ctx, root, persona, name, p); msg.err != nil {
			return msg
		}
		p.phase.Store(int32(compactRewriting))
		l, _, err := queries.LoadLake(root)
		if err != nil {
			msg.err = err
			return msg
		}
		msg.report, msg.err = l.Compact(ctx, name, lake.CompactOptions{Persona: persona, Progress: func(cp lake.CompactProgress) {
			p.step.Store(int32(slices.Index(lake.CompactSteps, cp.Step)))
			p.written.Store(cp.Written)
			p.read.Store(cp.Read)
			p.size.Store(cp.Total)
			p.elapsed.Store(int64(cp.Elapsed))
		}})
		if !msg.report.Switched {
			return msg
		}
		p.phase.Store(int32(compactTimingAfter))
		msg.after, msg.err = benchAfresh(ctx, root, persona, name, p)
		return msg
	}
}

func benchAfresh(ctx context.Context, root, persona, name string, p *compactProgress) ([]queries.BenchCell, error) {
	l, pol, err := queries.LoadLake(root)
	if err != nil {
		return nil, err
	}
	p.runs.Store(0)
	return queries.BenchTable(ctx, l, pol, persona, name, func(bp queries.BenchProgress) {
		p.runs.Store(int64(bp.Done))
		p.total.Store(int64(bp.Total))
	})
}

// onCompactDone shows the comparison and reloads the catalog, which now
// names the new folder.
func (a *App) onCompactDone(msg compactDoneMsg) tea.Cmd {
	o, ok := a.overlay.(*compactOverlay)
	if !ok || msg.seq != o.seq {
		return nil
	}
	o.finish(msg)
	if !msg.report.Switched {
		return nil
	}
	return switchPersonaCmd(a, a.ctx.Persona.Name, "compacted "+o.table.QualifiedName()+" into "+msg.report.After.Location)
}

func (o *compactOverlay) finish(msg compactDoneMsg) {
	o.done = &msg
	o.progress.phase.Store(int32(compactFinished))
	var cells []queries.BenchCell
	for i, b := range msg.before {
		b.Table = b.Query + " · before"
		cells = append(cells, b)
		if i < len(msg.after) {
			a := msg.after[i]
			a.Table = a.Query + " · after"
			cells = append(cells, a)
		}
	}
	o.compare = &compareOverlay{ctx: o.ctx, cells: cells, finished: true, nameHeader: "query"}
}

func (o *compactOverlay) Title() string { return "Compact " + o.table.QualifiedName() }

func (o *compactOverlay) phase() compactPhase { return compactPhase(o.progress.phase.Load()) }

func (o *compactOverlay) Update(msg tea.Msg) (tea.Cmd, bool) {
	k := o.ctx.Keys
	switch m := msg.(type) {
	case compactTickMsg:
		if m.seq == o.seq && o.phase() != compactFinished {
			return compactTick(m.seq), false
		}
	case tea.KeyPressMsg:
		switch {
		case o.phase() == compactConfirming && key.Matches(m, k.Accept):
			return o.start(), false
		case o.phase() == compactConfirming && key.Matches(m, k.Dismiss, k.Close):
			return nil, true
		case o.phase() == compactFinished && o.compare != nil && !key.Matches(m, k.Close):
			return o.compare.Update(m)
		case key.Matches(m, k.Close, k.Cancel):
			if o.cancel != nil {
				o.cancel() // before the switch, the table stays as it was
			}
			return nil, o.phase() == compactFinished
		}
	}
	return nil, false
}

func (o *compactOverlay) View(width, height int) string {
	switch o.phase() {
	case compactConfirming:
		return o.confirmView(width)
	case compactFinished:
		return o.resultView(width, height)
	}
	return o.progressView(width)
}

func (o *compactOverlay) confirmView(width int) string {
	st, k, t := o.ctx.Styles, o.ctx.Keys, o.table
	lay := lake.Layout{Format: t.Format, Compression: t.Compression}
	lines := []string{
		fmt.Sprintf("%s: %s, %s (%s a file on average)", t.QualifiedName(), queries.Plural(o.files.Files, "file"),
			units.Bytes(o.files.Bytes), units.Bytes(o.files.Bytes/int64(max(o.files.Files, 1)))),
		fmt.Sprintf("rewrite as %s files of about %s each (tarn compact --to changes the format)", lay.Kind(), units.Bytes(lake.DefaultTargetSize)),
		"",
		"The new files are written into a hidden folder and checked against the old ones (rows and every " +
			"column's checksum) before the catalog switches to them; tags, grants, filters and masks stay.",
		fmt.Sprintf("The source's queries run %d+%d times over the table before and after, to compare.", queries.BenchWarmup, queries.BenchRuns),
		"",
		st.Accent.Render(k.Accept.Help().Key+" compacts") + st.Muted.Render(" · "+k.Dismiss.Help().Key+" leaves it as it is"),
	}
	return wrapLines(lines, width)
}

// progressView is the three phases, the current one with a bar.
func (o *compactOverlay) progressView(width int) string {
	st := o.ctx.Styles
	barW := max(10, min(60, width-30))
	var lines []string
	for _, ph := range []struct {
		phase compactPhase
		label string
	}{{compactTimingBefore, "timing the queries before"}, {compactRewriting, "rewriting the files"}, {compactTimingAfter, "timing the queries after"}} {
		now := o.phase()
		switch {
		case ph.phase < now:
			lines = append(lines, st.Success.Render("✓ "+ph.label))
		case ph.phase > now:
			lines = append(lines, st.Muted.Render("  "+ph.label))
		default:
			done, total, detail := o.fraction(ph.phase)
			filled := int(int64(barW) * done / max(total, 1))
			lines = append(lines, st.Text.Render("▸ "+ph.label+": "+detail),
				"  "+st.Bar.Render(strings.Repeat("█", filled))+st.Muted.Render(strings.Repeat("·", barW-filled)))
		}
	}
	lines = append(lines, "", st.Muted.Render(o.ctx.Keys.Close.Help().Key+" cancels: before the switch the table stays as it was"))
	return strings.Join(lines, "\n")
}

// fraction is the current phase's progress: bench runs, or compaction
// steps with the bytes written and their rate.
func (o *compactOverlay) fraction(ph compactPhase) (done, total int64, detail string) {
	p := o.progress
	if ph != compactRewriting {
		done, total = p.runs.Load(), max(p.total.Load(), 1)
		return done, total, fmt.Sprintf("%d/%d runs", done, p.total.Load())
	}
	step := int64(p.step.Load())
	written, elapsed := p.written.Load(), time.Duration(p.elapsed.Load())
	rate := float64(written) / max(elapsed.Seconds(), 0.001)
	name := "starting"
	if step >= 0 && int(step) < len(lake.CompactSteps) {
		name = string(lake.CompactSteps[step])
	}
	detail = fmt.Sprintf("%s, %s written (%s/s)", name, units.Bytes(written), units.Bytes(int64(rate)))
	if left, ok := lake.TimeLeft(p.read.Load(), p.size.Load(), elapsed); ok && name == string(lake.StepWrite) {
		detail += fmt.Sprintf(", %s of %s read, %s left", units.Bytes(p.read.Load()), units.Bytes(p.size.Load()), left)
	}
	return step + 1, int64(len(lake.CompactSteps)), detail
}

// resultView is the files before and after, then the queries' rows.
func (o *compactOverlay) resultView(width, height int) string {
	st, d := o.ctx.Styles, o.done
	rep := d.report
	if !rep.Switched {
		if errors.Is(d.err, context.Canceled) {
			return st.Warning.Render("cancelled: " + o.table.QualifiedName() + " is as it was")
		}
		return wrapLines([]string{st.Error.Render("not compacted: " + firstLine(fmt.Sprint(d.err))), "", o.table.QualifiedName() + " is as it was."}, width)
	}
	files := func(when string, t lake.Table, fs lake.FileStats) string {
		return fmt.Sprintf("%-6s %-7s %9s · %s · %s a file", when, lake.Layout{Format: t.Format, Compression: t.Compression}.Kind(),
			queries.Plural(fs.Files, "file"), units.Bytes(fs.Bytes), units.Bytes(fs.Bytes/int64(max(fs.Files, 1))))
	}
	lines := []string{files("before", rep.Before, rep.BeforeFiles), files("after", rep.After, rep.AfterFiles),
		fmt.Sprintf("rows   %s before and after, every column's checksum equal", queries.FormatCount(rep.Rows)),
		"now at " + rep.After.Location, ""}
	if d.err != nil {
		lines = append(lines, st.Warning.Render(truncate("compacted; then: "+firstLine(d.err.Error()), width)))
	}
	return wrapLines(lines, width) + "\n" + o.compare.table(width, max(3, height-len(lines)))
}

// wrapLines joins lines, each wrapped between words to width.
func wrapLines(lines []string, width int) string {
	return ansi.Wrap(strings.Join(lines, "\n"), width, "")
}

func (o *compactOverlay) ShortHelp() []key.Binding {
	k := o.ctx.Keys
	switch o.phase() {
	case compactConfirming:
		return []key.Binding{k.Accept, k.Dismiss}
	case compactFinished:
		return []key.Binding{k.Up, k.Down, k.Close}
	}
	return []key.Binding{k.Close}
}

func (o *compactOverlay) FullHelp() [][]key.Binding { return [][]key.Binding{o.ShortHelp()} }
