// Package bypass is the bypass suite: statements that try to read what a
// persona's grants hide, the canaries they must never reveal, and the
// governed lake they run on. The queries tests run it on sessions, and
// tarn serve's tests over SSH. Tests only; nothing else imports it.
package bypass

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"tarn/demo"
	"tarn/lake"
	"tarn/perms"
	"tarn/queries"
)

// Canaries planted in one west-region customer: each must stay invisible
// to every persona whose grants hide it.
const (
	CanaryName    = "CANARYNAMEWEST"
	CanaryEmail   = "canary.email.hidden@example.com"
	CanaryPhone   = "+7-900-CANARYPH-4321"
	CanaryPayment = "CANARYPAYMENT7731"
)

// More canaries: a row of a table hidden from the analyst and from
// sales_east, and a query of the administrator's, which only the audit
// log and the administrator's workgroup history hold.
const (
	CanaryShop  = "CANARYSHOPHIDDEN"
	CanaryAdmin = "CANARYADMINQUERY"
)

// Hidden lists what each persona must never see.
var Hidden = map[string][]string{
	"analyst":    {CanaryName, CanaryEmail, CanaryPhone, "CANARYPH", CanaryPayment, CanaryShop, CanaryAdmin},
	"leader":     {CanaryPayment, CanaryAdmin},
	"sales_east": {CanaryName, CanaryEmail, CanaryPhone, "CANARYPH", CanaryPayment, "4321", CanaryShop, CanaryAdmin},
}

// Lake is a small demo lake with the demo policy and canaries in
// sales.customers (row 1, region west).
func Lake(t testing.TB) (*lake.Lake, *perms.Policy) {
	t.Helper()
	l, err := lake.Create(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := demo.Create(ctx, l, demo.Options{LogRows: 2000}); err != nil {
		t.Fatal(err)
	}
	customers := demo.GenerateSales(demo.Seed).Customers
	customers[0] = demo.Customer{CustomerID: 1, Name: CanaryName, Email: CanaryEmail, Phone: CanaryPhone, Region: "west", PaymentID: CanaryPayment}
	table, _ := l.Catalog.Lookup("sales", "customers")
	if err := lake.WriteLayout(ctx, l.Dir(table), lake.RowsOf(customers), lake.Layout{Format: lake.CSV, Compression: lake.None, Files: 1}, lake.LayoutOptions{}); err != nil {
		t.Fatal(err)
	}
	validate := queries.CheckRowFilter
	if _, err := demo.WritePolicy(l.Root, l.Catalog, validate); err != nil {
		t.Fatal(err)
	}
	pol, err := queries.LoadPolicy(l)
	if err != nil {
		t.Fatal(err)
	}
	shops, err := os.OpenFile(filepath.Join(l.Root, "sales/shops/part-00000.csv"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(shops, "%s,9999\n", CanaryShop)
	shops.Close()
	admin, err := queries.Open(ctx, l, pol, "admin")
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	r, err := admin.Run(ctx, "SELECT '"+CanaryAdmin+"' AS secret")
	if err == nil {
		err = errors.Join(r.Each(func([]any) error { return nil }), r.Close())
	}
	if err != nil {
		t.Fatal(err)
	}
	return l, pol
}

// MustFail are hostile statements every non-admin persona must be refused;
// {root} and {file} are the lake root and a hidden table's file.
var MustFail = []string{
	// Macros expand after the guard looks: pg_get_viewdef queries
	// duckdb_views() and returned the view's SQL, hidden columns and all.
	"SELECT pg_get_viewdef(i) AS d FROM (SELECT unnest(generate_series(1, 200000)) AS i) WHERE d IS NOT NULL AND EXISTS (SELECT 1 FROM sales.customers)",
	"SELECT pg_catalog.pg_get_viewdef(1)",
	"SELECT PG_GET_VIEWDEF(1)",
	"SELECT list_transform([1], x -> pg_get_viewdef(x))",
	"SELECT pg_get_constraintdef(1, true)",
	"SELECT json_serialize_plan('SELECT * FROM sales.customers') FROM sales.customers",
	// Without its values PIVOT makes DuckDB run a hidden query first.
	"PIVOT sales.customers ON region USING count(*)",
	"SELECT * FROM (PIVOT sales.customers ON region USING count(*))",
	// Prepared-statement parameters: DuckDB failed with an internal error.
	"SELECT $1", "SELECT * FROM sales.customers WHERE customer_id = ?",
	"SELECT payment_id FROM sales.customers",
	"SELECT * FROM read_csv('{file}')",
	"SELECT * FROM read_csv_auto('{file}')",
	"SELECT * FROM '{file}'",
	`SELECT * FROM "{file}"`,
	"SELECT * FROM read_text('{file}')",
	"SELECT * FROM read_blob('{file}')",
	"SELECT * FROM glob('{root}/*')",
	"SELECT * FROM query('SELECT * FROM read_csv(''{file}'')')",
	"SELECT * FROM query_table('sales.customers')",
	"SELECT * FROM parquet_metadata('{root}/weblogs/access_log/parquet/1/part-00000.parquet')",
	"SELECT * FROM sniff_csv('{file}')",
	"SELECT * FROM duckdb_tables()",
	"SELECT sql FROM duckdb_views()",
	"SELECT * FROM duckdb_settings()",
	"SELECT * FROM information_schema.tables",
	"SELECT * FROM information_schema.columns",
	"SELECT * FROM system.main.duckdb_views",
	"SELECT * FROM pg_catalog.pg_class",
	"SELECT * FROM temp.main.x",
	"SELECT customer_id, region FROM sales.customers UNION ALL SELECT payment_id, payment_id FROM sales.customers",
	"SELECT * FROM (SELECT payment_id FROM sales.customers)",
	"WITH c AS (SELECT payment_id FROM sales.customers) SELECT * FROM c",
	"SELECT (SELECT max(payment_id) FROM sales.customers)",
	"SELECT * FROM sales.customers c, LATERAL (SELECT c.payment_id)",
	`SELECT "PAYMENT_ID" FROM "SALES"."CUSTOMERS"`,
	"SELECT 1; SELECT payment_id FROM sales.customers",
	"SELECT 1; COPY (SELECT 1) TO '{root}/leak.csv'",
	"COPY sales.customers TO '{root}/leak.csv'",
	"COPY (SELECT * FROM read_csv('{file}')) TO '{root}/leak.csv'",
	"ATTACH '{root}/other.db' AS other",
	"DETACH memory",
	"SET enable_external_access = true",
	"RESET lock_configuration",
	"PRAGMA table_info('sales.customers')",
	"INSTALL httpfs",
	"LOAD httpfs",
	"CALL pragma_table_info('sales.customers')",
	"CREATE TABLE t AS SELECT * FROM sales.customers",
	"CREATE OR REPLACE VIEW sales.customers AS SELECT * FROM read_csv('{file}')",
	"EXPLAIN ANALYZE SELECT * FROM sales.customers",
	"explain/* x */analyze SELECT * FROM sales.customers",
	"/* comment */ COPY sales.customers TO '{root}/leak.csv'",
	"-- comment\nSET lock_configuration = false",
	"DESCRIBE SELECT * FROM read_csv('{file}')",
	"SUMMARIZE SELECT * FROM read_csv('{file}')",
	"SELECT * FROM sales.customers AT (VERSION => 1)",
	"EXPLAIN ANALYSE SELECT * FROM sales.customers",
	"SHOW TABLES FROM sales",
	"DESCRIBE information_schema.tables",
	`DESCRIBE "{file}"`,
	// Nested block comments hide a statement behind what looks like EXPLAIN.
	`/* /* */ EXPLAIN SELECT '*/ SELECT payment_id FROM "{file}" --'`,
	`/* /* */ EXPLAIN SELECT '*/ SELECT * FROM "{file}" --'`,
	`/* /* */ SELECT '*/ SELECT * FROM "{file}" --'`,
	`/**/EXPLAIN/* /* */ */SELECT * FROM "{file}"`,
}

// HiddenTables are tables each persona may not even describe.
var HiddenTables = map[string][]string{
	"analyst":    {"sales.shops", "sales.items", "items", "memory.sales.item_categories"},
	"sales_east": {"sales.sales", "sales.shops", "shops"},
	"leader":     {},
}

// MayRun are tricks that may run but must only show what the persona may see.
var MayRun = []string{
	"SELECT * FROM sales.customers",
	"FROM customers",
	"SELECT * FROM sales.customers WHERE region <> 'east'",
	"SELECT * FROM sales.customers WHERE CAST(name AS INTEGER) = 1",
	"SELECT * FROM sales.customers WHERE CAST(phone AS INTEGER) = 1",
	"SELECT string_agg(COLUMNS(*)::VARCHAR, ',') FROM sales.customers",
	"SELECT * FROM sales.customers ORDER BY customer_id LIMIT 3",
	"WITH customers AS (SELECT * FROM sales.customers) SELECT * FROM customers",
	"SUMMARIZE sales.customers",
	"DESCRIBE sales.customers",
	"SHOW TABLES",
	"SHOW ALL TABLES",
	"EXPLAIN SELECT * FROM sales.customers",
	"SELECT * FROM sales.customers c JOIN sales.customers d USING (customer_id)",
	"SELECT * FROM sales.customers WHERE error(name) IS NULL",
	"SELECT region, count(*) FROM sales.customers GROUP BY ALL ORDER BY 2 DESC, 1 NULLS LAST LIMIT 5 OFFSET 1",
	"SELECT DISTINCT region FROM sales.customers ORDER BY region",
	"SELECT customer_id, row_number() OVER (PARTITION BY region ORDER BY customer_id) AS n FROM sales.customers QUALIFY n = 1",
	"SELECT * FROM sales.customers WHERE customer_id IN (SELECT customer_id FROM sales.customers ORDER BY 1 LIMIT 3)",
	"SELECT region FROM sales.customers INTERSECT SELECT region FROM sales.customers EXCEPT SELECT 'none'",
	"VALUES (1, 'a'), (2, 'b')",
	"SELECT error(email) FROM sales.customers",
	"SELECT * FROM sales.customers WHERE customer_id = 1 AND error(phone) IS NULL",
	"PIVOT sales.customers ON region IN ('east', 'west') USING count(*)",
}
