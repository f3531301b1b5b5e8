package lake

import (
	"fmt"
	"io"
	"reflect"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/parquet-go/parquet-go"
)

// Rows is a data set tarn can write in every format: a slice of structs
// whose parquet tags name the columns.
//
// The demo writes its files with Rows, not with the row writers that
// `tarn query` and exports use (queries/writers.go), because they are
// faster here: BenchmarkDemoRowWriters (in queries), in one run over the
// demo's access log, took 579 ns a row for CSV against the writers' 1,275
// (2.2x), 657 against 1,562 for JSON lines (2.4x) and 581 against 6,049
// for Parquet (10.4x); the writers need each row boxed into []any, and
// their Parquet goes through a DuckDB. The CSV and JSON bytes are the same
// either way; the Parquet files are not: DuckDB's writer makes row groups
// of 122,880 rows where the demo wants ParquetRowGroupRows.
type Rows[T any] struct {
	rows   []T
	cols   []Column
	fields []int // struct field index of each column
}

// RowsOf describes rows of a struct type; field types map to DuckDB types
// (string VARCHAR, int32 INTEGER, int64 BIGINT, float64 DOUBLE, time.Time TIMESTAMP).
func RowsOf[T any](rows []T) *Rows[T] {
	typ := reflect.TypeFor[T]()
	r := &Rows[T]{rows: rows}
	for i := range typ.NumField() {
		f := typ.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("parquet"), ",")
		if name == "" || name == "-" {
			continue
		}
		r.cols = append(r.cols, Column{Name: name, Type: duckType(f.Type)})
		r.fields = append(r.fields, i)
	}
	return r
}

func duckType(t reflect.Type) string {
	switch {
	case t == reflect.TypeFor[time.Time]():
		return "TIMESTAMP"
	case t.Kind() == reflect.String:
		return "VARCHAR"
	case t.Kind() == reflect.Int32:
		return "INTEGER"
	case t.Kind() == reflect.Int64:
		return "BIGINT"
	case t.Kind() == reflect.Float64:
		return "DOUBLE"
	case t.Kind() == reflect.Bool:
		return "BOOLEAN"
	}
	panic(fmt.Sprintf("lake: no DuckDB type for Go type %s", t)) // programmer error in a row struct
}

// Len is the number of rows.
func (r *Rows[T]) Len() int { return len(r.rows) }

// Columns is the catalog schema of the rows.
func (r *Rows[T]) Columns() []Column { return r.cols }

// TimeLayout is how timestamps are written to CSV and JSON: DuckDB casts it
// to TIMESTAMP without a format string.
const TimeLayout = "2006-01-02 15:04:05.999999"

// appendValue appends the text of one field; quote says whether strings
// need CSV or JSON quoting.
func appendValue(b []byte, v reflect.Value, jsonMode bool) []byte {
	switch v.Kind() {
	case reflect.String:
		if jsonMode {
			return appendJSONString(b, v.String())
		}
		return appendCSVField(b, v.String())
	case reflect.Int32, reflect.Int64:
		return strconv.AppendInt(b, v.Int(), 10)
	case reflect.Float64:
		return strconv.AppendFloat(b, v.Float(), 'g', -1, 64)
	case reflect.Bool:
		return strconv.AppendBool(b, v.Bool())
	}
	ts := v.Interface().(time.Time).UTC().Format(TimeLayout)
	if jsonMode {
		return appendJSONString(b, ts)
	}
	return append(b, ts...)
}

// AppendCSVHeader appends the header line.
func (r *Rows[T]) AppendCSVHeader(b []byte) []byte {
	for i, c := range r.cols {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendCSVField(b, c.Name)
	}
	return append(b, '\n')
}

// AppendCSV appends row i as one CSV line.
func (r *Rows[T]) AppendCSV(b []byte, i int) []byte {
	v := reflect.ValueOf(&r.rows[i]).Elem()
	for j, f := range r.fields {
		if j > 0 {
			b = append(b, ',')
		}
		b = appendValue(b, v.Field(f), false)
	}
	return append(b, '\n')
}

// AppendJSON appends row i as one JSON object line.
func (r *Rows[T]) AppendJSON(b []byte, i int) []byte {
	v := reflect.ValueOf(&r.rows[i]).Elem()
	b = append(b, '{')
	for j, f := range r.fields {
		if j > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, r.cols[j].Name)
		b = append(b, ':')
		b = appendValue(b, v.Field(f), true)
	}
	return append(b, '}', '\n')
}

// ParquetRowGroupRows keeps several row groups in the 1-file layouts, so
// statistics can skip row groups as they do on real lakes.
const ParquetRowGroupRows = 16384

// ParquetEncoder writes rows [lo, hi) as one Parquet file: Snappy (the
// default of DuckDB's, Spark's and Glue's writers), dictionary encoding for
// the columns tagged dict, row groups of ParquetRowGroupRows. The demo's
// files are small, so their pages are tiny; zstd sets up a context per
// page, and with it the 10,000-file layout's full scan took 1.43x as long
// and its LIKE 1.51x (one run, 2 cores). Import, compact and exports,
// which write large files, keep zstd. Each file gets a new writer:
// parquet-go v0.32.0's Writer.Reset clears the column paths it shares with
// the schema, so every file after the first had an empty path_in_schema in
// its footer (TestParquetFootersNameTheirColumns).
func (r *Rows[T]) ParquetEncoder() func(w io.Writer, lo, hi int) error {
	return func(w io.Writer, lo, hi int) error {
		pw := newParquetWriter[T](w)
		for start := lo; start < hi; start += ParquetRowGroupRows {
			end := min(start+ParquetRowGroupRows, hi)
			if _, err := pw.Write(r.rows[start:end]); err != nil {
				return err
			}
			if end < hi {
				if err := pw.Flush(); err != nil {
					return err
				}
			}
		}
		return pw.Close()
	}
}

// newParquetWriter writes one demo Parquet file (see ParquetEncoder).
func newParquetWriter[T any](w io.Writer) *parquet.GenericWriter[T] {
	return parquet.NewGenericWriter[T](w,
		parquet.Compression(&parquet.Snappy),
		parquet.MaxRowsPerRowGroup(ParquetRowGroupRows),
		parquet.CreatedBy("tarn", "0.1", ""))
}

// appendCSVField quotes a field when needed. Empty strings are written as ""
// so they read back as empty strings, not NULL (allow_quoted_nulls=false).
func appendCSVField(b []byte, s string) []byte {
	if s != "" && !strings.ContainsAny(s, ",\"\n\r") && s[0] != ' ' && s[len(s)-1] != ' ' {
		return append(b, s...)
	}
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		if s[i] == '"' {
			b = append(b, '"')
		}
		b = append(b, s[i])
	}
	return append(b, '"')
}

const hexDigits = "0123456789abcdef"

// appendJSONString appends s as a JSON string; invalid UTF-8 becomes U+FFFD.
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				b = append(b, '\\', c)
			case c < 0x20:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			default:
				b = append(b, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, "\ufffd"...)
		} else {
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return append(b, '"')
}
