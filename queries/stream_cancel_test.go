package queries

import (
	"context"
	"errors"
	"testing"
	"time"
)

// A query cancelled before DuckDB begins it (SIGTERM right after the
// RUNNING record) stops: DuckDB forgets an interrupt that comes before a
// query begins, and the query's tasks, already handed to its threads,
// went on with a three-way cross join while closing the connection
// waited for them (a tarn query ran on for 30 minutes after recording
// CANCELLED).
func TestACancelBeforeTheQueryBeginsStopsItsTasks(t *testing.T) {
	db, conn, err := openDuck(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := rawConn(conn)
	if err != nil {
		t.Fatal(err)
	}
	for range 5 {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if _, err := startStream(ctx, raw, "SELECT count(*) FROM range(100000000) a, range(100000000) b, range(1000) c"); !errors.Is(err, context.Canceled) {
			t.Fatalf("error %v, want cancelled", err)
		}
	}
	closed := make(chan error, 1)
	go func() { conn.Close(); closed <- db.Close() }()
	select {
	case err := <-closed:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(time.Minute):
		t.Fatal("closing DuckDB waited a minute for a cancelled query's tasks")
	}
}
