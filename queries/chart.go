package queries

import (
	"math"
	"regexp"
	"strconv"
	"time"

	"tarn/chart"
)

// ChartColumns are cols as package chart plots them, each writing an
// axis's values as the grid writes the column's (ValueFormat).
func ChartColumns(cols []Column) []chart.Column {
	out := make([]chart.Column, len(cols))
	for i, c := range cols {
		out[i] = chart.Column{Name: Printable(c.Name), Type: c.Type, Format: chartFormat(c.Type)}
	}
	return out
}

// decimalScale finds a DECIMAL's digits after the point.
var decimalScale = regexp.MustCompile(`(?i)^(DECIMAL|NUMERIC)\(\d+,\s*(\d+)\)$`)

// chartFormat writes a value chart read from a column of typeName back as
// the column's text: whole numbers as integers, decimals with their
// scale, days and times as DuckDB writes them.
func chartFormat(typeName string) func(float64) string {
	f := FormatOf(typeName)
	if m := decimalScale.FindStringSubmatch(typeName); m != nil {
		scale, _ := strconv.Atoi(m[2])
		return func(v float64) string { return strconv.FormatFloat(v, 'f', scale, 64) }
	}
	switch chart.ClassOf(typeName) {
	case chart.Date, chart.Time:
		return func(v float64) string {
			sec, frac := math.Modf(v)
			return f.Text(time.Unix(int64(sec), int64(math.Round(frac*1e6))*1000).UTC())
		}
	case chart.Number:
		if chart.Integral(typeName) {
			return func(v float64) string { return f.Text(int64(math.Round(v))) }
		}
		return func(v float64) string { return f.Text(v) }
	}
	return chart.DefaultFormat(typeName)
}
