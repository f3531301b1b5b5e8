package lake

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// csvUserOptions are what an import tells read_csv itself: a quoted
// empty field is an empty string, only a missing one is NULL.
func csvUserOptions() string {
	return fmt.Sprintf("header=true, allow_quoted_nulls=false, buffer_size=%d", csvReadBuffer)
}

// autoReader is the reader of files with DuckDB's detection on: every
// statement that binds it sniffs the first file's dialect and types.
func autoReader(kind InputKind, files []string) string {
	return autoReaderWith(kind, files, "")
}

// autoReaderWith is autoReader with more options (wholeSample).
func autoReaderWith(kind InputKind, files []string, options string) string {
	quoted := make([]string, len(files))
	for i, f := range files {
		quoted[i] = SQLString(f)
	}
	if kind == InputJSON {
		return fmt.Sprintf("read_json([%s], format='newline_delimited'%s)", strings.Join(quoted, ", "), options)
	}
	return fmt.Sprintf("read_csv([%s], %s%s)", strings.Join(quoted, ", "), csvUserOptions(), options)
}

// wholeSampleReader is the reader of files with types sniffed from every
// row, for an input with a value past DuckDB's 20,480-row sample that the
// sample's type does not fit (30,000 numbers, then "zz"): it costs a read
// of the whole input more, so only an import that failed on one takes it.
func wholeSampleReader(ctx context.Context, conn *crawlConn, kind InputKind, files []string) (string, []Column, error) {
	reader := autoReaderWith(kind, files, wholeSample)
	cols, err := conn.describe(ctx, "SELECT * FROM "+reader)
	return reader, cols, err
}

// sniffImports says whether a one-file CSV import sniffs the file once
// and reads it with detection off (tests compare both ways).
var sniffImports = true

// importReader is the reader an import copies from and its columns. One
// CSV file is sniffed once, with sniff_csv, and read with what the sniff
// found and detection off: the detecting reader is sniffed by every
// statement that binds it, the DESCRIBE and the COPY, twice each through
// duckdb-go (0.1-0.2 s of CPU a sniff for the source's 1x log). Several
// files keep DuckDB's detection, which checks each file's header against
// the first's; so does a file whose sniffed reader does not describe
// exactly as the sniff said (its errors are then the detecting reader's).
func importReader(ctx context.Context, conn *crawlConn, kind InputKind, files []string) (string, []Column, error) {
	if kind == InputCSV && len(files) == 1 && sniffImports {
		reader, cols, err := sniffedCSVReader(ctx, conn, files[0])
		if err == nil {
			return reader, cols, nil
		}
		if ctx.Err() != nil {
			return "", nil, ctx.Err()
		}
	}
	reader := autoReader(kind, files)
	cols, err := conn.describe(ctx, "SELECT * FROM "+reader)
	return reader, cols, err
}

// sniffedCSVReader sniffs file and returns read_csv of it with the
// dialect and columns found, detection off, if that describes as the
// same columns.
func sniffedCSVReader(ctx context.Context, conn *crawlConn, file string) (string, []Column, error) {
	rows, err := conn.textRows(ctx, fmt.Sprintf("SELECT s.Delimiter, s.Quote, s.Escape, s.NewLineDelimiter, s.Comment, "+
		"s.SkipRows::VARCHAR, s.DateFormat, s.TimestampFormat, c.name, c.type::VARCHAR "+
		"FROM sniff_csv(%s, %s) s, unnest(s.Columns) t(c)", SQLString(file), csvUserOptions()))
	if err != nil {
		return "", nil, err
	}
	if len(rows) == 0 {
		return "", nil, fmt.Errorf("%s: no columns sniffed", file)
	}
	d := rows[0]
	for i := range 5 { // sniff_csv shows an absent quote, escape or comment as "(empty)"
		if d[i] == "(empty)" {
			d[i] = ""
		}
	}
	if _, err := strconv.ParseUint(d[5], 10, 64); err != nil {
		return "", nil, fmt.Errorf("%s: sniffed skip %q", file, d[5])
	}
	cols := make([]Column, len(rows))
	spec := make([]string, len(rows))
	for i, r := range rows {
		cols[i] = Column{Name: r[8], Type: r[9]}
		spec[i] = SQLString(r[8]) + ": " + SQLString(r[9])
	}
	opts := []string{"auto_detect=false", "delim=" + SQLString(d[0]), "quote=" + SQLString(d[1]),
		"escape=" + SQLString(d[2]), "new_line=" + SQLString(d[3]), "comment=" + SQLString(d[4]),
		"skip=" + d[5], "columns={" + strings.Join(spec, ", ") + "}"}
	if d[6] != "" {
		opts = append(opts, "dateformat="+SQLString(d[6]))
	}
	if d[7] != "" {
		opts = append(opts, "timestampformat="+SQLString(d[7]))
	}
	reader := fmt.Sprintf("read_csv(%s, %s, %s)", SQLString(file), strings.Join(opts, ", "), csvUserOptions())
	got, err := conn.describe(ctx, "SELECT * FROM "+reader)
	if err != nil {
		return "", nil, err
	}
	if !slices.Equal(got, cols) {
		return "", nil, fmt.Errorf("%s: the sniffed reader describes as %s, the sniff as %s", file, DescribeColumns(got), DescribeColumns(cols))
	}
	return reader, cols, nil
}
