package engines_test

import (
	"fmt"
	"testing"

	"tarn/engines"
	"tarn/lake"
	"tarn/perms"
)

// wideLake is a catalog of n tables in 10 databases, half of them tagged
// analyst, and the demo's kind of policy over it: a tag grant, a database
// grant, and a filter and a mask on one table.
func wideLake(n int) (*lake.Catalog, *perms.Policy) {
	cat := &lake.Catalog{}
	pol := &perms.Policy{
		Tags:       []perms.TagKey{{Key: "role", Values: []string{"analyst", "leader"}}},
		Workgroups: []perms.Workgroup{{Name: "primary"}},
		Personas: []perms.Persona{{Name: "admin", Workgroup: "primary", Admin: true},
			{Name: "analyst", Workgroup: "primary"}, {Name: "east", Workgroup: "primary"}},
		Grants: []perms.Grant{
			{Persona: "analyst", Permissions: []string{perms.Select}, Expression: map[string][]string{"role": {"analyst"}}},
			{Persona: "east", Permissions: []string{perms.Select}, Resource: "db0"},
		},
		Filters: []perms.Filter{{Persona: "east", Table: "db0.t0", Rows: "a > 1"}},
		Masks:   []perms.Mask{{Persona: "analyst", Column: "db0.t0.b", Kind: "hash"}},
	}
	for i := range n {
		db := fmt.Sprintf("db%d", i%10)
		t := lake.Table{Database: db, Name: fmt.Sprintf("t%d", i), Location: fmt.Sprintf("%s/t%d", db, i), Format: lake.Parquet, Compression: lake.None,
			Columns: lake.Columns{{Name: "a", Type: "BIGINT"}, {Name: "b", Type: "VARCHAR"}, {Name: "c", Type: "DOUBLE"}}}
		cat.Tables = append(cat.Tables, t)
		if i%2 == 0 {
			pol.Assigns = append(pol.Assigns, perms.Assignment{Resource: t.QualifiedName(), Tags: map[string]string{"role": "analyst"}})
		}
	}
	return cat, pol
}

func BenchmarkExportAWS1000Tables(b *testing.B) {
	cat, pol := wideLake(1000)
	for b.Loop() {
		if _, err := engines.AWS(cat, pol, engines.AWSOptions{Bucket: "s3://b/p", Root: "/lake"}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkExportTrino1000Tables(b *testing.B) {
	cat, pol := wideLake(1000)
	for b.Loop() {
		if _, err := engines.Trino(cat, pol, engines.TrinoOptions{Root: "/lake"}); err != nil {
			b.Fatal(err)
		}
	}
}
