package tui

import (
	"errors"
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"tarn/lake"
	"tarn/perms"
	"tarn/queries"
)

// accessOverlay is one table's columns x personas: visible, masked (kind)
// or hidden, each persona's row filter, and why the selected cell is so.
type accessOverlay struct {
	ctx      *Context
	m        perms.Matrix
	row, col int
}

func newAccessOverlay(ctx *Context, m perms.Matrix) *accessOverlay {
	return &accessOverlay{ctx: ctx, m: m}
}

func (o *accessOverlay) Title() string { return "Access to " + o.m.Table.QualifiedName() }

func (o *accessOverlay) Update(msg tea.Msg) (tea.Cmd, bool) {
	k := o.ctx.Keys
	m, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return nil, false
	}
	switch {
	case key.Matches(m, k.Close):
		return nil, true
	case key.Matches(m, k.Up):
		o.row = max(0, o.row-1)
	case key.Matches(m, k.Down):
		o.row = min(len(o.m.Cells)-1, o.row+1)
	case key.Matches(m, k.Left):
		o.col = max(0, o.col-1)
	case key.Matches(m, k.Right):
		o.col = min(len(o.m.Personas)-1, o.col+1)
	}
	return nil, false
}

func (o *accessOverlay) View(width, height int) string {
	st := o.ctx.Styles
	nameW := 12
	for _, c := range o.m.Table.Columns {
		nameW = max(nameW, len(c.Name))
	}
	cellW := 13
	for _, p := range o.m.Personas {
		cellW = max(cellW, len(p))
	}
	var b strings.Builder
	b.WriteString(st.Header.Render(pad("column", nameW)))
	for _, p := range o.m.Personas {
		b.WriteString(" " + st.Header.Render(pad(p, cellW)))
	}
	for r, c := range o.m.Table.Columns {
		b.WriteString("\n" + pad(c.Name, nameW))
		for p := range o.m.Personas {
			cell := pad(o.m.Cells[r][p], cellW)
			style := cellStyle(o.ctx, o.m.Cells[r][p])
			if r == o.row && p == o.col {
				style = st.Selected
			}
			b.WriteString(" " + style.Render(cell))
		}
	}
	b.WriteString("\n" + st.Muted.Render(pad("rows", nameW)))
	for _, f := range o.m.RowFilters {
		b.WriteString(" " + st.Text.Render(pad(truncate(f, cellW), cellW)))
	}
	if len(o.m.Why) > 0 {
		why := o.m.Personas[o.col] + " · " + o.m.Table.Columns[o.row].Name + ": " + o.m.Why[o.row][o.col]
		b.WriteString("\n\n" + st.Accent.Render(truncate(why, width)))
	}
	return b.String()
}

func cellStyle(ctx *Context, state string) lipgloss.Style {
	switch {
	case state == "visible":
		return ctx.Styles.Success
	case strings.HasPrefix(state, "masked"):
		return ctx.Styles.Warning
	}
	return ctx.Styles.Muted
}

func (o *accessOverlay) ShortHelp() []key.Binding {
	k := o.ctx.Keys
	return []key.Binding{k.Up, k.Down, k.Left, k.Right, k.Close}
}

func (o *accessOverlay) FullHelp() [][]key.Binding { return [][]key.Binding{o.ShortHelp()} }

// tagOverlay shows a resource's tags; an administrator edits them here,
// anyone else sees them read-only with the reason. An edit is reported as
// a tagEditMsg for the root to follow.
type tagOverlay struct {
	ctx      *Context
	resource perms.Resource
	mode     string // "", "assign", "unassign", "create"
	input    string
}

// tagEditMsg reports a tag edit done through the policy package.
type tagEditMsg struct {
	pol  *perms.Policy
	done string
	err  error
}

func newTagOverlay(ctx *Context, r perms.Resource) *tagOverlay {
	return &tagOverlay{ctx: ctx, resource: r}
}

func (o *tagOverlay) Title() string { return "Tags of " + o.resource.String() }

func (o *tagOverlay) admin() bool { return o.ctx.Persona.Admin }

func (o *tagOverlay) Update(msg tea.Msg) (tea.Cmd, bool) {
	if p, ok := msg.(tea.PasteMsg); ok && o.mode != "" {
		o.input += p.Content
		return nil, false
	}
	m, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return nil, false
	}
	if o.mode != "" {
		return o.typing(m)
	}
	switch s := m.String(); {
	case s == "esc" || s == "q":
		return nil, true
	case !o.admin():
	case s == "a":
		o.mode = "assign"
	case s == "u":
		o.mode = "unassign"
	case s == "n":
		o.mode = "create"
	case s == "d":
		o.mode = "delete"
	}
	return nil, false
}

func (o *tagOverlay) typing(m tea.KeyPressMsg) (tea.Cmd, bool) {
	switch m.String() {
	case "esc":
		o.mode, o.input = "", ""
	case "enter":
		cmd := o.apply(o.mode, strings.TrimSpace(o.input))
		o.mode, o.input = "", ""
		return cmd, true
	case "backspace":
		if r := []rune(o.input); len(r) > 0 {
			o.input = string(r[:len(r)-1])
		}
	case "space":
		o.input += " "
	default:
		o.input += m.Text
	}
	return nil, false
}

// apply makes the change through perms.Edit: as the current persona,
// under the policy's lock, validated, saved atomically and audited.
func (o *tagOverlay) apply(mode, input string) tea.Cmd {
	l, as, res := o.ctx.Lake, o.ctx.Persona.Name, o.resource.String()
	return func() tea.Msg {
		validate, done, err := queries.RowFilterValidator()
		if err != nil {
			return tagEditMsg{err: err}
		}
		defer done()
		what, change, err := tagChange(l.Catalog, mode, res, input)
		if err != nil {
			return tagEditMsg{err: err}
		}
		pol, err := perms.Edit(l.Root, l.Catalog, validate, as, what, change)
		return tagEditMsg{pol: pol, done: what, err: err}
	}
}

// tagChange is the tag editor's input as a perms.TagCommand: assign and
// unassign act on the selected resource; create and delete take a key
// and values.
func tagChange(cat *lake.Catalog, mode, res, input string) (string, func(*perms.Policy) error, error) {
	params := strings.Fields(input)
	if mode == "assign" || mode == "unassign" {
		params = []string{res, input}
	}
	change, err := perms.TagCommand(cat, mode, params)
	var usage *perms.TagUsageError
	if errors.As(err, &usage) {
		return "", nil, fmt.Errorf("type: %s", usage.Form)
	}
	what := mode + " " + strings.Join(params, " ")
	if mode == "create" || mode == "delete" {
		what = mode + " tag " + strings.Join(params, " ")
	}
	return what, change, err
}

func (o *tagOverlay) View(width, _ int) string {
	st := o.ctx.Styles
	var b strings.Builder
	tags := o.ctx.Policy.TagsOfFor(o.resource, o.ctx.Persona.Name)
	if len(tags) == 0 {
		b.WriteString(st.Muted.Render("no tags") + "\n")
	}
	for _, t := range tags {
		from := "assigned here"
		if t.Inherited {
			from = "inherited from " + t.From
		}
		b.WriteString(st.Text.Render(t.Key+"="+t.Value) + " " + st.Muted.Render(from) + "\n")
	}
	b.WriteString("\n")
	var keys []string
	for _, t := range o.ctx.Policy.GrantedTags(o.ctx.Persona.Name) {
		keys = append(keys, t.Key+": "+strings.Join(t.Values, ", "))
	}
	b.WriteString(st.Muted.Render(truncate("LF-Tags: "+strings.Join(keys, "; "), width)) + "\n\n")
	switch {
	case !o.admin():
		b.WriteString(st.Warning.Render(truncate("Read-only: only a data lake administrator may change tags; "+o.ctx.Persona.Name+" is not one.", width)))
	case o.mode != "":
		prompt := map[string]string{"assign": "assign key=value: ", "unassign": "unassign key: ", "create": "new tag key and values: ",
			"delete": "delete tag key, or key and one value: "}[o.mode]
		b.WriteString(st.Accent.Render(prompt + o.input + "▏"))
	default:
		b.WriteString(st.Muted.Render("a assign · u unassign · n new tag key or values · d delete a tag key or value"))
	}
	return b.String()
}

func (o *tagOverlay) ShortHelp() []key.Binding {
	if !o.admin() {
		return closeKeys(o.ctx)
	}
	return []key.Binding{
		key.NewBinding(key.WithKeys("a"), key.WithHelp("a", "assign")),
		key.NewBinding(key.WithKeys("u"), key.WithHelp("u", "unassign")),
		key.NewBinding(key.WithKeys("n"), key.WithHelp("n", "new tag")),
		key.NewBinding(key.WithKeys("d"), key.WithHelp("d", "delete tag")),
		o.ctx.Keys.Close,
	}
}

func (o *tagOverlay) FullHelp() [][]key.Binding { return [][]key.Binding{o.ShortHelp()} }
