package queries_test

import (
	"bufio"
	"context"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"tarn/demo"
	"tarn/lake"
	"tarn/queries"
)

// BenchmarkDemoRowWriters writes the demo's access log (148,534 rows) as
// the demo does (lake.Rows: bytes appended from the structs, parquet-go
// for Parquet) and through the row writers, as the demo would if it used
// them: each row boxed into []any, then written. Compare ns/row of the
// pairs; B/file shows that the files would differ too.
func BenchmarkDemoRowWriters(b *testing.B) {
	log := demo.GenerateLog(demo.LogRows, demo.Seed)
	rows := lake.RowsOf(log)
	parquetFile := filepath.Join(b.TempDir(), "log.parquet")
	demoWay := map[string]func(w io.Writer) error{
		"csv":  func(w io.Writer) error { return appendAll(w, rows.AppendCSVHeader(nil), rows.AppendCSV) },
		"json": func(w io.Writer) error { return appendAll(w, nil, rows.AppendJSON) },
		"parquet": func(io.Writer) error {
			return toFile(parquetFile, func(w io.Writer) error { return rows.ParquetEncoder()(w, 0, rows.Len()) })
		},
	}
	writers := map[string]func(w io.Writer) error{
		"csv":  func(w io.Writer) error { return queries.WriteCSV(w, structRows(rows.Columns(), log)) },
		"json": func(w io.Writer) error { return queries.WriteJSONLines(w, structRows(rows.Columns(), log)) },
		"parquet": func(io.Writer) error {
			os.Remove(parquetFile)
			return queries.WriteParquet(context.Background(), parquetFile, structRows(rows.Columns(), log))
		},
	}
	for _, format := range []string{"csv", "json", "parquet"} {
		for _, way := range []string{"demo", "writers"} {
			write := map[string]map[string]func(io.Writer) error{"demo": demoWay, "writers": writers}[way][format]
			b.Run(format+"/"+way, func(b *testing.B) {
				var size countingWriter
				for b.Loop() {
					size = 0
					if err := write(&size); err != nil {
						b.Fatal(err)
					}
				}
				if format == "parquet" {
					info, _ := os.Stat(parquetFile)
					size = countingWriter(info.Size())
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(rows.Len()), "ns/row")
				b.ReportMetric(float64(size), "B/file")
			})
		}
	}
}

// appendAll writes header and every row appended by row, 32 KB at a time,
// as the demo's layouts do.
func appendAll(w io.Writer, header []byte, row func(b []byte, i int) []byte) error {
	b := header
	for i := range demo.LogRows {
		b = row(b, i)
		if len(b) > 32<<10 {
			if _, err := w.Write(b); err != nil {
				return err
			}
			b = b[:0]
		}
	}
	_, err := w.Write(b)
	return err
}

func toFile(path string, write func(io.Writer) error) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	w := bufio.NewWriterSize(f, 256<<10)
	if err := write(w); err != nil {
		return err
	}
	return w.Flush()
}

// countingWriter counts the bytes written to it.
type countingWriter int64

func (c *countingWriter) Write(p []byte) (int, error) {
	*c += countingWriter(len(p))
	return len(p), nil
}

// structRows serves structs as Rows, a column per parquet-tagged field
// (as lake.RowsOf takes them), 2,048 rows a chunk like a result.
func structRows[T any](cols []lake.Column, rows []T) *memStructs[T] {
	m := &memStructs[T]{rows: rows}
	typ := reflect.TypeFor[T]()
	for i := range typ.NumField() {
		name, _, _ := strings.Cut(typ.Field(i).Tag.Get("parquet"), ",")
		if name != "" && name != "-" {
			m.fields = append(m.fields, i)
		}
	}
	for _, c := range cols {
		m.cols = append(m.cols, queries.Column{Name: c.Name, Type: c.Type})
	}
	return m
}

type memStructs[T any] struct {
	cols   []queries.Column
	rows   []T
	fields []int
	at, n  int
}

func (m *memStructs[T]) Columns() []queries.Column { return m.cols }
func (m *memStructs[T]) Len() int                  { return m.n }
func (m *memStructs[T]) Err() error                { return nil }

func (m *memStructs[T]) Next() bool {
	m.at += m.n
	m.n = min(2048, len(m.rows)-m.at)
	return m.n > 0
}

func (m *memStructs[T]) Row(i int, dst []any) error {
	v := reflect.ValueOf(&m.rows[m.at+i]).Elem()
	for j, f := range m.fields {
		dst[j] = v.Field(f).Interface()
	}
	return nil
}
