package perms

import (
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"tarn/internal/atomicfile"
	"tarn/internal/filelock"
	"tarn/lake"
)

// ErrNotAdmin refuses a policy change by anyone but an administrator.
var ErrNotAdmin = errors.New("only a data lake administrator may change tags and grants")

// CreateTag adds a tag key with values, or new values to an existing key.
func (p *Policy) CreateTag(key string, values []string) error {
	key = strings.ToLower(key)
	for i := range values {
		values[i] = strings.ToLower(values[i])
	}
	for i, t := range p.Tags {
		if t.Key != key {
			continue
		}
		var added []string
		for _, v := range values {
			if !slices.Contains(t.Values, v) && !slices.Contains(added, v) {
				added = append(added, v)
			}
		}
		if len(added) == 0 {
			return fmt.Errorf("tag key %q already has %s", key, strings.Join(values, ", "))
		}
		p.Tags[i].Values = append(t.Values, added...)
		return nil
	}
	p.Tags = append(p.Tags, TagKey{Key: key, Values: values})
	return nil
}

// usesOf lists where key (and value, if set) is used.
func (p *Policy) usesOf(key, value string) []string {
	var uses []string
	for _, a := range p.Assigns {
		if v, ok := a.Tags[key]; ok && (value == "" || v == value) {
			uses = append(uses, a.Resource)
		}
	}
	for i, g := range p.Grants {
		if vs, ok := g.Expression[key]; ok && (value == "" || slices.Contains(vs, value)) {
			uses = append(uses, fmt.Sprintf("grant #%d (%s)", i+1, g.Persona))
		}
	}
	return uses
}

// DeleteTag deletes a tag key, or one value of it when value is set. A key
// or value still in use is refused with the resources and grants using it.
func (p *Policy) DeleteTag(key, value string) error {
	i := slices.IndexFunc(p.Tags, func(t TagKey) bool { return t.Key == key })
	if i < 0 {
		return fmt.Errorf("unknown tag key %q", key)
	}
	what := "tag key " + key
	if value != "" {
		what = fmt.Sprintf("tag %s=%s", key, value)
		if !slices.Contains(p.Tags[i].Values, value) {
			return fmt.Errorf("tag key %q has no value %q", key, value)
		}
	}
	if uses := p.usesOf(key, value); len(uses) > 0 {
		return fmt.Errorf("%s is in use by %s; unassign it first", what, strings.Join(uses, ", "))
	}
	if value == "" {
		p.Tags = slices.Delete(p.Tags, i, i+1)
		return nil
	}
	if len(p.Tags[i].Values) == 1 {
		return fmt.Errorf("%s is the key's last value; delete the key instead", what)
	}
	p.Tags[i].Values = slices.DeleteFunc(p.Tags[i].Values, func(v string) bool { return v == value })
	return nil
}

// Assign sets key=value on a resource, replacing its value for that key.
func (p *Policy) Assign(cat *lake.Catalog, resource, key, value string) error {
	r, err := ParseResource(resource)
	if err == nil {
		err = r.check(cat)
	}
	if err == nil {
		err = p.checkTag(key, value)
	}
	if err != nil {
		return err
	}
	for i, a := range p.Assigns {
		if a.Resource == r.String() {
			p.Assigns[i].Tags[key] = value
			return nil
		}
	}
	p.Assigns = append(p.Assigns, Assignment{Resource: r.String(), Tags: map[string]string{key: value}})
	return nil
}

// Unassign removes key from a resource's own tags.
func (p *Policy) Unassign(resource, key string) error {
	for i, a := range p.Assigns {
		if a.Resource != resource {
			continue
		}
		if _, ok := a.Tags[key]; !ok {
			break
		}
		delete(p.Assigns[i].Tags, key)
		if len(p.Assigns[i].Tags) == 0 {
			p.Assigns = slices.Delete(p.Assigns, i, i+1)
		}
		return nil
	}
	return fmt.Errorf("%s has no tag %q of its own", resource, key)
}

// EditRecord is the audit log entry of one attempted policy change.
type EditRecord struct {
	Time    time.Time `json:"time"`
	Kind    string    `json:"kind"`
	Persona string    `json:"persona"`
	Identity
	Change  string `json:"change"`
	Outcome string `json:"outcome"`
	Error   string `json:"error,omitempty"`
}

// Edit applies change to the lake's policy on behalf of persona as: under
// a lock it reloads the policy from disk (so concurrent edits are not
// lost), refuses non-administrators, validates the result, saves it
// atomically and appends the attempt to the audit log. On any error the
// policy file is unchanged.
func Edit(root string, cat *lake.Catalog, validate ExprValidator, as, what string, change func(*Policy) error) (*Policy, error) {
	return EditBy(root, cat, validate, Identity{}, as, what, change)
}

// EditBy is Edit by an identified principal (a served lake's): its audit
// record names the principal, the key and the remote address too.
func EditBy(root string, cat *lake.Catalog, validate ExprValidator, who Identity, as, what string, change func(*Policy) error) (*Policy, error) {
	unlock, err := filelock.Lock(filepath.Join(root, "."+PolicyFile+".lock"))
	if err != nil {
		return nil, err
	}
	defer unlock()
	p, err := Load(root, cat, validate)
	if err == nil {
		err = p.apply(cat, validate, as, change)
	}
	if err == nil {
		err = atomicfile.WriteFile(filepath.Join(root, PolicyFile), p.Encode)
	}
	rec := EditRecord{Time: time.Now().UTC(), Kind: "policy_edit", Persona: as, Identity: who, Change: what, Outcome: "SUCCEEDED"}
	if err != nil {
		rec.Outcome, rec.Error = "REFUSED", err.Error()
	}
	if aerr := lake.AppendAudit(root, rec); aerr != nil && err == nil {
		err = aerr
	}
	return p, err
}

func (p *Policy) apply(cat *lake.Catalog, validate ExprValidator, as string, change func(*Policy) error) error {
	who, ok := p.Persona(as)
	if !ok {
		return fmt.Errorf("unknown persona %q", as)
	}
	if !who.Admin {
		return fmt.Errorf("%w; %s is not one", ErrNotAdmin, as)
	}
	if err := change(p); err != nil {
		return err
	}
	if err := p.Validate(cat, validate); err != nil {
		return fmt.Errorf("change refused: %v", err)
	}
	return nil
}

// TagUsageError is a tag command with the wrong arguments; Form is the
// command's right shape, e.g. "assign RESOURCE KEY=VALUE".
type TagUsageError struct{ Form string }

func (e *TagUsageError) Error() string { return "usage: " + e.Form }

// TagCommand turns a tag command (create, delete, assign, unassign) and
// its arguments into the change Edit applies; the command line and the
// workbench's tag editor both speak it.
func TagCommand(cat *lake.Catalog, verb string, params []string) (func(*Policy) error, error) {
	forms := map[string]string{
		"create": "create KEY VALUE...", "delete": "delete KEY [VALUE]",
		"assign": "assign RESOURCE KEY=VALUE", "unassign": "unassign RESOURCE KEY",
	}
	n := len(params)
	switch {
	case verb == "create" && n >= 2:
		return func(p *Policy) error { return p.CreateTag(params[0], params[1:]) }, nil
	case verb == "delete" && (n == 1 || n == 2):
		value := ""
		if n == 2 {
			value = params[1]
		}
		return func(p *Policy) error { return p.DeleteTag(params[0], value) }, nil
	case verb == "assign" && n == 2 && strings.Contains(params[1], "="):
		key, value, _ := strings.Cut(params[1], "=")
		return func(p *Policy) error { return p.Assign(cat, params[0], key, value) }, nil
	case verb == "unassign" && n == 2:
		return func(p *Policy) error { return p.Unassign(params[0], params[1]) }, nil
	case forms[verb] != "":
		return nil, &TagUsageError{forms[verb]}
	}
	return nil, fmt.Errorf("unknown tags command %q (list, create, delete, assign, unassign)", verb)
}
