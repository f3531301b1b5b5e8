package queries

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"tarn/lake"
	"tarn/perms"
)

// SourceQueriesFor are the source's queries table t can answer: the full
// scan always, LIKE and the projection when t has the log's columns.
func SourceQueriesFor(t lake.Table) []Saved {
	has := func(names ...string) bool {
		for _, n := range names {
			if !slices.ContainsFunc(t.Columns, func(c lake.Column) bool { return strings.EqualFold(c.Name, n) }) {
				return false
			}
		}
		return true
	}
	var out []Saved
	for _, q := range SourceQueries() {
		switch {
		case q.Name == "like" && !has("path"), q.Name == "projection" && !has("host", "path", "status"):
			continue
		}
		out = append(out, q)
	}
	return out
}

// SourceLogRows is the line count of the access log the source timed on
// Athena: its figures describe a table of these rows only.
const SourceLogRows = 148_534

// BenchRuns and BenchWarmup are the trimmed mean's runs, as ctrl+b and
// tarn bench make them by default.
const (
	BenchRuns   = 5
	BenchWarmup = 1
)

// BenchTable measures the source's queries over table name as persona,
// each run through a session of its own opened on l as it is now (so a
// compacted table is read at its new folder), through the normal run path:
// guard, plan check, data scanned, cost, limits, history and audit.
func BenchTable(ctx context.Context, l *lake.Lake, pol *perms.Policy, persona, name string, progress func(BenchProgress)) ([]BenchCell, error) {
	t, ok := l.Catalog.Find(name)
	if !ok {
		return nil, fmt.Errorf("Table %s not found", name)
	}
	cells, err := PlanBench(l, []lake.Table{t}, SourceQueriesFor(t))
	if err != nil {
		return nil, err
	}
	if t.Rows != SourceLogRows {
		for i := range cells {
			cells[i].AthenaS = nil // the source timed its log, not this table
		}
	}
	// Compacting is judged by what reading the files costs, before and
	// after: a copy of the small files would hide it.
	s, err := OpenWith(ctx, l, pol, persona, Options{IgnoreCopies: true})
	if err != nil {
		return nil, err
	}
	defer s.Close()
	return cells, s.Bench(ctx, cells, BenchRuns, BenchWarmup, progress)
}
