package queries

import (
	"context"
	"database/sql"
	"os"
	"testing"
	"time"

	"tarn/lake"
)

// BenchmarkProgressBarCost measures what DuckDB's progress estimate
// (enable_progress_bar, which every session turns on) costs the source's
// three queries: CPU time of the process (/proc/self/stat) with it off and on,
// the two interleaved in one run on two connections, over the files of
// weblogs.access_log_parquet_1000 and _csv_100 of the lake at
// $TARN_PROGRESS_COST_LAKE (a `tarn demo --bench` lake; only read).
// Reported per pass over the six query-layout cells, and as on/off.
//
//	TARN_PROGRESS_COST_LAKE=/work/bl go test ./queries -run '^$' -bench ProgressBarCost -benchtime 20x
func BenchmarkProgressBarCost(b *testing.B) {
	root := os.Getenv("TARN_PROGRESS_COST_LAKE")
	if root == "" {
		b.Skip("set TARN_PROGRESS_COST_LAKE to a tarn demo --bench lake")
	}
	ctx := context.Background()
	var conns [2]*sql.Conn // off, on
	for i, setup := range [][]string{
		{"SET enable_progress_bar = false"},
		{"SET enable_progress_bar_print = false", "SET enable_progress_bar = true"},
	} {
		db, conn, err := openDuck(ctx, setup)
		if err != nil {
			b.Fatal(err)
		}
		defer db.Close()
		defer conn.Close()
		conns[i] = conn
	}
	l, err := lake.Open(root)
	if err != nil {
		b.Fatal(err)
	}
	var texts []string
	for _, name := range []string{"access_log_parquet_1000", "access_log_csv_100"} {
		t, ok := l.Catalog.Lookup("weblogs", name)
		if !ok {
			b.Fatalf("no weblogs.%s in %s", name, root)
		}
		from := l.Relation(t) // as a session's view reads it
		texts = append(texts, "SELECT * FROM "+from, "SELECT * FROM "+from+" WHERE path LIKE '%.php%'", "SELECT host, path, status FROM "+from)
	}
	var cpu [2]time.Duration
	for n := range b.N {
		for _, text := range texts {
			for k := range 2 {
				side := (n + k) % 2 // alternate which goes first
				t0 := processCPU()
				if _, err := DirectRows(ctx, conns[side], text); err != nil {
					b.Fatal(err)
				}
				cpu[side] += processCPU() - t0
			}
		}
	}
	off, on := float64(cpu[0].Milliseconds())/float64(b.N), float64(cpu[1].Milliseconds())/float64(b.N)
	b.ReportMetric(off, "cpu-ms-off/op")
	b.ReportMetric(on, "cpu-ms-on/op")
	b.ReportMetric(on/off, "on/off")
}
