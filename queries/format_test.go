package queries

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"
	"time"
)

// nestedAndEdgeValues extend everyType with the values whose text is
// easiest to get wrong: nested dates and strings that need quotes, floats
// at the thresholds of exponent form, negative intervals, BC and infinite
// dates, time zones.
const nestedAndEdgeValues = `, [DATE '2024-01-01', NULL] AS dates, {'my field': 'a,b', 'z': [TIME '01:02:03']} AS quoted_field,
	MAP {DATE '2024-01-01': 1} AS date_keys, MAP {'a b': DATE '2024-01-01', 'null': NULL} AS date_values,
	['', 'null', 'NULL', ' a', 'a ', 'b c', 'it''s', 'x\y', 'x,y', '[z]', '{a}', 'k=v', 'a:b', '(p)', '"q"', e'\tx', 'x'] AS strings,
	[[1, 2], [], NULL] AS lists, [{'a': 1}] AS structs, {'s': {'t': 'u v'}} AS inner_struct,
	[union_value(s := 'x y')::UNION(n INTEGER, s VARCHAR)] AS unions, MAP {'k': [1, 2]} AS list_values,
	0.1::FLOAT AS f01, 3.4e38::FLOAT AS fmax, 1.0::DOUBLE AS one, 100.0::DOUBLE AS hundred, -0.0::DOUBLE AS negzero,
	1e15::DOUBLE AS e15, 1e16::DOUBLE AS e16, 1e300::DOUBLE AS e300, -1e-7::DOUBLE AS small, 0.0001::DOUBLE AS e4, 0.00001::DOUBLE AS e5,
	'nan'::DOUBLE AS nan, 'inf'::DOUBLE AS inf, '-inf'::FLOAT AS neginf, [1.5, 'nan'::DOUBLE] AS floats,
	-1.50::DECIMAL(5,2) AS negdec, 0.05::DECIMAL(4,3) AS smalldec, 7::DECIMAL(9,0) AS intdec,
	INTERVAL '2 years 2 months -3 days 25:00:01.5' AS iv2, -INTERVAL '2 hours' AS ivneg, INTERVAL '0 seconds' AS ivzero,
	INTERVAL '1 year 1 day 0.000001 seconds' AS ivone, INTERVAL '-1 month' AS ivmonth,
	DATE '-0044-03-15' AS bc, 'infinity'::DATE AS dinf, '-infinity'::DATE AS dneginf,
	'infinity'::TIMESTAMP AS tinf, '-infinity'::TIMESTAMPTZ AS tzneginf, TIMESTAMP '-0044-03-15 01:02:03' AS tsbc, TIMESTAMPTZ '-0044-03-15 01:02:03+00' AS tzbc,
	TIMETZ '12:00:00+05:30' AS ttz, TIMETZ '12:00:00+00' AS ttzutc, TIMETZ '01:02:03.5-08' AS ttzneg, TIME '00:00:00' AS midnight,
	TIMESTAMPTZ '2024-01-02 03:04:05.25+05' AS tz5, [TIMESTAMPTZ '2024-01-02 03:04:05+00'] AS tzs,
	'a\x5Cb'::BLOB AS backslash, ['\x01'::BLOB] AS blobs, ['6ba7b810-9dad-11d1-80b4-00c04fd430c8'::UUID] AS uuids,
	[-170141183460469231731687303715884105727::HUGEINT] AS hugeints, 123456789012345678901234567890::BIGNUM AS bignum`

// TestValueTextIsDuckDBs streams a row of every type and compares each
// column's text with DuckDB's own CAST(v AS VARCHAR) of the same value.
func TestValueTextIsDuckDBs(t *testing.T) {
	conn := plainDuck(t)
	q := everyType + nestedAndEdgeValues
	want, _ := materialised(t, conn, "SELECT CAST(COLUMNS(*) AS VARCHAR) FROM ("+q+")")
	got, cols := streamed(t, conn, q, 1)
	for i, c := range cols {
		text := FormatOf(c.Type).Text(got[0][i])
		wantText := "NULL"
		if want[i] != nil {
			wantText = want[i].(string)
		}
		if c.Type == "JSON" { // duckdb-go hands JSON parsed: its spacing is gone
			wantText = compactJSON(t, wantText)
		}
		if text != wantText {
			t.Errorf("column %s (%s): %q, DuckDB %q", c.Name, c.Type, text, wantText)
		}
	}
}

func compactJSON(t *testing.T, s string) string {
	var b bytes.Buffer
	if err := json.Compact(&b, []byte(s)); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// A type name the parser cannot read, or a value that is not what its
// type says, is written as FormatValue writes it, never a panic.
func TestValueFormatFallsBack(t *testing.T) {
	cases := []struct {
		typ  string
		v    any
		want string
	}{
		{"STRUCT(", map[string]any{"a": 1}, "map[a:1]"},
		{`STRUCT("a`, int32(1), "1"},
		{"MAP(VARCHAR)", "x", "x"},
		{"INTEGER[", nil, "NULL"},
		{"", "x", "x"},
		{"INTEGER[]", "not a list", "not a list"},
		{"UNION(n INTEGER)", "not a union", "not a union"},
		{"TIMESTAMP WITH TIME ZONE", time.Date(2024, 1, 2, 3, 4, 5, 0, time.FixedZone("", 3600)), "2024-01-02 02:04:05+00"},
		{`STRUCT("a ""b""" INTEGER, c VARCHAR)`, map[string]any{`a "b"`: 1, "c": "x y"}, `{'a "b"': 1, 'c': x y}`},
	}
	for _, c := range cases {
		if got := FormatOf(c.typ).Text(c.v); got != c.want {
			t.Errorf("%s %#v: %q, want %q", c.typ, c.v, got, c.want)
		}
	}
}

// TestJSONValuesAreJSONsOwnTypes writes the same row as JSON: every column
// parses with encoding/json; numbers are exact numbers, nested values
// arrays and objects (a STRUCT's keys in declared order), and the rest is
// DuckDB's text.
func TestJSONValuesAreJSONsOwnTypes(t *testing.T) {
	conn := plainDuck(t)
	q := everyType + nestedAndEdgeValues
	texts, _ := materialised(t, conn, "SELECT CAST(COLUMNS(*) AS VARCHAR) FROM ("+q+")")
	got, cols := streamed(t, conn, q, 1)
	want := map[string]any{
		"b": true, "i8": json.Number("-8"), "i128": json.Number("170141183460469231731687303715884105727"),
		"f32": json.Number("1.5"), "dec": json.Number("1.50"), "wide": json.Number("12345678901234567890.123"),
		"list": []any{json.Number("1"), json.Number("2"), nil}, "struct": map[string]any{"a": json.Number("1"), "b": "x"},
		"map": map[string]any{"k": json.Number("1")}, "uni": json.Number("3"), "json": map[string]any{"j": json.Number("1")},
		"nothing": nil, "null_list": nil, "dates": []any{"2024-01-01", nil},
		"date_keys": map[string]any{"2024-01-01": json.Number("1")}, "date_values": map[string]any{"a b": "2024-01-01", "null": nil},
		"quoted_field": map[string]any{"my field": "a,b", "z": []any{"01:02:03"}}, "unions": []any{"x y"},
		"nan": "nan", "neginf": "-inf", "floats": []any{json.Number("1.5"), "nan"}, "e16": json.Number("10000000000000000"),
		"hugeints": []any{json.Number("-170141183460469231731687303715884105727")}, "bignum": json.Number("123456789012345678901234567890"),
		"uuids": []any{"6ba7b810-9dad-11d1-80b4-00c04fd430c8"}, "tzs": []any{"2024-01-02 03:04:05+00"},
	}
	for i, c := range cols {
		b, err := appendJSON(nil, FormatOf(c.Type).t, got[0][i])
		var v any
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.UseNumber()
		if err == nil {
			err = dec.Decode(&v)
		}
		if err != nil {
			t.Errorf("column %s (%s): %s: %v", c.Name, c.Type, b, err)
			continue
		}
		w, ok := want[c.Name]
		if !ok {
			if _, isText := v.(string); !isText {
				continue // a number or nested value not listed above
			}
			w = texts[i]
		}
		if !reflect.DeepEqual(v, w) {
			t.Errorf("column %s (%s): %s, want %#v", c.Name, c.Type, b, w)
		}
	}
	order, _ := appendJSON(nil, FormatOf(`STRUCT("z" INTEGER, "a" VARCHAR)`).t, map[string]any{"a": "x", "z": int32(1)})
	if string(order) != `{"z":1,"a":"x"}` {
		t.Errorf("a STRUCT's keys: %s, want them in declared order", order)
	}
}
