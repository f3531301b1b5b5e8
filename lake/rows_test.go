package lake_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/parquet-go/parquet-go"

	"tarn/demo"
	"tarn/lake"
)

// TestParquetFootersNameTheirColumns reads back every file of a multi-file
// Parquet layout: each footer's column chunks must name their column.
// Reusing one parquet-go writer across files (Reset) left every file after
// the first with empty path_in_schema entries.
func TestParquetFootersNameTheirColumns(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "log")
	rows := lake.RowsOf(demo.GenerateLog(3000, demo.Seed))
	if err := lake.WriteLayout(context.Background(), dir, rows, lake.Layout{Format: lake.Parquet, Compression: lake.None, Files: 6}, lake.LayoutOptions{}); err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, c := range lake.LogColumns {
		want = append(want, c.Name)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	files := 0
	for _, e := range entries {
		if filepath.Ext(e.Name()) != ".parquet" {
			continue
		}
		files++
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		f, err := parquet.OpenFile(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			t.Fatalf("%s: %v", e.Name(), err)
		}
		for _, rg := range f.Metadata().RowGroups {
			var got []string
			for _, c := range rg.Columns {
				got = append(got, c.MetaData.PathInSchema...)
			}
			if !slices.Equal(got, want) {
				t.Errorf("%s: column chunks name %q, want %q", e.Name(), got, want)
			}
		}
	}
	if files != 6 {
		t.Fatalf("%d Parquet files, want 6", files)
	}
}
