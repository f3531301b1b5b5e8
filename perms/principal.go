package perms

import (
	"bytes"
	"fmt"
	"slices"
	"strings"

	"golang.org/x/crypto/ssh"

	"tarn/lake"
)

// Principal is someone who connects to a served lake (tarn serve): a name,
// the persona they act as and the SSH public keys that prove who they
// are, as authorized_keys lines. A principal is a real identity; a persona
// is what it may see.
type Principal struct {
	Name    string   `toml:"name"`
	Persona string   `toml:"persona"`
	Keys    []string `toml:"keys"`
}

// ParseKey reads one authorized_keys line (options and comment allowed).
func ParseKey(line string) (ssh.PublicKey, error) {
	key, _, _, _, err := ssh.ParseAuthorizedKey([]byte(strings.TrimSpace(line)))
	if err != nil {
		return nil, fmt.Errorf("not an SSH public key (an authorized_keys line such as \"ssh-ed25519 AAAA… name\"): %v", err)
	}
	return key, nil
}

// KeyFingerprint is the key's SHA256 fingerprint as ssh-keygen -l prints it.
func KeyFingerprint(key ssh.PublicKey) string { return ssh.FingerprintSHA256(key) }

// Principal finds a principal by name.
func (p *Policy) Principal(name string) (Principal, bool) {
	i := slices.IndexFunc(p.Principals, func(x Principal) bool { return x.Name == name })
	if i < 0 {
		return Principal{}, false
	}
	return p.Principals[i], true
}

// PrincipalForKey finds the principal one of whose keys is key; keys are
// compared whole (type and bytes), never by comment.
func (p *Policy) PrincipalForKey(key ssh.PublicKey) (Principal, bool) {
	want := key.Marshal()
	for _, x := range p.Principals {
		for _, line := range x.Keys {
			k, err := ParseKey(line)
			if err == nil && bytes.Equal(k.Marshal(), want) {
				return x, true
			}
		}
	}
	return Principal{}, false
}

// AddPrincipal adds a principal; the policy's validation then checks its
// persona and keys.
func (p *Policy) AddPrincipal(x Principal) error {
	if _, ok := p.Principal(x.Name); ok {
		return fmt.Errorf("principal %q already exists", x.Name)
	}
	p.Principals = append(p.Principals, x)
	return nil
}

// RemovePrincipal removes a principal by name.
func (p *Policy) RemovePrincipal(name string) error {
	i := slices.IndexFunc(p.Principals, func(x Principal) bool { return x.Name == name })
	if i < 0 {
		return fmt.Errorf("principal %q does not exist", name)
	}
	p.Principals = slices.Delete(p.Principals, i, i+1)
	return nil
}

// validatePrincipals checks names, personas and keys: a key may belong to
// one principal only, or a connection could not say who it is.
func (p *Policy) validatePrincipals(*lake.Catalog, ExprValidator) *PolicyError {
	names := map[string]bool{}
	owner := map[string]string{} // fingerprint -> principal
	for i, x := range p.Principals {
		bad := func(field, f string, a ...any) *PolicyError {
			return &PolicyError{"principal", i, field, fmt.Sprintf(f, a...)}
		}
		if !nameRE.MatchString(x.Name) {
			return bad("name", "%q must be lower-case letters, digits and _", x.Name)
		}
		if names[x.Name] {
			return bad("name", "principal %q is defined twice", x.Name)
		}
		names[x.Name] = true
		if _, ok := p.Persona(x.Persona); !ok {
			return bad("persona", "persona %q is not defined", x.Persona)
		}
		if len(x.Keys) == 0 {
			return bad("keys", "principal %q has no key", x.Name)
		}
		for k, line := range x.Keys {
			key, err := ParseKey(line)
			if err != nil {
				return bad("keys", "key %d: %v", k+1, err)
			}
			fp := KeyFingerprint(key)
			if other, ok := owner[fp]; ok {
				return bad("keys", "key %d (%s) is already principal %q's", k+1, fp, other)
			}
			owner[fp] = x.Name
		}
	}
	return nil
}
