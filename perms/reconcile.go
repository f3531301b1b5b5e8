package perms

import (
	"fmt"
	"path/filepath"
	"slices"
	"time"

	"tarn/internal/atomicfile"
	"tarn/internal/filelock"
	"tarn/lake"
)

// Broken lists the policy's entries that the catalog cat would break: an
// assignment, grant, filter or mask naming a column or table that is not
// there, a row filter that no longer binds, a mask that no longer fits its
// column's type. Each is checked alone, so all of them are listed.
func (p *Policy) Broken(cat *lake.Catalog, validate ExprValidator) []string {
	var out []string
	check := func(what string, sub Policy) {
		if err := sub.Validate(cat, validate); err != nil {
			out = append(out, what+": "+errMessage(err))
		}
	}
	base := Policy{Tags: p.Tags, Personas: p.Personas, Workgroups: p.Workgroups, Default: p.Default}
	for i, a := range p.Assigns {
		sub := base
		sub.Assigns = []Assignment{a}
		check(fmt.Sprintf("assign entry %d (%s)", i+1, a.Resource), sub)
	}
	for i, g := range p.Grants {
		sub := base
		sub.Grants = []Grant{g}
		check(fmt.Sprintf("grant entry %d (%s)", i+1, g.Persona), sub)
	}
	for i, f := range p.Filters {
		sub := base
		sub.Filters = []Filter{f}
		check(fmt.Sprintf("filter entry %d (%s on %s)", i+1, f.Persona, f.Table), sub)
	}
	for i, m := range p.Masks {
		sub := base
		sub.Masks = []Mask{m}
		check(fmt.Sprintf("mask entry %d (%s on %s)", i+1, m.Persona, m.Column), sub)
	}
	return out
}

func errMessage(err error) string {
	if pe, ok := err.(*PolicyError); ok {
		return pe.Field + ": " + pe.Msg
	}
	return err.Error()
}

// DropMissingColumns updates the lake's policy for the catalog cat, where
// a table's columns changed: under the policy's lock it removes what names
// a column cat no longer has, but only where that narrows or changes
// nothing (an assignment or mask of a gone column, a gone column in a
// grant's or filter's list, a grant whose every column is gone). What
// would widen access or cannot be decided (a row filter over a gone
// column, include_columns left empty, a mask that no longer fits) is
// refused with the entries to edit by hand. It returns what changed, and
// appends the edit to the audit log.
func DropMissingColumns(root string, cat *lake.Catalog, validate ExprValidator, what string) ([]string, error) {
	unlock, err := filelock.Lock(filepath.Join(root, "."+PolicyFile+".lock"))
	if err != nil {
		return nil, err
	}
	defer unlock()
	p, err := Load(root, nil, nil)
	if err != nil {
		return nil, err
	}
	changes := p.dropMissing(cat)
	if broken := p.Broken(cat, validate); len(broken) > 0 {
		return nil, fmt.Errorf("the policy cannot follow the new columns by itself; edit these entries first: %v", broken)
	}
	if len(changes) == 0 {
		return nil, nil
	}
	if err := atomicfile.WriteFile(PolicyPath(root), p.Encode); err != nil {
		return nil, err
	}
	rec := EditRecord{Time: time.Now().UTC(), Kind: "policy_edit", Persona: "(lake owner)", Change: fmt.Sprintf("%s: %v", what, changes), Outcome: "SUCCEEDED"}
	return changes, lake.AppendAudit(root, rec)
}

// dropMissing removes, in place, what names a column of a table in cat
// that the table no longer has, where that narrows or changes nothing.
func (p *Policy) dropMissing(cat *lake.Catalog) []string {
	gone := func(table, column string) bool {
		r, err := ParseResource(table)
		if err != nil || r.Table == "" {
			return false
		}
		t, ok := cat.Lookup(r.Database, r.Table)
		return ok && !slices.ContainsFunc(t.Columns, func(c lake.Column) bool { return c.Name == column })
	}
	var changes []string
	p.Assigns = slices.DeleteFunc(p.Assigns, func(a Assignment) bool {
		r, err := ParseResource(a.Resource)
		drop := err == nil && r.Column != "" && gone(r.Database+"."+r.Table, r.Column)
		if drop {
			changes = append(changes, "unassigned the tags of "+a.Resource)
		}
		return drop
	})
	p.Masks = slices.DeleteFunc(p.Masks, func(m Mask) bool {
		r, err := ParseResource(m.Column)
		drop := err == nil && gone(r.Database+"."+r.Table, r.Column)
		if drop {
			changes = append(changes, fmt.Sprintf("removed the %s mask of %s on %s", m.Kind, m.Persona, m.Column))
		}
		return drop
	})
	changes = append(changes, p.dropMissingFromGrants(gone)...)
	for i, f := range p.Filters {
		keep := func(c string) bool { return !gone(f.Table, c) }
		if ex := slices.DeleteFunc(slices.Clone(f.ExcludeColumns), func(c string) bool { return !keep(c) }); len(ex) < len(f.ExcludeColumns) {
			p.Filters[i].ExcludeColumns = ex
			changes = append(changes, fmt.Sprintf("dropped gone columns from %s's filter on %s", f.Persona, f.Table))
		}
		// include_columns is left as it is: emptying it would show every
		// column; Broken reports it.
	}
	return changes
}

func (p *Policy) dropMissingFromGrants(gone func(table, column string) bool) []string {
	var changes []string
	p.Grants = slices.DeleteFunc(p.Grants, func(g Grant) bool {
		if len(g.Columns) == 0 {
			return false
		}
		cols := slices.DeleteFunc(slices.Clone(g.Columns), func(c string) bool { return gone(g.Resource, c) })
		if len(cols) == 0 {
			changes = append(changes, fmt.Sprintf("removed %s's grant on %s: none of its columns is left", g.Persona, g.Resource))
			return true
		}
		return false
	})
	for i, g := range p.Grants {
		if cols := slices.DeleteFunc(slices.Clone(g.Columns), func(c string) bool { return gone(g.Resource, c) }); len(cols) < len(g.Columns) {
			p.Grants[i].Columns = cols
			changes = append(changes, fmt.Sprintf("dropped gone columns from %s's grant on %s", g.Persona, g.Resource))
		}
	}
	return changes
}
