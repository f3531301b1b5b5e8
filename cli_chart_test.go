package main

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"tarn/queries"
)

// TestBenchChartHoldsEveryFigure checks the chart a person would put on a
// slide: a panel per query, and every cell's local and Athena figure as
// text, as the JSON report gives them.
func TestBenchChartHoldsEveryFigure(t *testing.T) {
	root := governedCLILake(t)
	svg := filepath.Join(t.TempDir(), "bench.svg")
	code, out, errOut := tarn(t, "bench", "--lake", root, "--format", "json", "--files", "1", "--formats", "csv,parquet",
		"--compression", "none", "--queries", "full,like", "--runs", "1", "--warmup", "0", "--chart", svg)
	if code != 0 {
		t.Fatalf("bench --chart: exit %d: %s", code, errOut)
	}
	var doc benchReport
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	b, err := os.ReadFile(svg)
	if err != nil {
		t.Fatal(err)
	}
	text := string(b)
	if len(doc.Cells) != 4 {
		t.Fatalf("%d cells, want 4", len(doc.Cells))
	}
	for _, c := range doc.Cells {
		if c.AthenaS == nil {
			t.Fatalf("cell %s %s has no Athena figure", c.Table, c.Query)
		}
		for _, want := range []string{"query: " + c.Query, c.Format + " · 1 file", fmt.Sprintf(">%.1f ms</text>", c.TrimmedMS), fmt.Sprintf(">%.2f s</text>", *c.AthenaS)} {
			if !strings.Contains(text, want) {
				t.Errorf("the chart lacks %q (cell %s %s)", want, c.Table, c.Query)
			}
		}
	}
	if !strings.Contains(errOut, "wrote "+svg) {
		t.Errorf("bench did not say where the chart went: %s", errOut)
	}
}

// TestQueryChartPlotsTheResult writes the bars of a GROUP BY and checks
// they carry the values the same query prints; a histogram of every row
// says how many it draws; bad flags are refused naming the cause, and no
// file is left behind.
func TestQueryChartPlotsTheResult(t *testing.T) {
	root := governedCLILake(t)
	dir := t.TempDir()
	const q = "SELECT status, count(*) AS n FROM weblogs.access_log_parquet_1 GROUP BY 1 ORDER BY 1"
	code, out, errOut := tarn(t, "query", "--lake", root, "--format", "csv", q)
	records, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if code != 0 || err != nil || len(records) < 2 {
		t.Fatalf("csv: exit %d, %v: %s", code, err, errOut)
	}
	bars := filepath.Join(dir, "status.svg")
	if code, out, errOut = tarn(t, "query", "--lake", root, "--chart", bars, q); code != 0 || out != "" {
		t.Fatalf("--chart: exit %d, printed %q: %s", code, out, errOut)
	}
	b, _ := os.ReadFile(bars)
	for _, r := range records[1:] {
		for _, v := range r {
			if !strings.Contains(string(b), ">"+v+"</text>") {
				t.Errorf("the bar chart lacks the value %s", v)
			}
		}
	}
	if !strings.Contains(errOut, "bar: n by status") {
		t.Errorf("the kind chosen for a GROUP BY: %s", errOut)
	}

	_, out, _ = tarn(t, "query", "--lake", root, "--format", "csv", "SELECT count(*) FROM weblogs.access_log_parquet_1")
	total, _ := strconv.ParseInt(strings.TrimSpace(strings.Split(out, "\n")[1]), 10, 64)
	want := queries.Plural(int(total), "row")
	if total > maxHistogramRows {
		want = fmt.Sprintf("the first %s of %s rows", queries.FormatCount(maxHistogramRows), queries.FormatCount(total))
	}
	hist := filepath.Join(dir, "size.svg")
	code, _, errOut = tarn(t, "query", "--lake", root, "--chart", hist, "SELECT size FROM weblogs.access_log_parquet_1")
	b, _ = os.ReadFile(hist)
	if code != 0 || !strings.Contains(string(b), want) || !strings.Contains(errOut, "histogram: rows by size") {
		t.Errorf("histogram: exit %d, want the note %q: %s", code, want, errOut)
	}
	scatter := filepath.Join(dir, "scatter.svg")
	code, _, errOut = tarn(t, "query", "--lake", root, "--chart", scatter, "--chart-kind", "scatter", "--x", "size", "--y", "status", "SELECT size, status FROM weblogs.access_log_parquet_1")
	want = queries.Plural(int(total), "row")
	if total > maxChartRows {
		want = fmt.Sprintf("the first %s of %s rows", queries.FormatCount(maxChartRows), queries.FormatCount(total))
	}
	if b, _ = os.ReadFile(scatter); code != 0 || !strings.Contains(string(b), want) {
		t.Errorf("scatter: exit %d, want the note %q: %s", code, want, errOut)
	}

	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"--x", "nope"}, `--x "nope": the result has no such column (it has status, n)`},
		{[]string{"--chart-kind", "pie"}, `--chart-kind: no plot kind "pie"`},
		{[]string{"--chart-kind", "line", "--x", "n", "--y", "status"}, ""},
		{[]string{"--chart-kind", "histogram", "--x", "status"}, ""},
	} {
		path := filepath.Join(dir, "bad.svg")
		os.Remove(path)
		code, _, errOut := tarn(t, append(append([]string{"query", "--lake", root, "--chart", path}, tt.args...), q)...)
		_, statErr := os.Stat(path)
		switch {
		case tt.want == "" && (code != 0 || statErr != nil):
			t.Errorf("%v: exit %d (%v): %s", tt.args, code, statErr, errOut)
		case tt.want != "" && (code == 0 || !strings.Contains(errOut, tt.want) || statErr == nil):
			t.Errorf("%v: exit %d, file left: %v, stderr %q; want %q", tt.args, code, statErr == nil, errOut, tt.want)
		}
	}
	code, _, errOut = tarn(t, "query", "--lake", root, "--chart", filepath.Join(dir, "by-n.svg"), "--x", "n", q)
	if code != 0 || !strings.Contains(errOut, "status by n") {
		t.Errorf("--x n alone: exit %d, %s; want y moved off n, to status", code, errOut)
	}
}

// A chart is written where an export may go: never inside the lake, where
// it could stand in for policy.toml or join a table's files.
func TestAChartIsNeverWrittenInsideTheLake(t *testing.T) {
	root := governedCLILake(t)
	policy, _ := os.ReadFile(filepath.Join(root, "policy.toml"))
	const q = "SELECT status, count(*) AS n FROM weblogs.access_log_parquet_1 GROUP BY 1"
	for _, path := range []string{filepath.Join(root, "policy.toml"), filepath.Join(root, "weblogs", "plot.svg")} {
		code, _, errOut := tarn(t, "query", "--lake", root, "--persona", "analyst", "--chart", path, q)
		if code != 1 || !strings.Contains(errOut, "inside the lake") {
			t.Errorf("--chart %s: exit %d: %s", path, code, errOut)
		}
	}
	if now, _ := os.ReadFile(filepath.Join(root, "policy.toml")); string(now) != string(policy) {
		t.Error("a chart replaced policy.toml")
	}
	if _, err := os.Stat(filepath.Join(root, "weblogs", "plot.svg")); err == nil {
		t.Error("a chart was written into the lake")
	}
}
