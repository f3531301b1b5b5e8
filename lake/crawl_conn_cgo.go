//go:build cgo

package lake

import (
	"context"
	"database/sql"
	"errors"
	"reflect"
	"unsafe"

	bindings "github.com/duckdb/duckdb-go-bindings"
)

// rawConnection is DuckDB's C connection (see crawlConn).
type rawConnection = bindings.Connection

// CConnection is the C connection behind a duckdb-go connection (the
// driver keeps it in a private field), and false if this duckdb-go keeps
// it elsewhere. The crawl and queries' streaming both go through it.
func CConnection(conn *sql.Conn) (raw rawConnection, ok bool) {
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

// countDirect is count through DuckDB's C API.
func (c *crawlConn) countDirect(ctx context.Context, query string) (int64, error) {
	var n int64
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
