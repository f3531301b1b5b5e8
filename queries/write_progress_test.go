package queries_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"tarn/internal/testlake"
	"tarn/queries"
)

func TestWriteProgressTimeLeft(t *testing.T) {
	cases := []struct {
		name    string
		percent float64
		elapsed time.Duration
		left    time.Duration
		known   bool
		line    string // the end of String
	}{
		{"no estimate", -1, 10 * time.Second, 0, false, ", 10s"},
		{"DuckDB's 0 of a query it cannot estimate", 0, 10 * time.Second, 0, false, ", 10s"},
		{"under 1%", 0.5, 10 * time.Second, 0, false, ", 10s"},
		{"under a second", 50, 900 * time.Millisecond, 0, false, ", 50%"},
		{"half way", 50, 10 * time.Second, 10 * time.Second, true, ", 50%, ~10s left"},
		{"a quarter", 25, 3 * time.Second, 9 * time.Second, true, ", 25%, ~9s left"},
		{"at 1%", 1, 2 * time.Second, 198 * time.Second, true, ", 1%, ~3m18s left"},
		{"almost done", 99.9, 20 * time.Second, 0, true, ", 99%, ~0s left"},
		{"done", 100, 20 * time.Second, 0, false, ", 100%"},
	}
	for _, c := range cases {
		p := queries.WriteProgress{Rows: 10, Bytes: 100, Elapsed: c.elapsed, Percent: c.percent}
		left, known := p.Left()
		if left != c.left || known != c.known {
			t.Errorf("%s: Left() = %v, %v; want %v, %v", c.name, left, known, c.left, c.known)
		}
		if s := p.String(); !strings.HasSuffix(s, c.line) {
			t.Errorf("%s: %q does not end %q", c.name, s, c.line)
		}
	}
}

// readSlowly runs text and takes its rows through meter, pausing after
// each chunk as a slow disk would, until the rows end or enough time has
// passed; meanwhile it reads the meter as a progress line does.
func readSlowly(t *testing.T, s *queries.Session, text string, pause, enough time.Duration) (readings []queries.WriteProgress, took time.Duration) {
	t.Helper()
	meter := queries.NewWriteMeter()
	r, err := s.Run(context.Background(), text)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			select {
			case <-done:
				return
			case <-time.After(20 * time.Millisecond):
				readings = append(readings, meter.Progress())
			}
		}
	})
	start := time.Now()
	for rows := meter.Rows(r); rows.Next() && time.Since(start) < enough; {
		time.Sleep(pause)
	}
	took = time.Since(start)
	close(done)
	wg.Wait()
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	return readings, took
}

// While a result's rows are written, the meter gives DuckDB's percentage
// of a scan, rising, and a time left close to what the rest took; DuckDB
// prints nothing of its own on the process's stderr (its progress bar
// would, after two seconds, without enable_progress_bar_print=false).
func TestMeterGivesDuckDBsPercentageAndTimeLeft(t *testing.T) {
	l, pol := governedLake(t)
	testlake.Numbers(t, l, "big", 300_000) // 147 chunks
	s := open(t, l, pol, "admin")
	var readings []queries.WriteProgress
	var took time.Duration
	printed := captureStderr(t, func() {
		readings, took = readSlowly(t, s, "SELECT * FROM weblogs.big", 20*time.Millisecond, time.Minute)
	})
	if printed != "" {
		t.Errorf("DuckDB printed to stderr: %q", printed)
	}
	var percents []float64
	var timed []queries.WriteProgress
	for _, p := range readings {
		if p.Percent >= 1 && (len(percents) == 0 || p.Percent != percents[len(percents)-1]) {
			percents = append(percents, p.Percent)
		}
		if _, ok := p.Left(); ok && p.Percent >= 20 {
			timed = append(timed, p)
		}
	}
	if len(percents) < 5 {
		t.Fatalf("DuckDB's percentage took %d values while the rows were written: %v", len(percents), percents)
	}
	for i := 1; i < len(percents); i++ {
		if percents[i] < percents[i-1] {
			t.Errorf("the percentage went back: %v", percents)
		}
	}
	if len(timed) == 0 {
		t.Fatalf("no reading past 20%% and a second gave a time left: %v", readings)
	}
	for _, p := range timed {
		left, _ := p.Left()
		if ratio := float64(p.Elapsed+left) / float64(took); ratio < 0.5 || ratio > 2 {
			t.Errorf("at %.0f%% after %v the meter said %v left; the rows took %v in all", p.Percent, p.Elapsed, left, took)
		}
		if line := p.String(); !strings.Contains(line, fmt.Sprintf(", %d%%, ~", int(p.Percent))) || !strings.HasSuffix(line, " left") {
			t.Errorf("progress line %q", line)
		}
	}
}

// Where DuckDB cannot estimate a query (rows made by a function, not read
// from files) the line gives no percentage and no time left; nor once the
// estimate is overtaken: a cross join reads its first input once, and
// DuckDB's figure then stays put while rows keep coming.
func TestMeterGivesNoEstimateWhereDuckDBHasNone(t *testing.T) {
	l, pol := governedLake(t)
	s := open(t, l, pol, "admin")
	for _, c := range []struct{ name, text string }{
		{"generated rows", "SELECT unnest(generate_series(1, 300000)) AS i"},
		{"cross join", "SELECT a.host FROM weblogs.access_log_csv_1 a, weblogs.access_log_csv_1 b, weblogs.access_log_csv_1 c"},
	} {
		readings, _ := readSlowly(t, s, c.text, 10*time.Millisecond, 2500*time.Millisecond)
		late := 0
		for _, p := range readings {
			if p.Elapsed < 2*time.Second {
				continue
			}
			late++
			if _, ok := p.Left(); ok || strings.Contains(p.String(), "%") {
				t.Errorf("%s: %q after %v", c.name, p, p.Elapsed)
			}
		}
		if late == 0 {
			t.Errorf("%s: no reading after 2 s", c.name)
		}
	}
}

// A persona cannot turn DuckDB's own progress bar back on.
func TestPersonaCannotSetTheProgressBar(t *testing.T) {
	l, pol := governedLake(t)
	for _, persona := range []string{"admin", "analyst"} {
		s := open(t, l, pol, persona)
		for _, q := range []string{"SET enable_progress_bar_print = true", "SET enable_progress_bar = false", "RESET enable_progress_bar_print"} {
			if r, err := s.Run(context.Background(), q); err == nil {
				r.Close()
				t.Errorf("%s ran %q", persona, q)
			}
		}
	}
}
