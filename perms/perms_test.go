package perms_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"

	"tarn/demo"
	"tarn/internal/atomicfile"
	"tarn/internal/testlake"
	"tarn/lake"
	"tarn/perms"
)

func cols(names ...string) []lake.Column {
	out := make([]lake.Column, len(names))
	for i, n := range names {
		out[i] = lake.Column{Name: n, Type: "VARCHAR"}
	}
	return out
}

// demoCatalog has the demo's sales and weblogs tables (schemas only: perms
// never reads files).
func demoCatalog() *lake.Catalog {
	t := func(db, name string, c []lake.Column) lake.Table {
		return lake.Table{Database: db, Name: name, Location: db + "/" + name, Format: lake.CSV, Compression: lake.None, Columns: c}
	}
	return &lake.Catalog{Tables: []lake.Table{
		t("sales", "customers", cols("customer_id", "name", "email", "phone", "region", "payment_id")),
		t("sales", "items", cols("item_name", "item_id", "item_category_id")),
		t("sales", "sales", cols("date", "date_block_num", "shop_id", "item_id", "item_price", "item_cnt_day")),
		t("weblogs", "access_log_csv_1", cols("host", "path", "status")),
	}}
}

// seen renders a visibility as "table: col col(mask) | filter" lines.
func seen(t *testing.T, p *perms.Policy, cat *lake.Catalog, persona string) map[string]string {
	t.Helper()
	v, err := p.Visibility(cat, persona)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, ta := range v.Tables {
		var names []string
		for _, c := range ta.Columns {
			if c.Mask != "" {
				names = append(names, c.Name+"("+c.Mask+")")
			} else {
				names = append(names, c.Name)
			}
		}
		s := strings.Join(names, " ")
		if !ta.Select {
			s = "describe-only " + s
		}
		if ta.RowFilter != "" {
			s += " | " + ta.RowFilter
		}
		out[ta.Table.QualifiedName()] = s
	}
	return out
}

func TestDemoPolicyGivesExactlyWhatTheIssueSays(t *testing.T) {
	cat := demoCatalog()
	p := demo.Policy()
	if err := p.Validate(cat, nil); err != nil {
		t.Fatal(err)
	}
	want := map[string]map[string]string{
		"admin": {"sales.customers": "customer_id name email phone region payment_id",
			"sales.items": "item_name item_id item_category_id", "sales.sales": "date date_block_num shop_id item_id item_price item_cnt_day",
			"weblogs.access_log_csv_1": "host path status"},
		"leader": {"sales.customers": "customer_id name email phone region",
			"sales.items": "item_name item_id item_category_id", "sales.sales": "date date_block_num shop_id item_id item_price item_cnt_day",
			"weblogs.access_log_csv_1": "host path status"},
		"analyst": {"sales.customers": "customer_id region",
			"sales.sales": "date date_block_num shop_id item_id item_price item_cnt_day", "weblogs.access_log_csv_1": "host path status"},
		"sales_east": {"sales.customers": "customer_id name email phone(last4) region | region = 'east'",
			"weblogs.access_log_csv_1": "host path status"},
	}
	for persona, tables := range want {
		got := seen(t, p, cat, persona)
		if fmt.Sprint(got) != fmt.Sprint(tables) {
			t.Errorf("%s sees\n %v\nwant\n %v", persona, got, tables)
		}
	}
}

func TestTheSourceWalkThroughStepByStep(t *testing.T) {
	cat := demoCatalog()
	p := &perms.Policy{
		Tags:     []perms.TagKey{{Key: "role", Values: []string{"leader", "analyst"}}},
		Personas: []perms.Persona{{Name: "admin", Admin: true}, {Name: "analyst"}},
	}
	step := func(name string, want map[string]string) {
		t.Helper()
		if err := p.Validate(cat, nil); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if got := seen(t, p, cat, "analyst"); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s: analyst sees %v, want %v", name, got, want)
		}
	}
	step("no grant", map[string]string{})
	p.Grants = append(p.Grants, perms.Grant{Persona: "analyst", Permissions: []string{"DESCRIBE", "SELECT"},
		Expression: map[string][]string{"role": {"analyst"}}})
	step("grant on role=analyst, nothing tagged", map[string]string{})
	must(t, p.Assign(cat, "sales.sales", "role", "analyst"))
	step("sales tagged analyst", map[string]string{"sales.sales": "date date_block_num shop_id item_id item_price item_cnt_day"})
	must(t, p.Assign(cat, "sales.sales", "role", "leader"))
	must(t, p.Assign(cat, "sales.sales.date", "role", "analyst"))
	must(t, p.Assign(cat, "sales.sales.item_id", "role", "analyst"))
	step("table retagged leader, two columns analyst", map[string]string{"sales.sales": "date item_id"})
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestEvaluationRules(t *testing.T) {
	cat := demoCatalog()
	base := func() *perms.Policy {
		return &perms.Policy{
			Tags:     []perms.TagKey{{Key: "role", Values: []string{"a", "b"}}, {Key: "pii", Values: []string{"yes", "no"}}},
			Personas: []perms.Persona{{Name: "admin", Admin: true}, {Name: "p"}},
		}
	}
	rw := []string{"DESCRIBE", "SELECT"}
	cases := []struct {
		name  string
		setup func(*perms.Policy)
		want  string
	}{
		{"database tag inherited by tables and columns", func(p *perms.Policy) {
			p.Assigns = []perms.Assignment{{Resource: "sales", Tags: map[string]string{"role": "a"}}}
			p.Grants = []perms.Grant{{Persona: "p", Permissions: rw, Expression: map[string][]string{"role": {"a"}}}}
		}, "map[sales.customers:customer_id name email phone region payment_id sales.items:item_name item_id item_category_id sales.sales:date date_block_num shop_id item_id item_price item_cnt_day]"},
		{"table overrides database, column overrides table", func(p *perms.Policy) {
			p.Assigns = []perms.Assignment{{Resource: "sales", Tags: map[string]string{"role": "a"}},
				{Resource: "sales.items", Tags: map[string]string{"role": "b"}},
				{Resource: "sales.items.item_id", Tags: map[string]string{"role": "a"}}}
			p.Grants = []perms.Grant{{Persona: "p", Permissions: rw, Expression: map[string][]string{"role": {"b"}}}}
		}, "map[sales.items:item_name item_category_id]"},
		{"AND across keys", func(p *perms.Policy) {
			p.Assigns = []perms.Assignment{{Resource: "sales", Tags: map[string]string{"role": "a"}},
				{Resource: "sales.customers.email", Tags: map[string]string{"pii": "no"}}}
			p.Grants = []perms.Grant{{Persona: "p", Permissions: rw, Expression: map[string][]string{"role": {"a"}, "pii": {"no"}}}}
		}, "map[sales.customers:email]"},
		{"OR within a key", func(p *perms.Policy) {
			p.Assigns = []perms.Assignment{{Resource: "sales.items", Tags: map[string]string{"role": "a"}},
				{Resource: "sales.sales", Tags: map[string]string{"role": "b"}}}
			p.Grants = []perms.Grant{{Persona: "p", Permissions: rw, Expression: map[string][]string{"role": {"a", "b"}}}}
		}, "map[sales.items:item_name item_id item_category_id sales.sales:date date_block_num shop_id item_id item_price item_cnt_day]"},
		{"DESCRIBE without SELECT lists but does not read", func(p *perms.Policy) {
			p.Grants = []perms.Grant{{Persona: "p", Permissions: []string{"DESCRIBE"}, Resource: "sales.items"}}
		}, "map[sales.items:describe-only item_name item_id item_category_id]"},
		{"named columns", func(p *perms.Policy) {
			p.Grants = []perms.Grant{{Persona: "p", Permissions: rw, Resource: "sales.items", Columns: []string{"item_id"}}}
		}, "map[sales.items:item_id]"},
		{"include filter with rows", func(p *perms.Policy) {
			p.Grants = []perms.Grant{{Persona: "p", Permissions: rw, Resource: "sales.items"}}
			p.Filters = []perms.Filter{{Persona: "p", Table: "sales.items", Rows: "item_id < 10", IncludeColumns: []string{"item_id"}}}
		}, "map[sales.items:item_id | item_id < 10]"},
		{"masks keep the column", func(p *perms.Policy) {
			p.Grants = []perms.Grant{{Persona: "p", Permissions: rw, Resource: "sales.items"}}
			p.Masks = []perms.Mask{{Persona: "p", Column: "sales.items.item_name", Kind: "hash"}}
		}, "map[sales.items:item_name(hash) item_id item_category_id]"},
		{"other personas' grants do not count", func(p *perms.Policy) {
			p.Grants = []perms.Grant{{Persona: "admin", Permissions: rw, Resource: "sales"}}
		}, "map[]"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := base()
			c.setup(p)
			if err := p.Validate(cat, nil); err != nil {
				t.Fatal(err)
			}
			if got := fmt.Sprint(seen(t, p, cat, "p")); got != c.want {
				t.Errorf("got  %s\nwant %s", got, c.want)
			}
		})
	}
}

func TestExplainSaysWhy(t *testing.T) {
	cat := demoCatalog()
	p := demo.Policy()
	customers, _ := cat.Lookup("sales", "customers")
	cases := map[[2]string]string{
		{"analyst", "region"}:     "visible: grant #2 matches role=analyst assigned on sales.customers.region",
		{"analyst", "email"}:      "hidden: no grant of analyst covers it (tags: role=leader inherited from sales.customers)",
		{"leader", "email"}:       "visible: grant #1 matches role=leader inherited from sales.customers",
		{"leader", "payment_id"}:  "hidden: data filter #1 leaves payment_id out (grant #1 matches role=leader inherited from sales.customers)",
		{"sales_east", "phone"}:   "masked (last4): mask #1; visible through grant #3 names sales.customers",
		{"admin", "payment_id"}:   "visible: admin is a data lake administrator",
		{"nobody", "customer_id"}: `hidden: no persona "nobody"`,
	}
	for k, want := range cases {
		if got := p.Explain(k[0], customers, k[1]); got != want {
			t.Errorf("%s %s:\n got %s\nwant %s", k[0], k[1], got, want)
		}
	}
}

func TestPolicyLoadErrorsNameLineAndField(t *testing.T) {
	var b bytes.Buffer
	must(t, demo.Policy().Encode(&b))
	good := b.String()
	cases := []struct{ name, text, want string }{
		{"unknown persona in grant", strings.Replace(good, `persona = "analyst"`+"\npermissions", `persona = "analsyt"`+"\npermissions", 1), `grant entry 2: persona: unknown persona "analsyt"`},
		{"undeclared tag value", strings.Replace(good, `tags = { role = "analyst" }`, `tags = { role = "intern" }`, 1), `assign entry 2: tags: tag key "role" has no value "intern"`},
		{"unknown column", strings.Replace(good, `"sales.customers.phone"`, `"sales.customers.fone"`, 1), `mask entry 1: column: table sales.customers has no column "fone"`},
		{"unknown key", strings.Replace(good, `kind = "last4"`, `knd = "last4"`, 1), `unknown field "mask.knd"`},
		{"bad permission", strings.Replace(good, `permissions = ["DESCRIBE", "SELECT"]`, `permissions = ["WRITE"]`, 1), `grant entry 1: permissions: unknown permission "WRITE"`},
		{"mask kind", strings.Replace(good, `kind = "last4"`, `kind = "year"`, 1), "mask year needs a DATE or TIMESTAMP column"},
		{"undefined workgroup", strings.Replace(good, `workgroup = "analytics"`, `workgroup = "analitics"`, 1), `persona entry 3: workgroup: workgroup "analitics" is not defined`},
		{"tiny limit", strings.Replace(good, "bytes_scanned_cutoff = 10485760", "bytes_scanned_cutoff = 1000", 1), "workgroup entry 4: bytes_scanned_cutoff: 1000 is below the smallest limit"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := perms.Parse("policy.toml", []byte(c.text), demoCatalog(), nil)
			if err == nil || !strings.Contains(err.Error(), c.want) || !strings.HasPrefix(err.Error(), "policy.toml:") {
				t.Fatalf("error %v, want policy.toml:LINE and %q", err, c.want)
			}
			line := strings.Split(c.text, "\n")[lineOf(t, err)-1]
			if !strings.Contains(c.text, line) || strings.TrimSpace(line) == "" {
				t.Errorf("line %d is %q", lineOf(t, err), line)
			}
		})
	}
	if _, err := perms.Parse("policy.toml", []byte(good), demoCatalog(), nil); err != nil {
		t.Fatalf("the encoded demo policy does not load: %v", err)
	}
}

// policyOfEveryField is policy.toml as tarn wrote it before it used the
// TOML library's encoder, with every field set somewhere: such a file
// still reads, and is written back the same, byte for byte.
const policyOfEveryField = `# tarn lake policy: LF-Tags, personas, grants, data filters and masks.
default = "analyst"

[[tag]]
key = "role"
values = ["leader", "analyst"]

[[tag]]
key = "tier"
values = ["gold"]

[[assign]]
resource = "sales"
tags = { role = "leader", tier = "gold" }

[[workgroup]]
name = "primary"
description = "no limit"

[[workgroup]]
name = "analytics"
description = "20 MB"
bytes_scanned_cutoff = 20971520

[[persona]]
name = "admin"
description = "The \"admin\""
workgroup = "primary"
admin = true

[[persona]]
name = "analyst"
description = ""
workgroup = "analytics"

[[grant]]
persona = "analyst"
permissions = ["DESCRIBE", "SELECT"]
expression = { role = ["analyst", "leader"], tier = ["gold"] }

[[grant]]
persona = "analyst"
permissions = ["SELECT"]
resource = "sales.shops"
columns = ["shop_id", "shop_name"]

[[filter]]
persona = "analyst"
table = "sales.shops"
rows = "shop_id < 10 AND shop_name <> 'x\"y'"
include_columns = ["shop_id"]

[[filter]]
persona = "analyst"
table = "sales.sales"
exclude_columns = ["item_price"]

[[mask]]
persona = "analyst"
column = "sales.shops.shop_name"
kind = "redact"
`

func TestPolicyRoundTrip(t *testing.T) {
	p, err := perms.Parse("policy.toml", []byte(policyOfEveryField), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if p.Default != "analyst" || p.Assigns[0].Tags["tier"] != "gold" || !slices.Equal(p.Grants[0].Expression["role"], []string{"analyst", "leader"}) ||
		p.Filters[0].Rows != `shop_id < 10 AND shop_name <> 'x"y'` || p.Workgroups[1].BytesScannedCutoff != 20<<20 || !p.Personas[0].Admin {
		t.Fatalf("the file read as %+v", p)
	}
	var b bytes.Buffer
	must(t, p.Encode(&b))
	if b.String() != policyOfEveryField {
		t.Errorf("written back differently:\n%s", b.String())
	}
	again, err := perms.Parse("policy.toml", b.Bytes(), nil, nil)
	if err != nil {
		t.Fatalf("%v\n%s", err, b.String())
	}
	if !reflect.DeepEqual(again, p) {
		t.Errorf("round trip changed the policy:\n got %+v\nwant %+v", again, p)
	}
}

func lineOf(t *testing.T, err error) int {
	var n int
	if _, scanErr := fmt.Sscanf(err.Error(), "policy.toml:%d:", &n); scanErr != nil {
		t.Fatalf("no line in %v", err)
	}
	return n
}

// newPolicyLake is a lake directory holding the demo policy.
func newPolicyLake(t *testing.T) (string, *lake.Catalog) {
	root := t.TempDir()
	cat := demoCatalog()
	if _, err := demo.WritePolicy(root, cat, nil); err != nil {
		t.Fatal(err)
	}
	return root, cat
}

func policyText(t *testing.T, root string) string {
	b, err := os.ReadFile(filepath.Join(root, perms.PolicyFile))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestTagEditsByNonAdminsAreRefusedAndWriteNothing(t *testing.T) {
	root, cat := newPolicyLake(t)
	before := policyText(t, root)
	for _, as := range []string{"analyst", "leader", "sales_east", "ghost"} {
		_, err := perms.Edit(root, cat, nil, as, "assign", func(p *perms.Policy) error {
			return p.Assign(cat, "sales.customers.payment_id", "role", "analyst")
		})
		if err == nil || (as != "ghost" && !errors.Is(err, perms.ErrNotAdmin)) {
			t.Errorf("%s: edit not refused: %v", as, err)
		}
	}
	if policyText(t, root) != before {
		t.Error("a refused edit changed policy.toml")
	}
	audit, _ := os.ReadFile(filepath.Join(root, lake.AuditFile))
	if n := strings.Count(string(audit), `"outcome":"REFUSED"`); n != 4 {
		t.Errorf("%d refusals in the audit log, want 4:\n%s", n, audit)
	}
}

func TestTagEditsByAdminPersistAndInUseValuesCannotBeDeleted(t *testing.T) {
	root, cat := newPolicyLake(t)
	edit := func(what string, f func(*perms.Policy) error) error {
		_, err := perms.Edit(root, cat, nil, "admin", what, f)
		return err
	}
	must(t, edit("create", func(p *perms.Policy) error { return p.CreateTag("PII", []string{"Yes", "no"}) }))
	must(t, edit("assign", func(p *perms.Policy) error { return p.Assign(cat, "sales.customers.email", "pii", "yes") }))
	err := edit("delete", func(p *perms.Policy) error { return p.DeleteTag("pii", "yes") })
	if err == nil || !strings.Contains(err.Error(), "tag pii=yes is in use by sales.customers.email") {
		t.Errorf("deleting a value in use: %v", err)
	}
	err = edit("delete", func(p *perms.Policy) error { return p.DeleteTag("role", "") })
	if err == nil || !strings.Contains(err.Error(), "in use by sales, sales.sales") || !strings.Contains(err.Error(), "grant #1 (leader)") {
		t.Errorf("deleting a key in use: %v", err)
	}
	must(t, edit("unassign", func(p *perms.Policy) error { return p.Unassign("sales.customers.email", "pii") }))
	must(t, edit("delete", func(p *perms.Policy) error { return p.DeleteTag("pii", "") }))
	p, err := perms.Load(root, cat, nil)
	must(t, err)
	if fmt.Sprint(p.Tags) != "[{role [leader analyst]}]" {
		t.Errorf("tags after the edits: %v", p.Tags)
	}
}

func TestConcurrentEditsLoseNothing(t *testing.T) {
	root, cat := newPolicyLake(t)
	var wg sync.WaitGroup
	values := make([]string, 16)
	for i := range values {
		values[i] = fmt.Sprintf("v%02d", i)
		wg.Add(1)
		go func(v string) {
			defer wg.Done()
			if _, err := perms.Edit(root, cat, nil, "admin", "create "+v, func(p *perms.Policy) error {
				return p.CreateTag("team", []string{v})
			}); err != nil {
				t.Error(err)
			}
		}(values[i])
	}
	wg.Wait()
	p, err := perms.Load(root, cat, nil)
	must(t, err)
	for _, tk := range p.Tags {
		if tk.Key == "team" {
			slices.Sort(tk.Values)
			if !slices.Equal(tk.Values, values) {
				t.Errorf("team values %v, want all 16", tk.Values)
			}
			return
		}
	}
	t.Error("tag key team missing")
}

func TestCrashMidSaveKeepsThePreviousPolicy(t *testing.T) {
	root, cat := newPolicyLake(t)
	before := policyText(t, root)
	p, err := perms.Load(root, cat, nil)
	must(t, err)
	must(t, p.CreateTag("pii", []string{"yes"}))
	crash := errors.New("power cut (injected)")
	err = atomicfile.WriteFile(filepath.Join(root, perms.PolicyFile), func(w io.Writer) error {
		var b bytes.Buffer
		p.Encode(&b)
		w.Write(b.Bytes()[:b.Len()/2])
		return crash
	})
	if !errors.Is(err, crash) {
		t.Fatal(err)
	}
	if policyText(t, root) != before {
		t.Error("the previous policy was damaged")
	}
	if _, err := perms.Load(root, cat, nil); err != nil {
		t.Errorf("policy no longer loads: %v", err)
	}
}

// BenchmarkVisibility1000Tables evaluates a persona over a 1,000-table
// catalog of 20 columns each. Target: milliseconds.
func BenchmarkVisibility1000Tables(b *testing.B) {
	cat := &lake.Catalog{}
	p := demo.Policy()
	p.Assigns = nil
	for i := range 1000 {
		var c []lake.Column
		for j := range 20 {
			c = append(c, lake.Column{Name: fmt.Sprintf("c%d", j), Type: "VARCHAR"})
		}
		db := fmt.Sprintf("db%d", i%10)
		cat.Tables = append(cat.Tables, lake.Table{Database: db, Name: fmt.Sprintf("t%d", i), Location: "x", Format: lake.CSV, Compression: lake.None, Columns: c})
		if i%3 == 0 {
			p.Assigns = append(p.Assigns, perms.Assignment{Resource: fmt.Sprintf("%s.t%d", db, i), Tags: map[string]string{"role": "analyst"}})
		}
	}
	for b.Loop() {
		if _, err := p.Visibility(cat, "analyst"); err != nil {
			b.Fatal(err)
		}
	}
}

func TestTagsOfInheritAndOverride(t *testing.T) {
	p := demo.Policy()
	got := func(r string) string {
		res, err := perms.ParseResource(r)
		must(t, err)
		var parts []string
		for _, tag := range p.TagsOf(res) {
			parts = append(parts, fmt.Sprintf("%s=%s@%s/%v", tag.Key, tag.Value, tag.From, tag.Inherited))
		}
		return strings.Join(parts, " ")
	}
	cases := map[string]string{
		"sales":                       "role=leader@sales/false",
		"sales.sales":                 "role=analyst@sales.sales/false",
		"sales.customers.email":       "role=leader@sales.customers/true",
		"sales.customers.customer_id": "role=analyst@sales.customers.customer_id/false",
		"weblogs.access_log_csv_1":    "",
	}
	for r, want := range cases {
		if g := got(r); g != want {
			t.Errorf("%s: %q, want %q", r, g, want)
		}
	}
}

// BenchmarkVisibility10000Tables evaluates the analyst over issue 15's
// generated catalog (100 databases x 100 tables, a third tagged for it).
func BenchmarkVisibility10000Tables(b *testing.B) {
	l, pol := testlake.ManyTables(b, testlake.TenThousandTables)
	for b.Loop() {
		if _, err := pol.Visibility(l.Catalog, "analyst"); err != nil {
			b.Fatal(err)
		}
	}
}
