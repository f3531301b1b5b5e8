package main

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"tarn/lake"
	"tarn/perms"
	"tarn/queries"
)

func runGrants(e *env, args []string) error {
	c, err := parsePolicyCommand(e, "grants", args)
	if err != nil {
		return err
	}
	if c.verb == "list" {
		printGrants(e, c.pol, c.persona)
		return nil
	}
	change, err := perms.GrantCommand(c.verb, c.params)
	var usage *perms.TagUsageError
	if errors.As(err, &usage) {
		return fmt.Errorf("usage: tarn grants %s [--as PERSONA] [--dry-run]", usage.Form)
	}
	if err != nil {
		return err
	}
	return c.edit(e, change)
}

// policyCommand is a tags or grants command line: list (the default) or
// a change made as persona.
type policyCommand struct {
	l       *lake.Lake
	pol     *perms.Policy
	persona string
	what    string // the command as the audit log records it
	verb    string
	params  []string
	dryRun  bool
}

func parsePolicyCommand(e *env, name string, args []string) (policyCommand, error) {
	fs := e.newFlags(name)
	as := fs.String("as", "", "persona making the change or listing (default: the policy's default)")
	fs.StringVar(as, "persona", "", "the same as --as")
	dryRun := fs.Bool("dry-run", false, "print the change's effect without saving it")
	rest, err := parseInterspersed(fs, args)
	if err != nil {
		return policyCommand{}, err
	}
	if len(rest) == 0 {
		rest = []string{"list"}
	}
	c := policyCommand{what: name + " " + strings.Join(rest, " "), verb: rest[0], params: rest[1:], dryRun: *dryRun}
	c.l, c.pol, c.persona, err = e.openGoverned(*as)
	return c, err
}

func (c policyCommand) edit(e *env, change func(*perms.Policy) error) error {
	return editPolicy(e, c.l, c.persona, c.what, change, c.dryRun)
}

// editPolicy saves a tag or grant change as persona and prints its effect
// on every persona first; with dryRun it prints the effect and saves
// nothing.
func editPolicy(e *env, l *lake.Lake, persona, what string, change func(*perms.Policy) error, dryRun bool) error {
	var effect []perms.Change
	var err error
	if dryRun {
		effect, err = perms.Preview(l.Root, l.Catalog, queries.CheckRowFilter, persona, change)
	} else {
		effect, err = perms.EditShowingEffect(l.Root, l.Catalog, queries.CheckRowFilter, persona, what, change)
	}
	if err != nil {
		return err
	}
	printEffect(e, effect)
	if dryRun {
		fmt.Fprintf(e.stdout, "%s: not saved (--dry-run)\n", what)
	} else {
		fmt.Fprintf(e.stdout, "%s: done as %s\n", what, persona)
	}
	return nil
}

func printEffect(e *env, effect []perms.Change) {
	if len(effect) == 0 {
		fmt.Fprintln(e.stdout, "effect: no persona gains or loses anything")
		return
	}
	fmt.Fprintln(e.stdout, "effect:")
	for _, c := range effect {
		fmt.Fprintln(e.stdout, "  "+queries.Printable(c.String()))
	}
}

// printGrants lists the grants and data filters: all of them for an
// administrator, persona's own for anyone else.
func printGrants(e *env, pol *perms.Policy, persona string) {
	who, _ := pol.Persona(persona)
	mine := func(p string) bool { return who.Admin || p == persona }
	rows := [][]string{{"#", "PERSONA", "PERMISSIONS", "ON"}}
	for i, g := range pol.Grants {
		if mine(g.Persona) {
			on := strings.TrimPrefix(g.String(), g.Persona+" "+strings.Join(g.Permissions, ",")+" ")
			rows = append(rows, []string{strconv.Itoa(i + 1), g.Persona, strings.Join(g.Permissions, ","), on})
		}
	}
	printAligned(e.stdout, rows, 99)
	rows = [][]string{{"PERSONA", "DATA FILTER"}}
	for _, f := range pol.Filters {
		if mine(f.Persona) {
			rows = append(rows, []string{f.Persona, strings.TrimPrefix(f.String(), f.Persona+" filter ")})
		}
	}
	if len(rows) > 1 {
		fmt.Fprintln(e.stdout)
		printAligned(e.stdout, rows, 99)
	}
}
