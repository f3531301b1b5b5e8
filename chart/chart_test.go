package chart

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/charmbracelet/x/exp/golden"
)

// BenchmarkDrawLine draws 200,000 points (the rows the grid keeps at
// most) as a line at 120x35, as the plot does on each frame.
func BenchmarkDrawLine(b *testing.B) {
	d := NewData([]Column{{Name: "x", Type: "DOUBLE"}, {Name: "y", Type: "DOUBLE"}}, 200_000)
	for i := 0; i < 200_000; i++ {
		d.Add([]string{fmt.Sprint(i), fmt.Sprint(math.Sin(float64(i) / 1000))})
	}
	for b.Loop() {
		Draw(d, Spec{Kind: Line, X: 0, Y: 1}, 118, 33, Style{})
	}
}

// BenchmarkAddRows reads 200,000 rows of a timestamp and a number.
func BenchmarkAddRows(b *testing.B) {
	rows := make([][]string, 200_000)
	for i := range rows {
		rows[i] = []string{fmt.Sprintf("2020-02-29 %02d:%02d:%02d", i/3600%24, i/60%60, i%60), fmt.Sprint(i)}
	}
	for b.Loop() {
		d := NewData([]Column{{Name: "at", Type: "TIMESTAMP"}, {Name: "n", Type: "BIGINT"}}, len(rows))
		for _, r := range rows {
			d.Add(r)
		}
	}
}

func data(cols []Column, rows ...[]string) *Data {
	d := NewData(cols, 1000)
	for _, r := range rows {
		d.Add(r)
	}
	return d
}

func TestChooseKindAndAxes(t *testing.T) {
	text := Column{Name: "status_text", Type: "VARCHAR"}
	status := Column{Name: "status", Type: "INTEGER"}
	n := Column{Name: "n", Type: "BIGINT"}
	day := Column{Name: "day", Type: "DATE"}
	ts := Column{Name: "minute", Type: "TIMESTAMP"}
	f := Column{Name: "f", Type: "DOUBLE"}
	g := Column{Name: "g", Type: "DECIMAL(10,2)"}
	many := func(format func(i int) []string) [][]string {
		var rows [][]string
		for i := 0; i < 100; i++ {
			rows = append(rows, format(i))
		}
		return rows
	}
	tests := []struct {
		name string
		cols []Column
		rows [][]string
		want Spec
	}{
		{"text against a number: bars", []Column{text, n}, [][]string{{"OK", "3"}}, Spec{Kind: Bar, X: 0, Y: 1}},
		{"a number before the text still goes on y", []Column{n, text}, [][]string{{"3", "OK"}}, Spec{Kind: Bar, X: 1, Y: 0}},
		{"a few status codes: bars", []Column{status, n}, [][]string{{"200", "5"}, {"404", "2"}}, Spec{Kind: Bar, X: 0, Y: 1}},
		{"a few days: bars", []Column{day, n}, [][]string{{"2020-02-29", "5"}}, Spec{Kind: Bar, X: 0, Y: 1}},
		{"many days: a line", []Column{day, n}, many(func(i int) []string { return []string{fmt.Sprintf("2020-01-%02d", 1+i%28), "1"} }), Spec{Kind: Line, X: 0, Y: 1}},
		{"a timestamp: a line", []Column{ts, n}, [][]string{{"2020-02-29 00:01:00", "5"}}, Spec{Kind: Line, X: 0, Y: 1}},
		{"ascending numbers: a line", []Column{f, g}, many(func(i int) []string { return []string{fmt.Sprint(i), "1.50"} }), Spec{Kind: Line, X: 0, Y: 1}},
		{"unordered numbers: a scatter", []Column{f, g}, many(func(i int) []string { return []string{fmt.Sprint((i * 37) % 100), "2.00"} }), Spec{Kind: Scatter, X: 0, Y: 1}},
		{"one number: a histogram", []Column{n}, [][]string{{"1"}}, Spec{Kind: Histogram, X: 0, Y: 0}},
		{"text and one number: bars of the number", []Column{text, text, n}, [][]string{{"a", "b", "1"}}, Spec{Kind: Bar, X: 0, Y: 2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Choose(data(tt.cols, tt.rows...))
			if err != nil || got != tt.want {
				t.Errorf("Choose = %+v, %v; want %+v", got, err, tt.want)
			}
		})
	}
	if _, err := Choose(data([]Column{text}, []string{"a"})); err == nil || !strings.Contains(err.Error(), "no number column") {
		t.Errorf("a result of text alone: %v, want an error naming the missing number column", err)
	}
}

func TestCheckNamesTheColumnThatCannotBePlotted(t *testing.T) {
	d := data([]Column{{Name: "path", Type: "VARCHAR"}, {Name: "n", Type: "BIGINT"}}, []string{"/", "1"})
	for _, tt := range []struct {
		spec Spec
		want string
	}{
		{Spec{Kind: Line, X: 0, Y: 1}, "path is VARCHAR"},
		{Spec{Kind: Bar, X: 1, Y: 0}, "path is VARCHAR"},
		{Spec{Kind: Histogram, X: 0, Y: 0}, "path is VARCHAR"},
		{Spec{Kind: Bar, X: 0, Y: 5}, "needs a number column"},
	} {
		if err := tt.spec.Check(d); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Check(%+v) = %v, want %q", tt.spec, err, tt.want)
		}
	}
}

func TestValueReadsDuckDBText(t *testing.T) {
	for _, tt := range []struct {
		class Class
		text  string
		want  float64
		ok    bool
	}{
		{Number, "1478", 1478, true},
		{Number, "-2.5", -2.5, true},
		{Number, "1.5e+20", 1.5e20, true},
		{Number, "inf", 0, false},
		{Number, "NULL", 0, false},
		{Date, "1970-01-02", 86400, true},
		{Time, "1970-01-01 00:01:00", 60, true},
		{Time, "1970-01-01 00:00:01.5", 1.5, true},
		{Time, "1970-01-01 01:00:00+01", 0, true},
		{Time, "00:02:00", 120, true},
		{Text, "200", 0, false},
	} {
		got, ok := Value(tt.class, tt.text)
		if ok != tt.ok || (ok && got != tt.want) {
			t.Errorf("Value(%v, %q) = %v, %v; want %v, %v", tt.class, tt.text, got, ok, tt.want, tt.ok)
		}
	}
}

func TestNiceTicksAreRoundAndSpanTheValues(t *testing.T) {
	for _, tt := range []struct {
		lo, hi float64
		n      int
		want   string
	}{
		{0, 2345, 4, "[0 1000 2000 3000]"},
		{3, 97, 5, "[0 20 40 60 80 100]"},
		{0.013, 0.018, 5, "[0.013 0.014 0.015 0.016 0.017 0.018]"},
		{5, 5, 4, "[4 4.5 5 5.5 6]"},
	} {
		ticks, from, to := niceTicks(tt.lo, tt.hi, tt.n)
		rounded := make([]float64, len(ticks))
		for i, v := range ticks {
			rounded[i] = math.Round(v*1e9) / 1e9
		}
		if got := fmt.Sprint(rounded); got != tt.want || from > tt.lo || to < tt.hi {
			t.Errorf("niceTicks(%v, %v) = %s over %v..%v, want %s spanning the values", tt.lo, tt.hi, got, from, to, tt.want)
		}
	}
}

func TestHistogramCountsEveryValueOnce(t *testing.T) {
	d := NewData([]Column{{Name: "size", Type: "DOUBLE"}}, 1000)
	for i := 0; i < 500; i++ {
		d.Add([]string{fmt.Sprint(float64(i) / 7)})
	}
	d.Add([]string{"NULL"})
	h := binned(d, 0, 12)
	total := 0
	for _, c := range h.counts {
		total += c
	}
	if total != 500 || h.skipped != 1 || len(h.counts) != 12 {
		t.Errorf("12 bins hold %d values (skipped %d) in %d bins, want 500 (1) in 12", total, h.skipped, len(h.counts))
	}
	whole := data([]Column{{Name: "status", Type: "INTEGER"}}, []string{"200"}, []string{"201"}, []string{"201"})
	if h := binned(whole, 0, 40); len(h.counts) != 2 || h.counts[0] != 1 || h.counts[1] != 2 {
		t.Errorf("whole numbers 200, 201, 201 binned as %v, want a bin each: [1 2]", h.counts)
	}
}

func TestNoteSaysWhichRowsAreDrawn(t *testing.T) {
	d := NewData([]Column{{Name: "n", Type: "BIGINT"}}, 2)
	for i := 0; i < 5; i++ {
		d.Add([]string{"1"})
	}
	if got := d.Note(); got != "the first 2 of 5 rows" {
		t.Errorf("Note = %q", got)
	}
	d.Total = 148534
	if got := d.Note(); got != "the first 2 of 148,534 rows" {
		t.Errorf("Note with a known total = %q", got)
	}
	d.Total = -1
	if got := d.Note(); got != "the first 2 rows (the rest were not fetched)" {
		t.Errorf("Note of a result not fetched whole = %q", got)
	}
	d.First, d.Total = 50000, 0
	if got := d.Note(); got != "rows 50,001–50,002 of 50,005 rows" {
		t.Errorf("Note of rows after some released = %q", got)
	}
}

// sample is a result of each kind, made by formula (no fixed figures).
func sample(kind Kind) *Data {
	switch kind {
	case Bar:
		return data([]Column{{Name: "status", Type: "INTEGER"}, {Name: "n", Type: "BIGINT"}},
			[]string{"200", "2345"}, []string{"304", "301"}, []string{"404", "77"}, []string{"500", "3"})
	case Histogram:
		d := NewData([]Column{{Name: "size", Type: "BIGINT"}}, 10000)
		for i := 0; i < 3000; i++ {
			d.Add([]string{fmt.Sprint(int(1000 + 500*math.Sin(float64(i)) + float64(i)))})
		}
		return d
	}
	d := NewData([]Column{{Name: "minute", Type: "TIMESTAMP"}, {Name: "n", Type: "BIGINT"}}, 10000)
	for i := 0; i < 300; i++ {
		d.Add([]string{fmt.Sprintf("2020-02-29 %02d:%02d:00", i/60, i%60), fmt.Sprint(int(100 + 50*math.Sin(float64(i)/20)))})
	}
	return d
}

func TestDrawEachKind(t *testing.T) {
	for _, kind := range Kinds {
		d := sample(kind)
		spec, err := Choose(d)
		if err != nil {
			t.Fatal(err)
		}
		if kind == Scatter {
			spec.Kind = Scatter
		}
		if spec.Kind != kind {
			t.Fatalf("sample of %s chose %s", kind, spec.Kind)
		}
		for _, size := range [][2]int{{80, 16}, {40, 10}} {
			t.Run(fmt.Sprintf("%s-%dx%d", kind, size[0], size[1]), func(t *testing.T) {
				out := Draw(d, spec, size[0], size[1], Style{})
				lines := strings.Split(out, "\n")
				if len(lines) > size[1] {
					t.Errorf("%d lines in a height of %d", len(lines), size[1])
				}
				for _, l := range lines {
					if w := len([]rune(l)); w > size[0] {
						t.Errorf("a line of %d cells in a width of %d: %q", w, size[0], l)
					}
				}
				golden.RequireEqual(t, out)
			})
		}
	}
}

func TestDrawLabelsBarsWithTheirValues(t *testing.T) {
	d := sample(Bar)
	out := Draw(d, Spec{Kind: Bar, X: 0, Y: 1}, 60, 10, Style{})
	for i := 0; i < d.Rows(); i++ {
		line := strings.Split(out, "\n")[1+i]
		if !strings.HasPrefix(line, d.texts[0][i]) || !strings.HasSuffix(line, " "+d.texts[1][i]) {
			t.Errorf("bar line %q does not start with %s and end with %s", line, d.texts[0][i], d.texts[1][i])
		}
	}
	short := Draw(d, Spec{Kind: Bar, X: 0, Y: 1}, 60, 4, Style{})
	if !strings.Contains(short, "bars 1–2 of 4") {
		t.Errorf("2 of 4 bars drawn without saying so:\n%s", short)
	}
	scrolled := strings.Split(Draw(d, Spec{Kind: Bar, X: 0, Y: 1, First: 9}, 60, 4, Style{}), "\n")
	if !strings.HasPrefix(scrolled[1], d.texts[0][2]+"│") || !strings.Contains(scrolled[3], "bars 3–4 of 4") {
		t.Errorf("scrolled past the end, the last bars are not drawn:\n%s", strings.Join(scrolled, "\n"))
	}
	if unscrolled := strings.Split(Draw(d, Spec{Kind: Bar, X: 0, Y: 1}, 60, 10, Style{}), "\n")[3]; scrolled[1] != unscrolled {
		t.Errorf("a bar scrolled into view is drawn %q, unscrolled %q: one scale for all bars", scrolled[1], unscrolled)
	}
}

func TestDrawStylesThroughTheFunctionsGiven(t *testing.T) {
	mark := func(s string) string { return "<" + s + ">" }
	out := Draw(sample(Bar), Spec{Kind: Bar, X: 0, Y: 1}, 60, 10, Style{Mark: mark})
	if !strings.Contains(out, "<█") {
		t.Errorf("bars not drawn through Style.Mark:\n%s", out)
	}
}

func TestSVGHoldsFiguresAsText(t *testing.T) {
	var b strings.Builder
	d := sample(Bar)
	if err := SVG(&b, d, Spec{Kind: Bar, X: 0, Y: 1}, "status <codes>"); err != nil {
		t.Fatal(err)
	}
	svg := b.String()
	for i := 0; i < d.Rows(); i++ {
		for _, want := range []string{">" + d.texts[0][i] + "</text>", ">" + d.texts[1][i] + "</text>"} {
			if !strings.Contains(svg, want) {
				t.Errorf("the SVG lacks %s", want)
			}
		}
	}
	if !strings.Contains(svg, "status &lt;codes&gt;") || !strings.Contains(svg, d.Note()) {
		t.Errorf("the SVG lacks its escaped title or its note")
	}
	for _, kind := range []Kind{Line, Scatter, Histogram} {
		b.Reset()
		d := sample(kind)
		spec, _ := Choose(d)
		spec.Kind = kind
		if err := SVG(&b, d, spec, kind.String()); err != nil || !strings.HasSuffix(b.String(), "</svg>\n") {
			t.Errorf("%s: %v", kind, err)
		}
	}
}

func TestFitMovesATextXForKindsThatNeedNumbers(t *testing.T) {
	d := data([]Column{{Name: "host", Type: "VARCHAR"}, {Name: "size", Type: "BIGINT"}, {Name: "n", Type: "BIGINT"}}, []string{"a", "1", "2"})
	for _, tt := range []struct {
		in, want Spec
	}{
		{Spec{Kind: Histogram, X: 0, Y: 1}, Spec{Kind: Histogram, X: 1, Y: 1}},
		{Spec{Kind: Line, X: 0, Y: 1}, Spec{Kind: Line, X: 2, Y: 1}},
		{Spec{Kind: Scatter, X: 0, Y: 2}, Spec{Kind: Scatter, X: 1, Y: 2}},
		{Spec{Kind: Bar, X: 0, Y: 1}, Spec{Kind: Bar, X: 0, Y: 1}},
		{Spec{Kind: Line, X: 1, Y: 2}, Spec{Kind: Line, X: 1, Y: 2}},
	} {
		if got := tt.in.Fit(d); got != tt.want || got.Check(d) != nil {
			t.Errorf("Fit(%+v) = %+v (%v), want %+v", tt.in, got, got.Check(d), tt.want)
		}
	}
}
