package perms

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// String is a grant as the grants command writes it, e.g.
// "analyst DESCRIBE,SELECT role=analyst" or
// "sales_east SELECT sales.customers customer_id region".
func (g Grant) String() string {
	words := []string{g.Persona, strings.Join(g.Permissions, ",")}
	if g.Resource != "" {
		words = append(append(words, g.Resource), g.Columns...)
	}
	for _, k := range slices.Sorted(maps.Keys(g.Expression)) {
		words = append(words, k+"="+strings.Join(g.Expression[k], ","))
	}
	return strings.Join(words, " ")
}

// String is a data filter as the grants command writes it.
func (f Filter) String() string {
	words := []string{f.Persona, "filter", f.Table}
	if f.Rows != "" {
		words = append(words, "rows="+f.Rows)
	}
	if len(f.IncludeColumns) > 0 {
		words = append(words, "include="+strings.Join(f.IncludeColumns, ","))
	}
	if len(f.ExcludeColumns) > 0 {
		words = append(words, "exclude="+strings.Join(f.ExcludeColumns, ","))
	}
	return strings.Join(words, " ")
}

// GrantForms are the shapes of a grants command's arguments.
var GrantForms = []string{
	"PERSONA DESCRIBE|SELECT|DESCRIBE,SELECT KEY=VALUE[,VALUE]...",
	"PERSONA DESCRIBE|SELECT|DESCRIBE,SELECT DATABASE[.TABLE] [COLUMN...]",
	"PERSONA filter DATABASE.TABLE [rows=EXPR] [include=COL,...|exclude=COL,...]",
}

// GrantCommand turns a grants command (add or revoke) and its arguments
// into the change Edit applies; the command line and the workbench's
// grants editor both speak it.
func GrantCommand(verb string, params []string) (func(*Policy) error, error) {
	if verb != "add" && verb != "revoke" {
		return nil, fmt.Errorf("unknown grants command %q (list, add, revoke)", verb)
	}
	usage := &TagUsageError{verb + " " + strings.Join(GrantForms, " | ")}
	if len(params) < 3 {
		return nil, usage
	}
	if params[1] == "filter" {
		f, err := parseFilter(params[0], params[2], params[3:])
		if err != nil {
			return nil, err
		}
		if verb == "add" {
			return func(p *Policy) error { return p.AddFilter(f) }, nil
		}
		return func(p *Policy) error { return p.RevokeFilter(f.Persona, f.Table) }, nil
	}
	g, err := parseGrant(params)
	if err != nil {
		return nil, err
	}
	if verb == "add" {
		return func(p *Policy) error { return p.AddGrant(g) }, nil
	}
	return func(p *Policy) error { return p.RevokeGrant(g) }, nil
}

func parseGrant(params []string) (Grant, error) {
	g := Grant{Persona: params[0]}
	for _, perm := range strings.Split(strings.ToUpper(params[1]), ",") {
		if perm != Describe && perm != Select {
			return g, fmt.Errorf("unknown permission %q (want DESCRIBE, SELECT or DESCRIBE,SELECT)", perm)
		}
		if !slices.Contains(g.Permissions, perm) {
			g.Permissions = append(g.Permissions, perm)
		}
	}
	slices.Sort(g.Permissions) // DESCRIBE before SELECT
	rest := params[2:]
	if !strings.Contains(rest[0], "=") {
		g.Resource, g.Columns = rest[0], rest[1:]
		return g, nil
	}
	g.Expression = map[string][]string{}
	for _, kv := range rest {
		k, vs, ok := strings.Cut(kv, "=")
		if !ok || k == "" || vs == "" {
			return g, fmt.Errorf("%q is not KEY=VALUE[,VALUE]; a grant names tags or a resource, not both", kv)
		}
		k = strings.ToLower(k)
		if _, dup := g.Expression[k]; dup {
			return g, fmt.Errorf("tag key %q is given twice; list its values as %s=V1,V2", k, k)
		}
		g.Expression[k] = strings.Split(strings.ToLower(vs), ",")
	}
	return g, nil
}

func parseFilter(persona, table string, opts []string) (Filter, error) {
	f := Filter{Persona: persona, Table: table}
	for _, o := range opts {
		k, v, _ := strings.Cut(o, "=")
		switch k {
		case "rows":
			f.Rows = v
		case "include":
			f.IncludeColumns = strings.Split(v, ",")
		case "exclude":
			f.ExcludeColumns = strings.Split(v, ",")
		default:
			return f, fmt.Errorf("%q is not rows=EXPR, include=COL,... or exclude=COL,...", o)
		}
	}
	return f, nil
}

// sameTarget says whether two grants are for the same persona on the same
// tag expression or resource and columns, whatever their permissions.
func (g Grant) sameTarget(o Grant) bool {
	return g.Persona == o.Persona && g.Resource == o.Resource && slices.Equal(g.Columns, o.Columns) &&
		maps.EqualFunc(g.Expression, o.Expression, sameValues)
}

// sameValues compares a tag key's values as a set: OR is unordered.
func sameValues(a, b []string) bool {
	return slices.Equal(slices.Sorted(slices.Values(a)), slices.Sorted(slices.Values(b)))
}

// AddGrant gives a grant's permissions, merged into an existing grant on
// the same target; one that adds nothing is refused, as is one naming a
// missing persona, tag, table or column (Validate, run by Edit, names it).
func (p *Policy) AddGrant(g Grant) error {
	if _, ok := p.Persona(g.Persona); !ok {
		return fmt.Errorf("unknown persona %q (personas: %s)", g.Persona, strings.Join(p.PersonaNames(), ", "))
	}
	for i, old := range p.Grants {
		if !old.sameTarget(g) {
			continue
		}
		merged := slices.Clone(old.Permissions)
		for _, perm := range g.Permissions {
			if !slices.Contains(merged, perm) {
				merged = append(merged, perm)
			}
		}
		if len(merged) == len(old.Permissions) {
			return fmt.Errorf("grant #%d already gives %s", i+1, old)
		}
		slices.Sort(merged)
		p.Grants[i].Permissions = merged
		return nil
	}
	p.Grants = append(p.Grants, g)
	return nil
}

// RevokeGrant takes a grant's permissions away from the grant on the same
// target, deleting it when none remain; a grant that does not exist, or
// does not give them, is refused with what exists.
func (p *Policy) RevokeGrant(g Grant) error {
	i := slices.IndexFunc(p.Grants, g.sameTarget)
	if i < 0 {
		return fmt.Errorf("no grant %s to revoke (`tarn grants` lists them)", g)
	}
	old := p.Grants[i]
	for _, perm := range g.Permissions {
		if !slices.Contains(old.Permissions, perm) {
			return fmt.Errorf("grant #%d (%s) does not give %s", i+1, old, perm)
		}
	}
	left := slices.DeleteFunc(slices.Clone(old.Permissions), func(perm string) bool { return slices.Contains(g.Permissions, perm) })
	if len(left) == 0 {
		p.Grants = slices.Delete(p.Grants, i, i+1)
		return nil
	}
	p.Grants[i].Permissions = left
	return nil
}

// AddFilter sets persona's data filter on a table, replacing one it had.
func (p *Policy) AddFilter(f Filter) error {
	if i := slices.IndexFunc(p.Filters, func(o Filter) bool { return o.Persona == f.Persona && o.Table == f.Table }); i >= 0 {
		p.Filters[i] = f
		return nil
	}
	p.Filters = append(p.Filters, f)
	return nil
}

// RevokeFilter removes persona's data filter on a table.
func (p *Policy) RevokeFilter(persona, table string) error {
	i := slices.IndexFunc(p.Filters, func(o Filter) bool { return o.Persona == persona && o.Table == table })
	if i < 0 {
		return fmt.Errorf("no data filter for %s on %s to revoke", persona, table)
	}
	p.Filters = slices.Delete(p.Filters, i, i+1)
	return nil
}
