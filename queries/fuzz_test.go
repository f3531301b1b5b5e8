package queries_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// FuzzGuard feeds arbitrary statements to an analyst session: whatever the
// guard lets through must never show a hidden value, and no statement may
// write a file. Seeds are the bypass suite.
func FuzzGuard(f *testing.F) {
	l, pol := governedLake(f)
	s := open(f, l, pol, "analyst")
	file := filepath.Join(l.Root, "sales/customers/part-00000.csv")
	for _, q := range append(append([]string{}, mustFail...), mayRun...) {
		f.Add(strings.NewReplacer("{root}", l.Root, "{file}", file).Replace(q))
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
