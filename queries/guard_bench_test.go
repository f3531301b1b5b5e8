package queries_test

import (
	"context"
	"testing"
)

// BenchmarkGuardRefusal times the guard alone: a refused statement costs
// the parse and walk but runs nothing.
func BenchmarkGuardRefusal(b *testing.B) {
	l, pol := fullDemoLake(b)
	s := open(b, l, pol, "analyst")
	q := "SELECT * FROM weblogs.access_log_parquet_1 WHERE path LIKE '%.php%' UNION ALL SELECT * FROM read_csv('x')"
	for b.Loop() {
		if _, err := s.Run(context.Background(), q); err == nil {
			b.Fatal("not refused")
		}
	}
}
