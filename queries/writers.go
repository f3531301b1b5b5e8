package queries

import (
	"encoding/csv"
	"fmt"
	"io"
	"strings"
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

// WriteCSV writes a header of the column names, then a line a row;
// NULL is an empty field.
func WriteCSV(w io.Writer, src Rows) error {
	cw := csv.NewWriter(w)
	var header []string
	for _, c := range src.Columns() {
		header = append(header, c.Name)
	}
	if err := cw.Write(header); err != nil {
		return err
	}
	record := make([]string, len(header))
	formats := FormatsOf(src.Columns())
	err := eachRow(src, func(vals []any) error {
		for i, v := range vals {
			record[i] = ""
			if v != nil {
				record[i] = formats[i].Text(v)
			}
		}
		return cw.Write(record)
	})
	cw.Flush()
	if err != nil {
		return err
	}
	return cw.Error()
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
