package queries_test

import (
	"bytes"
	"errors"
	"testing"

	"tarn/queries"
)

// memRows are rows held in memory, served two a chunk, then err.
type memRows struct {
	cols []queries.Column
	rows [][]any
	err  error
	at   int // the first row of the current chunk
	n    int // the current chunk's size
}

func (m *memRows) Columns() []queries.Column { return m.cols }
func (m *memRows) Len() int                  { return m.n }
func (m *memRows) Err() error                { return m.err }

func (m *memRows) Next() bool {
	m.at += m.n
	m.n = min(2, len(m.rows)-m.at)
	return m.n > 0
}

func (m *memRows) Row(i int, dst []any) error {
	copy(dst, m.rows[m.at+i])
	return nil
}

func TestWritersOfEachFormat(t *testing.T) {
	cols := []queries.Column{{Name: "z", Type: "INTEGER"}, {Name: "a", Type: "VARCHAR[]"}, {Name: "Z", Type: "VARCHAR"}}
	rows := [][]any{{int32(1), []any{"x", nil}, "<&>"}, {nil, []any{}, nil}, {int32(3), nil, ""}}
	boom := errors.New("boom")
	stats := func() queries.Stats { return queries.Stats{State: "SUCCEEDED", Rows: 3} }
	cases := []struct {
		name  string
		write func(*bytes.Buffer, queries.Rows) error
		err   error
		want  string
	}{
		{"csv", func(b *bytes.Buffer, r queries.Rows) error { return queries.WriteCSV(b, r) }, nil,
			"z,a,Z\n1,\"[x, NULL]\",<&>\n,[],\n3,,\"\"\n"},
		// An object's keys are distinct (Z repeats z: DuckDB ignores case)
		// and in the columns' order.
		{"json lines", func(b *bytes.Buffer, r queries.Rows) error { return queries.WriteJSONLines(b, r) }, nil,
			`{"z":1,"a":["x",null],"Z_2":"\u003c\u0026\u003e"}` + "\n" + `{"z":null,"a":[],"Z_2":null}` + "\n" + `{"z":3,"a":null,"Z_2":""}` + "\n"},
		{"json", func(b *bytes.Buffer, r queries.Rows) error { return queries.WriteJSON(b, r, stats) }, nil,
			`{"columns":[{"name":"z","type":"INTEGER"},{"name":"a","type":"VARCHAR[]"},{"name":"Z","type":"VARCHAR"}],"rows":[` + "\n" +
				`[1,["x",null],"\u003c\u0026\u003e"],` + "\n" + `[null,[],null],` + "\n" + `[3,null,""]` + "\n" +
				`],"stats":{"state":"SUCCEEDED","rows":3,"data_scanned_bytes":0,"data_scanned_exact":false,"files_scanned":0,"billed_bytes":0,"cost_usd":0,"planning_ms":0,"engine_ms":0,"fetch_ms":0,"first_row_ms":0,"total_ms":0}}` + "\n"},
		// Rows that end in an error leave a closed document, without stats.
		{"json", func(b *bytes.Buffer, r queries.Rows) error { return queries.WriteJSON(b, r, stats) }, boom,
			`{"columns":[{"name":"z","type":"INTEGER"},{"name":"a","type":"VARCHAR[]"},{"name":"Z","type":"VARCHAR"}],"rows":[` + "\n" +
				`[1,["x",null],"\u003c\u0026\u003e"],` + "\n" + `[null,[],null],` + "\n" + `[3,null,""]]}` + "\n"},
		{"table", func(b *bytes.Buffer, r queries.Rows) error { return queries.WriteTable(b, r) }, nil,
			"z    | a         | Z\n1    | [x, NULL] | <&>\nNULL | []        | NULL\n3    | NULL      | \n(3 rows)\n"},
	}
	for _, c := range cases {
		var out bytes.Buffer
		err := c.write(&out, &memRows{cols: cols, rows: rows, err: c.err})
		if !errors.Is(err, c.err) || out.String() != c.want {
			t.Errorf("%s (rows ending in %v): %v\n got %q\nwant %q", c.name, c.err, err, out.String(), c.want)
		}
	}
}

// writeCounter counts the writes that reach it.
type writeCounter struct{ writes int }

func (w *writeCounter) Write(p []byte) (int, error) { w.writes++; return len(p), nil }

// A writer sends its text out a chunk at a time: a write a row would be a
// system call a row on a terminal or a pipe, and one write at the end would
// hold a slow query's rows back until it ends.
func TestWritersWriteAChunkAtATime(t *testing.T) {
	cols := []queries.Column{{Name: "n", Type: "INTEGER"}}
	var rows [][]any
	for i := range 40 {
		rows = append(rows, []any{int32(i)})
	}
	const chunks = 20 // memRows serves two rows a chunk
	stats := func() queries.Stats { return queries.Stats{} }
	for name, write := range map[string]func(*writeCounter, queries.Rows) error{
		"csv":        func(w *writeCounter, r queries.Rows) error { return queries.WriteCSV(w, r) },
		"json lines": func(w *writeCounter, r queries.Rows) error { return queries.WriteJSONLines(w, r) },
		"json":       func(w *writeCounter, r queries.Rows) error { return queries.WriteJSON(w, r, stats) },
	} {
		var out writeCounter
		if err := write(&out, &memRows{cols: cols, rows: rows}); err != nil {
			t.Fatal(err)
		}
		if out.writes < chunks-1 || out.writes > chunks+2 {
			t.Errorf("%s: %d writes for %d rows in %d chunks, want one a chunk", name, out.writes, len(rows), chunks)
		}
	}
}
