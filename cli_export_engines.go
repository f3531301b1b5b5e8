package main

import (
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"tarn/engines"
	"tarn/lake"
	"tarn/queries"
)

// runExport publishes the catalog and policy to another engine: Trino
// (catalog.sql and rules.json) or AWS (Terraform for Glue, Lake Formation
// and Athena). Both may be stricter than tarn, never looser, and say where.
func runExport(e *env, args []string) error {
	fs := e.newFlags("export")
	out := fs.String("out", "", "folder to write the files into (created if missing; never inside the lake)")
	catalog := fs.String("catalog", "hive", "trino: the Hive connector's catalog")
	prefix := fs.String("location-prefix", "", "trino: s3://bucket/prefix standing for the lake's root (default: the local folder)")
	bucket := fs.String("bucket", "", "aws: s3://bucket/prefix the lake's files are uploaded to (required)")
	as := fs.String("persona", "", "persona asking (default: the policy's default); administrators only")
	rest, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(rest) != 1 || *out == "" || rest[0] != "trino" && rest[0] != "aws" || rest[0] == "aws" && *bucket == "" {
		return usageError("export")
	}
	l, pol, who, err := e.openGoverned(*as)
	if err != nil {
		return err
	}
	if p, _ := pol.Persona(who); !p.Admin {
		return fmt.Errorf("tarn export is for administrators: it writes what every persona may see (%s is not one)", who)
	}
	var ex engines.Export
	if rest[0] == "trino" {
		ex, err = engines.Trino(l.Catalog, pol, engines.TrinoOptions{Catalog: *catalog, LocationPrefix: *prefix, Root: l.Root})
	} else {
		ex, err = engines.AWS(l.Catalog, pol, engines.AWSOptions{Bucket: *bucket, Root: l.Root})
	}
	if err != nil {
		return err
	}
	if err := writeExport(l, *out, ex); err != nil {
		return err
	}
	reportExport(e.stdout, *out, ex)
	return nil
}

// writeExport writes each file as exports are written: never inside the
// lake, each replaced at once.
func writeExport(l *lake.Lake, out string, ex engines.Export) error {
	abs, err := filepath.Abs(out)
	if err != nil {
		return fmt.Errorf("export to %s: %w", out, err)
	}
	if strings.HasPrefix(abs+"/", l.Root+"/") {
		return fmt.Errorf("export to %s: inside the lake (%s); write it elsewhere", out, l.Root)
	}
	if err := os.MkdirAll(abs, 0o755); err != nil {
		return fmt.Errorf("export to %s: %w", out, err)
	}
	for _, name := range slices.Sorted(maps.Keys(ex.Files)) {
		data := ex.Files[name]
		if err := queries.WriteOutside(l, filepath.Join(out, name), func(w io.Writer) error {
			_, err := w.Write(data)
			return err
		}); err != nil {
			return err
		}
	}
	return nil
}

// reportExport names the files and every note, so what the export could
// not say is in the command's output as well as in NOTES.md.
func reportExport(w io.Writer, out string, ex engines.Export) {
	names := slices.Sorted(maps.Keys(ex.Files))
	fmt.Fprintf(w, "wrote %s to %s\n", strings.Join(names, ", "), out)
	if len(ex.Notes) == 0 {
		fmt.Fprintln(w, "it says exactly what tarn's policy says")
		return
	}
	fmt.Fprintf(w, "%s (also in NOTES.md):\n", queries.Plural(len(ex.Notes), "note"))
	for _, n := range ex.Notes {
		fmt.Fprintf(w, "  %s\n", n)
	}
}
