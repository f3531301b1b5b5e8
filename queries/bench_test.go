package queries_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"os"
	"slices"
	"sync"
	"testing"
	"time"

	"tarn/demo"
	"tarn/lake"
	"tarn/perms"
	"tarn/queries"
)

var benchOnce = sync.OnceValues(func() (*lake.Lake, error) {
	dir, err := os.MkdirTemp("", "tarn-bench-")
	if err != nil {
		return nil, err
	}
	l, err := lake.Create(dir)
	if err != nil {
		return nil, err
	}
	if _, err := demo.Create(context.Background(), l, demo.Options{}); err != nil {
		return nil, err
	}
	_, err = demo.WritePolicy(l.Root, l.Catalog, nil)
	return l, err
})

// fullDemoLake is the 1-file demo lake at full size with the demo policy,
// shared by the benchmarks of one run.
func fullDemoLake(b *testing.B) (*lake.Lake, *perms.Policy) {
	l, err := benchOnce()
	if err != nil {
		b.Fatal(err)
	}
	pol, err := queries.LoadPolicy(l)
	if err != nil {
		b.Fatal(err)
	}
	return l, pol
}

func TestMain(m *testing.M) {
	code := m.Run()
	if l, err := benchOnce(); err == nil && l != nil {
		os.RemoveAll(l.Root)
	}
	os.Exit(code)
}

// drain fetches and decodes every row, as a client would.
func drain(r *queries.Result) (int64, error) {
	var n int64
	err := r.Each(func([]any) error { n++; return nil })
	return n, errors.Join(err, r.Close())
}

var sourceQueries = []struct{ name, sql string }{
	{"full", "SELECT * FROM %s"},
	{"like", "SELECT * FROM %s WHERE path LIKE '%%.php%%'"},
	{"projection", "SELECT host, path, status FROM %s"},
}

// BenchmarkGovernedVsDirect runs each source query through an analyst's
// governed session and directly on DuckDB over the same files, alternating
// in one loop, and reports the median per-pair ratio. Target: <= 1.05.
func BenchmarkGovernedVsDirect(b *testing.B) {
	l, pol := fullDemoLake(b)
	ctx := context.Background()
	direct := directConn(b)
	// The leader reads the logs whole, through views, in a workgroup
	// without a data limit (the analyst's would refuse the CSV log).
	s, err := queries.Open(ctx, l, pol, "leader")
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	for _, layout := range []string{"access_log_parquet_1", "access_log_csv_1"} {
		table, _ := l.Catalog.Lookup("weblogs", layout)
		for _, q := range sourceQueries {
			b.Run(layout+"/"+q.name, func(b *testing.B) {
				var ratios []float64
				var gov, dir time.Duration
				runDirect := func() time.Duration {
					t0 := time.Now()
					if _, err := queries.DirectRows(ctx, direct, fmt.Sprintf(q.sql, l.Relation(table))); err != nil {
						b.Fatal(err)
					}
					return time.Since(t0)
				}
				runGoverned := func() time.Duration {
					t0 := time.Now()
					r, err := s.Run(ctx, fmt.Sprintf(q.sql, "weblogs."+layout))
					if err == nil {
						_, err = drain(r)
					}
					if err != nil {
						b.Fatal(err)
					}
					return time.Since(t0)
				}
				for i := 0; b.Loop(); i++ {
					// Alternate which runs first, so neither always pays for
					// the garbage the other left behind.
					var d, g time.Duration
					if i%2 == 0 {
						d, g = runDirect(), runGoverned()
					} else {
						g, d = runGoverned(), runDirect()
					}
					dir, gov = dir+d, gov+g
					ratios = append(ratios, float64(g)/float64(d))
				}
				slices.Sort(ratios)
				b.ReportMetric(ratios[len(ratios)/2], "median-governed/direct")
				b.ReportMetric(float64(gov.Milliseconds())/float64(len(ratios)), "governed-ms")
				b.ReportMetric(float64(dir.Milliseconds())/float64(len(ratios)), "direct-ms")
			})
		}
	}
}

// BenchmarkSwitchPersona opens a session (what switching persona costs)
// and runs a first query on it, and reports both: open-ms until the
// session takes a statement, first-query-ms until its first one ended
// (views created, the plan check's twin ready). Target: under 50 ms.
func BenchmarkSwitchPersona(b *testing.B) {
	l, pol := fullDemoLake(b)
	var open, first time.Duration
	n := 0
	for b.Loop() {
		t0 := time.Now()
		s, err := queries.Open(context.Background(), l, pol, "sales_east")
		if err != nil {
			b.Fatal(err)
		}
		t1 := time.Now()
		r, err := s.Run(context.Background(), "SELECT count(*) FROM sales.customers")
		if err == nil {
			_, err = drain(r)
		}
		if err != nil {
			b.Fatal(err)
		}
		open, first, n = open+t1.Sub(t0), first+time.Since(t1), n+1
		s.Close()
	}
	b.ReportMetric(float64(open.Microseconds())/1000/float64(n), "open-ms")
	b.ReportMetric(float64(first.Microseconds())/1000/float64(n), "first-query-ms")
}

// directConn is a plain DuckDB connection with no sandbox and no views,
// and DuckDB's in-memory copy of files off, as in sessions: the comparison
// is of governance, not of that cache (TARN_DIRECT_FILE_CACHE=1 keeps it).
func directConn(b *testing.B) *sql.Conn {
	db, err := sql.Open("duckdb", "")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	conn, err := db.Conn(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { conn.Close() })
	if os.Getenv("TARN_DIRECT_FILE_CACHE") == "" {
		if _, err := conn.ExecContext(context.Background(), "SET enable_external_file_cache = false"); err != nil {
			b.Fatal(err)
		}
	}
	return conn
}

// BenchmarkFetchVsMaterialise fetches and decodes every row of SELECT *
// over the 1-file Parquet log through a session (what `tarn query
// --format null` does), alternating with DuckDB materialising the same
// result inside the engine (CREATE TEMP TABLE AS), and reports the median
// per-pair ratio. Target: <= 1.5.
func BenchmarkFetchVsMaterialise(b *testing.B) {
	l, pol := fullDemoLake(b)
	ctx := context.Background()
	direct := directConn(b)
	s, err := queries.Open(ctx, l, pol, "admin")
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	table, _ := l.Catalog.Lookup("weblogs", "access_log_parquet_1")
	ctas := "CREATE OR REPLACE TEMP TABLE x AS SELECT * FROM " + l.Relation(table)
	materialise := func() time.Duration {
		t0 := time.Now()
		if _, err := direct.ExecContext(ctx, ctas); err != nil {
			b.Fatal(err)
		}
		return time.Since(t0)
	}
	var engine, fetchTotal float64
	fetch := func() time.Duration {
		t0 := time.Now()
		r, err := s.Run(ctx, "SELECT * FROM weblogs.access_log_parquet_1")
		if err == nil {
			_, err = drain(r)
		}
		if err != nil {
			b.Fatal(err)
		}
		engine += r.Stats().EngineMS
		fetchTotal += r.Stats().FetchMS
		return time.Since(t0)
	}
	var ratios []float64
	for i := 0; b.Loop(); i++ {
		var m, f time.Duration
		if i%2 == 0 {
			m, f = materialise(), fetch()
		} else {
			f, m = fetch(), materialise()
		}
		ratios = append(ratios, float64(f)/float64(m))
	}
	slices.Sort(ratios)
	b.ReportMetric(ratios[len(ratios)/2], "median-fetch/materialise")
	b.ReportMetric(engine/float64(len(ratios)), "engine-ms")
	b.ReportMetric(fetchTotal/float64(len(ratios)), "fetch-ms")
}

func TestWorstAgainstAthena(t *testing.T) {
	athena := func(s float64) *float64 { return &s }
	cell := func(table string, ms float64, s *float64, failed string) queries.BenchCell {
		return queries.BenchCell{Table: table, Timing: queries.Timing{TrimmedMS: ms}, AthenaS: s, Error: failed}
	}
	cases := []struct {
		name  string
		cells []queries.BenchCell
		want  string
		ratio float64
	}{
		{"slowest against its own Athena figure, not the slowest", []queries.BenchCell{
			cell("big", 2000, athena(4), ""), cell("small", 900, athena(1), ""),
		}, "small", 0.9},
		{"a cell without an Athena figure is not compared", []queries.BenchCell{
			cell("mine", 9000, nil, ""), cell("source", 500, athena(2), ""),
		}, "source", 0.25},
		{"a failed cell is not compared", []queries.BenchCell{
			cell("failed", 0, athena(1), "limit"), cell("ok", 100, athena(1), ""),
		}, "ok", 0.1},
		{"none to compare", []queries.BenchCell{cell("mine", 10, nil, "")}, "", 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			worst, ratio, ok := queries.WorstAgainstAthena(c.cells)
			if worst.Table != c.want || ok != (c.want != "") || math.Abs(ratio-c.ratio) > 1e-9 {
				t.Errorf("worst %q at %v (ok %v), want %q at %v", worst.Table, ratio, ok, c.want, c.ratio)
			}
		})
	}
}
