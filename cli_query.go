package main

import (
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/big"
	"os"
	"strings"
	"syscall"
	"time"
	"unicode/utf8"

	duckdb "github.com/duckdb/duckdb-go/v2"

	"tarn/internal/units"
	"tarn/queries"
)

// outputFormats are what `tarn query --format` can print.
var outputFormats = []string{"table", "csv", "json", "null"}

// runQuery runs one SQL statement as a persona and streams its rows in the
// chosen format; --stats adds what it scanned, cost and took.
func runQuery(e *env, args []string) error {
	fs := e.newFlags("query")
	persona := fs.String("persona", "", "persona to act as (default: the policy's default)")
	file := fs.String("file", "", "read the SQL from this file")
	saved := fs.String("saved", "", "run the saved query of this name (see tarn saved)")
	format := fs.String("format", "table", "output: "+strings.Join(outputFormats, ", ")+" (null fetches every row and prints none)")
	stats := fs.Bool("stats", false, "print the query's state, rows, data scanned, cost and timings to stderr")
	rest, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	write, ok := writers[*format]
	if !ok {
		return fmt.Errorf("--format %q: use one of %s", *format, strings.Join(outputFormats, ", "))
	}
	text, err := querySQL(e, rest, *file, *saved, *persona)
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
	r, err := s.Run(e.ctx, text)
	if err != nil {
		if *stats {
			printStats(e.stderr, s.Last().Stats)
		}
		return err
	}
	werr := write(e.stdout, r)
	if errors.Is(werr, syscall.EPIPE) {
		r.Abandon(werr)
		werr = errOutputClosed
	}
	err = r.Close()
	if *stats {
		printStats(e.stderr, r.Stats())
	}
	if werr != nil {
		return werr
	}
	return err
}

func querySQL(e *env, rest []string, file, saved, persona string) (string, error) {
	switch {
	case saved != "":
		if file != "" || len(rest) > 0 {
			return "", fmt.Errorf("give --saved or SQL, not both")
		}
		g, err := e.governed(persona)
		if err != nil {
			return "", err
		}
		all, err := g.saved()
		if err != nil {
			return "", err
		}
		q, ok := queries.FindSaved(all, saved)
		if !ok {
			return "", fmt.Errorf("no saved query named %q (tarn saved lists them)", saved)
		}
		return q.Text(""), nil
	case file != "":
		b, err := os.ReadFile(file)
		return string(b), err
	case len(rest) == 1 && rest[0] != "-":
		return rest[0], nil
	case len(rest) == 0 || rest[0] == "-":
		b, err := io.ReadAll(os.Stdin)
		if err == nil && strings.TrimSpace(string(b)) == "" {
			return "", usageError("query")
		}
		return string(b), err
	}
	return "", fmt.Errorf("give the SQL as one argument (quote it), got %d arguments", len(rest))
}

var writers = map[string]func(io.Writer, *queries.Result) error{
	"table": writeTable,
	"csv":   writeCSV,
	"json":  writeJSON,
	"null":  writeNull,
}

// writeNull fetches and decodes every row and prints nothing: the time a
// client needs to receive the result, for timing.
func writeNull(_ io.Writer, r *queries.Result) error {
	return r.Each(func([]any) error { return nil })
}

// writeTable prints an aligned table, holding at most the first fitRows
// rows to size the columns; the rest stream through.
func writeTable(out io.Writer, r *queries.Result) error {
	const fitRows = 200
	w := &errWriter{w: out}
	if isExplain(r.Columns()) {
		return writeExplain(w, r)
	}
	var names []string
	for _, c := range r.Columns() {
		names = append(names, queries.Printable(c.Name))
	}
	table := [][]string{names}
	var widths []int
	n := 0
	err := r.Each(func(vals []any) error {
		row := make([]string, len(vals))
		for i, v := range vals {
			row[i] = queries.Printable(queries.FormatValue(v))
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
	fmt.Fprintf(w, "(%s)\n", queries.Plural(n, "row"))
	return w.err
}

// isExplain says whether columns are EXPLAIN's.
func isExplain(cols []queries.Column) bool {
	return len(cols) == 2 && cols[0].Name == "explain_key" && cols[1].Name == "explain_value"
}

// writeExplain prints an EXPLAIN's plans as drawn, line by line, as the
// DuckDB CLI does (a table would squeeze each plan onto one line).
func writeExplain(w *errWriter, r *queries.Result) error {
	err := r.Each(func(vals []any) error {
		fmt.Fprintln(w, queries.PrintableLines(queries.FormatValue(vals[1])))
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

func writeCSV(w io.Writer, r *queries.Result) error {
	cw := csv.NewWriter(w)
	var header []string
	for _, c := range r.Columns() {
		header = append(header, c.Name)
	}
	if err := cw.Write(header); err != nil {
		return err
	}
	record := make([]string, len(header))
	err := r.Each(func(vals []any) error {
		for i, v := range vals {
			record[i] = ""
			if v != nil {
				record[i] = queries.FormatValue(v)
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

// writeJSON prints one object, streaming the rows between the columns and
// the stats: {"columns":[...],"rows":[[...],...],"stats":{...}}.
func writeJSON(w io.Writer, r *queries.Result) error {
	cols, err := json.Marshal(r.Columns())
	if err != nil {
		return err
	}
	fmt.Fprintf(w, `{"columns":%s,"rows":[`, cols)
	sep := "\n"
	err = r.Each(func(vals []any) error {
		row := make([]any, len(vals))
		for i, v := range vals {
			row[i] = jsonValue(v)
		}
		b, err := json.Marshal(row)
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(w, "%s%s", sep, b)
		sep = ",\n"
		return err
	})
	if err != nil {
		fmt.Fprintln(w, "]}")
		return err
	}
	r.Close() // settle the final stats before printing them
	stats, err := json.Marshal(r.Stats())
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "\n],\"stats\":%s}\n", stats)
	return err
}

// jsonValue turns a DuckDB value into one encoding/json writes faithfully.
func jsonValue(v any) any {
	switch x := v.(type) {
	case time.Time, duckdb.Interval, duckdb.UUID, []byte:
		return queries.FormatValue(x)
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return queries.FormatValue(x)
		}
	case float32:
		if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
			return queries.FormatValue(x)
		}
	case duckdb.Decimal:
		return json.Number(x.String())
	case *big.Int:
		return json.Number(x.String())
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = jsonValue(e)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = jsonValue(e)
		}
		return out
	case duckdb.Map:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[queries.FormatValue(k)] = jsonValue(e)
		}
		return out
	}
	return v
}

// printStats writes a query's figures in two lines, Athena's words first.
func printStats(w io.Writer, st queries.Stats) {
	scanned := units.Bytes(st.DataScanned, units.Athena)
	if !st.ScannedExact && st.DataScanned > 0 {
		scanned += " (upper bound: the plan could not be read)"
	}
	fmt.Fprintf(w, "%s · %s · data scanned %s (%s bytes, %s) · billed %s · cost %s\n",
		st.State, queries.Plural(int(st.Rows), "row"), scanned, queries.FormatCount(st.DataScanned), queries.Plural(st.Files, "file"),
		units.Bytes(st.BilledBytes, units.Athena), queries.FormatUSD(st.CostUSD))
	fmt.Fprintf(w, "planning %.1f ms · engine %.1f ms · fetch %.1f ms · first row %.1f ms · total %.1f ms\n",
		st.PlanningMS, st.EngineMS, st.FetchMS, st.FirstRowMS, st.TotalMS)
}
