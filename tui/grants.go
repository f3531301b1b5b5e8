package tui

import (
	"errors"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"tarn/demo"
	"tarn/perms"
	"tarn/queries"
)

// grantMode is what the grants overlay is doing.
type grantMode int

const (
	grantsShown   grantMode = iota // the grants and data filters
	grantAdding                    // typing a grant to add
	grantRevoking                  // typing a grant to revoke
	walkthrough                    // confirming the walk-through's start state
)

// grantsOverlay lists the policy's grants and data filters for an
// administrator, who adds and revokes them here and resets the policy to
// the walk-through's start; each edit's effect on every persona shows
// before enter saves it. A saved edit is reported as a tagEditMsg, which
// the root follows as it does a tag edit.
type grantsOverlay struct {
	ctx        *Context
	mode       grantMode
	input      lineInput
	effect     editEffect      // the typed edit's effect, when it is valid
	principals *principalsView // shown instead of the grants while open
}

func newGrantsOverlay(ctx *Context) *grantsOverlay { return &grantsOverlay{ctx: ctx} }

func (o *grantsOverlay) Title() string {
	if o.principals != nil {
		return "Grants › " + o.principals.Title()
	}
	return "Grants"
}

func (o *grantsOverlay) Update(msg tea.Msg) (tea.Cmd, bool) {
	if o.principals != nil {
		cmd, done := o.principals.Update(msg)
		if done && cmd == nil { // left for the grants
			o.principals, done = nil, false
		}
		return cmd, done
	}
	if o.mode == grantAdding || o.mode == grantRevoking {
		return o.typing(msg)
	}
	m, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return nil, false
	}
	k := o.ctx.Keys
	switch {
	case o.mode == walkthrough && key.Matches(m, k.Accept):
		return editPolicyCmd(o.ctx, "demo --walkthrough", demo.StartWalkthrough), true
	case o.mode == walkthrough && key.Matches(m, k.Dismiss):
		o.mode = grantsShown
	case key.Matches(m, k.Close):
		return nil, true
	case key.Matches(m, k.GrantAdd):
		return o.edit(grantAdding), false
	case key.Matches(m, k.GrantRevoke):
		return o.edit(grantRevoking), false
	case key.Matches(m, k.Principals):
		o.principals = newPrincipalsView(o.ctx)
	case key.Matches(m, k.Walkthrough):
		o.mode = walkthrough
		o.effect.check(o.ctx, demo.StartWalkthrough)
	}
	return nil, false
}

// verb is the edit as perms.GrantCommand names it.
func (o *grantsOverlay) verb() string {
	return map[grantMode]string{grantAdding: "add", grantRevoking: "revoke"}[o.mode]
}

// edit starts typing a grant; as it is typed it is checked, and its
// effect worked out, against the policy in use.
func (o *grantsOverlay) edit(mode grantMode) tea.Cmd {
	o.mode = mode
	o.effect.clear()
	o.input = newLineInput(o.ctx, o.verb()+" ", func(s string) error {
		change, err := perms.GrantCommand(o.verb(), strings.Fields(s))
		var usage *perms.TagUsageError
		if errors.As(err, &usage) {
			err = errors.New("type: " + strings.Join(perms.GrantForms, " | "))
		}
		if err == nil {
			err = o.effect.check(o.ctx, change)
		}
		return err
	})
	return o.input.Focus()
}

func (o *grantsOverlay) typing(msg tea.Msg) (tea.Cmd, bool) {
	event, cmd := o.input.Handle(msg)
	switch event {
	case lineDismissed:
		o.mode = grantsShown
		return nil, false
	case lineAccepted:
		params := strings.Fields(o.input.Value())
		change, _ := perms.GrantCommand(o.verb(), params)
		return editPolicyCmd(o.ctx, "grants "+o.verb()+" "+strings.Join(params, " "), change), true
	}
	return cmd, false
}

func (o *grantsOverlay) View(width, height int) string {
	if o.principals != nil {
		return o.principals.View(width, height)
	}
	st, k := o.ctx.Styles, o.ctx.Keys
	var b strings.Builder
	for _, g := range o.ctx.Policy.Grants {
		b.WriteString(st.Text.Render(truncate(queries.Printable(g.String()), width)) + "\n")
	}
	for _, f := range o.ctx.Policy.Filters {
		b.WriteString(st.Text.Render(truncate(queries.Printable(f.String()), width)) + "\n")
	}
	b.WriteString("\n")
	switch o.mode {
	case grantsShown:
		b.WriteString(st.Muted.Render(truncate(k.GrantAdd.Help().Key+" add · "+k.GrantRevoke.Help().Key+" revoke · "+
			k.Walkthrough.Help().Key+" the walk-through's start · "+k.Principals.Help().Key+" principals", width)))
		return b.String()
	case walkthrough:
		b.WriteString(st.Accent.Render(truncate("Reset the policy to the walk-through's start? enter: yes · esc: no", width)) + "\n")
	default:
		b.WriteString(st.Muted.Render(truncate("PERSONA DESCRIBE,SELECT KEY=VALUE[,VALUE]… | DB[.TABLE] [COLUMN…] | PERSONA filter DB.TABLE [rows=…]", width)) + "\n")
		b.WriteString(o.input.Render(st, width) + "\n")
	}
	b.WriteString(o.effect.View(o.ctx, width))
	return b.String()
}

func (o *grantsOverlay) ShortHelp() []key.Binding {
	if o.principals != nil {
		return o.principals.ShortHelp()
	}
	k := o.ctx.Keys
	if o.mode != grantsShown {
		return []key.Binding{k.Accept, k.Dismiss}
	}
	return []key.Binding{k.GrantAdd, k.GrantRevoke, k.Walkthrough, k.Principals, k.Close}
}

func (o *grantsOverlay) FullHelp() [][]key.Binding {
	if o.principals != nil {
		return o.principals.FullHelp()
	}
	if o.mode == grantAdding || o.mode == grantRevoking {
		return [][]key.Binding{append(o.ShortHelp(), o.ctx.Keys.lineHelp()...)}
	}
	return [][]key.Binding{o.ShortHelp()}
}
