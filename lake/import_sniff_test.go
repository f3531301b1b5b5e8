package lake_test

import (
	"bytes"
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/klauspost/compress/gzip"

	"tarn/internal/testlake"
	"tarn/lake"
)

// TestOneCSVFileIsSniffedOnceToTheSameTable imports awkward CSV files
// with the file sniffed once and read with detection off, and with
// DuckDB's detection at every statement as before: the columns, their
// types, the rows and the errors must be the same.
func TestOneCSVFileIsSniffedOnceToTheSameTable(t *testing.T) {
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte("id,when\n1,2020-02-29 00:00:02\n2,2020-03-01 10:00:00\n"))
	zw.Close()
	files := []struct {
		name, content string
	}{
		{"awkward.csv", awkwardCSV},
		{"semicolons.csv", "a;b;c\n1;x;2.5\n2;y;3\n"},
		{"tabs_crlf.csv", "a\tb\r\n1\tx\r\n2\ty\r\n"},
		{"day_first.csv", "d,t\n29/02/2020,29/02/2020 00:00:02\n31/03/2020,31/03/2020 10:00:00\n"},
		{"names.csv", "a,a,\"it's\",\"say \"\"hi\"\"\"\n1,2,3,4\n"},
		{"one_column.csv", "x\n1\n2\n"},
		{"backslash_escape.csv", "a,b\n1,\"x \\\"q\\\"\"\n2,y\n"},
		{"header_only.csv", "a,b\n"},
		{"gzipped.csv.gz", gz.String()},
		{"late_bad_value.csv", lateBadValue()},
		{"ragged.csv", "a,b\n1,2\n3\n4,5,6\n"},
	}
	dir := t.TempDir()
	db := testlake.OpenDuck(t)
	sniffed, detected := newLake(t), newLake(t)
	for _, f := range files {
		path := filepath.Join(dir, f.name)
		testlake.WriteFile(t, path, f.content)
		if _, _, err := lake.SniffedCSVReader(path); err != nil {
			t.Errorf("%s: not read as sniffed: %v", f.name, err)
		}
		table := strings.TrimSuffix(strings.TrimSuffix(f.name, ".gz"), ".csv")
		opts := lake.ImportOptions{Files: []string{path}, Database: "d", Table: table, Format: lake.Parquet, Compression: lake.None, Parts: 1}
		repA, errA := sniffed.Import(context.Background(), opts)
		restore := lake.SetSniffImports(false)
		repB, errB := detected.Import(context.Background(), opts)
		restore()
		if errA != nil || errB != nil {
			if errA == nil || errB == nil || errA.Error() != errB.Error() {
				t.Errorf("%s: sniffed once: %v\ndetected: %v", f.name, errA, errB)
			}
			continue
		}
		if !slices.Equal(repA.Table.Columns, repB.Table.Columns) || repA.Rows != repB.Rows {
			t.Errorf("%s: sniffed once %s, %d rows; detected %s, %d rows", f.name,
				lake.DescribeColumns(repA.Table.Columns), repA.Rows, lake.DescribeColumns(repB.Table.Columns), repB.Rows)
			continue
		}
		if d := testlake.DifferingRows(t, db, "SELECT * FROM "+sniffed.Relation(repA.Table), "SELECT * FROM "+detected.Relation(repB.Table)); d != 0 {
			t.Errorf("%s: %d rows differ", f.name, d)
		}
	}
	if a, b := testlake.CatalogText(t, sniffed), testlake.CatalogText(t, detected); a != b {
		t.Errorf("catalogs differ:\n%s\n---\n%s", a, b)
	}
	// Where the driver's C connection cannot be reached, database/sql
	// sniffs to the same reader.
	path := filepath.Join(dir, files[0].name)
	readerC, colsC, errC := lake.SniffedCSVReader(path)
	defer lake.SetCrawlDirect(false)()
	readerSQL, colsSQL, errSQL := lake.SniffedCSVReader(path)
	if errC != nil || errSQL != nil || readerC != readerSQL || !slices.Equal(colsC, colsSQL) {
		t.Errorf("through DuckDB's C API: %s %v %v\nthrough database/sql: %s %v %v", readerC, colsC, errC, readerSQL, colsSQL, errSQL)
	}
}

// lateBadValue is a CSV whose second column is a number in every row
// DuckDB's sniffer samples and text after them.
func lateBadValue() string {
	var b strings.Builder
	b.WriteString("id,v\n")
	for i := range 40000 {
		b.WriteString(strings.Repeat("7", 1+i%3) + "," + strings.Repeat("1", 1+i%5) + "\n")
	}
	b.WriteString("40001,abc\n")
	return b.String()
}
