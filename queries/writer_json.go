package queries

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"math"
	"math/big"
	"slices"

	duckdb "github.com/duckdb/duckdb-go/v2"
)

// WriteJSON writes one document, streaming the rows between the columns
// and the stats: {"columns":[...],"rows":[[...],...],"stats":{...}}, a row
// a line. stats is called after the last row (`tarn query` closes the
// result there, for the final figures). Rows that end in an error still
// leave a closed document: {"columns":[...],"rows":[...]}.
func WriteJSON(w io.Writer, src Rows, stats func() Stats) error {
	return buffered(w, src, func(w io.Writer, src Rows) error { return writeJSON(w, src, stats) })
}

func writeJSON(w io.Writer, src Rows, stats func() Stats) error {
	cols, err := json.Marshal(src.Columns())
	if err != nil {
		return err
	}
	fmt.Fprintf(w, `{"columns":%s,"rows":[`, cols)
	sep := "\n"
	formats := FormatsOf(src.Columns())
	var line []byte
	err = eachRow(src, func(vals []any) error {
		var err error
		line, err = appendJSONValues(append(append(line[:0], sep...), '['), formats, vals, nil)
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
	return buffered(w, src, writeJSONLines)
}

func writeJSONLines(w io.Writer, src Rows) error {
	names := uniqueNames(src.Columns())
	keys := make([][]byte, len(names))
	for i, name := range names {
		keys[i], _ = json.Marshal(name) // a string always encodes
	}
	formats := FormatsOf(src.Columns())
	var line []byte
	return eachRow(src, func(vals []any) error {
		var err error
		line, err = appendJSONValues(append(line[:0], '{'), formats, vals, keys)
		if err != nil {
			return err
		}
		_, err = w.Write(append(line, "}\n"...))
		return err
	})
}

// appendJSONValues appends vals as JSON (see ValueFormat.appendJSON),
// separated by commas, each after its key and a colon when keys are given.
func appendJSONValues(b []byte, formats []ValueFormat, vals []any, keys [][]byte) ([]byte, error) {
	for i, v := range vals {
		if i > 0 {
			b = append(b, ',')
		}
		if keys != nil {
			b = append(append(b, keys[i]...), ':')
		}
		var err error
		if b, err = appendJSON(b, formats[i].t, v); err != nil {
			return b, err
		}
	}
	return b, nil
}

// appendJSON appends v, a value of type t (nil when unknown), in JSON's
// own types: numbers stay exact numbers, LISTs arrays, STRUCTs objects in
// their declared order, MAPs objects keyed by their keys' text, a UNION
// its member's value; dates, times, intervals, UUIDs, blobs and
// non-finite floats are their text as DuckDB writes it (ValueFormat.Text).
func appendJSON(b []byte, t *duckType, v any) ([]byte, error) {
	switch x := v.(type) {
	case nil:
		return append(b, "null"...), nil
	case []any:
		return appendJSONList(b, childType(t, "LIST"), x)
	case map[string]any:
		if t != nil && t.name == "STRUCT" {
			return appendJSONStruct(b, t.fields, x)
		}
		return appendJSONObject(b, x) // a JSON value, parsed
	case duckdb.Union:
		member, value, _ := unionMember(orUnknown(t), x)
		return appendJSON(b, member, value)
	}
	if keys, values, ok := mapEntries(v); ok {
		return appendJSONMap(b, t, keys, values)
	}
	return appendJSONScalar(b, orUnknown(t).name, v)
}

// unknownType is the type of a value whose type name could not be read.
var unknownType = &duckType{}

func orUnknown(t *duckType) *duckType {
	if t == nil {
		return unknownType
	}
	return t
}

// childType is a LIST's element type (or a MAP's key type), nil when t
// is not a name.
func childType(t *duckType, name string) *duckType {
	if t == nil || t.name != name {
		return nil
	}
	return t.elem
}

func appendJSONList(b []byte, elem *duckType, list []any) ([]byte, error) {
	b = append(b, '[')
	for i, e := range list {
		if i > 0 {
			b = append(b, ',')
		}
		var err error
		if b, err = appendJSON(b, elem, e); err != nil {
			return b, err
		}
	}
	return append(b, ']'), nil
}

func appendJSONStruct(b []byte, fields []typeField, m map[string]any) ([]byte, error) {
	keys, values := make([]string, len(fields)), make([]any, len(fields))
	types := make([]*duckType, len(fields))
	for i, f := range fields {
		keys[i], values[i], types[i] = f.name, m[f.name], f.typ
	}
	return appendJSONMembers(b, keys, types, values)
}

// appendJSONObject appends a parsed JSON object, its keys sorted as
// encoding/json sorts a map's.
func appendJSONObject(b []byte, m map[string]any) ([]byte, error) {
	keys := slices.Sorted(maps.Keys(m))
	values := make([]any, len(keys))
	for i, k := range keys {
		values[i] = m[k]
	}
	return appendJSONMembers(b, keys, make([]*duckType, len(keys)), values)
}

func appendJSONMap(b []byte, t *duckType, keys, values []any) ([]byte, error) {
	keyType, valueType := childType(t, "MAP"), (*duckType)(nil)
	if keyType != nil {
		valueType = t.value
	}
	names, types := make([]string, len(keys)), make([]*duckType, len(keys))
	for i, k := range keys {
		names[i], types[i] = ValueFormat{keyType}.Text(k), valueType
	}
	return appendJSONMembers(b, names, types, values)
}

// appendJSONMembers appends an object of the keys, in their order.
func appendJSONMembers(b []byte, keys []string, types []*duckType, values []any) ([]byte, error) {
	b = append(b, '{')
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		key, _ := json.Marshal(k) // a string always encodes
		var err error
		if b, err = appendJSON(append(append(b, key...), ':'), types[i], values[i]); err != nil {
			return b, err
		}
	}
	return append(b, '}'), nil
}

// appendJSONScalar appends a value that is not nested: booleans, numbers
// and strings as themselves, the rest as their text.
func appendJSONScalar(b []byte, name string, v any) ([]byte, error) {
	var j any = scalarText(name, v)
	switch x := v.(type) {
	case bool, int8, int16, int32, int64, int, uint8, uint16, uint32, uint64, uint, string:
		j = x
	case float64:
		if !math.IsNaN(x) && !math.IsInf(x, 0) {
			j = x
		}
	case float32:
		if !math.IsNaN(float64(x)) && !math.IsInf(float64(x), 0) {
			j = x
		}
	case duckdb.Decimal:
		j = json.Number(decimalText(x))
	case *big.Int:
		j = json.Number(x.String())
	}
	out, err := json.Marshal(j)
	return append(b, out...), err
}
