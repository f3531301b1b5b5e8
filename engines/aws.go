package engines

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"

	"tarn/lake"
	"tarn/perms"
)

// AWSOptions are `tarn export aws`'s settings.
type AWSOptions struct {
	Bucket string // s3://bucket/prefix the lake's root is uploaded to
	Root   string // the lake's root folder
}

// The account and principals as the Terraform refers to them.
const (
	awsAccount       = "${data.aws_caller_identity.current.account_id}"
	awsPrincipalRole = "arn:aws:iam::" + awsAccount + ":role/"
)

// tf is Terraform's JSON syntax: resource type -> name -> arguments.
type tf map[string]map[string]any

func (t tf) add(typ, name string, body map[string]any) {
	if t[typ] == nil {
		t[typ] = map[string]any{}
	}
	t[typ][name] = body
}

// awsExport is one export in the making.
type awsExport struct {
	Export
	cat    *lake.Catalog
	pol    *perms.Policy
	access map[string]TableAccess // the access matrix by table
	opts   AWSOptions
	tables []lake.Table // the ones every column of which maps to Glue
	glue   tf
	lf     tf
	grants int
}

// AWS writes Terraform in its JSON syntax (main.tf.json, glue.tf.json,
// lakeformation.tf.json, athena.tf.json), upload.sh and NOTES.md.
// Lake Formation's grants add up and it has no masks, so a persona with a
// row filter or a mask on a table gets that table through a data cells
// filter alone, masked columns left out, and its tag grants that cover
// such a table become grants on the tables they name today.
func AWS(cat *lake.Catalog, pol *perms.Policy, opts AWSOptions) (Export, error) {
	if !strings.HasPrefix(opts.Bucket, "s3://") || len(strings.Trim(strings.TrimPrefix(opts.Bucket, "s3://"), "/")) == 0 {
		return Export{}, fmt.Errorf("--bucket %q: give s3://bucket or s3://bucket/prefix", opts.Bucket)
	}
	opts.Bucket = strings.TrimSuffix(opts.Bucket, "/")
	doc, err := Access(cat, pol)
	if err != nil {
		return Export{}, err
	}
	x := &awsExport{cat: cat, pol: pol, access: doc.byTable(), opts: opts, glue: tf{}, lf: tf{}}
	for _, t := range cat.Tables {
		if why, ok := exportable(t); !ok {
			x.stricter("", t.QualifiedName(), "", "%s", why)
			continue
		}
		x.tables = append(x.tables, t)
		tableNotes(&x.Export, t)
	}
	x.glueTables()
	x.tags()
	for _, p := range pol.Personas {
		x.personaGrants(p)
	}
	athena := x.workgroups()
	x.Files = map[string][]byte{
		"main.tf.json":          x.main(),
		"glue.tf.json":          tfFile(map[string]any{"resource": x.glue}),
		"lakeformation.tf.json": tfFile(map[string]any{"resource": x.lf}),
		"upload.sh":             x.upload(),
	}
	// Written even when empty: a previous export's workgroups must not stay.
	x.Files["athena.tf.json"] = []byte("{}\n")
	if len(athena) > 0 {
		x.Files["athena.tf.json"] = tfFile(map[string]any{"resource": tf{"aws_athena_workgroup": athena}})
	}
	x.Files["NOTES.md"] = x.notesMarkdown("Where the AWS export is stricter than tarn", awsIntro)
	return x.Export, nil
}

const awsIntro = `Before terraform apply: create an IAM role per persona, named as the persona
(main.tf.json's locals.principals maps them; edit it to use other principals), and
give each the Athena workgroup of its persona through IAM. In Lake Formation's Data
Catalog settings, new databases and tables must not give IAM_ALLOWED_PRINCIPALS
access ("Use only IAM access control" unchecked): otherwise every IAM principal may
read every table this creates, whatever the grants below say. tarn's principals
(SSH keys) are not exported.

Every place the export says less than tarn's policy (never more):`

func tfFile(v any) []byte {
	b, _ := json.MarshalIndent(v, "", "  ")
	return append(b, '\n')
}

func tfName(parts ...string) string { return strings.Join(parts, "__") }

// main is the provider, the account and the principals.
func (x *awsExport) main() []byte {
	principals := map[string]string{}
	for _, p := range x.pol.Personas {
		principals[p.Name] = awsPrincipalRole + p.Name
	}
	bucket, prefix, _ := strings.Cut(strings.TrimPrefix(x.opts.Bucket, "s3://"), "/")
	return tfFile(map[string]any{
		"terraform": map[string]any{"required_providers": map[string]any{"aws": map[string]any{"source": "hashicorp/aws"}}},
		"data":      map[string]any{"aws_caller_identity": map[string]any{"current": map[string]any{}}},
		"locals":    map[string]any{"principals": principals},
		"resource": tf{"aws_lakeformation_resource": {"lake": map[string]any{
			"arn": "arn:aws:s3:::" + strings.TrimSuffix(bucket+"/"+prefix, "/"),
		}}},
	})
}

// glueFormats are the SerDe and formats Athena reads each format with.
var glueFormats = map[lake.Format]map[string]string{
	lake.Parquet: {"classification": "parquet", "serde": "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe",
		"input": "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat", "output": "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat"},
	lake.CSV: {"classification": "csv", "serde": "org.apache.hadoop.hive.serde2.OpenCSVSerde",
		"input": "org.apache.hadoop.mapred.TextInputFormat", "output": "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat"},
	lake.JSON: {"classification": "json", "serde": "org.openx.data.jsonserde.JsonSerDe",
		"input": "org.apache.hadoop.mapred.TextInputFormat", "output": "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat"},
}

func (x *awsExport) glueTables() {
	for _, t := range x.tables {
		if _, ok := x.glue["aws_glue_catalog_database"][t.Database]; !ok {
			x.glue.add("aws_glue_catalog_database", t.Database, map[string]any{"name": t.Database})
		}
		f := glueFormats[t.Format]
		serdeParams := map[string]string{}
		params := map[string]string{"classification": f["classification"], "compressionType": string(t.Compression), "EXTERNAL": "TRUE"}
		if t.Format == lake.CSV {
			serdeParams = map[string]string{"separatorChar": ",", "quoteChar": `"`}
			params["skip.header.line.count"] = "1"
		}
		var cols []map[string]string
		for _, c := range t.Columns {
			et, _ := typeOf(c.Type)
			if t.Format == lake.CSV && (et.glue == "timestamp" || et.glue == "date") {
				et.glue = "string"
				x.note("", t.QualifiedName(), c.Name, "CSV: Athena's OpenCSVSerDe reads %s only as UNIX milliseconds, so the column is declared string", c.Type)
			}
			cols = append(cols, map[string]string{"name": c.Name, "type": et.glue})
		}
		x.glue.add("aws_glue_catalog_table", tfName(t.Database, t.Name), map[string]any{
			"name": t.Name, "database_name": t.Database, "table_type": "EXTERNAL_TABLE", "description": t.Description, "parameters": params,
			"storage_descriptor": map[string]any{
				"location": x.location(t), "input_format": f["input"], "output_format": f["output"], "compressed": t.Compression == lake.Gzip,
				"ser_de_info": map[string]any{"serialization_library": f["serde"], "parameters": serdeParams},
				"columns":     cols,
			},
			"depends_on": []string{"aws_glue_catalog_database." + t.Database},
		})
	}
}

func (x *awsExport) location(t lake.Table) string {
	return x.opts.Bucket + "/" + strings.Trim(t.Location, "/") + "/"
}

// exported says whether the table (database.table) is in the export, and
// a database whether any of its tables is.
func (x *awsExport) exported(resource string) bool {
	return slices.ContainsFunc(x.tables, func(t lake.Table) bool {
		return t.QualifiedName() == resource || t.Database == resource || strings.HasPrefix(resource, t.QualifiedName()+".")
	})
}

// tags are the LF-Tags and their assignments.
func (x *awsExport) tags() {
	for _, k := range x.pol.Tags {
		x.lf.add("aws_lakeformation_lf_tag", k.Key, map[string]any{"key": k.Key, "values": k.Values})
	}
	for _, a := range x.pol.Assigns {
		if !x.exported(a.Resource) {
			continue
		}
		r, _ := perms.ParseResource(a.Resource)
		var lfTags []map[string]string
		var deps []string
		for _, k := range slices.Sorted(maps.Keys(a.Tags)) {
			lfTags = append(lfTags, map[string]string{"key": k, "value": a.Tags[k]})
			deps = append(deps, "aws_lakeformation_lf_tag."+k)
		}
		body := map[string]any{"lf_tag": lfTags}
		switch {
		case r.Column != "":
			body["table_with_columns"] = map[string]any{"database_name": r.Database, "name": r.Table, "column_names": []string{r.Column}}
			deps = append(deps, "aws_glue_catalog_table."+tfName(r.Database, r.Table))
		case r.Table != "":
			body["table"] = map[string]any{"database_name": r.Database, "name": r.Table}
			deps = append(deps, "aws_glue_catalog_table."+tfName(r.Database, r.Table))
		default:
			body["database"] = map[string]any{"name": r.Database}
			deps = append(deps, "aws_glue_catalog_database."+r.Database)
		}
		body["depends_on"] = deps
		name := tfName(strings.Split(a.Resource, ".")...)
		x.lf.add("aws_lakeformation_resource_lf_tags", name, body)
	}
}

// special are the tables on which persona has a row filter or a mask, or
// DESCRIBE on columns beside SELECT on others (tarn then shows only the
// latter; Lake Formation would describe all): only a grant of exactly what
// tarn shows may give it those.
func (x *awsExport) special(persona string) map[string]bool {
	widened := x.pol.Clone()
	widened.Filters, widened.Masks = nil, nil
	for i := range widened.Grants {
		widened.Grants[i].Permissions = []string{perms.Describe, perms.Select}
	}
	covered, _ := widened.Visibility(x.cat, persona)
	out := map[string]bool{}
	for _, t := range x.tables {
		pa := x.access[t.QualifiedName()].Personas[persona]
		shown := 0
		for _, state := range pa.Columns {
			if state != Hidden {
				shown++
			}
		}
		cov, _ := covered.Lookup(t.Database, t.Name)
		if _, filtered := x.filterOf(persona, t); filtered || pa.RowFilter != nil || shown < len(cov.Columns) ||
			slices.ContainsFunc(slices.Collect(maps.Values(pa.Columns)), func(s string) bool { return strings.HasPrefix(s, "masked:") }) {
			out[t.QualifiedName()] = true
		}
	}
	return out
}

func (x *awsExport) filterOf(persona string, t lake.Table) (perms.Filter, bool) {
	i := slices.IndexFunc(x.pol.Filters, func(f perms.Filter) bool { return f.Persona == persona && f.Table == t.QualifiedName() })
	if i < 0 {
		return perms.Filter{}, false
	}
	return x.pol.Filters[i], true
}

func (x *awsExport) permission(persona string, perms []string, resource string, body map[string]any, deps ...string) {
	x.grants++
	body["principal"] = "${local.principals." + persona + "}"
	body["permissions"] = perms
	body["depends_on"] = deps
	x.lf.add("aws_lakeformation_permissions", fmt.Sprintf("%s_%03d_%s", persona, x.grants, resource), body)
}

// personaGrants exports one persona's grants: an administrator's as every
// table of each database, a grant that covers none of its filtered or
// masked tables as it is, the others as each table's effective access.
func (x *awsExport) personaGrants(p perms.Persona) {
	if p.Admin {
		var dbs []string
		for _, t := range x.tables {
			if !slices.Contains(dbs, t.Database) {
				dbs = append(dbs, t.Database)
				x.permission(p.Name, []string{perms.Describe, perms.Select}, t.Database,
					map[string]any{"table": map[string]any{"database_name": t.Database, "wildcard": true}}, "aws_glue_catalog_database."+t.Database)
			}
		}
		x.note(p.Name, "", "", "an administrator: exported as SELECT and DESCRIBE on every table; make it a Lake Formation data lake administrator by hand if it should administer")
		return
	}
	special := x.special(p.Name)
	effective := map[string]bool{}
	for i, g := range x.pol.Grants {
		if g.Persona != p.Name {
			continue
		}
		covered := x.coveredBy(g)
		if !slices.ContainsFunc(covered, func(t lake.Table) bool { return special[t.QualifiedName()] }) {
			x.grantAsIs(g, covered)
			continue
		}
		for _, t := range covered {
			if !special[t.QualifiedName()] && !effective[t.QualifiedName()] {
				x.stricter(p.Name, t.QualifiedName(), "", "grant #%d also covers a table %s sees only part of (a row filter, a mask, or columns it may only describe), and Lake Formation's grants add up: it is exported as a grant on this table, which a table tagged later will not inherit", i+1, p.Name)
			}
			effective[t.QualifiedName()] = true
		}
	}
	for _, t := range x.tables {
		if special[t.QualifiedName()] || effective[t.QualifiedName()] {
			x.effectiveGrant(p.Name, t, special[t.QualifiedName()])
		}
	}
}

// coveredBy lists the exported tables a grant gives anything on: the
// policy evaluated with that grant alone, once for every table.
func (x *awsExport) coveredBy(g perms.Grant) []lake.Table {
	single := x.pol.Clone()
	single.Grants = []perms.Grant{g}
	single.Filters, single.Masks = nil, nil
	v, err := single.Visibility(x.cat, g.Persona)
	if err != nil {
		return nil
	}
	var out []lake.Table
	for _, t := range x.tables {
		if _, ok := v.Lookup(t.Database, t.Name); ok && x.access[t.QualifiedName()].Personas[g.Persona].Access != AccessNone {
			out = append(out, t)
		}
	}
	return out
}

func (x *awsExport) grantAsIs(g perms.Grant, covered []lake.Table) {
	if len(covered) == 0 {
		return
	}
	if g.Expression != nil {
		var expr []map[string]any
		var deps []string
		for _, k := range slices.Sorted(maps.Keys(g.Expression)) {
			expr = append(expr, map[string]any{"key": k, "values": g.Expression[k]})
			deps = append(deps, "aws_lakeformation_lf_tag."+k)
		}
		x.permission(g.Persona, g.Permissions, "tags", map[string]any{"lf_tag_policy": map[string]any{"resource_type": "TABLE", "expression": expr}}, deps...)
		return
	}
	r, _ := perms.ParseResource(g.Resource)
	switch {
	case r.Table == "":
		x.permission(g.Persona, g.Permissions, r.Database, map[string]any{"table": map[string]any{"database_name": r.Database, "wildcard": true}},
			"aws_glue_catalog_database."+r.Database)
	case len(g.Columns) == 0:
		x.permission(g.Persona, g.Permissions, tfName(r.Database, r.Table), map[string]any{"table": map[string]any{"database_name": r.Database, "name": r.Table}},
			"aws_glue_catalog_table."+tfName(r.Database, r.Table))
	default:
		x.permission(g.Persona, g.Permissions, tfName(r.Database, r.Table), map[string]any{"table_with_columns": map[string]any{
			"database_name": r.Database, "name": r.Table, "column_names": g.Columns}}, "aws_glue_catalog_table."+tfName(r.Database, r.Table))
	}
}

// effectiveGrant gives persona exactly what tarn lets it see of t, masked
// columns left out: through a data cells filter where tarn has a filter or
// mask, else as a grant on the table's visible columns.
func (x *awsExport) effectiveGrant(persona string, t lake.Table, filtered bool) {
	pa := x.access[t.QualifiedName()].Personas[persona]
	var visible []string
	for _, c := range t.Columns {
		switch state := pa.Columns[c.Name]; {
		case state == Visible:
			visible = append(visible, c.Name)
		case strings.HasPrefix(state, "masked:"):
			x.stricter(persona, t.QualifiedName(), c.Name, "%s; Lake Formation has no masks, so the column is left out", state)
		}
	}
	name := tfName(t.Database, t.Name)
	switch {
	case pa.Access == AccessDescribe && len(visible) == len(t.Columns):
		x.permission(persona, []string{perms.Describe}, name, map[string]any{"table": map[string]any{"database_name": t.Database, "name": t.Name}}, "aws_glue_catalog_table."+name)
	case pa.Access == AccessDescribe:
		x.stricter(persona, t.QualifiedName(), "", "DESCRIBE on some columns only: Lake Formation's DESCRIBE shows every column, so none is granted")
	case pa.Access == AccessSelect && len(visible) == 0:
		x.stricter(persona, t.QualifiedName(), "", "every column it may select is masked, so nothing is granted")
	case pa.Access == AccessSelect && filtered:
		x.cellsFilter(persona, t, pa, visible)
	case pa.Access == AccessSelect:
		x.permission(persona, []string{perms.Select}, name, map[string]any{"table_with_columns": map[string]any{
			"database_name": t.Database, "name": t.Name, "column_names": visible}}, "aws_glue_catalog_table."+name)
	}
}

// cellsFilter is a data cells filter of persona's rows and columns of t
// and its SELECT grant.
func (x *awsExport) cellsFilter(persona string, t lake.Table, pa PersonaAccess, columns []string) {
	filterName := "tarn_" + persona
	rows := map[string]any{"all_rows_wildcard": map[string]any{}}
	if pa.RowFilter != nil {
		rows = map[string]any{"filter_expression": *pa.RowFilter}
		x.note(persona, t.QualifiedName(), "", "row filter %q is copied as written (DuckDB SQL); Lake Formation's filter expressions are a PartiQL subset: check it", *pa.RowFilter)
	}
	name := tfName(t.Database, t.Name, persona)
	x.lf.add("aws_lakeformation_data_cells_filter", name, map[string]any{
		"table_data": map[string]any{
			"database_name": t.Database, "table_name": t.Name, "table_catalog_id": awsAccount, "name": filterName,
			"column_names": columns, "row_filter": rows,
		},
		"depends_on": []string{"aws_glue_catalog_table." + tfName(t.Database, t.Name)},
	})
	x.permission(persona, []string{perms.Select}, tfName(t.Database, t.Name), map[string]any{"data_cells_filter": map[string]any{
		"database_name": t.Database, "table_name": t.Name, "table_catalog_id": awsAccount, "name": filterName,
	}}, "aws_lakeformation_data_cells_filter."+name)
}

// workgroups are Athena workgroups with their per-query limits; primary
// exists in every account.
func (x *awsExport) workgroups() map[string]any {
	out := map[string]any{}
	for _, w := range x.pol.Workgroups {
		if w.Name == "primary" {
			if w.BytesScannedCutoff > 0 {
				x.stricter("", "", "", "workgroup primary exists in every account and is not managed here: set its %d-byte limit by hand", w.BytesScannedCutoff)
			}
			continue
		}
		conf := map[string]any{
			"enforce_workgroup_configuration": true,
			"result_configuration":            map[string]any{"output_location": x.opts.Bucket + "/.athena-results/" + w.Name + "/"},
		}
		if w.BytesScannedCutoff > 0 {
			conf["bytes_scanned_cutoff_per_query"] = w.BytesScannedCutoff
		}
		out[w.Name] = map[string]any{"name": w.Name, "description": w.Description, "configuration": conf}
	}
	return out
}

// upload is the `aws s3 sync` of each table's files.
func (x *awsExport) upload() []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "#!/bin/sh\n# Uploads the lake's table files to %s (written by tarn export aws).\n# Usage: sh upload.sh [LAKE_DIR]\nset -eu\nlake=${1:-%s}\n", x.opts.Bucket, shellQuote(x.opts.Root))
	for _, t := range x.tables {
		fmt.Fprintf(&b, "aws s3 sync \"$lake\"/%s %s --exclude '*' --include %s", shellQuote(strings.Trim(t.Location, "/")), shellQuote(x.location(t)), shellQuote(t.FilePattern()))
		for _, e := range t.Exclude {
			fmt.Fprintf(&b, " --exclude %s", shellQuote(e))
		}
		b.WriteString("\n")
	}
	return []byte(b.String())
}

func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }
