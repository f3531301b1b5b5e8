package perms_test

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"strings"
	"testing"

	"golang.org/x/crypto/ssh"

	"tarn/perms"
)

// newKey is a fresh ed25519 public key as an authorized_keys line.
func newKey(t *testing.T, comment string) (ssh.PublicKey, string) {
	t.Helper()
	pub, _, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	key, err := ssh.NewPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return key, strings.TrimSpace(string(ssh.MarshalAuthorizedKey(key))) + " " + comment
}

func TestPrincipalsAreFoundByTheirKeyOnly(t *testing.T) {
	ana, anaLine := newKey(t, "ana@laptop")
	ana2, ana2Line := newKey(t, "ana@desktop")
	bob, bobLine := newKey(t, "bob@laptop")
	stranger, _ := newKey(t, "ana@laptop") // same comment, another key
	p := &perms.Policy{Personas: []perms.Persona{{Name: "admin", Admin: true}, {Name: "analyst"}}}
	if err := p.AddPrincipal(perms.Principal{Name: "ana", Persona: "analyst", Keys: []string{anaLine, ana2Line}}); err != nil {
		t.Fatal(err)
	}
	must(t, p.AddPrincipal(perms.Principal{Name: "bob", Persona: "admin", Keys: []string{bobLine}}))
	must(t, p.Validate(nil, nil))
	for _, c := range []struct {
		key  ssh.PublicKey
		want string
	}{{ana, "ana"}, {ana2, "ana"}, {bob, "bob"}, {stranger, ""}} {
		got, ok := p.PrincipalForKey(c.key)
		if ok != (c.want != "") || got.Name != c.want {
			t.Errorf("key %s: got %q (%v), want %q", perms.KeyFingerprint(c.key), got.Name, ok, c.want)
		}
	}
	if err := p.AddPrincipal(perms.Principal{Name: "ana", Persona: "admin", Keys: []string{bobLine}}); err == nil {
		t.Error("a second principal named ana was added")
	}
	must(t, p.RemovePrincipal("bob"))
	if _, ok := p.PrincipalForKey(bob); ok {
		t.Error("a removed principal's key is still known")
	}
}

func TestPrincipalErrorsNameLineAndField(t *testing.T) {
	_, a := newKey(t, "a")
	_, b := newKey(t, "b")
	head := "[[persona]]\nname = \"admin\"\nworkgroup = \"primary\"\nadmin = true\n\n"
	for _, c := range []struct{ name, text, want string }{
		{"unknown persona", `[[principal]]
name = "ana"
persona = "nobody"
keys = ["` + a + `"]
`, `policy.toml:8: principal entry 1: persona: persona "nobody" is not defined, but principal "ana" acts as it; keep the persona, or first give each principal another (tarn principals persona NAME P`},
		{"bad key", `[[principal]]
name = "ana"
persona = "admin"
keys = ["ssh-ed25519 notbase64"]
`, `policy.toml:9: principal entry 1: keys: key 1: not an SSH public key`},
		{"no key", `[[principal]]
name = "ana"
persona = "admin"
keys = []
`, `principal entry 1: keys: principal "ana" has no key`},
		{"shared key", `[[principal]]
name = "ana"
persona = "admin"
keys = ["` + a + `", "` + b + `"]

[[principal]]
name = "bob"
persona = "admin"
keys = ["` + b + `"]
`, `principal entry 2: keys: key 1 (SHA256:`},
		{"bad name", `[[principal]]
name = "Ana Smith"
persona = "admin"
keys = ["` + a + `"]
`, `principal entry 1: name: "Ana Smith" must be`},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := perms.Parse("policy.toml", []byte(head+c.text), nil, nil)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v, want an error containing %q", err, c.want)
			}
		})
	}
}

func TestPrincipalsRoundTrip(t *testing.T) {
	_, a := newKey(t, "ana@laptop")
	text := "[[persona]]\nname = \"admin\"\nworkgroup = \"primary\"\nadmin = true\n\n[[principal]]\nname = \"ana\"\npersona = \"admin\"\nkeys = [\"" + a + "\"]\n"
	p, err := perms.Parse("policy.toml", []byte(text), nil, nil)
	must(t, err)
	var out bytes.Buffer
	must(t, p.Encode(&out))
	again, err := perms.Parse("policy.toml", out.Bytes(), nil, nil)
	must(t, err)
	if got, _ := again.Principal("ana"); got.Persona != "admin" || len(got.Keys) != 1 || got.Keys[0] != a {
		t.Fatalf("written and read back as %+v:\n%s", got, out.String())
	}
}

func TestReadKeysNamesFileAndLine(t *testing.T) {
	_, a := newKey(t, "ana@laptop")
	_, b := newKey(t, "ana@desktop")
	lines, err := perms.ReadKeys("ana.pub", strings.NewReader("# ana's keys\n\n"+a+"\n  no-pty "+b+"\n"))
	must(t, err)
	if len(lines) != 2 || lines[0] != a || lines[1] != b {
		t.Errorf("read %q, want the two keys without options", lines)
	}
	for _, c := range []struct{ text, want string }{
		{a + "\nssh-ed25519 AAAAnotakey x\n", "ana.pub:2: not an SSH public key"},
		{"-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n", "ana.pub:1: this is a private key: give the public one (the .pub file)"},
		{"# nothing\n\n", "ana.pub: no SSH public key in it"},
	} {
		if _, err := perms.ReadKeys("ana.pub", strings.NewReader(c.text)); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: got %v, want %q", c.text, err, c.want)
		}
	}
}

func TestKeysRotateWithoutRemovingThePrincipal(t *testing.T) {
	old, oldLine := newKey(t, "ana@old")
	fresh, freshLine := newKey(t, "ana@new")
	p := &perms.Policy{Personas: []perms.Persona{{Name: "admin", Admin: true}, {Name: "analyst"}}}
	must(t, p.AddPrincipal(perms.Principal{Name: "ana", Persona: "analyst", Keys: []string{oldLine}}))
	if err := p.RemoveKey("ana", perms.KeyFingerprint(old)); err == nil || !strings.Contains(err.Error(), "last key") {
		t.Errorf("removing the last key: %v", err)
	}
	must(t, p.AddKeys("ana", []string{freshLine}))
	if err := p.AddKeys("ana", []string{strings.Replace(freshLine, "ana@new", "other comment", 1)}); err == nil {
		t.Error("the same key was added twice under another comment")
	}
	must(t, p.RemoveKey("ana", perms.KeyFingerprint(old)))
	must(t, p.Validate(nil, nil))
	if x, ok := p.PrincipalForKey(fresh); !ok || x.Name != "ana" {
		t.Error("the new key does not find ana")
	}
	if _, ok := p.PrincipalForKey(old); ok {
		t.Error("the removed key still finds ana")
	}
	if info := perms.Info(freshLine); info.Type != "ssh-ed25519" || info.Fingerprint != perms.KeyFingerprint(fresh) || info.Comment != "ana@new" {
		t.Errorf("key info %+v", info)
	}
	if err := p.AddPrincipal(perms.Principal{Name: "bob", Persona: "nobody", Keys: []string{oldLine}}); err == nil || !strings.Contains(err.Error(), `unknown persona "nobody" (personas: admin, analyst)`) {
		t.Errorf("a principal with an unknown persona: %v", err)
	}
}

func TestRemovingAPersonaPrincipalsUseIsRefusedNamingThem(t *testing.T) {
	_, a := newKey(t, "a")
	_, b := newKey(t, "b")
	root := t.TempDir()
	p := &perms.Policy{Personas: []perms.Persona{{Name: "admin", Admin: true, Workgroup: "primary"}, {Name: "analyst", Workgroup: "primary"}}}
	must(t, p.AddPrincipal(perms.Principal{Name: "ana", Persona: "analyst", Keys: []string{a}}))
	must(t, p.AddPrincipal(perms.Principal{Name: "bob", Persona: "analyst", Keys: []string{b}}))
	must(t, p.Validate(nil, nil))
	_, err := perms.Edit(root, nil, nil, "admin", "setup", func(q *perms.Policy) error { *q = *p; return nil })
	must(t, err)
	rename := func(q *perms.Policy) error { q.Personas[1].Name = "analysts"; return nil }
	_, err = perms.Edit(root, nil, nil, "admin", "rename analyst", rename)
	if err == nil || !strings.Contains(err.Error(), `persona "analyst" is not defined, but principals "ana", "bob" act as it`) {
		t.Fatalf("renaming a persona principals use: %v", err)
	}
	_, err = perms.Edit(root, nil, nil, "admin", "move ana and bob", func(q *perms.Policy) error {
		return errors.Join(q.SetPersona("ana", "admin"), q.SetPersona("bob", "admin"))
	})
	must(t, err)
	_, err = perms.Edit(root, nil, nil, "admin", "rename analyst", rename)
	must(t, err)
}
