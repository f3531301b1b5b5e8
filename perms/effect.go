package perms

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"tarn/lake"
)

// Change is one thing a persona gains or loses by a policy edit:
// "analyst gains sales.customers.email".
type Change struct {
	Persona string
	Verb    string // gains, loses
	What    string
}

func (c Change) String() string { return c.Persona + " " + c.Verb + " " + c.What }

// Effect compares what every persona may see of the catalog under two
// policies: per persona, the tables, columns and rows it gains or loses.
// Administrators see everything under both, so they never appear.
func Effect(cat *lake.Catalog, before, after *Policy) []Change {
	var out []Change
	for _, persona := range personasOf(before, after) {
		was, _ := before.Visibility(cat, persona)
		is, _ := after.Visibility(cat, persona)
		for _, t := range cat.Tables {
			a, hadIt := was.Lookup(t.Database, t.Name)
			b, hasIt := is.Lookup(t.Database, t.Name)
			for _, c := range tableEffect(t.QualifiedName(), a, hadIt, b, hasIt) {
				out = append(out, Change{persona, c[0], c[1]})
			}
		}
	}
	return out
}

// personasOf lists the personas of either policy, in policy order.
func personasOf(before, after *Policy) []string {
	names := before.PersonaNames()
	for _, n := range after.PersonaNames() {
		if !slices.Contains(names, n) {
			names = append(names, n)
		}
	}
	return names
}

// tableEffect is one table's changes as (verb, what) pairs.
func tableEffect(name string, was TableAccess, had bool, is TableAccess, has bool) [][2]string {
	switch {
	case !had && !has:
		return nil
	case !had:
		return [][2]string{{"gains", name + tableWords(is)}}
	case !has:
		return [][2]string{{"loses", name}}
	}
	var out [][2]string
	if was.Select != is.Select {
		out = append(out, [2]string{map[bool]string{true: "gains", false: "loses"}[is.Select], "SELECT on " + name})
	}
	wasCols, isCols := columnWords(was), columnWords(is)
	for _, c := range slices.Sorted(maps.Keys(isCols)) {
		if _, ok := wasCols[c]; !ok {
			out = append(out, [2]string{"gains", name + "." + isCols[c]})
		}
	}
	for _, c := range slices.Sorted(maps.Keys(wasCols)) {
		if _, ok := isCols[c]; !ok {
			out = append(out, [2]string{"loses", name + "." + wasCols[c]})
		} else if wasCols[c] != isCols[c] {
			out = append(out, [2]string{"now sees", name + "." + isCols[c] + " (was " + wasCols[c] + ")"})
		}
	}
	if was.RowFilter != is.RowFilter {
		out = append(out, rowsEffect(name, was.RowFilter, is.RowFilter))
	}
	return out
}

// tableWords describes a newly visible table: its columns and rows.
func tableWords(ta TableAccess) string {
	var cols []string
	for _, c := range ta.Columns {
		cols = append(cols, columnWord(c))
	}
	s := " (" + strings.Join(cols, ", ")
	if !ta.Select {
		s = " (DESCRIBE only: " + strings.Join(cols, ", ")
	}
	if ta.RowFilter != "" {
		s += "; rows where " + ta.RowFilter
	}
	return s + ")"
}

// columnWords maps each visible column to how it is seen.
func columnWords(ta TableAccess) map[string]string {
	m := map[string]string{}
	for _, c := range ta.Columns {
		m[c.Name] = columnWord(c)
	}
	return m
}

func columnWord(c ColumnAccess) string {
	if c.Mask != "" {
		return fmt.Sprintf("%s masked(%s)", c.Name, c.Mask)
	}
	return c.Name
}

func rowsEffect(name, was, is string) [2]string {
	switch {
	case was == "":
		return [2]string{"loses", "rows of " + name + " outside " + is}
	case is == "":
		return [2]string{"gains", "every row of " + name + " (was only " + was + ")"}
	}
	return [2]string{"now sees", "rows of " + name + " where " + is + " (was " + was + ")"}
}

// Clone is a deep copy of the policy, to compare a change against.
func (p *Policy) Clone() *Policy {
	c := *p
	c.Tags = slices.Clone(p.Tags)
	for i := range c.Tags {
		c.Tags[i].Values = slices.Clone(c.Tags[i].Values)
	}
	c.Assigns = slices.Clone(p.Assigns)
	for i := range c.Assigns {
		c.Assigns[i].Tags = maps.Clone(c.Assigns[i].Tags)
	}
	c.Workgroups, c.Personas = slices.Clone(p.Workgroups), slices.Clone(p.Personas)
	c.Grants = slices.Clone(p.Grants)
	for i, g := range c.Grants {
		c.Grants[i].Permissions, c.Grants[i].Columns = slices.Clone(g.Permissions), slices.Clone(g.Columns)
		if g.Expression != nil {
			c.Grants[i].Expression = map[string][]string{}
			for k, vs := range g.Expression {
				c.Grants[i].Expression[k] = slices.Clone(vs)
			}
		}
	}
	c.Filters = slices.Clone(p.Filters)
	for i, f := range c.Filters {
		c.Filters[i].IncludeColumns, c.Filters[i].ExcludeColumns = slices.Clone(f.IncludeColumns), slices.Clone(f.ExcludeColumns)
	}
	c.Masks = slices.Clone(p.Masks)
	return &c
}

// Preview applies change to a copy of the lake's policy as Edit would
// (same checks, administrators only) without saving, and gives its effect.
func Preview(root string, cat *lake.Catalog, validate ExprValidator, as string, change func(*Policy) error) ([]Change, error) {
	before, err := Load(root, cat, validate)
	if err != nil {
		return nil, err
	}
	after := before.Clone()
	if err := after.apply(cat, validate, as, change); err != nil {
		return nil, err
	}
	return Effect(cat, before, after), nil
}

// EditShowingEffect is Edit that also gives the change's effect, measured
// against the policy as it was under the lock.
func EditShowingEffect(root string, cat *lake.Catalog, validate ExprValidator, as, what string, change func(*Policy) error) ([]Change, error) {
	var before *Policy
	after, err := Edit(root, cat, validate, as, what, func(p *Policy) error {
		before = p.Clone()
		return change(p)
	})
	if err != nil {
		return nil, err
	}
	return Effect(cat, before, after), nil
}
