package lake

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"unicode/utf8"
)

// plainCSVLimit is the largest CSV file (uncompressed) counted in Go.
const plainCSVLimit = 1 << 20

// countedInGo is the rows of a CSV table's files counted in Go, when
// every file is plain enough that the count is surely DuckDB's: small,
// valid UTF-8, no quotes, carriage returns or NUL bytes, no empty line,
// and every line (the header too) exactly as many fields as the table has
// columns (two or more). Then lines are records. ok is false otherwise,
// and DuckDB counts: the statement cost 0.9 ms of CPU per folder, a
// quarter of a crawl of the generated tree.
func countedInGo(t Table, files []string) (rows int64, ok bool) {
	if t.Format != CSV || t.UnionByName || len(t.Columns) < 2 {
		return 0, false
	}
	for _, f := range files {
		data, ok := smallFile(f, t.Compression == Gzip)
		if !ok {
			return 0, false
		}
		n, ok := plainCSVRows(data, t.Columns)
		if !ok {
			return 0, false
		}
		rows += n
	}
	return rows, true
}

// smallFile is a file's bytes, gunzipped if gz, if it reads whole and is
// at most plainCSVLimit bytes.
func smallFile(path string, gz bool) ([]byte, bool) {
	if gz {
		return smallGzip(path)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, false
	}
	defer f.Close()
	return readSmall(f)
}

// duckGzipFlags are the gzip header flags DuckDB reads (FEXTRA, FNAME):
// it refuses a file with the text flag, a header CRC or a comment
// ("Unsupported GZIP archive"), which Go reads.
const duckGzipFlags = 0x04 | 0x08

// smallGzip is smallFile of a gzip file of one member whose header DuckDB
// reads; a file of several members is left to DuckDB.
func smallGzip(path string) ([]byte, bool) {
	f, err := os.Open(path)
	if err != nil {
		return nil, false
	}
	defer f.Close()
	br := bufio.NewReader(f)
	if head, err := br.Peek(4); err != nil || head[3]&^duckGzipFlags != 0 {
		return nil, false
	}
	z, err := gzip.NewReader(br)
	if err != nil {
		return nil, false
	}
	z.Multistream(false)
	data, ok := readSmall(z)
	if _, err := br.Peek(1); !ok || err != io.EOF {
		return nil, false
	}
	return data, true
}

// readSmall reads r to its end if it holds at most plainCSVLimit bytes.
func readSmall(r io.Reader) ([]byte, bool) {
	data, err := io.ReadAll(io.LimitReader(r, plainCSVLimit+1))
	return data, err == nil && len(data) <= plainCSVLimit
}

// plainCSVRows counts the records after the header of a plain CSV file
// (see countedInGo); ok is false if the file is not plain, or if a value
// may not be read as its column's type (see surelyFits).
func plainCSVRows(data []byte, cols Columns) (int64, bool) {
	if len(data) == 0 || bytes.ContainsAny(data, "\"\r\x00") || !utf8.Valid(data) {
		return 0, false
	}
	var lines int64
	for line := range bytes.SplitSeq(bytes.TrimSuffix(data, []byte("\n")), []byte("\n")) {
		if bytes.Count(line, []byte(",")) != len(cols)-1 {
			return 0, false
		}
		if lines > 0 && !valuesFit(line, cols) {
			return 0, false
		}
		lines++
	}
	return lines - 1, true
}

// valuesFit says whether every field of a record surely reads as its
// column's type.
func valuesFit(line []byte, cols Columns) bool {
	i := 0
	for field := range bytes.SplitSeq(line, []byte(",")) {
		if !surelyFits(field, cols[i].Type) {
			return false
		}
		i++
	}
	return true
}

// surelyFits says whether DuckDB surely reads field as a value of typ:
// an empty field is NULL, any text a VARCHAR; BIGINT, DOUBLE and BOOLEAN
// only in their plainest spelling. Anything else is left to DuckDB,
// which reads every value when it counts (countQuery), so "no" is never
// wrong, only slower.
func surelyFits(field []byte, typ string) bool {
	if len(field) == 0 || typ == "VARCHAR" {
		return true
	}
	switch typ {
	case "BIGINT":
		digits := bytes.TrimPrefix(field, []byte("-"))
		return len(digits) > 0 && len(digits) <= 18 && allDigits(digits)
	case "DOUBLE":
		return plainDecimal(bytes.TrimPrefix(field, []byte("-")))
	case "BOOLEAN":
		return string(field) == "true" || string(field) == "false"
	}
	return false
}

// plainDecimal is digits with at most one point between digits: 12, 1.5.
func plainDecimal(b []byte) bool {
	whole, frac, point := bytes.Cut(b, []byte("."))
	return len(whole) > 0 && allDigits(whole) && (!point || len(frac) > 0 && allDigits(frac))
}

func allDigits(b []byte) bool {
	for _, c := range b {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}
