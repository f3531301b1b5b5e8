package main

import (
	"encoding/csv"
	"encoding/json"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"tarn/internal/testlake"
	"tarn/lake"
	"tarn/queries"
)

func TestQueryFormatsAndStats(t *testing.T) {
	root := governedCLILake(t)
	const q = "SELECT host, status, time FROM weblogs.access_log_parquet_1 ORDER BY time LIMIT 3"

	code, out, errOut := tarn(t, "query", "--lake", root, "--format", "json", q)
	if code != 0 {
		t.Fatalf("json: exit %d: %s", code, errOut)
	}
	var doc struct {
		Columns []queries.Column `json:"columns"`
		Rows    [][]any          `json:"rows"`
		Stats   map[string]any   `json:"stats"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("json output does not parse: %v\n%s", err, out)
	}
	if len(doc.Columns) != 3 || doc.Columns[1] != (queries.Column{Name: "status", Type: "INTEGER"}) || len(doc.Rows) != 3 {
		t.Errorf("columns %v, %d rows", doc.Columns, len(doc.Rows))
	}
	if ts, _ := doc.Rows[0][2].(string); !strings.HasPrefix(ts, "2020-02-29 00:00:") {
		t.Errorf("timestamp written as %v", doc.Rows[0][2])
	}
	for _, key := range []string{"state", "rows", "data_scanned_bytes", "billed_bytes", "cost_usd", "engine_ms", "total_ms"} {
		if _, ok := doc.Stats[key]; !ok {
			t.Errorf("stats lack %q: %v", key, doc.Stats)
		}
	}
	if doc.Stats["state"] != "SUCCEEDED" || doc.Stats["rows"] != 3.0 || doc.Stats["billed_bytes"] != float64(10<<20) {
		t.Errorf("stats %v", doc.Stats)
	}

	code, out, _ = tarn(t, "query", "--lake", root, "--format", "csv", q)
	records, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if code != 0 || err != nil || len(records) != 4 || strings.Join(records[0], ",") != "host,status,time" {
		t.Errorf("csv: exit %d, %v\n%s", code, err, out)
	}

	code, out, errOut = tarn(t, "query", "--lake", root, "--format", "null", "--stats", "SELECT * FROM weblogs.access_log_csv_1")
	if code != 0 || out != "" {
		t.Errorf("null: exit %d, printed %q", code, out)
	}
	for _, want := range []string{"SUCCEEDED · 148,534 rows · data scanned 26.4 MiB (27,669,881 bytes, 1 file)", "billed 27.0 MiB", "engine", "fetch", "total"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("--stats lacks %q:\n%s", want, errOut)
		}
	}

	code, _, errOut = tarn(t, "query", "--lake", root, "--format", "xml", q)
	if code != 1 || !strings.Contains(errOut, `--format "xml": use one of table, csv, json, null`) {
		t.Errorf("bad format: exit %d, %s", code, errOut)
	}
	code, _, errOut = tarn(t, "query", "--lake", root, "--persona", "analyst", "--stats", "COPY sales.customers TO '/tmp/x.csv'")
	if code != 1 || !strings.Contains(errOut, "REFUSED") {
		t.Errorf("refused query: exit %d, %s", code, errOut)
	}
}

func TestSavedQueriesAndHistoryFromTheCommandLine(t *testing.T) {
	root := governedCLILake(t)
	code, out, _ := tarn(t, "saved", "--lake", root)
	for _, name := range []string{"full", "like", "projection"} {
		if code != 0 || !strings.Contains(out, name+" ") {
			t.Errorf("demo saved queries lack %s:\n%s", name, out)
		}
	}
	code, out, errOut := tarn(t, "query", "--lake", root, "--saved", "projection", "--format", "csv")
	if code != 0 || !strings.HasPrefix(out, "host,path,status\n") || strings.Count(out, "\n") != 148535 {
		t.Errorf("--saved projection: exit %d %s\n%.200s", code, errOut, out)
	}
	code, _, errOut = tarn(t, "saved", "add", "--lake", root, "east", "--description", "East customers", "SELECT count(*) FROM sales.customers WHERE region = 'east'")
	if code != 0 {
		t.Fatalf("saved add: %s", errOut)
	}
	code, _, errOut = tarn(t, "saved", "add", "--lake", root, "east", "SELECT 1")
	if code != 1 || !strings.Contains(errOut, `a query named "east" is already saved`) {
		t.Errorf("duplicate add: exit %d %s", code, errOut)
	}
	code, out, _ = tarn(t, "query", "--lake", root, "--saved", "east", "--persona", "sales_east", "--format", "csv")
	if code != 0 || out == "count_star()\n0\n" || !strings.HasPrefix(out, "count_star()\n") {
		t.Errorf("saved east as sales_east: %q", out)
	}
	if code, _, _ := tarn(t, "saved", "delete", "--lake", root, "east"); code != 0 {
		t.Error("saved delete failed")
	}
	if code, _, errOut := tarn(t, "query", "--lake", root, "--saved", "east"); code != 1 || !strings.Contains(errOut, `no saved query named "east"`) {
		t.Errorf("deleted query still runs: %s", errOut)
	}

	// The sales workgroup's history holds sales_east's query; admin's
	// workgroup (primary) holds the rest.
	code, out, errOut = tarn(t, "history", "--lake", root, "--workgroup", "sales", "--json")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if code != 0 || len(lines) != 2 || !strings.Contains(lines[0], `"persona":"sales_east"`) {
		t.Fatalf("sales history: exit %d %s\n%s", code, errOut, out)
	}
	var last struct {
		Workgroup string         `json:"workgroup"`
		Totals    queries.Totals `json:"totals"`
	}
	if err := json.Unmarshal([]byte(lines[1]), &last); err != nil || last.Totals.Queries != 1 || last.Totals.BilledBytes != 10<<20 {
		t.Errorf("totals %+v (%v)", last, err)
	}
	code, out, _ = tarn(t, "history", "--lake", root)
	if code != 0 || !strings.Contains(out, "workgroup primary: 1 query") || !strings.Contains(out, "SELECT host, path, status FROM weblogs.access_log_parquet_1") {
		t.Errorf("primary history:\n%s", out)
	}
}

func TestBenchJSONCarriesEveryRun(t *testing.T) {
	root := governedCLILake(t)
	code, out, errOut := tarn(t, "bench", "--lake", root, "--format", "json", "--files", "1", "--formats", "csv,parquet",
		"--compression", "none", "--queries", "full,projection", "--runs", "3", "--warmup", "0")
	if code != 0 {
		t.Fatalf("bench: exit %d: %s", code, errOut)
	}
	var doc struct {
		Runs  int `json:"runs"`
		Cells []struct {
			Table       string    `json:"table"`
			Format      string    `json:"format"`
			Compression string    `json:"compression"`
			Files       int       `json:"files"`
			Query       string    `json:"query"`
			RunsMS      []float64 `json:"runs_ms"`
			Trimmed     float64   `json:"trimmed_mean_ms"`
			Median      float64   `json:"median_ms"`
			Engine      float64   `json:"engine_ms"`
			DataScanned int64     `json:"data_scanned_bytes"`
			Cost        float64   `json:"cost_usd"`
			AthenaS     *float64  `json:"athena_s"`
		} `json:"cells"`
		Worst struct {
			Table, Query    string
			LocalOverAthena float64 `json:"local_over_athena"`
		} `json:"worst_against_athena"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if doc.Runs != 3 || len(doc.Cells) != 4 {
		t.Fatalf("runs %d, %d cells", doc.Runs, len(doc.Cells))
	}
	scanned := map[string]int64{}
	worst, worstCell := 0.0, ""
	for _, c := range doc.Cells {
		if x := c.Trimmed / 1000 / *c.AthenaS; x > worst {
			worst, worstCell = x, c.Table+" "+c.Query
		}
		// Recompute the trimmed mean from the raw runs.
		if len(c.RunsMS) != 3 || c.Trimmed != c.Median || c.Engine <= 0 || c.DataScanned <= 0 || c.Cost <= 0 {
			t.Errorf("cell %+v", c)
		}
		if c.AthenaS == nil || c.Files != 1 || c.Compression != "none" {
			t.Errorf("cell %s %s: Athena %v", c.Table, c.Query, c.AthenaS)
		}
		scanned[c.Format+" "+c.Query] = c.DataScanned
	}
	if !(scanned["parquet projection"] < scanned["parquet full"] && scanned["csv projection"] == scanned["csv full"]) {
		t.Errorf("data scanned %v: Parquet projection must read less, CSV the same", scanned)
	}
	if got := doc.Worst.Table + " " + doc.Worst.Query; got != worstCell || math.Abs(doc.Worst.LocalOverAthena-worst) > 1e-9 {
		t.Errorf("worst cell against Athena: %s at %v; from the cells: %s at %v", got, doc.Worst.LocalOverAthena, worstCell, worst)
	}

	code, out, _ = tarn(t, "bench", "--lake", root, "--files", "1", "--formats", "parquet", "--compression", "none", "--runs", "1", "--warmup", "0")
	for _, want := range []string{"Full scan by files and format", "Parquet", "1.90 s", "plain mean of 1 runs", "cold run included", "Worst cell against Athena: access_log_parquet_1 "} {
		if code != 0 || !strings.Contains(out, want) {
			t.Errorf("table output lacks %q:\n%s", want, out)
		}
	}
}

func TestSQLStartingWithACommentIsNotAFlag(t *testing.T) {
	root := governedCLILake(t)
	code, out, errOut := tarn(t, "query", "--lake", root, "-- the source's projection\nSELECT 1 AS x", "--format", "csv")
	if code != 0 || out != "x\n1\n" {
		t.Errorf("exit %d, out %q, err %s", code, out, errOut)
	}
	code, _, errOut = tarn(t, "query", "--lake", root, "--nope", "SELECT 1")
	if code != 2 || !strings.Contains(errOut, "flag provided but not defined: -nope") {
		t.Errorf("a real unknown flag: exit %d, %s", code, errOut)
	}
}

func TestBenchCSVAndMarkdown(t *testing.T) {
	root := governedCLILake(t)
	args := []string{"bench", "--lake", root, "--files", "1", "--formats", "csv", "--compression", "none,gzip", "--queries", "full", "--runs", "1", "--warmup", "0"}
	code, out, errOut := tarn(t, append(args, "--format", "csv")...)
	records, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if code != 0 || err != nil || len(records) != 3 || records[0][0] != "table" || records[1][0] != "access_log_csv_1" || records[2][2] != "csv" {
		t.Fatalf("csv: exit %d %v %s\n%s", code, err, errOut, out)
	}
	code, out, _ = tarn(t, append(args, "--format", "markdown")...)
	for _, want := range []string{"### Compression, full scan", "| CSV plain |", "| CSV gzip |", "|---|---:|"} {
		if code != 0 || !strings.Contains(out, want) {
			t.Errorf("markdown lacks %q:\n%s", want, out)
		}
	}
	code, _, errOut = tarn(t, "bench", "--lake", root, "--formats", "parquet", "--compression", "gzip")
	if code != 1 || !strings.Contains(errOut, "no demo layout has format parquet, compression gzip") {
		t.Errorf("an empty selection: exit %d %s", code, errOut)
	}
}

// Text from the lake or from other people reaches the terminal with its
// control characters shown, not obeyed (OSC 52 rewrote the clipboard,
// OSC 0 the title, CSI 2J cleared the screen); CSV and JSON keep the bytes.
func TestTerminalOutputShowsControlCharacters(t *testing.T) {
	root := governedCLILake(t)
	const osc52 = "\x1b]52;c;aGk=\x07"
	code, _, errOut := tarn(t, "saved", "add", "evil", "--lake", root, "--description", "\x1b]0;owned\x07", "SELECT '"+osc52+"' AS x")
	if code != 0 {
		t.Fatal(errOut)
	}
	outputs := []struct {
		name string
		args []string
	}{
		{"query table", []string{"query", "--lake", root, "SELECT '" + osc52 + "' AS \"\x1b[2Jcol\""}},
		{"query error", []string{"query", "--lake", root, "SELECT CAST('" + osc52 + "' AS INTEGER)"}},
		{"saved list", []string{"saved", "--lake", root}},
		{"history", []string{"history", "--lake", root}}, // after the queries above
		{"access --why", []string{"access", "--why", "--lake", root, "sales.customers"}},
	}
	for _, o := range outputs {
		name, args := o.name, o.args
		_, out, errOut := tarn(t, args...)
		if strings.Contains(out+errOut, "\x1b") || strings.Contains(out+errOut, "\x07") {
			t.Errorf("%s wrote a control character to the terminal:\n%q", name, out+errOut)
		}
		if name != "access --why" && !strings.Contains(out+errOut, `\x1b`) {
			t.Errorf("%s does not show the escape visibly:\n%s", name, out+errOut)
		}
	}
	_, out, _ := tarn(t, "query", "--lake", root, "--format", "csv", "SELECT '"+osc52+"' AS x")
	if out != "x\n"+osc52+"\n" {
		t.Errorf("CSV changed the bytes: %q", out)
	}
}

// EXPLAIN prints its plan as drawn, as the DuckDB CLI does.
func TestExplainPrintsThePlanAsDrawn(t *testing.T) {
	root := governedCLILake(t)
	code, out, errOut := tarn(t, "query", "--lake", root, "--persona", "analyst", "EXPLAIN SELECT * FROM sales.customers")
	if code != 0 || !strings.Contains(out, "\n│          READ_CSV         │\n") || strings.Contains(out, `\n`) {
		t.Errorf("exit %d %s:\n%s", code, errOut, out)
	}
}

// everyType is a row of one value of each kind DuckDB returns.
const everyType = `SELECT true AS b, -1::TINYINT AS ti, 170141183460469231731687303715884105727::HUGEINT AS hi, 18446744073709551615::UBIGINT AS ub,
 1.5::FLOAT AS f, 'nan'::DOUBLE AS nan, '-inf'::DOUBLE AS inf, 0.1::DOUBLE AS d, 123456789012345.678::DECIMAL(18,3) AS dec,
 'héllo, "x" <&>' AS s, '' AS empty, ' lead' AS lead, E'a\nb' AS nl, '\xAA\xBB'::BLOB AS bin, 'abc'::BLOB AS txt,
 DATE '2024-02-29' AS dt, TIME '12:34:56.789' AS tm, TIMESTAMP '2024-02-29 12:34:56.123456' AS ts,
 TIMESTAMP_NS '2024-02-29 12:34:56.123456789' AS tsns, TIMESTAMPTZ '2024-02-29 12:34:56+02' AS tstz,
 INTERVAL '1 month 2 days 3 seconds' AS iv, '6ba7b810-9dad-11d1-80b4-00c04fd430c8'::UUID AS u, 'x'::ENUM('x','y') AS en,
 [1, 2, NULL] AS li, {'z': 1, 'a': 'x'} AS st, MAP {'k': 1, 'j': 2} AS mp, '{"a":1}'::JSON AS js,
 NULL::INTEGER AS nul, 1 AS dup, 2 AS dup`

// TestQueryPrintsEveryType pins what tarn query prints for each kind of
// value, in each format: DuckDB's own text (queries.ValueFormat, checked
// against DuckDB by queries.TestValueTextIsDuckDBs), JSON's own types.
func TestQueryPrintsEveryType(t *testing.T) {
	root := governedCLILake(t)
	want := map[string]string{
		"csv": `b,ti,hi,ub,f,nan,inf,d,dec,s,empty,lead,nl,bin,txt,dt,tm,ts,tsns,tstz,iv,u,en,li,st,mp,js,nul,dup,dup
true,-1,170141183460469231731687303715884105727,18446744073709551615,1.5,nan,-inf,0.1,123456789012345.678,"héllo, ""x"" <&>",""," lead","a
b",\xAA\xBB,abc,2024-02-29,12:34:56.789,2024-02-29 12:34:56.123456,2024-02-29 12:34:56.123456789,2024-02-29 10:34:56+00,1 month 2 days 00:00:03,6ba7b810-9dad-11d1-80b4-00c04fd430c8,x,"[1, 2, NULL]","{'z': 1, 'a': x}","{k=1, j=2}","{""a"":1}",,1,2
`,
		"json": `{"columns":[{"name":"b","type":"BOOLEAN"},{"name":"ti","type":"TINYINT"},{"name":"hi","type":"HUGEINT"},{"name":"ub","type":"UBIGINT"},{"name":"f","type":"FLOAT"},{"name":"nan","type":"DOUBLE"},{"name":"inf","type":"DOUBLE"},{"name":"d","type":"DOUBLE"},{"name":"dec","type":"DECIMAL(18,3)"},{"name":"s","type":"VARCHAR"},{"name":"empty","type":"VARCHAR"},{"name":"lead","type":"VARCHAR"},{"name":"nl","type":"VARCHAR"},{"name":"bin","type":"BLOB"},{"name":"txt","type":"BLOB"},{"name":"dt","type":"DATE"},{"name":"tm","type":"TIME"},{"name":"ts","type":"TIMESTAMP"},{"name":"tsns","type":"TIMESTAMP_NS"},{"name":"tstz","type":"TIMESTAMPTZ"},{"name":"iv","type":"INTERVAL"},{"name":"u","type":"UUID"},{"name":"en","type":"ENUM"},{"name":"li","type":"INTEGER[]"},{"name":"st","type":"STRUCT(\"z\" INTEGER, \"a\" VARCHAR)"},{"name":"mp","type":"MAP(VARCHAR, INTEGER)"},{"name":"js","type":"JSON"},{"name":"nul","type":"INTEGER"},{"name":"dup","type":"INTEGER"},{"name":"dup","type":"INTEGER"}],"rows":[
[true,-1,170141183460469231731687303715884105727,18446744073709551615,1.5,"nan","-inf",0.1,123456789012345.678,"héllo, \"x\" \u003c\u0026\u003e",""," lead","a\nb","\\xAA\\xBB","abc","2024-02-29","12:34:56.789","2024-02-29 12:34:56.123456","2024-02-29 12:34:56.123456789","2024-02-29 10:34:56+00","1 month 2 days 00:00:03","6ba7b810-9dad-11d1-80b4-00c04fd430c8","x",[1,2,null],{"z":1,"a":"x"},{"k":1,"j":2},{"a":1},null,1,2]
`,
		"table": `b    | ti | hi                                      | ub                   | f   | nan | inf  | d   | dec                 | s              | empty | lead  | nl   | bin      | txt | dt         | tm           | ts                         | tsns                          | tstz                   | iv                      | u                                    | en | li           | st               | mp         | js      | nul  | dup | dup
true | -1 | 170141183460469231731687303715884105727 | 18446744073709551615 | 1.5 | nan | -inf | 0.1 | 123456789012345.678 | héllo, "x" <&> |       |  lead | a\nb | \xAA\xBB | abc | 2024-02-29 | 12:34:56.789 | 2024-02-29 12:34:56.123456 | 2024-02-29 12:34:56.123456789 | 2024-02-29 10:34:56+00 | 1 month 2 days 00:00:03 | 6ba7b810-9dad-11d1-80b4-00c04fd430c8 | x  | [1, 2, NULL] | {'z': 1, 'a': x} | {k=1, j=2} | {"a":1} | NULL | 1   | 2
(1 row)
`,
	}
	for _, format := range []string{"csv", "json", "table"} {
		code, out, errOut := tarn(t, "query", "--lake", root, "--format", format, everyType)
		if format == "json" {
			rows, stats, ok := strings.Cut(out, "\n],\"stats\":")
			out = rows + "\n"
			if !ok || !json.Valid([]byte(stats[:len(stats)-2])) || !strings.HasSuffix(stats, "}}\n") {
				t.Errorf("json: the stats do not close the document: %q", stats)
			}
		}
		if code != 0 || out != want[format] {
			t.Errorf("%s: exit %d %s\n got %q\nwant %q", format, code, errOut, out, want[format])
		}
	}
}

// The table sizes its columns to the first 200 rows; later rows stream
// through at those widths, however wide they are.
func TestQueryTableFitsTheFirstRowsAndStreamsTheRest(t *testing.T) {
	root := governedCLILake(t)
	code, out, errOut := tarn(t, "query", "--lake", root, "SELECT CASE WHEN i < 200 THEN i ELSE i * 1000 END AS n, 'x' AS s FROM (SELECT unnest(generate_series(0, 201)) AS i)")
	lines := strings.Split(out, "\n")
	if code != 0 || len(lines) != 205 {
		t.Fatalf("exit %d %s: %d lines", code, errOut, len(lines))
	}
	for i, want := range map[int]string{0: "n   | s", 1: "0   | x", 200: "199 | x", 201: "200000 | x", 202: "201000 | x", 203: "(202 rows)", 204: ""} {
		if lines[i] != want {
			t.Errorf("line %d is %q, want %q", i, lines[i], want)
		}
	}
}

// TestAReadOnlyLakeRefusesQueriesAndStillLists runs commands on a lake
// whose audit log cannot be written: a query prints no row and one line
// naming the log and the cause; the catalog is still listed.
func TestAReadOnlyLakeRefusesQueriesAndStillLists(t *testing.T) {
	root := testlake.ReadOnly(t, smallLake(t))
	code, out, errOut := tarn(t, "query", "--lake", root, "SELECT 1")
	audit := filepath.Join(root, lake.AuditFile)
	if code != 1 || out != "" || strings.Count(errOut, "\n") != 1 || !strings.Contains(errOut, "queries are refused: the audit log "+audit) {
		t.Errorf("exit %d, stdout %q, stderr %q: want exit 1, no rows, one line naming %s", code, out, errOut, audit)
	}
	if code, out, _ := tarn(t, "catalog", "--lake", root); code != 0 || !strings.Contains(out, "customers") {
		t.Errorf("catalog: exit %d\n%s", code, out)
	}
}
