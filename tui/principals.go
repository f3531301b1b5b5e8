package tui

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"tarn/perms"
	"tarn/queries"
)

// principalMode is what the principals view is doing.
type principalMode int

const (
	principalsShown   principalMode = iota // the list
	principalAdding                        // typing NAME PERSONA KEY
	principalRemoving                      // confirming the removal of the selected one
)

// principalsView lists who may connect to the served lake, with persona
// and keys, for an administrator, who adds and removes them here: a
// principal is typed as NAME PERSONA and an authorized_keys line (pasted),
// checked as it is typed; a removal is confirmed first. A saved edit is
// reported as a tagEditMsg, as the grants' are. It opens from the grants.
type principalsView struct {
	ctx    *Context
	mode   principalMode
	cursor int
	input  lineInput
}

func newPrincipalsView(ctx *Context) *principalsView { return &principalsView{ctx: ctx} }

func (v *principalsView) Title() string { return "Principals" }

// Update returns done with no command when the view is left for the
// grants, and with the edit's command when one is saved.
func (v *principalsView) Update(msg tea.Msg) (tea.Cmd, bool) {
	if v.mode == principalAdding {
		return v.typing(msg)
	}
	m, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return nil, false
	}
	k, all := v.ctx.Keys, v.ctx.Policy.Principals
	v.clamp()
	switch {
	case v.mode == principalRemoving && key.Matches(m, k.Accept):
		name := all[v.cursor].Name
		return editPolicyCmd(v.ctx, "principals remove "+name, func(p *perms.Policy) error { return p.RemovePrincipal(name) }), true
	case v.mode == principalRemoving && key.Matches(m, k.Dismiss):
		v.mode = principalsShown
	case v.mode == principalRemoving:
	case key.Matches(m, k.Close):
		return nil, true
	case key.Matches(m, k.Up):
		v.cursor = max(0, v.cursor-1)
	case key.Matches(m, k.Down):
		v.cursor = max(0, min(len(all)-1, v.cursor+1))
	case key.Matches(m, k.PrincipalAdd):
		v.mode = principalAdding
		v.input = newLineInput(v.ctx, "add ", func(s string) error { _, err := v.parse(s); return err })
		return v.input.Focus(), false
	case key.Matches(m, k.PrincipalRemove) && len(all) > 0:
		v.mode = principalRemoving
	}
	return nil, false
}

// parse reads NAME PERSONA KEY-LINE and checks the principal against the
// policy in use, as saving it will.
func (v *principalsView) parse(s string) (perms.Principal, error) {
	f := strings.Fields(s)
	if len(f) < 3 {
		return perms.Principal{}, errors.New("type: NAME PERSONA ssh-ed25519 AAAA… comment (paste the .pub file's line)")
	}
	line, _, err := perms.KeyLine(strings.Join(f[2:], " "))
	if err != nil {
		return perms.Principal{}, err
	}
	x := perms.Principal{Name: f[0], Persona: f[1], Keys: []string{line}}
	trial := *v.ctx.Policy
	trial.Principals = slices.Clone(trial.Principals)
	if err := trial.AddPrincipal(x); err != nil {
		return x, err
	}
	return x, trial.Validate(v.ctx.Lake.Catalog, nil)
}

func (v *principalsView) typing(msg tea.Msg) (tea.Cmd, bool) {
	event, cmd := v.input.Handle(msg)
	switch event {
	case lineDismissed:
		v.mode = principalsShown
	case lineAccepted:
		x, _ := v.parse(v.input.Value())
		return editPolicyCmd(v.ctx, "principals add "+x.String(), func(p *perms.Policy) error { return p.AddPrincipal(x) }), true
	}
	return cmd, false
}

// clamp keeps the cursor on a principal: a statement run meanwhile may
// have reloaded a policy with fewer of them.
func (v *principalsView) clamp() {
	n := len(v.ctx.Policy.Principals)
	v.cursor = max(0, min(v.cursor, n-1))
	if n == 0 && v.mode == principalRemoving {
		v.mode = principalsShown
	}
}

func (v *principalsView) View(width, _ int) string {
	v.clamp()
	st, k := v.ctx.Styles, v.ctx.Keys
	all := v.ctx.Policy.Principals
	var b strings.Builder
	if len(all) == 0 {
		b.WriteString(st.Muted.Render(truncate("No principals: nobody may connect to the lake over SSH (tarn serve).", width)) + "\n")
	}
	for i, x := range all {
		mark := "  "
		if i == v.cursor && v.mode != principalAdding {
			mark = "▸ "
		}
		b.WriteString(st.Text.Render(truncate(mark+queries.Printable(x.Name), width)) + st.Muted.Render(truncate(" · "+x.Persona, width-2-len(x.Name))) + "\n")
		for _, line := range x.Keys {
			info := perms.Info(line)
			// As ssh-keygen -l: fingerprint, comment, type; a narrow screen cuts the type first.
			text := strings.Join(strings.Fields(info.Fingerprint+" "+queries.Printable(info.Comment)+" ("+info.Type+")"), " ")
			b.WriteString(st.Muted.Render(truncate("    "+text, width)) + "\n")
		}
	}
	b.WriteString("\n")
	switch v.mode {
	case principalsShown:
		b.WriteString(st.Muted.Render(truncate(k.PrincipalAdd.Help().Key+" add · "+k.PrincipalRemove.Help().Key+" remove · "+
			k.Close.Help().Key+" back to the grants", width)))
	case principalRemoving:
		x := all[v.cursor]
		b.WriteString(st.Accent.Render(truncate("Remove principal "+x.Name+"? enter: yes · esc: no", width)) + "\n")
		b.WriteString(st.Muted.Render(truncate(fmt.Sprintf("%s (%s, %s) can then no longer connect.", x.Name, x.Persona, queries.Plural(len(x.Keys), "key")), width)))
	case principalAdding:
		b.WriteString(st.Muted.Render(truncate("NAME PERSONA ssh-ed25519 AAAA… comment (paste the .pub file's line)", width)) + "\n")
		b.WriteString(v.input.Render(st, width))
	}
	return b.String()
}

func (v *principalsView) ShortHelp() []key.Binding {
	k := v.ctx.Keys
	if v.mode != principalsShown {
		return []key.Binding{k.Accept, k.Dismiss}
	}
	return []key.Binding{k.Up, k.Down, k.PrincipalAdd, k.PrincipalRemove, k.Close}
}

func (v *principalsView) FullHelp() [][]key.Binding {
	if v.mode == principalAdding {
		return [][]key.Binding{append(v.ShortHelp(), v.ctx.Keys.lineHelp()...)}
	}
	return [][]key.Binding{v.ShortHelp()}
}
