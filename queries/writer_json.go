package queries

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/big"
	"time"

	duckdb "github.com/duckdb/duckdb-go/v2"
)

// WriteJSON writes one document, streaming the rows between the columns
// and the stats: {"columns":[...],"rows":[[...],...],"stats":{...}}, a row
// a line. stats is called after the last row (`tarn query` closes the
// result there, for the final figures). Rows that end in an error still
// leave a closed document: {"columns":[...],"rows":[...]}.
func WriteJSON(w io.Writer, src Rows, stats func() Stats) error {
	cols, err := json.Marshal(src.Columns())
	if err != nil {
		return err
	}
	fmt.Fprintf(w, `{"columns":%s,"rows":[`, cols)
	sep := "\n"
	var line []byte
	err = eachRow(src, func(vals []any) error {
		var err error
		line, err = appendJSONValues(append(append(line[:0], sep...), '['), vals, nil)
		if err != nil {
			return err
		}
		_, err = w.Write(append(line, ']'))
		sep = ",\n"
		return err
	})
	if err != nil {
		fmt.Fprintln(w, "]}")
		return err
	}
	b, err := json.Marshal(stats())
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "\n],\"stats\":%s}\n", b)
	return err
}

// WriteJSONLines writes an object a row, its keys the columns' names
// (made distinct: see uniqueNames) in the columns' order.
func WriteJSONLines(w io.Writer, src Rows) error {
	names := uniqueNames(src.Columns())
	keys := make([][]byte, len(names))
	for i, name := range names {
		keys[i], _ = json.Marshal(name) // a string always encodes
	}
	var line []byte
	return eachRow(src, func(vals []any) error {
		var err error
		line, err = appendJSONValues(append(line[:0], '{'), vals, keys)
		if err != nil {
			return err
		}
		_, err = w.Write(append(line, "}\n"...))
		return err
	})
}

// appendJSONValues appends vals as JSON (see jsonValue), separated by
// commas, each after its key and a colon when keys are given.
func appendJSONValues(b []byte, vals []any, keys [][]byte) ([]byte, error) {
	for i, v := range vals {
		if i > 0 {
			b = append(b, ',')
		}
		if keys != nil {
			b = append(append(b, keys[i]...), ':')
		}
		j, err := json.Marshal(jsonValue(v))
		if err != nil {
			return b, err
		}
		b = append(b, j...)
	}
	return b, nil
}

// jsonValue turns a DuckDB value into one encoding/json writes faithfully:
// numbers stay exact, lists and structs stay arrays and objects; times,
// intervals, UUIDs, blobs and non-finite floats are FormatValue's text.
func jsonValue(v any) any {
	switch x := v.(type) {
	case time.Time, duckdb.Interval, duckdb.UUID, []byte:
		return FormatValue(x)
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return FormatValue(x)
		}
	case float32:
		if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
			return FormatValue(x)
		}
	case duckdb.Decimal:
		return json.Number(x.String())
	case *big.Int:
		return json.Number(x.String())
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = jsonValue(e)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = jsonValue(e)
		}
		return out
	case duckdb.Map:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[FormatValue(k)] = jsonValue(e)
		}
		return out
	}
	return v
}
