package lake

import (
	"context"
	"slices"
	"testing"
	"time"
)

// Under this duckdb-go a crawl worker reaches DuckDB's own connection (a
// driver that hid it would leave crawls right but twice as costly), and
// what it runs there answers as through database/sql: columns, counts,
// DuckDB's errors, and a cancelled context interrupts a statement.
func TestCrawlConnRunsStatementsDirectly(t *testing.T) {
	db, err := OpenDuckDB()
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(2) // c holds one
	ctx := context.Background()
	c := openCrawlConn(ctx, db)
	defer c.Close()
	if !c.direct() {
		t.Fatal("the crawl cannot reach duckdb-go's C connection")
	}
	query := "SELECT 1 AS a, 'x' AS \"b c\", [{'k': 2}] AS nested"
	cols, err := c.describe(ctx, query)
	want, werr := describe(ctx, db, query)
	if err != nil || werr != nil || !slices.Equal(cols, want) || len(cols) != 3 {
		t.Errorf("describe: %v (%v), database/sql: %v (%v)", cols, err, want, werr)
	}
	if n, err := c.count(ctx, "SELECT count(*) FROM range(70000)"); n != 70000 || err != nil {
		t.Errorf("count: %d, %v", n, err)
	}
	bad := "SELECT count(*) FROM read_csv('/nonexistent/x.csv')"
	_, err = c.count(ctx, bad)
	if wantErr := db.QueryRow(bad).Scan(new(int64)); err == nil || err.Error() != wantErr.Error() {
		t.Errorf("error: %v, database/sql: %v", err, wantErr)
	}
	cancelled, cancel := context.WithCancel(ctx)
	time.AfterFunc(20*time.Millisecond, cancel) // while it runs: it would take hours
	if _, err := c.count(cancelled, "SELECT count(*) FROM range(1000000000000) a WHERE a.range % 7 = 3"); err != context.Canceled {
		t.Errorf("cancelled statement: %v", err)
	}
	if n, err := c.count(ctx, "SELECT 42"); n != 42 || err != nil {
		t.Errorf("after a cancelled statement: %d, %v", n, err)
	}
}
