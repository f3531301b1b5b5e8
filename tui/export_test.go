package tui

import (
	"os"
	"testing"
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
