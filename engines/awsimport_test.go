package engines_test

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"tarn/engines"
	"tarn/lake"
	"tarn/perms"
)

// Inputs as the AWS CLI prints them (field names from the Glue and Lake
// Formation API references), each with something tarn has no place for.
const (
	getTables = `{
    "TableList": [
        {"Name": "orders", "DatabaseName": "shop", "TableType": "EXTERNAL_TABLE",
         "Parameters": {"classification": "parquet"},
         "StorageDescriptor": {"Columns": [{"Name": "id", "Type": "bigint"}, {"Name": "email", "Type": "string"}, {"Name": "total", "Type": "decimal(10,2)"}],
            "Location": "s3://acme/lake/shop/orders/",
            "SerdeInfo": {"SerializationLibrary": "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe", "Parameters": {}}},
         "PartitionKeys": []},
        {"Name": "events", "DatabaseName": "shop", "PartitionKeys": [{"Name": "day", "Type": "string"}],
         "StorageDescriptor": {"Columns": [], "Location": "s3://acme/lake/shop/events/",
            "SerdeInfo": {"SerializationLibrary": "org.openx.data.jsonserde.JsonSerDe"}}},
        {"Name": "elsewhere", "DatabaseName": "shop", "PartitionKeys": [],
         "StorageDescriptor": {"Columns": [{"Name": "x", "Type": "int"}], "Location": "s3://other-bucket/x/",
            "SerdeInfo": {"SerializationLibrary": "org.apache.hadoop.hive.serde2.OpenCSVSerde"}}},
        {"Name": "nested", "DatabaseName": "shop", "PartitionKeys": [],
         "StorageDescriptor": {"Columns": [{"Name": "m", "Type": "map<string,int>"}], "Location": "s3://acme/lake/shop/nested/",
            "SerdeInfo": {"SerializationLibrary": "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"}}}
    ]
}`
	listPermissions = `{
    "PrincipalResourcePermissions": [
        {"Principal": {"DataLakePrincipalIdentifier": "IAM_ALLOWED_PRINCIPALS"},
         "Resource": {"Table": {"CatalogId": "123456789012", "DatabaseName": "shop", "Name": "orders"}}, "Permissions": ["ALL"]},
        {"Principal": {"DataLakePrincipalIdentifier": "arn:aws:iam::123456789012:role/Data-Analyst"},
         "Resource": {"TableWithColumns": {"CatalogId": "123456789012", "DatabaseName": "shop", "Name": "orders",
            "ColumnWildcard": {"ExcludedColumnNames": ["email"]}}}, "Permissions": ["SELECT", "ALTER"]},
        {"Principal": {"DataLakePrincipalIdentifier": "arn:aws:iam::123456789012:role/Data-Analyst"},
         "Resource": {"DataLocation": {"CatalogId": "123456789012", "ResourceArn": "arn:aws:s3:::acme/lake"}}, "Permissions": ["DATA_LOCATION_ACCESS"]},
        {"Principal": {"DataLakePrincipalIdentifier": "arn:aws:iam::123456789012:user/east"},
         "Resource": {"DataCellsFilter": {"TableCatalogId": "123456789012", "DatabaseName": "shop", "TableName": "orders", "Name": "east"}}, "Permissions": ["SELECT"]},
        {"Principal": {"DataLakePrincipalIdentifier": "arn:aws:iam::123456789012:user/east"},
         "Resource": {"DataCellsFilter": {"TableCatalogId": "123456789012", "DatabaseName": "shop", "TableName": "orders", "Name": "big"}}, "Permissions": ["SELECT"]},
        {"Principal": {"DataLakePrincipalIdentifier": "arn:aws:iam::123456789012:role/tiered"},
         "Resource": {"LFTagPolicy": {"CatalogId": "123456789012", "ResourceType": "TABLE",
            "Expression": [{"TagKey": "tier", "TagValues": ["Gold", "silver"]}]}}, "Permissions": ["SELECT"]},
        {"Principal": {"DataLakePrincipalIdentifier": "arn:aws:iam::123456789012:role/tiered"},
         "Resource": {"TableWithColumns": {"CatalogId": "123456789012", "DatabaseName": "shop", "Name": "orders", "ColumnNames": ["nope"]}}, "Permissions": ["SELECT"]}
    ]
}`
	listLFTags          = `{"LFTags": [{"CatalogId": "123456789012", "TagKey": "tier", "TagValues": ["Gold", "silver"]}]}`
	listDataCellsFilter = `{
    "DataCellsFilters": [
        {"TableCatalogId": "123456789012", "DatabaseName": "shop", "TableName": "orders", "Name": "east",
         "RowFilter": {"FilterExpression": "total > 100"}, "ColumnNames": ["id", "total"]},
        {"TableCatalogId": "123456789012", "DatabaseName": "shop", "TableName": "orders", "Name": "big",
         "RowFilter": {"AllRowsWildcard": {}}, "ColumnWildcard": {"ExcludedColumnNames": []}}
    ]
}`
)

// importSamples imports the three sample outputs, permissions first.
func importSamples(t *testing.T, m engines.AWSMap, validate perms.ExprValidator) (*lake.Catalog, *perms.Policy, string) {
	t.Helper()
	cat, pol, problems, err := engines.ImportAWS([]engines.AWSFile{
		{Name: "list-permissions.json", Data: []byte(listPermissions)},
		{Name: "get-tables.json", Data: []byte(getTables)},
		{Name: "list-data-cells-filter.json", Data: []byte(listDataCellsFilter)},
		{Name: "list-lf-tags.json", Data: []byte(listLFTags)},
	}, []engines.AWSMap{m}, validate)
	if err != nil {
		t.Fatal(err)
	}
	return cat, pol, problemsText(problems)
}

func TestImportAWSNamesWhatItCannotMapByFileAndPath(t *testing.T) {
	cat, pol, all := importSamples(t, engines.AWSMap{Prefix: "s3://acme/lake", Dir: "data"}, nil)
	for _, want := range []string{
		"get-tables.json: $.TableList[1].PartitionKeys: table shop.events is partitioned",
		"get-tables.json: $.TableList[2].StorageDescriptor.Location: table shop.elsewhere: s3://other-bucket/x/ is under no --map prefix",
		`get-tables.json: $.TableList[3].StorageDescriptor.Columns[0].Type: table shop.nested column m: type "map<string,int>"`,
		`list-permissions.json: $.PrincipalResourcePermissions[0].Principal: "IAM_ALLOWED_PRINCIPALS" is no IAM principal`,
		"list-permissions.json: $.PrincipalResourcePermissions[1].Permissions: arn:aws:iam::123456789012:role/Data-Analyst: tarn's personas only read; ALTER not imported",
		"list-permissions.json: $.PrincipalResourcePermissions[2].Permissions: arn:aws:iam::123456789012:role/Data-Analyst: tarn's personas only read; DATA_LOCATION_ACCESS not imported",
		"list-permissions.json: $.PrincipalResourcePermissions[4]: east has a second data cells filter (big) on shop.orders",
		`list-lf-tags.json: $.LFTags[0].TagValues[0]: tag tier value "Gold": tarn's values are lower-case text`,
		"list-permissions.json: $.PrincipalResourcePermissions[5].Resource.LFTagPolicy.Expression[0]: tag tier=Gold is not among the imported LF-Tags; the grant is narrowed to the others",
		"list-permissions.json: $.PrincipalResourcePermissions[6].Resource.TableWithColumns.ColumnNames: shop.orders has no column nope, so the grant is left out",
	} {
		if !strings.Contains(all, want) {
			t.Errorf("problems lack %q:\n%s", want, all)
		}
	}
	if len(cat.Tables) != 1 || cat.Tables[0].Location != "data/shop/orders" || cat.Tables[0].Columns[2].Type != "DECIMAL(10,2)" {
		t.Errorf("catalog: %+v", cat.Tables)
	}
	analyst, ok := pol.Persona("data_analyst")
	if !ok || analyst.Admin || !strings.Contains(analyst.Description, "role/Data-Analyst") {
		t.Errorf("personas: %+v", pol.Personas)
	}
	vis, err := pol.Visibility(cat, "data_analyst")
	if err != nil {
		t.Fatal(err)
	}
	orders, _ := vis.Lookup("shop", "orders")
	if !orders.Select || len(orders.Columns) != 2 || orders.Columns[1].Name != "total" {
		t.Errorf("data_analyst (SELECT on every column but email): %+v", orders)
	}
	vis, _ = pol.Visibility(cat, "east")
	orders, _ = vis.Lookup("shop", "orders")
	if orders.RowFilter != "total > 100" || len(orders.Columns) != 2 {
		t.Errorf("east (through its first data cells filter only): %+v", orders)
	}
	if err := pol.Validate(cat, nil); err != nil {
		t.Errorf("the imported policy is not valid: %v", err)
	}
	if i := slices.IndexFunc(pol.Grants, func(g perms.Grant) bool { return g.Persona == "tiered" }); i < 0 || fmt.Sprint(pol.Grants[i].Expression) != "map[tier:[silver]]" {
		t.Errorf("tiered's grants: %+v", pol.Grants)
	}
	if _, ok := pol.Persona("admin"); !ok {
		t.Error("no administrator to run tarn access with")
	}
}

func TestImportAWSLeavesOutAGrantWhoseRowFilterTarnCannotRead(t *testing.T) {
	refuse := func(lake.Table, string) error { return errors.New("not DuckDB SQL") }
	_, pol, problems := importSamples(t, engines.AWSMap{Prefix: "s3://acme/lake/", Dir: ""}, refuse)
	for _, g := range pol.Grants {
		if g.Persona == "east" && len(pol.Filters) == 0 {
			t.Errorf("east keeps a grant without its row filter: %+v", g)
		}
	}
	if !strings.Contains(problems, `tarn cannot read its row filter "total > 100" (not DuckDB SQL), so the grant is left out`) {
		t.Errorf("problems:\n%s", problems)
	}
	_, _, _, err := engines.ImportAWS([]engines.AWSFile{{Name: "bad.json", Data: []byte("{\n  \"TableList\": [,]\n}")}}, nil, nil)
	if err == nil || !strings.Contains(err.Error(), "bad.json: not the JSON the AWS CLI prints: line 2") {
		t.Errorf("bad JSON: %v", err)
	}
}

func problemsText(ps []engines.Problem) string {
	var s []string
	for _, p := range ps {
		s = append(s, p.String())
	}
	return strings.Join(s, "\n")
}

func TestImportAWSMakesTheDataLakeAdministratorsAdministrators(t *testing.T) {
	settings := `{"DataLakeSettings": {"DataLakeAdmins": [{"DataLakePrincipalIdentifier": "arn:aws:iam::123456789012:role/LakeAdmin"}],
        "CreateDatabaseDefaultPermissions": [], "CreateTableDefaultPermissions": []}}`
	_, pol, _, err := engines.ImportAWS([]engines.AWSFile{{Name: "settings.json", Data: []byte(settings)}}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	admin, ok := pol.Persona("lakeadmin")
	if !ok || !admin.Admin || len(pol.Personas) != 1 {
		t.Errorf("personas: %+v", pol.Personas)
	}
}
