package queries_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"tarn/queries"
)

// A statement DuckDB's parser refuses is reported with the place it
// stopped, as DuckDB reports a binder error: the line, a caret under it.
func TestSyntaxErrorsSayWhere(t *testing.T) {
	l, pol := scanLake(t)
	s := open(t, l, pol, "analyst")
	for _, c := range []struct{ sql, line, under string }{
		{"SELECT a,, b FROM t", "LINE 1: SELECT a,, b FROM t", ","},
		{"SELECT 'éééé', 1 2", "LINE 1: SELECT 'éééé', 1 2", "2"},
		{"SELECT 1\nFROM x WHERE AND", "LINE 2: FROM x WHERE AND", "AND"},
		{"EXPLAIN SELECT 'é'\nFROM x WHERE AND", "LINE 2: FROM x WHERE AND", "AND"},
		{"SELECT 1 +", "LINE 1: SELECT 1 +", ""},
	} {
		_, err := s.Run(context.Background(), c.sql)
		var se *queries.SyntaxError
		if !errors.As(err, &se) {
			t.Errorf("%q: %v, want a syntax error", c.sql, err)
			continue
		}
		lines := strings.Split(err.Error(), "\n")
		if len(lines) != 4 || lines[2] != c.line {
			t.Errorf("%q:\n%s", c.sql, err)
			continue
		}
		caret := []rune(lines[3])
		at := len(caret) - 1
		if caret[at] != '^' {
			t.Errorf("%q: no caret:\n%s", c.sql, err)
			continue
		}
		if got := string([]rune(lines[2])[at:]); !strings.HasPrefix(got, c.under) || (c.under == "" && got != "") {
			t.Errorf("%q: the caret is under %q, want %q:\n%s", c.sql, got, c.under, err)
		}
	}
}
