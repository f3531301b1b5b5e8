package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"tarn/demo"
	"tarn/lake"
)

// tarn runs the CLI in-process and returns exit code, stdout and stderr.
func tarn(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(context.Background(), args, &out, &errOut)
	return code, out.String(), errOut.String()
}

// smallLake is a demo lake with few log rows, made through the library.
func smallLake(t *testing.T) string {
	t.Helper()
	l, err := lake.Create(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := demo.Create(context.Background(), l, demo.Options{LogRows: 1000}); err != nil {
		t.Fatal(err)
	}
	return l.Root
}

func TestFirstRunCreatesTheDemoLakeInTheDataDir(t *testing.T) {
	data := t.TempDir()
	t.Setenv("TARN_LAKE", "")
	t.Setenv("XDG_DATA_HOME", data)
	code, out, errOut := tarn(t)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	root := filepath.Join(data, "tarn", "lake")
	if !strings.Contains(errOut, "First run: creating the demo lake in "+root) {
		t.Errorf("no first-run message on stderr:\n%s", errOut)
	}
	for _, want := range []string{"10 tables in 2 databases", "access_log_parquet_1", "148,534", "customers"} {
		if !strings.Contains(out, want) {
			t.Errorf("catalog summary lacks %q:\n%s", want, out)
		}
	}
	// The second start opens the existing lake without regenerating it.
	code, _, errOut = tarn(t)
	if code != 0 || strings.Contains(errOut, "First run") {
		t.Errorf("second start: exit %d, stderr %q", code, errOut)
	}
}

func TestCatalogJSONIsTheDocumentedShape(t *testing.T) {
	root := smallLake(t)
	code, out, errOut := tarn(t, "catalog", "--json", "--lake", root)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var doc struct {
		Tables []struct {
			Database    string `json:"database"`
			Name        string `json:"name"`
			Format      string `json:"format"`
			Compression string `json:"compression"`
			Location    string `json:"location"`
			Files       int    `json:"files"`
			Bytes       int64  `json:"bytes"`
			Rows        int64  `json:"rows"`
			Columns     []struct {
				Name string `json:"name"`
				Type string `json:"type"`
			} `json:"columns"`
		} `json:"tables"`
	}
	dec := json.NewDecoder(strings.NewReader(out))
	if err := dec.Decode(&doc); err != nil {
		t.Fatal(err)
	}
	var found bool
	for _, tab := range doc.Tables {
		if tab.Name != "access_log_csv_gz_1" {
			continue
		}
		found = true
		info, err := os.Stat(filepath.Join(root, tab.Location, "part-00000.csv.gz"))
		if err != nil || tab.Bytes != info.Size() || tab.Files != 1 || tab.Rows != 1000 ||
			tab.Database != "weblogs" || tab.Format != "csv" || tab.Compression != "gzip" ||
			len(tab.Columns) != 11 || tab.Columns[3] != struct {
			Name string `json:"name"`
			Type string `json:"type"`
		}{"time", "TIMESTAMP"} {
			t.Errorf("entry %+v (file: %v)", tab, err)
		}
	}
	if !found || len(doc.Tables) != 10 {
		t.Errorf("%d tables, csv gzip layout found: %v", len(doc.Tables), found)
	}
}

func TestBadInputGetsOneLineErrorAndExit1(t *testing.T) {
	root := smallLake(t)
	catalog := filepath.Join(root, lake.CatalogFile)
	good, _ := os.ReadFile(catalog)
	notADir := filepath.Join(t.TempDir(), "file")
	os.WriteFile(notADir, []byte("x"), 0o644)

	cases := []struct {
		name  string
		setup func(t *testing.T) string // returns the lake to use
		args  []string
		want  string
	}{
		{"missing lake dir", func(*testing.T) string { return filepath.Join(root, "nope") },
			[]string{"catalog"}, "no such directory"},
		{"lake is a file", func(*testing.T) string { return notADir }, []string{"demo"}, "not a directory"},
		{"unwritable lake dir", func(t *testing.T) string {
			// chmod does not stop root, so use a read-only file system.
			if err := os.Mkdir("/sys/tarn-probe", 0o755); err == nil {
				os.Remove("/sys/tarn-probe")
				t.Skip("/sys is writable here")
			}
			return "/sys/tarn-lake"
		}, []string{"demo"}, "lake /sys/tarn-lake: mkdir /sys/tarn-lake:"},
		{"malformed lake.toml", func(t *testing.T) string {
			os.WriteFile(catalog, bytes.Replace(good, []byte(`format = "parquet"`), []byte(`format = "orc"`), 1), 0o644)
			return root
		}, []string{"catalog"}, `lake.toml:`},
		{"files vanished", func(t *testing.T) string {
			os.Rename(filepath.Join(root, "sales/shops"), filepath.Join(root, "shops.moved"))
			return root
		}, []string{"catalog"}, "table sales.shops: location sales/shops: no such file or directory"},
		{"unknown import format", func(*testing.T) string { return root },
			[]string{"import", catalog, "--db", "x", "--table", "y", "--to", "orc"}, `unknown format "orc"`},
		{"import of a missing file", func(*testing.T) string { return root },
			[]string{"import", filepath.Join(root, "missing.csv"), "--db", "x", "--table", "y"}, "missing.csv: no such file"},
		{"crawl of a bad parquet footer", func(t *testing.T) string {
			os.MkdirAll(filepath.Join(root, "ext/t"), 0o755)
			os.WriteFile(filepath.Join(root, "ext/t/a.parquet"), []byte("PAR1 not really"), 0o644)
			return root
		}, []string{"crawl", filepath.Join(root, "ext")}, "1 skipped"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := c.setup(t)
			before, _ := os.ReadFile(filepath.Join(dir, lake.CatalogFile))
			code, _, errOut := tarn(t, append([]string{"--lake", dir}, c.args...)...)
			lastLine := strings.TrimSpace(errOut[strings.LastIndex(strings.TrimSpace(errOut), "\n")+1:])
			if code != 1 || !strings.HasPrefix(lastLine, "tarn: ") || !strings.Contains(errOut, c.want) {
				t.Errorf("exit %d, stderr:\n%s\nwant exit 1 and %q", code, errOut, c.want)
			}
			if after, _ := os.ReadFile(filepath.Join(dir, lake.CatalogFile)); !bytes.Equal(before, after) {
				t.Error("lake.toml changed")
			}
			os.WriteFile(catalog, good, 0o644)
			os.Rename(filepath.Join(root, "shops.moved"), filepath.Join(root, "sales/shops"))
		})
	}
}

// writeLog writes an access log of n demo lines followed by tail.
func writeLog(t *testing.T, n int, tail string) string {
	var b strings.Builder
	for _, r := range demo.GenerateLog(n, 1) {
		b.WriteString(lake.FormatLogLine(r) + "\n")
	}
	logFile := filepath.Join(t.TempDir(), "access.log")
	if err := os.WriteFile(logFile, []byte(b.String()+tail), 0o644); err != nil {
		t.Fatal(err)
	}
	return logFile
}

func TestImportAndCrawlFromTheCommandLine(t *testing.T) {
	root := smallLake(t)
	logFile := writeLog(t, 300, "broken line\n")

	code, out, errOut := tarn(t, "import", logFile, "--lake", root, "--db", "web", "--table", "access", "--to", "json", "--gzip", "--files", "3")
	if code != 0 || !strings.Contains(out, "imported 300 rows from 1 file (log) into web.access: json_gz, 3 files") ||
		!strings.Contains(errOut, "1 malformed line could not be parsed") || !strings.Contains(errOut, "access.log:301: expected host") {
		t.Fatalf("exit %d\nstdout: %s\nstderr: %s", code, out, errOut)
	}
	code, out, _ = tarn(t, "crawl", "--lake", root)
	if code != 0 || !strings.Contains(out, "crawl: 0 registered, 0 changed, 11 unchanged, 0 skipped") {
		t.Errorf("crawl after import: exit %d\n%s", code, out)
	}
	code, _, errOut = tarn(t, "import", logFile, "--lake", root, "--db", "web", "--table", "access")
	if code != 1 || !strings.Contains(errOut, "already exists") {
		t.Errorf("second import: exit %d, %s", code, errOut)
	}
}

func TestUsageErrorsExit2(t *testing.T) {
	for _, args := range [][]string{{"frobnicate"}, {"catalog", "--nope"}, {"--nope"}} {
		if code, _, _ := tarn(t, args...); code != 2 {
			t.Errorf("tarn %v: exit %d, want 2", args, code)
		}
	}
}

// TestHelpIsAskedForAndExits0: every way of asking for help prints the
// usage on stdout and exits 0.
func TestHelpIsAskedForAndExits0(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"help"}, "tarn import FILE..."},
		{[]string{"--help"}, "tarn import FILE..."},
		{[]string{"-h"}, "flags before a command"},
		{[]string{"query", "--help"}, "--format"},
		{[]string{"saved", "-h"}, "--description"},
		{[]string{"help", "catalog"}, "--json"},
	} {
		code, out, errOut := tarn(t, tc.args...)
		if code != 0 || !strings.Contains(out, tc.want) || errOut != "" {
			t.Errorf("tarn %v: exit %d, stdout lacks %q or stderr %q", tc.args, code, tc.want, errOut)
		}
	}
}

// TestANamedLakeThatIsMissingIsRefusedEverywhere: only the default lake
// is created on its own; a mistyped --lake or $TARN_LAKE is refused by
// `tarn` as by every command, and nothing is created there.
func TestANamedLakeThatIsMissingIsRefusedEverywhere(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "typo")
	for _, tc := range []struct {
		env  string
		args []string
	}{
		{"", []string{"--lake", missing}},
		{missing, nil},
		{"", []string{"saved", "--lake", missing}},
		{"", []string{"history", "--lake", missing}},
	} {
		t.Setenv("TARN_LAKE", tc.env)
		code, out, errOut := tarn(t, tc.args...)
		if code != 1 || out != "" || !strings.Contains(errOut, missing+": no such directory") {
			t.Errorf("tarn %v (TARN_LAKE=%q): exit %d, stdout %q, stderr %q", tc.args, tc.env, code, out, errOut)
		}
		if _, err := os.Stat(missing); err == nil {
			t.Fatalf("tarn %v created %s", tc.args, missing)
		}
	}
}
