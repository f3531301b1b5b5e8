package main

import (
	"fmt"
	"slices"
	"strings"

	"tarn/lake"
	"tarn/perms"
	"tarn/queries"
)

func runImport(e *env, args []string) error {
	fs := e.newFlags("import")
	db := fs.String("db", "", "database of the new table (required)")
	table := fs.String("table", "", "name of the new table (required)")
	to := fs.String("to", "parquet", "output format: parquet, csv or json")
	parts := fs.Int("files", 1, "number of files to split the rows into")
	gz := fs.Bool("gzip", false, "gzip the output files (csv and json)")
	input := fs.String("input", "", "input kind: csv, json or log (default: detect)")
	replace := fs.Bool("replace", false, "replace an existing table of the same name")
	updatePolicy := fs.Bool("update-policy", false, "with --replace: drop from the policy what names columns the new table lacks (where that narrows access)")
	var maps awsMaps
	fs.Var(&maps, "map", "import aws: s3://bucket/prefix=DIR, the local folder of an S3 prefix (repeatable)")
	files, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(files) > 0 && files[0] == "aws" {
		return runImportAWS(e, maps, files[1:])
	}
	if len(files) == 0 || *db == "" || *table == "" {
		return usageError("import")
	}
	opts := lake.ImportOptions{Files: files, Database: *db, Table: *table, Input: lake.InputKind(*input),
		Format: lake.Format(*to), Compression: lake.None, Parts: *parts, Replace: *replace}
	if *gz {
		opts.Compression = lake.Gzip
	}
	l, err := e.openLake()
	if err != nil {
		return err
	}
	opts.Check = func(before, after *lake.Catalog) error {
		return policyFollows(e, before, after, *updatePolicy, *db, *table)
	}
	bar := newProgressBar(e)
	opts.Progress = func(p lake.ImportProgress) {
		bar.drawBytes(p.Done, p.Total, p.Written, p.Elapsed, importPhases[p.Phase])
	}
	rep, err := l.Import(e.ctx, opts)
	bar.finish()
	if e.ctx.Err() != nil {
		return fmt.Errorf("import cancelled: %s.%s was not created or changed, and nothing of the new files is left", *db, *table)
	}
	reportMalformed(e, rep)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "imported %s rows from %s (%s) into %s: %s, %s\n", queries.FormatCount(rep.Rows),
		queries.Plural(len(files), "file"), rep.Input, rep.Table.QualifiedName(),
		lake.Layout{Format: opts.Format, Compression: opts.Compression}.Kind(),
		queries.Plural(opts.Parts, "file"))
	return nil
}

// importPhases say what each phase of an import does.
var importPhases = map[string]string{
	"read":  "reading the input",
	"split": "splitting it into the files",
	"write": "writing the file",
}

// policyFollows checks the policy against the catalog an import would
// make: a replaced table whose columns changed must not leave the policy
// naming columns that are gone (every command of every persona would then
// fail). With update it drops what it safely can and says what changed,
// but only when the table loses columns and gains none: a renamed column
// ("phone" now "Phone") is a new column, which inherits the table's tags,
// and dropping the old name's mask or exclusion would show what it hid.
func policyFollows(e *env, before, after *lake.Catalog, update bool, db, name string) error {
	pol, broken, err := newlyBroken(e, before, after)
	if err != nil {
		return err
	}
	table := db + "." + name
	if err := refuseLookAlikes(pol, before, after, db, name); err != nil {
		return fmt.Errorf("import: nothing was changed: %w", err)
	}
	if len(broken) == 0 {
		reportNewColumns(e, pol, before, after, db, name)
		return nil
	}
	if !update {
		return fmt.Errorf("import: the new columns of %s would break the policy, so nothing was changed:\n  %s\nedit policy.toml first, or pass --update-policy to drop what names the gone columns",
			table, strings.Join(broken, "\n  "))
	}
	if added := addedColumns(before, after, db, name); len(added) > 0 {
		return fmt.Errorf("import: --update-policy only follows columns that are gone, and %s also gains %s: a renamed column is a new one, "+
			"which inherits the table's tags and could show what the old name's rules hid; edit policy.toml by hand, then replace the table",
			table, strings.Join(added, ", "))
	}
	changes, err := perms.DropMissingColumns(e.lakeRoot, after, queries.CheckRowFilter, "import --replace "+table)
	if err != nil {
		return fmt.Errorf("import: %w", err)
	}
	for _, c := range changes {
		fmt.Fprintln(e.stderr, "policy.toml:", c)
	}
	return nil
}

// newlyBroken loads the policy and lists its entries that the catalog
// after breaks and before did not (broken already, not by this change).
func newlyBroken(e *env, before, after *lake.Catalog) (*perms.Policy, []string, error) {
	pol, err := perms.Load(e.lakeRoot, nil, nil)
	if err != nil {
		return nil, nil, err
	}
	already := pol.Broken(before, queries.CheckRowFilter)
	broken := slices.DeleteFunc(pol.Broken(after, queries.CheckRowFilter), func(b string) bool { return slices.Contains(already, b) })
	return pol, broken, nil
}

// refuseLookAlikes refuses a change that gives a table a column looking
// like one the policy hides or masks from someone who would read the new
// one: its data could be the hidden column's under a new name.
func refuseLookAlikes(pol *perms.Policy, before, after *lake.Catalog, db, name string) error {
	found := pol.LookAlikes(before, after, db, name)
	if len(found) == 0 {
		return nil
	}
	return fmt.Errorf("%s: %s (rename the column in the files: a new column inherits the table's tags, not the masks and exclusions of the name it looks like)",
		db+"."+name, queries.Printable(strings.Join(found, "; ")))
}

// reportNewColumns says who may read each column a replaced table gains:
// a new column inherits the table's tags, so a column that was dropped and
// comes back (or is renamed) is not under its old masks and exclusions.
func reportNewColumns(e *env, pol *perms.Policy, before, after *lake.Catalog, db, name string) {
	if _, existed := before.Lookup(db, name); !existed {
		return
	}
	for _, c := range addedColumns(before, after, db, name) {
		var readers []string
		for _, p := range pol.Personas {
			vis, err := pol.Visibility(after, p.Name)
			if err != nil {
				continue
			}
			if ta, ok := vis.Lookup(db, name); ok && ta.Select && slices.ContainsFunc(ta.Columns, func(col perms.ColumnAccess) bool { return col.Name == c && col.Mask == "" }) {
				readers = append(readers, p.Name)
			}
		}
		fmt.Fprintf(e.stderr, "new column %s.%s: readable unmasked by %s (a new column inherits the table's tags; tag, mask or exclude it to restrict it)\n",
			db+"."+name, queries.Printable(c), strings.Join(readers, ", "))
	}
}

// addedColumns are the columns db.name has in after and not in before.
func addedColumns(before, after *lake.Catalog, db, name string) []string {
	old, _ := before.Lookup(db, name)
	now, _ := after.Lookup(db, name)
	var added []string
	for _, c := range now.Columns {
		if !slices.ContainsFunc(old.Columns, func(o lake.Column) bool { return o.Name == c.Name }) {
			added = append(added, c.Name)
		}
	}
	return added
}

func reportMalformed(e *env, rep lake.ImportReport) {
	if rep.Malformed == 0 {
		return
	}
	kept := ""
	if rep.RejectsFile != "" {
		kept = fmt.Sprintf("; all are kept in %s (file, line, reason, raw text; only the lake's owner can read it, no persona's queries)",
			queries.Printable(rep.RejectsFile))
	}
	fmt.Fprintf(e.stderr, "%s could not be parsed and %s not imported%s:\n", queries.Plural(rep.Malformed, "malformed line"),
		map[bool]string{true: "was", false: "were"}[rep.Malformed == 1], kept)
	for _, ex := range rep.Examples {
		fmt.Fprintln(e.stderr, "  "+queries.Printable(ex.String()))
	}
	if rep.Malformed > len(rep.Examples) {
		fmt.Fprintf(e.stderr, "  ... and %d more\n", rep.Malformed-len(rep.Examples))
	}
}
