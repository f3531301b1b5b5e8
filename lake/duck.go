package lake

import (
	"context"
	"database/sql"
	"fmt"
)

// OpenDuckDB opens a private in-memory DuckDB for lake work: schema
// inference, validation and import. Query sessions live in package queries.
func OpenDuckDB() (*sql.DB, error) {
	db, err := sql.Open("duckdb", "")
	if err != nil {
		return nil, fmt.Errorf("duckdb: %w", err)
	}
	db.SetMaxOpenConns(1) // one connection keeps temp tables visible
	return db, nil
}

// CountRows counts a table's rows by reading its files.
func (l *Lake) CountRows(ctx context.Context, db *sql.DB, t Table) (int64, error) {
	var n int64
	err := db.QueryRowContext(ctx, "SELECT count(*) FROM "+l.Relation(t)).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("table %s: %w", t.QualifiedName(), duckReason(err))
	}
	return n, nil
}
