package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/charmbracelet/x/exp/golden"
)

// The exports of the demo lake are golden files, reviewed by hand once:
// they are the README's examples.
func TestExportsOfTheDemoLake(t *testing.T) {
	root := governedCLILake(t)
	for _, c := range []struct {
		engine string
		args   []string
		files  []string
	}{
		{"trino", []string{"--location-prefix", "s3://acme-lake/tarn"}, []string{"catalog.sql", "rules.json", "NOTES.md"}},
		{"aws", []string{"--bucket", "s3://acme-lake/tarn"}, []string{"main.tf.json", "glue.tf.json", "lakeformation.tf.json", "athena.tf.json", "upload.sh", "NOTES.md"}},
	} {
		out := filepath.Join(t.TempDir(), c.engine)
		code, stdout, errOut := tarn(t, append([]string{"export", c.engine, "--out", out, "--lake", root}, c.args...)...)
		if code != 0 {
			t.Fatalf("export %s: exit %d: %s", c.engine, code, errOut)
		}
		if !strings.Contains(stdout, "(also in NOTES.md)") || !strings.Contains(stdout, "sales_east on sales.customers") {
			t.Errorf("export %s does not name its notes:\n%s", c.engine, stdout)
		}
		for _, name := range c.files {
			t.Run(c.engine+"/"+name, func(t *testing.T) {
				data, err := os.ReadFile(filepath.Join(out, name))
				if err != nil {
					t.Fatal(err)
				}
				// upload.sh names the lake's folder, a temporary one here.
				golden.RequireEqual(t, strings.ReplaceAll(string(data), root, "/home/me/lake"))
			})
		}
	}
}

func TestExportRefusesWhatItCannotDo(t *testing.T) {
	root := governedCLILake(t)
	out := t.TempDir()
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"export", "trino", "--out", out, "--persona", "analyst"}, "for administrators"},
		{[]string{"export", "aws", "--out", out}, "usage: tarn export"},
		{[]string{"export", "bigquery", "--out", out}, "usage: tarn export"},
		{[]string{"export", "trino"}, "usage: tarn export"},
		{[]string{"export", "trino", "--out", filepath.Join(root, "sales", "x")}, "inside"},
		{[]string{"export", "trino", "--out", out, "--catalog", "Hive Two"}, "catalog name"},
	} {
		code, _, errOut := tarn(t, append(c.args, "--lake", root)...)
		if code == 0 || !strings.Contains(errOut, c.want) {
			t.Errorf("tarn %v: exit %d, %s (want %q)", c.args, code, errOut, c.want)
		}
	}
	if _, err := os.Stat(filepath.Join(root, "sales", "x")); err == nil {
		t.Error("an export made a folder inside the lake")
	}
}
