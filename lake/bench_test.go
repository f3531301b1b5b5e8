package lake_test

import (
	"bufio"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
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

// BenchmarkImportCSV times importing the demo access log as CSV (150,000
// rows, about 28 MB, the source's log 1x) to Parquet in one file and in
// ten, with DuckDB's CSV reader buffer at its default and at tarn's, side
// by side in one run; cpu-s/GB is the process's CPU time per GB of input.
func BenchmarkImportCSV(b *testing.B) {
	src := filepath.Join(b.TempDir(), "access.csv")
	writeLogCSV(b, src, demo.GenerateLog(150_000, 3))
	st, err := os.Stat(src)
	if err != nil {
		b.Fatal(err)
	}
	tarnBuffer := *lake.CSVReadBuffer
	defer func() { *lake.CSVReadBuffer = tarnBuffer }()
	for _, files := range []int{1, 10} {
		for _, buffer := range []int{32 << 20, tarnBuffer} {
			b.Run(fmt.Sprintf("files=%d/buffer=%dMiB", files, buffer>>20), func(b *testing.B) {
				*lake.CSVReadBuffer = buffer
				b.SetBytes(st.Size())
				cpu := processCPU()
				for b.Loop() {
					l := newLake(b)
					_, err := l.Import(context.Background(), lake.ImportOptions{Files: []string{src}, Database: "web",
						Table: "access", Format: lake.Parquet, Compression: lake.None, Parts: files})
					if err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric((processCPU()-cpu).Seconds()/float64(b.N)/(float64(st.Size())/1e9), "cpu-s/GB")
			})
		}
	}
}

// writeLogCSV writes recs as a CSV file with a header.
func writeLogCSV(b *testing.B, path string, recs []lake.LogRecord) {
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	buf := bufio.NewWriter(f)
	w := csv.NewWriter(buf)
	w.Write([]string{"host", "ident", "authuser", "time", "method", "path", "protocol", "status", "size", "referrer", "agent"})
	for _, r := range recs {
		w.Write([]string{r.Host, r.Ident, r.AuthUser, r.Time.Format("2006-01-02 15:04:05"), r.Method, r.Path, r.Protocol,
			strconv.Itoa(int(r.Status)), strconv.FormatInt(r.Size, 10), r.Referrer, r.Agent})
	}
	w.Flush()
	if err := errors.Join(w.Error(), buf.Flush(), f.Close()); err != nil {
		b.Fatal(err)
	}
}
