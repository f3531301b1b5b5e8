package main

import (
	"fmt"

	"tarn/queries"
)

// runSaved lists, adds or deletes saved queries (queries.toml).
func runSaved(e *env, args []string) error {
	if len(args) == 0 || args[0] == "list" {
		return listSaved(e)
	}
	switch args[0] {
	case "add":
		fs := e.newFlags("saved add")
		description := fs.String("description", "", "what the query is for")
		table := fs.String("table", "", "the table {table} stands for when the query runs on its own")
		replace := fs.Bool("replace", false, "replace a saved query of the same name")
		rest, err := parseInterspersed(fs, args[1:])
		if err != nil {
			return err
		}
		if len(rest) != 2 {
			return fmt.Errorf("usage: tarn saved add NAME [--description D] [--table T] SQL")
		}
		q := queries.Saved{Name: rest[0], Description: *description, Table: *table, SQL: rest[1]}
		if err := queries.SaveQuery(e.lakeRoot, q, *replace); err != nil {
			return err
		}
		fmt.Fprintf(e.stderr, "saved %s in %s\n", q.Name, queries.SavedFile)
		return nil
	case "delete":
		if len(args) != 2 {
			return fmt.Errorf("usage: tarn saved delete NAME")
		}
		return queries.DeleteSaved(e.lakeRoot, args[1])
	}
	return fmt.Errorf("unknown saved subcommand %q: use list, add or delete", args[0])
}

func listSaved(e *env) error {
	all, err := queries.LoadSaved(e.lakeRoot)
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
