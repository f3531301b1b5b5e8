package queries_test

import (
	"context"
	"fmt"
	"testing"

	"tarn/lake"
	"tarn/perms"
	"tarn/queries"
)

// builtCopy makes the copy of table (database.name) as an admin's
// workbench would, and waits for it.
func builtCopy(t *testing.T, l *lake.Lake, pol *perms.Policy, table string) {
	t.Helper()
	s := openBuilding(t, l, pol, "admin")
	ask(t, s, "SELECT count(*) FROM "+table)
	if err := s.AwaitCopies(context.Background()); err != nil {
		t.Fatal(err)
	}
	if a := ask(t, s, "SELECT count(*) FROM "+table); a.copies == 0 {
		t.Fatalf("no copy of %s was made", table)
	}
}

// editTable changes table (database.name) in lake.toml, its files as they
// are, and returns the policy over the new catalog.
func editTable(t *testing.T, l *lake.Lake, db, name string, edit func(*lake.Table)) *perms.Policy {
	t.Helper()
	err := l.Update(func(c *lake.Catalog) error {
		table, ok := c.Lookup(db, name)
		if !ok {
			return fmt.Errorf("no %s.%s", db, name)
		}
		edit(&table)
		c.Put(table)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	pol, err := queries.LoadPolicy(l)
	if err != nil {
		t.Fatal(err)
	}
	return pol
}

// A copy holds the table's relation as the catalog read it: a CSV or JSON
// table's columns and types, and union_by_name, come from lake.toml, not
// from the files. An edit of the catalog that leaves every file as it was
// must send the next query back to the files, or it reads the old types
// and names.
func TestACopyOfAnEditedTableIsNotRead(t *testing.T) {
	cases := []struct {
		name string
		edit func(*lake.Table)
	}{
		{"a column's type", func(tb *lake.Table) { tb.Columns[0].Type = "VARCHAR" }},
		{"a column's name", func(tb *lake.Table) { tb.Columns[1].Name = "full_name" }},
	}
	const q = "SELECT *, typeof(COLUMNS(*)) FROM sales.customers ORDER BY ALL LIMIT 5"
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			l, pol := copiesLake(t)
			builtCopy(t, l, pol, "sales.customers")
			pol = editTable(t, l, "sales", "customers", c.edit)
			files := ask(t, openWith(t, l, pol, "admin", queries.Options{IgnoreCopies: true}), q)
			a := ask(t, openWith(t, l, pol, "admin", queries.Options{}), q)
			if a.copies != 0 || fmt.Sprint(a.cols, a.rows) != fmt.Sprint(files.cols, files.rows) {
				t.Errorf("read %d copies: %v %.300v\nthe files give %v %.300v", a.copies, a.cols, a.rows, files.cols, files.rows)
			}
		})
	}
}
