package main

import (
	"fmt"
	"io"
	"strings"

	"tarn/demo"
	"tarn/internal/units"
	"tarn/queries"
)

// grid is one printed table: a title, a header and rows of text.
type grid struct {
	title  string
	header []string
	rows   [][]string
}

// renderGrids prints the source's three tables, where the cells allow,
// then every cell in detail, then how the figures were computed.
func renderGrids(w io.Writer, r benchReport, write func(io.Writer, grid)) error {
	for _, g := range []grid{byFilesGrid(r), compressionGrid(r), queryGrid(r), cellsGrid(r)} {
		if g = g.withoutEmptyColumns(); len(g.rows) > 0 {
			write(w, g)
		}
	}
	if len(r.Cells) > 0 {
		t := r.Cells[0].Timing
		if t.RunsMS == nil { // a failed first cell
			t = queries.Summarize(make([]float64, r.Runs), r.Warmup == 0)
		}
		fmt.Fprintf(w, "Local: %s, each fetching every row. Athena: the source's figures (trimmed mean of 5). ×: Athena time / local time.\n", t.Method())
	}
	if r.Worst != nil {
		fmt.Fprintf(w, "Worst cell against Athena: %s %s, local time %.2fx Athena's.\n", r.Worst.Table, r.Worst.Query, r.Worst.LocalOverAthena)
	}
	if n, made, ok := copiesRead(r.Cells); ok {
		when := "made before this run"
		if made > 0 {
			when = fmt.Sprintf("made after a cell's first run where there was none (%.1f s of copying, not timed)", made/1000)
		}
		fmt.Fprintf(w, "Copies: %s read a table of many small files from tarn's one-file copy of it, %s; "+
			"data scanned is still the files'. --no-copies reads the files.\n", queries.Plural(n, "cell"), when)
	}
	if c, ok := worstOverPlain(r.Cells); ok {
		fmt.Fprintf(w, "Plain DuckDB: the same query over read_parquet/read_csv of the same files, default settings, no governance, "+
			"timed after each of tarn's runs. Worst cell: %s %s, tarn %.2fx plain DuckDB.\n", c.Table, c.Query, c.TarnOverPlain)
	}
	return nil
}

// copiesRead counts the cells whose runs read a copy, and the time spent
// making copies.
func copiesRead(cells []queries.BenchCell) (n int, madeMS float64, ok bool) {
	for _, c := range cells {
		if c.CopiesRead > 0 {
			n++
		}
		madeMS += c.CopyMS
	}
	return n, madeMS, n > 0
}

// worstOverPlain is the cell where tarn took longest against plain DuckDB.
func worstOverPlain(cells []queries.BenchCell) (queries.BenchCell, bool) {
	var worst queries.BenchCell
	ok := false
	for _, c := range cells {
		if c.PlainDuckDB != nil && c.Error == "" && (!ok || c.TarnOverPlain > worst.TarnOverPlain) {
			worst, ok = c, true
		}
	}
	return worst, ok
}

// cellIndex finds cells by table layout and query.
type cellIndex map[queries.AthenaCell]queries.BenchCell

func indexCells(r benchReport) cellIndex {
	idx := cellIndex{}
	for _, c := range r.Cells {
		// The source's grids hold its log's layouts only: a table of
		// demo --scale 100 in one Parquet file is not the 148,534-row cell.
		if c.AthenaS == nil {
			continue
		}
		idx[queries.AthenaCell{Format: c.Format, Compression: c.Compression, Files: c.Files, Query: c.Query}] = c
	}
	return idx
}

// pair is a cell's local and Athena text, or nothing when it did not run.
func (idx cellIndex) pair(k queries.AthenaCell) ([]string, bool) {
	c, ok := idx[k]
	if !ok {
		return []string{"", ""}, false
	}
	athena := "—"
	if ratio, ok := c.AthenaRatio(); ok {
		athena = athenaFigure(*c.AthenaS) + " " + times(ratio)
	}
	return []string{localFigure(c), athena}, true
}

// localFigure is a cell's local time as the tables and the chart write it.
func localFigure(c queries.BenchCell) string {
	if c.Error != "" {
		return "failed"
	}
	return fmt.Sprintf("%.1f ms", c.TrimmedMS)
}

// athenaFigure is the source's Athena time as the tables and the chart write it.
func athenaFigure(s float64) string { return fmt.Sprintf("%.2f s", s) }

var (
	benchFormats = []struct{ name, label string }{{"json", "JSON"}, {"csv", "CSV"}, {"parquet", "Parquet"}}
	fileCounts   = []int{1, 10, 100, 1000, 10000}
	gzipCounts   = []int{1, 100, 10000}
)

func byFilesGrid(r benchReport) grid {
	idx := indexCells(r)
	g := grid{title: "Full scan by files and format (local trimmed mean; Athena)", header: []string{"files", "rows/file"}}
	for _, f := range benchFormats {
		g.header = append(g.header, f.label, "Athena")
	}
	for _, files := range fileCounts {
		row := []string{queries.FormatCount(int64(files)), queries.FormatCount(int64((demo.LogRows + files - 1) / files))}
		any := false
		for _, f := range benchFormats {
			p, ok := idx.pair(queries.AthenaCell{Format: f.name, Compression: "none", Files: files, Query: "full"})
			row, any = append(row, p...), any || ok
		}
		if any {
			g.rows = append(g.rows, row)
		}
	}
	return g
}

func compressionGrid(r benchReport) grid {
	idx := indexCells(r)
	g := grid{title: "Compression, full scan", header: []string{"format"}}
	for _, files := range gzipCounts {
		g.header = append(g.header, queries.Plural(files, "file"), "Athena")
	}
	for _, f := range benchFormats[:2] {
		for _, comp := range []string{"none", "gzip"} {
			row := []string{f.label + map[string]string{"none": " plain", "gzip": " gzip"}[comp]}
			any := false
			for _, files := range gzipCounts {
				p, ok := idx.pair(queries.AthenaCell{Format: f.name, Compression: comp, Files: files, Query: "full"})
				row, any = append(row, p...), any || ok
			}
			if any && (comp == "gzip" || hasGzip(idx, f.name)) {
				g.rows = append(g.rows, row)
			}
		}
	}
	return g
}

// hasGzip says whether gzip cells ran for a format, so the plain rows
// print beside them.
func hasGzip(idx cellIndex, format string) bool {
	for k := range idx {
		if k.Format == format && k.Compression == "gzip" && k.Query == "full" {
			return true
		}
	}
	return false
}

func queryGrid(r benchReport) grid {
	idx := indexCells(r)
	g := grid{title: "Query by format", header: []string{"query", "format"}}
	for _, files := range gzipCounts {
		g.header = append(g.header, queries.Plural(files, "file"), "Athena")
	}
	for _, q := range []string{"like", "projection"} {
		for _, f := range benchFormats {
			row := []string{map[string]string{"like": "LIKE", "projection": "projection"}[q], f.label}
			any := false
			for _, files := range gzipCounts {
				p, ok := idx.pair(queries.AthenaCell{Format: f.name, Compression: "none", Files: files, Query: q})
				row, any = append(row, p...), any || ok
			}
			if any {
				g.rows = append(g.rows, row)
			}
		}
	}
	return g
}

// times writes a ratio with the digits that matter: ×84, ×2.4, ×0.97.
func times(x float64) string {
	switch {
	case x >= 10:
		return fmt.Sprintf("×%.0f", x)
	case x >= 1:
		return fmt.Sprintf("×%.1f", x)
	}
	return fmt.Sprintf("×%.2f", x)
}

// withoutEmptyColumns drops columns no row fills (layouts not run).
func (g grid) withoutEmptyColumns() grid {
	keep := make([]bool, len(g.header))
	for _, r := range g.rows {
		for i, c := range r {
			keep[i] = keep[i] || c != ""
		}
	}
	out := grid{title: g.title}
	pick := func(row []string) []string {
		var kept []string
		for i, c := range row {
			if keep[i] {
				kept = append(kept, c)
			}
		}
		return kept
	}
	out.header = pick(g.header)
	for _, r := range g.rows {
		out.rows = append(out.rows, pick(r))
	}
	return out
}

// cellsGrid lists every cell for a reader: times, spread, the engine and
// fetch split, data scanned and cost, and the source's figure.
func cellsGrid(r benchReport) grid {
	g := grid{title: "Every cell (ms: trimmed mean; spread: (max-min)/mean)", header: []string{"table", "query",
		"ms", "spread", "plain DuckDB", "tarn/plain", "engine", "fetch", "rows", "data scanned", "cost", "Athena", "×"}}
	for _, c := range r.Cells {
		if c.Error != "" {
			g.rows = append(g.rows, append([]string{c.Table, c.Query, "failed: " + c.Error}, make([]string, len(g.header)-3)...))
			continue
		}
		plain, over := plainFigures(c, "%.1f", "%.2f")
		athena, ratio := "—", ""
		if x, ok := c.AthenaRatio(); ok {
			athena, ratio = fmt.Sprintf("%.2f s", *c.AthenaS), times(x)
		}
		g.rows = append(g.rows, []string{c.Table, c.Query, fmt.Sprintf("%.1f", c.TrimmedMS), fmt.Sprintf("%.0f%%", 100*c.Spread),
			plain, over, fmt.Sprintf("%.1f", c.EngineMS), fmt.Sprintf("%.1f", c.FetchMS), queries.FormatCount(c.Rows),
			units.Bytes(c.DataScanned), queries.FormatUSD(c.CostUSD), athena, ratio})
	}
	return g
}

// detailGrid lists every cell with raw figures: the CSV output.
func detailGrid(r benchReport) grid {
	g := grid{title: "Every cell", header: []string{"table", "query", "format", "compression", "files",
		"trimmed_mean_ms", "min_ms", "median_ms", "max_ms", "spread_pct", "engine_ms", "fetch_ms", "rows",
		"data_scanned_bytes", "billed_bytes", "cost_usd", "athena_s", "athena_over_local", "plain_duckdb_ms", "tarn_over_plain", "copies_read", "copy_ms", "error"}}
	for _, c := range r.Cells {
		athena, ratio := "", ""
		if c.AthenaS != nil {
			athena = fmt.Sprintf("%.2f", *c.AthenaS)
		}
		if x, ok := c.AthenaRatio(); ok {
			ratio = fmt.Sprintf("%.1f", x)
		}
		f1 := func(x float64) string { return fmt.Sprintf("%.1f", x) }
		plain, over := plainFigures(c, "%.1f", "%.3f")
		g.rows = append(g.rows, []string{c.Table, c.Query, c.Format, c.Compression, fmt.Sprint(c.Files),
			f1(c.TrimmedMS), f1(c.MinMS), f1(c.MedianMS), f1(c.MaxMS), fmt.Sprintf("%.0f", 100*c.Spread),
			f1(c.EngineMS), f1(c.FetchMS), fmt.Sprint(c.Rows), fmt.Sprint(c.DataScanned), fmt.Sprint(c.BilledBytes),
			fmt.Sprintf("%.7f", c.CostUSD), athena, ratio, plain, over, fmt.Sprint(c.CopiesRead), f1(c.CopyMS), c.Error})
	}
	return g
}

// plainFigures are a cell's plain DuckDB trimmed mean and tarn's time
// over it, or nothing when the benchmark ran no plain DuckDB.
func plainFigures(c queries.BenchCell, msFormat, ratioFormat string) (string, string) {
	if c.PlainDuckDB == nil {
		return "", ""
	}
	return fmt.Sprintf(msFormat, c.PlainDuckDB.TrimmedMS), fmt.Sprintf(ratioFormat, c.TarnOverPlain)
}

func writeAligned(w io.Writer, g grid) {
	fmt.Fprintf(w, "%s\n", g.title)
	printAligned(w, append([][]string{g.header}, g.rows...), 1)
	fmt.Fprintln(w)
}

func writeMarkdown(w io.Writer, g grid) {
	cell := func(s string) string { return strings.ReplaceAll(s, "|", `\|`) }
	line := func(cells []string) {
		out := make([]string, len(cells))
		for i, c := range cells {
			out[i] = cell(c)
		}
		fmt.Fprintf(w, "| %s |\n", strings.Join(out, " | "))
	}
	fmt.Fprintf(w, "### %s\n\n", g.title)
	line(g.header)
	seps := make([]string, len(g.header))
	for i := range seps {
		seps[i] = "---"
		if i > 0 {
			seps[i] = "---:"
		}
	}
	fmt.Fprintf(w, "|%s|\n", strings.Join(seps, "|"))
	for _, r := range g.rows {
		line(r)
	}
	fmt.Fprintln(w)
}
