package queries

import (
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	duckdb "github.com/duckdb/duckdb-go/v2"
)

// ValueFormat writes the values of one DuckDB type as DuckDB's CLI shows
// them (what CAST(v AS VARCHAR) gives): a Go value alone does not say its
// type (a time.Time may be a DATE, a TIME or a TIMESTAMPTZ; a STRUCT's map
// has lost its fields' order), so each column's formatter is built once
// from its type's name. The zero ValueFormat knows no type: FormatValue.
type ValueFormat struct {
	t *duckType
}

// FormatOf is the formatter of a DuckDB type name; one that cannot be
// read gives the zero ValueFormat.
func FormatOf(typeName string) ValueFormat {
	t, err := parseDuckType(typeName)
	if err != nil {
		return ValueFormat{}
	}
	return ValueFormat{t}
}

// FormatsOf are the formatters of cols' types, one a column.
func FormatsOf(cols []Column) []ValueFormat {
	f := make([]ValueFormat, len(cols))
	for i, c := range cols {
		f[i] = FormatOf(c.Type)
	}
	return f
}

// Text is v's text; NULL for nil.
func (f ValueFormat) Text(v any) string {
	if f.t == nil {
		return FormatValue(v)
	}
	return valueText(f.t, v, false)
}

// valueText is v's text as a value of t, quoted as DuckDB quotes it when
// nested inside a LIST, STRUCT or MAP.
func valueText(t *duckType, v any, nested bool) string {
	if v == nil {
		return "NULL"
	}
	switch t.name {
	case "LIST":
		if list, ok := v.([]any); ok {
			return listText(t.elem, list)
		}
	case "STRUCT":
		if m, ok := v.(map[string]any); ok {
			return structText(t.fields, m)
		}
	case "MAP":
		if keys, values, ok := mapEntries(v); ok {
			return mapText(t, keys, values)
		}
	case "UNION":
		if member, value, ok := unionMember(t, v); ok {
			return valueText(member, value, nested)
		}
	}
	s := scalarText(t.name, v)
	if nested && needsQuotes(s) {
		return quoted(s)
	}
	return s
}

func listText(elem *duckType, list []any) string {
	parts := make([]string, len(list))
	for i, e := range list {
		parts[i] = valueText(elem, e, true)
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

// structText writes the fields in their declared order, names always quoted.
func structText(fields []typeField, m map[string]any) string {
	parts := make([]string, len(fields))
	for i, f := range fields {
		parts[i] = quoted(f.name) + ": " + valueText(f.typ, m[f.name], true)
	}
	return "{" + strings.Join(parts, ", ") + "}"
}

func mapText(t *duckType, keys, values []any) string {
	parts := make([]string, len(keys))
	for i := range keys {
		parts[i] = valueText(t.elem, keys[i], true) + "=" + valueText(t.value, values[i], true)
	}
	return "{" + strings.Join(parts, ", ") + "}"
}

// mapEntries are a MAP's keys and values in order (a duckdb.Map, which has
// none, in its keys' text order).
func mapEntries(v any) (keys, values []any, ok bool) {
	switch m := v.(type) {
	case duckdb.OrderedMap:
		return m.Keys(), m.Values(), true
	case *duckdb.OrderedMap:
		return m.Keys(), m.Values(), true
	case duckdb.Map:
		for k := range m {
			keys = append(keys, k)
		}
		slices.SortFunc(keys, func(a, b any) int { return strings.Compare(FormatValue(a), FormatValue(b)) })
		for _, k := range keys {
			values = append(values, m[k])
		}
		return keys, values, true
	}
	return nil, nil, false
}

// unionMember is the type and value of the member a UNION's value holds.
func unionMember(t *duckType, v any) (*duckType, any, bool) {
	u, ok := v.(duckdb.Union)
	if !ok {
		return nil, nil, false
	}
	for _, m := range t.fields {
		if m.name == u.Tag {
			return m.typ, u.Value, true
		}
	}
	return nil, nil, false
}

// needsQuotes says whether DuckDB quotes s inside a nested value
// (NestedToVarcharCast): empty, "null", a space at either end, or a
// character that would read as structure.
func needsQuotes(s string) bool {
	if s == "" || strings.EqualFold(s, "null") || isDuckSpace(s[0]) || len(s) >= 2 && isDuckSpace(s[len(s)-1]) {
		return true
	}
	return strings.ContainsAny(s, `"'(),:=[]{}`)
}

func isDuckSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'
}

// quoted is s in single quotes, its quotes and backslashes escaped.
func quoted(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `'`, `\'`)
	return "'" + r.Replace(s) + "'"
}

// scalarText is the text of a value that is not nested, of type name.
func scalarText(name string, v any) string {
	switch x := v.(type) {
	case time.Time:
		return timeText(name, x)
	case duckdb.Decimal:
		return decimalText(x)
	case float64:
		return floatText(x, 64)
	case float32:
		return floatText(float64(x), 32)
	case duckdb.Interval:
		return intervalText(x)
	case []byte:
		if name == "UUID" && len(x) == 16 {
			return uuidText(x)
		}
		return blobText(x)
	case map[string]any, []any:
		if name == "JSON" { // duckdb-go hands a JSON value parsed
			if b, err := json.Marshal(x); err == nil {
				return string(b)
			}
		}
	}
	return FormatValue(v)
}

// decimalText writes exactly the type's scale of digits after the point.
func decimalText(d duckdb.Decimal) string {
	if d.Value == nil {
		return "0"
	}
	digits := new(big.Int).Abs(d.Value).String()
	sign := ""
	if d.Value.Sign() < 0 {
		sign = "-"
	}
	scale := int(d.Scale)
	if scale == 0 {
		return sign + digits
	}
	if len(digits) <= scale {
		digits = strings.Repeat("0", scale-len(digits)+1) + digits
	}
	return sign + digits[:len(digits)-scale] + "." + digits[len(digits)-scale:]
}

// floatText writes a float as Python's repr does, which is DuckDB's way:
// the shortest digits that read back, in exponent form below 1e-4 and from
// 1e16, otherwise with at least one digit after the point.
func floatText(x float64, bits int) string {
	switch {
	case math.IsNaN(x):
		return "nan"
	case math.IsInf(x, 1):
		return "inf"
	case math.IsInf(x, -1):
		return "-inf"
	}
	if abs := math.Abs(x); abs != 0 && (abs < 1e-4 || abs >= 1e16) {
		return strconv.FormatFloat(x, 'e', -1, bits)
	}
	s := strconv.FormatFloat(x, 'f', -1, bits)
	if !strings.Contains(s, ".") {
		s += ".0"
	}
	return s
}

// DuckDB's infinite dates and timestamps, as duckdb-go decodes them.
const (
	infiniteDays   = math.MaxInt32
	infiniteMicros = math.MaxInt64
)

// timeText writes a date, time or timestamp as DuckDB does: fractions of
// a second without trailing zeros, years before 1 as "(BC)", TIMESTAMPTZ
// in UTC (tarn's sessions' time zone) with its offset.
func timeText(name string, t time.Time) string {
	switch name {
	case "DATE":
		if days := floorDiv(t.Unix(), 86400); days == infiniteDays || days == -infiniteDays {
			return infinity(days)
		}
		return dateText(t, "")
	case "TIME", "TIME_NS":
		return clockText(t)
	case "TIMETZ":
		return clockText(t) + offsetText(t)
	case "TIMESTAMP", "TIMESTAMPTZ":
		if us := t.UnixMicro(); us == infiniteMicros || us == -infiniteMicros {
			return infinity(us)
		}
	}
	if name == "TIMESTAMPTZ" {
		return dateText(t.UTC(), " "+clockText(t.UTC())+"+00")
	}
	return dateText(t, " "+clockText(t))
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && a < 0 {
		q--
	}
	return q
}

func infinity(sign int64) string {
	if sign < 0 {
		return "-infinity"
	}
	return "infinity"
}

// dateText writes t's date, "(BC)" for years before 1, then rest.
func dateText(t time.Time, rest string) string {
	y := t.Year()
	if y <= 0 {
		return fmt.Sprintf("%04d-%02d-%02d (BC)%s", 1-y, t.Month(), t.Day(), rest)
	}
	return fmt.Sprintf("%04d-%02d-%02d%s", y, t.Month(), t.Day(), rest)
}

func clockText(t time.Time) string {
	return t.Format("15:04:05.999999999")
}

// offsetText is a TIMETZ's offset: +05:30, -08, +00.
func offsetText(t time.Time) string {
	_, off := t.Zone()
	sign := "+"
	if off < 0 {
		sign, off = "-", -off
	}
	s := fmt.Sprintf("%s%02d", sign, off/3600)
	if m, sec := off/60%60, off%60; m != 0 || sec != 0 {
		s += fmt.Sprintf(":%02d", m)
		if sec != 0 {
			s += fmt.Sprintf(":%02d", sec)
		}
	}
	return s
}

// intervalText writes years, months and days that are not zero, then the
// time if any: "1 year 2 months -3 days 25:00:01.5"; "00:00:00" for zero.
func intervalText(iv duckdb.Interval) string {
	var parts []string
	add := func(n int64, unit string) {
		if n == 1 || n == -1 {
			parts = append(parts, fmt.Sprintf("%d %s", n, unit))
		} else if n != 0 {
			parts = append(parts, fmt.Sprintf("%d %ss", n, unit))
		}
	}
	add(int64(iv.Months/12), "year")
	add(int64(iv.Months%12), "month")
	add(int64(iv.Days), "day")
	if iv.Micros != 0 || len(parts) == 0 {
		parts = append(parts, durationText(iv.Micros))
	}
	return strings.Join(parts, " ")
}

// durationText is hours:minutes:seconds[.fraction], hours at least two digits.
func durationText(micros int64) string {
	sign, us := "", uint64(micros)
	if micros < 0 {
		sign, us = "-", uint64(-micros) // -MinInt64 wraps to its own magnitude
	}
	s := fmt.Sprintf("%s%02d:%02d:%02d", sign, us/3_600_000_000, us/60_000_000%60, us/1_000_000%60)
	if frac := us % 1_000_000; frac != 0 {
		s += strings.TrimRight(fmt.Sprintf(".%06d", frac), "0")
	}
	return s
}

func uuidText(b []byte) string {
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// blobText writes printable ASCII as itself, other bytes (and \) as \xHH.
func blobText(b []byte) string {
	var s strings.Builder
	for _, c := range b {
		if c >= 32 && c <= 126 && c != '\\' {
			s.WriteByte(c)
		} else {
			fmt.Fprintf(&s, `\x%02X`, c)
		}
	}
	return s.String()
}

// FormatValue writes a value the way DuckDB's CLI shows it: NULL, times
// without a zone, blobs as text when they are UTF-8.
func FormatValue(v any) string {
	switch x := v.(type) {
	case nil:
		return "NULL"
	case time.Time:
		return x.Format("2006-01-02 15:04:05.999999")
	case []byte:
		if utf8.Valid(x) {
			return string(x)
		}
		return fmt.Sprintf("%x", x)
	case duckdb.UUID:
		return x.String()
	case *duckdb.UUID:
		return x.String()
	case duckdb.Decimal:
		return x.String()
	case duckdb.Interval:
		return fmt.Sprintf("%d months %d days %d us", x.Months, x.Days, x.Micros)
	}
	return fmt.Sprint(v)
}

// FormatCount writes 1234567 as 1,234,567.
func FormatCount(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// Plural writes a count with its noun: "1 file", "1,000 files", "2 queries".
func Plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	if strings.HasSuffix(word, "y") && !strings.HasSuffix(word, "ey") {
		word = strings.TrimSuffix(word, "y") + "ie"
	}
	return FormatCount(int64(n)) + " " + word + "s"
}
