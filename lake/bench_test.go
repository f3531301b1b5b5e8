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
	"tarn/internal/testlake"
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
// rows, about 28 MB, the source's log 1x) and a CSV of 2 rows (what every
// import costs whatever its size) to Parquet in one file and in ten, with
// DuckDB's detection at every statement on two threads (as before), the
// file sniffed once on two threads, and sniffed once on one thread (as
// now, under oneThreadBelow), side by side in one run; cpu-s/GB is the
// process's CPU time per GB of input, cpu-ms/op per import.
func BenchmarkImportCSV(b *testing.B) {
	dir := b.TempDir()
	logCSV, twoRows := filepath.Join(dir, "access.csv"), filepath.Join(dir, "two.csv")
	writeLogCSV(b, logCSV, demo.GenerateLog(150_000, 3))
	testlake.WriteFile(b, twoRows, "a,b\n1,x\n2,y\n")
	ways := []struct {
		name           string
		sniff          bool
		oneThreadBelow int64
	}{{"detect/threads=2", false, 0}, {"sniffed/threads=2", true, 0}, {"sniffed/threads=1", true, 1 << 40}}
	for _, src := range []string{twoRows, logCSV} {
		st, err := os.Stat(src)
		if err != nil {
			b.Fatal(err)
		}
		for _, files := range []int{1, 10} {
			if files > 1 && src == twoRows {
				continue
			}
			for _, way := range ways {
				b.Run(fmt.Sprintf("%s/files=%d/%s", filepath.Base(src), files, way.name), func(b *testing.B) {
					defer lake.SetSniffImports(way.sniff)()
					defer lake.SetOneThreadBelow(way.oneThreadBelow)()
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
					used := (processCPU() - cpu).Seconds() / float64(b.N)
					if src == logCSV {
						b.ReportMetric(used/(float64(st.Size())/1e9), "cpu-s/GB")
					}
					b.ReportMetric(used*1000, "cpu-ms/op")
				})
			}
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
