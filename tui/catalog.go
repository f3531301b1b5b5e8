package tui

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"tarn/internal/units"
	"tarn/lake"
	"tarn/perms"
	"tarn/queries"
)

// node is one line of the catalog tree.
type node struct {
	depth    int // 0 database, 1 table, 2 column
	database string
	table    *perms.TableAccess
	column   *perms.ColumnAccess
}

func (n node) key() string {
	switch {
	case n.column != nil:
		return n.table.Table.QualifiedName() + "." + n.column.Name
	case n.table != nil:
		return n.table.Table.QualifiedName()
	}
	return n.database
}

// Resource is the node as a policy resource.
func (n node) resource() perms.Resource {
	r := perms.Resource{Database: n.database}
	if n.table != nil {
		r.Table = n.table.Table.Name
	}
	if n.column != nil {
		r.Column = n.column.Name
	}
	return r
}

// tableStats are a table's files and bytes, read off the UI in a command.
type tableStats map[string]lake.FileStats

// catalogMode is what the catalog's keys do.
type catalogMode int

const (
	catalogBrowsing  catalogMode = iota // keys move, open and act on nodes
	catalogFiltering                    // keys edit the filter
)

// catalog is the tree of what the persona may describe: databases >
// tables > columns, with format, files, size, types, masks and tags.
type catalog struct {
	ctx           *Context
	expanded      map[string]bool
	items         []node
	cursor, top   int
	width, height int
	focused       bool
	mode          catalogMode
	filter        lineInput // table names containing it; kept when browsing
	stats         tableStats
}

// openAccessMsg asks the root for the access matrix of a table.
type openAccessMsg struct{ table lake.Table }

// openGrantsMsg asks the root for the grants overlay.
type openGrantsMsg struct{}

// openDetailMsg asks the root for the detail view of a table.
type openDetailMsg struct{ table *perms.TableAccess }

// openTagsMsg asks the root for the tag editor of a resource.
type openTagsMsg struct{ resource perms.Resource }

func newCatalog(ctx *Context) *catalog {
	c := &catalog{ctx: ctx, expanded: map[string]bool{}, filter: newLineInput(ctx, "/", nil)}
	for _, db := range databases(ctx.Visibility) {
		c.expanded[db] = true
	}
	c.rebuild()
	return c
}

func databases(v perms.Visibility) []string {
	var out []string
	for _, ta := range v.Tables {
		if len(out) == 0 || out[len(out)-1] != ta.Table.Database {
			out = append(out, ta.Table.Database)
		}
	}
	return out
}

// Refresh rebuilds the tree after the persona or the policy changed,
// keeping the cursor on the same name when it is still there.
func (c *catalog) Refresh() {
	was := ""
	if c.cursor < len(c.items) {
		was = c.items[c.cursor].key()
	}
	c.rebuild()
	for i, n := range c.items {
		if n.key() == was {
			c.cursor = i
		}
	}
	c.clamp()
}

// rebuild lists the tree's lines in one pass over the tables, which come
// grouped by database: a pass per database took 37 ms a keypress at
// 10,000 tables in 100 databases (BenchmarkCatalogFilterKeypress).
func (c *catalog) rebuild() {
	c.items = c.items[:0]
	filter := strings.ToLower(c.filter.Value())
	tables := c.ctx.Visibility.Tables
	for i := 0; i < len(tables); {
		db := tables[i].Table.Database
		c.items = append(c.items, node{depth: 0, database: db})
		open := c.expanded[db] || filter != ""
		for ; i < len(tables) && tables[i].Table.Database == db; i++ {
			if open {
				c.addTable(&tables[i], filter)
			}
		}
	}
	c.clamp()
}

// addTable lists a table that matches the filter, and its columns if open.
func (c *catalog) addTable(ta *perms.TableAccess, filter string) {
	if filter != "" && !strings.Contains(strings.ToLower(ta.Table.Name), filter) {
		return
	}
	db := ta.Table.Database
	c.items = append(c.items, node{depth: 1, database: db, table: ta})
	if c.expanded[ta.Table.QualifiedName()] {
		for j := range ta.Columns {
			c.items = append(c.items, node{depth: 2, database: db, table: ta, column: &ta.Columns[j]})
		}
	}
}

func (c *catalog) SetSize(w, h int) { c.width, c.height = w, h; c.clamp() }

func (c *catalog) clamp() {
	c.cursor = max(0, min(c.cursor, len(c.items)-1))
	rows := c.rows()
	if c.cursor < c.top {
		c.top = c.cursor
	}
	if c.cursor >= c.top+rows {
		c.top = c.cursor - rows + 1
	}
	c.top = max(0, min(c.top, len(c.items)-rows))
}

func (c *catalog) rows() int { return max(1, c.height-1) } // last line: filter

// ClickLine puts the cursor on the node drawn on line (0: the first).
func (c *catalog) ClickLine(line int) {
	if line >= 0 && line < c.rows() && c.top+line < len(c.items) {
		c.cursor = c.top + line
	}
}

// Selected is the node under the cursor.
func (c *catalog) Selected() (node, bool) {
	if c.cursor < len(c.items) {
		return c.items[c.cursor], true
	}
	return node{}, false
}

// Editing says whether the catalog owns printable keys (the filter).
func (c *catalog) Editing() bool { return c.mode == catalogFiltering }

// insertMsg asks the editor to type text.
type insertMsg struct{ text string }

// statementMsg gives the editor a statement of its own (see AddStatement).
type statementMsg struct{ text string }

func (c *catalog) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case tea.MouseWheelMsg:
		if msg.Button == tea.MouseWheelUp {
			c.cursor -= 3
		} else {
			c.cursor += 3
		}
		c.clamp()
	case tea.KeyPressMsg, tea.PasteMsg:
		if c.mode == catalogFiltering {
			return c.editFilter(msg)
		}
		if k, ok := msg.(tea.KeyPressMsg); ok {
			return c.key(k)
		}
	}
	return nil
}

// editFilter narrows the tree as the filter is typed; esc clears it.
func (c *catalog) editFilter(msg tea.Msg) tea.Cmd {
	done, cmd := c.filter.Filter(msg)
	if done {
		c.mode = catalogBrowsing
	}
	c.rebuild()
	return cmd
}

func (c *catalog) key(msg tea.KeyPressMsg) tea.Cmd {
	k := c.ctx.Keys
	n, ok := c.Selected()
	switch {
	case key.Matches(msg, k.Up):
		c.cursor--
	case key.Matches(msg, k.Down):
		c.cursor++
	case key.Matches(msg, k.Filter):
		c.mode = catalogFiltering
		c.filter.CursorEnd()
		return c.filter.Focus()
	case !ok:
	case key.Matches(msg, k.InsertColumn) && n.column != nil:
		return func() tea.Msg { return insertMsg{insertName(n)} }
	case key.Matches(msg, k.Expand):
		c.expanded[n.key()] = !c.expanded[n.key()]
		c.rebuild()
	case key.Matches(msg, k.Profile) && n.column != nil:
		return func() tea.Msg { return openProfileMsg{table: n.table.Table.QualifiedName(), column: n.column.Name} }
	case key.Matches(msg, k.Collapse):
		c.collapse(n)
	case key.Matches(msg, k.Insert):
		return func() tea.Msg { return insertMsg{insertName(n)} }
	case key.Matches(msg, k.SelectStar) && n.table != nil:
		return func() tea.Msg {
			return statementMsg{"SELECT * FROM " + n.table.Table.QualifiedName() + " LIMIT 100"}
		}
	case key.Matches(msg, k.Detail) && n.table != nil:
		return func() tea.Msg { return openDetailMsg{n.table} }
	case key.Matches(msg, k.Compact) && n.table != nil:
		fs := c.stats[n.table.Table.QualifiedName()]
		return func() tea.Msg { return openCompactMsg{n.table.Table, fs} }
	case key.Matches(msg, k.Access) && n.table != nil:
		return func() tea.Msg { return openAccessMsg{n.table.Table} }
	case key.Matches(msg, k.Tags):
		return func() tea.Msg { return openTagsMsg{n.resource()} }
	case key.Matches(msg, k.Grants):
		return func() tea.Msg { return openGrantsMsg{} }
	}
	c.clamp()
	return nil
}

func insertName(n node) string {
	switch {
	case n.column != nil:
		return n.column.Name
	case n.table != nil:
		return n.table.Table.QualifiedName()
	}
	return n.database
}

// collapse closes the node, or moves to its parent.
func (c *catalog) collapse(n node) {
	if n.column == nil && c.expanded[n.key()] {
		c.expanded[n.key()] = false
		c.rebuild()
		return
	}
	for i := c.cursor - 1; i >= 0; i-- {
		if c.items[i].depth < n.depth {
			c.cursor = i
			return
		}
	}
}

func (c *catalog) ShortHelp() []key.Binding {
	k := c.ctx.Keys
	if c.mode == catalogFiltering {
		return []key.Binding{k.Accept, k.Dismiss, k.HelpWhileTyping}
	}
	if n, ok := c.Selected(); ok && n.column != nil {
		return []key.Binding{k.Profile, k.InsertColumn, k.Filter, k.SelectStar, k.Tags, k.Grants}
	}
	return []key.Binding{k.Expand, k.Filter, k.SelectStar, k.Detail, k.Access, k.Tags, k.Grants}
}

func (c *catalog) FullHelp() [][]key.Binding {
	k := c.ctx.Keys
	if c.mode == catalogFiltering {
		return [][]key.Binding{append(c.ShortHelp(), k.lineHelp()...)}
	}
	return [][]key.Binding{{k.Up, k.Down, k.Expand, k.Collapse, k.Filter, k.Insert, k.Profile, k.InsertColumn, k.SelectStar, k.Detail, k.Access, k.Tags, k.Grants, k.Compact, k.Narrower, k.Wider}}
}

func (c *catalog) View() string {
	st := c.ctx.Styles
	var b strings.Builder
	for i := c.top; i < c.top+c.rows() && i < len(c.items); i++ {
		if i > c.top {
			b.WriteByte('\n')
		}
		line := pad(truncate(c.line(c.items[i]), c.width), c.width)
		if i == c.cursor && c.focused {
			b.WriteString(st.Selected.Render(line))
		} else if c.items[i].depth == 0 {
			b.WriteString(st.Title.Render(line))
		} else if c.items[i].depth == 2 {
			b.WriteString(st.Muted.Render(line))
		} else {
			b.WriteString(st.Text.Render(line))
		}
	}
	for i := len(c.items) - c.top; i < c.rows(); i++ {
		b.WriteByte('\n')
	}
	b.WriteByte('\n')
	switch filter := c.filter.Value(); {
	case c.mode == catalogFiltering:
		b.WriteString(c.filter.Render(st, c.width))
	case filter != "":
		b.WriteString(st.Muted.Render(truncate("filter: "+filter+" ("+c.ctx.Keys.Filter.Help().Key+" to change)", c.width)))
	case len(c.items) == 0:
		b.WriteString(st.Muted.Render(truncate("no tables visible to "+c.ctx.Persona.Name, c.width)))
	}
	return b.String()
}

func (c *catalog) line(n node) string {
	switch {
	case n.column != nil:
		s := "    " + n.column.Name + " " + n.column.Type
		if n.column.Mask != "" {
			s += " masked(" + n.column.Mask + ")"
		}
		return s + c.tags(n)
	case n.table != nil:
		mark := "▸ "
		if c.expanded[n.key()] {
			mark = "▾ "
		}
		return c.tableLine("  "+mark, n.table)
	}
	mark := "▸ "
	if c.expanded[n.database] {
		mark = "▾ "
	}
	return mark + n.database + c.tags(n)
}

func (c *catalog) tags(n node) string {
	var parts []string
	for _, t := range c.ctx.Policy.TagsOfFor(n.resource(), c.ctx.Persona.Name) {
		if !t.Inherited {
			parts = append(parts, t.Key+"="+t.Value)
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return " [" + strings.Join(parts, " ") + "]"
}

// tableLine is a table's name, format, files and size in the pane's
// width: the name shortens from the middle (its start and its end tell
// tables apart) to leave room for the rest, which is cut at the edge.
func (c *catalog) tableLine(prefix string, ta *perms.TableAccess) string {
	t := ta.Table
	rest := " " + formatName(t)
	if fs, ok := c.stats[t.QualifiedName()]; ok {
		rest += fmt.Sprintf(" %s %s", queries.Plural(fs.Files, "file"), units.Bytes(fs.Bytes))
		if fs.SmallFiles() {
			rest += " small files"
		}
	}
	if !ta.Select {
		rest += " (describe only)"
	}
	const leastName = 16 // cells a name keeps before the rest gives way
	room := c.width - ansi.StringWidth(prefix)
	nameWidth := room - ansi.StringWidth(rest)
	if nameWidth < min(leastName, ansi.StringWidth(t.Name)) {
		if ansi.StringWidth(t.Name) > room {
			return prefix + middleCut(t.Name, room) // the detail view has the rest
		}
		nameWidth = room // the rest, cut at the edge, follows the whole name
	}
	return prefix + middleCut(t.Name, nameWidth) + rest
}

// formatName is a table's format and compression: parquet+snappy.
func formatName(t lake.Table) string {
	if t.Compression != lake.None {
		return string(t.Format) + "+" + string(t.Compression)
	}
	return string(t.Format)
}

// middleCut shortens s to width cells by replacing its middle with "…".
func middleCut(s string, width int) string {
	if ansi.StringWidth(s) <= width {
		return s
	}
	if width <= 1 {
		return truncate(s, width)
	}
	r := []rune(s)
	tail := (width - 1) / 2
	head := width - 1 - tail
	return string(r[:head]) + "…" + string(r[len(r)-tail:])
}
