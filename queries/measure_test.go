package queries_test

import (
	"errors"
	"math"
	"strings"
	"testing"

	"tarn/queries"
)

func TestSummarizeAgainstHandComputedCases(t *testing.T) {
	cases := []struct {
		name                   string
		runs                   []float64
		min, median, max, mean float64
		trimmed                bool
		spread                 float64
	}{
		// The source's method: drop 1.2 and 9.0, average 2, 3, 4.
		{"five runs", []float64{3, 9, 2, 1.2, 4}, 1.2, 3, 9, 3, true, 7.8 / 3},
		// Ties: only one of the equal largest (and smallest) values is dropped.
		{"ties at both ends", []float64{5, 1, 5, 1, 3}, 1, 3, 5, 3, true, 4.0 / 3},
		{"all equal", []float64{2, 2, 2, 2}, 2, 2, 2, 2, true, 0},
		// Even count: the median is the mean of the middle two.
		{"four runs", []float64{10, 40, 20, 30}, 10, 25, 40, 25, true, 30.0 / 25},
		{"three runs keep one", []float64{7, 1, 4}, 1, 4, 7, 4, true, 6.0 / 4},
		// Fewer than three: nothing can be dropped, so a plain mean.
		{"two runs", []float64{1, 3}, 1, 2, 3, 2, false, 1},
		{"one run", []float64{5}, 5, 5, 5, 5, false, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := queries.Summarize(c.runs, false)
			near := func(a, b float64) bool { return math.Abs(a-b) < 1e-9 }
			if !near(got.MinMS, c.min) || !near(got.MedianMS, c.median) || !near(got.MaxMS, c.max) ||
				!near(got.TrimmedMS, c.mean) || got.Trimmed != c.trimmed || !near(got.Spread, c.spread) {
				t.Errorf("got min %v median %v max %v mean %v trimmed %v spread %v", got.MinMS, got.MedianMS, got.MaxMS, got.TrimmedMS, got.Trimmed, got.Spread)
			}
			if len(got.RunsMS) != len(c.runs) || got.RunsMS[0] != c.runs[0] {
				t.Errorf("runs %v, want every run in order %v", got.RunsMS, c.runs)
			}
		})
	}
	if m := queries.Summarize([]float64{1, 3}, false).Method(); !strings.Contains(m, "plain mean of 2 runs") {
		t.Errorf("n<3 method %q does not say it is a plain mean", m)
	}
}

func TestMeasureWarmsUpAndSaysSo(t *testing.T) {
	calls := 0
	run := func() (float64, error) { calls++; return float64(calls), nil }
	tm, err := queries.Measure(5, 1, run)
	if err != nil {
		t.Fatal(err)
	}
	// The warm-up returned 1 and is not recorded; runs are 2..6.
	if calls != 6 || tm.RunsMS[0] != 2 || tm.TrimmedMS != 4 || tm.ColdIncluded {
		t.Errorf("calls %d, timing %+v", calls, tm)
	}
	if !strings.Contains(tm.Method(), "after a warm-up run") {
		t.Errorf("method %q does not mention the warm-up", tm.Method())
	}
	cold, _ := queries.Measure(3, 0, run)
	if !cold.ColdIncluded || !strings.Contains(cold.Method(), "cold run included") {
		t.Errorf("no warm-up must say the cold run is included: %+v", cold)
	}
	boom := errors.New("boom")
	if _, err := queries.Measure(5, 0, func() (float64, error) { return 0, boom }); !errors.Is(err, boom) {
		t.Errorf("error %v, want the run's error", err)
	}
}

// Athena's rule at its edges: $5 per TiB, rounded up to the next MiB
// with a 10 MiB minimum; failed queries free, cancelled ones charged.
func TestAthenaBilling(t *testing.T) {
	const mb = 1 << 20
	const usdPerMB = 5.0 / (1 << 20) // $5 per 2^20 MiB
	cases := []struct {
		name    string
		state   string
		scanned int64
		billed  int64
		usd     float64
	}{
		{"nothing scanned", queries.Succeeded, 0, 0, 0},
		{"one byte: the minimum", queries.Succeeded, 1, 10 * mb, 10 * usdPerMB},
		{"exactly the minimum", queries.Succeeded, 10 * mb, 10 * mb, 10 * usdPerMB},
		{"one byte over: the next MiB", queries.Succeeded, 10*mb + 1, 11 * mb, 11 * usdPerMB},
		{"the 1-file CSV log", queries.Succeeded, 27673977, 27 * mb, 27 * usdPerMB},
		{"a TiB", queries.Succeeded, 1 << 40, 1 << 40, 5},
		{"failed", queries.Failed, 5 * mb, 0, 0},
		{"refused", queries.Refused, 5 * mb, 0, 0},
		{"cancelled: what it scanned", queries.Cancelled, 30*mb + 1, 31 * mb, 31 * usdPerMB},
		{"cancelled small: the minimum", queries.Cancelled, 1, 10 * mb, 10 * usdPerMB},
	}
	for _, c := range cases {
		billed, usd := queries.Bill(c.state, c.scanned)
		if billed != c.billed || usd != c.usd { // exact: whole MiB are binary fractions of a TiB
			t.Errorf("%s: Bill(%s, %d) = %d bytes, $%v; want %d, $%v", c.name, c.state, c.scanned, billed, usd, c.billed, c.usd)
		}
	}
	if got := queries.FormatUSD(10 * usdPerMB); got != "$0.0000477" {
		t.Errorf("the minimum shows as %s", got)
	}
}
