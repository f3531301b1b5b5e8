package queries

import (
	"fmt"
	"io"
	"os"
	"sync/atomic"
	"time"

	"tarn/internal/units"
)

// WriteMeter counts what a writer has taken from a result and written,
// for a progress line drawn by another goroutine while it runs. It gives
// rows and bytes so far and their rate, never a time left: the rows a
// query will return are known only at its end, and DuckDB's own estimate
// (duckdb_query_progress) is not reachable through duckdb-go v2.10506.0,
// whose connections do not expose their handle.
type WriteMeter struct {
	start time.Time
	rows  atomic.Int64
	bytes atomic.Int64
	file  atomic.Pointer[string] // when set, the bytes are this file's size
}

// NewWriteMeter starts a meter now.
func NewWriteMeter() *WriteMeter { return &WriteMeter{start: time.Now()} }

// WriteProgress is how far a write is.
type WriteProgress struct {
	Rows, Bytes int64
	Elapsed     time.Duration
}

// Progress is the meter's reading now; a nil meter reads zero.
func (m *WriteMeter) Progress() WriteProgress {
	if m == nil {
		return WriteProgress{}
	}
	p := WriteProgress{Rows: m.rows.Load(), Bytes: m.bytes.Load(), Elapsed: time.Since(m.start)}
	if file := m.file.Load(); file != nil {
		if st, err := os.Stat(*file); err == nil {
			p.Bytes = st.Size()
		}
	}
	return p
}

// String is "1,234,567 rows, 212.0 MiB, 45.3 MiB/s, 12s".
func (p WriteProgress) String() string {
	rate := int64(float64(p.Bytes) / max(p.Elapsed.Seconds(), 0.001))
	return fmt.Sprintf("%s, %s, %s/s, %s", Plural(int(p.Rows), "row"), units.Bytes(p.Bytes), units.Bytes(rate), p.Elapsed.Round(time.Second))
}

// Rows counts src's rows as the writer takes each chunk.
func (m *WriteMeter) Rows(src Rows) Rows {
	if m == nil {
		return src
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
