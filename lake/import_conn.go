package lake

import (
	"context"
	"fmt"
	"strings"
)

// An import runs its statements on a crawlConn too: directly through
// DuckDB's C API, read_csv and read_json are bound, and so sniffed, once
// a statement instead of twice (see crawlConn).

// exec runs a statement and returns the rows it changed (a COPY's rows).
func (c *crawlConn) exec(ctx context.Context, query string) (int64, error) {
	if !c.direct() {
		res, err := c.db.ExecContext(ctx, query)
		if err != nil {
			return 0, err
		}
		return res.RowsAffected()
	}
	return c.execDirect(ctx, query)
}

// textRows is queryText on c.
func (c *crawlConn) textRows(ctx context.Context, query string) ([][]string, error) {
	if c.direct() {
		return c.textRowsDirect(ctx, query)
	}
	return queryText(ctx, c.db, query)
}

// copyTo streams query's rows into one file and counts them.
func (c *crawlConn) copyTo(ctx context.Context, query, file string, options []string) (int64, error) {
	n, err := c.exec(ctx, fmt.Sprintf("COPY (%s) TO %s (%s)", query, SQLString(file), strings.Join(options, ", ")))
	if ctx.Err() != nil {
		return 0, ctx.Err()
	}
	if err != nil {
		return 0, duckReason(err)
	}
	return n, nil
}
