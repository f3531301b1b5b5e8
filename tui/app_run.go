package tui

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"tarn/queries"
)

// startRun runs text, superseding any query still running or open: its
// context is cancelled and its replies will carry an old seq.
func (a *App) startRun(text string) tea.Cmd {
	if strings.TrimSpace(text) == "" {
		a.flash = "the editor is empty"
		return nil
	}
	ctx := a.newRun()
	a.run = runState{running: true, started: time.Now(), text: text}
	a.results.Reset(nil)
	a.editor.errLine = 0
	return tea.Batch(runCmd(ctx, a.w, a.seq, text), tick(a.seq))
}

// newRun cancels the previous run and starts a new sequence.
func (a *App) newRun() context.Context {
	if a.cancel != nil {
		a.cancel()
	}
	a.seq++
	a.fetching, a.toEnd, a.stopping = false, false, false
	ctx, cancel := context.WithCancel(context.Background())
	a.cancel = cancel
	return ctx
}

func (a *App) startMeasure(text string) tea.Cmd {
	if strings.TrimSpace(text) == "" {
		return nil
	}
	ctx := a.newRun()
	a.run = runState{measuring: true, started: time.Now(), stats: a.run.stats, text: text}
	a.flash = "measuring: 1 warm-up run, then 5 timed runs"
	return tea.Batch(measureCmd(ctx, a.w, a.seq, text), tick(a.seq))
}

// cancelRun interrupts the running query; with rows open between
// fetches, it closes them.
func (a *App) cancelRun() tea.Cmd {
	if a.cancel != nil {
		a.cancel()
	}
	a.flash = "cancelling…"
	a.stopping = true
	if a.export != nil {
		a.export.cancelling = true
	}
	if !a.fetching && a.run.running && a.results.columns != nil {
		return closeCmd(a.w, a.seq)
	}
	return nil
}

// onReply hands typed messages to their owners.
func (a *App) onReply(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case queryMsg:
		return a.onQuery(msg)
	case measuredMsg:
		return a.onMeasured(msg)
	case tickMsg:
		if msg.seq == a.seq && ((a.run.running && !a.run.paused) || a.run.measuring) {
			return tick(msg.seq)
		}
	case tableStats:
		a.catalog.stats = msg
	case sessionOpenedMsg:
		a.onSessionOpened(msg)
	case insertMsg:
		a.editor.remember(false)
		a.editor.Insert(msg.text)
		a.setFocus(paneEditor)
	case statementMsg:
		a.editor.remember(false)
		a.editor.AddStatement(msg.text)
		a.setFocus(paneEditor)
	case setTextMsg:
		a.editor.remember(false) // a query from the history or the saved ones can be undone
		a.editor.SetText(msg.text)
		a.setFocus(paneEditor)
	case flashMsg:
		a.flash = string(msg)
	default:
		return a.onOverlayReply(msg)
	}
	return nil
}

// setTextMsg replaces the editor's text (history, saved queries).
type setTextMsg struct{ text string }

// flashMsg is a one-line message for the status bar.
type flashMsg string

func (a *App) onQuery(msg queryMsg) tea.Cmd {
	if msg.seq != a.seq {
		return nil // a superseded run
	}
	a.fetching = false
	if msg.started && msg.columns != nil {
		a.results.Reset(msg.columns) // also when rows came before an error
		a.run.columns = msg.columns
	}
	a.results.Append(msg.rows, msg.done)
	a.followToEnd(msg.done, msg.err)
	a.run.stats = msg.stats
	a.run.paused = !msg.done
	if msg.done {
		a.run.running = false
		a.flash = ""
	}
	var follow tea.Cmd
	if msg.reload != nil {
		follow = a.onReload(msg.reload)
	}
	if msg.err != nil {
		text := msg.err.Error()
		cut := "failed before the last row"
		var changed *queries.PolicyChangedError
		if errors.Is(msg.err, context.Canceled) {
			text = queries.CancelledMessage(msg.stats)
			cut = "cancelled before the last row"
		} else if errors.As(msg.err, &changed) {
			cut = "stopped: policy changed"
		}
		a.run.err = text
		a.flash = firstLine(text)
		a.editor.MarkError(text)
		a.results.Cut(cut)
		// Rows read under the old policy go too: the persona may no longer see them.
		if msg.started && len(msg.rows) == 0 || changed != nil {
			a.results.SetError(text)
		}
		return follow
	}
	if a.stopping && !msg.done {
		// The page was read before the cancel reached it.
		return tea.Batch(follow, closeCmd(a.w, a.seq))
	}
	return tea.Batch(follow, a.maybeFetch())
}

// onReload shows the catalog and policy the session reloaded: what the
// statement just ran under.
func (a *App) onReload(r *reloaded) tea.Cmd {
	a.ctx.Lake, a.ctx.Policy, a.ctx.Visibility, a.ctx.Saved = r.lake, r.pol, r.vis, r.saved
	a.ctx.Workgroup = r.pol.Workgroup(a.ctx.Persona.Workgroup)
	a.catalog.Refresh()
	a.editor.SetNames(completionNames(a.ctx.Visibility))
	a.flash = "policy changed: views reloaded"
	return statsCmd(a.ctx.Lake, a.ctx.Visibility)
}

func (a *App) onMeasured(msg measuredMsg) tea.Cmd {
	if msg.seq != a.seq {
		return nil
	}
	a.run.measuring = false
	a.run.stats = msg.stats
	if msg.err != nil {
		a.flash = firstLine(msg.err.Error())
		return nil
	}
	t := msg.timing
	a.run.timing = &t
	a.flash = t.Method()
	a.results.Reset(msg.columns)
	a.run.columns = msg.columns
	a.results.Append(msg.rows, true)
	if kept := int64(len(msg.rows)); kept < msg.stats.Rows {
		a.results.Cut(fmt.Sprintf("the first %s of %s rows measured; %s runs it to page through all",
			queries.FormatCount(kept), queries.FormatCount(msg.stats.Rows), a.ctx.Keys.Run.Help().Key))
	}
	return nil
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

// onMouse focuses the pane under a click and scrolls the one under the wheel.
func (a *App) onMouse(msg tea.MouseMsg) tea.Cmd {
	if a.overlay != nil {
		return nil
	}
	m := msg.Mouse()
	l := a.layoutBoxes()
	if a.dragBorder(msg, l.catalog) {
		return nil
	}
	at := pane(-1)
	for p, b := range []box{l.catalog, l.editor, l.results} {
		if b.contains(m.X, m.Y) {
			at = pane(p)
		}
	}
	if at < 0 {
		return nil
	}
	switch msg.(type) {
	case tea.MouseClickMsg:
		a.setFocus(at)
		b := []box{l.catalog, l.editor, l.results}[at]
		line := m.Y - b.y - 1 // inside the border
		switch at {
		case paneCatalog:
			a.catalog.ClickLine(line)
		case paneResults:
			a.results.ClickLine(line - 1) // under the header
			return a.maybeFetch()
		}
	case tea.MouseWheelMsg:
		if at == paneCatalog {
			return a.catalog.Update(msg)
		}
		if at == paneResults {
			a.results.Update(msg)
			return a.maybeFetch()
		}
	}
	return nil
}

// dragBorder resizes the catalog while its right border is dragged: a
// press on the border starts it, motion follows, the release ends it.
func (a *App) dragBorder(msg tea.MouseMsg, catalog box) bool {
	m := msg.Mouse()
	switch msg.(type) {
	case tea.MouseClickMsg:
		a.dragging = m.Button == tea.MouseLeft && m.X == catalog.x+catalog.w-1
	case tea.MouseMotionMsg:
		if a.dragging {
			a.resizeCatalog(((m.X+1)*100 + a.ctx.Width - 1) / max(a.ctx.Width, 1))
		}
	case tea.MouseReleaseMsg:
		was := a.dragging
		a.dragging = false
		return was
	}
	return a.dragging
}

// sessionState is what is restored on the next start.
func (a *App) sessionState() State {
	return State{Persona: a.ctx.Persona.Name, Theme: a.ctx.Styles.Name, Editor: a.editor.Text()}
}

// Stats are the current query's figures (for tests and the stats panel).
func (a *App) Stats() queries.Stats { return a.run.stats }
