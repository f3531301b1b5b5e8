package tui

import (
	"strings"

	"tarn/perms"
	"tarn/queries"
)

// editEffect is what a policy edit being typed would do to every persona,
// worked out on a copy of the policy in use at each key, shown before
// enter saves it (row filters' SQL is checked by DuckDB only on save, so
// a key press never waits for a query).
type editEffect struct {
	valid   bool // the edit as typed is valid: its changes are known
	changes []perms.Change
}

// check applies change to a copy of ctx's policy and keeps its effect.
func (e *editEffect) check(ctx *Context, change func(*perms.Policy) error) error {
	e.clear()
	after := ctx.Policy.Clone()
	if err := change(after); err != nil {
		return err
	}
	if err := after.Validate(ctx.Lake.Catalog, nil); err != nil {
		return err
	}
	e.valid, e.changes = true, perms.Effect(ctx.Lake.Catalog, ctx.Policy, after)
	return nil
}

func (e *editEffect) clear() { e.valid, e.changes = false, nil }

// View lists who gains and loses what if the edit is saved.
func (e *editEffect) View(ctx *Context, width int) string {
	st := ctx.Styles
	if !e.valid {
		return ""
	}
	if len(e.changes) == 0 {
		return st.Muted.Render("effect: no persona gains or loses anything")
	}
	lines := []string{st.Muted.Render("effect:")}
	for _, c := range e.changes {
		style := st.Success
		if c.Verb == "loses" {
			style = st.Warning
		}
		lines = append(lines, style.Render(truncate("  "+queries.Printable(c.String()), width)))
	}
	return strings.Join(lines, "\n")
}
