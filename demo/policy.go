package demo

import (
	"errors"
	"os"
	"path/filepath"
	"slices"

	"tarn/internal/atomicfile"
	"tarn/lake"
	"tarn/perms"
)

// Policy is the source's Lake Formation walk-through as it ends: tag
// key role (leader, analyst); the sales database tagged leader, sales.sales
// retagged analyst; sales.customers tagged leader with only customer_id and
// region tagged analyst. The leader also loses payment_id through a data
// filter, and sales_east sees east-region customers with phones masked.
// Everyone may read the weblogs database. The analytics workgroup's 20 MB
// limit cancels full scans of the 1-file CSV and JSON logs (26 and 43 MB)
// but not of Parquet or gzip: the source's cost lesson, enforced.
func Policy() *perms.Policy {
	everyone := []string{perms.Describe, perms.Select}
	return &perms.Policy{
		Tags: []perms.TagKey{{Key: "role", Values: []string{"leader", "analyst"}}},
		Assigns: []perms.Assignment{
			{Resource: "sales", Tags: map[string]string{"role": "leader"}},
			{Resource: "sales.sales", Tags: map[string]string{"role": "analyst"}},
			{Resource: "sales.customers", Tags: map[string]string{"role": "leader"}},
			{Resource: "sales.customers.customer_id", Tags: map[string]string{"role": "analyst"}},
			{Resource: "sales.customers.region", Tags: map[string]string{"role": "analyst"}},
		},
		Personas: []perms.Persona{
			{Name: "admin", Description: "Data lake administrator: registers data, grants, edits tags", Workgroup: "primary", Admin: true},
			{Name: "leader", Description: "Project leader: broader than an analyst, not an admin", Workgroup: "leaders"},
			{Name: "analyst", Description: "Data analyst: may only run queries", Workgroup: "analytics"},
			{Name: "sales_east", Description: "Salesperson for the east region: east customers only", Workgroup: "sales"},
		},
		Workgroups: []perms.Workgroup{
			{Name: "primary", Description: "Administration; no data usage limit"},
			{Name: "leaders", Description: "Project leaders; no data usage limit"},
			{Name: "analytics", Description: "Analysts; a query may scan at most 20 MB", BytesScannedCutoff: 20 << 20},
			{Name: "sales", Description: "Sales; a query may scan at most 10 MB", BytesScannedCutoff: 10 << 20},
		},
		Grants: []perms.Grant{
			{Persona: "leader", Permissions: everyone, Expression: map[string][]string{"role": {"leader", "analyst"}}},
			{Persona: "analyst", Permissions: everyone, Expression: map[string][]string{"role": {"analyst"}}},
			{Persona: "sales_east", Permissions: everyone, Resource: "sales.customers"},
			{Persona: "leader", Permissions: everyone, Resource: "weblogs"},
			{Persona: "analyst", Permissions: everyone, Resource: "weblogs"},
			{Persona: "sales_east", Permissions: everyone, Resource: "weblogs"},
		},
		Filters: []perms.Filter{
			{Persona: "leader", Table: "sales.customers", ExcludeColumns: []string{"payment_id"}},
			{Persona: "sales_east", Table: "sales.customers", Rows: "region = 'east'", ExcludeColumns: []string{"payment_id"}},
		},
		Masks: []perms.Mask{{Persona: "sales_east", Column: "sales.customers.phone", Kind: "last4"}},
	}
}

// Walkthrough is the demo policy as the source's walk-through starts: the
// tags are in place but the analyst holds no grant on any sales table, so
// it lists none; granting it SELECT on role=analyst plays the story.
func Walkthrough() *perms.Policy {
	p := Policy()
	p.Grants = slices.DeleteFunc(p.Grants, func(g perms.Grant) bool {
		return g.Persona == "analyst" && g.Resource != "weblogs"
	})
	return p
}

// StartWalkthrough is the change that puts a policy in the walk-through's
// start state, for perms.Edit: the demo's personas, tags and grants
// replace the policy's own, which a presenter may have edited. Principals
// are people, not part of the story: they stay (a principal whose persona
// the demo lacks makes perms.Edit refuse the reset, naming it).
func StartWalkthrough(p *perms.Policy) error {
	version, principals := p.Version, p.Principals
	*p = *Walkthrough()
	p.Version, p.Principals = version, principals
	return nil
}

// WritePolicy writes the demo policy unless the lake already has a
// policy, which is never replaced. It reports whether it wrote one.
func WritePolicy(root string, cat *lake.Catalog, validate perms.ExprValidator) (bool, error) {
	path := filepath.Join(root, perms.PolicyFile)
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		return false, err
	}
	p := Policy()
	if err := p.Validate(cat, validate); err != nil {
		return false, err
	}
	return true, atomicfile.WriteFile(path, p.Encode)
}
