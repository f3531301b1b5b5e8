package perms

import (
	"maps"
	"slices"
	"strings"

	"tarn/lake"
)

// Matrix is one table's columns x personas, side by side: what each
// persona sees of each column, why, and each persona's row filter.
type Matrix struct {
	Table      lake.Table
	Personas   []string
	Cells      [][]string // [column][persona]: visible, masked(kind) or hidden
	Why        [][]string // [column][persona]: the one-line explanation
	RowFilters []string   // per persona: all, (no access), or the filter
	Principals []string   // per persona: the principals acting as it, comma-separated
}

// HasPrincipals says whether any persona has a principal (tarn serve).
func (m Matrix) HasPrincipals() bool {
	return slices.ContainsFunc(m.Principals, func(s string) bool { return s != "" })
}

// AccessMatrix evaluates t for every persona of the policy.
func (p *Policy) AccessMatrix(cat *lake.Catalog, t lake.Table) Matrix {
	m := Matrix{Table: t, Personas: p.PersonaNames()}
	for _, c := range t.Columns {
		var cells, why []string
		for _, persona := range m.Personas {
			w := p.Explain(persona, t, c.Name)
			cells, why = append(cells, cellState(w)), append(why, w)
		}
		m.Cells, m.Why = append(m.Cells, cells), append(m.Why, why)
	}
	for _, persona := range m.Personas {
		m.RowFilters = append(m.RowFilters, p.rowFilterOf(cat, persona, t))
		var names []string
		for _, x := range p.Principals {
			if x.Persona == persona {
				names = append(names, x.Name)
			}
		}
		m.Principals = append(m.Principals, strings.Join(names, ","))
	}
	return m
}

// cellState turns an explanation into the matrix word.
func cellState(why string) string {
	state, _, _ := strings.Cut(why, ":")
	if strings.HasPrefix(state, "masked (") {
		return "masked" + strings.TrimPrefix(state, "masked ")
	}
	return state
}

func (p *Policy) rowFilterOf(cat *lake.Catalog, persona string, t lake.Table) string {
	vis, err := p.Visibility(cat, persona)
	if err != nil {
		return "?"
	}
	ta, ok := vis.Lookup(t.Database, t.Name)
	switch {
	case !ok:
		return "(no access)"
	case ta.RowFilter == "":
		return "all"
	}
	return ta.RowFilter
}

// Tag is one effective tag of a resource and where it was assigned.
type Tag struct {
	Key, Value string
	From       string // the resource the assignment is on
	Inherited  bool   // From is an ancestor, not the resource itself
}

// TagsOf gives a database, table or column's effective tags, sorted by key:
// each inherited from the nearest ancestor unless set on the resource.
func (p *Policy) TagsOf(r Resource) []Tag {
	levels := []string{r.Database}
	if r.Table != "" {
		levels = append(levels, r.Database+"."+r.Table)
	}
	if r.Column != "" {
		levels = append(levels, r.String())
	}
	byKey := map[string]Tag{}
	e := p.evaluator()
	for _, level := range levels {
		for k, v := range e.assigns[level] {
			byKey[k] = Tag{Key: k, Value: v, From: level, Inherited: level != r.String()}
		}
	}
	out := make([]Tag, 0, len(byKey))
	for _, k := range slices.Sorted(maps.Keys(byKey)) {
		out = append(out, byKey[k])
	}
	return out
}

// GrantedTags is what persona may know of the LF-Tags: an administrator
// every key and value; anyone else, as Lake Formation shows a principal
// only the tags it was granted, the key=value pairs its grants' tag
// expressions name.
func (p *Policy) GrantedTags(persona string) []TagKey {
	who, _ := p.Persona(persona)
	if who.Admin {
		return p.Tags
	}
	granted := map[string][]string{}
	for _, g := range p.Grants {
		if g.Persona != persona {
			continue
		}
		for k, vs := range g.Expression {
			for _, v := range vs {
				if !slices.Contains(granted[k], v) {
					granted[k] = append(granted[k], v)
				}
			}
		}
	}
	var out []TagKey
	for _, t := range p.Tags {
		var values []string
		for _, v := range t.Values {
			if slices.Contains(granted[t.Key], v) {
				values = append(values, v)
			}
		}
		if len(values) > 0 {
			out = append(out, TagKey{Key: t.Key, Values: values})
		}
	}
	return out
}

// TagsOfFor is TagsOf as persona may see it: only the tags it was granted
// (GrantedTags).
func (p *Policy) TagsOfFor(r Resource, persona string) []Tag {
	granted := p.GrantedTags(persona)
	return slices.DeleteFunc(p.TagsOf(r), func(t Tag) bool {
		return !slices.ContainsFunc(granted, func(k TagKey) bool { return k.Key == t.Key && slices.Contains(k.Values, t.Value) })
	})
}
