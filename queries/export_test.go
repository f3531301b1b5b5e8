package queries

import (
	"context"
	"database/sql"
)

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
