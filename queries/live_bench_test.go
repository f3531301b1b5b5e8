package queries_test

import (
	"context"
	"testing"
	"time"

	"tarn/lake"
	"tarn/perms"
)

// BenchmarkOpenResultPolicyCheck weighs what following the policy would
// cost an open result that stat'ed lake.toml and policy.toml before each
// chunk: it drains a 1,000,000-row governed result and, in the same loop,
// times two stats per chunk it read, and reports their share of the
// drain. (8% here: so a streaming result checks at most every
// liveInterval, and on coming back from a pause.)
func BenchmarkOpenResultPolicyCheck(b *testing.B) {
	l, pol := governedLake(b)
	l, _ = lake.Open(l.Root) // from disk, so the session follows the files
	s := open(b, l, pol, "leader")
	ctx := context.Background()
	var drained, checks time.Duration
	for b.Loop() {
		t0 := time.Now()
		r, err := s.Run(ctx, "SELECT a.customer_id, b.region FROM sales.customers a, sales.customers b LIMIT 1000000")
		if err != nil {
			b.Fatal(err)
		}
		chunks := 0
		for r.Next() {
			chunks++
		}
		if err := r.Close(); err != nil {
			b.Fatal(err)
		}
		drained += time.Since(t0)
		t1 := time.Now()
		for range chunks {
			lake.StatVersion(l.CatalogPath())
			lake.StatVersion(perms.PolicyPath(l.Root))
		}
		checks += time.Since(t1)
	}
	b.ReportMetric(100*float64(checks)/float64(drained), "%-checks/drain")
}
