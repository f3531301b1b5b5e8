package engines

import (
	"encoding/json"
	"fmt"
	"path"
	"regexp"
	"slices"
	"strings"

	"tarn/lake"
	"tarn/perms"
)

// AWSMap says which local folder, relative to the lake's root, holds the
// files under an S3 prefix.
type AWSMap struct {
	Prefix string // s3://bucket/prefix
	Dir    string // clean, relative to the lake's root ("" is the root)
}

// AWSFile is one file of AWS CLI output.
type AWSFile struct {
	Name string
	Data []byte
}

// Problem is something of an input that has no place in tarn, by file and
// JSON path.
type Problem struct {
	File, Path, Msg string
}

func (p Problem) String() string { return p.File + ": " + p.Path + ": " + p.Msg }

// The AWS CLI's JSON, as the Glue and Lake Formation API references name
// the fields (GetDatabases, GetTables, ListLFTags, GetResourceLFTags,
// ListPermissions, ListDataCellsFilter, GetDataLakeSettings).
type (
	awsTagPair struct {
		TagKey    string
		TagValues []string
	}
	awsColumn struct{ Name, Type string }
	awsTable  struct {
		Name, DatabaseName string
		Description        string
		StorageDescriptor  struct {
			Columns                   []awsColumn
			Location                  string
			InputFormat, OutputFormat string
			Compressed                bool
			SerdeInfo                 struct {
				SerializationLibrary string
				Parameters           map[string]string
			}
		}
		PartitionKeys []awsColumn
		Parameters    map[string]string
	}
	awsColumnWildcard struct{ ExcludedColumnNames []string }
	awsCellsFilter    struct {
		TableCatalogId, DatabaseName, TableName, Name string
		RowFilter                                     *struct {
			FilterExpression string
			AllRowsWildcard  *struct{}
		}
		ColumnNames    []string
		ColumnWildcard *awsColumnWildcard
	}
	awsPermission struct {
		Principal struct{ DataLakePrincipalIdentifier string }
		Resource  struct {
			Catalog  *struct{}
			Database *struct{ Name string }
			Table    *struct {
				DatabaseName, Name string
				TableWildcard      *struct{}
			}
			TableWithColumns *struct {
				DatabaseName, Name string
				ColumnNames        []string
				ColumnWildcard     *awsColumnWildcard
			}
			LFTagPolicy *struct {
				ResourceType string
				Expression   []awsTagPair
			}
			DataCellsFilter *awsCellsFilter
			DataLocation    *struct{ ResourceArn string }
			LFTag           *awsTagPair
		}
		Permissions []string
	}
	awsInput struct {
		DatabaseList []struct{ Name string }
		TableList    []awsTable
		LFTags       []awsTagPair

		LFTagOnDatabase []awsTagPair
		LFTagsOnTable   []awsTagPair
		LFTagsOnColumns []struct {
			Name   string
			LFTags []awsTagPair
		}

		PrincipalResourcePermissions []awsPermission
		DataCellsFilters             []awsCellsFilter
		DataLakeSettings             *struct {
			DataLakeAdmins []struct{ DataLakePrincipalIdentifier string }
		}
	}
)

// awsImport is one import in the making.
type awsImport struct {
	maps     []AWSMap
	validate perms.ExprValidator
	cat      *lake.Catalog
	pol      *perms.Policy
	problems []Problem
	filters  map[[3]string]awsCellsFilter // database, table, name
	admins   map[string]bool
	arns     map[string]string // persona -> principal
}

func (im *awsImport) problem(file, path, format string, args ...any) {
	im.problems = append(im.problems, Problem{file, path, fmt.Sprintf(format, args...)})
}

// ImportAWS reads AWS CLI output (any order, recognised by its fields) and
// makes the catalog and policy it describes: tables under a mapped prefix,
// LF-Tags and their assignments, each principal a persona with its grants
// and data cells filters. What has no place in tarn is a Problem; where
// leaving it out would widen access the grant is left out with it.
func ImportAWS(files []AWSFile, maps []AWSMap, validate perms.ExprValidator) (*lake.Catalog, *perms.Policy, []Problem, error) {
	pol := &perms.Policy{Workgroups: []perms.Workgroup{{Name: "primary", Description: "Athena's default workgroup"}}}
	im := &awsImport{maps: maps, validate: validate, cat: &lake.Catalog{}, pol: pol,
		filters: map[[3]string]awsCellsFilter{}, admins: map[string]bool{}, arns: map[string]string{}}
	inputs := make([]awsInput, len(files))
	for i, f := range files {
		if err := json.Unmarshal(f.Data, &inputs[i]); err != nil {
			return nil, nil, nil, fmt.Errorf("%s: not the JSON the AWS CLI prints: %v", f.Name, jsonError(f.Data, err))
		}
	}
	// Tables first: tags and grants name them.
	for i, in := range inputs {
		for j, t := range in.TableList {
			im.table(files[i].Name, fmt.Sprintf("$.TableList[%d]", j), t)
		}
		for _, f := range in.DataCellsFilters {
			im.filters[[3]string{f.DatabaseName, f.TableName, f.Name}] = f
		}
		if in.DataLakeSettings != nil {
			for _, a := range in.DataLakeSettings.DataLakeAdmins {
				im.admins[a.DataLakePrincipalIdentifier] = true
			}
		}
		for j, k := range in.LFTags {
			im.tagKey(files[i].Name, fmt.Sprintf("$.LFTags[%d]", j), k)
		}
	}
	for i, in := range inputs {
		if in.LFTagOnDatabase != nil || in.LFTagsOnTable != nil || in.LFTagsOnColumns != nil {
			im.resourceTags(files[i].Name, in)
		}
	}
	for i, in := range inputs {
		for j, p := range in.PrincipalResourcePermissions {
			im.permission(files[i].Name, fmt.Sprintf("$.PrincipalResourcePermissions[%d]", j), p)
		}
	}
	for arn := range im.admins {
		im.persona(arn)
	}
	im.localAdmin()
	im.cat.Sort()
	return im.cat, im.pol, im.problems, nil
}

// tagKey declares an LF-Tag, the values tarn can hold (lower-case text).
func (im *awsImport) tagKey(file, at string, k awsTagPair) {
	if !perms.ValidName(k.TagKey) {
		im.problem(file, at+".TagKey", "tag key %q: tarn's keys are lower-case letters, digits and _; its assignments and grants are left out", k.TagKey)
		return
	}
	var values []string
	for j, v := range k.TagValues {
		if v == "" || v != strings.ToLower(v) || strings.ContainsAny(v, "\"'\n") || lake.HasControl(v) {
			im.problem(file, fmt.Sprintf("%s.TagValues[%d]", at, j), "tag %s value %q: tarn's values are lower-case text; its assignments and grants are left out", k.TagKey, v)
			continue
		}
		values = append(values, v)
	}
	if len(values) > 0 {
		im.pol.Tags = append(im.pol.Tags, perms.TagKey{Key: k.TagKey, Values: values})
	}
}

// declared says whether key=value is an imported LF-Tag.
func (im *awsImport) declared(key, value string) bool {
	return slices.ContainsFunc(im.pol.Tags, func(k perms.TagKey) bool { return k.Key == key && slices.Contains(k.Values, value) })
}

// jsonError adds the line to a decoding error.
func jsonError(data []byte, err error) error {
	if se, ok := err.(*json.SyntaxError); ok {
		return fmt.Errorf("line %d: %v", 1+strings.Count(string(data[:se.Offset]), "\n"), err)
	}
	return err
}

// glueTypes maps Glue's column types back to DuckDB's.
var glueTypes = func() map[string]string {
	m := map[string]string{"integer": "INTEGER", "varchar": "VARCHAR", "char": "VARCHAR"}
	for duck, t := range scalarTypes {
		m[t.glue] = duck
	}
	return m
}()

var glueDecimal = regexp.MustCompile(`^decimal\((\d+),\s*(\d+)\)$`)

func duckType(glue string) (string, bool) {
	g := strings.ToLower(strings.TrimSpace(glue))
	if d, ok := glueTypes[g]; ok {
		return d, true
	}
	if strings.HasPrefix(g, "varchar(") || strings.HasPrefix(g, "char(") {
		return "VARCHAR", true
	}
	if m := glueDecimal.FindStringSubmatch(g); m != nil {
		return "DECIMAL(" + m[1] + "," + m[2] + ")", true
	}
	return "", false
}

// formatOf reads a Glue table's format from its SerDe.
func formatOf(t awsTable) (lake.Format, bool) {
	serde := strings.ToLower(t.StorageDescriptor.SerdeInfo.SerializationLibrary)
	switch {
	case strings.Contains(serde, "parquet"):
		return lake.Parquet, true
	case strings.Contains(serde, "jsonserde"):
		return lake.JSON, true
	case strings.Contains(serde, "opencsvserde"):
		return lake.CSV, true
	case strings.Contains(serde, "lazysimpleserde") && t.StorageDescriptor.SerdeInfo.Parameters["field.delim"] == ",":
		return lake.CSV, true
	}
	return "", false
}

// localPath maps an S3 location to a folder relative to the lake's root.
func (im *awsImport) localPath(location string) (string, bool) {
	loc := strings.TrimSuffix(location, "/")
	for _, m := range im.maps {
		prefix := strings.TrimSuffix(m.Prefix, "/")
		if loc == prefix || strings.HasPrefix(loc, prefix+"/") {
			rest := strings.TrimPrefix(strings.TrimPrefix(loc, prefix), "/")
			p := path.Join(m.Dir, rest)
			return p, p != "." && p != ""
		}
	}
	return "", false
}

func (im *awsImport) table(file, at string, g awsTable) {
	name := g.DatabaseName + "." + g.Name
	format, ok := formatOf(g)
	switch {
	case !perms.ValidName(g.DatabaseName) || !perms.ValidName(g.Name):
		im.problem(file, at, "table %s: tarn's names are lower-case letters, digits and _", name)
		return
	case len(g.PartitionKeys) > 0:
		im.problem(file, at+".PartitionKeys", "table %s is partitioned; tarn reads a table's files as one folder", name)
		return
	case !ok:
		im.problem(file, at+".StorageDescriptor.SerdeInfo.SerializationLibrary", "table %s: SerDe %q is none of Parquet, JSON or CSV", name, g.StorageDescriptor.SerdeInfo.SerializationLibrary)
		return
	}
	loc, ok := im.localPath(g.StorageDescriptor.Location)
	if !ok {
		im.problem(file, at+".StorageDescriptor.Location", "table %s: %s is under no --map prefix", name, g.StorageDescriptor.Location)
		return
	}
	t := lake.Table{Database: g.DatabaseName, Name: g.Name, Location: loc, Format: format, Compression: lake.None, Description: g.Description}
	if g.StorageDescriptor.Compressed || strings.EqualFold(g.Parameters["compressionType"], "gzip") {
		t.Compression = lake.Gzip
	}
	for j, c := range g.StorageDescriptor.Columns {
		d, ok := duckType(c.Type)
		if !ok {
			im.problem(file, fmt.Sprintf("%s.StorageDescriptor.Columns[%d].Type", at, j), "table %s column %s: type %q has no tarn equivalent", name, c.Name, c.Type)
			return
		}
		t.Columns = append(t.Columns, lake.Column{Name: c.Name, Type: d})
	}
	im.cat.Put(t)
}

// resourceTags reads get-resource-lf-tags output, whose resource is not in
// it: the file is named after it (sales.json, sales.customers.json).
func (im *awsImport) resourceTags(file string, in awsInput) {
	parts := strings.Split(strings.TrimSuffix(path.Base(file), ".json"), ".")
	var db, table string
	if n := len(parts); n >= 2 {
		if _, ok := im.cat.Lookup(parts[n-2], parts[n-1]); ok {
			db, table = parts[n-2], parts[n-1]
		}
	}
	if db == "" && slices.Contains(im.cat.Databases(), parts[len(parts)-1]) {
		db = parts[len(parts)-1]
	}
	if db == "" {
		im.problem(file, "$", "get-resource-lf-tags output names no resource: name the file after its database or table (sales.json, sales.customers.json)")
		return
	}
	dbTags := im.assign(file, "$.LFTagOnDatabase", db, in.LFTagOnDatabase, nil)
	if table == "" {
		return
	}
	tableTags := im.assign(file, "$.LFTagsOnTable", db+"."+table, in.LFTagsOnTable, dbTags)
	t, _ := im.cat.Lookup(db, table)
	for j, c := range in.LFTagsOnColumns {
		if !slices.ContainsFunc(t.Columns, func(x lake.Column) bool { return x.Name == c.Name }) {
			im.problem(file, fmt.Sprintf("$.LFTagsOnColumns[%d].Name", j), "%s has no column %s", t.QualifiedName(), c.Name)
			continue
		}
		im.assign(file, fmt.Sprintf("$.LFTagsOnColumns[%d].LFTags", j), db+"."+table+"."+c.Name, c.LFTags, tableTags)
	}
}

// assign puts on resource the tags that differ from what it inherits, and
// gives its effective tags.
func (im *awsImport) assign(file, at, resource string, pairs []awsTagPair, inherited map[string]string) map[string]string {
	effective := map[string]string{}
	for k, v := range inherited {
		effective[k] = v
	}
	own := map[string]string{}
	for j, p := range pairs {
		if len(p.TagValues) != 1 {
			im.problem(file, fmt.Sprintf("%s[%d].TagValues", at, j), "%s: a resource holds one value of a tag key, not %d", resource, len(p.TagValues))
			continue
		}
		if !im.declared(p.TagKey, p.TagValues[0]) {
			im.problem(file, fmt.Sprintf("%s[%d]", at, j), "%s: tag %s=%s is not among the imported LF-Tags (list-lf-tags)", resource, p.TagKey, p.TagValues[0])
			continue
		}
		effective[p.TagKey] = p.TagValues[0]
		if inherited[p.TagKey] != p.TagValues[0] {
			own[p.TagKey] = p.TagValues[0]
		}
	}
	if len(own) > 0 {
		i := slices.IndexFunc(im.pol.Assigns, func(a perms.Assignment) bool { return a.Resource == resource })
		if i < 0 {
			im.pol.Assigns = append(im.pol.Assigns, perms.Assignment{Resource: resource, Tags: map[string]string{}})
			i = len(im.pol.Assigns) - 1
		}
		for k, v := range own {
			im.pol.Assigns[i].Tags[k] = v
		}
	}
	return effective
}

var notNameChars = regexp.MustCompile(`[^a-z0-9_]+`)

// persona is the persona of an IAM principal: its ARN's last name.
func (im *awsImport) persona(arn string) string {
	for name, a := range im.arns {
		if a == arn {
			return name
		}
	}
	base := arn[strings.LastIndexAny(arn, ":/")+1:]
	name := strings.Trim(notNameChars.ReplaceAllString(strings.ToLower(base), "_"), "_")
	if name == "" || name[0] >= '0' && name[0] <= '9' {
		name = "p_" + name
	}
	for n := 2; im.arns[name] != ""; n++ {
		name = fmt.Sprintf("%s_%d", strings.TrimRight(name, "_0123456789"), n)
	}
	im.arns[name] = arn
	im.pol.Personas = append(im.pol.Personas, perms.Persona{Name: name, Description: "IAM principal " + arn, Workgroup: "primary", Admin: im.admins[arn]})
	return name
}

// localAdmin adds an administrator when the input named none: tarn's
// access and grants commands are theirs.
func (im *awsImport) localAdmin() {
	if slices.ContainsFunc(im.pol.Personas, func(p perms.Persona) bool { return p.Admin }) {
		return
	}
	name := "admin"
	if _, taken := im.pol.Persona(name); taken {
		name = "tarn_admin"
	}
	im.pol.Personas = append(im.pol.Personas, perms.Persona{Name: name, Description: "Administrator of this lake on this machine (not from AWS)", Workgroup: "primary", Admin: true})
	im.pol.Default = name
}

// readPermissions keeps SELECT and DESCRIBE (ALL holds both).
func readPermissions(ps []string) (kept, dropped []string) {
	for _, p := range ps {
		switch p {
		case "ALL":
			kept = append(kept, perms.Describe, perms.Select)
		case perms.Select, perms.Describe:
			kept = append(kept, p)
		default:
			dropped = append(dropped, p)
		}
	}
	slices.Sort(kept)
	return slices.Compact(kept), dropped
}

func (im *awsImport) permission(file, at string, p awsPermission) {
	principal := p.Principal.DataLakePrincipalIdentifier
	if principal == "IAM_ALLOWED_PRINCIPALS" || !strings.HasPrefix(principal, "arn:") {
		im.problem(file, at+".Principal", "%q is no IAM principal; tarn's personas are people (IAM_ALLOWED_PRINCIPALS gives every IAM principal access, which tarn does not import)", principal)
		return
	}
	kept, dropped := readPermissions(p.Permissions)
	if len(dropped) > 0 {
		im.problem(file, at+".Permissions", "%s: tarn's personas only read; %s not imported", principal, strings.Join(dropped, ", "))
	}
	if len(kept) == 0 {
		return
	}
	r := p.Resource
	g := perms.Grant{Permissions: kept}
	switch {
	case r.Table != nil && r.Table.TableWildcard != nil:
		g.Resource = r.Table.DatabaseName
	case r.Table != nil:
		g.Resource = r.Table.DatabaseName + "." + r.Table.Name
	case r.TableWithColumns != nil:
		var ok bool
		if g.Resource, g.Columns, ok = im.columnsOf(file, at+".Resource.TableWithColumns", r.TableWithColumns.DatabaseName, r.TableWithColumns.Name,
			r.TableWithColumns.ColumnNames, r.TableWithColumns.ColumnWildcard); !ok {
			return
		}
	case r.LFTagPolicy != nil && r.LFTagPolicy.ResourceType == "TABLE":
		if g.Expression = im.expression(file, at+".Resource.LFTagPolicy.Expression", r.LFTagPolicy.Expression); g.Expression == nil {
			return
		}
	case r.DataCellsFilter != nil:
		im.cellsFilterGrant(file, at, principal, kept, *r.DataCellsFilter)
		return
	default:
		im.problem(file, at+".Resource", "%s: only grants on tables, columns, LF-Tag expressions on tables and data cells filters have a place in tarn", principal)
		return
	}
	if !im.known(file, at, g) {
		return
	}
	g.Persona = im.persona(principal)
	im.pol.Grants = append(im.pol.Grants, g)
}

// expression keeps a tag expression's imported values: fewer values match
// fewer resources. A key left with none drops the grant.
func (im *awsImport) expression(file, at string, pairs []awsTagPair) map[string][]string {
	expr := map[string][]string{}
	for j, e := range pairs {
		for _, v := range e.TagValues {
			if im.declared(e.TagKey, v) {
				expr[e.TagKey] = append(expr[e.TagKey], v)
			} else {
				im.problem(file, fmt.Sprintf("%s[%d]", at, j), "tag %s=%s is not among the imported LF-Tags; the grant is narrowed to the others", e.TagKey, v)
			}
		}
		if len(expr[e.TagKey]) == 0 {
			im.problem(file, fmt.Sprintf("%s[%d]", at, j), "no value of tag %s is imported, so the grant is left out", e.TagKey)
			return nil
		}
	}
	return expr
}

// known checks that a named grant's database or table was imported.
func (im *awsImport) known(file, at string, g perms.Grant) bool {
	if g.Expression != nil {
		return true
	}
	r, _ := perms.ParseResource(g.Resource)
	_, ok := im.cat.Lookup(r.Database, r.Table)
	if r.Table == "" {
		ok = slices.Contains(im.cat.Databases(), r.Database)
	}
	if !ok {
		im.problem(file, at+".Resource", "grant on %s, which is not among the imported tables", g.Resource)
	}
	return ok
}

// columnsOf resolves a column list or wildcard against the imported table.
func (im *awsImport) columnsOf(file, at, db, table string, names []string, wildcard *awsColumnWildcard) (string, []string, bool) {
	t, ok := im.cat.Lookup(db, table)
	if !ok {
		im.problem(file, at, "grant on %s.%s, which is not among the imported tables", db, table)
		return "", nil, false
	}
	if wildcard == nil {
		for _, c := range names {
			if !slices.ContainsFunc(t.Columns, func(x lake.Column) bool { return x.Name == c }) {
				im.problem(file, at+".ColumnNames", "%s has no column %s, so the grant is left out", t.QualifiedName(), c)
				return "", nil, false
			}
		}
		return t.QualifiedName(), names, true
	}
	var cols []string
	for _, c := range t.Columns {
		if !slices.Contains(wildcard.ExcludedColumnNames, c.Name) {
			cols = append(cols, c.Name)
		}
	}
	if len(wildcard.ExcludedColumnNames) == 0 {
		cols = nil
	}
	return t.QualifiedName(), cols, true
}

// cellsFilterGrant is a grant on a data cells filter: SELECT on its table
// and a tarn filter of its rows and columns. tarn has one filter per
// persona and table: a second is left out with its grant (stricter than
// Lake Formation, whose filters add up), as is one whose row filter tarn
// cannot read.
func (im *awsImport) cellsFilterGrant(file, at, principal string, kept []string, ref awsCellsFilter) {
	f, ok := im.filters[[3]string{ref.DatabaseName, ref.TableName, ref.Name}]
	if !ok {
		im.problem(file, at+".Resource.DataCellsFilter", "data cells filter %s on %s.%s is not in any list-data-cells-filter output given", ref.Name, ref.DatabaseName, ref.TableName)
		return
	}
	t, ok := im.cat.Lookup(f.DatabaseName, f.TableName)
	if !ok {
		im.problem(file, at+".Resource.DataCellsFilter", "data cells filter %s on %s.%s, which is not among the imported tables", f.Name, f.DatabaseName, f.TableName)
		return
	}
	if im.admins[principal] {
		im.problem(file, at, "%s is a data lake administrator, who sees everything: its data cells filter %s is left out", principal, f.Name)
		return
	}
	persona := im.persona(principal)
	if slices.ContainsFunc(im.pol.Filters, func(x perms.Filter) bool { return x.Persona == persona && x.Table == t.QualifiedName() }) {
		im.problem(file, at, "%s has a second data cells filter (%s) on %s; tarn has one per persona and table, so this one is left out with its grant", persona, f.Name, t.QualifiedName())
		return
	}
	tf := perms.Filter{Persona: persona, Table: t.QualifiedName(), IncludeColumns: f.ColumnNames}
	if f.ColumnWildcard != nil {
		tf.IncludeColumns, tf.ExcludeColumns = nil, f.ColumnWildcard.ExcludedColumnNames
	}
	for _, c := range append(slices.Clone(tf.IncludeColumns), tf.ExcludeColumns...) {
		if !slices.ContainsFunc(t.Columns, func(x lake.Column) bool { return x.Name == c }) {
			im.problem(file, at, "data cells filter %s names column %s, which %s lacks, so the grant is left out", f.Name, c, t.QualifiedName())
			return
		}
	}
	if f.RowFilter != nil && f.RowFilter.AllRowsWildcard == nil {
		tf.Rows = f.RowFilter.FilterExpression
	}
	if tf.Rows != "" && im.validate != nil {
		if err := im.validate(t, tf.Rows); err != nil {
			im.problem(file, at, "data cells filter %s on %s: tarn cannot read its row filter %q (%v), so the grant is left out", f.Name, t.QualifiedName(), tf.Rows, err)
			return
		}
	}
	im.pol.Grants = append(im.pol.Grants, perms.Grant{Persona: persona, Permissions: kept, Resource: t.QualifiedName()})
	im.pol.Filters = append(im.pol.Filters, tf)
}
