package queries

import (
	"fmt"
	"io"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"tarn/internal/units"
	"tarn/lake"
)

// WriteMeter counts what a writer has taken from a result and written,
// for a progress line drawn by another goroutine while it runs: rows and
// bytes so far, their rate, and, where DuckDB can estimate how far the
// query is (Result.Progress: scans of files, not table functions such as
// range()), that percentage and the time left at the pace so far. The
// rows a query returns are known only at its end, so the estimate is
// DuckDB's, of the work its plan has done, never tarn's guess from rows.
type WriteMeter struct {
	start time.Time
	rows  atomic.Int64
	bytes atomic.Int64
	file  atomic.Pointer[string] // when set, the bytes are this file's size
	query atomic.Pointer[Result] // the result written, whose progress DuckDB estimates

	mu      sync.Mutex
	highest float64       // the highest estimate read: a line that goes back would mislead
	rose    time.Duration // when highest was first read, since start
}

// NewWriteMeter starts a meter now.
func NewWriteMeter() *WriteMeter { return &WriteMeter{start: time.Now(), highest: -1} }

// WriteProgress is how far a write is.
type WriteProgress struct {
	Rows, Bytes int64
	Elapsed     time.Duration
	// Percent is DuckDB's estimate of how far the query is (0-100), or -1
	// where it has none.
	Percent float64
}

// Progress is the meter's reading now; a nil meter reads zero.
func (m *WriteMeter) Progress() WriteProgress {
	if m == nil {
		return WriteProgress{Percent: -1}
	}
	p := WriteProgress{Rows: m.rows.Load(), Bytes: m.bytes.Load(), Elapsed: time.Since(m.start)}
	p.Percent = m.estimate(p.Elapsed)
	if file := m.file.Load(); file != nil {
		if st, err := os.Stat(*file); err == nil {
			p.Bytes = st.Size()
		}
	}
	return p
}

// estimate is the highest percentage DuckDB has given for the query so
// far, at most 100, or -1 while it has given none and once it is overtaken:
// DuckDB counts the rows its scans have read, so a cross join, which
// reads its first input once and then returns rows for hours, stays at
// 66%. An estimate that has not risen for longer than it said the rest
// would take, and a second more, says nothing more.
func (m *WriteMeter) estimate(elapsed time.Duration) float64 {
	r := m.query.Load()
	if r == nil {
		return -1
	}
	now := min(r.Progress(), 100)
	m.mu.Lock()
	defer m.mu.Unlock()
	if now > m.highest {
		m.highest, m.rose = now, elapsed
	}
	if m.highest <= 0 {
		return m.highest
	}
	promised := time.Duration(float64(m.rose) * 100 / m.highest) // when the query should end, at the pace until the rise
	if elapsed > promised+leastElapsedForETA {
		return -1
	}
	return m.highest
}

// Estimates need this much of the query done and this much time behind
// them: the first chunks' pace says little about the rest.
const (
	leastPercentForETA = 1
	leastElapsedForETA = time.Second
)

// Left is the time the rest of the query takes at the pace so far, from
// DuckDB's percentage: elapsed × (100 − p) / p. There is none (false)
// while DuckDB has no estimate, before 1% or 1 s, and at 100%.
func (p WriteProgress) Left() (time.Duration, bool) {
	if p.Percent < leastPercentForETA || p.Percent >= 100 || p.Elapsed < leastElapsedForETA {
		return 0, false
	}
	const scale = 1000 // lake.TimeLeft counts whole units: thousandths of a percent
	return lake.TimeLeft(int64(p.Percent*scale), 100*scale, p.Elapsed)
}

// String is "1,234,567 rows, 212.0 MiB, 45.3 MiB/s, 12s", followed by
// ", 42%, ~16s left" where DuckDB estimates the query's progress.
func (p WriteProgress) String() string {
	s := p.Totals()
	if p.Percent >= leastPercentForETA { // DuckDB says 0 of some queries it cannot estimate
		s += fmt.Sprintf(", %d%%", int(p.Percent)) // never 100% before the end
	}
	if left, ok := p.Left(); ok {
		s += fmt.Sprintf(", ~%s left", left)
	}
	return s
}

// Totals is "1,234,567 rows, 212.0 MiB, 45.3 MiB/s, 12s": what was written,
// without the estimate (the line left once a write has ended).
func (p WriteProgress) Totals() string {
	rate := int64(float64(p.Bytes) / max(p.Elapsed.Seconds(), 0.001))
	return fmt.Sprintf("%s, %s, %s/s, %s", Plural(int(p.Rows), "row"), units.Bytes(p.Bytes), units.Bytes(rate), p.Elapsed.Round(time.Second))
}

// Rows counts src's rows as the writer takes each chunk.
// When src is a query's Result, the meter also reads DuckDB's estimate of
// its progress.
func (m *WriteMeter) Rows(src Rows) Rows {
	if m == nil {
		return src
	}
	if r, ok := src.(*Result); ok {
		m.query.Store(r)
	}
	return meteredRows{src, m}
}

type meteredRows struct {
	Rows
	m *WriteMeter
}

func (r meteredRows) Next() bool {
	ok := r.Rows.Next()
	if ok {
		r.m.rows.Add(int64(r.Rows.Len()))
	}
	return ok
}

// Writer counts the bytes written through w.
func (m *WriteMeter) Writer(w io.Writer) io.Writer {
	if m == nil {
		return w
	}
	return meteredWriter{w, m}
}

type meteredWriter struct {
	w io.Writer
	m *WriteMeter
}

func (w meteredWriter) Write(p []byte) (int, error) {
	n, err := w.w.Write(p)
	w.m.bytes.Add(int64(n))
	return n, err
}

// watchFile has the bytes read as file's size, for a writer (DuckDB's
// Parquet) that writes the file itself.
func (m *WriteMeter) watchFile(file string) {
	if m != nil {
		m.file.Store(&file)
	}
}
