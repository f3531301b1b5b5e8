package queries_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
)

// FuzzGuard feeds arbitrary statements to an analyst session: whatever the
// three layers let through must never show a hidden value (a hidden
// column, a filtered row, a hidden table, the audit log, another
// workgroup's history). Seeds are the bypass suite and the CTE attacks.
func FuzzGuard(f *testing.F) {
	l, pol, expand := attackLake(f)
	s := open(f, l, pol, "analyst")
	for _, q := range slices.Concat(mustFail, mayRun, cteAttacks(), inScope) {
		f.Add(expand(q))
	}
	f.Fuzz(func(t *testing.T, q string) {
		// A mutated join can run for minutes: stop it, as a user would.
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		r, err := s.Run(ctx, q)
		if err != nil {
			for _, secret := range hidden["analyst"] {
				if strings.Contains(err.Error(), secret) && !strings.Contains(q, secret) {
					t.Fatalf("%q: error leaked %q: %v", q, secret, err)
				}
			}
			return
		}
		defer r.Close()
		n := 0
		r.Each(func(vals []any) error {
			for _, v := range vals {
				text, _ := v.(string)
				for _, secret := range hidden["analyst"] {
					if strings.Contains(text, secret) && !strings.Contains(q, secret) {
						t.Fatalf("%q returned hidden value %q", q, secret)
					}
				}
			}
			if n++; n >= 1000 {
				return errors.New("enough")
			}
			return nil
		})
	})
}
