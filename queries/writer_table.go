package queries

import (
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// fitRows is how many rows the table reads before it fixes the widths of
// its columns; later rows stream through at those widths.
const fitRows = 200

// WriteTable writes an aligned table for a terminal, its text made
// Printable, and a count of the rows; an EXPLAIN's plans are drawn
// instead (see writeExplain).
func WriteTable(out io.Writer, src Rows) error {
	return buffered(out, src, writeTable)
}

func writeTable(out io.Writer, src Rows) error {
	w := &errWriter{w: out}
	if isExplain(src.Columns()) {
		return writeExplain(w, src)
	}
	var names []string
	for _, c := range src.Columns() {
		names = append(names, Printable(c.Name))
	}
	table := [][]string{names}
	var widths []int
	n := 0
	formats := FormatsOf(src.Columns())
	err := eachRow(src, func(vals []any) error {
		row := make([]string, len(vals))
		for i, v := range vals {
			row[i] = Printable(formats[i].Text(v))
		}
		n++
		if widths == nil {
			table = append(table, row)
			if len(table) > fitRows {
				widths = printFitted(w, table)
			}
			return nil
		}
		printRow(w, row, widths)
		return w.err
	})
	if err != nil {
		return err
	}
	if widths == nil {
		printFitted(w, table)
	}
	fmt.Fprintf(w, "(%s)\n", Plural(n, "row"))
	return w.err
}

// isExplain says whether columns are EXPLAIN's.
func isExplain(cols []Column) bool {
	return len(cols) == 2 && cols[0].Name == "explain_key" && cols[1].Name == "explain_value"
}

// writeExplain prints an EXPLAIN's plans as drawn, line by line, as the
// DuckDB CLI does (a table would squeeze each plan onto one line).
func writeExplain(w *errWriter, src Rows) error {
	plan := FormatOf(src.Columns()[1].Type)
	err := eachRow(src, func(vals []any) error {
		fmt.Fprintln(w, PrintableLines(plan.Text(vals[1])))
		return w.err
	})
	if err != nil {
		return err
	}
	return w.err
}

// errWriter keeps the first write error, so that a loop printing with
// fmt can stop when its reader has gone.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) Write(p []byte) (int, error) {
	if e.err != nil {
		return 0, e.err
	}
	n, err := e.w.Write(p)
	e.err = err
	return n, err
}

// printFitted prints table (its header first) with each column as wide as
// its widest cell, and returns the widths.
func printFitted(w io.Writer, table [][]string) []int {
	widths := make([]int, len(table[0]))
	for _, r := range table {
		for i, c := range r {
			widths[i] = max(widths[i], utf8.RuneCountInString(c))
		}
	}
	for _, r := range table {
		printRow(w, r, widths)
	}
	return widths
}

// printRow prints one line of cells padded to widths (the last unpadded).
func printRow(w io.Writer, row []string, widths []int) {
	var b strings.Builder
	for i, c := range row {
		if i > 0 {
			b.WriteString(" | ")
		}
		b.WriteString(c)
		if i < len(row)-1 {
			b.WriteString(strings.Repeat(" ", max(0, widths[i]-utf8.RuneCountInString(c))))
		}
	}
	fmt.Fprintln(w, b.String())
}
