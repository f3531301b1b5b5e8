package queries_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"tarn/queries"
)

// BenchmarkProfile profiles columns of the full demo log as the leader,
// alternating in one loop a profile in a session already open (what tarn
// profile's second column costs) with one in a new session (what the
// workbench does, to leave the grid's open result alone), and reports
// both and their median ratio; beside them, selecting the column alone,
// what a profile costs over reading its data.
func BenchmarkProfile(b *testing.B) {
	l, pol := fullDemoLake(b)
	ctx := context.Background()
	open, err := queries.Open(ctx, l, pol, "leader")
	if err != nil {
		b.Fatal(err)
	}
	defer open.Close()
	for _, col := range []struct{ table, column string }{
		{"weblogs.access_log_parquet_1", "size"}, {"weblogs.access_log_parquet_1", "path"}, {"weblogs.access_log_csv_1", "time"},
	} {
		b.Run(col.table+"."+col.column, func(b *testing.B) {
			profile := func(s *queries.Session) {
				if _, err := s.ProfileColumn(ctx, col.table, col.column); err != nil {
					b.Fatal(err)
				}
			}
			timed := func(f func()) float64 {
				t0 := time.Now()
				f()
				return float64(time.Since(t0).Microseconds()) / 1000
			}
			var inOpen, inNew, sel, ratios []float64
			for b.Loop() {
				inOpen = append(inOpen, timed(func() { profile(open) }))
				inNew = append(inNew, timed(func() {
					s, err := queries.Open(ctx, l, pol, "leader")
					if err != nil {
						b.Fatal(err)
					}
					profile(s)
					s.Close()
				}))
				sel = append(sel, timed(func() {
					if _, _, err := result(open, "SELECT "+col.column+" FROM "+col.table); err != nil {
						b.Fatal(err)
					}
				}))
				ratios = append(ratios, inNew[len(inNew)-1]/inOpen[len(inOpen)-1])
			}
			b.ReportMetric(median(inOpen), "open-session-ms")
			b.ReportMetric(median(inNew), "new-session-ms")
			b.ReportMetric(median(ratios), "median-new/open")
			b.ReportMetric(median(sel), "select-column-ms")
		})
	}
}

func median(xs []float64) float64 {
	xs = slices.Clone(xs)
	slices.Sort(xs)
	return xs[len(xs)/2]
}
