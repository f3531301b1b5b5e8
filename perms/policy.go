// Package perms is the lake's policy (policy.toml): LF-Tags and their
// assignments, personas, grants, data filters and column masks, and the
// evaluation of what each persona may see. Pure Go: it never opens DuckDB;
// row filters are checked by a validator the caller passes in.
package perms

import (
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"regexp"
	"slices"
	"strings"

	"tarn/internal/tomlfile"
	"tarn/lake"
)

// PolicyFile is the policy's file name inside a lake root.
const PolicyFile = "policy.toml"

// Permissions a grant can give.
const (
	Describe = "DESCRIBE"
	Select   = "SELECT"
)

// Mask kinds: the column stays visible, its values are transformed.
var MaskKinds = []string{"redact", "hash", "last4", "null", "year"}

// TagKey is an LF-Tag key with its allowed values (lower-case).
type TagKey struct {
	Key    string   `toml:"key"`
	Values []string `toml:"values"`
}

// Assignment puts tags on a database, table or column; they are inherited
// downwards and a lower level overrides the same key.
type Assignment struct {
	Resource string                       `toml:"resource"`
	Tags     tomlfile.InlineTable[string] `toml:"tags"`
}

// Persona is someone tarn can act as.
type Persona struct {
	Name        string `toml:"name"`
	Description string `toml:"description"`
	Workgroup   string `toml:"workgroup"`
	Admin       bool   `toml:"admin,omitempty"` // data lake administrator
}

// Workgroup separates personas' queries, history and cost, as Athena's
// do. BytesScannedCutoff, when set, is the per-query data usage limit: a
// query that would scan more is cancelled.
type Workgroup struct {
	Name               string `toml:"name"`
	Description        string `toml:"description"`
	BytesScannedCutoff int64  `toml:"bytes_scanned_cutoff,omitzero"`
}

// MinBytesScannedCutoff is Athena's smallest per-query limit, 10 MB.
const MinBytesScannedCutoff = 10 << 20

// Grant gives a persona DESCRIBE and/or SELECT, either on the resources
// whose tags match an expression (AND across keys, OR within a key's
// values) or on a named database, table, or table's columns.
type Grant struct {
	Persona     string                         `toml:"persona"`
	Permissions []string                       `toml:"permissions"`
	Expression  tomlfile.InlineTable[[]string] `toml:"expression"`
	Resource    string                         `toml:"resource,omitempty"`
	Columns     []string                       `toml:"columns,omitempty"`
}

// Filter is a data filter: rows and columns of one table for one persona.
type Filter struct {
	Persona        string   `toml:"persona"`
	Table          string   `toml:"table"`
	Rows           string   `toml:"rows,omitempty"`
	IncludeColumns []string `toml:"include_columns,omitempty"`
	ExcludeColumns []string `toml:"exclude_columns,omitempty"`
}

// Mask transforms one column's values for one persona.
type Mask struct {
	Persona string `toml:"persona"`
	Column  string `toml:"column"`
	Kind    string `toml:"kind"`
}

// Policy is the content of policy.toml, whose sections come in this
// order.
type Policy struct {
	Default    string       `toml:"default,omitempty"`
	Tags       []TagKey     `toml:"tag,omitempty"`
	Assigns    []Assignment `toml:"assign,omitempty"`
	Workgroups []Workgroup  `toml:"workgroup,omitempty"`
	Personas   []Persona    `toml:"persona,omitempty"`
	Grants     []Grant      `toml:"grant,omitempty"`
	Filters    []Filter     `toml:"filter,omitempty"`
	Masks      []Mask       `toml:"mask,omitempty"`
	// Principals are the people a served lake knows by SSH key.
	Principals []Principal `toml:"principal,omitempty"`
	// Version is the version of policy.toml the policy was read from;
	// zero for a policy made in memory.
	Version lake.FileVersion `toml:"-"`
}

// PolicyPath is the policy file of the lake at root.
func PolicyPath(root string) string { return root + "/" + PolicyFile }

// AdminOnly is the policy of a lake without policy.toml: one administrator.
func AdminOnly() *Policy {
	return &Policy{Personas: []Persona{{Name: "admin", Description: "Data lake administrator", Workgroup: "primary", Admin: true}}}
}

// ExprValidator checks a row filter expression against its table; package
// queries supplies one backed by DuckDB's parser and binder.
type ExprValidator func(table lake.Table, expr string) error

// Load reads root/policy.toml; a lake without one has only an admin.
// Errors name the file, line and field. The catalog and validator, if
// given, check resources, mask types and row filters.
func Load(root string, cat *lake.Catalog, validate ExprValidator) (*Policy, error) {
	file := PolicyPath(root)
	version := lake.StatVersion(file) // first: a change while reading shows
	data, err := os.ReadFile(file)
	if errors.Is(err, os.ErrNotExist) {
		p := AdminOnly()
		p.Version = version
		return p, nil
	}
	if err != nil {
		return nil, err
	}
	p, err := Parse(file, data, cat, validate)
	if p != nil {
		p.Version = version
	}
	return p, err
}

// Parse decodes and validates policy text; file is used in messages.
func Parse(file string, data []byte, cat *lake.Catalog, validate ExprValidator) (*Policy, error) {
	var p Policy
	md, err := tomlfile.Decode(file, data, &p)
	if err != nil {
		return nil, err
	}
	loc := tomlfile.NewLocator(data)
	if undecoded := md.Undecoded(); len(undecoded) > 0 {
		k := undecoded[0]
		// Keys inside assign.tags and grant.expression are data, not fields.
		if !(len(k) > 1 && (k[0] == "assign" && k[1] == "tags" || k[0] == "grant" && k[1] == "expression")) {
			return nil, fmt.Errorf("%s:%d: unknown field %q", file, loc.KeyLine(k), k.String())
		}
	}
	if err := p.Validate(cat, validate); err != nil {
		var pe *PolicyError
		if errors.As(err, &pe) {
			return nil, fmt.Errorf("%s:%d: %s entry %d: %s: %s", file, loc.Line(pe.Array, pe.Index, pe.Field), pe.Array, pe.Index+1, pe.Field, pe.Msg)
		}
		return nil, fmt.Errorf("%s: %v", file, err)
	}
	return &p, nil
}

// PolicyError names the [[array]] entry and field a problem is in.
type PolicyError struct {
	Array string
	Index int
	Field string
	Msg   string
}

func (e *PolicyError) Error() string {
	return fmt.Sprintf("%s entry %d: %s: %s", e.Array, e.Index+1, e.Field, e.Msg)
}

var nameRE = regexp.MustCompile(`^[a-z_][a-z0-9_]*$`)

// ValidName says whether s is a valid name for a persona, workgroup, tag
// key or database: lower-case letters, digits and _, so a name used in a
// file path (a workgroup's history) can never leave its folder.
func ValidName(s string) bool { return nameRE.MatchString(s) }

// Persona finds a persona by name.
func (p *Policy) Persona(name string) (Persona, bool) {
	for _, x := range p.Personas {
		if x.Name == name {
			return x, true
		}
	}
	return Persona{}, false
}

// DefaultPersona is the `default` setting, else admin, else the first.
func (p *Policy) DefaultPersona() string {
	if p.Default != "" {
		return p.Default
	}
	if _, ok := p.Persona("admin"); ok {
		return "admin"
	}
	if len(p.Personas) > 0 {
		return p.Personas[0].Name
	}
	return ""
}

func (p *Policy) tagKey(key string) (TagKey, bool) {
	for _, t := range p.Tags {
		if t.Key == key {
			return t, true
		}
	}
	return TagKey{}, false
}

// Resource is a parsed database[.table[.column]] name.
type Resource struct {
	Database, Table, Column string
}

// ParseResource splits a resource name; column names may contain dots.
func ParseResource(s string) (Resource, error) {
	parts := strings.SplitN(s, ".", 3)
	r := Resource{Database: parts[0]}
	if len(parts) > 1 {
		r.Table = parts[1]
	}
	if len(parts) > 2 {
		r.Column = parts[2]
	}
	if !nameRE.MatchString(r.Database) || (len(parts) > 1 && !nameRE.MatchString(r.Table)) || (len(parts) > 2 && r.Column == "") {
		return r, fmt.Errorf("%q is not database, database.table or database.table.column", s)
	}
	return r, nil
}

func (r Resource) String() string {
	s := r.Database
	if r.Table != "" {
		s += "." + r.Table
	}
	if r.Column != "" {
		s += "." + r.Column
	}
	return s
}

// check says whether the resource exists in the catalog.
func (r Resource) check(cat *lake.Catalog) error {
	if cat == nil {
		return nil
	}
	if r.Table == "" {
		if slices.Contains(cat.Databases(), r.Database) {
			return nil
		}
		return fmt.Errorf("no database %s in the catalog", r.Database)
	}
	t, ok := cat.Lookup(r.Database, r.Table)
	if !ok {
		return fmt.Errorf("no table %s.%s in the catalog", r.Database, r.Table)
	}
	if r.Column != "" && !slices.ContainsFunc(t.Columns, func(c lake.Column) bool { return c.Name == r.Column }) {
		return fmt.Errorf("table %s.%s has no column %q", r.Database, r.Table, r.Column)
	}
	return nil
}

// Validate checks the policy's consistency, and with a catalog that every
// resource exists; validate, if given, checks row filters.
func (p *Policy) Validate(cat *lake.Catalog, validate ExprValidator) error {
	for _, check := range []func(*lake.Catalog, ExprValidator) *PolicyError{
		p.validateTags, p.validateWorkgroups, p.validatePersonas, p.validateAssigns, p.validateGrants, p.validateFilters, p.validateMasks, p.validatePrincipals,
	} {
		if err := check(cat, validate); err != nil {
			return err
		}
	}
	return nil
}

func (p *Policy) validateTags(*lake.Catalog, ExprValidator) *PolicyError {
	seen := map[string]bool{}
	for i, t := range p.Tags {
		bad := func(field, f string, a ...any) *PolicyError {
			return &PolicyError{"tag", i, field, fmt.Sprintf(f, a...)}
		}
		if !nameRE.MatchString(t.Key) {
			return bad("key", "%q must be lower-case letters, digits and _", t.Key)
		}
		if seen[t.Key] {
			return bad("key", "tag key %q is defined twice", t.Key)
		}
		seen[t.Key] = true
		if len(t.Values) == 0 {
			return bad("values", "tag key %q has no values", t.Key)
		}
		vals := map[string]bool{}
		for _, v := range t.Values {
			if v == "" || v != strings.ToLower(v) || strings.ContainsAny(v, "\"'\n") || lake.HasControl(v) {
				return bad("values", "value %q must be non-empty lower-case text", v)
			}
			if vals[v] {
				return bad("values", "value %q appears twice", v)
			}
			vals[v] = true
		}
	}
	return nil
}

func (p *Policy) validatePersonas(*lake.Catalog, ExprValidator) *PolicyError {
	seen := map[string]bool{}
	for i, x := range p.Personas {
		if !nameRE.MatchString(x.Name) {
			return &PolicyError{"persona", i, "name", fmt.Sprintf("%q must be lower-case letters, digits and _", x.Name)}
		}
		if seen[x.Name] {
			return &PolicyError{"persona", i, "name", fmt.Sprintf("persona %q is defined twice", x.Name)}
		}
		seen[x.Name] = true
		if x.Workgroup != "" && !nameRE.MatchString(x.Workgroup) {
			return &PolicyError{"persona", i, "workgroup", fmt.Sprintf("%q must be lower-case letters, digits and _", x.Workgroup)}
		}
		if len(p.Workgroups) > 0 && !slices.ContainsFunc(p.Workgroups, func(w Workgroup) bool { return w.Name == x.Workgroup }) {
			return &PolicyError{"persona", i, "workgroup", fmt.Sprintf("workgroup %q is not defined (the policy's [[workgroup]] entries name the workgroups)", x.Workgroup)}
		}
	}
	if p.Default != "" && !seen[p.Default] {
		return &PolicyError{"persona", 0, "default", fmt.Sprintf("default persona %q is not defined", p.Default)}
	}
	if len(p.Personas) == 0 {
		return &PolicyError{"persona", 0, "name", "the policy defines no persona"}
	}
	return nil
}

func (p *Policy) validateWorkgroups(*lake.Catalog, ExprValidator) *PolicyError {
	seen := map[string]bool{}
	for i, w := range p.Workgroups {
		if !nameRE.MatchString(w.Name) {
			return &PolicyError{"workgroup", i, "name", fmt.Sprintf("%q must be lower-case letters, digits and _", w.Name)}
		}
		if seen[w.Name] {
			return &PolicyError{"workgroup", i, "name", fmt.Sprintf("workgroup %q is defined twice", w.Name)}
		}
		seen[w.Name] = true
		if w.BytesScannedCutoff != 0 && w.BytesScannedCutoff < MinBytesScannedCutoff {
			return &PolicyError{"workgroup", i, "bytes_scanned_cutoff", fmt.Sprintf("%d is below the smallest limit, %d bytes (10 MB); leave it out for no limit", w.BytesScannedCutoff, MinBytesScannedCutoff)}
		}
	}
	return nil
}

// Workgroup is the named workgroup; one the policy does not define has no
// limit, like Athena's primary workgroup. A persona without one is in
// primary.
func (p *Policy) Workgroup(name string) Workgroup {
	if name == "" {
		name = "primary"
	}
	for _, w := range p.Workgroups {
		if w.Name == name {
			return w
		}
	}
	return Workgroup{Name: name}
}

// WorkgroupNames are the workgroups the policy defines or its personas
// belong to, primary included.
func (p *Policy) WorkgroupNames() []string {
	names := []string{"primary"}
	for _, w := range p.Workgroups {
		names = append(names, w.Name)
	}
	for _, x := range p.Personas {
		names = append(names, p.Workgroup(x.Workgroup).Name)
	}
	slices.Sort(names)
	return slices.Compact(names)
}

// checkTag says whether key=value is a declared LF-Tag.
func (p *Policy) checkTag(key, value string) error {
	t, ok := p.tagKey(key)
	if !ok {
		return fmt.Errorf("unknown tag key %q", key)
	}
	if !slices.Contains(t.Values, value) {
		return fmt.Errorf("tag key %q has no value %q (values: %s)", key, value, strings.Join(t.Values, ", "))
	}
	return nil
}

func (p *Policy) validateAssigns(cat *lake.Catalog, _ ExprValidator) *PolicyError {
	seen := map[string]bool{}
	for i, a := range p.Assigns {
		r, err := ParseResource(a.Resource)
		if err == nil {
			err = r.check(cat)
		}
		if err != nil {
			return &PolicyError{"assign", i, "resource", err.Error()}
		}
		if seen[r.String()] {
			return &PolicyError{"assign", i, "resource", fmt.Sprintf("%s is assigned twice; merge the entries", r)}
		}
		seen[r.String()] = true
		for _, k := range slices.Sorted(maps.Keys(a.Tags)) {
			if err := p.checkTag(k, a.Tags[k]); err != nil {
				return &PolicyError{"assign", i, "tags", err.Error()}
			}
		}
	}
	return nil
}

func (p *Policy) validateGrants(cat *lake.Catalog, _ ExprValidator) *PolicyError {
	for i, g := range p.Grants {
		bad := func(field, f string, a ...any) *PolicyError {
			return &PolicyError{"grant", i, field, fmt.Sprintf(f, a...)}
		}
		if _, ok := p.Persona(g.Persona); !ok {
			return bad("persona", "unknown persona %q", g.Persona)
		}
		if len(g.Permissions) == 0 {
			return bad("permissions", "no permissions (want DESCRIBE and/or SELECT)")
		}
		for _, perm := range g.Permissions {
			if perm != Describe && perm != Select {
				return bad("permissions", "unknown permission %q (want DESCRIBE or SELECT)", perm)
			}
		}
		switch {
		case (g.Expression == nil) == (g.Resource == ""):
			return bad("expression", "give either a tag expression or a named resource")
		case g.Expression != nil:
			if len(g.Expression) == 0 {
				return bad("expression", "empty tag expression")
			}
			if len(g.Columns) > 0 {
				return bad("columns", "columns go with a named table, not a tag expression")
			}
			for _, k := range slices.Sorted(maps.Keys(g.Expression)) {
				if len(g.Expression[k]) == 0 {
					return bad("expression", "tag key %q lists no values", k)
				}
				for _, v := range g.Expression[k] {
					if err := p.checkTag(k, v); err != nil {
						return bad("expression", "%v", err)
					}
				}
			}
		default:
			r, err := ParseResource(g.Resource)
			if err == nil && r.Column != "" {
				err = errors.New("name a database or table; list columns in columns")
			}
			if err == nil {
				err = r.check(cat)
			}
			if err != nil {
				return bad("resource", "%v", err)
			}
			if len(g.Columns) > 0 && r.Table == "" {
				return bad("columns", "columns need a table resource")
			}
			for _, c := range g.Columns {
				if err := (Resource{r.Database, r.Table, c}).check(cat); err != nil {
					return bad("columns", "%v", err)
				}
			}
		}
	}
	return nil
}

// restrictable checks that a filter or mask names a persona it can apply
// to: one that exists and is not an administrator.
func (p *Policy) restrictable(name, what string) error {
	persona, ok := p.Persona(name)
	if !ok {
		return fmt.Errorf("unknown persona %q", name)
	}
	if persona.Admin {
		return fmt.Errorf("%s is an administrator, who sees everything; %s do not apply", name, what)
	}
	return nil
}

func (p *Policy) validateFilters(cat *lake.Catalog, validate ExprValidator) *PolicyError {
	seen := map[string]bool{}
	for i, f := range p.Filters {
		bad := func(field, m string, a ...any) *PolicyError {
			return &PolicyError{"filter", i, field, fmt.Sprintf(m, a...)}
		}
		if err := p.restrictable(f.Persona, "filters"); err != nil {
			return bad("persona", "%v", err)
		}
		r, err := ParseResource(f.Table)
		if err == nil && (r.Table == "" || r.Column != "") {
			err = fmt.Errorf("%q must name a table (database.table)", f.Table)
		}
		if err == nil {
			err = r.check(cat)
		}
		if err != nil {
			return bad("table", "%v", err)
		}
		if seen[f.Persona+" "+f.Table] {
			return bad("table", "a second filter for %s on %s; combine them", f.Persona, f.Table)
		}
		seen[f.Persona+" "+f.Table] = true
		if len(f.IncludeColumns) > 0 && len(f.ExcludeColumns) > 0 {
			return bad("include_columns", "give include_columns or exclude_columns, not both")
		}
		for _, c := range append(slices.Clone(f.IncludeColumns), f.ExcludeColumns...) {
			if err := (Resource{r.Database, r.Table, c}).check(cat); err != nil {
				return bad("exclude_columns", "%v", err)
			}
		}
		if f.Rows != "" && validate != nil && cat != nil {
			t, _ := cat.Lookup(r.Database, r.Table)
			if err := validate(t, f.Rows); err != nil {
				return bad("rows", "%v", err)
			}
		}
	}
	return nil
}

func (p *Policy) validateMasks(cat *lake.Catalog, _ ExprValidator) *PolicyError {
	seen := map[string]bool{}
	for i, m := range p.Masks {
		bad := func(field, f string, a ...any) *PolicyError {
			return &PolicyError{"mask", i, field, fmt.Sprintf(f, a...)}
		}
		if err := p.restrictable(m.Persona, "masks"); err != nil {
			return bad("persona", "%v", err)
		}
		if !slices.Contains(MaskKinds, m.Kind) {
			return bad("kind", "unknown mask %q (want %s)", m.Kind, strings.Join(MaskKinds, ", "))
		}
		r, err := ParseResource(m.Column)
		if err == nil && r.Column == "" {
			err = fmt.Errorf("%q must name a column (database.table.column)", m.Column)
		}
		if err == nil {
			err = r.check(cat)
		}
		if err != nil {
			return bad("column", "%v", err)
		}
		if seen[m.Persona+" "+m.Column] {
			return bad("column", "a second mask for %s on %s", m.Persona, m.Column)
		}
		seen[m.Persona+" "+m.Column] = true
		if m.Kind == "year" && cat != nil {
			if typ := columnType(cat, r); !strings.HasPrefix(typ, "DATE") && !strings.HasPrefix(typ, "TIMESTAMP") {
				return bad("kind", "mask year needs a DATE or TIMESTAMP column; %s is %s", m.Column, typ)
			}
		}
	}
	return nil
}

func columnType(cat *lake.Catalog, r Resource) string {
	t, _ := cat.Lookup(r.Database, r.Table)
	for _, c := range t.Columns {
		if c.Name == r.Column {
			return c.Type
		}
	}
	return ""
}

// Encode writes the policy as TOML, one section per entry.
func (p *Policy) Encode(w io.Writer) error {
	return tomlfile.Encode(w, "tarn lake policy: LF-Tags, personas, grants, data filters and masks.", p)
}
