package main

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"tarn/internal/units"
	"tarn/lake"
	"tarn/perms"
	"tarn/queries"
)

// openGoverned opens the lake and its policy, and resolves the persona
// (the policy's default when none is named).
func (e *env) openGoverned(persona string) (*lake.Lake, *perms.Policy, string, error) {
	l, err := e.openLake()
	if err != nil {
		return nil, nil, "", err
	}
	pol, err := queries.LoadPolicy(l)
	if err != nil {
		return nil, nil, "", err
	}
	if persona == "" {
		persona = pol.DefaultPersona()
	}
	if _, ok := pol.Persona(persona); !ok {
		return nil, nil, "", fmt.Errorf("unknown persona %q (personas: %s)", persona, strings.Join(pol.PersonaNames(), ", "))
	}
	return l, pol, persona, nil
}

func runPersonas(e *env, args []string) error {
	fs := e.newFlags("personas")
	if _, err := parseInterspersed(fs, args); err != nil {
		return err
	}
	_, pol, def, err := e.openGoverned("")
	if err != nil {
		return err
	}
	rows := [][]string{{"PERSONA", "ADMIN", "WORKGROUP", "LIMIT PER QUERY", "DESCRIPTION"}}
	for _, p := range pol.Personas {
		name := p.Name
		if name == def {
			name += " (default)"
		}
		limit := "none"
		if wg := pol.Workgroup(p.Workgroup); wg.BytesScannedCutoff > 0 {
			limit = units.Bytes(wg.BytesScannedCutoff)
		}
		rows = append(rows, []string{name, map[bool]string{true: "yes", false: "no"}[p.Admin], p.Workgroup, limit, p.Description})
	}
	printAligned(e.stdout, rows, 99)
	return nil
}

func runAccess(e *env, args []string) error {
	fs := e.newFlags("access")
	why := fs.Bool("why", false, "say why each persona sees each column")
	as := fs.String("persona", "", "persona asking (default: the policy's default); administrators only")
	rest, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(rest) != 1 {
		return usageError("access")
	}
	l, pol, who, err := e.openGoverned(*as)
	if err != nil {
		return err
	}
	if p, _ := pol.Persona(who); !p.Admin {
		// It names every persona's columns and row filters.
		return fmt.Errorf("tarn access is for administrators: it shows what every persona may see (%s is not one)", who)
	}
	db, name, _ := strings.Cut(rest[0], ".")
	t, ok := l.Catalog.Lookup(db, name)
	if !ok {
		return fmt.Errorf("no table %s in the catalog", rest[0])
	}
	if *why {
		for _, c := range t.Columns {
			for _, persona := range pol.PersonaNames() {
				fmt.Fprintf(e.stdout, "%s %s: %s\n", persona, queries.Printable(c.Name), queries.Printable(pol.Explain(persona, t, c.Name)))
			}
		}
		return nil
	}
	m := pol.AccessMatrix(l.Catalog, t)
	rows := [][]string{append([]string{"COLUMN"}, m.Personas...)}
	for i, c := range t.Columns {
		rows = append(rows, append([]string{c.Name}, m.Cells[i]...))
	}
	rows = append(rows, append([]string{"rows"}, m.RowFilters...))
	if m.HasPrincipals() {
		rows = append(rows, append([]string{"principals"}, m.Principals...))
	}
	fmt.Fprintf(e.stdout, "access to %s, columns x personas (why: tarn access --why)\n\n", t.QualifiedName())
	printAligned(e.stdout, rows, 99)
	return nil
}

func runTags(e *env, args []string) error {
	c, err := parsePolicyCommand(e, "tags", args)
	if err != nil {
		return err
	}
	if c.verb == "list" {
		printTags(e, c.pol, c.persona)
		return nil
	}
	change, err := tagChange(c.l.Catalog, c.verb, c.params)
	if err != nil {
		return err
	}
	return c.edit(e, change)
}

// tagChange is a tags subcommand's change, with the command line's usage.
func tagChange(cat *lake.Catalog, verb string, params []string) (func(*perms.Policy) error, error) {
	change, err := perms.TagCommand(cat, verb, params)
	var usage *perms.TagUsageError
	if errors.As(err, &usage) {
		return nil, fmt.Errorf("usage: tarn tags %s [--as PERSONA] [--dry-run]", usage.Form)
	}
	return change, err
}

// printTags lists the LF-Tags and their assignments persona may know: all
// of them for an administrator, the ones its grants name for anyone else.
func printTags(e *env, pol *perms.Policy, persona string) {
	granted := pol.GrantedTags(persona)
	rows := [][]string{{"KEY", "VALUES"}}
	for _, t := range granted {
		rows = append(rows, []string{t.Key, strings.Join(t.Values, ", ")})
	}
	printAligned(e.stdout, rows, 99)
	fmt.Fprintln(e.stdout)
	rows = [][]string{{"RESOURCE", "TAGS"}}
	for _, a := range pol.Assigns {
		var tags []string
		for k, v := range a.Tags {
			if slices.ContainsFunc(granted, func(t perms.TagKey) bool { return t.Key == k && slices.Contains(t.Values, v) }) {
				tags = append(tags, k+"="+v)
			}
		}
		if len(tags) > 0 {
			slices.Sort(tags)
			rows = append(rows, []string{a.Resource, strings.Join(tags, ", ")})
		}
	}
	printAligned(e.stdout, rows, 99)
}
