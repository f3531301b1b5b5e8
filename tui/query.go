package tui

import (
	"context"
	"errors"

	tea "charm.land/bubbletea/v2"

	"tarn/lake"
	"tarn/perms"
	"tarn/queries"
)

// pageRows is how many rows one fetch asks for (whole DuckDB chunks, so a
// little more): a screen or two ahead of the cursor.
const pageRows = 1000

// queryMsg answers a run or a fetch. seq ties it to the run that asked:
// the root model drops replies to a run it has since replaced.
type queryMsg struct {
	seq     int
	started bool // the first reply of a run: columns are set
	columns []queries.Column
	rows    [][]string
	done    bool // no more rows: the result is closed and stats are final
	stats   queries.Stats
	err     error
	reload  *reloaded // the session followed a change of the policy or catalog
}

// reloaded is what a session reloaded when lake.toml or policy.toml
// changed under it (an edit in another workbench or shell): the
// workbench shows what the statement ran under.
type reloaded struct {
	lake  *lake.Lake
	pol   *perms.Policy
	vis   perms.Visibility
	saved []queries.Saved
}

// followed says what the session reloaded since the worker last looked.
func (w *worker) followed(s *queries.Session) *reloaded {
	if s.Generation == w.generation {
		return nil
	}
	w.generation = s.Generation
	saved, _ := queries.LoadSavedFor(s.Lake.Root, s.Lake.Catalog, s.Visibility)
	return &reloaded{lake: s.Lake, pol: s.Policy, vis: s.Visibility, saved: saved}
}

// runCmd starts text on the worker's session and fetches the first page.
func runCmd(ctx context.Context, w *worker, seq int, text string) tea.Cmd {
	return func() tea.Msg {
		msg := queryMsg{seq: seq, started: true}
		msg.err = w.do(func(s *queries.Session) error {
			w.closeOpen()
			r, err := s.Run(ctx, text)
			msg.reload = w.followed(s)
			if err != nil {
				msg.stats = s.Last().Stats
				return err
			}
			w.open = r
			msg.columns = r.Columns()
			fetchInto(w, &msg, pageRows)
			return msg.err
		})
		msg.done = msg.done || msg.err != nil
		return msg
	}
}

// fetchCmd fetches the next page of the open result.
func fetchCmd(w *worker, seq, n int) tea.Cmd {
	return func() tea.Msg {
		msg := queryMsg{seq: seq}
		msg.err = w.do(func(*queries.Session) error {
			if w.open == nil {
				msg.done = true
				return nil
			}
			fetchInto(w, &msg, n)
			return msg.err
		})
		msg.done = msg.done || msg.err != nil
		return msg
	}
}

// closeCmd ends the open result (after a cancel, or when leaving it).
func closeCmd(w *worker, seq int) tea.Cmd {
	return func() tea.Msg {
		msg := queryMsg{seq: seq, done: true}
		msg.err = w.do(func(*queries.Session) error {
			var err error
			if r := w.open; r != nil {
				err = r.Close()
				msg.stats = r.Stats()
				w.open = nil
			}
			return err
		})
		return msg
	}
}

// fetchInto reads at least n rows (or to the end) of w.open into msg,
// formatted for display; at the end it closes the result.
func fetchInto(w *worker, msg *queryMsg, n int) {
	r := w.open
	vals := make([]any, len(r.Columns()))
	formats := queries.FormatsOf(r.Columns())
	for len(msg.rows) < n && r.Next() {
		for i := range r.Len() {
			if err := r.Row(i, vals); err != nil {
				msg.err = err
				break
			}
			msg.rows = append(msg.rows, formatRow(formats, vals))
		}
	}
	if len(msg.rows) < n || msg.err != nil || r.Err() != nil {
		if err := r.Close(); msg.err == nil {
			msg.err = err
		}
		w.open, msg.done = nil, true
	} else {
		r.Pause() // until the cursor asks for more: reading is not query time
	}
	msg.stats = r.Stats()
}

// formatRow is one row's values as the grid shows them.
func formatRow(formats []queries.ValueFormat, vals []any) []string {
	row := make([]string, len(vals))
	for j, v := range vals {
		row[j] = queries.Printable(formats[j].Text(v))
	}
	return row
}

// measuredMsg is the trimmed mean of repeated runs of the editor's query,
// and the rows they read (at most measuredRows of them) for the grid.
type measuredMsg struct {
	seq     int
	timing  queries.Timing
	stats   queries.Stats
	columns []queries.Column
	rows    [][]string
	err     error
}

// measuredRows bounds the rows a measurement keeps for the grid.
const measuredRows = autoFetchRows

// measureCmd runs text 1 + n times to the end, the first as a warm-up;
// the warm-up, which is not timed, keeps the rows for the grid.
func measureCmd(ctx context.Context, w *worker, seq int, text string) tea.Cmd {
	return func() tea.Msg {
		msg := measuredMsg{seq: seq}
		ctx := queries.Repeats(ctx) // one entry in the history
		msg.err = w.do(func(s *queries.Session) error {
			w.closeOpen()
			warm := true
			var err error
			msg.timing, err = queries.Measure(5, 1, func() (float64, error) {
				var st queries.Stats
				var err error
				if warm {
					st, err = runKeepingRows(ctx, s, text, &msg)
					warm = false
				} else {
					st, err = s.RunToEnd(ctx, text)
				}
				msg.stats = st
				return st.TotalMS, err
			})
			return err
		})
		return msg
	}
}

// runKeepingRows runs text to the end as RunToEnd does, keeping its
// columns and its first measuredRows rows in msg.
func runKeepingRows(ctx context.Context, s *queries.Session, text string, msg *measuredMsg) (queries.Stats, error) {
	r, err := s.Run(ctx, text)
	if err != nil {
		return s.Last().Stats, err
	}
	msg.columns = r.Columns()
	formats := queries.FormatsOf(msg.columns)
	err = r.Each(func(vals []any) error {
		if len(msg.rows) < measuredRows {
			msg.rows = append(msg.rows, formatRow(formats, vals))
		}
		return nil
	})
	return r.Stats(), errors.Join(err, r.Close())
}
