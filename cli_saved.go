package main

import (
	"errors"
	"fmt"

	"tarn/queries"
)

// runSaved lists, adds or deletes saved queries (queries.toml).
func runSaved(e *env, args []string) error {
	fs := e.newFlags("saved")
	description := fs.String("description", "", "add: what the query is for")
	table := fs.String("table", "", "add: the table {table} stands for when the query runs on its own")
	replace := fs.Bool("replace", false, "add: replace a saved query of the same name")
	persona := fs.String("persona", "", "persona acting (default: the policy's default): lists only queries of tables it may see")
	rest, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	switch {
	case len(rest) == 0 || rest[0] == "list" && len(rest) == 1:
		return listSaved(e, *persona)
	case rest[0] == "add" && len(rest) == 3:
		if *table != "" {
			if ok, err := describable(e, *persona, *table); err != nil || !ok {
				return errors.Join(err, fmt.Errorf("--table: Table %s not found", *table))
			}
		}
		q := queries.Saved{Name: rest[1], Description: *description, Table: *table, SQL: rest[2]}
		if err := queries.SaveQuery(e.lakeRoot, q, *replace); err != nil {
			return err
		}
		fmt.Fprintf(e.stderr, "saved %s in %s\n", q.Name, queries.SavedFile)
		return nil
	case rest[0] == "delete" && len(rest) == 2:
		return queries.DeleteSaved(e.lakeRoot, rest[1])
	}
	return fmt.Errorf("usage: tarn saved [list] | add NAME [--description D] [--table T] [--replace] SQL | delete NAME")
}

// listSaved prints the saved queries the persona may see.
func listSaved(e *env, persona string) error {
	l, pol, who, err := e.openGoverned(persona)
	if err != nil {
		return err
	}
	vis, err := pol.Visibility(l.Catalog, who)
	if err != nil {
		return err
	}
	all, err := queries.LoadSavedFor(e.lakeRoot, l.Catalog, vis)
	if err != nil {
		return err
	}
	if len(all) == 0 {
		fmt.Fprintln(e.stdout, "no saved queries (tarn saved add NAME SQL saves one)")
		return nil
	}
	rows := [][]string{{"NAME", "DESCRIPTION", "SQL"}}
	for _, q := range all {
		rows = append(rows, []string{q.Name, q.Description, oneLine(q.Text(""), 70)})
	}
	printAligned(e.stdout, rows, 3)
	return nil
}

// describable says whether the persona may describe the table named
// (database.table, or a bare name).
func describable(e *env, persona, name string) (bool, error) {
	l, pol, who, err := e.openGoverned(persona)
	if err != nil {
		return false, err
	}
	vis, err := pol.Visibility(l.Catalog, who)
	if err != nil {
		return false, err
	}
	t, ok := l.Catalog.Find(name)
	if ok {
		_, ok = vis.Lookup(t.Database, t.Name)
	}
	return ok, nil
}
