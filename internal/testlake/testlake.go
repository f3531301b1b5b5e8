// Package testlake is what the tests of lake and demo share: a demo lake
// in a temporary folder, a DuckDB to read it with, and small helpers
// around both. Tests only; nothing else imports it.
package testlake

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"tarn/demo"
	"tarn/lake"
)

// Demo is a demo lake made with opts in a temporary folder.
func Demo(t testing.TB, opts demo.Options) *lake.Lake {
	t.Helper()
	l, err := lake.Create(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := demo.Create(context.Background(), l, opts); err != nil {
		t.Fatal(err)
	}
	return l
}

// OpenDuck is a private DuckDB, closed when the test ends.
func OpenDuck(t testing.TB) *sql.DB {
	t.Helper()
	db, err := lake.OpenDuckDB()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// Scalar is the one value query returns.
func Scalar[T any](t testing.TB, db *sql.DB, query string) T {
	t.Helper()
	var v T
	if err := db.QueryRow(query).Scan(&v); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return v
}

// DifferingRows counts rows in the symmetric multiset difference of two
// queries: 0 means the same rows, duplicates included, in any order.
func DifferingRows(t testing.TB, db *sql.DB, a, b string) int64 {
	q := fmt.Sprintf("SELECT (SELECT count(*) FROM (%s EXCEPT ALL %s)) + (SELECT count(*) FROM (%s EXCEPT ALL %s))", a, b, b, a)
	return Scalar[int64](t, db, q)
}

// CatalogText is the lake's lake.toml as it is on disk.
func CatalogText(t testing.TB, l *lake.Lake) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(l.Root, lake.CatalogFile))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// WriteFile writes content to path, making its folder.
func WriteFile(t testing.TB, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// SmallFiles adds weblogs.name to l: rows demo log rows written as the
// layout's files, a table of many small files to compact.
func SmallFiles(t testing.TB, l *lake.Lake, name string, lay lake.Layout, rows int) lake.Table {
	t.Helper()
	ds := lake.RowsOf(demo.GenerateLog(rows, 7))
	tab := lake.Table{Database: "weblogs", Name: name, Location: "weblogs/" + name, Format: lay.Format,
		Compression: lay.Compression, Rows: int64(rows), Columns: ds.Columns()}
	if err := lake.WriteLayout(context.Background(), l.Dir(tab), ds, lay, lake.LayoutOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := l.Update(func(c *lake.Catalog) error { c.Put(tab); return nil }); err != nil {
		t.Fatal(err)
	}
	return tab
}

// Numbers adds weblogs.name to l: one Parquet file of rows rows (a number
// and its md5), written by DuckDB, a table whose scan takes a while.
func Numbers(t testing.TB, l *lake.Lake, name string, rows int) lake.Table {
	t.Helper()
	tab := lake.Table{Database: "weblogs", Name: name, Location: "weblogs/" + name, Format: lake.Parquet, Compression: lake.None,
		Rows: int64(rows), Columns: []lake.Column{{Name: "i", Type: "BIGINT"}, {Name: "s", Type: "VARCHAR"}}}
	if err := os.MkdirAll(l.Dir(tab), 0o755); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(l.Dir(tab), "part-00000.parquet")
	if _, err := OpenDuck(t).Exec(fmt.Sprintf("COPY (SELECT range AS i, md5(range::VARCHAR) AS s FROM range(%d)) TO %s", rows, lake.SQLString(file))); err != nil {
		t.Fatal(err)
	}
	if err := l.Update(func(c *lake.Catalog) error { c.Put(tab); return nil }); err != nil {
		t.Fatal(err)
	}
	return tab
}
