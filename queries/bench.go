package queries

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"tarn/lake"
)

// BenchCell is one table x query of the format benchmark: every recorded
// run, their summary, and what the query scanned and cost.
type BenchCell struct {
	Table       string `json:"table"`
	Format      string `json:"format"`
	Compression string `json:"compression"`
	Files       int    `json:"files"`
	Query       string `json:"query"`
	SQL         string `json:"sql"`
	Timing
	EngineMS    float64  `json:"engine_ms"` // trimmed mean, like the total
	FetchMS     float64  `json:"fetch_ms"`
	Rows        int64    `json:"rows"`
	DataScanned int64    `json:"data_scanned_bytes"`
	BilledBytes int64    `json:"billed_bytes"`
	CostUSD     float64  `json:"cost_usd"`
	AthenaS     *float64 `json:"athena_s"` // the source's figure; null where it has none
	Error       string   `json:"error,omitempty"`
	// PlainDuckDB times the same query over the same files in a PlainDuckDB,
	// when the benchmark ran one; TarnOverPlain is tarn's trimmed mean over it.
	PlainDuckDB *Timing `json:"plain_duckdb,omitempty"`
	// CopyMS is how long the cell waited after its first run for tarn to
	// copy the table's many small files into one (see copiesDir), which the
	// runs after it read; 0 where no copy was made.
	CopyMS float64 `json:"copy_ms,omitempty"`
	// CopiesRead is how many scans of the last run read a copy.
	CopiesRead    int     `json:"copies_read,omitempty"`
	TarnOverPlain float64 `json:"tarn_over_plain,omitempty"`
	plainSQL      string  // the query over read_parquet/read_csv of the table's files
}

// AthenaRatio is how many times longer Athena took than the local run.
func (c BenchCell) AthenaRatio() (float64, bool) {
	if c.AthenaS == nil || c.TrimmedMS <= 0 {
		return 0, false
	}
	return *c.AthenaS * 1000 / c.TrimmedMS, true
}

// WorstAgainstAthena is the cell slowest against the source's Athena
// figure: the largest local time / Athena time (0.5 means twice as fast
// as Athena). ok is false when no cell has both figures.
func WorstAgainstAthena(cells []BenchCell) (worst BenchCell, localOverAthena float64, ok bool) {
	for _, c := range cells {
		r, has := c.AthenaRatio()
		if !has || c.Error != "" {
			continue
		}
		if x := 1 / r; !ok || x > localOverAthena {
			worst, localOverAthena, ok = c, x, true
		}
	}
	return worst, localOverAthena, ok
}

// PlanBench lays out the cells: each query over each table. A query
// without {table} reads its own table, so it makes one cell.
func PlanBench(l *lake.Lake, tables []lake.Table, queries []Saved) ([]BenchCell, error) {
	var cells []BenchCell
	for _, q := range queries {
		targets := tables
		if !strings.Contains(q.SQL, TablePlaceholder) {
			targets = []lake.Table{{}}
		}
		for _, t := range targets {
			c := BenchCell{Query: q.Name, SQL: q.Text(""), Table: "-"}
			if t.Name != "" {
				files, err := l.Files(t)
				if err != nil {
					return nil, err
				}
				c.Table, c.SQL = t.Name, q.Text(t.QualifiedName())
				c.plainSQL = q.Text(lake.RelationOf(t, files))
				c.Format, c.Compression, c.Files = string(t.Format), string(t.Compression), len(files)
				// The source timed its 148,534-line log: a larger table (demo --scale) is not that cell.
				if s, ok := AthenaSeconds(AthenaCell{c.Format, c.Compression, c.Files, q.Name}); ok && q.SQL == sourceSQL(q.Name) && t.Rows <= SourceLogRows {
					c.AthenaS = &s
				}
			}
			cells = append(cells, c)
		}
	}
	return cells, nil
}

// sourceSQL is the SQL of the source's query of that name, so a saved
// query that merely shares a name gets no Athena figure.
func sourceSQL(name string) string {
	q, _ := FindSaved(SourceQueries(), name)
	return q.SQL
}

// BenchProgress reports one finished run of a cell.
type BenchProgress struct {
	Done, Total int // runs, warm-ups included
	Cell        *BenchCell
}

// Bench measures each cell: warmup unrecorded runs, then runs recorded
// ones, each fetching and decoding every row. A cell whose query fails
// (a workgroup limit, say) records the error and the rest go on; a
// cancelled context stops everything.
func (s *Session) Bench(ctx context.Context, cells []BenchCell, runs, warmup int, progress func(BenchProgress)) error {
	return s.BenchBeside(ctx, cells, runs, warmup, nil, progress)
}

// BenchBeside is Bench, and with plain it also times each cell's query
// over the same files in plain, right after each of tarn's runs, so both
// see the same machine; the cell gets both and their ratio. Cells whose
// query names no table ({table}) have nothing to run there.
func (s *Session) BenchBeside(ctx context.Context, cells []BenchCell, runs, warmup int, plain *PlainDuckDB, progress func(BenchProgress)) error {
	total, done := len(cells)*(runs+warmup), 0
	ctx = Repeats(ctx) // one entry in the history
	for i := range cells {
		c := &cells[i]
		var engine, fetch, plainMS []float64
		var last Stats
		run := func() (float64, error) {
			st, err := s.RunToEnd(ctx, c.SQL)
			if err == nil && len(engine) == 0 {
				err = c.awaitCopies(ctx, s)
			}
			if err == nil && plain != nil && c.plainSQL != "" {
				rows, ms, perr := plain.RunToEnd(ctx, c.plainSQL)
				switch {
				case perr != nil:
					err = fmt.Errorf("plain DuckDB: %w", perr)
				case rows != st.Rows: // not the same files, or not the same query
					err = fmt.Errorf("plain DuckDB read %d rows, tarn %d", rows, st.Rows)
				}
				plainMS = append(plainMS, ms)
			}
			done++
			if progress != nil {
				progress(BenchProgress{Done: done, Total: total, Cell: c})
			}
			last = st
			engine, fetch = append(engine, st.EngineMS), append(fetch, st.FetchMS)
			return st.TotalMS, err
		}
		timing, err := Measure(runs, warmup, run)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if err != nil {
			c.Error = err.Error()
			done = (i + 1) * (runs + warmup)
			continue
		}
		c.Timing = timing
		c.EngineMS = Summarize(engine[warmup:], false).TrimmedMS
		c.FetchMS = Summarize(fetch[warmup:], false).TrimmedMS
		c.Rows, c.DataScanned, c.BilledBytes, c.CostUSD = last.Rows, last.DataScanned, last.BilledBytes, last.CostUSD
		c.CopiesRead = last.Copies
		if len(plainMS) > warmup && plainMS[warmup] > 0 {
			t := Summarize(plainMS[warmup:], warmup == 0)
			c.PlainDuckDB, c.TarnOverPlain = &t, c.TrimmedMS/t.TrimmedMS
		}
	}
	return nil
}

// awaitCopies waits, after the cell's first run, for the copies that run
// started, so that the recorded runs all read the same thing; the wait is
// the cell's CopyMS.
func (c *BenchCell) awaitCopies(ctx context.Context, s *Session) error {
	start := time.Now()
	err := s.AwaitCopies(ctx)
	if waited := time.Since(start); waited > time.Millisecond {
		c.CopyMS = ms(waited)
	}
	return err
}

// RunToEnd runs text, fetching and decoding every row.
func (s *Session) RunToEnd(ctx context.Context, text string) (Stats, error) {
	r, err := s.Run(ctx, text)
	if err != nil {
		return s.Last().Stats, err
	}
	err = r.Each(func([]any) error { return nil })
	err = errors.Join(err, r.Close())
	return r.Stats(), err
}
