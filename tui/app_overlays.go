package tui

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	tea "charm.land/bubbletea/v2"

	"tarn/internal/units"
	"tarn/lake"
	"tarn/perms"
	"tarn/queries"
)

func userHome() (string, error) { return os.UserHomeDir() }

// personaMsg is another persona, or the same under a changed policy: what
// it sees (from the catalog and the policy, at once) and its session,
// still opening.
type personaMsg struct {
	seq   int // the switch's number: only the one chosen last is adopted
	lake  *lake.Lake
	pol   *perms.Policy
	vis   perms.Visibility
	w     *worker
	saved []queries.Saved
	note  string // what the status bar says once it is in use
	err   error
}

// switchPersonaCmd starts a session for persona on the lake and policy as
// they are on disk now: an edit made elsewhere since the workbench started
// applies to the persona chosen. Call it from Update, when the switch is
// chosen: switches run at once and may reply in any order, and only the
// one chosen last is adopted.
func switchPersonaCmd(a *App, persona, note string) tea.Cmd {
	a.switchSeq++
	loaded, loadedPol, sv, seq, pool := a.ctx.Lake, a.ctx.Policy, a.ctx.Served, a.switchSeq, a.pool
	return func() tea.Msg {
		l, pol, err := loadLakeAgain(loaded, loadedPol)
		if err != nil {
			return personaMsg{seq: seq, err: err}
		}
		vis, err := visibleAs(sv, l, pol, persona)
		if err != nil {
			return personaMsg{seq: seq, err: err}
		}
		msg := personaMsg{seq: seq, lake: l, pol: pol, vis: vis, note: note, w: pool.start(sv, l, pol, vis)}
		var serr error
		if msg.saved, serr = queries.LoadSavedFor(l.Root, l.Catalog, vis); serr != nil {
			msg.note = serr.Error() // the switch still happens
		}
		return msg
	}
}

func (a *App) personaPicker() overlay {
	o := newList(a.ctx, "Act as persona", "", nil)
	for _, p := range a.ctx.Policy.Personas {
		if !a.ctx.Served.MayActAs(p.Name) {
			continue // a principal who is not an administrator is its own persona only
		}
		desc := p.Description
		if p.Admin {
			desc += " (data lake administrator)"
		}
		o.items = append(o.items, listItem{
			text:   fmt.Sprintf("%-12s %-10s %s", p.Name, p.Workgroup, desc),
			choose: choosePersona(p.Name),
		})
		if p.Name == a.ctx.Persona.Name {
			o.cursor = len(o.items) - 1
		}
	}
	o.all = o.items
	return o
}

// choosePersonaMsg is a persona picked in the picker; the switch starts
// in Update, where it is numbered (see switchPersonaCmd).
type choosePersonaMsg struct{ persona string }

func choosePersona(persona string) func() tea.Msg {
	return func() tea.Msg { return choosePersonaMsg{persona} }
}

// onOverlayReply handles replies of work the overlays started.
func (a *App) onOverlayReply(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case choosePersonaMsg:
		return switchPersonaCmd(a, msg.persona, "acting as "+msg.persona)
	case personaMsg:
		return a.onPersona(msg)
	case historyMsg:
		a.overlay = a.historyList(msg)
	case savedListMsg:
		a.ctx.Saved = msg.saved
		a.overlay = a.savedList()
	case exportedMsg:
		a.onExported(msg)
	case startExportMsg:
		return a.startExport(msg.job, true)
	case exportTickMsg:
		return a.onExportTick(msg)
	case savedMsg:
		a.flash, a.ctx.Saved = msg.note, msg.saved
	case openAccessMsg:
		if a.overlay == nil { // one opened first (a key typed after a) stays
			a.openAccess(msg.table)
		}
	case openDetailMsg:
		if a.overlay == nil {
			fs, counted := a.catalog.stats[msg.table.Table.QualifiedName()]
			a.overlay = &textOverlay{ctx: a.ctx, title: "Table " + msg.table.Table.QualifiedName(),
				text: tableDetail(a.ctx, msg.table, fs, counted), words: true}
		}
	case openTagsMsg:
		if a.overlay == nil {
			a.overlay = newTagOverlay(a.ctx, msg.resource)
		}
	case openGrantsMsg:
		if a.overlay == nil {
			a.openGrants()
		}
	case tagEditMsg:
		if msg.err != nil {
			a.flash = msg.err.Error()
			return nil
		}
		return switchPersonaCmd(a, a.ctx.Persona.Name, msg.done)
	case openProfileMsg:
		if a.overlay == nil {
			return a.startProfile(msg)
		}
	case profiledMsg:
		a.onProfiled(msg)
	case compareMsg:
		return a.onCompare(msg)
	case openCompactMsg:
		if a.overlay == nil {
			a.openCompact(msg)
		}
	case compactDoneMsg:
		return a.onCompactDone(msg)
	case compactTickMsg, compareTickMsg: // the overlay that asked redraws and asks again
		if a.overlay != nil {
			return a.routeOverlay(msg)
		}
	case personasComparedMsg:
		if msg.openSeq != a.openSeq {
			return nil // asked for as another persona
		}
		a.overlay = &textOverlay{ctx: a.ctx, title: "As every persona", text: msg.text, cut: true}
	}
	return nil
}

func (a *App) onPersona(msg personaMsg) tea.Cmd {
	if msg.seq != a.switchSeq { // superseded by a switch chosen after it
		if stale := msg.w; stale != nil {
			return func() tea.Msg { stale.shutdown(); return nil }
		}
		return nil
	}
	if msg.err != nil {
		a.flash = msg.err.Error()
		return nil
	}
	if a.cancel != nil {
		a.cancel()
	}
	old := a.w
	a.seq++
	a.run, a.fetching, a.toEnd = runState{}, false, false
	a.ctx.Lake = msg.lake
	a.adopt(msg.pol, msg.vis, msg.w)
	a.ctx.Saved = msg.saved
	a.results.Reset(nil)
	a.catalog.Refresh()
	a.editor.SetNames(completionNames(a.ctx.Visibility))
	a.flash = msg.note
	return tea.Batch(func() tea.Msg { old.shutdown(); return nil }, statsCmd(a.ctx.Lake, a.ctx.Visibility), a.sessionOpenedCmd())
}

// historyMsg is a workgroup's history, read off the UI.
type historyMsg struct {
	queries []queries.Query
	totals  queries.Totals
	err     error
}

func (a *App) openHistory() tea.Cmd {
	root, wg, viewer := a.ctx.Lake.Root, a.ctx.Workgroup.Name, a.ctx.Persona
	return func() tea.Msg {
		var msg historyMsg
		_, msg.err = queries.ReadHistoryAs(root, wg, viewer, func(q queries.Query) {
			msg.totals.Add(q)
			msg.queries = append(msg.queries, q)
			if len(msg.queries) > 500 {
				msg.queries = msg.queries[1:]
			}
		})
		return msg
	}
}

func (a *App) historyList(msg historyMsg) overlay {
	t := msg.totals
	title := fmt.Sprintf("History · %s · %s, scanned %s, cost %s", a.ctx.Workgroup.Name, queries.Plural(t.Queries, "query"),
		units.Bytes(t.DataScanned), queries.FormatUSD(t.CostUSD))
	var items []listItem
	groups := repeatGroups(msg.queries)
	for i := len(groups) - 1; i >= 0; i-- {
		items = append(items, historyItem(groups[i]))
	}
	return newList(a.ctx, title, "no queries yet in workgroup "+a.ctx.Workgroup.Name, items)
}

// historyItem is one line of the history: a query, or a run of repeats
// of one (F6, compare, bench) with each run's time in its detail.
func historyItem(runs []queries.Query) listItem {
	q, text := runs[0], runs[0].SQL
	var scanned int64
	var cost float64
	times := make([]string, len(runs))
	for i, r := range runs {
		scanned += r.DataScanned
		cost += r.CostUSD
		times[i] = ms(r.TotalMS)
	}
	count := ""
	detail := fmt.Sprintf("%s rows · %s · %s · %s", queries.FormatCount(q.Rows), ms(q.TotalMS), queries.FormatUSD(q.CostUSD), firstLine(q.Error))
	if len(runs) > 1 {
		count = fmt.Sprintf("×%d ", len(runs))
		detail = fmt.Sprintf("%d runs: %s · %s rows each · %s in all", len(runs), strings.Join(times, ", "),
			queries.FormatCount(q.Rows), queries.FormatUSD(cost))
	}
	return listItem{
		text: fmt.Sprintf("%s %-9s %-10s %9s %s%s", q.Time.Local().Format("01-02 15:04:05"), q.State,
			q.Persona, units.Bytes(scanned), count, oneLine(q.SQL)),
		detail: detail,
		choose: func() tea.Msg { return setTextMsg{text} },
	}
}

// repeatGroups gathers the history's repeats: the runs of one
// measurement (F6, compare, bench: one Group) are one entry, in the place
// of its first run; every other query is an entry of its own.
func repeatGroups(qs []queries.Query) [][]queries.Query {
	var groups [][]queries.Query
	at := map[string]int{}
	for _, q := range qs {
		if i, ok := at[q.Group]; ok && q.Group != "" {
			groups[i] = append(groups[i], q)
			continue
		}
		at[q.Group] = len(groups)
		groups = append(groups, []queries.Query{q})
	}
	return groups
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// savedListMsg opens the saved queries, read afresh off the UI: another
// shell or workbench may have saved one since.
type savedListMsg struct{ saved []queries.Saved }

func (a *App) openSaved() tea.Cmd {
	root, cat, vis := a.ctx.Lake.Root, a.ctx.Lake.Catalog, a.ctx.Visibility
	return func() tea.Msg {
		saved, err := queries.LoadSavedFor(root, cat, vis)
		if err != nil {
			return flashMsg(err.Error())
		}
		return savedListMsg{saved}
	}
}

func (a *App) savedList() overlay {
	var items []listItem
	for _, q := range a.ctx.Saved {
		text := q.Text("")
		items = append(items, listItem{
			text:   fmt.Sprintf("%-14s %s", q.Name, q.Description),
			detail: oneLine(text),
			choose: func() tea.Msg { return setTextMsg{text} },
		})
	}
	return newList(a.ctx, "Saved queries", "no saved queries (tarn saved add NAME SQL)", items)
}

// adminOnly refuses a view of other personas' access: like Lake
// Formation's grants, it is the data lake administrator's to see, and it
// would name columns and rows the current persona may not.
func adminOnly(ctx *Context, title, what string) overlay {
	return &textOverlay{ctx: ctx, title: title, text: "Only a data lake administrator may " + what + "; " +
		ctx.Persona.Name + " is not one. Switch persona with " + ctx.Keys.Persona.Help().Key + "."}
}

// savedMsg reports a saved query and the lake's saved queries now.
type savedMsg struct {
	note  string
	saved []queries.Saved
}

// savePrompt saves the editor's query under a name (queries.toml).
func (a *App) savePrompt() overlay {
	text, root, cat, vis := a.editor.Text(), a.ctx.Lake.Root, a.ctx.Lake.Catalog, a.ctx.Visibility
	as := a.ctx.Persona
	return newPrompt(a.ctx, "Save the query", "Name (lower-case letters, digits, - and _):", "", oneLine(text), validSavedName,
		func(name string) tea.Cmd {
			return func() tea.Msg {
				err := queries.SaveQuery(root, queries.Saved{Name: strings.TrimSpace(name), SQL: text}, false, as)
				saved, _ := queries.LoadSavedFor(root, cat, vis)
				if err != nil {
					return savedMsg{"not saved: " + err.Error(), saved}
				}
				return savedMsg{"saved " + name + " in " + queries.SavedFile, saved}
			}
		})
}

// validSavedName checks a name as it is typed, by SaveQuery's own rule.
func validSavedName(name string) error {
	return queries.CheckSavedName(strings.TrimSpace(name))
}

// exportedMsg reports an export; exists asks whether to overwrite.
type exportedMsg struct {
	seq    int // the export's run; 0 for a reply that ran none
	text   string
	exists *exportJob
}

// exportJob is one export the user asked for.
type exportJob struct{ text, path, format string }

// exportPrompt asks where to export the editor's query. The default is in
// tarn's exports folder, outside the lake: an export may not write inside
// it (queries.Export refuses).
func (a *App) exportPrompt() overlay {
	if a.ctx.Served != nil {
		// The file would be written on the server, not where the user is.
		return &textOverlay{ctx: a.ctx, title: "Export results", text: "Over SSH, export with the query command instead, " +
			"which writes to your own terminal: ssh HOST query --format csv \"SQL\" > rows.csv"}
	}
	dir := queries.DefaultExportDir(a.ctx.Lake.Root)
	return newPrompt(a.ctx, "Export results", "Export the rows to (.csv .json .parquet, outside the lake):",
		filepath.Join(dir, "tarn-export.csv"), "runs the query again, as "+a.ctx.Persona.Name+", and writes every row", validExportPath,
		func(path string) tea.Cmd {
			path = expandHome(path)
			return a.startExport(exportJob{a.editor.Text(), path, exportFormat(path)}, false)
		})
}

// expandHome reads a path's leading ~/ as the home folder, as a shell would.
func expandHome(path string) string {
	if rest, ok := strings.CutPrefix(path, "~/"); ok {
		home, _ := os.UserHomeDir()
		return filepath.Join(home, rest)
	}
	return path
}

// exportFormat is the format a path's extension names ("" for none).
func exportFormat(path string) string { return strings.TrimPrefix(filepath.Ext(path), ".") }

func validExportPath(path string) error {
	if !slices.Contains(queries.ExportFormats, exportFormat(path)) {
		return errors.New("the file must end in .csv, .json or .parquet")
	}
	return nil
}

// overwritePrompt asks before an export replaces a file.
func (a *App) overwritePrompt(job exportJob) overlay {
	return newList(a.ctx, filepath.Base(job.path)+" exists", "", []listItem{
		{text: "Keep it: export under another name (" + a.ctx.Keys.Export.Help().Key + ")", choose: func() tea.Msg { return exportedMsg{text: "export: kept " + job.path} }},
		{text: "Overwrite " + job.path, choose: func() tea.Msg { return startExportMsg{job} }},
	})
}

// openGrants opens the grants: the administrator's to see and edit.
func (a *App) openGrants() {
	if !a.ctx.Persona.Admin {
		a.overlay = adminOnly(a.ctx, "Grants", "see and change grants")
		return
	}
	a.overlay = newGrantsOverlay(a.ctx)
}

// openAccess opens a table's access matrix: the administrator's to see.
func (a *App) openAccess(t lake.Table) {
	if !a.ctx.Persona.Admin {
		a.overlay = adminOnly(a.ctx, "Access to "+t.QualifiedName(), "see what every persona may read")
		return
	}
	a.overlay = newAccessOverlay(a.ctx, a.ctx.Policy.AccessMatrix(a.ctx.Lake.Catalog, t))
}
