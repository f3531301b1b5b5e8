package lake_test

import (
	"bytes"
	"context"
	"iter"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"tarn/demo"
	"tarn/lake"
)

// batchesOf yields rows in batches of size, each a fresh slice.
func batchesOf[T any](rows []T, size int) iter.Seq[[]T] {
	return func(yield func([]T) bool) {
		for lo := 0; lo < len(rows); lo += size {
			if !yield(append([]T(nil), rows[lo:min(lo+size, len(rows))]...)) {
				return
			}
		}
	}
}

// readDir maps each file name in dir to its bytes.
func readDir(t *testing.T, dir string) map[string][]byte {
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]byte{}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		out[e.Name()] = b
	}
	return out
}

// A streamed layout is byte for byte the layout written from memory, in
// every format, whatever the batches' sizes against files and row groups.
func TestWriteLayoutStreamWritesWhatWriteLayoutWrites(t *testing.T) {
	log := demo.GenerateLog(40_000, demo.Seed) // 3 row groups in one Parquet file
	for _, lay := range []lake.Layout{
		{Format: lake.Parquet, Compression: lake.None, Files: 1},
		{Format: lake.Parquet, Compression: lake.None, Files: 7},
		{Format: lake.CSV, Compression: lake.None, Files: 1},
		{Format: lake.CSV, Compression: lake.Gzip, Files: 3},
		{Format: lake.JSON, Compression: lake.None, Files: 7},
	} {
		for _, batch := range []int{5000, 16384, 40_000} {
			base := t.TempDir()
			want, got := filepath.Join(base, "memory"), filepath.Join(base, "stream")
			if err := lake.WriteLayout(context.Background(), want, lake.RowsOf(log), lay, lake.LayoutOptions{Marker: ".m"}); err != nil {
				t.Fatal(err)
			}
			files, rows := 0, 0
			opts := lake.StreamOptions{LayoutOptions: lake.LayoutOptions{Marker: ".m", OnFile: func() { files++ }}, OnRows: func(n int) { rows += n }}
			if err := lake.WriteLayoutStream(context.Background(), got, batchesOf(log, batch), len(log), lay, opts); err != nil {
				t.Fatalf("%s, batches of %d: %v", lay, batch, err)
			}
			if files != lay.Files || rows != len(log) {
				t.Errorf("%s, batches of %d: progress said %d files and %d rows", lay, batch, files, rows)
			}
			w, g := readDir(t, want), readDir(t, got)
			if len(w) != len(g) {
				t.Fatalf("%s, batches of %d: %d files streamed, %d from memory", lay, batch, len(g), len(w))
			}
			for name, b := range w {
				if !bytes.Equal(g[name], b) {
					t.Errorf("%s, batches of %d: %s differs (%d bytes streamed, %d from memory)", lay, batch, name, len(g[name]), len(b))
				}
			}
		}
	}
}

// Rows that stop short of what was announced, or a cancel, leave the
// folder as it was.
func TestWriteLayoutStreamLeavesTheFolderOnFailure(t *testing.T) {
	log := demo.GenerateLog(1000, demo.Seed)
	lay := lake.Layout{Format: lake.CSV, Compression: lake.None, Files: 4}
	dir := filepath.Join(t.TempDir(), "log")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "old.csv"), []byte("x\n1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	for _, c := range []struct {
		name  string
		ctx   context.Context
		total int
		want  string
	}{
		{"short", context.Background(), 1500, "stopped at 1000 of the 1500"},
		{"long", context.Background(), 900, "run past the 900"},
		{"cancelled", cancelled, 1000, "canceled"},
	} {
		err := lake.WriteLayoutStream(c.ctx, dir, batchesOf(log, 300), c.total, lay, lake.StreamOptions{})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want %q", c.name, err, c.want)
		}
		if got := readDir(t, dir); len(got) != 1 || string(got["old.csv"]) != "x\n1\n" {
			t.Errorf("%s: the folder changed: %d files", c.name, len(got))
		}
	}
	if entries, _ := os.ReadDir(filepath.Dir(dir)); len(entries) != 1 {
		t.Errorf("a failed write left %d entries beside the folder", len(entries)-1)
	}
}
