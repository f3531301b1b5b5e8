package tui

import (
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"tarn/queries"
)

type statsProbe struct{ reply chan queries.Stats }

func init() {
	probeHooks = append(probeHooks, func(a *App, msg tea.Msg) bool {
		if m, ok := msg.(statsProbe); ok {
			m.reply <- a.run.stats
			return true
		}
		return false
	})
}

// stats are the figures the stats pane shows now.
func (f *flow) stats() queries.Stats {
	reply := make(chan queries.Stats, 1)
	f.tm.Send(statsProbe{reply})
	return answer(f, reply)
}

// bigResult has more rows than the workbench fetches on its own, so the
// result stays open between pages, waiting for the cursor.
const bigResult = "SELECT a.host FROM weblogs.access_log_parquet_1 a CROSS JOIN (SELECT 1 FROM weblogs.access_log_parquet_1 LIMIT 10) b"

// The time a result waits open for its reader is not query time: elapsed,
// fetch and the history count only tarn's work, the wait shows as idle.
func TestFlowIdleTimeIsNotQueryTime(t *testing.T) {
	f := startFlow(t, "admin")
	start := time.Now()
	f.run(bigResult)
	// Between pages: "more to fetch" shows already while the first
	// pages still come, before the result waits.
	f.waitFor("RUNNING (more on", "of 20,480 fetched")
	const wait = 1500 * time.Millisecond
	time.Sleep(wait)
	f.tm.Send(tea.KeyPressMsg{Code: tea.KeyF3}) // the results
	for !strings.Contains(f.screen(), queries.Succeeded) {
		f.keys("G")
		time.Sleep(20 * time.Millisecond)
		if time.Since(start) > time.Minute {
			t.Fatalf("the rest never came:\n%s", f.screen())
		}
	}
	wall := float64(time.Since(start).Milliseconds())
	st := f.stats()
	if st.Rows != 30000 {
		t.Fatalf("rows %d, want 30,000", st.Rows)
	}
	waited := float64(wait.Milliseconds())
	if st.IdleMS < waited {
		t.Errorf("idle %.1f ms, but the result waited %.0f ms for the cursor", st.IdleMS, waited)
	}
	if st.TotalMS > wall-waited || st.FetchMS > wall-waited {
		t.Errorf("elapsed %.1f ms, fetch %.1f ms count the %.0f ms wait (the whole run took %.0f ms)", st.TotalMS, st.FetchMS, waited, wall)
	}
	if s := f.screen(); !strings.Contains(s, "idle") || !strings.Contains(s, ms(st.TotalMS)) {
		t.Errorf("the stats pane lacks elapsed %s or the idle time:\n%s", ms(st.TotalMS), s)
	}
	var last queries.Query
	if _, err := queries.ReadHistory(f.root, "primary", func(q queries.Query) { last = q }); err != nil {
		t.Fatal(err)
	}
	if last.TotalMS != st.TotalMS || last.FetchMS != st.FetchMS || last.IdleMS != st.IdleMS {
		t.Errorf("history records total %.1f, fetch %.1f, idle %.1f; the pane showed %.1f, %.1f, %.1f",
			last.TotalMS, last.FetchMS, last.IdleMS, st.TotalMS, st.FetchMS, st.IdleMS)
	}
}

// A result cancelled while it waits for the cursor, or while its first
// pages come, does not claim to hold all its rows.
func TestFlowCancelledResultSaysRowsAreMissing(t *testing.T) {
	for name, shown := range map[string]string{"between pages": "of 20,480 fetched", "while fetching": "more to fetch"} {
		t.Run(name, func(t *testing.T) {
			f := startFlow(t, "admin")
			f.run(bigResult)
			f.waitFor("RUNNING (more on", shown)
			f.keys("esc")
			s := f.waitFor("CANCELLED", "cancelled before the last row")
			if strings.Contains(s, "all rows") || strings.Contains(s, "of 30,000 fetched") {
				t.Errorf("the footer of a cancelled result:\n%s", s)
			}
		})
	}
}
