package main

import (
	"fmt"

	"tarn/lake"
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
	files, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(files) == 0 || *db == "" || *table == "" {
		return fmt.Errorf("usage: tarn import FILE... --db D --table T [--to parquet|csv|json] [--files N] [--gzip] [--input csv|json|log]")
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
	rep, err := l.Import(e.ctx, opts)
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

func reportMalformed(e *env, rep lake.ImportReport) {
	if rep.Malformed == 0 {
		return
	}
	fmt.Fprintf(e.stderr, "%s could not be parsed and %s not imported:\n", queries.Plural(rep.Malformed, "malformed line"),
		map[bool]string{true: "was", false: "were"}[rep.Malformed == 1])
	for _, ex := range rep.Examples {
		fmt.Fprintln(e.stderr, "  "+ex.String())
	}
	if rep.Malformed > len(rep.Examples) {
		fmt.Fprintf(e.stderr, "  ... and %d more\n", rep.Malformed-len(rep.Examples))
	}
}
