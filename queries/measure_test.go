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

func TestAthenaBilling(t *testing.T) {
	const mb = 1 << 20
	cases := []struct{ scanned, billed int64 }{
		{0, 0},               // nothing scanned, nothing billed
		{1, 10 * mb},         // the 10 MB minimum
		{10 * mb, 10 * mb},   // exactly the minimum
		{10*mb + 1, 11 * mb}, // rounded up to the next MB
		{27673977, 27 * mb},  // the 1-file CSV log: 26.39 MB -> 27 MB
		{1 << 40, 1 << 40},   // a terabyte
	}
	for _, c := range cases {
		if got := queries.BilledBytes(c.scanned); got != c.billed {
			t.Errorf("BilledBytes(%d) = %d, want %d", c.scanned, got, c.billed)
		}
	}
	if got := queries.CostUSD(1 << 40); got != 5 {
		t.Errorf("a terabyte costs %v, want $5", got)
	}
	if got := queries.CostUSD(1); math.Abs(got-10*5.0/(1<<20)) > 1e-15 {
		t.Errorf("the minimum costs %v", got)
	}
}
