package tui

import (
	"context"
	"fmt"
	"time"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"tarn/lake"
	"tarn/perms"
	"tarn/queries"
	"tarn/themes"
)

// pane is one of the workbench's panes, in tab order.
type pane int

const (
	paneCatalog pane = iota
	paneEditor
	paneResults
	paneCount
)

// Options start the workbench.
type Options struct {
	Lake    *lake.Lake
	Policy  *perms.Policy
	Persona string
	Themes  []themes.Palette
	Theme   string
	NoColor bool
	Editor  string // the editor's text at start (the restored session)
	State   string // where the session is saved on quit; "" not saved
	Served  *Served
}

// App is the root model: it lays the panes out, routes messages to the
// component that owns them, and holds the running query's state.
type App struct {
	ctx      *Context
	w        *worker
	pool     *workers // every session started, for the end
	catalog  *catalog
	editor   *editor
	results  *results
	focus    pane
	overlay  overlay
	run      runState
	seq      int
	cancel   context.CancelFunc
	fetching bool
	// stopping: the user cancelled the run; a page that was on its way
	// then closes the result instead of leaving it open.
	stopping bool
	flash    string
	state    string
	quitting bool
	// quitArmed: ctrl+c was pressed with nothing running; a second one
	// quits, as in the DuckDB CLI, so a ctrl+c meant to cancel a query
	// that just ended does not close the workbench.
	quitArmed bool
	// catalogShare is the catalog pane's share of the width in percent;
	// dragging says its border is being dragged with the mouse.
	catalogShare int
	dragging     bool
	// toEnd says G asked for every row: pages are fetched one after
	// another, the cursor following, until the last or esc.
	toEnd bool
	// profileSeq numbers profiles: a superseded one's reply is dropped.
	profileSeq int
	// opening: the current persona's session is still opening; openSeq
	// numbers the sessions adopted, so a stale open's reply is dropped.
	opening    bool
	openSeq    int
	export     *exporting // the export under way, nil when none
	exportNote string     // how the last export ended, shown first while it is the flash
	// switchSeq numbers persona switches: only the last chosen is adopted.
	switchSeq int
}

// New builds the workbench from the catalog and the policy alone, so the
// first frame waits on nothing slow; the persona's session opens in the
// background (see worker).
func New(opts Options) (*App, error) {
	vis, err := visibleAs(opts.Served, opts.Lake, opts.Policy, opts.Persona)
	if err != nil {
		return nil, err
	}
	ctx := &Context{Keys: DefaultKeyMap(), Lake: opts.Lake, LakeLabel: shortPath(opts.Lake.Root), Themes: opts.Themes, NoColor: opts.NoColor, Served: opts.Served}
	a := &App{ctx: ctx, focus: paneEditor, state: opts.State, catalogShare: defaultCatalogShare}
	a.setTheme(opts.Theme)
	a.pool = &workers{}
	a.adopt(opts.Policy, vis, a.pool.start(opts.Served, opts.Lake, opts.Policy, vis))
	if ctx.Saved, err = queries.LoadSavedFor(opts.Lake.Root, opts.Lake.Catalog, ctx.Visibility); err != nil {
		a.flash = err.Error()
	}
	a.catalog, a.editor, a.results = newCatalog(ctx), newEditor(ctx), newResults(ctx)
	a.editor.SetNames(completionNames(ctx.Visibility))
	a.editor.SetText(opts.Editor)
	a.setFocus(paneEditor)
	return a, nil
}

// adopt makes w, the session of pol opening for vis's persona, the
// current persona's. The persona shown is always the one whose session
// runs the next statement: a statement waits for w to open, and never
// runs in the previous persona's session.
func (a *App) adopt(pol *perms.Policy, vis perms.Visibility, w *worker) {
	a.w = w
	a.ctx.Policy = pol
	a.ctx.Visibility = vis
	a.ctx.Persona = vis.Persona
	a.ctx.Workgroup = pol.Workgroup(a.ctx.Persona.Workgroup)
	a.opening = true
	a.openSeq++
}

// sessionOpenedMsg says the session adopted as openSeq has opened or failed.
type sessionOpenedMsg struct {
	seq int
	err error
}

// sessionOpenedCmd waits for the current session to open.
func (a *App) sessionOpenedCmd() tea.Cmd {
	w, seq := a.w, a.openSeq
	return func() tea.Msg { return sessionOpenedMsg{seq: seq, err: w.wait()} }
}

// onSessionOpened ends the "opening" of the current session; a stale
// reply is dropped (its worker was shut down when it was replaced).
func (a *App) onSessionOpened(msg sessionOpenedMsg) {
	if msg.seq != a.openSeq {
		return
	}
	a.opening = false
	if msg.err != nil {
		a.flash = msg.err.Error()
	}
}

func (a *App) setTheme(name string) {
	p := themes.Find(a.ctx.Themes, name)
	a.ctx.Styles = themes.NewStyles(p, a.ctx.NoColor)
}

// completionNames are the tables (qualified and bare) and columns the
// persona may read.
func completionNames(v perms.Visibility) []string {
	var out []string
	seen := map[string]bool{}
	add := func(s string) {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	for _, ta := range v.Tables {
		add(ta.Table.QualifiedName())
		add(ta.Table.Name)
		for _, c := range ta.Columns {
			add(c.Name)
		}
	}
	return out
}

func (a *App) Init() tea.Cmd {
	return tea.Batch(statsCmd(a.ctx.Lake, a.ctx.Visibility), a.sessionOpenedCmd())
}

// statsCmd counts each visible table's files and bytes, off the UI.
func statsCmd(l *lake.Lake, v perms.Visibility) tea.Cmd {
	return func() tea.Msg {
		out := tableStats{}
		for _, ta := range v.Tables {
			if fs, err := l.Stat(ta.Table); err == nil {
				out[ta.Table.QualifiedName()] = fs
			}
		}
		return out
	}
}

// tickMsg redraws the elapsed time while a query runs.
type tickMsg struct{ seq int }

func tick(seq int) tea.Cmd {
	return tea.Tick(100*time.Millisecond, func(time.Time) tea.Msg { return tickMsg{seq} })
}

// Update routes: window size to the layout, keys to the overlay or the
// focused pane (after the few global keys), replies to their owners.
func (a *App) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		a.ctx.Width, a.ctx.Height = msg.Width, msg.Height
		a.layout()
		return a, nil
	case tea.KeyPressMsg:
		return a, a.onKey(msg)
	case tea.PasteMsg:
		if a.overlay != nil {
			return a, a.routeOverlay(msg)
		}
		return a, a.focused().Update(msg) // the editor and the catalog's filter take it
	case tea.MouseClickMsg, tea.MouseWheelMsg, tea.MouseMotionMsg, tea.MouseReleaseMsg:
		return a, a.onMouse(msg.(tea.MouseMsg))
	}
	return a, a.onReply(msg)
}

func (a *App) View() tea.View {
	v := tea.NewView(a.render())
	v.AltScreen = true
	v.MouseMode = tea.MouseModeCellMotion
	v.BackgroundColor, v.ForegroundColor = a.ctx.Styles.ScreenBG, a.ctx.Styles.ScreenFG
	v.WindowTitle = "tarn · " + a.ctx.Persona.Name
	return v
}

func (a *App) setFocus(p pane) {
	a.focus = (p + paneCount) % paneCount
	a.catalog.focused = a.focus == paneCatalog
	a.editor.focused = a.focus == paneEditor
	a.results.focused = a.focus == paneResults
}

// focused is the pane that owns the keyboard.
func (a *App) focused() interface {
	Update(tea.Msg) tea.Cmd
	help.KeyMap
} {
	switch a.focus {
	case paneCatalog:
		return a.catalog
	case paneEditor:
		return a.editor
	}
	return a.results
}

// typing says whether the focused pane takes printable keys as text, so
// single-letter bindings must not fire.
func (a *App) typing() bool {
	return a.focus == paneEditor || (a.focus == paneCatalog && a.catalog.Editing())
}

func (a *App) onKey(msg tea.KeyPressMsg) tea.Cmd {
	if a.overlay != nil {
		return a.routeOverlay(msg)
	}
	k := a.ctx.Keys
	busy := a.run.running || a.run.measuring || a.export != nil
	armed := a.quitArmed
	a.quitArmed = false
	switch {
	case a.toEnd && key.Matches(msg, k.Cancel): // stops fetching; the rows stay open
		a.toEnd = false
		a.flash = fmt.Sprintf("stopped fetching at %s rows; %s goes on, %s again cancels the query",
			queries.FormatCount(int64(a.results.Fetched())), k.Bottom.Help().Key, k.Cancel.Help().Key)
		return nil
	case busy && key.Matches(msg, k.Cancel) && !a.filterTakes(msg): // esc, or ctrl+c while something runs
		return a.cancelRun()
	case key.Matches(msg, k.Quit), armed && key.Matches(msg, k.QuitTwice):
		return a.quit()
	case key.Matches(msg, k.QuitTwice):
		a.quitArmed = true
		a.flash = "press " + k.QuitTwice.Keys()[0] + " again to quit (" + k.Quit.Help().Key + " quits at once)"
		return nil
	case key.Matches(msg, k.Run):
		return a.startRun(a.editor.Text())
	case key.Matches(msg, k.Measure):
		return a.startMeasure(a.editor.Text())
	case a.focus == paneEditor && key.Matches(msg, k.Complete) && (!key.Matches(msg, k.NextPane) || a.editor.CanComplete()):
		return a.editor.Update(msg) // tab completes where there is a word to complete
	case key.Matches(msg, k.NextPane):
		a.setFocus(a.focus + 1)
		return nil
	case key.Matches(msg, k.PrevPane):
		a.setFocus(a.focus - 1)
		return nil
	case key.Matches(msg, k.FocusEditor):
		a.setFocus(paneEditor)
		return nil
	case key.Matches(msg, k.FocusResults):
		a.setFocus(paneResults)
		return nil
	case key.Matches(msg, k.FocusCatalog):
		a.setFocus(paneCatalog)
		return nil
	}
	if cmd, ok := a.globalKey(msg); ok {
		return cmd
	}
	return a.paneKey(msg)
}

// filterTakes says whether the catalog's filter takes msg: esc there
// leaves the filter, it does not cancel the running query.
func (a *App) filterTakes(msg tea.KeyPressMsg) bool {
	return a.focus == paneCatalog && a.catalog.Editing() && key.Matches(msg, a.ctx.Keys.Dismiss)
}

// globalKey handles the program-wide bindings that open overlays.
func (a *App) globalKey(msg tea.KeyPressMsg) (tea.Cmd, bool) {
	k := a.ctx.Keys
	switch {
	case key.Matches(msg, k.HelpWhileTyping), key.Matches(msg, k.Help) && !a.typing():
		a.overlay = &helpOverlay{ctx: a.ctx, focused: a.focused()}
	case key.Matches(msg, k.Persona):
		a.overlay = a.personaPicker()
	case key.Matches(msg, k.History):
		return a.openHistory(), true
	case key.Matches(msg, k.Saved):
		return a.openSaved(), true
	case key.Matches(msg, k.Save) && a.ctx.Served != nil && !a.ctx.Served.Admin:
		// A principal who is not an administrator does not change the lake.
		a.flash = "over SSH only an administrator saves queries in the lake"
	case key.Matches(msg, k.Save):
		a.overlay = a.savePrompt()
	case key.Matches(msg, k.Theme):
		a.nextTheme()
	case key.Matches(msg, k.Export):
		a.overlay = a.exportPrompt()
	case key.Matches(msg, k.Compare):
		return a.startCompare(), true
	case key.Matches(msg, k.ComparePersonas):
		return a.comparePersonas(), true
	default:
		return nil, false
	}
	return nil, true
}

func (a *App) paneKey(msg tea.KeyPressMsg) tea.Cmd {
	if a.focus == paneResults && key.Matches(msg, a.ctx.Keys.Bottom) && a.results.More() {
		a.toEnd = true
		a.results.Update(msg)
		a.flash = a.toEndProgress()
		return a.maybeFetch()
	}
	if a.focus == paneCatalog && !a.catalog.Editing() {
		switch {
		case key.Matches(msg, a.ctx.Keys.Narrower):
			a.resizeCatalog(a.catalogShare - catalogStep)
			return nil
		case key.Matches(msg, a.ctx.Keys.Wider):
			a.resizeCatalog(a.catalogShare + catalogStep)
			return nil
		}
	}
	if a.focus == paneResults && key.Matches(msg, a.ctx.Keys.Plot) {
		a.openPlot()
		return nil
	}
	if a.focus == paneResults && key.Matches(msg, a.ctx.Keys.CellView) {
		if a.results.failure != "" {
			a.overlay = &textOverlay{ctx: a.ctx, title: "Error", text: a.results.failure, words: true}
		} else if v, ok := a.results.Cell(); ok {
			a.overlay = &textOverlay{ctx: a.ctx, title: "Value", text: v}
		}
		return nil
	}
	return tea.Batch(a.focused().Update(msg), a.maybeFetch())
}

// maybeFetch asks for the next page when the cursor nears the end.
func (a *App) maybeFetch() tea.Cmd {
	if a.fetching || !a.results.WantsMore() || (a.run.running && !a.run.paused) {
		return nil
	}
	a.fetching = true
	if a.toEnd {
		return fetchCmd(a.w, a.seq, toEndPageRows)
	}
	return fetchCmd(a.w, a.seq, pageRows)
}

// toEndPageRows is a page while G fetches every row: larger, as no one
// reads between pages, yet small enough that progress shows and esc stops.
const toEndPageRows = 10 * pageRows

// toEndProgress is the status while G fetches every row.
func (a *App) toEndProgress() string {
	return fmt.Sprintf("fetching every row: %s so far (%s stops)", queries.FormatCount(int64(a.results.Fetched())), a.ctx.Keys.Cancel.Help().Key)
}

// followToEnd moves the cursor onto the rows G fetched, and ends the
// fetching when the rows do.
func (a *App) followToEnd(done bool, err error) {
	if !a.toEnd {
		return
	}
	a.results.ToLast()
	a.flash = a.toEndProgress()
	if done || err != nil {
		a.toEnd = false
		a.flash = ""
	}
}

func (a *App) routeOverlay(msg tea.Msg) tea.Cmd {
	cmd, done := a.overlay.Update(msg)
	if done {
		a.overlay = nil
	}
	return cmd
}

// Close ends the workbench's session when its program ended without a
// quit (a served connection that closed or went idle); after a quit it
// does nothing.
func (a *App) Close() { a.pool.shutdownAll() }

func (a *App) quit() tea.Cmd {
	a.quitting = true
	if a.cancel != nil {
		a.cancel()
	}
	pool, state := a.pool, a.sessionState()
	return tea.Sequence(func() tea.Msg {
		pool.shutdownAll()
		if a.state != "" {
			saveState(a.state, state)
		}
		return nil
	}, tea.Quit)
}

func (a *App) nextTheme() {
	for i, p := range a.ctx.Themes {
		if p.Name == a.ctx.Styles.Name {
			a.setTheme(a.ctx.Themes[(i+1)%len(a.ctx.Themes)].Name) // the status bar names it
			return
		}
	}
}
