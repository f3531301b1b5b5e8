package main

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"tarn/demo"
	"tarn/lake"
	"tarn/perms"
	"tarn/queries"
)

// benchOptions are tarn bench's flags.
type benchOptions struct {
	formats, files, compression, queryNames, tables, saved, sql string
	runs, warmup                                                int
	persona, format, chart                                      string
	besideDuckDB, noCopies                                      bool
}

func runBench(e *env, args []string) error {
	var o benchOptions
	fs := e.newFlags("bench")
	fs.StringVar(&o.formats, "formats", "csv,json,parquet", "formats of the demo layouts to run")
	fs.StringVar(&o.files, "files", "1,10,100,1000,10000", "file counts of the demo layouts to run")
	fs.StringVar(&o.compression, "compression", "none,gzip", "compressions of the demo layouts to run")
	fs.StringVar(&o.queryNames, "queries", "full,like,projection", "the source's queries to run")
	fs.StringVar(&o.tables, "tables", "", "lake tables to run instead of the demo layouts (comma-separated)")
	fs.StringVar(&o.saved, "saved", "", "saved queries to run instead of the source's (comma-separated)")
	fs.StringVar(&o.sql, "sql", "", "a query to run instead of the source's ({table} stands for each table)")
	fs.IntVar(&o.runs, "runs", 5, "recorded runs per cell")
	fs.IntVar(&o.warmup, "warmup", 1, "unrecorded warm-up runs per cell (0 includes the cold run)")
	fs.StringVar(&o.persona, "persona", "", "persona to run as (default: the policy's default)")
	fs.StringVar(&o.format, "format", "table", "output: table, csv, json, markdown")
	fs.BoolVar(&o.besideDuckDB, "beside-duckdb", false, "also time each query over the same files in plain DuckDB (default settings, no governance; administrators only), after each of tarn's runs")
	fs.BoolVar(&o.noCopies, "no-copies", false, "read every table from its own files: no copy of a table of many small files (each cell's first run makes one, and the runs after it read it)")
	fs.StringVar(&o.chart, "chart", "", "also write the bar charts (local beside Athena, a panel per query) to this SVG file")
	if rest, err := parseInterspersed(fs, args); err != nil {
		return err
	} else if len(rest) > 0 {
		return fmt.Errorf("bench takes flags only, got %q", rest[0])
	}
	render, ok := benchRenderers[o.format]
	switch {
	case !ok:
		return fmt.Errorf("--format %q: use table, csv, json or markdown", o.format)
	case o.runs < 1 || o.warmup < 0:
		return fmt.Errorf("--runs must be at least 1 and --warmup at least 0")
	}
	cells, s, err := prepareBench(e, o)
	if err != nil {
		return err
	}
	defer s.Close()
	var plain *queries.PlainDuckDB
	if o.besideDuckDB {
		if plain, err = queries.OpenPlainDuckDB(e.ctx); err != nil {
			return err
		}
		defer plain.Close()
	}
	bar := newProgressBar(e)
	start := time.Now()
	err = s.BenchBeside(e.ctx, cells, o.runs, o.warmup, plain, func(p queries.BenchProgress) {
		bar.draw(int64(p.Done), int64(p.Total), "runs", p.Cell.Table+" "+p.Cell.Query)
	})
	bar.finish()
	if err != nil {
		return benchCancelled(e, render, o, cells, err)
	}
	fmt.Fprintf(e.stderr, "%s in %.1fs as %s\n", queries.Plural(len(cells), "cell"), time.Since(start).Seconds(), s.Persona().Name)
	report := newBenchReport(o.runs, o.warmup, cells)
	if err := render(e.stdout, report); err != nil || o.chart == "" {
		return err
	}
	return writeBenchChart(e, o.chart, report)
}

// benchCancelled prints the cells measured before a cancel (ctrl+c), so
// minutes of runs are not lost, and says the bench did not finish.
func benchCancelled(e *env, render func(io.Writer, benchReport) error, o benchOptions, cells []queries.BenchCell, cause error) error {
	var measured []queries.BenchCell
	for _, c := range cells {
		if c.RunsMS != nil || c.Error != "" {
			measured = append(measured, c)
		}
	}
	if len(measured) > 0 {
		fmt.Fprintf(e.stderr, "bench cancelled: the %s measured before it follow\n", queries.Plural(len(measured), "cell"))
		if err := render(e.stdout, newBenchReport(o.runs, o.warmup, measured)); err != nil {
			return err
		}
	}
	return fmt.Errorf("bench cancelled after %d of %s: %w", len(measured), queries.Plural(len(cells), "cell"), cause)
}

// prepareBench opens the session and lays out the cells.
func prepareBench(e *env, o benchOptions) ([]queries.BenchCell, *queries.Session, error) {
	qs, err := benchQueries(e, o)
	if err != nil {
		return nil, nil, err
	}
	_, pol, who, err := e.openGoverned(o.persona)
	if err != nil {
		return nil, nil, err // an unknown persona, before any work
	}
	p, _ := pol.Persona(who)
	if o.besideDuckDB && !p.Admin {
		return nil, nil, fmt.Errorf("--beside-duckdb reads the files outside tarn's governance: administrators only, and %s is not one", who)
	}
	tables, names, err := benchTables(e, o, p.Admin)
	if err != nil {
		return nil, nil, err
	}
	l, pol, who, err := e.openGoverned(o.persona) // with the layouts benchTables added
	if err != nil {
		return nil, nil, err
	}
	if err := readableBy(l, pol, who, tables, names); err != nil {
		return nil, nil, err
	}
	cells, err := queries.PlanBench(l, tables, qs)
	if err != nil {
		return nil, nil, err
	}
	opts := e.session
	opts.BuildCopies, opts.IgnoreCopies = !o.noCopies, o.noCopies
	s, err := queries.OpenWith(e.ctx, l, pol, who, opts)
	return cells, s, err
}

func splitList(s string) []string {
	var out []string
	for _, x := range strings.Split(s, ",") {
		if x = strings.TrimSpace(x); x != "" {
			out = append(out, x)
		}
	}
	return out
}

func benchQueries(e *env, o benchOptions) ([]queries.Saved, error) {
	switch {
	case o.sql != "":
		return []queries.Saved{{Name: "sql", SQL: o.sql}}, nil
	case o.saved != "":
		g, err := e.governed(o.persona)
		if err != nil {
			return nil, err
		}
		all, err := g.saved()
		if err != nil {
			return nil, err
		}
		var out []queries.Saved
		for _, name := range splitList(o.saved) {
			q, ok := queries.FindSaved(all, name)
			if !ok {
				return nil, fmt.Errorf("--saved: no saved query named %q (tarn saved lists them)", name)
			}
			out = append(out, q)
		}
		return out, nil
	}
	var out []queries.Saved
	for _, name := range splitList(o.queryNames) {
		q, ok := queries.FindSaved(queries.SourceQueries(), name)
		if !ok {
			return nil, fmt.Errorf("--queries: %q is not one of the source's queries (full, like, projection)", name)
		}
		out = append(out, q)
	}
	return out, nil
}

// benchTables are the named lake tables, or the demo layouts the flags
// select, adding the benchmark layouts to the demo lake when missing (an
// administrator's benchmark only: it writes 600 MB and the catalog); and
// the names the user gave for them.
func benchTables(e *env, o benchOptions, admin bool) ([]lake.Table, []string, error) {
	l, err := e.openLake()
	if err != nil {
		return nil, nil, err
	}
	if o.tables != "" {
		var out []lake.Table
		names := splitList(o.tables)
		for _, name := range names {
			t, ok := l.Catalog.Find(name)
			if !ok {
				return nil, nil, notFound(name)
			}
			out = append(out, t)
		}
		return out, names, nil
	}
	layouts, err := selectLayouts(o)
	if err != nil {
		return nil, nil, err
	}
	if missingLayouts(l, layouts) {
		if !admin {
			return nil, nil, fmt.Errorf("the lake lacks the benchmark's layouts; an administrator adds them (tarn demo --bench)")
		}
		fmt.Fprintln(e.stderr, "adding the benchmark layouts to the demo lake (as tarn demo --bench does)")
		if err := makeDemo(e, demo.Options{Bench: true}); err != nil {
			return nil, nil, err
		}
		if l, err = e.openLake(); err != nil {
			return nil, nil, err
		}
	}
	var out []lake.Table
	var names []string
	for _, lay := range layouts {
		t, ok := l.Catalog.Lookup("weblogs", demo.LogTable(lay, 0).Name)
		if !ok {
			return nil, nil, fmt.Errorf("the demo lake has no %s layout", lay)
		}
		out, names = append(out, t), append(names, t.QualifiedName())
	}
	return out, names, nil
}

// notFound is the message of a table that does not exist, and of one the
// persona may not see: the same words as the guard's.
func notFound(name string) error { return fmt.Errorf("--tables: Table %s not found", name) }

// readableBy keeps the tables persona may read, refusing the rest with the
// words of a query: a table it may not see is not found, exactly as one
// that does not exist (nothing of it is printed), and one it may only
// describe is an insufficient permission.
func readableBy(l *lake.Lake, pol *perms.Policy, persona string, tables []lake.Table, names []string) error {
	vis, err := pol.Visibility(l.Catalog, persona)
	if err != nil {
		return err
	}
	for i, t := range tables {
		ta, ok := vis.Lookup(t.Database, t.Name)
		switch {
		case !ok:
			return notFound(names[i])
		case !ta.Select:
			return fmt.Errorf("Insufficient Lake Formation permission(s) on %s", t.QualifiedName())
		}
	}
	return nil
}

func selectLayouts(o benchOptions) ([]lake.Layout, error) {
	formats, compressions := splitList(o.formats), splitList(o.compression)
	var files []int
	for _, f := range splitList(o.files) {
		n, err := strconv.Atoi(f)
		if err != nil {
			return nil, fmt.Errorf("--files: %q is not a number", f)
		}
		files = append(files, n)
	}
	var out []lake.Layout
	for _, lay := range demo.Layouts(true) {
		if slices.Contains(formats, string(lay.Format)) && slices.Contains(compressions, string(lay.Compression)) && slices.Contains(files, lay.Files) {
			out = append(out, lay)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no demo layout has format %s, compression %s and files %s (gzip exists for csv and json at 1, 100 and 10000 files)", o.formats, o.compression, o.files)
	}
	return out, nil
}

func missingLayouts(l *lake.Lake, layouts []lake.Layout) bool {
	for _, lay := range layouts {
		if _, ok := l.Catalog.Lookup("weblogs", demo.LogTable(lay, 0).Name); !ok {
			return true
		}
	}
	return false
}

// benchReport is what tarn bench prints; its JSON carries every raw run.
type benchReport struct {
	Runs   int                 `json:"runs"`
	Warmup int                 `json:"warmup"`
	Cells  []queries.BenchCell `json:"cells"`
	Worst  *worstCell          `json:"worst_against_athena,omitempty"`
}

// worstCell is the cell slowest against Athena, its local time / Athena's.
type worstCell struct {
	Table           string  `json:"table"`
	Query           string  `json:"query"`
	LocalOverAthena float64 `json:"local_over_athena"`
}

func newBenchReport(runs, warmup int, cells []queries.BenchCell) benchReport {
	r := benchReport{Runs: runs, Warmup: warmup, Cells: cells}
	if c, x, ok := queries.WorstAgainstAthena(cells); ok {
		r.Worst = &worstCell{c.Table, c.Query, x}
	}
	return r
}

var benchRenderers = map[string]func(io.Writer, benchReport) error{
	"table":    func(w io.Writer, r benchReport) error { return renderGrids(w, r, writeAligned) },
	"markdown": func(w io.Writer, r benchReport) error { return renderGrids(w, r, writeMarkdown) },
	"csv":      writeBenchCSV,
	"json": func(w io.Writer, r benchReport) error {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(r)
	},
}

func writeBenchCSV(w io.Writer, r benchReport) error {
	g := detailGrid(r)
	cw := csv.NewWriter(w)
	cw.Write(g.header)
	for _, row := range g.rows {
		cw.Write(row)
	}
	cw.Flush()
	return cw.Error()
}
