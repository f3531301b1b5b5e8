package lake

import (
	"context"
	"path/filepath"
	"slices"
	"testing"
)

// The columns read from Parquet footers in Go are those DuckDB describes,
// for every type the footer path names; other types are left to DuckDB.
func TestParquetFootersNameTypesAsDuckDB(t *testing.T) {
	db, err := OpenDuckDB()
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	cases := []struct {
		expr  string
		named bool // read from the footer, not left to DuckDB
	}{
		{"true", true}, {"1::INTEGER", true}, {"1::BIGINT", true}, {"1.5::FLOAT", true},
		{"1.5::DOUBLE", true}, {"'x'", true}, {"DATE '2024-01-02'", true},
		{"1::SMALLINT", true}, {"1::TINYINT", true}, {"1::UBIGINT", true}, {"1::UINTEGER", true}, {"1::USMALLINT", true}, {"1.5::DECIMAL(18,3)", false},
		{"TIMESTAMP '2024-01-02 03:04:05'", false}, {"TIMESTAMPTZ '2024-01-02 03:04:05+00'", false},
		{"'x'::BLOB", false}, {"[1, 2]", false}, {"{'a': 1}", false}, {"TIME '03:04:05'", false},
		{"uuid()", false}, {"1::HUGEINT", true}, {"INTERVAL 1 DAY", false},
	}
	dir := t.TempDir()
	for _, c := range cases {
		file := filepath.Join(dir, "f.parquet")
		if _, err := db.Exec("COPY (SELECT " + c.expr + " AS v, 7 AS n FROM range(3)) TO " + SQLString(file) + " (FORMAT parquet)"); err != nil {
			t.Fatal(err)
		}
		want, err := inferSchema(context.Background(), &crawlConn{db: db}, Table{Format: Parquet}, []string{file})
		if err != nil {
			t.Fatal(err)
		}
		cols, rows, ok := parquetFooters(Table{Format: Parquet}, []string{file, file})
		if ok != c.named {
			t.Errorf("%s (%s): read from the footer %v, want %v", c.expr, want[0].Type, ok, c.named)
		}
		if ok && (!slices.Equal(cols, want) || rows != 6) {
			t.Errorf("%s: footer says %v, %d rows; DuckDB %v, 6 rows", c.expr, cols, rows, want)
		}
	}
}
