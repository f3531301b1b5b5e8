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
	if o.m.HasPrincipals() {
		b.WriteString("\n" + st.Muted.Render(pad("principals", nameW)))
		for _, names := range o.m.Principals {
			b.WriteString(" " + st.Text.Render(pad(truncate(names, cellW), cellW)))
		}
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

// tagMode is what the tag overlay is doing.
type tagMode int

const (
	tagsShown      tagMode = iota // the tags; an administrator picks an edit
	tagAssigning                  // typing key=value for the resource
	tagUnassigning                // typing a key to take off the resource
	tagCreating                   // typing a new key and values
	tagDeleting                   // typing a key, or a key and one value
)

// verb is the edit as perms.TagCommand names it.
func (m tagMode) verb() string { return [...]string{"", "assign", "unassign", "create", "delete"}[m] }

// prompt asks for the edit's input.
func (m tagMode) prompt() string {
	return [...]string{"", "assign key=value: ", "unassign key: ", "new tag key and values: ", "delete tag key, or key and one value: "}[m]
}

// tagOverlay shows a resource's tags; an administrator edits them here,
// anyone else sees them read-only with the reason. An edit is reported as
// a tagEditMsg for the root to follow.
type tagOverlay struct {
	ctx      *Context
	resource perms.Resource
	mode     tagMode
	input    lineInput
	effect   editEffect // the typed edit's effect on every persona
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
	if o.mode != tagsShown {
		return o.typing(msg)
	}
	m, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return nil, false
	}
	k := o.ctx.Keys
	switch {
	case key.Matches(m, k.Close):
		return nil, true
	case !o.admin():
	case key.Matches(m, k.TagAssign):
		return o.edit(tagAssigning), false
	case key.Matches(m, k.TagUnassign):
		return o.edit(tagUnassigning), false
	case key.Matches(m, k.TagCreate):
		return o.edit(tagCreating), false
	case key.Matches(m, k.TagDelete):
		return o.edit(tagDeleting), false
	}
	return nil, false
}

// edit starts typing the input of an edit, checked as it is typed
// against the form perms.TagCommand takes, its effect on every persona
// worked out at each key.
func (o *tagOverlay) edit(mode tagMode) tea.Cmd {
	cat, res := o.ctx.Lake.Catalog, o.resource.String()
	o.mode = mode
	o.effect.clear()
	o.input = newLineInput(o.ctx, mode.prompt(), func(s string) error {
		_, change, err := tagChange(cat, mode.verb(), res, strings.TrimSpace(s))
		if err == nil {
			err = o.effect.check(o.ctx, change)
		}
		return err
	})
	return o.input.Focus()
}

func (o *tagOverlay) typing(msg tea.Msg) (tea.Cmd, bool) {
	event, cmd := o.input.Handle(msg)
	switch event {
	case lineDismissed:
		o.mode = tagsShown
		o.effect.clear()
		return nil, false
	case lineAccepted: // Handle accepts only a valid edit
		what, change, _ := tagChange(o.ctx.Lake.Catalog, o.mode.verb(), o.resource.String(), strings.TrimSpace(o.input.Value()))
		return editPolicyCmd(o.ctx, what, change), true
	default:
		return cmd, false
	}
}

// editPolicyCmd saves a tag or grant edit through perms.Edit, off the
// UI: as the current persona, under the policy's lock, validated (row
// filters by DuckDB), atomic and audited.
func editPolicyCmd(ctx *Context, what string, change func(*perms.Policy) error) tea.Cmd {
	l, as, who := ctx.Lake, ctx.Persona.Name, ctx.Served.identity()
	return func() tea.Msg {
		pol, err := perms.EditBy(l.Root, l.Catalog, queries.CheckRowFilter, who, as, what, change)
		return tagEditMsg{pol: pol, done: what, err: err}
	}
}

// tagChange is the tag editor's input as a perms.TagCommand: assign and
// unassign act on the selected resource; create and delete take a key
// and values.
func tagChange(cat *lake.Catalog, verb, res, input string) (string, func(*perms.Policy) error, error) {
	params := strings.Fields(input)
	if verb == "assign" || verb == "unassign" {
		params = []string{res, input}
	}
	change, err := perms.TagCommand(cat, verb, params)
	var usage *perms.TagUsageError
	if errors.As(err, &usage) {
		return "", nil, fmt.Errorf("type: %s", usage.Form)
	}
	what := verb + " " + strings.Join(params, " ")
	if verb == "create" || verb == "delete" {
		what = verb + " tag " + strings.Join(params, " ")
	}
	return what, change, err
}

func (o *tagOverlay) View(width, _ int) string {
	st, k := o.ctx.Styles, o.ctx.Keys
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
	case o.mode != tagsShown:
		b.WriteString(o.input.Render(st, width))
		if effect := o.effect.View(o.ctx, width); effect != "" {
			b.WriteString("\n" + effect)
		}
	default:
		b.WriteString(st.Muted.Render(k.TagAssign.Help().Key + " assign · " + k.TagUnassign.Help().Key + " unassign · " +
			k.TagCreate.Help().Key + " new tag key or values · " + k.TagDelete.Help().Key + " delete a tag key or value"))
	}
	return b.String()
}

func (o *tagOverlay) ShortHelp() []key.Binding {
	k := o.ctx.Keys
	switch {
	case !o.admin():
		return []key.Binding{k.Close}
	case o.mode != tagsShown:
		return []key.Binding{k.Accept, k.Dismiss}
	}
	return []key.Binding{k.TagAssign, k.TagUnassign, k.TagCreate, k.TagDelete, k.Close}
}

func (o *tagOverlay) FullHelp() [][]key.Binding {
	if o.admin() && o.mode != tagsShown {
		return [][]key.Binding{append(o.ShortHelp(), o.ctx.Keys.lineHelp()...)}
	}
	return [][]key.Binding{o.ShortHelp()}
}
