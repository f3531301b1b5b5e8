package perms_test

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
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
`, `policy.toml:8: principal entry 1: persona: persona "nobody" is not defined`},
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
