package main

import (
	"encoding/json"
	"strings"
	"testing"
)

// benchCell is what these tests read of a bench JSON cell.
type benchCell struct {
	Table       string   `json:"table"`
	Query       string   `json:"query"`
	Rows        int64    `json:"rows"`
	Trimmed     float64  `json:"trimmed_mean_ms"`
	DataScanned int64    `json:"data_scanned_bytes"`
	Cost        float64  `json:"cost_usd"`
	AthenaS     *float64 `json:"athena_s"`
	Error       string   `json:"error"`
	Plain       *struct {
		RunsMS  []float64 `json:"runs_ms"`
		Trimmed float64   `json:"trimmed_mean_ms"`
	} `json:"plain_duckdb"`
	TarnOverPlain float64 `json:"tarn_over_plain"`
}

// `demo --scale 2` adds the log twice as long; bench --beside-duckdb times
// each query in plain DuckDB too, over the same files (the same rows,
// checked), and data scanned and cost grow with the rows. Only an
// administrator may read files outside governance.
func TestBenchScaledTablesBesideDuckDB(t *testing.T) {
	if testing.Short() {
		t.Skip("writes the demo lake and the log twice as long (about 300 MB)")
	}
	root := smallLake(t)
	if code, _, errOut := tarn(t, "demo", "--scale", "2", "--lake", root); code != 0 || !strings.Contains(errOut, "weblogs.logs_x2_csv_100") {
		t.Fatalf("demo --scale 2: exit %d: %s", code, errOut)
	}
	tables := "weblogs.access_log_parquet_1,weblogs.logs_x2_parquet_1,weblogs.access_log_csv_1,weblogs.logs_x2_csv_100"
	code, out, errOut := tarn(t, "bench", "--lake", root, "--tables", tables, "--queries", "full,like", "--runs", "3", "--beside-duckdb", "--format", "json")
	if code != 0 {
		t.Fatalf("bench: exit %d: %s", code, errOut)
	}
	var doc struct{ Cells []benchCell }
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	cells := map[string]benchCell{}
	for _, c := range doc.Cells {
		cells[c.Table+" "+c.Query] = c
		if c.Error != "" || c.Plain == nil || len(c.Plain.RunsMS) != 3 || c.Plain.Trimmed <= 0 || c.TarnOverPlain != c.Trimmed/c.Plain.Trimmed {
			t.Errorf("%s %s: error %q, plain DuckDB %+v, tarn/plain %v", c.Table, c.Query, c.Error, c.Plain, c.TarnOverPlain)
		}
		if scaled := strings.HasPrefix(c.Table, "logs_x2"); scaled != (c.AthenaS == nil) {
			t.Errorf("%s %s: Athena figure %v; the source timed the 1x log only", c.Table, c.Query, c.AthenaS)
		}
	}
	if len(cells) != 8 {
		t.Fatalf("%d cells, want 8", len(cells))
	}
	for _, pair := range [][2]string{{"access_log_parquet_1", "logs_x2_parquet_1"}, {"access_log_csv_1", "logs_x2_csv_100"}} {
		for _, q := range []string{"full", "like"} {
			one, two := cells[pair[0]+" "+q], cells[pair[1]+" "+q]
			// The full scan has exactly twice the rows; LIKE about twice (the same distribution).
			if x := float64(two.Rows) / float64(one.Rows); x < 1.95 || x > 2.05 || (q == "full" && two.Rows != 2*one.Rows) {
				t.Errorf("%s %s: %d rows, %s %d", pair[1], q, two.Rows, pair[0], one.Rows)
			}
			if x := float64(two.DataScanned) / float64(one.DataScanned); x < 1.9 || x > 2.1 {
				t.Errorf("%s %s: data scanned %.2fx the 1x log's; want about 2x", pair[1], q, x)
			}
			// Cost follows data scanned above Athena's 10 MB minimum bill.
			if x := two.Cost / one.Cost; x < 1 || (one.DataScanned > 10<<20 && (x < 1.9 || x > 2.1)) {
				t.Errorf("%s %s: cost $%v against $%v", pair[1], q, two.Cost, one.Cost)
			}
		}
	}
	code, out, _ = tarn(t, "bench", "--lake", root, "--tables", "weblogs.logs_x2_parquet_1", "--queries", "like", "--runs", "1", "--beside-duckdb")
	for _, want := range []string{"plain DuckDB  tarn/plain", "Worst cell: logs_x2_parquet_1 like, tarn "} {
		if code != 0 || !strings.Contains(out, want) {
			t.Errorf("table output lacks %q:\n%s", want, out)
		}
	}
	// The source's grids are its log's layouts: the log twice as long is in none.
	for _, grid := range []string{"Full scan by files and format", "Query by format", "rows/file"} {
		if strings.Contains(out, grid) {
			t.Errorf("the scaled table is in the source's grid %q:\n%s", grid, out)
		}
	}
	code, _, errOut = tarn(t, "bench", "--lake", root, "--tables", "weblogs.logs_x2_parquet_1", "--beside-duckdb", "--persona", "analyst")
	if code == 0 || !strings.Contains(errOut, "--beside-duckdb reads the files outside tarn's governance: administrators only") {
		t.Errorf("an analyst's bench beside DuckDB: exit %d: %s", code, errOut)
	}
}
