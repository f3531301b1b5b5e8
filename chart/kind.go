package chart

import (
	"fmt"
	"math"
	"strings"
)

// Kind is the kind of a plot.
type Kind int

const (
	Bar       Kind = iota // a bar per row: a category (or a few whole numbers) against a number
	Line                  // y over x, points joined in x's order
	Scatter               // a dot per row
	Histogram             // how many rows fall in each range of one number
)

// Kinds are every kind, in the order a key cycles through them.
var Kinds = []Kind{Bar, Line, Scatter, Histogram}

func (k Kind) String() string {
	return [...]string{"bar", "line", "scatter", "histogram"}[k]
}

// ParseKind reads a kind's name.
func ParseKind(s string) (Kind, error) {
	for _, k := range Kinds {
		if strings.EqualFold(s, k.String()) {
			return k, nil
		}
	}
	return 0, fmt.Errorf("no plot kind %q: use bar, line, scatter or histogram", s)
}

// Spec is what to draw: the kind and the columns on x and y (a histogram
// counts the values of X; its Y is not used).
type Spec struct {
	Kind Kind
	X, Y int
	// First is the first row drawn as a bar in the terminal, when more
	// bars than fit scroll.
	First int
}

// fewBars is as many rows as a whole-number or date x still draws as bars
// (status codes, days of a week); beyond it, a line.
const fewBars = 40

// Axes are the columns chosen by default: x the first text, date or time
// column (else the first column), y the first number after it (else
// before it); y is -1 when no other column is a number.
func Axes(cols []Column) (x, y int) {
	x, y = 0, -1
	for i, c := range cols {
		if c.Class() != Number {
			x = i
			break
		}
	}
	return x, NumberAfter(cols, x)
}

// NumberAfter is the first number column after x (wrapping round to
// the ones before it), or -1 when no other column is a number.
func NumberAfter(cols []Column, x int) int {
	for i := range cols {
		j := (x + 1 + i) % len(cols)
		if j != x && cols[j].Class() == Number {
			return j
		}
	}
	return -1
}

// Choose picks the kind and axes for d: one number alone is a histogram;
// a category against a number is bars, as are a few days or whole
// numbers (SELECT status, count(*) … GROUP BY 1); days, times and numbers
// in ascending order are a line; other numbers a scatter.
func Choose(d *Data) (Spec, error) {
	if len(d.Columns) == 0 {
		return Spec{}, fmt.Errorf("the result has no columns to plot")
	}
	x, y := Axes(d.Columns)
	if y < 0 {
		if d.Columns[x].Class() != Number {
			return Spec{}, fmt.Errorf("nothing to plot: the result has no number column")
		}
		return Spec{Kind: Histogram, X: x, Y: x}, nil
	}
	return Spec{Kind: KindFor(d, x, y), X: x, Y: y}, nil
}

// KindFor is the kind that suits x and y in d.
func KindFor(d *Data, x, y int) Kind {
	cx := d.Columns[x]
	switch cx.Class() {
	case Text:
		return Bar
	case Date, Time:
		if d.Rows() <= fewBars && cx.Class() == Date {
			return Bar
		}
		return Line
	}
	if d.Rows() <= fewBars && Integral(cx.Type) {
		return Bar
	}
	if ascending(d.values[x]) {
		return Line
	}
	return Scatter
}

func ascending(v []float64) bool {
	last := math.Inf(-1)
	for _, x := range v {
		if math.IsNaN(x) {
			continue
		}
		if x < last {
			return false
		}
		last = x
	}
	return true
}

// Check says why spec cannot be drawn from d's columns, if it cannot.
func (s Spec) Check(d *Data) error {
	n := len(d.Columns)
	if s.X < 0 || s.X >= n {
		return fmt.Errorf("no column %d to plot on x", s.X+1)
	}
	if s.Kind == Histogram {
		if d.Columns[s.X].Class() == Text {
			return fmt.Errorf("a histogram counts numbers, days or times; %s is %s", d.Columns[s.X].Name, d.Columns[s.X].Type)
		}
		return nil
	}
	if s.Y < 0 || s.Y >= n {
		return fmt.Errorf("a %s needs a number column on y", s.Kind)
	}
	if c := d.Columns[s.Y]; c.Class() == Text {
		return fmt.Errorf("y must be a number, day or time; %s is %s", c.Name, c.Type)
	}
	if c := d.Columns[s.X]; s.Kind != Bar && c.Class() == Text {
		return fmt.Errorf("a %s needs numbers, days or times on x; %s is %s (a bar plot takes it)", s.Kind, c.Name, c.Type)
	}
	return nil
}

// Caption names what is drawn: "bar: n by status".
func (s Spec) Caption(d *Data) string {
	if s.Kind == Histogram {
		return "histogram: rows by " + d.Columns[s.X].Name
	}
	return fmt.Sprintf("%s: %s by %s", s.Kind, d.Columns[s.Y].Name, d.Columns[s.X].Name)
}

// Fit moves the columns to suit the kind where they do not: a histogram
// counts the number on y rather than a text x; a line or a scatter takes
// the first other number, day or time column for a text x.
func (s Spec) Fit(d *Data) Spec {
	if s.X < 0 || s.X >= len(d.Columns) || d.Columns[s.X].Class() != Text {
		return s
	}
	switch s.Kind {
	case Histogram:
		if s.Y >= 0 && s.Y < len(d.Columns) && d.Columns[s.Y].Class() != Text {
			s.X = s.Y
		}
	case Line, Scatter:
		for i, c := range d.Columns {
			if i != s.Y && c.Class() != Text {
				s.X = i
				break
			}
		}
	}
	return s
}
