package queries

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/duckdb/duckdb-go/v2/mapping"
)

// PlainDuckDB is a DuckDB with nothing of tarn: default settings, no
// sandbox, views, guard, plan check, data scanned or history. The
// benchmark runs each query there beside tarn, over the same files, so
// what governance costs is measured, not claimed. It reads whatever its
// SQL names: only an administrator's benchmark may use it.
type PlainDuckDB struct {
	db   *sql.DB
	conn *sql.Conn
	raw  mapping.Connection
}

// OpenPlainDuckDB opens an in-memory DuckDB with its default settings.
func OpenPlainDuckDB(ctx context.Context) (*PlainDuckDB, error) {
	db, conn, err := openDuck(ctx, nil)
	if err != nil {
		return nil, err
	}
	p := &PlainDuckDB{db: db, conn: conn}
	if p.raw, err = rawConn(conn); err != nil {
		p.Close()
		return nil, err
	}
	return p, nil
}

// RunToEnd runs text, fetching and decoding every row as a session's
// RunToEnd does (the same streaming and decoding), and says how many rows
// there were and how long it took in milliseconds.
func (p *PlainDuckDB) RunToEnd(ctx context.Context, text string) (int64, float64, error) {
	start := time.Now()
	st, err := startStream(ctx, p.raw, text)
	if err != nil {
		return 0, 0, err
	}
	defer st.close()
	row := make([]any, len(st.columns))
	var rows int64
	for {
		ok, err := st.fetch()
		if err == nil && !ok {
			err = st.ctxErr() // interrupted during the fetch, not at the end
		}
		if err != nil || !ok {
			return rows, ms(time.Since(start)), err
		}
		for i := range st.size() {
			if err := st.row(i, row); err != nil {
				return rows, 0, err
			}
		}
		rows += int64(st.size())
	}
}

// Close closes the database.
func (p *PlainDuckDB) Close() error {
	return errors.Join(p.conn.Close(), p.db.Close())
}
