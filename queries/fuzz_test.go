package queries_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
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
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		rows, err := s.Query(ctx, q)
		if err != nil {
			for _, secret := range hidden["analyst"] {
				if strings.Contains(err.Error(), secret) && !strings.Contains(q, secret) {
					t.Fatalf("%q: error leaked %q: %v", q, secret, err)
				}
			}
			return
		}
		defer rows.Close()
		cols, _ := rows.Columns()
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		for n := 0; n < 1000 && rows.Next(); n++ {
			if rows.Scan(ptrs...) != nil {
				return
			}
			for _, v := range vals {
				text, _ := v.(string)
				for _, secret := range hidden["analyst"] {
					if strings.Contains(text, secret) && !strings.Contains(q, secret) {
						t.Fatalf("%q returned hidden value %q", q, secret)
					}
				}
			}
		}
	})
}
