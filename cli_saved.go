package main

import (
	"fmt"

	"tarn/lake"
	"tarn/perms"
	"tarn/queries"
)

// runSaved lists, adds or deletes saved queries (queries.toml) as a
// persona: its own workgroup's, and the shared ones administrators publish.
func runSaved(e *env, args []string) error {
	fs := e.newFlags("saved")
	description := fs.String("description", "", "add: what the query is for")
	table := fs.String("table", "", "add: the table {table} stands for when the query runs on its own")
	replace := fs.Bool("replace", false, "add: replace a saved query of the same name")
	persona := fs.String("persona", "", "persona acting (default: the policy's default)")
	workgroup := fs.String("workgroup", "", "add, delete (administrators): a workgroup's query instead of a shared one")
	rest, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	g, err := e.governed(*persona)
	if err != nil {
		return err
	}
	switch {
	case len(rest) == 0 || rest[0] == "list" && len(rest) == 1:
		return listSaved(e, g)
	case rest[0] == "add" && len(rest) == 3:
		if *table != "" && !g.vis.Describes(g.lake.Catalog, *table) {
			return fmt.Errorf("--table: Table %s not found", *table)
		}
		q := queries.Saved{Name: rest[1], Description: *description, Table: *table, SQL: rest[2], Workgroup: *workgroup}
		if err := queries.SaveQuery(e.lakeRoot, q, *replace, g.persona); err != nil {
			return err
		}
		fmt.Fprintf(e.stderr, "saved %s in %s\n", q.Name, queries.SavedFile)
		return nil
	case rest[0] == "delete" && len(rest) == 2:
		return queries.DeleteSaved(e.lakeRoot, *workgroup, rest[1], g.persona)
	}
	return usageError("saved")
}

// listSaved prints the saved queries the persona may see.
func listSaved(e *env, g governed) error {
	all, err := g.saved()
	if err != nil {
		return err
	}
	if len(all) == 0 {
		fmt.Fprintln(e.stdout, "no saved queries (tarn saved add NAME SQL saves one)")
		return nil
	}
	rows := [][]string{{"NAME", "WORKGROUP", "DESCRIPTION", "SQL"}}
	for _, q := range all {
		wg := q.Workgroup
		if q.Shared() {
			wg = "(shared)"
		}
		rows = append(rows, []string{q.Name, wg, q.Description, oneLine(q.Text(""), 70)})
	}
	printAligned(e.stdout, rows, 4)
	return nil
}

// governed is the lake and policy as one persona sees them.
type governed struct {
	lake    *lake.Lake
	persona perms.Persona
	vis     perms.Visibility
}

func (e *env) governed(persona string) (governed, error) {
	l, pol, who, err := e.openGoverned(persona)
	if err != nil {
		return governed{}, err
	}
	vis, err := pol.Visibility(l.Catalog, who)
	if err != nil {
		return governed{}, err
	}
	return governed{lake: l, persona: vis.Persona, vis: vis}, nil
}

// saved are the saved queries the persona may see, its own first.
func (g governed) saved() ([]queries.Saved, error) {
	return queries.LoadSavedFor(g.lake.Root, g.lake.Catalog, g.vis)
}
