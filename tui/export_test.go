package tui

import (
	"os"
	"testing"

	"tarn/internal/testlake"
)

// An export shows its progress in the status bar as it writes, and esc
// cancels it: the status says so and the destination's folder is as it
// was, holding no file, whole or partial.
func TestFlowExportShowsProgressAndEscLeavesNoFile(t *testing.T) {
	f := startFlow(t, "admin")
	t.Cleanup(func() { f.keys("esc") }) // a failed test's export ends too, so the workbench can close
	// 3,000 log lines cubed: 27 billion rows, more than any test waits for
	f.run("SELECT a.host, a.path FROM weblogs.access_log_csv_1 a, weblogs.access_log_csv_1 b, weblogs.access_log_csv_1 c")
	f.waitFor("column 1/2")
	dir := t.TempDir()
	f.exportTo(dir + "/endless.csv")
	f.waitFor("esc cancels · exporting endless.csv: ", " rows, ", "/s, ")
	f.keys("esc")
	f.waitFor("export cancelled after", "endless.csv was not written")
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("the cancelled export left %s", entries[0].Name())
	}
	f.run("SELECT 42 AS answer")
	f.waitFor("SUCCEEDED", "42") // the workbench runs queries again
}

// An export of a scan shows DuckDB's percentage and the time left in the
// status bar as it writes.
func TestFlowExportShowsPercentageAndTimeLeft(t *testing.T) {
	l, pol := testLake(t)
	testlake.Numbers(t, l, "numbers", 3_000_000)
	f := startFlowOn(t, l, pol, "admin")
	t.Cleanup(func() { f.keys("esc") })
	f.run("SELECT * FROM weblogs.numbers")
	f.waitFor("column 1/2")
	f.exportTo(t.TempDir() + "/numbers.json")
	f.waitFor("esc cancels · exporting numbers.json: ", "%, ~", "s left")
	f.keys("esc")
	f.waitFor("export cancelled after")
}
