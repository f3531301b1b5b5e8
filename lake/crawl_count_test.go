package lake_test

import (
	"bytes"
	"compress/gzip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"tarn/lake"
)

// Where a CSV file's rows are counted in Go, the count is DuckDB's, as a
// query of the table counts them; files the Go count is not sure of are
// left to DuckDB.
func TestCSVRowsCountedInGoAreDuckDBs(t *testing.T) {
	cases := []struct {
		name, data string
		inGo       bool
	}{
		{"plain", "a,b\n1,x\n2,y\n", true},
		{"no final newline", "a,b\n1,x\n2,y", true},
		{"header only", "a,b\n", true},
		{"header only, no newline", "a,b", true},
		{"empty fields", "a,b\n,\n,\n1,\n", true},
		{"spaces and tabs", "a,b\n 1 , x \n\t2,\ty\t\n", true},
		{"byte order mark", "\ufeffa,b\n1,x\n", true},
		{"unicode", "a,b\n1,é\n2,日本\n", true},
		{"types that do not fit", "a,b\nabc,x\n2.5,y\n", true},
		{"a comment-like line", "a,b\n#1,x\n2,y\n", true},
		{"empty", "", false},
		{"blank lines", "a,b\n1,x\n\n2,y\n\n\n", false},
		{"trailing blank line", "a,b\n1,x\n\n", false},
		{"whitespace line", "a,b\n1,x\n   \n", false},
		{"quoted newline", "a,b\n1,\"x\ny\"\n", false},
		{"quoted comma", "a,b\n1,\"x,y\"\n", false},
		{"crlf", "a,b\r\n1,x\r\n", false},
		{"lone cr", "a,b\r1,x\r", false},
		{"too many fields", "a,b\n1,x,z\n", false},
		{"too few fields", "a,b\n1\n", false},
		{"header with more", "a,b,c\n1,x\n", false},
		{"nul byte", "a,b\n1,x\x00\n", false},
		{"invalid utf-8", "a,b\n1,\xff\xfe\n", false},
	}
	db, err := lake.OpenDuckDB()
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	dir := t.TempDir()
	cols := lake.Columns{{Name: "a", Type: "VARCHAR"}, {Name: "b", Type: "VARCHAR"}}
	for i, c := range cases {
		for _, gz := range []bool{false, true} {
			tab := lake.Table{Format: lake.CSV, Columns: cols}
			data := []byte(c.data)
			file := filepath.Join(dir, strings.Repeat("f", i+1)+".csv")
			if gz {
				tab.Compression = lake.Gzip
				data = gzipBytes(t, string(data))
				file += ".gz"
			}
			if err := os.WriteFile(file, data, 0o644); err != nil {
				t.Fatal(err)
			}
			files := []string{file, file}
			n, ok := lake.CountedInGo(tab, files)
			if ok != c.inGo {
				t.Errorf("%s (gzip %v): counted in Go %v, want %v", c.name, gz, ok, c.inGo)
			}
			if !ok {
				continue
			}
			var want int64
			if err := db.QueryRow("SELECT count(*) FROM " + lake.RelationOf(tab, files)).Scan(&want); err != nil {
				t.Errorf("%s (gzip %v): Go counts %d, DuckDB fails: %v", c.name, gz, n, err)
			} else if n != want {
				t.Errorf("%s (gzip %v): Go counts %d, DuckDB %d", c.name, gz, n, want)
			}
		}
	}
}

// Large files, truncated gzip and tables that are not plain CSV of two
// or more columns are left to DuckDB.
func TestRowsNotCountedInGo(t *testing.T) {
	dir := t.TempDir()
	big := filepath.Join(dir, "big.csv")
	os.WriteFile(big, []byte("a,b\n"+strings.Repeat("1,x\n", lake.PlainCSVLimit/4)), 0o644)
	cut := filepath.Join(dir, "cut.csv.gz")
	whole := gzipBytes(t, "a,b\n"+strings.Repeat("1,x\n", 1000))
	os.WriteFile(cut, whole[:len(whole)/2], 0o644)
	small := filepath.Join(dir, "small.csv")
	os.WriteFile(small, []byte("a\n1\n"), 0o644)
	plain := filepath.Join(dir, "plain.csv")
	os.WriteFile(plain, []byte("a,b\n1,x\n"), 0o644)
	// DuckDB refuses a gzip header with a comment or the text flag
	// ("Unsupported GZIP archive"); a second member is left to it too.
	comment := filepath.Join(dir, "comment.csv.gz")
	os.WriteFile(comment, gzipHeaderBytes(t, gzip.Header{Comment: "made by hand"}, 0), 0o644)
	text := filepath.Join(dir, "text.csv.gz")
	os.WriteFile(text, gzipHeaderBytes(t, gzip.Header{}, 0x01), 0o644)
	members := filepath.Join(dir, "members.csv.gz")
	os.WriteFile(members, append(gzipBytes(t, "a,b\n1,x\n"), gzipHeaderBytes(t, gzip.Header{}, 0x01)...), 0o644)
	two := lake.Columns{{Name: "a", Type: "VARCHAR"}, {Name: "b", Type: "VARCHAR"}}
	for name, c := range map[string]struct {
		t     lake.Table
		files []string
	}{
		"over the limit": {lake.Table{Format: lake.CSV, Columns: two}, []string{big}},
		"truncated gzip": {lake.Table{Format: lake.CSV, Compression: lake.Gzip, Columns: two}, []string{cut}},
		"one column":     {lake.Table{Format: lake.CSV, Columns: two[:1]}, []string{small}},
		"by name":        {lake.Table{Format: lake.CSV, Columns: two, UnionByName: true}, []string{plain}},
		"json":           {lake.Table{Format: lake.JSON, Columns: two}, []string{plain}},
		"missing file":   {lake.Table{Format: lake.CSV, Columns: two}, []string{filepath.Join(dir, "none.csv")}},
		"gzip comment":   {lake.Table{Format: lake.CSV, Compression: lake.Gzip, Columns: two}, []string{comment}},
		"gzip text flag": {lake.Table{Format: lake.CSV, Compression: lake.Gzip, Columns: two}, []string{text}},
		"gzip members":   {lake.Table{Format: lake.CSV, Compression: lake.Gzip, Columns: two}, []string{members}},
	} {
		if n, ok := lake.CountedInGo(c.t, c.files); ok {
			t.Errorf("%s: counted in Go (%d rows)", name, n)
		}
	}
}

// gzipHeaderBytes is a gzip file of a plain two-column CSV with header h
// and the flag bits or set in its header.
func gzipHeaderBytes(t *testing.T, h gzip.Header, or byte) []byte {
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	w.Header = h
	w.Write([]byte("a,b\n1,x\n"))
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	data := b.Bytes()
	data[3] |= or
	return data
}

// The Go count checks each value against its column's type, and takes a
// file only where DuckDB surely reads every value as that type; anything
// it is not sure of goes to DuckDB.
func TestValuesCountedInGoFitTheirTypes(t *testing.T) {
	fields := []string{"1", "-1", "007", "-0", "123456789012345678", "1234567890123456789", "9223372036854775808",
		"1.5", "-0.5", ".5", "1.", "1e3", "1_000", " 1", "1 ", "+1", "0x10", "true", "false", "TRUE", "t", "1.5.1", "-", "zz"}
	sure := map[string][]string{"BIGINT": {"1", "-1", "007", "-0", "123456789012345678"}, "DOUBLE": {"1", "-1", "007", "-0", "123456789012345678", "1234567890123456789", "9223372036854775808", "1.5", "-0.5"}, "BOOLEAN": {"true", "false"}}
	db, err := lake.OpenDuckDB()
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	file := filepath.Join(t.TempDir(), "f.csv")
	for typ, want := range sure {
		tab := lake.Table{Format: lake.CSV, Columns: lake.Columns{{Name: "a", Type: typ}, {Name: "b", Type: "VARCHAR"}}}
		var inGo []string
		for _, f := range fields {
			if err := os.WriteFile(file, []byte("a,b\n"+f+",x\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			if _, ok := lake.CountedInGo(tab, []string{file}); !ok {
				continue
			}
			inGo = append(inGo, f)
			var n int64
			if err := db.QueryRow("SELECT count(a) FROM " + lake.RelationOf(tab, []string{file})).Scan(&n); err != nil || n != 1 {
				t.Errorf("%s %q counted in Go, but DuckDB reads %d values: %v", typ, f, n, err)
			}
		}
		if strings.Join(inGo, " ") != strings.Join(want, " ") {
			t.Errorf("%s: counted in Go %q, want %q", typ, inGo, want)
		}
	}
}
