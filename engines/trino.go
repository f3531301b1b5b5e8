package engines

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"tarn/lake"
	"tarn/perms"
)

// TrinoOptions are `tarn export trino`'s settings.
type TrinoOptions struct {
	Catalog        string // the Hive connector's catalog name, "hive" by default
	LocationPrefix string // s3://bucket/prefix standing for the lake's root; "" is the local folder
	Root           string // the lake's root folder
}

// TrinoRules is Trino's file-based access control file (rules.json).
type TrinoRules struct {
	Catalogs []TrinoCatalogRule `json:"catalogs"`
	Schemas  []TrinoSchemaRule  `json:"schemas"`
	Tables   []TrinoTableRule   `json:"tables"`
}

// TrinoCatalogRule lets users into a catalog.
type TrinoCatalogRule struct {
	User    string `json:"user,omitempty"`
	Catalog string `json:"catalog,omitempty"`
	Allow   string `json:"allow"`
}

// TrinoSchemaRule makes users owners of schemas; the export writes none.
type TrinoSchemaRule struct {
	User   string `json:"user,omitempty"`
	Schema string `json:"schema,omitempty"`
	Owner  bool   `json:"owner"`
}

// TrinoTableRule is one table rule: who, which tables, what they may do.
type TrinoTableRule struct {
	User       string            `json:"user,omitempty"`
	Role       string            `json:"role,omitempty"`
	Group      string            `json:"group,omitempty"`
	Catalog    string            `json:"catalog,omitempty"`
	Schema     string            `json:"schema,omitempty"`
	Table      string            `json:"table,omitempty"`
	Privileges []string          `json:"privileges"`
	Columns    []TrinoColumnRule `json:"columns,omitempty"`
	Filter     string            `json:"filter,omitempty"`
}

// TrinoColumnRule hides (Allow false) or masks one column.
type TrinoColumnRule struct {
	Name  string `json:"name"`
	Allow *bool  `json:"allow,omitempty"`
	Mask  string `json:"mask,omitempty"`
}

// Trino writes catalog.sql (the tables for the Hive connector), rules.json
// (file-based access control, one rule per persona and table it may
// SELECT) and NOTES.md.
func Trino(cat *lake.Catalog, pol *perms.Policy, opts TrinoOptions) (Export, error) {
	if opts.Catalog == "" {
		opts.Catalog = "hive"
	}
	if !perms.ValidName(opts.Catalog) {
		return Export{}, fmt.Errorf("catalog name %q: use lower-case letters, digits and _", opts.Catalog)
	}
	doc, err := Access(cat, pol)
	if err != nil {
		return Export{}, err
	}
	var ex Export
	var tables []lake.Table
	for _, t := range cat.Tables {
		if why, ok := exportable(t); !ok {
			ex.stricter("", t.QualifiedName(), "", "%s", why)
			continue
		}
		tables = append(tables, t)
	}
	rules := trinoRules(&ex, pol, doc, tables, opts.Catalog)
	rulesJSON, err := json.MarshalIndent(rules, "", "  ")
	if err != nil {
		return Export{}, err
	}
	ex.Files = map[string][]byte{
		"catalog.sql": trinoCatalogSQL(&ex, tables, opts),
		"rules.json":  append(rulesJSON, '\n'),
	}
	ex.Files["NOTES.md"] = ex.notesMarkdown("Where the Trino export is stricter than tarn",
		"Every place Trino's rules say less than tarn's policy (never more), and what Trino reads differently.")
	return ex, nil
}

// trinoUsers is the user regex of a persona: its name and its principals'.
func trinoUsers(pol *perms.Policy, persona string) string {
	names := []string{regexQuote(persona)}
	for _, p := range pol.Principals {
		if p.Persona == persona {
			names = append(names, regexQuote(p.Name))
		}
	}
	return strings.Join(names, "|")
}

// regexQuote escapes ASCII punctuation, which Java's and Go's regular
// expressions both read as the character itself.
func regexQuote(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r < 128 && !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_') {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

func trinoRules(ex *Export, pol *perms.Policy, doc AccessDoc, tables []lake.Table, catalog string) TrinoRules {
	rules := TrinoRules{Catalogs: []TrinoCatalogRule{}, Schemas: []TrinoSchemaRule{}, Tables: []TrinoTableRule{}}
	withTables := map[string]bool{}
	access := doc.byTable()
	for _, t := range tables {
		ta := access[t.QualifiedName()]
		for _, persona := range pol.PersonaNames() {
			pa := ta.Personas[persona]
			switch pa.Access {
			case AccessDescribe:
				ex.stricter(persona, ta.Table, "", "DESCRIBE only in tarn; Trino has no privilege that shows a table without SELECT, so it is not visible")
			case AccessSelect:
				rules.Tables = append(rules.Tables, trinoTableRule(ex, pol, persona, t, pa, catalog))
				withTables[persona] = true
			}
		}
	}
	for _, persona := range pol.PersonaNames() {
		if withTables[persona] {
			rules.Catalogs = append(rules.Catalogs, TrinoCatalogRule{User: trinoUsers(pol, persona), Catalog: regexQuote(catalog), Allow: "read-only"})
		}
	}
	return rules
}

func trinoTableRule(ex *Export, pol *perms.Policy, persona string, t lake.Table, pa PersonaAccess, catalog string) TrinoTableRule {
	r := TrinoTableRule{User: trinoUsers(pol, persona), Catalog: regexQuote(catalog), Schema: regexQuote(t.Database),
		Table: regexQuote(t.Name), Privileges: []string{"SELECT"}}
	deny := false
	for _, c := range t.Columns {
		state := pa.Columns[c.Name]
		switch {
		case state == Hidden:
			r.Columns = append(r.Columns, TrinoColumnRule{Name: c.Name, Allow: &deny})
		case strings.HasPrefix(state, "masked:"):
			kind := strings.TrimPrefix(state, "masked:")
			mask, ok := TrinoMask(kind, c.Name, trinoColumnType(t, c))
			if !ok {
				ex.stricter(persona, t.QualifiedName(), c.Name, "mask %s on a column of type %s: Trino's mask must keep the column's type, so the column is hidden", kind, trinoColumnType(t, c))
				r.Columns = append(r.Columns, TrinoColumnRule{Name: c.Name, Allow: &deny})
				continue
			}
			r.Columns = append(r.Columns, TrinoColumnRule{Name: c.Name, Mask: mask})
		}
	}
	if pa.RowFilter != nil {
		r.Filter = *pa.RowFilter
		ex.note(persona, t.QualifiedName(), "", "row filter %q is copied as written (DuckDB SQL); check it reads the same in Trino", *pa.RowFilter)
	}
	return r
}

// trinoColumnType is the column's type as catalog.sql declares it: the
// Hive connector reads CSV as varchar only.
func trinoColumnType(t lake.Table, c lake.Column) string {
	if t.Format == lake.CSV {
		return "varchar"
	}
	et, _ := typeOf(c.Type)
	return et.trino
}

// TrinoMask is the Trino expression that masks column as tarn's mask kind
// does (queries' maskedColumn), for a column of Trino type typ; ok is
// false where Trino cannot say it: a mask must keep the column's type,
// and tarn's text masks turn any column into text.
func TrinoMask(kind, column, typ string) (string, bool) {
	c := sqlIdent(column)
	text := typ == "varchar"
	switch {
	case kind == "null":
		return "CAST(NULL AS " + typ + ")", true
	case kind == "year" && (typ == "date" || strings.HasPrefix(typ, "timestamp")):
		return "date_trunc('year', " + c + ")", true
	case kind == "redact" && text:
		return "CASE WHEN " + c + " IS NULL THEN NULL ELSE '****' END", true
	case kind == "hash" && text:
		return "lower(to_hex(sha256(to_utf8(" + c + "))))", true
	case kind == "last4" && text:
		return "lpad(substr(" + c + ", greatest(length(" + c + ") - 3, 1)), CAST(length(" + c + ") AS integer), '*')", true
	}
	return "", false
}

var hiveFormats = map[lake.Format]string{lake.Parquet: "PARQUET", lake.CSV: "CSV", lake.JSON: "JSON"}

// trinoCatalogSQL is catalog.sql: a schema per database and an external
// table per table, for the Hive connector.
func trinoCatalogSQL(ex *Export, tables []lake.Table, opts TrinoOptions) []byte {
	var b strings.Builder
	b.WriteString("-- Tables of the lake for Trino's Hive connector (catalog " + opts.Catalog + "), written by tarn export trino.\n")
	var dbs []string
	for _, t := range tables {
		if !slices.Contains(dbs, t.Database) {
			dbs = append(dbs, t.Database)
		}
	}
	for _, db := range dbs {
		fmt.Fprintf(&b, "\nCREATE SCHEMA IF NOT EXISTS %s.%s;\n", sqlIdent(opts.Catalog), sqlIdent(db))
	}
	for _, t := range tables {
		cols := make([]string, len(t.Columns))
		for i, c := range t.Columns {
			cols[i] = "  " + sqlIdent(c.Name) + " " + trinoColumnType(t, c)
		}
		props := []string{
			"external_location = " + sqlString(locationOf(opts.Root, opts.LocationPrefix, t)),
			"format = " + sqlString(hiveFormats[t.Format]),
		}
		if t.Format == lake.CSV {
			props = append(props, "csv_separator = ','", "csv_quote = '\"'", "skip_header_line_count = 1")
			ex.note("", t.QualifiedName(), "", "CSV: the Hive connector reads every column as varchar, and an empty field as '' where tarn reads NULL")
		}
		tableNotes(ex, t)
		if t.Format != lake.CSV && slices.ContainsFunc(t.Columns, func(c lake.Column) bool { return strings.EqualFold(c.Type, "TIMESTAMP") }) {
			ex.note("", t.QualifiedName(), "", "timestamps are declared timestamp(3), the Hive connector's default precision: microseconds are cut unless hive.timestamp-precision=MICROSECONDS")
		}
		fmt.Fprintf(&b, "\nCREATE TABLE IF NOT EXISTS %s.%s.%s (\n%s\n) WITH (\n  %s\n);\n", sqlIdent(opts.Catalog), sqlIdent(t.Database), sqlIdent(t.Name),
			strings.Join(cols, ",\n"), strings.Join(props, ",\n  "))
	}
	return []byte(b.String())
}

// tableNotes names what a reader of the table's whole folder sees that
// tarn does not: other files in it.
func tableNotes(ex *Export, t lake.Table) {
	if t.Pattern != "" || len(t.Exclude) > 0 {
		ex.note("", t.QualifiedName(), "", "tarn reads only %s (less %d excluded files); an engine reads every file of the folder: upload only those", t.FilePattern(), len(t.Exclude))
	}
}
