package main

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"tarn/internal/units"
	"tarn/perms"
	"tarn/queries"
)

// runHistory prints a workgroup's query history (the persona's workgroup
// by default), newest last, with totals.
func runHistory(e *env, args []string) error {
	fs := e.newFlags("history")
	persona := fs.String("persona", "", "show this persona's workgroup (default: the policy's default persona)")
	workgroup := fs.String("workgroup", "", "show this workgroup")
	limit := fs.Int("limit", 20, "show the last N queries (0: all); totals cover every query")
	asJSON := fs.Bool("json", false, "print JSON lines: each query, then the totals")
	if rest, err := parseInterspersed(fs, args); err != nil {
		return err
	} else if len(rest) > 0 {
		return fmt.Errorf("history takes flags only, got %q", rest[0])
	}
	wg, viewer, err := historyWorkgroup(e, *persona, *workgroup)
	if err != nil {
		return err
	}
	var last []queries.Query
	var totals queries.Totals
	skipped, err := queries.ReadHistoryAs(e.lakeRoot, wg, viewer, func(q queries.Query) {
		totals.Add(q)
		last = append(last, q)
		if *limit > 0 && len(last) > *limit {
			last = last[1:]
		}
	})
	if err != nil {
		return err
	}
	for _, s := range skipped {
		fmt.Fprintln(e.stderr, "skipped", queries.Printable(s))
	}
	if *asJSON {
		enc := json.NewEncoder(e.stdout)
		for _, q := range last {
			if err := enc.Encode(q); err != nil {
				return err
			}
		}
		return enc.Encode(map[string]any{"workgroup": wg, "totals": totals})
	}
	rows := [][]string{{"TIME", "PERSONA", "STATE", "ROWS", "SCANNED", "COST", "TOTAL MS", "SQL"}}
	for _, q := range last {
		rows = append(rows, []string{q.Time.Local().Format("2006-01-02 15:04:05"), q.Persona, q.State, queries.FormatCount(q.Rows),
			units.Bytes(q.DataScanned), queries.FormatUSD(q.CostUSD), fmt.Sprintf("%.1f", q.TotalMS), oneLine(q.SQL, 60)})
	}
	fmt.Fprintf(e.stdout, "workgroup %s: %s, data scanned %s, billed %s, cost %s\n\n", wg, queries.Plural(totals.Queries, "query"),
		units.Bytes(totals.DataScanned), units.Bytes(totals.BilledBytes), queries.FormatUSD(totals.CostUSD))
	if len(last) > 0 {
		printAligned(e.stdout, rows, 8)
	}
	return nil
}

// historyWorkgroup is the workgroup whose history to show: the acting
// persona's own, or the one named. Only an administrator may read another
// workgroup's; for anyone else it is as if that workgroup did not exist.
// A persona who is not one sees only its own queries in it.
func historyWorkgroup(e *env, persona, workgroup string) (string, perms.Persona, error) {
	_, pol, who, err := e.openGoverned(persona)
	if err != nil {
		return "", perms.Persona{}, err
	}
	p, _ := pol.Persona(who)
	own := pol.Workgroup(p.Workgroup).Name
	if workgroup == "" || workgroup == own {
		return own, p, nil
	}
	switch {
	case !slices.Contains(pol.WorkgroupNames(), workgroup):
		return "", p, fmt.Errorf("no workgroup %q (workgroups are named in the policy's [[workgroup]] entries)", workgroup)
	case !p.Admin:
		// Workgroup names are no secret (tarn personas lists them); their
		// queries are.
		return "", p, fmt.Errorf("the history of workgroup %q is its members' and the administrators' (%s is in %s)", workgroup, who, own)
	}
	return workgroup, p, nil
}

// oneLine squeezes SQL onto one line of at most n characters.
func oneLine(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}
