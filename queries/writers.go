package queries

import (
	"bufio"
	"fmt"
	"io"
	"strings"
	"unicode"
	"unicode/utf8"
)

// The row writers: one per format, each reading a result as it streams,
// holding no more rows than its format needs (the table holds the first
// 200 to fit its columns; the others one). `tarn query` prints with them
// and Export writes files with them:
//
//	table        WriteTable      the terminal's fitted table (EXPLAIN drawn)
//	CSV          WriteCSV        a header line, then a line a row
//	JSON lines   WriteJSONLines  an object a row (Export's "json")
//	JSON         WriteJSON       one document: columns, rows, stats
//	Parquet      writeParquet    a file, by DuckDB's writer (writer_parquet.go)
//
// A value's text comes from its column's ValueFormat alone (format.go),
// which writes it as DuckDB's CLI does (JSON keeps numbers, lists and
// objects as JSON and asks it for the rest, see appendJSON), so changing
// how a type is shown is one change there. They live in
// queries because the Parquet writer needs its private, sandboxed DuckDB.

// Rows are what a writer reads: columns with their DuckDB types, then the
// rows in order, a chunk at a time. A Result is Rows.
type Rows interface {
	Columns() []Column
	Next() bool // makes the next chunk current; false at the end or on an error
	Len() int
	Row(i int, dst []any) error
	Err() error // the error that ended the rows, if any
}

// buffered runs write on a buffer over w: written straight to a terminal
// or a pipe, every row would be a system call (that made tarn query
// --format csv about twice as slow). The buffer goes out whenever write
// asks for the next chunk of rows, so a slow query's rows still show as
// DuckDB makes them, and at the end.
func buffered(w io.Writer, src Rows, write func(io.Writer, Rows) error) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	err := write(bw, flushEachChunk{src, bw})
	if flushErr := bw.Flush(); err == nil {
		err = flushErr
	}
	return err
}

type flushEachChunk struct {
	Rows
	out *bufio.Writer
}

// Next flushes what the rows so far made; a write error stays in the
// buffer and is returned by the writer's next write or the last flush.
func (f flushEachChunk) Next() bool {
	f.out.Flush()
	return f.Rows.Next()
}

// eachRow decodes every remaining row of src into one reused slice and
// calls fn with it, stopping at fn's first error.
func eachRow(src Rows, fn func(row []any) error) error {
	row := make([]any, len(src.Columns()))
	for src.Next() {
		for i := range src.Len() {
			if err := src.Row(i, row); err != nil {
				return err
			}
			if err := fn(row); err != nil {
				return err
			}
		}
	}
	return src.Err()
}

// WriteCSV writes a header of the column names, then a line a row.
// NULL is an empty field and the empty string "", so that the two read
// back apart, as DuckDB's own COPY writes them.
func WriteCSV(w io.Writer, src Rows) error {
	return buffered(w, src, writeCSV)
}

func writeCSV(w io.Writer, src Rows) error {
	var line []byte
	for i, c := range src.Columns() {
		line = appendCSVField(line, i, c.Name)
	}
	if _, err := w.Write(append(line, '\n')); err != nil {
		return err
	}
	formats := FormatsOf(src.Columns())
	return eachRow(src, func(vals []any) error {
		line = line[:0]
		for i, v := range vals {
			if v == nil {
				line = appendCSVComma(line, i)
			} else {
				line = appendCSVField(line, i, formats[i].Text(v))
			}
		}
		_, err := w.Write(append(line, '\n'))
		return err
	})
}

// appendCSVComma appends the comma before the i-th field of a line (a
// NULL's field is nothing more).
func appendCSVComma(b []byte, i int) []byte {
	if i > 0 {
		b = append(b, ',')
	}
	return b
}

// appendCSVField appends the i-th field of a line: after a comma but the
// first, quoted (its quotes doubled) when empty or when it holds a comma,
// a quote or a line break, or starts with a space, as encoding/csv would
// quote it (but for the empty text).
func appendCSVField(b []byte, i int, field string) []byte {
	b = appendCSVComma(b, i)
	r, _ := utf8.DecodeRuneInString(field)
	if field != "" && field != `\.` && !strings.ContainsAny(field, ",\"\r\n") && !unicode.IsSpace(r) {
		return append(b, field...)
	}
	b = append(b, '"')
	b = append(b, strings.ReplaceAll(field, `"`, `""`)...)
	return append(b, '"')
}

// uniqueNames are the column names made distinct for formats that need
// it (an object's keys, a Parquet schema): the second x of SELECT a.x,
// b.x is x_2. DuckDB compares names without case, so X repeats x.
func uniqueNames(cols []Column) []string {
	names := make([]string, len(cols))
	seen := map[string]int{}
	for i, c := range cols {
		names[i] = c.Name
		key := strings.ToLower(c.Name)
		if seen[key]++; seen[key] > 1 {
			names[i] = fmt.Sprintf("%s_%d", c.Name, seen[key])
		}
	}
	return names
}
