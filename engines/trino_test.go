package engines_test

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"

	"tarn/demo"
	"tarn/engines"
	"tarn/internal/testlake"
	"tarn/lake"
	"tarn/perms"
)

// demoLake is a small demo lake and a policy with every kind of state:
// the demo's, plus a principal, a DESCRIBE-only grant, and masks of each
// kind on text, number and timestamp columns.
func demoLake(t *testing.T) (*lake.Lake, *perms.Policy) {
	t.Helper()
	l := testlake.Demo(t, demo.Options{LogRows: 200})
	pol := demo.Policy()
	pol.Principals = append(pol.Principals, perms.Principal{Name: "olga", Persona: "sales_east"})
	pol.Grants = append(pol.Grants, perms.Grant{Persona: "sales_east", Permissions: []string{perms.Describe}, Resource: "sales.shops"})
	pol.Masks = append(pol.Masks,
		perms.Mask{Persona: "sales_east", Column: "sales.customers.email", Kind: "hash"},
		perms.Mask{Persona: "sales_east", Column: "sales.customers.name", Kind: "redact"},
		perms.Mask{Persona: "analyst", Column: "weblogs.access_log_parquet_1.time", Kind: "year"},
		perms.Mask{Persona: "analyst", Column: "weblogs.access_log_parquet_1.size", Kind: "null"},
		perms.Mask{Persona: "analyst", Column: "weblogs.access_log_parquet_1.status", Kind: "last4"},
		perms.Mask{Persona: "analyst", Column: "weblogs.access_log_csv_1.time", Kind: "year"})
	return l, pol
}

// trinoDecision is what Trino's file-based access control lets a user do
// with one table.
type trinoDecision struct {
	access  string            // select, describe, none
	columns map[string]string // visible, hidden, or "mask:" + expression
	filter  *string
}

// evalTrino decides from rules.json as Trino's documentation
// (security/file-system-access-control) says: for catalogs and for tables
// the first rule whose user, role, group, catalog, schema and table
// regular expressions all match applies (a missing one is .*), and no
// matching rule denies; a section that is absent allows. A table is
// visible with any privilege and readable with SELECT; a column
// constraint with allow false hides the column, with mask masks it; the
// filter keeps the rows it is true for. The user has no roles or groups.
func evalTrino(t *testing.T, rules map[string]json.RawMessage, user, catalog, schema, table string, columns []string) trinoDecision {
	none := trinoDecision{access: "none", columns: map[string]string{}}
	for _, c := range columns {
		none.columns[c] = "hidden"
	}
	type rule struct {
		User, Role, Group, Catalog, Schema, Table string
		Allow                                     any
		Privileges                                []string
		Columns                                   []struct {
			Name  string
			Allow *bool
			Mask  string
		}
		Filter string
	}
	matches := func(pattern, s string) bool {
		if pattern == "" {
			pattern = ".*"
		}
		return regexp.MustCompile("^(?:" + pattern + ")$").MatchString(s)
	}
	first := func(section string, fits func(rule) bool) (rule, bool, bool) {
		raw, present := rules[section]
		if !present {
			return rule{}, false, false
		}
		var rs []rule
		if err := json.Unmarshal(raw, &rs); err != nil {
			t.Fatalf("rules.json %s: %v", section, err)
		}
		for _, r := range rs {
			if r.Role == "" && r.Group == "" && matches(r.User, user) && fits(r) {
				return r, true, true
			}
		}
		return rule{}, false, true
	}
	cr, found, present := first("catalogs", func(r rule) bool { return matches(r.Catalog, catalog) })
	if present && (!found || !(cr.Allow == "all" || cr.Allow == "read-only" || cr.Allow == true)) {
		return none
	}
	tr, found, present := first("tables", func(r rule) bool {
		return matches(r.Catalog, catalog) && matches(r.Schema, schema) && matches(r.Table, table)
	})
	if present && !found || len(tr.Privileges) == 0 && present {
		return none
	}
	d := trinoDecision{access: "describe", columns: map[string]string{}}
	if !present || slices.Contains(tr.Privileges, "SELECT") {
		d.access = "select"
	}
	for _, c := range columns {
		d.columns[c] = "visible"
	}
	for _, c := range tr.Columns {
		switch {
		case c.Allow != nil && !*c.Allow:
			d.columns[c.Name] = "hidden"
		case c.Mask != "":
			d.columns[c.Name] = "mask:" + c.Mask
		}
	}
	if tr.Filter != "" {
		d.filter = &tr.Filter
	}
	return d
}

// wantTrinoMask is each tarn mask kind's Trino expression, written from
// Trino's function reference (lpad, substr, greatest, length; sha256 of
// to_utf8 gives varbinary, to_hex its upper-case hex; date_trunc keeps
// the type).
var wantTrinoMask = map[string]string{
	"redact": `CASE WHEN "%s" IS NULL THEN NULL ELSE '****' END`,
	"hash":   `lower(to_hex(sha256(to_utf8("%s"))))`,
	"last4":  `lpad(substr("%[1]s", greatest(length("%[1]s") - 3, 1)), CAST(length("%[1]s") AS integer), '*')`,
	"year":   `date_trunc('year', "%s")`,
}

func TestTrinoRulesGiveEveryUserWhatTarnGivesItsPersona(t *testing.T) {
	l, pol := demoLake(t)
	doc, err := engines.Access(l.Catalog, pol)
	if err != nil {
		t.Fatal(err)
	}
	ex, err := engines.Trino(l.Catalog, pol, engines.TrinoOptions{Root: l.Root})
	if err != nil {
		t.Fatal(err)
	}
	var rules map[string]json.RawMessage
	if err := json.Unmarshal(ex.Files["rules.json"], &rules); err != nil {
		t.Fatal(err)
	}
	users := map[string]string{"olga": "sales_east", "stranger": ""}
	for _, p := range pol.PersonaNames() {
		users[p] = p
	}
	compared := 0
	for _, ta := range doc.Tables {
		db, name, _ := strings.Cut(ta.Table, ".")
		for user, persona := range users {
			got := evalTrino(t, rules, user, "hive", db, name, ta.Columns)
			want, ok := ta.Personas[persona]
			if !ok {
				want = engines.PersonaAccess{Access: "none"}
			}
			where := fmt.Sprintf("%s (%s) on %s", user, persona, ta.Table)
			if got.access != want.Access {
				if !(got.access == "none" && ex.NotedStricter(persona, ta.Table, "")) {
					t.Errorf("%s: Trino gives %s, tarn %s, and no note says so", where, got.access, want.Access)
				}
				continue
			}
			if want.Access == "none" {
				continue
			}
			for _, c := range ta.Columns {
				compared++
				g, w := got.columns[c], want.Columns[c]
				kind, masked := strings.CutPrefix(w, "masked:")
				switch {
				case masked && g == "hidden" && ex.NotedStricter(persona, ta.Table, c):
				case masked && g == "mask:"+fmt.Sprintf(wantTrinoMask[kind], c):
				case masked && kind == "null" && strings.HasPrefix(g, "mask:CAST(NULL AS "):
				case g != w || masked:
					t.Errorf("%s column %s: Trino %s, tarn %s", where, c, g, w)
				}
			}
			if fmt.Sprint(deref(got.filter)) != fmt.Sprint(deref(want.RowFilter)) {
				t.Errorf("%s: Trino filter %q, tarn %q", where, deref(got.filter), deref(want.RowFilter))
			}
		}
	}
	if compared < 300 {
		t.Errorf("compared only %d columns", compared)
	}
	for _, want := range []string{
		"sales_east on sales.shops: DESCRIBE only in tarn",
		"analyst on weblogs.access_log_csv_1.time: mask year on a column of type varchar",
		"analyst on weblogs.access_log_parquet_1.status: mask last4 on a column of type integer",
	} {
		if !strings.Contains(string(ex.Files["NOTES.md"]), want) {
			t.Errorf("NOTES.md lacks %q:\n%s", want, ex.Files["NOTES.md"])
		}
	}
}

func deref(s *string) string {
	if s == nil {
		return "<all rows>"
	}
	return *s
}
