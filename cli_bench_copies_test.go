package main

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"tarn/demo"
	"tarn/lake"
	"tarn/queries"
)

// copiesCell is what this test reads of a bench JSON cell.
type copiesCell struct {
	benchCell
	CopiesRead int     `json:"copies_read"`
	CopyMS     float64 `json:"copy_ms"`
}

// tarn bench reads a table of many small files from tarn's copy after the
// cell's first run, having waited for it (copy_ms), and says so; the rows
// and data scanned are those of --no-copies, which reads the files.
func TestBenchReadsACopyOfManySmallFiles(t *testing.T) {
	root := smallLake(t)
	l, err := lake.Open(root)
	if err != nil {
		t.Fatal(err)
	}
	lay := lake.Layout{Format: lake.Parquet, Compression: lake.None, Files: queries.MinCopyFiles}
	log := lake.RowsOf(demo.GenerateLog(2000, demo.Seed))
	table := demo.LogTable(lay, log.Len())
	if err := lake.WriteLayout(context.Background(), l.Dir(table), log, lay, lake.LayoutOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := l.Update(func(c *lake.Catalog) error { c.Put(table); return nil }); err != nil {
		t.Fatal(err)
	}
	bench := func(extra ...string) ([]copiesCell, string) {
		args := append([]string{"bench", "--lake", root, "--tables", table.QualifiedName(), "--queries", "full,like", "--runs", "2"}, extra...)
		code, out, errOut := tarn(t, args...)
		if code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, errOut)
		}
		if !strings.Contains(strings.Join(extra, " "), "json") {
			return nil, out
		}
		var doc struct{ Cells []copiesCell }
		if err := json.Unmarshal([]byte(out), &doc); err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		return doc.Cells, out
	}
	files, _ := bench("--no-copies", "--format", "json")
	copied, _ := bench("--format", "json")
	for i, c := range copied {
		f := files[i]
		if f.CopiesRead != 0 || c.CopiesRead != 1 {
			t.Errorf("%s: copies read %d with --no-copies, %d without", c.Query, f.CopiesRead, c.CopiesRead)
		}
		if c.Rows != f.Rows || c.DataScanned != f.DataScanned {
			t.Errorf("%s: %d rows, %d B from the copy; %d rows, %d B from the files", c.Query, c.Rows, c.DataScanned, f.Rows, f.DataScanned)
		}
	}
	if copied[0].CopyMS <= 0 || copied[1].CopyMS != 0 {
		t.Errorf("copy_ms %v then %v: the first cell waits for the copy, the second finds it made", copied[0].CopyMS, copied[1].CopyMS)
	}
	if _, out := bench(); !strings.Contains(out, "Copies: 2 cells read a table of many small files from tarn's one-file copy of it, made before this run") {
		t.Errorf("the report does not say the cells read a copy:\n%s", out)
	}
}
