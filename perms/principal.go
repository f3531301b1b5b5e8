package perms

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
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

// String is the principal as an audit record names it: keys by their
// fingerprints.
func (x Principal) String() string {
	s := x.Name + " --persona " + x.Persona
	for _, k := range x.Keys {
		s += " " + Info(k).Fingerprint
	}
	return s
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
	if _, ok := p.Persona(x.Persona); !ok {
		return fmt.Errorf("unknown persona %q (personas: %s)", x.Persona, strings.Join(p.PersonaNames(), ", "))
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

// orphaned says that principals act as a persona the policy no longer
// defines (removed or renamed), naming them all and what to do.
func (p *Policy) orphaned(persona string) string {
	var users []string
	for _, x := range p.Principals {
		if x.Persona == persona {
			users = append(users, strconv.Quote(x.Name))
		}
	}
	who := "principal " + users[0] + " acts as it"
	if len(users) > 1 {
		who = "principals " + strings.Join(users, ", ") + " act as it"
	}
	return fmt.Sprintf("persona %q is not defined, but %s; keep the persona, or first give each principal another "+
		"(tarn principals persona NAME P, or the principal's persona in policy.toml)", persona, who)
}

// SetPersona moves a principal to another persona.
func (p *Policy) SetPersona(name, persona string) error {
	i := slices.IndexFunc(p.Principals, func(x Principal) bool { return x.Name == name })
	if i < 0 {
		return fmt.Errorf("principal %q does not exist", name)
	}
	if _, ok := p.Persona(persona); !ok {
		return fmt.Errorf("unknown persona %q (personas: %s)", persona, strings.Join(p.PersonaNames(), ", "))
	}
	p.Principals[i].Persona = persona
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
			return bad("persona", "%s", p.orphaned(x.Persona))
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

// KeyLine is a key's line as a principal keeps it: type, key and comment,
// without authorized_keys options (tarn applies none, so keeping them
// would suggest otherwise).
func KeyLine(line string) (string, ssh.PublicKey, error) {
	key, comment, _, _, err := ssh.ParseAuthorizedKey([]byte(strings.TrimSpace(line)))
	if err != nil {
		if strings.HasPrefix(strings.TrimSpace(line), "-----BEGIN") {
			return "", nil, errors.New("this is a private key: give the public one (the .pub file)")
		}
		_, err = ParseKey(line)
		return "", nil, err
	}
	out := strings.TrimSpace(string(ssh.MarshalAuthorizedKey(key)))
	if comment != "" {
		out += " " + comment
	}
	return out, key, nil
}

// ReadKeys reads authorized_keys lines from r, skipping blank lines and
// # comments; an error names the file and line.
func ReadKeys(name string, r io.Reader) ([]string, error) {
	var lines []string
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for n := 1; sc.Scan(); n++ {
		text := strings.TrimSpace(sc.Text())
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		line, _, err := KeyLine(text)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %v", name, n, err)
		}
		lines = append(lines, line)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %v", name, err)
	}
	if len(lines) == 0 {
		return nil, fmt.Errorf("%s: no SSH public key in it", name)
	}
	return lines, nil
}

// KeyInfo is what a principal's key shows: its type, SHA256 fingerprint
// and comment, as ssh-keygen -l prints them.
type KeyInfo struct {
	Type        string `json:"type"`
	Fingerprint string `json:"fingerprint"`
	Comment     string `json:"comment,omitempty"`
}

// Info describes an authorized_keys line; a line that does not parse
// (validation refuses those) shows as such.
func Info(line string) KeyInfo {
	key, comment, _, _, err := ssh.ParseAuthorizedKey([]byte(strings.TrimSpace(line)))
	if err != nil {
		return KeyInfo{Type: "?", Fingerprint: "not a key"}
	}
	return KeyInfo{Type: key.Type(), Fingerprint: KeyFingerprint(key), Comment: comment}
}

// AddKeys gives a principal more keys (a new laptop, a rotated key).
func (p *Policy) AddKeys(name string, lines []string) error {
	i := slices.IndexFunc(p.Principals, func(x Principal) bool { return x.Name == name })
	if i < 0 {
		return fmt.Errorf("principal %q does not exist", name)
	}
	for _, line := range lines {
		if slices.ContainsFunc(p.Principals[i].Keys, func(k string) bool { return sameKey(k, line) }) {
			return fmt.Errorf("principal %q already has key %s", name, Info(line).Fingerprint)
		}
	}
	p.Principals[i].Keys = append(p.Principals[i].Keys, lines...)
	return nil
}

// RemoveKey takes a key from a principal by its SHA256 fingerprint. The
// last key is refused: a principal without one could never connect.
func (p *Policy) RemoveKey(name, fingerprint string) error {
	i := slices.IndexFunc(p.Principals, func(x Principal) bool { return x.Name == name })
	if i < 0 {
		return fmt.Errorf("principal %q does not exist", name)
	}
	keys := p.Principals[i].Keys
	k := slices.IndexFunc(keys, func(line string) bool { return Info(line).Fingerprint == fingerprint })
	switch {
	case k < 0:
		return fmt.Errorf("principal %q has no key %s (tarn principals lists the fingerprints)", name, fingerprint)
	case len(keys) == 1:
		return fmt.Errorf("%s is principal %q's last key; add its new key first, or remove the principal", fingerprint, name)
	}
	p.Principals[i].Keys = slices.Delete(slices.Clone(keys), k, k+1)
	return nil
}

// sameKey says whether two authorized_keys lines hold the same key,
// whatever their comments.
func sameKey(a, b string) bool {
	ka, errA := ParseKey(a)
	kb, errB := ParseKey(b)
	return errA == nil && errB == nil && bytes.Equal(ka.Marshal(), kb.Marshal())
}
