package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"tarn/engines"
	"tarn/internal/atomicfile"
	"tarn/lake"
	"tarn/perms"
	"tarn/queries"
)

// awsMaps is --map s3://bucket/prefix=DIR, repeatable.
type awsMaps []string

func (m *awsMaps) String() string     { return strings.Join(*m, ",") }
func (m *awsMaps) Set(v string) error { *m = append(*m, v); return nil }

// runImportAWS makes lake.toml and policy.toml from what the AWS CLI
// prints of Glue and Lake Formation, for an empty lake.
func runImportAWS(e *env, maps awsMaps, files []string) error {
	if len(maps) == 0 || len(files) == 0 {
		return usageError("import")
	}
	l, err := lake.Create(e.lakeRoot)
	if err != nil {
		return err
	}
	if len(l.Catalog.Tables) > 0 {
		return fmt.Errorf("import aws: the lake %s has tables already; import into an empty lake (--lake DIR)", l.Root)
	}
	if _, err := os.Stat(perms.PolicyPath(l.Root)); !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("import aws: %s exists; import into an empty lake (--lake DIR)", perms.PolicyPath(l.Root))
	}
	var mapped []engines.AWSMap
	for _, m := range maps {
		am, err := parseAWSMap(l.Root, m)
		if err != nil {
			return err
		}
		mapped = append(mapped, am)
	}
	var inputs []engines.AWSFile
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return fmt.Errorf("import aws: %w", err)
		}
		inputs = append(inputs, engines.AWSFile{Name: f, Data: data})
	}
	cat, pol, problems, err := engines.ImportAWS(inputs, mapped, queries.CheckRowFilter)
	if err != nil {
		return err
	}
	for _, p := range problems {
		fmt.Fprintf(e.stderr, "not imported: %s\n", p)
	}
	if err := pol.Validate(cat, queries.CheckRowFilter); err != nil {
		return fmt.Errorf("import aws: the policy made from the input is not valid: %w", err)
	}
	if err := l.Update(func(c *lake.Catalog) error { *c = *cat; return nil }); err != nil {
		return err
	}
	if err := atomicfile.WriteFile(perms.PolicyPath(l.Root), pol.Encode); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "imported %s and %s into %s; %s not imported (listed above)\n", queries.Plural(len(cat.Tables), "table"),
		queries.Plural(len(pol.Personas), "persona"), l.Root, queries.Plural(len(problems), "thing"))
	return nil
}

// parseAWSMap reads s3://bucket/prefix=DIR; DIR is inside the lake.
func parseAWSMap(root, s string) (engines.AWSMap, error) {
	prefix, dir, ok := strings.Cut(s, "=")
	if !ok || !strings.HasPrefix(prefix, "s3://") || dir == "" {
		return engines.AWSMap{}, fmt.Errorf("--map %q: give s3://bucket/prefix=DIR", s)
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return engines.AWSMap{}, err
	}
	rel, err := filepath.Rel(root, abs)
	if err != nil || rel == ".." || strings.HasPrefix(rel, "../") {
		return engines.AWSMap{}, fmt.Errorf("--map %q: %s is not inside the lake %s", s, dir, root)
	}
	if rel == "." {
		rel = ""
	}
	return engines.AWSMap{Prefix: prefix, Dir: filepath.ToSlash(rel)}, nil
}
