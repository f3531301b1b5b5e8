// Package chart draws a query's result as a plot: bars, a line, a scatter
// or a histogram, in the terminal (block and braille characters) and as
// SVG. It is pure Go: the caller passes each column's DuckDB type name,
// the rows as the grid shows them, and how to write a value as the grid
// does; chart reads numbers and times from that text.
package chart

import (
	"math"
	"strconv"
	"strings"
	"time"
)

// Class is what a column is on an axis.
type Class int

const (
	Text   Class = iota // a category: one bar each
	Number              // a quantity
	Date                // a calendar day
	Time                // a point in time (TIMESTAMP) or a time of day
)

// Column is one column of the result.
type Column struct {
	Name, Type string
	// Format writes a value of the column as the grid writes it (axis
	// ticks); nil writes it as chart's defaults do.
	Format func(float64) string
}

// Class is how the column's type is plotted.
func (c Column) Class() Class { return ClassOf(c.Type) }

// ClassOf is the class of a DuckDB type name.
func ClassOf(typeName string) Class {
	t := strings.ToUpper(strings.TrimSpace(typeName))
	switch {
	case t == "DATE":
		return Date
	case strings.HasPrefix(t, "TIMESTAMP"), t == "TIME", strings.HasPrefix(t, "TIME "):
		return Time
	case strings.HasPrefix(t, "DECIMAL"), strings.HasPrefix(t, "NUMERIC"):
		return Number
	}
	switch t {
	case "TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT",
		"UHUGEINT", "FLOAT", "DOUBLE", "REAL", "INT", "INT2", "INT4", "INT8", "FLOAT4", "FLOAT8":
		return Number
	}
	return Text
}

// Integral says whether a number type holds whole numbers only.
func Integral(typeName string) bool {
	t := strings.ToUpper(typeName)
	return strings.Contains(t, "INT") && !strings.HasPrefix(t, "INTERVAL")
}

// format writes v as the column's formatter does, or by default.
func (c Column) format(v float64) string {
	if c.Format != nil {
		return c.Format(v)
	}
	return DefaultFormat(c.Type)(v)
}

// DefaultFormat writes values of a type as DuckDB's text does, as near as
// a float64 allows: whole numbers without a point, days and times in ISO
// form (UTC).
func DefaultFormat(typeName string) func(float64) string {
	switch t := strings.ToUpper(typeName); {
	case ClassOf(t) == Date:
		return func(v float64) string { return unixTime(v).Format("2006-01-02") }
	case t == "TIME" || strings.HasPrefix(t, "TIME "):
		return func(v float64) string { return unixTime(v).Format("15:04:05") }
	case ClassOf(t) == Time:
		return func(v float64) string { return unixTime(v).Format("2006-01-02 15:04:05") }
	case Integral(t):
		return func(v float64) string { return strconv.FormatFloat(math.Round(v), 'f', -1, 64) }
	}
	return func(v float64) string { return strconv.FormatFloat(v, 'g', 6, 64) }
}

func unixTime(v float64) time.Time {
	sec, frac := math.Modf(v)
	return time.Unix(int64(sec), int64(frac*1e9)).UTC()
}

// timeLayouts are the ways DuckDB writes a TIMESTAMP (with or without a
// zone) and a DATE.
var timeLayouts = []string{"2006-01-02 15:04:05.999999999", "2006-01-02", "2006-01-02 15:04:05.999999999-07", "2006-01-02 15:04:05.999999999-07:00"}

// Value reads a value of class c from its text: a number, or a day or a
// time as seconds (since 1970 UTC; a TIME since midnight). ok is false for
// NULL and text that is none of these.
func Value(c Class, text string) (v float64, ok bool) {
	switch c {
	case Number:
		v, err := strconv.ParseFloat(text, 64)
		return v, err == nil && !math.IsInf(v, 0) && !math.IsNaN(v)
	case Date, Time:
		for _, layout := range timeLayouts {
			if t, err := time.Parse(layout, text); err == nil {
				return float64(t.Unix()) + float64(t.Nanosecond())/1e9, true
			}
		}
		if t, err := time.Parse("15:04:05.999999999", text); err == nil { // a TIME
			return float64(t.Hour()*3600+t.Minute()*60+t.Second()) + float64(t.Nanosecond())/1e9, true
		}
	}
	return 0, false
}

// Data is the rows a plot draws: for each column, the text of each row
// and its value (NaN where the text holds none). It keeps at most a
// limit of rows and counts the rest, so a plot says what it shows.
type Data struct {
	Columns []Column
	classes []Class // each column's, read once
	texts   [][]string
	values  [][]float64
	limit   int
	seen    int64
	numbers bool // values only, no texts: for a histogram
	// Total is the rows of the result when the caller knows more than it
	// added (-1: unknown, more were not fetched); 0: what was added.
	Total int64
	// First is how many rows of the result came before the first added
	// (the workbench releases the oldest rows of a long result).
	First int64
}

// NewData holds the rows of cols, keeping the first limit rows added.
func NewData(cols []Column, limit int) *Data {
	d := &Data{Columns: cols, texts: make([][]string, len(cols)), values: make([][]float64, len(cols)), limit: limit}
	for _, c := range cols {
		d.classes = append(d.classes, c.Class())
	}
	return d
}

// NewNumbers holds only the values of cols, not their texts: all a
// histogram needs, at a quarter of the memory, so it can count more rows.
func NewNumbers(cols []Column, limit int) *Data {
	d := NewData(cols, limit)
	d.numbers = true
	return d
}

// Add counts a row, and keeps it while fewer than the limit are kept.
func (d *Data) Add(row []string) {
	d.seen++
	if d.Rows() >= d.limit {
		return
	}
	for i, class := range d.classes {
		text := "NULL"
		if i < len(row) {
			text = row[i]
		}
		v, ok := Value(class, text)
		if !ok {
			v = math.NaN()
		}
		if !d.numbers {
			d.texts[i] = append(d.texts[i], text)
		}
		d.values[i] = append(d.values[i], v)
	}
}

// Rows is the number of rows kept.
func (d *Data) Rows() int {
	if len(d.values) == 0 {
		return 0
	}
	return len(d.values[0])
}

// Note says which rows the plot draws: all, or which of how many.
func (d *Data) Note() string {
	kept := int64(d.Rows())
	total := d.First + d.seen
	if d.Total != 0 {
		total = d.Total
	}
	which := "the first " + count(kept)
	if d.First > 0 {
		which = "rows " + count(d.First+1) + "–" + count(d.First+kept)
	}
	switch {
	case total < 0:
		return which + " rows (the rest were not fetched)"
	case d.First > 0 || kept < total:
		return which + " of " + count(total) + " rows"
	}
	return plural(kept, "row")
}

// count writes n with thousands separators, as the grid's footer does.
func count(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	if neg {
		return "-" + s
	}
	return s
}

func plural(n int64, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return count(n) + " " + word + "s"
}
