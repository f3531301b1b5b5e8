package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"tarn/perms"
	"tarn/queries"
)

// principalsCommand is a `tarn principals` command line.
type principalsCommand struct {
	verb    string
	params  []string
	as      string   // the administrator listing or making the change
	persona string   // add: the new principal's persona
	keys    []string // add: files of authorized_keys lines
	asJSON  bool
}

func parsePrincipals(e *env, args []string) (principalsCommand, error) {
	var c principalsCommand
	fs := e.newFlags("principals")
	fs.StringVar(&c.as, "as", "", "administrator listing or making the change (default: the policy's default)")
	fs.StringVar(&c.persona, "persona", "", "add: the principal's persona; otherwise the same as --as")
	fs.Func("key", "add: a file of authorized_keys lines (- for stdin); may repeat", func(f string) error {
		c.keys = append(c.keys, f)
		return nil
	})
	fs.BoolVar(&c.asJSON, "json", false, "list: print one JSON array for scripts")
	rest, err := parseInterspersed(fs, args)
	if err != nil {
		return c, err
	}
	if len(rest) == 0 {
		rest = []string{"list"}
	}
	c.verb, c.params = rest[0], rest[1:]
	if c.verb == "key" && len(c.params) > 0 {
		c.verb, c.params = "key "+c.params[0], c.params[1:]
	}
	if c.verb != "add" && len(c.keys) > 0 {
		return c, errors.New("--key is for tarn principals add; to give a principal another key: tarn principals key add NAME FILE.pub")
	}
	if c.verb != "add" && c.as == "" {
		c.as, c.persona = c.persona, ""
	}
	return c, nil
}

func runPrincipals(e *env, args []string) error {
	c, err := parsePrincipals(e, args)
	if err != nil {
		return err
	}
	l, pol, as, err := e.openGoverned(c.as)
	if err != nil {
		return err
	}
	if p, _ := pol.Persona(as); !p.Admin {
		return fmt.Errorf("tarn principals is for administrators: it names who may connect to the lake and as whom (%s is not one)", as)
	}
	if c.verb == "list" && len(c.params) == 0 {
		return printPrincipals(e, pol.Principals, c.asJSON)
	}
	what, change, err := c.change()
	if err != nil {
		return err
	}
	if _, err := perms.Edit(l.Root, l.Catalog, queries.CheckRowFilter, as, what, change); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "%s: done as %s\n", what, as)
	return nil
}

// change is the command's edit of the policy, and the audit log's words
// for it (keys by fingerprint, never by a file's path).
func (c principalsCommand) change() (string, func(*perms.Policy) error, error) {
	n := len(c.params)
	switch {
	case c.verb == "add" && n == 1 && c.persona != "" && len(c.keys) > 0:
		keys, err := readKeyFiles(c.keys)
		if err != nil {
			return "", nil, err
		}
		x := perms.Principal{Name: c.params[0], Persona: c.persona, Keys: keys}
		return "principals add " + x.String(), func(p *perms.Policy) error { return p.AddPrincipal(x) }, nil
	case c.verb == "remove" && n == 1:
		return "principals remove " + c.params[0], func(p *perms.Policy) error { return p.RemovePrincipal(c.params[0]) }, nil
	case c.verb == "persona" && n == 2:
		return "principals persona " + strings.Join(c.params, " "), func(p *perms.Policy) error { return p.SetPersona(c.params[0], c.params[1]) }, nil
	case c.verb == "key add" && n == 2:
		keys, err := readKeyFiles(c.params[1:])
		if err != nil {
			return "", nil, err
		}
		return "principals key add " + c.params[0] + " " + fingerprints(keys), func(p *perms.Policy) error { return p.AddKeys(c.params[0], keys) }, nil
	case c.verb == "key remove" && n == 2 && strings.HasPrefix(c.params[1], "SHA256:"):
		return "principals key remove " + strings.Join(c.params, " "), func(p *perms.Policy) error { return p.RemoveKey(c.params[0], c.params[1]) }, nil
	}
	forms := map[string]string{
		"add": "add NAME --persona P --key FILE.pub [--key FILE.pub]...", "remove": "remove NAME",
		"persona": "persona NAME P", "key add": "key add NAME FILE.pub", "key remove": "key remove NAME SHA256:FINGERPRINT",
	}
	if form, ok := forms[c.verb]; ok {
		return "", nil, fmt.Errorf("usage: tarn principals %s [--as A]", form)
	}
	return "", nil, fmt.Errorf("unknown principals command %q (list, add, remove, persona, key add, key remove)", c.verb)
}

// readKeyFiles reads the authorized_keys lines of files ("-" is stdin).
func readKeyFiles(files []string) ([]string, error) {
	var keys []string
	for _, name := range files {
		var r io.Reader = os.Stdin
		if name != "-" {
			f, err := os.Open(name)
			if err != nil {
				return nil, err
			}
			defer f.Close()
			r = f
		} else {
			name = "stdin"
		}
		lines, err := perms.ReadKeys(name, r)
		if err != nil {
			return nil, err
		}
		keys = append(keys, lines...)
	}
	return keys, nil
}

func fingerprints(keys []string) string {
	fps := make([]string, len(keys))
	for i, k := range keys {
		fps[i] = perms.Info(k).Fingerprint
	}
	return strings.Join(fps, " ")
}

// principalEntry is one principal in `tarn principals --json`.
type principalEntry struct {
	Name    string          `json:"name"`
	Persona string          `json:"persona"`
	Keys    []perms.KeyInfo `json:"keys"`
}

// printPrincipals lists each principal's persona and keys, a key a line,
// with the type, fingerprint and comment ssh-keygen -l shows.
func printPrincipals(e *env, principals []perms.Principal, asJSON bool) error {
	entries := make([]principalEntry, len(principals))
	for i, x := range principals {
		entries[i] = principalEntry{Name: x.Name, Persona: x.Persona, Keys: make([]perms.KeyInfo, len(x.Keys))}
		for k, line := range x.Keys {
			entries[i].Keys[k] = perms.Info(line)
		}
	}
	if asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(entries)
	}
	if len(entries) == 0 {
		fmt.Fprintln(e.stdout, "no principals: nobody may connect to the lake (tarn principals add NAME --persona P --key FILE.pub)")
		return nil
	}
	rows := [][]string{{"PRINCIPAL", "PERSONA", "KEY", "FINGERPRINT", "COMMENT"}}
	for _, x := range entries {
		name, persona := x.Name, x.Persona
		for _, k := range x.Keys {
			rows = append(rows, []string{name, persona, k.Type, k.Fingerprint, k.Comment})
			name, persona = "", ""
		}
	}
	printAligned(e.stdout, rows, 99)
	return nil
}
