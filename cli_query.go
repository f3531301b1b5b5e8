package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"tarn/queries"
)

// runQuery runs one SQL statement as a persona and prints the rows as they
// stream (column widths are fitted to the first rows).
func runQuery(e *env, args []string) error {
	fs := e.newFlags("query")
	persona := fs.String("persona", "", "persona to act as (default: the policy's default)")
	file := fs.String("file", "", "read the SQL from this file")
	rest, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	text, err := querySQL(e, rest, *file)
	if err != nil {
		return err
	}
	l, pol, who, err := e.openGoverned(*persona)
	if err != nil {
		return err
	}
	s, err := queries.Open(e.ctx, l, pol, who)
	if err != nil {
		return err
	}
	defer s.Close()
	rows, err := s.Query(e.ctx, text)
	if err != nil {
		return err
	}
	if err := printRows(e.stdout, rows); err != nil {
		rows.Close()
		return err
	}
	return rows.Close()
}

func querySQL(e *env, rest []string, file string) (string, error) {
	switch {
	case file != "":
		b, err := os.ReadFile(file)
		return string(b), err
	case len(rest) == 1 && rest[0] != "-":
		return rest[0], nil
	case len(rest) == 0 || rest[0] == "-":
		b, err := io.ReadAll(os.Stdin)
		if err == nil && strings.TrimSpace(string(b)) == "" {
			return "", fmt.Errorf("usage: tarn query [--persona P] SQL (or --file F, or SQL on stdin)")
		}
		return string(b), err
	}
	return "", fmt.Errorf("give the SQL as one argument (quote it), got %d arguments", len(rest))
}

// printRows prints a result as an aligned table, holding at most the first
// fitRows rows to size the columns; the rest stream through.
func printRows(w io.Writer, rows *queries.Rows) error {
	const fitRows = 200
	names, err := rows.Columns()
	if err != nil {
		return err
	}
	table := [][]string{names}
	vals := make([]any, len(names))
	ptrs := make([]any, len(names))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	var widths []int
	n := 0
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return err
		}
		row := make([]string, len(vals))
		for i, v := range vals {
			row[i] = formatValue(v)
		}
		n++
		if widths == nil {
			table = append(table, row)
			if len(table) > fitRows {
				widths = printFitted(w, table)
			}
			continue
		}
		printRow(w, row, widths)
	}
	if widths == nil {
		printFitted(w, table)
	}
	fmt.Fprintf(w, "(%s)\n", plural(n, "row"))
	return nil
}

func printFitted(w io.Writer, table [][]string) []int {
	widths := make([]int, len(table[0]))
	for _, r := range table {
		for i, c := range r {
			widths[i] = max(widths[i], len([]rune(c)))
		}
	}
	for _, r := range table {
		printRow(w, r, widths)
	}
	return widths
}

func printRow(w io.Writer, row []string, widths []int) {
	var b strings.Builder
	for i, c := range row {
		if i > 0 {
			b.WriteString(" | ")
		}
		b.WriteString(c)
		if i < len(row)-1 {
			b.WriteString(strings.Repeat(" ", max(0, widths[i]-len([]rune(c)))))
		}
	}
	fmt.Fprintln(w, b.String())
}

func formatValue(v any) string {
	switch x := v.(type) {
	case nil:
		return "NULL"
	case time.Time:
		return x.Format("2006-01-02 15:04:05.999999")
	case []byte:
		return string(x)
	}
	return fmt.Sprint(v)
}
