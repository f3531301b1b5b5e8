package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"tarn/internal/units"
	"tarn/lake"
	"tarn/queries"
)

func runCatalog(e *env, args []string) error {
	fs := e.newFlags("catalog")
	asJSON := fs.Bool("json", false, "print one JSON object for scripts")
	persona := fs.String("persona", "", "list only what this persona may describe, with its visible columns")
	if rest, err := parseInterspersed(fs, args); err != nil {
		return err
	} else if len(rest) > 0 {
		return fmt.Errorf("catalog takes no arguments, got %q", rest[0])
	}
	return catalogAs(e, *persona, *asJSON)
}

// catalogAs prints the lake's catalog, as persona sees it if one is named.
func catalogAs(e *env, persona string, asJSON bool) error {
	l, err := e.openLake()
	if err != nil {
		return err
	}
	var filtered map[string]bool
	if persona != "" {
		if filtered, err = restrictToPersona(e, l, persona); err != nil {
			return err
		}
	}
	return printCatalog(e, l, filtered, asJSON)
}

// catalogEntry is one table in `tarn catalog --json`; scripts rely on it.
type catalogEntry struct {
	Database    string `json:"database"`
	Name        string `json:"name"`
	Format      string `json:"format"`
	Compression string `json:"compression"`
	Location    string `json:"location"`
	Files       int    `json:"files"`
	Bytes       int64  `json:"bytes"`
	// Rows is the table's row count; null for a persona whose row filter
	// hides some of them (RowsFiltered): the total would tell how many
	// rows it may not see, and it is not the persona's count.
	Rows         *int64        `json:"rows"`
	RowsFiltered bool          `json:"rows_filtered,omitempty"`
	Description  string        `json:"description,omitempty"`
	Columns      []lake.Column `json:"columns"`
	Error        string        `json:"error,omitempty"`
}

// printCatalog lists every table; tables whose files are missing are
// listed with the error and make the command fail after the listing.
// filtered names the tables whose rows a persona's row filter narrows.
func printCatalog(e *env, l *lake.Lake, filtered map[string]bool, asJSON bool) error {
	var entries []catalogEntry
	var problems []error
	for _, t := range l.Catalog.Tables {
		st, err := l.Stat(t)
		ent := catalogEntry{Database: t.Database, Name: t.Name, Format: string(t.Format), Compression: string(t.Compression),
			Location: t.Location, Files: st.Files, Bytes: st.Bytes, Description: t.Description, Columns: t.Columns}
		if filtered[t.QualifiedName()] {
			ent.RowsFiltered = true
		} else {
			ent.Rows = &t.Rows
		}
		if err != nil {
			ent.Error = err.Error()
			problems = append(problems, err)
		}
		entries = append(entries, ent)
	}
	if asJSON {
		if entries == nil {
			entries = []catalogEntry{}
		}
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(map[string]any{"lake": l.Root, "tables": entries}); err != nil {
			return err
		}
	} else {
		printCatalogTable(e, l, entries)
	}
	for _, p := range problems[min(1, len(problems)):] {
		fmt.Fprintln(e.stderr, "tarn:", queries.PrintableLines(p.Error()))
	}
	if len(problems) > 0 {
		return problems[0]
	}
	return nil
}

func printCatalogTable(e *env, l *lake.Lake, entries []catalogEntry) {
	fmt.Fprintf(e.stdout, "lake %s: %s in %s\n\n", l.Root, queries.Plural(len(entries), "table"), queries.Plural(len(l.Catalog.Databases()), "database"))
	rows := [][]string{{"DATABASE", "TABLE", "FORMAT", "COMPRESSION", "FILES", "SIZE", "ROWS", "COLUMNS"}}
	for _, t := range entries {
		count := "filtered"
		if t.Rows != nil {
			count = queries.FormatCount(*t.Rows)
		}
		rows = append(rows, []string{t.Database, t.Name, t.Format, t.Compression, queries.FormatCount(int64(t.Files)),
			units.Bytes(t.Bytes), count, fmt.Sprint(len(t.Columns))})
	}
	printAligned(e.stdout, rows, 4)
}

// printableRows are rows as they may reach a terminal (queries.Printable):
// names, descriptions and SQL come from the lake and from other people.
func printableRows(rows [][]string) [][]string {
	out := make([][]string, len(rows))
	for i, r := range rows {
		out[i] = make([]string, len(r))
		for j, cell := range r {
			out[i][j] = queries.Printable(cell)
		}
	}
	return out
}

// printAligned prints rows as columns: the first numericFrom columns
// left-aligned, the rest (numbers) right-aligned.
func printAligned(w io.Writer, rows [][]string, numericFrom int) {
	rows = printableRows(rows)
	widths := make([]int, len(rows[0]))
	for _, r := range rows {
		for i, cell := range r {
			widths[i] = max(widths[i], utf8.RuneCountInString(cell))
		}
	}
	for _, r := range rows {
		var b strings.Builder
		for i, cell := range r {
			pad := strings.Repeat(" ", widths[i]-utf8.RuneCountInString(cell))
			if i >= numericFrom {
				b.WriteString(pad + cell)
			} else {
				b.WriteString(cell + pad)
			}
			if i < len(r)-1 {
				b.WriteString("  ")
			}
		}
		fmt.Fprintln(w, strings.TrimRight(b.String(), " "))
	}
}

// restrictToPersona narrows the lake's catalog to what persona may
// describe, each table with only the columns the persona sees, and
// returns the tables whose rows a row filter narrows for it.
func restrictToPersona(e *env, l *lake.Lake, persona string) (map[string]bool, error) {
	_, pol, who, err := e.openGoverned(persona)
	if err != nil {
		return nil, err
	}
	vis, err := pol.Visibility(l.Catalog, who)
	if err != nil {
		return nil, err
	}
	restricted := &lake.Catalog{}
	filtered := map[string]bool{}
	for _, ta := range vis.Tables {
		t := ta.Table
		t.Columns = nil
		for _, c := range ta.Columns {
			t.Columns = append(t.Columns, lake.Column{Name: c.Name, Type: c.Type})
		}
		restricted.Tables = append(restricted.Tables, t)
		filtered[t.QualifiedName()] = ta.RowFilter != ""
	}
	l.Catalog = restricted
	return filtered, nil
}
