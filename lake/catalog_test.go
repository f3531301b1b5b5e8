package lake_test

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"tarn/demo"
	"tarn/lake"
)

const goodTable = `
[[table]]
database = "weblogs"
name = "logs"
location = "weblogs/logs"
format = "csv"
compression = "gzip"
rows = 3
columns = [
  { name = "host", type = "VARCHAR" },
  { name = "status", type = "INTEGER" },
]
`

func TestCatalogErrorsNameLineAndField(t *testing.T) {
	cases := []struct {
		name, text, want string
	}{
		{"unknown format in the second table",
			goodTable + strings.Replace(strings.Replace(goodTable, `name = "logs"`, `name = "other"`, 1), `format = "csv"`, `format = "orc"`, 1),
			`lake.toml:18: table entry 2: format: unknown format "orc"`},
		{"unknown compression", strings.Replace(goodTable, `"gzip"`, `"zip"`, 1),
			`lake.toml:7: table entry 1: compression: unknown compression "zip"`},
		{"unknown key", strings.Replace(goodTable, `rows = 3`, `rowz = 3`, 1),
			`lake.toml:8: unknown field "table.rowz"`},
		{"duplicate table", goodTable + goodTable,
			`lake.toml:16: table entry 2: name: table weblogs.logs is also defined by entry 1`},
		{"location escapes the lake", strings.Replace(goodTable, `"weblogs/logs"`, `"../etc"`, 1),
			`lake.toml:5: table entry 1: location: "../etc" is not a clean path inside the lake`},
		{"absolute location", strings.Replace(goodTable, `"weblogs/logs"`, `"/etc"`, 1),
			`lake.toml:5: table entry 1: location: "/etc" must be relative`},
		{"bad column type", strings.Replace(goodTable, `"INTEGER"`, `"INT'); DROP"`, 1),
			`lake.toml:9: table entry 1: columns: column "status" has invalid type`},
		{"upper-case name", strings.Replace(goodTable, `name = "logs"`, `name = "Logs"`, 1),
			`lake.toml:4: table entry 1: name: "Logs" is not a valid name`},
		{"parquet with gzip", strings.Replace(goodTable, `format = "csv"`, `format = "parquet"`, 1),
			`lake.toml:7: table entry 1: compression: parquet compresses inside the file`},
		{"toml syntax", goodTable + "\n[[table]\n", `lake.toml:15: expected end of table array name`},
		{"wrong type", strings.Replace(goodTable, `rows = 3`, `rows = "three"`, 1), `lake.toml:`},
		{"DuckDB's own schema name", strings.Replace(goodTable, `database = "weblogs"`, `database = "information_schema"`, 1),
			`lake.toml:3: table entry 1: database: "information_schema" is DuckDB's own name`},
		{"DuckDB's main schema", strings.Replace(goodTable, `database = "weblogs"`, `database = "main"`, 1),
			`lake.toml:3: table entry 1: database: "main" is DuckDB's own name`},
		{"two tables in one folder", goodTable + strings.Replace(goodTable, `name = "logs"`, `name = "other"`, 1),
			`lake.toml:17: table entry 2: location: "weblogs/logs" is also the folder of table weblogs.logs`},
		{"a table inside another's folder", goodTable + strings.Replace(strings.Replace(goodTable, `name = "logs"`, `name = "old"`, 1), `"weblogs/logs"`, `"weblogs/logs/old"`, 1),
			`lake.toml:17: table entry 2: location: "weblogs/logs/old" is inside "weblogs/logs", the folder of table weblogs.logs`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := lake.ParseCatalog("lake.toml", []byte(c.text))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want it to contain %q", err, c.want)
			}
		})
	}
}

// catalogOfEveryField is lake.toml as tarn wrote it before it used the
// TOML library's encoder (every optional field set in the first table,
// none in the second): such a file still reads, and is written back the
// same, byte for byte.
const catalogOfEveryField = `# tarn lake catalog: one [[table]] per table; locations are relative to this file.

[[table]]
database = "raw"
name = "events"
location = "raw/events"
format = "json"
compression = "gzip"
pattern = "*.jsonl.gz"
description = "Quotes \" and \\ backslashes,\na newline and a tab\t; unicode é ✓"
origin = "crawl"
exclude = ["bad one.jsonl.gz", "q\"uote.jsonl.gz"]
rows = 12
columns = [
  { name = "a", type = "BIGINT" },
  { name = "odd \"name\"\\", type = "STRUCT(x VARCHAR, y INTEGER[])" },
]

[[table]]
database = "sales"
name = "shops"
location = "sales/shops"
format = "csv"
compression = "none"
rows = 0
columns = [
  { name = "shop_id", type = "INTEGER" },
]
`

func TestCatalogRoundTrip(t *testing.T) {
	cat, err := lake.ParseCatalog("lake.toml", []byte(catalogOfEveryField))
	if err != nil {
		t.Fatal(err)
	}
	if got := cat.Tables[0]; got.Description != "Quotes \" and \\ backslashes,\na newline and a tab\t; unicode é ✓" ||
		got.Columns[1].Name != `odd "name"\` || got.Exclude[1] != `q"uote.jsonl.gz` || got.Compression != lake.Gzip {
		t.Fatalf("the file read as %+v", got)
	}
	var buf bytes.Buffer
	if err := cat.Encode(&buf); err != nil {
		t.Fatal(err)
	}
	if buf.String() != catalogOfEveryField {
		t.Errorf("written back differently:\n%s", buf.String())
	}
	again, err := lake.ParseCatalog("lake.toml", buf.Bytes())
	if err != nil {
		t.Fatalf("%v\n%s", err, buf.String())
	}
	if !reflect.DeepEqual(again, cat) {
		t.Errorf("round trip changed the catalog:\n got %+v\nwant %+v", again, cat)
	}
}

func TestSaveRefusesInvalidCatalogAndKeepsFile(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, lake.CatalogFile), []byte(goodTable), 0o644); err != nil {
		t.Fatal(err)
	}
	l, err := lake.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	l.Catalog.Tables[0].Format = "orc"
	if err := l.Save(); err == nil || !strings.Contains(err.Error(), "unknown format") {
		t.Fatalf("save of an invalid catalog: %v", err)
	}
	if got, _ := os.ReadFile(filepath.Join(dir, lake.CatalogFile)); string(got) != goodTable {
		t.Error("an invalid catalog was written")
	}
}

func TestSplitBoundsMatchTheSourceRowsPerFile(t *testing.T) {
	// The source's rows-per-file column: the largest file of each split.
	want := map[int]int{1: 148534, 10: 14854, 100: 1486, 1000: 149, 10000: 15}
	for files, rows := range want {
		largest, total := 0, 0
		for i := range files {
			lo, hi := lake.SplitBounds(demo.LogRows, files, i)
			largest, total = max(largest, hi-lo), total+hi-lo
			if hi-lo < rows-1 {
				t.Fatalf("%d files: file %d has %d rows, uneven", files, i, hi-lo)
			}
		}
		if largest != rows || total != demo.LogRows {
			t.Errorf("%d files: largest %d rows (want %d), total %d", files, largest, rows, total)
		}
	}
}

// Names reach terminals: a column name or a location with a control
// character (an escape sequence) is refused where it stands.
func TestCatalogRefusesControlCharactersInNames(t *testing.T) {
	for _, c := range []struct{ text, want string }{
		{strings.Replace(goodTable, `"host"`, `"ho\u001b]0;x\u0007st"`, 1), `lake.toml:9: table entry 1: columns: column name "ho\x1b]0;x\ast" is empty or has a control character`},
		{strings.Replace(goodTable, `"weblogs/logs"`, `"weblogs/lo\u001bgs"`, 1), `lake.toml:5: table entry 1: location: "weblogs/lo\x1bgs" has a control character`},
		{strings.Replace(goodTable, `"host"`, `"h\u202eost"`, 1), `has a control character`},
	} {
		if _, err := lake.ParseCatalog("lake.toml", []byte(c.text)); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("error %v, want %q", err, c.want)
		}
	}
}
