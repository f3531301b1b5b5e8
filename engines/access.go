// Package engines publishes a lake's catalog and policy to engines built
// for more than one machine (Trino, Athena with Lake Formation) and reads
// Lake Formation's back. Pure policy translation: it depends on perms and
// lake only, never on DuckDB. Every export may be stricter than tarn,
// never looser; what it cannot express is named in its notes.
package engines

import (
	"fmt"
	"slices"

	"tarn/lake"
	"tarn/perms"
)

// Access levels of a persona on a table, as `tarn access --json` prints them.
const (
	AccessSelect   = "select"
	AccessDescribe = "describe"
	AccessNone     = "none"
)

// Column states.
const (
	Visible = "visible"
	Hidden  = "hidden"
)

// MaskedState is the state of a column masked with kind: "masked:last4".
func MaskedState(kind string) string { return "masked:" + kind }

// AccessDoc is the access matrix as data: the contract every export and
// import is checked against.
type AccessDoc struct {
	Tables []TableAccess `json:"tables"`
}

// TableAccess is one table: its columns and what each persona may do.
type TableAccess struct {
	Table    string                   `json:"table"`
	Columns  []string                 `json:"columns"`
	Personas map[string]PersonaAccess `json:"personas"`
}

// PersonaAccess is one persona's access to one table; RowFilter is nil
// when it sees every row (or none).
type PersonaAccess struct {
	Access    string            `json:"access"`
	Columns   map[string]string `json:"columns"`
	RowFilter *string           `json:"row_filter"`
}

// Access evaluates the policy for every persona over the tables (every
// table of the catalog when none is given).
func Access(cat *lake.Catalog, pol *perms.Policy, tables ...lake.Table) (AccessDoc, error) {
	if len(tables) == 0 {
		tables = cat.Tables
	}
	doc := AccessDoc{Tables: []TableAccess{}}
	vis := map[string]perms.Visibility{}
	for _, name := range pol.PersonaNames() {
		v, err := pol.Visibility(cat, name)
		if err != nil {
			return AccessDoc{}, err
		}
		vis[name] = v
	}
	for _, t := range tables {
		ta := TableAccess{Table: t.QualifiedName(), Personas: map[string]PersonaAccess{}}
		for _, c := range t.Columns {
			ta.Columns = append(ta.Columns, c.Name)
		}
		for name, v := range vis {
			ta.Personas[name] = personaAccess(v, t)
		}
		doc.Tables = append(doc.Tables, ta)
	}
	return doc, nil
}

func personaAccess(v perms.Visibility, t lake.Table) PersonaAccess {
	pa := PersonaAccess{Access: AccessNone, Columns: map[string]string{}}
	for _, c := range t.Columns {
		pa.Columns[c.Name] = Hidden
	}
	got, ok := v.Lookup(t.Database, t.Name)
	if !ok {
		return pa
	}
	pa.Access = AccessDescribe
	if got.Select {
		pa.Access = AccessSelect
	}
	for _, c := range got.Columns {
		pa.Columns[c.Name] = Visible
		if c.Mask != "" {
			pa.Columns[c.Name] = MaskedState(c.Mask)
		}
	}
	if got.RowFilter != "" {
		filter := got.RowFilter
		pa.RowFilter = &filter
	}
	return pa
}

// Table finds one table of the document.
func (d AccessDoc) Table(name string) (TableAccess, error) {
	i := slices.IndexFunc(d.Tables, func(t TableAccess) bool { return t.Table == name })
	if i < 0 {
		return TableAccess{}, fmt.Errorf("no table %s in the access matrix", name)
	}
	return d.Tables[i], nil
}

// byTable indexes the tables by name.
func (d AccessDoc) byTable() map[string]TableAccess {
	m := make(map[string]TableAccess, len(d.Tables))
	for _, t := range d.Tables {
		m[t.Table] = t
	}
	return m
}
