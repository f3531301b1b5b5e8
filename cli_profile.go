package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"tarn/queries"
)

// runProfile profiles columns of a table as a persona: every column it
// may read when none is named. Each column is one query, recorded as any
// other; the first that fails (refused, over the workgroup's limit) ends
// the command with its error.
func runProfile(e *env, args []string) error {
	fs := e.newFlags("profile")
	persona := fs.String("persona", "", "persona to act as (default: the policy's default)")
	format := fs.String("format", "table", "output: table or json")
	rest, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(rest) == 0 || !strings.Contains(rest[0], ".") {
		return usageError("profile")
	}
	if *format != "table" && *format != "json" {
		return fmt.Errorf("--format %q: use table or json", *format)
	}
	s, err := e.openSession(*persona)
	if err != nil {
		return err
	}
	defer s.Close()
	table, columns := rest[0], rest[1:]
	if len(columns) == 0 {
		if columns, err = s.ReadableColumns(table); err != nil {
			return err
		}
	}
	var profiles []queries.Profile
	for _, c := range columns {
		p, err := s.ProfileColumn(e.ctx, table, c)
		if err != nil {
			if *format == "json" && len(profiles) > 0 {
				writeProfilesJSON(e.stdout, profiles) // the columns profiled before it
			}
			return cancelledSaid(err, p.Stats)
		}
		if *format == "table" {
			writeProfile(e.stdout, p)
			printStats(e.stderr, p.Stats)
		}
		profiles = append(profiles, p)
	}
	if *format == "json" {
		return writeProfilesJSON(e.stdout, profiles)
	}
	return nil
}

func writeProfilesJSON(w io.Writer, profiles []queries.Profile) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(profiles)
}

// writeProfile prints one profile: figures, then bars.
func writeProfile(w io.Writer, p queries.Profile) {
	fmt.Fprintf(w, "%s  %s\n", p.Shown(), p.Type)
	for _, f := range p.Figures() {
		fmt.Fprintf(w, "  %-20s %s\n", f.Name, f.Value)
	}
	writeBars(w, "histogram (values up to)", p.Histogram)
	writeBars(w, "most frequent", p.Top)
	fmt.Fprintln(w)
}

const barWidth = 30

func writeBars(w io.Writer, title string, bins []queries.Bin) {
	if len(bins) == 0 {
		return
	}
	fmt.Fprintf(w, "  %s\n", title)
	labels, most := 0, int64(1)
	for _, b := range bins {
		labels = max(labels, len([]rune(b.Label)))
		most = max(most, b.Count)
	}
	labels = min(labels, 40)
	for _, b := range bins {
		label := truncate(b.Label, labels)
		bar := strings.Repeat("█", int((b.Count*barWidth+most-1)/most))
		fmt.Fprintf(w, "    %-*s %-*s %s\n", labels, label, barWidth, bar, queries.FormatCount(b.Count))
	}
}

// truncate cuts s to n runes, ending in … when cut.
func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
