package lake

import (
	"context"
	"database/sql"
)

// crawlConn runs one crawl worker's statements on a DuckDB connection of
// its own, through DuckDB's C API (duckdb_query) where it can. duckdb-go
// prepares every statement and binds it again to run it, and binding
// read_csv or read_json is where DuckDB sniffs the file: each statement
// did its work twice (DESCRIBE of a small CSV file: 2.4 ms of CPU through
// database/sql, 1.0 ms direct). The statements and their errors are the
// same either way. Where the driver's connection cannot be reached (a
// duckdb-go release laid out differently), statements go through
// database/sql.
type crawlConn struct {
	db   *sql.DB
	conn *sql.Conn     // held while direct
	raw  rawConnection // conn's C connection, if direct
}

// crawlDirect says whether crawl workers run their statements directly
// (tests compare both ways).
var crawlDirect = true

// openCrawlConn takes a connection of db for a worker (Close returns
// it), direct if crawlDirect and the driver allows; else it runs
// statements through database/sql.
func openCrawlConn(ctx context.Context, db *sql.DB) *crawlConn {
	c := &crawlConn{db: db}
	if !crawlDirect {
		return c
	}
	conn, err := db.Conn(ctx)
	if err != nil {
		return c
	}
	raw, ok := CConnection(conn)
	if !ok {
		conn.Close()
		return c
	}
	c.conn, c.raw = conn, raw
	return c
}

func (c *crawlConn) direct() bool { return c.conn != nil }

func (c *crawlConn) Close() error {
	if c.conn == nil {
		return nil
	}
	return c.conn.Close()
}

// describe is DESCRIBE query's columns.
func (c *crawlConn) describe(ctx context.Context, query string) ([]Column, error) {
	rows, err := c.textRows(ctx, "DESCRIBE "+query)
	if err != nil {
		return nil, err
	}
	return describedColumns(rows), nil
}

// count is the number query, a SELECT count(*).
func (c *crawlConn) count(ctx context.Context, query string) (int64, error) {
	if !c.direct() {
		var n int64
		err := c.db.QueryRowContext(ctx, query).Scan(&n)
		return n, err
	}
	return c.countDirect(ctx, query)
}
