package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"syscall"
	"time"

	"tarn/chart"
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
	var plot chartOptions
	fs.StringVar(&plot.path, "chart", "", "write a plot of the result to this SVG file instead of printing the rows")
	fs.StringVar(&plot.kind, "chart-kind", "", "the plot: bar, line, scatter or histogram (default: chosen from the column types)")
	fs.StringVar(&plot.x, "x", "", "the plot's x column (a histogram's only one; default: the first text, date or time column)")
	fs.StringVar(&plot.y, "y", "", "the plot's y column (default: the first number column after x)")
	rest, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	write, ok := writers[*format]
	if !ok {
		return fmt.Errorf("--format %q: use one of %s", *format, strings.Join(outputFormats, ", "))
	}
	if plot.kind != "" {
		if _, err := chart.ParseKind(plot.kind); err != nil {
			return fmt.Errorf("--chart-kind: %w", err)
		}
	}
	text, err := querySQL(e, rest, *file, *saved, *persona)
	if err != nil {
		return err
	}
	s, err := e.openSession(*persona)
	if err != nil {
		return err
	}
	defer s.Close()
	r, err := s.Run(e.ctx, text)
	if err != nil {
		if *stats {
			printStats(e.stderr, s.Last().Stats)
		}
		return cancelledSaid(err, s.Last().Stats)
	}
	var werr error
	if plot.path != "" {
		werr = writeQueryChart(e, r, text, plot)
	} else {
		werr = writeRows(e, write, r)
	}
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
	return cancelledSaid(err, r.Stats())
}

// openSession opens a session on the lake as persona (the policy's
// default when "").
func (e *env) openSession(persona string) (*queries.Session, error) {
	l, pol, who, err := e.openGoverned(persona)
	if err != nil {
		return nil, err
	}
	return queries.OpenWith(e.ctx, l, pol, who, e.session)
}

// cancelledSaid is err, or for a query cancelled (ctrl+c, SIGTERM) how far
// it got, in place of DuckDB's words.
func cancelledSaid(err error, st queries.Stats) error {
	if errors.Is(err, context.Canceled) {
		return errors.New(queries.CancelledMessage(st))
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
		b, err := io.ReadAll(e.stdin)
		if err == nil && strings.TrimSpace(string(b)) == "" {
			return "", usageError("query")
		}
		return string(b), err
	}
	return "", fmt.Errorf("give the SQL as one argument (quote it), got %d arguments", len(rest))
}

// rowWriter writes rows, the result r's rows as it streams them (or as a
// meter passes them on), to w.
type rowWriter func(w io.Writer, rows queries.Rows, r *queries.Result) error

var writers = map[string]rowWriter{
	"table": func(w io.Writer, rows queries.Rows, _ *queries.Result) error { return queries.WriteTable(w, rows) },
	"csv":   func(w io.Writer, rows queries.Rows, _ *queries.Result) error { return queries.WriteCSV(w, rows) },
	"json":  writeJSON,
	"null":  writeNull,
}

// writeNull fetches and decodes every row and prints nothing: the time a
// client needs to receive the result, for timing.
func writeNull(_ io.Writer, rows queries.Rows, _ *queries.Result) error {
	row := make([]any, len(rows.Columns()))
	for rows.Next() {
		for i := range rows.Len() {
			if err := rows.Row(i, row); err != nil {
				return err
			}
		}
	}
	return rows.Err()
}

// writeJSON prints the rows and, after them, the query's final stats.
func writeJSON(w io.Writer, rows queries.Rows, r *queries.Result) error {
	return queries.WriteJSON(w, rows, func() queries.Stats {
		r.Close() // settle the final stats before printing them
		return r.Stats()
	})
}

// writeRows writes r to stdout. When the rows go to a file or a pipe and
// stderr is a terminal, a line there shows the rows and bytes written so
// far, their rate and, where DuckDB estimates it, how far the query is
// and the time left, while they are written (a large result takes
// minutes); never on stdout, and not when stdout is the terminal too,
// where the rows show themselves and a redrawn line would cut them.
func writeRows(e *env, write rowWriter, r *queries.Result) error {
	if !isTerminal(e.stderr) || isTerminal(e.stdout) {
		return write(e.stdout, r, r)
	}
	return writeWithProgress(e.stdout, e.stderr, write, r, 200*time.Millisecond)
}

// writeWithProgress writes r to out with write, redrawing a line of how
// far it is on term every interval (see queries.WriteMeter), and leaves
// the final figures there.
func writeWithProgress(out, term io.Writer, write rowWriter, r *queries.Result, interval time.Duration) error {
	meter := queries.NewWriteMeter()
	var mu sync.Mutex
	draw := func(line string) {
		mu.Lock()
		defer mu.Unlock()
		fmt.Fprint(term, "\r\x1b[K"+line)
	}
	done := make(chan struct{})
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		tick := time.NewTicker(interval)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
				draw("writing: " + meter.Progress().String() + " (ctrl+c stops)")
			}
		}
	}()
	err := write(meter.Writer(out), meter.Rows(r), r)
	close(done)
	<-stopped
	verb := "wrote"
	if err != nil || r.Err() != nil {
		verb = "stopped after"
	}
	draw(verb + " " + meter.Progress().Totals() + "\n")
	return err
}

// printStats writes a query's figures in two lines, Athena's words first.
func printStats(w io.Writer, st queries.Stats) {
	scanned := units.Bytes(st.DataScanned)
	if !st.ScannedExact && st.DataScanned > 0 {
		scanned += " (upper bound: the plan could not be read)"
	}
	files := queries.Plural(st.Files, "file")
	if st.Copies > 0 {
		files += ", read from tarn's copy"
	}
	fmt.Fprintf(w, "%s · %s · data scanned %s (%s bytes, %s) · billed %s · cost %s\n",
		st.State, queries.Plural(int(st.Rows), "row"), scanned, queries.FormatCount(st.DataScanned), files,
		units.Bytes(st.BilledBytes), queries.FormatUSD(st.CostUSD))
	fmt.Fprintf(w, "planning %.1f ms · engine %.1f ms · fetch %.1f ms · first row %.1f ms · total %.1f ms\n",
		st.PlanningMS, st.EngineMS, st.FetchMS, st.FirstRowMS, st.TotalMS)
}
