package main

import (
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

const testAccount = "123456789012"

// tfResources reads the resources of every *.tf.json in dir.
func tfResources(t *testing.T, dir string) (map[string]map[string]map[string]any, map[string]any) {
	t.Helper()
	res := map[string]map[string]map[string]any{}
	var locals map[string]any
	names, _ := filepath.Glob(filepath.Join(dir, "*.tf.json"))
	for _, name := range names {
		var doc struct {
			Locals   map[string]any
			Resource map[string]map[string]map[string]any
		}
		data, _ := os.ReadFile(name)
		if err := json.Unmarshal(data, &doc); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if doc.Locals != nil {
			locals = doc.Locals
		}
		for typ, byName := range doc.Resource {
			if res[typ] == nil {
				res[typ] = map[string]map[string]any{}
			}
			maps.Copy(res[typ], byName)
		}
	}
	return res, locals
}

// applied plays `terraform apply` of an AWS export into what the AWS CLI
// then prints, as the Glue and Lake Formation API references name the
// fields: one file per command (get-resource-lf-tags once per database and
// table, each named after it), in dir. GetResourceLFTags shows a
// resource's effective tags: a table's include its database's, a
// column's its table's.
func applied(t *testing.T, exportDir, dir string) []string {
	res, locals := tfResources(t, exportDir)
	resolve := func(v any) string {
		s, _ := v.(string)
		s = strings.ReplaceAll(s, "${data.aws_caller_identity.current.account_id}", testAccount)
		if name, ok := strings.CutPrefix(s, "${local.principals."); ok {
			s = locals["principals"].(map[string]any)[strings.TrimSuffix(name, "}")].(string)
			s = strings.ReplaceAll(s, "${data.aws_caller_identity.current.account_id}", testAccount)
		}
		return s
	}
	strs := func(v any) []string {
		var out []string
		for _, x := range v.([]any) {
			out = append(out, x.(string))
		}
		return out
	}
	outputs := map[string]any{}
	var dbs, tables, tags, perms, filters []any
	for _, db := range res["aws_glue_catalog_database"] {
		dbs = append(dbs, map[string]any{"Name": db["name"], "CatalogId": testAccount})
	}
	tagsOf := map[string]map[string]string{} // resource -> key -> value, as assigned
	for _, a := range res["aws_lakeformation_resource_lf_tags"] {
		var resource string
		switch {
		case a["database"] != nil:
			resource = a["database"].(map[string]any)["name"].(string)
		case a["table"] != nil:
			tb := a["table"].(map[string]any)
			resource = tb["database_name"].(string) + "." + tb["name"].(string)
		default:
			tc := a["table_with_columns"].(map[string]any)
			resource = tc["database_name"].(string) + "." + tc["name"].(string) + "." + strs(tc["column_names"])[0]
		}
		tagsOf[resource] = map[string]string{}
		for _, p := range a["lf_tag"].([]any) {
			tagsOf[resource][p.(map[string]any)["key"].(string)] = p.(map[string]any)["value"].(string)
		}
	}
	pairs := func(levels ...string) []any {
		eff := map[string]string{}
		for _, l := range levels {
			maps.Copy(eff, tagsOf[l])
		}
		var out []any
		for _, k := range slices.Sorted(maps.Keys(eff)) {
			out = append(out, map[string]any{"CatalogId": testAccount, "TagKey": k, "TagValues": []string{eff[k]}})
		}
		return out
	}
	for _, tb := range res["aws_glue_catalog_table"] {
		sd := tb["storage_descriptor"].(map[string]any)
		serde := sd["ser_de_info"].(map[string]any)
		var cols, colTags []any
		db, name := tb["database_name"].(string), tb["name"].(string)
		for _, c := range sd["columns"].([]any) {
			c := c.(map[string]any)
			cols = append(cols, map[string]any{"Name": c["name"], "Type": c["type"]})
			colTags = append(colTags, map[string]any{"Name": c["name"], "LFTags": pairs(db, db+"."+name, db+"."+name+"."+c["name"].(string))})
		}
		tables = append(tables, map[string]any{"Name": name, "DatabaseName": db, "Description": tb["description"], "TableType": tb["table_type"],
			"Parameters": tb["parameters"], "PartitionKeys": []any{}, "StorageDescriptor": map[string]any{
				"Columns": cols, "Location": sd["location"], "InputFormat": sd["input_format"], "OutputFormat": sd["output_format"],
				"Compressed": sd["compressed"], "SerdeInfo": map[string]any{"SerializationLibrary": serde["serialization_library"], "Parameters": serde["parameters"]}}})
		outputs[db+"."+name+".json"] = map[string]any{"LFTagOnDatabase": pairs(db), "LFTagsOnTable": pairs(db, db+"."+name), "LFTagsOnColumns": colTags}
		outputs[db+".json"] = map[string]any{"LFTagOnDatabase": pairs(db)}
	}
	for _, k := range res["aws_lakeformation_lf_tag"] {
		tags = append(tags, map[string]any{"CatalogId": testAccount, "TagKey": k["key"], "TagValues": k["values"]})
	}
	for _, f := range res["aws_lakeformation_data_cells_filter"] {
		td := f["table_data"].(map[string]any)
		rows := map[string]any{"AllRowsWildcard": map[string]any{}}
		if e, ok := td["row_filter"].(map[string]any)["filter_expression"]; ok {
			rows = map[string]any{"FilterExpression": e}
		}
		filters = append(filters, map[string]any{"TableCatalogId": resolve(td["table_catalog_id"]), "DatabaseName": td["database_name"],
			"TableName": td["table_name"], "Name": td["name"], "RowFilter": rows, "ColumnNames": td["column_names"]})
	}
	for _, p := range res["aws_lakeformation_permissions"] {
		resource := map[string]any{}
		switch {
		case p["table"] != nil:
			tb := p["table"].(map[string]any)
			if tb["wildcard"] == true {
				resource["Table"] = map[string]any{"CatalogId": testAccount, "DatabaseName": tb["database_name"], "TableWildcard": map[string]any{}}
			} else {
				resource["Table"] = map[string]any{"CatalogId": testAccount, "DatabaseName": tb["database_name"], "Name": tb["name"]}
			}
		case p["table_with_columns"] != nil:
			tc := p["table_with_columns"].(map[string]any)
			resource["TableWithColumns"] = map[string]any{"CatalogId": testAccount, "DatabaseName": tc["database_name"], "Name": tc["name"], "ColumnNames": tc["column_names"]}
		case p["lf_tag_policy"] != nil:
			lp := p["lf_tag_policy"].(map[string]any)
			var expr []any
			for _, e := range lp["expression"].([]any) {
				expr = append(expr, map[string]any{"TagKey": e.(map[string]any)["key"], "TagValues": e.(map[string]any)["values"]})
			}
			resource["LFTagPolicy"] = map[string]any{"CatalogId": testAccount, "ResourceType": lp["resource_type"], "Expression": expr}
		case p["data_cells_filter"] != nil:
			d := p["data_cells_filter"].(map[string]any)
			resource["DataCellsFilter"] = map[string]any{"TableCatalogId": resolve(d["table_catalog_id"]), "DatabaseName": d["database_name"], "TableName": d["table_name"], "Name": d["name"]}
		default:
			t.Fatalf("a permission on no resource the test knows: %v", p)
		}
		perms = append(perms, map[string]any{"Principal": map[string]any{"DataLakePrincipalIdentifier": resolve(p["principal"])},
			"Resource": resource, "Permissions": p["permissions"], "PermissionsWithGrantOption": []any{}})
	}
	outputs["get-databases.json"] = map[string]any{"DatabaseList": dbs}
	outputs["get-tables.json"] = map[string]any{"TableList": tables}
	outputs["list-lf-tags.json"] = map[string]any{"LFTags": tags}
	outputs["list-permissions.json"] = map[string]any{"PrincipalResourcePermissions": perms}
	outputs["list-data-cells-filter.json"] = map[string]any{"DataCellsFilters": filters}
	var files []string
	for name, v := range outputs {
		data, _ := json.MarshalIndent(v, "", "    ")
		file := filepath.Join(dir, name)
		if err := os.WriteFile(file, data, 0o644); err != nil {
			t.Fatal(err)
		}
		files = append(files, file)
	}
	slices.Sort(files)
	return files
}

// Export aws, apply, import the AWS CLI's view of it: every persona sees
// what it saw, but for masked columns, which the export left out and said so.
func TestAWSExportImportRoundTrip(t *testing.T) {
	root := governedCLILake(t)
	// A DESCRIBE-only grant on top of the demo's.
	for _, args := range [][]string{
		{"grants", "add", "analyst", "DESCRIBE", "sales.shops"},
	} {
		if code, _, errOut := tarn(t, append(args, "--lake", root)...); code != 0 {
			t.Fatal(errOut)
		}
	}
	out := filepath.Join(t.TempDir(), "aws")
	code, stdout, errOut := tarn(t, "export", "aws", "--out", out, "--bucket", "s3://acme-lake/tarn", "--lake", root)
	if code != 0 {
		t.Fatalf("export aws: %s", errOut)
	}
	cli := t.TempDir()
	files := applied(t, out, cli)
	imported := t.TempDir()
	args := append([]string{"import", "aws", "--lake", imported, "--map", "s3://acme-lake/tarn=" + imported}, files...)
	code, importOut, errOut := tarn(t, args...)
	if code != 0 {
		t.Fatalf("import aws: exit %d: %s", code, errOut)
	}
	if errOut != "" {
		t.Errorf("import aws reports what the export wrote as unmappable:\n%s", errOut)
	}
	before, after := accessJSON(t, root), accessJSON(t, imported)
	if len(after.Tables) != len(before.Tables) {
		t.Fatalf("%d tables before, %d after:\n%s", len(before.Tables), len(after.Tables), importOut)
	}
	for _, tb := range before.Tables {
		got, err := after.Table(tb.Table)
		if err != nil {
			t.Error(err)
			continue
		}
		for persona, want := range tb.Personas {
			have, ok := got.Personas[persona]
			if !ok {
				t.Errorf("%s: no persona after the round trip", persona)
				continue
			}
			if have.Access != want.Access {
				t.Errorf("%s on %s: %s before, %s after", persona, tb.Table, want.Access, have.Access)
			}
			for _, c := range tb.Columns {
				w, h := want.Columns[c], have.Columns[c]
				if strings.HasPrefix(w, "masked:") && h == "hidden" && strings.Contains(stdout, persona+" on "+tb.Table+"."+c+": "+w) {
					continue
				}
				if w != h {
					t.Errorf("%s on %s.%s: %s before, %s after", persona, tb.Table, c, w, h)
				}
			}
			if (want.RowFilter == nil) != (have.RowFilter == nil) || want.RowFilter != nil && *want.RowFilter != *have.RowFilter {
				t.Errorf("%s on %s: row filter %v before, %v after", persona, tb.Table, want.RowFilter, have.RowFilter)
			}
		}
		for persona := range got.Personas {
			if _, ok := tb.Personas[persona]; !ok && persona != "tarn_admin" {
				t.Errorf("a persona %s appeared", persona)
			}
		}
	}
	if !strings.Contains(stdout, "sales_east on sales.customers.phone: masked:last4") {
		t.Errorf("the export does not say the masked phone is left out:\n%s", stdout)
	}
}

func TestImportAWSRefusesALakeWithTablesAndBadMaps(t *testing.T) {
	root := smallLake(t)
	empty := t.TempDir()
	input := filepath.Join(t.TempDir(), "get-tables.json")
	if err := os.WriteFile(input, []byte(`{"TableList": []}`), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--lake", root, "--map", "s3://b/p=" + root}, "has tables already"},
		{[]string{"--lake", empty, "--map", "b/p=" + empty}, "give s3://bucket/prefix=DIR"},
		{[]string{"--lake", empty, "--map", "s3://b/p=" + t.TempDir()}, "is not inside the lake"},
		{[]string{"--lake", empty}, "usage: tarn import"},
	} {
		code, _, errOut := tarn(t, append(append([]string{"import", "aws"}, c.args...), input)...)
		if code == 0 || !strings.Contains(errOut, c.want) {
			t.Errorf("import aws %v: exit %d, %s (want %q)", c.args, code, errOut, c.want)
		}
	}
	if _, err := os.Stat(filepath.Join(empty, "policy.toml")); err == nil {
		t.Error("a refused import wrote policy.toml")
	}
}
