package perms

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"tarn/lake"
)

// ColumnAccess is one column a persona may see; Mask is "" when plain.
type ColumnAccess struct {
	Name string
	Type string
	Mask string
}

// TableAccess is what a persona may do with one table. Columns are the
// ones it may read (SELECT) or, for a DESCRIBE-only table, list.
type TableAccess struct {
	Table     lake.Table
	Describe  bool
	Select    bool
	Columns   []ColumnAccess
	RowFilter string
}

// Visibility is everything one persona may see, in catalog order; tables
// it may not even describe are absent, as Lake Formation hides them.
type Visibility struct {
	Persona Persona
	Tables  []TableAccess
}

// Describes says whether the persona may describe the table named
// (database.table, or a bare name unique in the catalog).
func (v Visibility) Describes(cat *lake.Catalog, name string) bool {
	t, ok := cat.Find(name)
	if ok {
		_, ok = v.Lookup(t.Database, t.Name)
	}
	return ok
}

// Lookup finds a visible table by database and name.
func (v Visibility) Lookup(database, name string) (TableAccess, bool) {
	for _, t := range v.Tables {
		if t.Table.Database == database && t.Table.Name == name {
			return t, true
		}
	}
	return TableAccess{}, false
}

// tagValue is an effective tag value and the resource it was assigned on.
type tagValue struct {
	value, from string
}

// evaluator answers questions about one policy; it indexes the
// assignments by resource once, so a 1,000-table catalog stays cheap.
type evaluator struct {
	p       *Policy
	assigns map[string]map[string]string
}

func (p *Policy) evaluator() evaluator {
	e := evaluator{p, make(map[string]map[string]string, len(p.Assigns))}
	for _, a := range p.Assigns {
		e.assigns[a.Resource] = a.Tags
	}
	return e
}

// tableTags gives a table's tags: database assignments overridden by the
// table's own.
func (e evaluator) tableTags(t lake.Table) map[string]tagValue {
	out := map[string]tagValue{}
	for _, level := range []string{t.Database, t.QualifiedName()} {
		for k, v := range e.assigns[level] {
			out[k] = tagValue{v, level}
		}
	}
	return out
}

// columnTags overrides a table's tags with the column's own, copying only
// when the column has any.
func (e evaluator) columnTags(tableTags map[string]tagValue, t lake.Table, column string) map[string]tagValue {
	res := t.QualifiedName() + "." + column
	own := e.assigns[res]
	if len(own) == 0 {
		return tableTags
	}
	out := make(map[string]tagValue, len(tableTags)+len(own))
	for k, v := range tableTags {
		out[k] = v
	}
	for k, v := range own {
		out[k] = tagValue{v, res}
	}
	return out
}

// columnGrant is what a persona holds on one column, and through which
// grant (the first giving SELECT, else the first giving DESCRIBE).
type columnGrant struct {
	describe, sel bool
	grant         int
	reason        string // set only when explaining
}

// grantsOn evaluates every grant of persona on one column.
func (e evaluator) grantsOn(persona string, t lake.Table, column string, tags map[string]tagValue, explain bool) columnGrant {
	var cg columnGrant
	for i, g := range e.p.Grants {
		if g.Persona != persona || !g.matches(t, column, tags) {
			continue
		}
		hasSel := slices.Contains(g.Permissions, Select)
		if !cg.describe || (hasSel && !cg.sel) {
			cg.grant = i
			if explain {
				cg.reason = fmt.Sprintf("grant #%d %s", i+1, g.why(t, column, tags))
			}
		}
		cg.sel = cg.sel || hasSel
		cg.describe = cg.describe || slices.Contains(g.Permissions, Describe) || hasSel
	}
	return cg
}

// matches says whether g covers the column.
func (g Grant) matches(t lake.Table, column string, tags map[string]tagValue) bool {
	if g.Expression == nil {
		r, _ := ParseResource(g.Resource)
		return r.Database == t.Database && (r.Table == "" || r.Table == t.Name) &&
			(len(g.Columns) == 0 || slices.Contains(g.Columns, column))
	}
	for k, values := range g.Expression {
		tv, ok := tags[k]
		if !ok || !slices.Contains(values, tv.value) {
			return false
		}
	}
	return true
}

// why says how a matching grant covers the column.
func (g Grant) why(t lake.Table, column string, tags map[string]tagValue) string {
	if g.Expression == nil {
		return "names " + g.Resource
	}
	var why []string
	for _, k := range slices.Sorted(maps.Keys(g.Expression)) {
		tv := tags[k]
		why = append(why, fmt.Sprintf("%s=%s %s %s", k, tv.value, inheritedWord(tv.from, t, column), tv.from))
	}
	return "matches " + strings.Join(why, " and ")
}

func inheritedWord(from string, t lake.Table, column string) string {
	if from == t.QualifiedName()+"."+column {
		return "assigned on"
	}
	return "inherited from"
}

func (p *Policy) filterFor(persona string, t lake.Table) (int, Filter, bool) {
	for i, f := range p.Filters {
		if f.Persona == persona && f.Table == t.QualifiedName() {
			return i, f, true
		}
	}
	return 0, Filter{}, false
}

func (p *Policy) maskFor(persona string, t lake.Table, column string) (int, string) {
	for i, m := range p.Masks {
		if m.Persona == persona && m.Column == t.QualifiedName()+"."+column {
			return i, m.Kind
		}
	}
	return 0, ""
}

// filterHides says whether a data filter removes the column.
func (f Filter) hides(column string) bool {
	if len(f.IncludeColumns) > 0 {
		return !slices.Contains(f.IncludeColumns, column)
	}
	return slices.Contains(f.ExcludeColumns, column)
}

// Visibility evaluates what persona may see of every table in the catalog.
func (p *Policy) Visibility(cat *lake.Catalog, persona string) (Visibility, error) {
	who, ok := p.Persona(persona)
	if !ok {
		return Visibility{}, fmt.Errorf("unknown persona %q (personas: %s)", persona, strings.Join(p.PersonaNames(), ", "))
	}
	v := Visibility{Persona: who}
	e := p.evaluator()
	for _, t := range cat.Tables {
		if ta, ok := e.tableAccess(who, t); ok {
			v.Tables = append(v.Tables, ta)
		}
	}
	return v, nil
}

func (e evaluator) tableAccess(who Persona, t lake.Table) (TableAccess, bool) {
	p := e.p
	ta := TableAccess{Table: t}
	if who.Admin {
		ta.Describe, ta.Select = true, true
		for _, c := range t.Columns {
			ta.Columns = append(ta.Columns, ColumnAccess{Name: c.Name, Type: c.Type})
		}
		return ta, true
	}
	_, filter, filtered := p.filterFor(who.Name, t)
	var described []ColumnAccess
	tableTags := e.tableTags(t)
	for _, c := range t.Columns {
		cg := e.grantsOn(who.Name, t, c.Name, e.columnTags(tableTags, t, c.Name), false)
		if !cg.describe || (filtered && filter.hides(c.Name)) {
			continue
		}
		_, mask := p.maskFor(who.Name, t, c.Name)
		col := ColumnAccess{Name: c.Name, Type: c.Type, Mask: mask}
		ta.Describe = true
		if cg.sel {
			ta.Select = true
			ta.Columns = append(ta.Columns, col)
		} else {
			described = append(described, col)
		}
	}
	if !ta.Select {
		ta.Columns = described
	}
	if filtered {
		ta.RowFilter = filter.Rows
	}
	return ta, ta.Describe
}

// PersonaNames lists the personas in policy order.
func (p *Policy) PersonaNames() []string {
	names := make([]string, len(p.Personas))
	for i, x := range p.Personas {
		names[i] = x.Name
	}
	return names
}

// Explain says in one line why persona sees, or does not see, a column.
func (p *Policy) Explain(persona string, t lake.Table, column string) string {
	who, ok := p.Persona(persona)
	switch {
	case !ok:
		return fmt.Sprintf("hidden: no persona %q", persona)
	case who.Admin:
		return fmt.Sprintf("visible: %s is a data lake administrator", persona)
	}
	e := p.evaluator()
	tags := e.columnTags(e.tableTags(t), t, column)
	cg := e.grantsOn(persona, t, column, tags, true)
	if !cg.describe {
		return "hidden: no grant of " + persona + " covers it (" + describeTags(tags, t, column) + ")"
	}
	if i, f, ok := p.filterFor(persona, t); ok && f.hides(column) {
		return fmt.Sprintf("hidden: data filter #%d leaves %s out (%s)", i+1, column, cg.reason)
	}
	if !cg.sel {
		return "describe only: " + cg.reason + " gives DESCRIBE, not SELECT"
	}
	if i, kind := p.maskFor(persona, t, column); kind != "" {
		return fmt.Sprintf("masked (%s): mask #%d; visible through %s", kind, i+1, cg.reason)
	}
	return "visible: " + cg.reason
}

func describeTags(tags map[string]tagValue, t lake.Table, column string) string {
	if len(tags) == 0 {
		return "it has no tags"
	}
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(tags)) {
		parts = append(parts, fmt.Sprintf("%s=%s %s %s", k, tags[k].value, inheritedWord(tags[k].from, t, column), tags[k].from))
	}
	return "tags: " + strings.Join(parts, ", ")
}
