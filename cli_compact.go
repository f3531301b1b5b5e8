package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"tarn/internal/units"
	"tarn/lake"
	"tarn/queries"
)

// compactResult is what tarn compact prints: the files before and after,
// and the source's queries timed over each (the rows ctrl+b compares).
type compactResult struct {
	Table   string       `json:"table"`
	From    string       `json:"from"`
	To      string       `json:"to"`
	Before  compactFiles `json:"before"`
	After   compactFiles `json:"after"`
	Bench   compactBench `json:"bench"`
	Kept    []string     `json:"kept,omitempty"`
	Cleaned []string     `json:"cleaned,omitempty"`
}

type compactFiles struct {
	Format      string `json:"format"`
	Compression string `json:"compression"`
	Files       int    `json:"files"`
	Bytes       int64  `json:"bytes"`
	Rows        int64  `json:"rows"`
}

// compactBench is the same cells before and after; empty with --no-bench.
type compactBench struct {
	Before []queries.BenchCell `json:"before"`
	After  []queries.BenchCell `json:"after"`
}

func runCompact(e *env, args []string) error {
	fs := e.newFlags("compact")
	target := fs.String("target-size", "128MB", "size to aim each new file at (128MB is 128 MiB)")
	to := fs.String("to", "", "format of the new files: parquet, csv or json (default: the table's)")
	gz := fs.Bool("gzip", false, "gzip the new files (csv and json)")
	persona := fs.String("persona", "", "persona compacting (default: the policy's default); administrators only")
	noBench := fs.Bool("no-bench", false, "skip timing the source's queries before and after")
	format := fs.String("format", "table", "output: table or json")
	chartFile := fs.String("chart", "", "also write the source's queries before and after as bar charts to this SVG file")
	rest, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(rest) != 1 {
		return usageError("compact")
	}
	if *format != "table" && *format != "json" {
		return fmt.Errorf("--format %q: use table or json", *format)
	}
	if *chartFile != "" && *noBench {
		return errors.New("--chart draws the queries' times before and after: it needs them, so not with --no-bench")
	}
	size, err := units.ParseBytes(*target)
	if err != nil {
		return fmt.Errorf("--target-size: %w", err)
	}
	opts := lake.CompactOptions{TargetSize: size, Format: lake.Format(*to)}
	if *gz {
		opts.Compression = lake.Gzip
	}
	res, err := compactTable(e, rest[0], *persona, opts, !*noBench)
	if err != nil {
		return err
	}
	if *format == "json" {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		err = enc.Encode(res)
	} else {
		writeCompactReport(e.stdout, res)
	}
	if err != nil || *chartFile == "" {
		return err
	}
	return writeCompactChart(e, *chartFile, res)
}

// compactTable checks that persona is an administrator, times the source's
// queries, compacts and times them again.
func compactTable(e *env, name, persona string, opts lake.CompactOptions, bench bool) (compactResult, error) {
	l, pol, who, err := e.openGoverned(persona)
	if err != nil {
		return compactResult{}, err
	}
	if p, _ := pol.Persona(who); !p.Admin {
		return compactResult{}, fmt.Errorf("tarn compact is for administrators: it rewrites a table's files for everyone (%s is not one)", who)
	}
	if _, ok := l.Catalog.Find(name); !ok {
		return compactResult{}, fmt.Errorf("compact: no table %s in the catalog", name)
	}
	opts.Persona = who
	var res compactResult
	if bench {
		if res.Bench.Before, err = benchWithBar(e, name, who, "before"); err != nil {
			return res, err
		}
	}
	bar := newProgressBar(e)
	steps := int64(len(lake.CompactSteps))
	opts.Progress = func(p lake.CompactProgress) {
		if p.Step == lake.StepWrite && p.Read > 0 {
			bar.drawBytes(p.Read, p.Total, p.Written, p.Elapsed, "write")
			return
		}
		label := string(p.Step) // a line a step when stderr is not a terminal
		if bar.tty {
			label += fmt.Sprintf(": %s written, %s/s", units.Bytes(p.Written), units.Bytes(perSecond(p.Written, p.Elapsed)))
		}
		bar.draw(int64(slices.Index(lake.CompactSteps, p.Step))+1, steps, "steps", label)
	}
	rep, err := l.Compact(e.ctx, name, opts)
	bar.finish()
	switch {
	case e.ctx.Err() != nil && !rep.Switched:
		return res, fmt.Errorf("compact cancelled: %s is as it was, nothing of the new files is left", name)
	case err != nil && !rep.Switched:
		return res, err
	case err != nil:
		fmt.Fprintf(e.stderr, "compacted, but the old files could not all be removed: %v\n", err)
	}
	res.fill(rep)
	if bench {
		if res.Bench.After, err = benchWithBar(e, name, who, "after"); err != nil {
			return res, err
		}
	}
	return res, nil
}

// benchWithBar times the source's queries over the table as it is in
// lake.toml now, with a progress bar.
func benchWithBar(e *env, name, persona, when string) ([]queries.BenchCell, error) {
	l, pol, _, err := e.openGoverned(persona)
	if err != nil {
		return nil, err
	}
	bar := newProgressBar(e)
	cells, err := queries.BenchTable(e.ctx, l, pol, persona, name, func(p queries.BenchProgress) {
		bar.draw(int64(p.Done), int64(p.Total), "runs", "timing "+when+": "+p.Cell.Query)
	})
	bar.finish()
	if err != nil {
		return nil, fmt.Errorf("timing the queries %s compacting: %w", when, err)
	}
	return cells, nil
}

func (r *compactResult) fill(rep lake.CompactReport) {
	r.Table, r.From, r.To = rep.Before.QualifiedName(), rep.Before.Location, rep.After.Location
	r.Before = compactFiles{string(rep.Before.Format), string(rep.Before.Compression), rep.BeforeFiles.Files, rep.BeforeFiles.Bytes, rep.Rows}
	r.After = compactFiles{string(rep.After.Format), string(rep.After.Compression), rep.AfterFiles.Files, rep.AfterFiles.Bytes, rep.Rows}
	r.Kept, r.Cleaned = rep.Kept, rep.Cleaned
}

// writeCompactReport prints the files before and after, then each query
// before and after.
func writeCompactReport(w io.Writer, r compactResult) {
	for _, c := range r.Cleaned {
		fmt.Fprintf(w, "cleaned what an interrupted compaction left: %s\n", queries.Printable(c))
	}
	fmt.Fprintf(w, "compacted %s: %s -> %s\n\n", r.Table, queries.Printable(r.From), queries.Printable(r.To))
	rows := [][]string{{"", "layout", "files", "bytes", "average file", "rows"}}
	for _, f := range []struct {
		when  string
		files compactFiles
	}{{"before", r.Before}, {"after", r.After}} {
		lay := lake.Layout{Format: lake.Format(f.files.Format), Compression: lake.Compression(f.files.Compression)}
		rows = append(rows, []string{f.when, lay.Kind(), queries.FormatCount(int64(f.files.Files)), units.Bytes(f.files.Bytes),
			units.Bytes(f.files.Bytes / int64(max(f.files.Files, 1))), queries.FormatCount(f.files.Rows)})
	}
	printAligned(w, rows, 1)
	if len(r.Bench.Before) > 0 {
		fmt.Fprintln(w)
		printAligned(w, compactBenchRows(r.Bench), 1)
		fmt.Fprintf(w, "ms: trimmed mean of %d runs after %d warm-up, each fetching every row; Athena: the source's figure for that layout\n",
			queries.BenchRuns, queries.BenchWarmup)
	}
	for _, k := range r.Kept {
		fmt.Fprintf(w, "kept %s: not the table's data, so its folder stays\n", queries.Printable(k))
	}
}

// compactBenchRows are one line per query and time: the rows of ctrl+b.
func compactBenchRows(b compactBench) [][]string {
	rows := [][]string{{"query", "", "files", "ms", "data scanned", "cost", "Athena"}}
	for i, before := range b.Before {
		rows = append(rows, benchRow(before, "before"))
		if i < len(b.After) {
			rows = append(rows, benchRow(b.After[i], "after"))
		}
	}
	return rows
}

func benchRow(c queries.BenchCell, when string) []string {
	files := queries.FormatCount(int64(c.Files))
	if c.Error != "" {
		return []string{c.Query, when, files, "failed: " + strings.SplitN(c.Error, "\n", 2)[0], "", "", ""}
	}
	athena := "—"
	if c.AthenaS != nil {
		athena = fmt.Sprintf("%.2f s", *c.AthenaS)
	}
	return []string{c.Query, when, files, fmt.Sprintf("%.1f", c.TrimmedMS), units.Bytes(c.DataScanned), queries.FormatUSD(c.CostUSD), athena}
}
