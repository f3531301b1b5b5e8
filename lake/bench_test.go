package lake_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"tarn/demo"
	"tarn/lake"
)

// BenchmarkImportAccessLog times importing a 150,000-line combined access
// log to one Parquet file. Target: under 1 s.
func BenchmarkImportAccessLog(b *testing.B) {
	var sb strings.Builder
	for _, r := range demo.GenerateLog(150_000, 3) {
		sb.WriteString(lake.FormatLogLine(r) + "\n")
	}
	src := filepath.Join(b.TempDir(), "access.log")
	if err := os.WriteFile(src, []byte(sb.String()), 0o644); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(sb.Len()))
	for b.Loop() {
		l := newLake(b)
		_, err := l.Import(context.Background(), lake.ImportOptions{Files: []string{src}, Database: "web",
			Table: "access", Format: lake.Parquet, Compression: lake.None, Parts: 1})
		if err != nil {
			b.Fatal(err)
		}
	}
}
