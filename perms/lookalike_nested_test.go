package perms_test

import (
	"slices"
	"testing"

	"tarn/demo"
	"tarn/lake"
)

// A hidden column's data can come back as a field of a new STRUCT column
// ("extra" STRUCT(payment_id VARCHAR), as a JSON file's nested object is
// read), or as a field a readable STRUCT column gains: the field's name is
// checked as a new column's is.
func TestANestedFieldLooksLikeAHiddenColumn(t *testing.T) {
	before := demoCatalogFor()
	for _, c := range []struct {
		typ, extra string
		want       bool
	}{
		{"STRUCT(payment_id VARCHAR)", "", true},
		{`STRUCT("Payment ID" VARCHAR, n INTEGER)`, "", true},
		{"STRUCT(a STRUCT(b INTEGER, \"p\u0430yment_id\" VARCHAR)[])", "", true},
		{"MAP(VARCHAR, STRUCT(x INTEGER, payment_id_1 VARCHAR))", "", true},
		{"UNION(num INTEGER, payment_id VARCHAR)", "", true},
		{"STRUCT(a VARCHAR, payment_id VARCHAR)", "STRUCT(a VARCHAR)", true}, // a field gained
		{"STRUCT(a VARCHAR, payment_id VARCHAR)", "STRUCT(a VARCHAR, payment_id VARCHAR)", false},
		{"STRUCT(a VARCHAR, b DECIMAL(18,3))", "", false},
		{"VARCHAR", "", false},
	} {
		old, now := before, demoCatalogFor()
		if c.extra != "" {
			old = demoCatalogFor(lake.Column{Name: "extra", Type: c.extra})
		}
		now = demoCatalogFor(lake.Column{Name: "extra", Type: c.typ})
		found := demo.Policy().LookAlikes(old, now, "sales", "customers")
		if got := len(found) > 0; got != c.want {
			t.Errorf("extra %s (before: %q): look-alikes %q, want some: %v", c.typ, c.extra, found, c.want)
		}
	}
}

// demoCatalogFor is the demo's catalog with customers holding extra
// columns too.
func demoCatalogFor(extra ...lake.Column) *lake.Catalog {
	cat := demoCatalog()
	t := &cat.Tables[0]
	t.Columns = append(slices.Clone(t.Columns), extra...)
	return cat
}
