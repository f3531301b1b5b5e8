package queries

import (
	"context"
	"database/sql"
	"testing"
	"time"
)

// Layers names the enforcement layers a test leaves on.
type Layers struct{ ScopedGuard, NarrowSandbox, PlanCheck bool }

// SetLayersForTest switches enforcement layers until the test ends. The
// guard and the plan check read the switch at each statement; the sandbox
// when a session opens.
func SetLayersForTest(t testing.TB, l Layers) {
	old := enforcement
	enforcement.scopedGuard, enforcement.narrowSandbox, enforcement.planCheck = l.ScopedGuard, l.NarrowSandbox, l.PlanCheck
	t.Cleanup(func() { enforcement = old })
}

// DirectRows runs text on a plain DuckDB connection through the same
// streaming fetch as a session, decoding every value: the "direct" side
// of the governed-vs-direct benchmark.
func DirectRows(ctx context.Context, conn *sql.Conn, text string) (int64, error) {
	raw, err := rawConn(conn)
	if err != nil {
		return 0, err
	}
	st, err := startStream(ctx, raw, text)
	if err != nil {
		return 0, err
	}
	defer st.close()
	row := make([]any, len(st.columns))
	var n int64
	for {
		ok, err := st.fetch()
		if err != nil || !ok {
			return n, err
		}
		for i := range st.size() {
			if err := st.row(i, row); err != nil {
				return n, err
			}
			n++
		}
	}
}

// WriteParquet is the Parquet writer, for the demo writers' benchmark.
func WriteParquet(ctx context.Context, file string, src Rows) error {
	return writeParquet(ctx, file, src)
}

// DelayInterruptWatcher holds every stream's interrupt watcher back by d
// before it looks at its context, until the test ends.
func DelayInterruptWatcher(t testing.TB, d time.Duration) {
	was := watcherDelay
	watcherDelay = func() { time.Sleep(d) }
	t.Cleanup(func() { watcherDelay = was })
}
