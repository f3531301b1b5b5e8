package tui

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"

	"tarn/lake"
	"tarn/perms"
	"tarn/queries"
	"tarn/themes"
)

// manyRows appends n synthetic rows to the results, a page at a time.
func manyRows(r *results, n int) {
	r.Reset([]queries.Column{{Name: "id", Type: "BIGINT"}, {Name: "host", Type: "VARCHAR"}, {Name: "path", Type: "VARCHAR"}})
	page := make([][]string, 0, pageRows)
	for i := 0; i < n; i++ {
		page = append(page, []string{strconv.Itoa(i), "192.168.10.190", "/services/ajax.php/kronolith/listTopTags"})
		if len(page) == pageRows || i == n-1 {
			r.Append(page, i == n-1)
			page = make([][]string, 0, pageRows)
		}
	}
}

func TestResultsKeepABoundedWindow(t *testing.T) {
	r := newResults(&Context{Keys: DefaultKeyMap()})
	r.SetSize(80, 20)
	manyRows(r, 1_000_000)
	if len(r.rows) > maxKeptRows || r.Fetched() != 1_000_000 {
		t.Fatalf("kept %d rows, fetched %d", len(r.rows), r.Fetched())
	}
	// The kept rows are the latest ones, numbered as fetched.
	if row, _ := r.current(); r.row != r.base || row[0] != strconv.Itoa(r.base) {
		t.Errorf("cursor at %d shows row %v", r.row, row)
	}
	r.Update(keyPress("up"))
	if !strings.Contains(r.Footer(), "released to bound memory") {
		t.Errorf("scrolling above the window says nothing: %s", r.Footer())
	}
}

// BenchmarkScrollKeypressView is one keypress while scrolling a 1M-row
// result, and the whole screen drawn after it. Target: under 16 ms.
func BenchmarkScrollKeypressView(b *testing.B) {
	l, pol := testLake(b)
	a := newTestApp(b, l, pol, "admin", 160, 48)
	a.seq++
	manyRows(a.results, 1_000_000)
	a.run.running = false
	a.setFocus(paneResults)
	a.results.row = a.results.base + 500
	down := keyPress("down")
	for b.Loop() {
		a.Update(down)
		if len(a.render()) == 0 {
			b.Fatal("nothing drawn")
		}
	}
}

// BenchmarkStartToFirstFrame opens the workbench on a demo lake (policy
// loaded, persona session opened) and draws the first frame.
func BenchmarkStartToFirstFrame(b *testing.B) {
	l, pol := testLake(b)
	for b.Loop() {
		startAndDraw(b, l, pol, "analyst", 120, 35)
	}
}

// startAndDraw opens the workbench as persona and draws its first frame
// at w x h: what the user waits for. The session, which opens meanwhile,
// is waited for and closed off the clock.
func startAndDraw(b *testing.B, l *lake.Lake, pol *perms.Policy, persona string, w, h int) {
	palettes, _ := themes.Load("")
	a, err := New(Options{Lake: l, Policy: pol, Persona: persona, Themes: palettes})
	if err != nil {
		b.Fatal(err)
	}
	a.Update(tea.WindowSizeMsg{Width: w, Height: h})
	mustDraw(b, a)
	b.StopTimer() // the session's open is BenchmarkSessionOpen's
	a.w.wait()
	a.w.shutdown()
	b.StartTimer()
}

// mustDraw draws the whole screen, as after every message.
func mustDraw(b *testing.B, a *App) {
	if a.render() == "" {
		b.Fatal("no frame")
	}
}

// BenchmarkTenMillionRowResultRSS pages through a 10M-row result the way
// the workbench does (fetch a page, keep a window) and reports the peak
// resident memory. Run it on its own: go test ./tui -run '^$' -bench RSS.
func BenchmarkTenMillionRowResultRSS(b *testing.B) {
	l, pol := testLake(b)
	a := newTestApp(b, l, pol, "admin", 120, 35)
	// 3,000 log rows x 1,000 x 4 = 12M rows.
	q := "SELECT a.host, a.path, b.status FROM weblogs.access_log_parquet_1 a, " +
		"(SELECT status FROM weblogs.access_log_parquet_1 LIMIT 1000) b, (SELECT 1 FROM weblogs.access_log_parquet_1 LIMIT 4) c"
	for b.Loop() {
		a.seq++
		msg := runCmd(context.Background(), a.w, a.seq, q)().(queryMsg)
		if msg.err != nil {
			b.Fatal(msg.err)
		}
		a.Update(msg)
		for !a.results.done {
			a.Update(fetchCmd(a.w, a.seq, 20*pageRows)().(queryMsg))
		}
		b.ReportMetric(float64(a.results.Fetched()), "rows")
		b.ReportMetric(float64(peakRSS()>>20), "peak-RSS-MB")
	}
}

func peakRSS() int64 {
	data, _ := os.ReadFile("/proc/self/status")
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			var kb int64
			fmt.Sscan(rest, &kb)
			return kb << 10
		}
	}
	return 0
}
