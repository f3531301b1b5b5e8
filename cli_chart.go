package main

import (
	"fmt"
	"io"
	"math"
	"strings"

	"tarn/chart"
	"tarn/internal/units"
	"tarn/queries"
)

// chartOptions are tarn query's flags for a plot in place of the rows.
type chartOptions struct {
	path, kind, x, y string
}

// maxChartRows bounds the rows a plot keeps (two columns of each); the
// rest are counted, and the chart says it draws the first ones.
const maxChartRows = 20_000

// maxHistogramRows bounds the values a histogram keeps: 16 MB of them.
const maxHistogramRows = 2_000_000

// writeQueryChart streams r's rows into the plot of the columns it draws
// and writes it to o.path as SVG, atomically.
func writeQueryChart(e *env, r *queries.Result, text string, o chartOptions) error {
	cols := queries.ChartColumns(r.Columns())
	spec, keep, err := chartColumns(cols, o)
	if err != nil {
		return err
	}
	d := chart.NewData(subset(cols, keep), maxChartRows)
	if spec.Kind == chart.Histogram {
		d = chart.NewNumbers(subset(cols, keep), maxHistogramRows) // bins need values only
	}
	formats := queries.FormatsOf(r.Columns())
	row := make([]string, len(keep))
	err = r.Each(func(values []any) error {
		for i, c := range keep {
			row[i] = formats[c].Text(values[c])
		}
		d.Add(row)
		return nil
	})
	if err != nil {
		return err
	}
	if o.kind == "" && len(keep) == 2 {
		spec.Kind = chart.KindFor(d, spec.X, spec.Y) // some kinds depend on the rows
	}
	err = writeChartFile(e, o.path, func(w io.Writer) error { return chart.SVG(w, d, spec, text) })
	if err == nil {
		fmt.Fprintf(e.stderr, "wrote %s: %s, %s\n", o.path, spec.Caption(d), d.Note())
	}
	return err
}

// chartColumns are the plot's spec over the kept columns (x first, then
// y) and the result's columns to keep: those the flags name, else the
// ones chart chooses.
func chartColumns(cols []chart.Column, o chartOptions) (chart.Spec, []int, error) {
	if len(cols) == 0 {
		return chart.Spec{}, nil, fmt.Errorf("--chart: the result has no columns")
	}
	x, y := chart.Axes(cols)
	var err error
	if o.x != "" {
		if x, err = columnNamed(cols, "--x", o.x); err != nil {
			return chart.Spec{}, nil, err
		}
	}
	if o.y != "" {
		if y, err = columnNamed(cols, "--y", o.y); err != nil {
			return chart.Spec{}, nil, err
		}
	} else if y == x {
		y = chart.NumberAfter(cols, x) // --x took the default y
	}
	spec := chart.Spec{X: 0, Y: 1}
	if o.kind != "" {
		if spec.Kind, err = chart.ParseKind(o.kind); err != nil {
			return chart.Spec{}, nil, fmt.Errorf("--chart-kind: %w", err)
		}
	}
	if spec.Kind == chart.Histogram && o.x == "" && cols[x].Class() == chart.Text && y >= 0 {
		x = y // a histogram of the number, not of the label
	}
	keep := []int{x, y}
	if y < 0 || spec.Kind == chart.Histogram && o.kind != "" {
		keep, spec.Y = []int{x}, 0
		spec.Kind = chart.Histogram
	}
	probe := chart.NewData(subset(cols, keep), 0)
	if err := spec.Check(probe); err != nil {
		return chart.Spec{}, nil, fmt.Errorf("--chart: %w", err)
	}
	return spec, keep, nil
}

func subset(cols []chart.Column, keep []int) []chart.Column {
	out := make([]chart.Column, len(keep))
	for i, c := range keep {
		out[i] = cols[c]
	}
	return out
}

func columnNamed(cols []chart.Column, flag, name string) (int, error) {
	var names []string
	for i, c := range cols {
		if strings.EqualFold(c.Name, name) {
			return i, nil
		}
		names = append(names, c.Name)
	}
	return 0, fmt.Errorf("%s %q: the result has no such column (it has %s)", flag, name, strings.Join(names, ", "))
}

// writeBenchChart writes the benchmark as the source's bar charts: a
// panel per query, the local trimmed mean beside Athena's figure for each
// layout.
func writeBenchChart(e *env, path string, r benchReport) error {
	var panels []chart.BenchPanel
	at := map[string]int{}
	for _, c := range r.Cells {
		i, ok := at[c.Query]
		if !ok {
			i = len(panels)
			at[c.Query] = i
			panels = append(panels, chart.BenchPanel{Title: "query: " + c.Query})
		}
		panels[i].Groups = append(panels[i].Groups, benchGroup(c))
	}
	method := "local runs"
	if len(r.Cells) > 0 && r.Cells[0].Timing.RunsMS != nil {
		method = r.Cells[0].Timing.Method()
	}
	err := writeChartFile(e, path, func(w io.Writer) error {
		return chart.BenchSVG(w, "tarn bench: local time beside Athena's, per format and file count",
			"Local: "+method+", each fetching every row. Athena: the source's figures (trimmed mean of 5).",
			"local (tarn, DuckDB on this machine)", "Athena (the source's figure)", panels)
	})
	if err == nil {
		fmt.Fprintf(e.stderr, "wrote %s: %s\n", path, queries.Plural(len(r.Cells), "cell"))
	}
	return err
}

// benchGroup is one cell's bars, with the figures as the table writes them.
func benchGroup(c queries.BenchCell) chart.BenchGroup {
	g := chart.BenchGroup{Label: c.Table, LocalMS: c.TrimmedMS, LocalText: localFigure(c), AthenaMS: math.NaN(), AthenaText: "no Athena figure"}
	if c.Format != "" {
		g.Label = fmt.Sprintf("%s · %s", c.Format, queries.Plural(c.Files, "file"))
		if c.Compression != "" && c.Compression != "none" {
			g.Label = fmt.Sprintf("%s %s · %s", c.Format, c.Compression, queries.Plural(c.Files, "file"))
		}
	}
	if c.Error != "" {
		g.LocalMS = math.NaN()
	}
	if c.AthenaS != nil {
		g.AthenaMS, g.AthenaText = *c.AthenaS*1000, athenaFigure(*c.AthenaS)
	}
	return g
}

// writeCompactChart draws compact's before and after as the benchmark's
// chart does: a panel per query, the time before compaction above the
// time after it.
func writeCompactChart(e *env, path string, r compactResult) error {
	var panels []chart.BenchPanel
	for i, before := range r.Bench.Before {
		if i >= len(r.Bench.After) {
			break
		}
		after := r.Bench.After[i]
		g := chart.BenchGroup{Label: r.Table, LocalMS: before.TrimmedMS, LocalText: localFigure(before),
			AthenaMS: after.TrimmedMS, AthenaText: localFigure(after)}
		if before.Error != "" {
			g.LocalMS = math.NaN()
		}
		if after.Error != "" {
			g.AthenaMS = math.NaN()
		}
		panels = append(panels, chart.BenchPanel{Title: "query: " + before.Query, Groups: []chart.BenchGroup{g}})
	}
	method := "local runs"
	if len(r.Bench.Before) > 0 {
		method = r.Bench.Before[0].Timing.Method()
	}
	err := writeChartFile(e, path, func(w io.Writer) error {
		return chart.BenchSVG(w, "tarn compact "+r.Table+": the source's queries before and after",
			"Both: "+method+", each fetching every row, on this machine.",
			fmt.Sprintf("before: %s, %s", queries.Plural(r.Before.Files, "file"), units.Bytes(r.Before.Bytes)),
			fmt.Sprintf("after: %s, %s", queries.Plural(r.After.Files, "file"), units.Bytes(r.After.Bytes)), panels)
	})
	if err == nil {
		fmt.Fprintf(e.stderr, "wrote %s: %s\n", path, queries.Plural(len(panels), "panel"))
	}
	return err
}

// writeChartFile writes a chart where an export may go: never inside the
// lake.
func writeChartFile(e *env, path string, write func(io.Writer) error) error {
	l, err := e.openLake()
	if err != nil {
		return err
	}
	return queries.WriteOutside(l, path, write)
}
