package tui

import (
	"fmt"
	"strings"
	"time"

	"tarn/internal/units"
	"tarn/queries"
)

// runState is what the stats panel shows of the current query.
type runState struct {
	running   bool
	paused    bool // rows are open, waiting for the cursor to ask for more
	measuring bool
	started   time.Time
	stats     queries.Stats
	timing    *queries.Timing // set after F6
	err       string
	// text and columns are the query and its result's columns as DuckDB
	// names them (the grid shows them printable): a column profile
	// profiles the result through its query.
	text    string
	columns []queries.Column
}

// statsView renders the stats panel: state, times, rows, data scanned,
// billed bytes and cost, the workgroup and its limit.
func statsView(ctx *Context, rs runState, width int, now time.Time) string {
	st := ctx.Styles
	s := rs.stats
	state := s.State
	if state == "" {
		state = "—"
	}
	if rs.running {
		state = spinner(now) + " " + queries.Running
		if rs.paused {
			state += " (more on scroll)"
		}
	}
	if rs.measuring {
		state = spinner(now) + " MEASURING"
	}
	stateStyle := st.Text
	switch state {
	case queries.Succeeded:
		stateStyle = st.Success
	case queries.Failed, queries.Refused:
		stateStyle = st.Error
	case queries.Cancelled:
		stateStyle = st.Warning
	}
	if rs.running || rs.measuring {
		stateStyle = st.Warning
	}
	lines := []string{stateStyle.Bold(true).Render(state)}
	elapsed := s.TotalMS
	if (rs.running && !rs.paused) || rs.measuring {
		elapsed = float64(now.Sub(rs.started).Microseconds()) / 1000
	}
	add := func(label, value string) {
		lines = append(lines, st.Muted.Render(label)+" "+st.Text.Render(value))
	}
	add("elapsed", ms(elapsed))
	if rs.timing != nil {
		add("trimmed", ms(rs.timing.TrimmedMS)+fmt.Sprintf(" (n=%d)", len(rs.timing.RunsMS)))
		add("spread", fmt.Sprintf("%.0f%%", 100*rs.timing.Spread))
	}
	add("rows", queries.FormatCount(s.Rows))
	add("scanned", units.Bytes(s.DataScanned))
	if s.Copies > 0 {
		add("read", "tarn's copy") // of a table's many small files: same rows and figures, less time
	}
	add("billed", units.Bytes(s.BilledBytes))
	add("cost", queries.FormatUSD(s.CostUSD))
	add("engine", ms(s.EngineMS))
	add("fetch", ms(s.FetchMS))
	if s.IdleMS > 0 {
		add("idle", ms(s.IdleMS)) // open, waiting for the cursor: not in elapsed
	}
	add("1st row", ms(s.FirstRowMS))
	wg := ctx.Workgroup
	limit := "no limit"
	if wg.BytesScannedCutoff > 0 {
		limit = units.Bytes(wg.BytesScannedCutoff) + "/query"
	}
	add("workgroup", wg.Name)
	add("limit", limit)
	for i, l := range lines {
		lines[i] = truncate(l, width)
	}
	return strings.Join(lines, "\n")
}

func ms(x float64) string {
	if x >= 1000 {
		return fmt.Sprintf("%.2f s", x/1000)
	}
	return fmt.Sprintf("%.1f ms", x)
}

// spinner is a frame that turns with the clock while work runs (the
// running state redraws every 100 ms).
func spinner(now time.Time) string {
	frames := []string{"⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"}
	return frames[now.UnixMilli()/100%int64(len(frames))]
}
