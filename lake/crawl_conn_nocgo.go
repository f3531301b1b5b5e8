//go:build !cgo

package lake

import (
	"context"
	"database/sql"
	"errors"
)

// Without cgo there is no DuckDB to reach (see duckdb_cgo.go): a crawl
// connection is never direct, and these are never called.
type rawConnection struct{}

func CConnection(*sql.Conn) (rawConnection, bool) { return rawConnection{}, false }

var errNoCgo = errors.New("DuckDB needs cgo")

func (c *crawlConn) countDirect(context.Context, string) (int64, error) { return 0, errNoCgo }
