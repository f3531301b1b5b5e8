package tui

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"

	"tarn/internal/testlake"
	"tarn/lake"
	"tarn/perms"
	"tarn/queries"
)

// smallFilesLake is the test lake with weblogs.small: 600 log rows in 30
// CSV files, the policy loaded after it was added.
func smallFilesLake(t *testing.T) (*lake.Lake, *perms.Policy) {
	l, _ := testLake(t)
	testlake.SmallFiles(t, l, "small", lake.Layout{Format: lake.CSV, Compression: lake.None, Files: 30}, 600)
	pol, err := queries.LoadPolicy(l)
	if err != nil {
		t.Fatal(err)
	}
	return l, pol
}

// onTable puts the catalog's cursor on a table and focuses the catalog.
func onTable(t *testing.T, a *App, name string) {
	t.Helper()
	press(a, f4)
	for i, n := range a.catalog.items {
		if n.table != nil && n.column == nil && n.table.Table.QualifiedName() == name {
			a.catalog.cursor = i
			return
		}
	}
	t.Fatalf("%s is not in the catalog", name)
}

func TestSmallFilesHint(t *testing.T) {
	for _, c := range []struct {
		fs   lake.FileStats
		want bool
	}{
		{lake.FileStats{Files: 10000, Bytes: 27 << 20}, true},
		{lake.FileStats{Files: 2, Bytes: 2 * (lake.SmallFileAverage - 1)}, true},
		{lake.FileStats{Files: 2, Bytes: 2 * lake.SmallFileAverage}, false},
		{lake.FileStats{Files: 1, Bytes: 10}, false}, // nothing to merge with
	} {
		if got := c.fs.SmallFiles(); got != c.want {
			t.Errorf("%+v: small files %v, want %v", c.fs, got, c.want)
		}
	}
	l, pol := smallFilesLake(t)
	for _, persona := range []string{"admin", "analyst"} {
		a := newTestApp(t, l, pol, persona, 120, 35)
		settle(a, a.Init())
		onTable(t, a, "weblogs.small")
		line := ansi.Strip(a.catalog.line(a.catalog.items[a.catalog.cursor]))
		if !strings.HasSuffix(line, "30 files 111.0 KiB small files") {
			t.Errorf("%s: catalog line %q", persona, line)
		}
		n := a.catalog.items[a.catalog.cursor]
		detail := tableDetail(a.ctx, n.table, a.catalog.stats[n.table.Table.QualifiedName()], true)
		want := map[string]string{"admin": "c in the catalog (or tarn compact) rewrites them", "analyst": "an administrator can compact them"}[persona]
		if !strings.Contains(detail, "small files  3.7 KiB a file on average, below 32.0 MiB") || !strings.Contains(detail, want) {
			t.Errorf("%s: the detail view lacks the hint:\n%s", persona, detail)
		}
	}
}

// An administrator compacts a table from the catalog: a confirmation,
// the work in a command, the comparison, and the catalog reloaded with the
// table's new folder; goldens of the three views at both sizes.
func TestCompactFromTheCatalog(t *testing.T) {
	l, pol := smallFilesLake(t)
	for _, size := range [][2]int{{120, 35}, {80, 24}} {
		a := newTestApp(t, l, pol, "admin", size[0], size[1])
		settle(a, a.Init())
		onTable(t, a, "weblogs.small")
		press(a, keyPress("c"))
		requireGolden(t, "confirm_"+sizeName(size), a.render())
		o := a.overlay.(*compactOverlay)
		o.progress.phase.Store(int32(compactRewriting))
		o.progress.step.Store(int32(slices.Index(lake.CompactSteps, lake.StepWrite)))
		o.progress.written.Store(12 << 20)
		o.progress.elapsed.Store(int64(2 * time.Second))
		requireGolden(t, "progress_"+sizeName(size), a.render())
		o.progress.phase.Store(int32(compactConfirming))
		o.finish(fixedCompaction(l))
		requireGolden(t, "comparison_"+sizeName(size), a.render())
	}

	a := newTestApp(t, l, pol, "admin", 120, 35)
	settle(a, a.Init())
	onTable(t, a, "weblogs.small")
	press(a, keyPress("c"), keyPress("enter"))
	view := ansi.Strip(a.render())
	for _, want := range []string{"before csv", "30 files", "after  csv", " 1 file ·", "full · before", "full · after", "projection · after"} {
		if !strings.Contains(view, want) {
			t.Errorf("the comparison lacks %q:\n%s", want, view)
		}
	}
	tab, _ := a.ctx.Lake.Catalog.Find("weblogs.small")
	if !strings.HasPrefix(tab.Location, "weblogs/small.compacted-") {
		t.Errorf("the workbench's catalog still has %s", tab.Location)
	}
	press(a, keyPress("esc"))
	if a.overlay != nil {
		t.Error("esc does not close the comparison")
	}
	if line := a.catalog.line(a.catalog.items[a.catalog.cursor]); strings.Contains(line, "small files") || !strings.Contains(line, "1 file") {
		t.Errorf("the catalog line after compacting: %q", line)
	}
}

// fixedCompaction is a finished compaction with fixed figures.
func fixedCompaction(l *lake.Lake) compactDoneMsg {
	before, _ := l.Catalog.Find("weblogs.small")
	after := before
	after.Location = "weblogs/small.compacted-20261125T030000"
	cell := func(query string, files int, ms float64, scanned int64) queries.BenchCell {
		c := queries.BenchCell{Table: "small", Query: query, Format: "csv", Compression: "none", Files: files, Rows: 600,
			DataScanned: scanned, CostUSD: queries.CostUSD(scanned)}
		c.TrimmedMS = ms
		return c
	}
	var b, a []queries.BenchCell
	for _, q := range []string{"full", "like", "projection"} {
		b, a = append(b, cell(q, 30, 40, 34_600)), append(a, cell(q, 1, 4, 33_200))
	}
	return compactDoneMsg{report: lake.CompactReport{Before: before, After: after, Rows: 600, Switched: true,
		BeforeFiles: lake.FileStats{Files: 30, Bytes: 34_600}, AfterFiles: lake.FileStats{Files: 1, Bytes: 33_200}}, before: b, after: a}
}

func TestCompactIsForAdministratorsAndCancels(t *testing.T) {
	l, pol := smallFilesLake(t)
	a := newTestApp(t, l, pol, "analyst", 120, 35)
	settle(a, a.Init())
	onTable(t, a, "weblogs.small")
	press(a, keyPress("c"))
	if view := ansi.Strip(a.render()); !strings.Contains(view, "Only a data lake administrator may compact a table's files; analyst is not one") {
		t.Errorf("analyst:\n%s", view)
	}

	a = newTestApp(t, l, pol, "admin", 120, 35)
	settle(a, a.Init())
	onTable(t, a, "weblogs.small")
	press(a, keyPress("c"))
	_, work := a.Update(keyPress("enter"))
	press(a, keyPress("esc")) // before the work has begun: it stops at once
	settle(a, work)
	if view := ansi.Strip(a.render()); !strings.Contains(view, "cancelled: weblogs.small is as it was") {
		t.Errorf("after esc:\n%s", view)
	}
	again, _ := lake.Open(l.Root)
	if tab, _ := again.Catalog.Find("weblogs.small"); tab.Location != "weblogs/small" {
		t.Errorf("the catalog changed: %s", tab.Location)
	}
	entries, _ := os.ReadDir(filepath.Join(l.Root, "weblogs"))
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if !slices.Equal(names, []string{"access_log", "small"}) {
		t.Errorf("weblogs/ holds %v, want access_log and small alone", names)
	}
}
