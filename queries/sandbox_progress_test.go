package queries

import (
	"context"
	"strings"
	"testing"
)

// The sandbox's lock holds without the guard: a statement that reaches
// DuckDB cannot turn its progress bar's printing back on, or its estimate
// off.
func TestSandboxLocksTheProgressBar(t *testing.T) {
	ctx := context.Background()
	db, conn, err := openDuck(ctx, sandbox([]string{t.TempDir()}, t.TempDir()))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	defer conn.Close()
	for _, q := range []string{"SET enable_progress_bar_print = true", "SET enable_progress_bar = false", "RESET enable_progress_bar_print"} {
		if _, err := conn.ExecContext(ctx, q); err == nil || !strings.Contains(err.Error(), "configuration has been locked") {
			t.Errorf("%s: %v", q, err)
		}
	}
	var printing, estimating bool
	if err := conn.QueryRowContext(ctx, "SELECT current_setting('enable_progress_bar_print'), current_setting('enable_progress_bar')").Scan(&printing, &estimating); err != nil {
		t.Fatal(err)
	}
	if printing || !estimating {
		t.Errorf("enable_progress_bar_print = %v, enable_progress_bar = %v", printing, estimating)
	}
}
