package lake

import (
	"context"
	"database/sql"
	"errors"
	"reflect"
	"unsafe"

	bindings "github.com/duckdb/duckdb-go-bindings"
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
	conn *sql.Conn           // held while direct
	raw  bindings.Connection // conn's C connection, if direct
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
	raw, ok := cConnection(conn)
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

// cConnection is the C connection behind a duckdb-go connection.
func cConnection(conn *sql.Conn) (raw bindings.Connection, ok bool) {
	conn.Raw(func(driverConn any) error {
		v := reflect.ValueOf(driverConn)
		if v.Kind() != reflect.Pointer || v.Elem().Kind() != reflect.Struct {
			return nil
		}
		f := v.Elem().FieldByName("conn")
		if ok = f.IsValid() && f.Type() == reflect.TypeOf(raw); ok {
			raw = *(*bindings.Connection)(unsafe.Pointer(f.UnsafeAddr()))
		}
		return nil
	})
	return raw, ok
}

// describe is DESCRIBE query's columns.
func (c *crawlConn) describe(ctx context.Context, query string) ([]Column, error) {
	if !c.direct() {
		return describe(ctx, c.db, query)
	}
	var cols []Column
	err := c.query(ctx, "DESCRIBE "+query, func(res *bindings.Result) {
		for chunk := bindings.FetchChunk(*res); chunk.Ptr != nil; chunk = bindings.FetchChunk(*res) {
			names, types := varchars(chunk, 0), varchars(chunk, 1)
			for i := range names {
				cols = append(cols, Column{Name: names[i], Type: types[i]})
			}
			bindings.DestroyDataChunk(&chunk)
		}
	})
	return cols, err
}

// count is the number query, a SELECT count(*).
func (c *crawlConn) count(ctx context.Context, query string) (int64, error) {
	var n int64
	if !c.direct() {
		err := c.db.QueryRowContext(ctx, query).Scan(&n)
		return n, err
	}
	err := c.query(ctx, query, func(res *bindings.Result) { n = bindings.ValueInt64(res, 0, 0) })
	return n, err
}

// query runs query directly and hands its result to read; a cancelled
// ctx interrupts it.
func (c *crawlConn) query(ctx context.Context, query string, read func(*bindings.Result)) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	stop := context.AfterFunc(ctx, func() { bindings.Interrupt(c.raw) })
	var res bindings.Result
	state := bindings.Query(c.raw, query, &res)
	stop()
	defer bindings.DestroyResult(&res)
	if state == bindings.StateError {
		if err := ctx.Err(); err != nil {
			return err
		}
		return errors.New(bindings.ResultError(&res))
	}
	read(&res)
	return nil
}

// varchars is a chunk's VARCHAR column (NULL as "").
func varchars(chunk bindings.DataChunk, col int) []string {
	n := int(bindings.DataChunkGetSize(chunk))
	vec := bindings.DataChunkGetVector(chunk, bindings.IdxT(col))
	data := unsafe.Slice((*bindings.StringT)(bindings.VectorGetData(vec)), n)
	valid := bindings.VectorGetValidity(vec)
	out := make([]string, n)
	for i := range out {
		if valid == nil || bindings.ValidityMaskValueIsValid(valid, bindings.IdxT(i)) {
			out[i] = bindings.StringTData(&data[i])
		}
	}
	return out
}
