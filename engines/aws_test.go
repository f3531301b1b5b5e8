package engines_test

import (
	"encoding/json"
	"maps"
	"slices"
	"strings"
	"testing"

	"tarn/engines"
	"tarn/perms"
)

// lfResources are the Lake Formation resources of an AWS export.
func lfResources(t *testing.T, ex engines.Export) map[string]map[string]map[string]any {
	t.Helper()
	var doc struct {
		Resource map[string]map[string]map[string]any
	}
	if err := json.Unmarshal(ex.Files["lakeformation.tf.json"], &doc); err != nil {
		t.Fatal(err)
	}
	return doc.Resource
}

// Each grant the AWS export writes gives, by Lake Formation's rules (a
// table grant every column and row; a column grant those columns; an
// LF-Tag policy each column whose effective tags, inherited database >
// table > column, match every key; a data cells filter its columns and
// rows), nothing the persona does not see in tarn: no column tarn hides
// or masks, no row of a table tarn filters but through the same filter.
func TestAWSGrantsGiveNothingTarnHides(t *testing.T) {
	l, pol := demoLake(t)
	// DESCRIBE on the whole of sales.customers beside SELECT on two columns:
	// tarn shows the two only; a DESCRIBE on the table would show all.
	pol.Grants = append(pol.Grants, perms.Grant{Persona: "analyst", Permissions: []string{perms.Describe}, Resource: "sales.customers"})
	doc, err := engines.Access(l.Catalog, pol)
	if err != nil {
		t.Fatal(err)
	}
	ex, err := engines.AWS(l.Catalog, pol, engines.AWSOptions{Bucket: "s3://b/lake", Root: l.Root})
	if err != nil {
		t.Fatal(err)
	}
	res := lfResources(t, ex)
	tags := map[string]map[string]string{}
	for _, a := range res["aws_lakeformation_resource_lf_tags"] {
		var r string
		if d, ok := a["database"].(map[string]any); ok {
			r = d["name"].(string)
		} else if tb, ok := a["table"].(map[string]any); ok {
			r = tb["database_name"].(string) + "." + tb["name"].(string)
		} else {
			tc := a["table_with_columns"].(map[string]any)
			r = tc["database_name"].(string) + "." + tc["name"].(string) + "." + tc["column_names"].([]any)[0].(string)
		}
		tags[r] = map[string]string{}
		for _, p := range a["lf_tag"].([]any) {
			tags[r][p.(map[string]any)["key"].(string)] = p.(map[string]any)["value"].(string)
		}
	}
	filters := map[string]map[string]any{}
	for _, f := range res["aws_lakeformation_data_cells_filter"] {
		td := f["table_data"].(map[string]any)
		filters[td["database_name"].(string)+"."+td["table_name"].(string)+"/"+td["name"].(string)] = td
	}
	checked := 0
	for name, p := range res["aws_lakeformation_permissions"] {
		persona := strings.TrimSuffix(strings.TrimPrefix(p["principal"].(string), "${local.principals."), "}")
		for _, ta := range doc.Tables {
			db, tb, _ := strings.Cut(ta.Table, ".")
			pa := ta.Personas[persona]
			var given []string
			var rows any = "all"
			switch {
			case p["table"] != nil:
				r := p["table"].(map[string]any)
				if r["database_name"] == db && (r["wildcard"] == true || r["name"] == tb) {
					given = ta.Columns
				}
			case p["table_with_columns"] != nil:
				r := p["table_with_columns"].(map[string]any)
				if r["database_name"] == db && r["name"] == tb {
					for _, c := range r["column_names"].([]any) {
						given = append(given, c.(string))
					}
				}
			case p["lf_tag_policy"] != nil:
				for _, c := range ta.Columns {
					eff := map[string]string{}
					for _, level := range []string{db, ta.Table, ta.Table + "." + c} {
						maps.Copy(eff, tags[level])
					}
					match := true
					for _, e := range p["lf_tag_policy"].(map[string]any)["expression"].([]any) {
						e := e.(map[string]any)
						var values []string
						for _, v := range e["values"].([]any) {
							values = append(values, v.(string))
						}
						match = match && slices.Contains(values, eff[e["key"].(string)])
					}
					if match {
						given = append(given, c)
					}
				}
			case p["data_cells_filter"] != nil:
				r := p["data_cells_filter"].(map[string]any)
				if r["database_name"] == db && r["table_name"] == tb {
					f := filters[ta.Table+"/"+r["name"].(string)]
					for _, c := range f["column_names"].([]any) {
						given = append(given, c.(string))
					}
					if e, ok := f["row_filter"].(map[string]any)["filter_expression"]; ok {
						rows = e
					}
				}
			}
			if len(given) == 0 {
				continue
			}
			checked++
			if pa.Access == engines.AccessNone {
				t.Errorf("%s gives %s %s, which tarn hides from it", name, persona, ta.Table)
			}
			for _, c := range given {
				if pa.Columns[c] != engines.Visible {
					t.Errorf("%s gives %s %s.%s, which tarn shows as %s", name, persona, ta.Table, c, pa.Columns[c])
				}
			}
			if pa.RowFilter != nil && rows != *pa.RowFilter {
				t.Errorf("%s gives %s rows %v of %s, where tarn filters %s", name, persona, rows, ta.Table, *pa.RowFilter)
			}
		}
	}
	if checked < 20 {
		t.Errorf("checked only %d grants x tables", checked)
	}
}
