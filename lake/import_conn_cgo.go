//go:build cgo

package lake

import (
	"context"

	bindings "github.com/duckdb/duckdb-go-bindings"
)

// execDirect is exec through DuckDB's C API.
func (c *crawlConn) execDirect(ctx context.Context, query string) (int64, error) {
	var n int64
	err := c.query(ctx, query, func(res *bindings.Result) { n = int64(bindings.RowsChanged(res)) })
	return n, err
}

// textRowsDirect is textRows through DuckDB's C API.
func (c *crawlConn) textRowsDirect(ctx context.Context, query string) ([][]string, error) {
	var out [][]string
	err := c.query(ctx, query, func(res *bindings.Result) {
		width := int(bindings.ColumnCount(res))
		for chunk := bindings.FetchChunk(*res); chunk.Ptr != nil; chunk = bindings.FetchChunk(*res) {
			cols := make([][]string, width)
			for i := range cols {
				cols[i] = varchars(chunk, i)
			}
			for r := range int(bindings.DataChunkGetSize(chunk)) {
				row := make([]string, width)
				for i := range row {
					row[i] = cols[i][r]
				}
				out = append(out, row)
			}
			bindings.DestroyDataChunk(&chunk)
		}
	})
	return out, err
}
