package queries_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"tarn/perms"
	"tarn/queries"
)

// firstChunk starts q in s and reads its first chunk, leaving the result
// open as the workbench leaves it between pages.
func firstChunk(t *testing.T, s *queries.Session, q string) *queries.Result {
	t.Helper()
	r, err := s.Run(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	if !r.Next() {
		t.Fatalf("no first chunk: %v", r.Err())
	}
	r.Pause()
	return r
}

// An administrator's edit, made while an analyst's result is open, stops
// the result at its next fetch when the analyst may no longer read what
// it shows, saying what changed; an edit that leaves the result's access
// alone (or widens it) does not.
func TestAnOpenResultStopsWhenThePolicyNoLongerAllowsIt(t *testing.T) {
	for _, c := range []struct {
		name, persona, query string
		change               func(*perms.Policy) error
		want                 string // "" when the result reads on
	}{
		{"grant revoked", "analyst", "SELECT * FROM sales.customers",
			func(p *perms.Policy) error { p.Grants = slices.Delete(p.Grants, 1, 2); return nil }, // analyst's role=analyst
			"analyst may no longer read sales.customers"},
		{"column hidden", "analyst", "SELECT * FROM sales.customers",
			func(p *perms.Policy) error { return p.Unassign("sales.customers.region", "role") },
			"column sales.customers.region is now hidden from analyst"},
		{"new mask", "leader", "SELECT customer_id, email FROM sales.customers",
			func(p *perms.Policy) error {
				p.Masks = append(p.Masks, perms.Mask{Persona: "leader", Column: "sales.customers.email", Kind: "redact"})
				return nil
			},
			"column sales.customers.email is now masked (redact) for leader"},
		{"new row filter", "leader", "SELECT customer_id FROM sales.customers",
			func(p *perms.Policy) error { p.Filters[0].Rows = "region = 'north'"; return nil },
			"leader's rows of sales.customers are now filtered differently"},
		{"another table's grant", "analyst", "SELECT * FROM sales.customers",
			func(p *perms.Policy) error { return p.Assign(nil, "sales.items", "role", "analyst") }, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			l, pol := loadedLake(t)
			s := open(t, l, pol, c.persona)
			r := firstChunk(t, s, c.query)
			read := r.Len()
			editPolicy(t, l, c.change)
			for r.Next() {
				read += r.Len()
			}
			var changed *queries.PolicyChangedError
			if c.want == "" {
				if r.Err() != nil || read != 5000 {
					t.Fatalf("an edit that leaves the result alone stopped it after %d rows: %v", read, r.Err())
				}
				return
			}
			if !errors.As(r.Err(), &changed) || !strings.Contains(r.Err().Error(), c.want) || !strings.Contains(r.Err().Error(), "the policy changed while this result was open") {
				t.Fatalf("after the edit the open result read on to %d rows, ending with %v; want %q", read, r.Err(), c.want)
			}
			if read >= 5000 {
				t.Errorf("the result read all %d rows", read)
			}
			r.Close()
			if got := s.Last(); got.State != queries.Cancelled || !strings.Contains(got.Error, c.want) {
				t.Errorf("recorded as %s %q", got.State, got.Error)
			}
		})
	}
}

// A result read without pauses (the command line streaming to a pipe)
// follows the policy too, checking at most every 100 ms.
func TestAStreamingResultStopsWhenThePolicyNoLongerAllowsIt(t *testing.T) {
	l, pol := loadedLake(t)
	s := open(t, l, pol, "analyst")
	r, err := s.Run(context.Background(), "SELECT * FROM sales.customers")
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if !r.Next() {
		t.Fatal(r.Err())
	}
	editPolicy(t, l, func(p *perms.Policy) error { return p.Unassign("sales.customers.region", "role") })
	time.Sleep(150 * time.Millisecond) // past the interval between checks
	if r.Next() || r.Err() == nil || !strings.Contains(r.Err().Error(), "column sales.customers.region is now hidden from analyst") {
		t.Errorf("the streaming result read on after the edit: %v", r.Err())
	}
}
