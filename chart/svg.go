package chart

import (
	"fmt"
	"html"
	"io"
	"math"
	"strings"
)

// svgStyle is every SVG's look: fonts a slide reads from the back of the
// room, figures in dark text, the two series in colours that stay apart
// for colour-blind readers (blue and orange) and in greyscale.
const svgStyle = `text { font-family: "DejaVu Sans", Helvetica, Arial, sans-serif; font-size: 15px; fill: #222; }
.title { font-size: 22px; font-weight: bold; }
.panel { font-size: 18px; font-weight: bold; }
.note, .tick { font-size: 13px; fill: #555; }
.value { font-size: 13px; }
.axis { stroke: #444; stroke-width: 1; fill: none; }
.grid { stroke: #ddd; stroke-width: 1; }
.mark { fill: #2166ac; }
.ref { fill: #e08214; }
.line { stroke: #2166ac; stroke-width: 2; fill: none; }
.dot { fill: #2166ac; fill-opacity: 0.6; }`

// canvasSVG collects an SVG's elements; text stays text, so a reader (or
// a test) finds each figure in the file.
type canvasSVG struct {
	b strings.Builder
}

func (s *canvasSVG) text(x, y float64, anchor, class, text string) {
	fmt.Fprintf(&s.b, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\" class=\"%s\">%s</text>\n", x, y, anchor, class, html.EscapeString(printable(text)))
}

func (s *canvasSVG) rect(x, y, w, h float64, class, title string) {
	fmt.Fprintf(&s.b, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" class=\"%s\"><title>%s</title></rect>\n", x, y, math.Max(w, 0), math.Max(h, 0), class, html.EscapeString(printable(title)))
}

func (s *canvasSVG) line(x0, y0, x1, y1 float64, class string) {
	fmt.Fprintf(&s.b, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" class=\"%s\"/>\n", x0, y0, x1, y1, class)
}

// write puts the elements in a self-contained SVG of width x height.
func (s *canvasSVG) write(w io.Writer, width, height float64) error {
	_, err := fmt.Fprintf(w, `<svg xmlns="http://www.w3.org/2000/svg" width="%.0f" height="%.0f" viewBox="0 0 %.0f %.0f">
<style>
%s
</style>
<rect width="100%%" height="100%%" fill="white"/>
%s</svg>
`, width, height, width, height, svgStyle, s.b.String())
	return err
}

// barRow is one bar across: its label (left of the bars, "" for none),
// value, the value's text at the bar's end, and its class (mark or ref).
type barRow struct {
	label, text, class string
	v                  float64
}

// barsAcross draws rows of bars from x0 (labels end left of it), the
// first at y, each barH high and gap apart, length(v) pixels long; the
// same drawing for a result's bars and the benchmark's.
func (s *canvasSVG) barsAcross(x0, y, barH, gap float64, rows []barRow, length func(float64) float64) float64 {
	for _, r := range rows {
		if r.label != "" {
			s.text(x0-8, y+barH*0.75, "end", "label", r.label)
		}
		l := 0.0
		if !math.IsNaN(r.v) {
			l = math.Max(length(r.v), 1) // a figure is never drawn as nothing
		}
		s.rect(x0, y, l, barH, r.class, r.text)
		s.text(x0+l+6, y+barH*0.75, "start", "value", r.text)
		y += barH + gap
	}
	return y
}

// svgWidth is the width of a result's SVG.
const svgWidth = 1000

// maxTitle is as many characters of a title as fit across a result's SVG.
const maxTitle = 75

// maxSVGBars is as many bars as a result's SVG draws.
const maxSVGBars = 60

// SVG writes the plot of d as spec as a self-contained SVG: the same plot
// as Draw, with axes, figures as text, and which rows it draws.
func SVG(w io.Writer, d *Data, spec Spec, title string) error {
	if err := spec.Check(d); err != nil {
		return err
	}
	s := &canvasSVG{}
	s.text(20, 32, "start", "title", cut(strings.Join(strings.Fields(title), " "), maxTitle))
	s.text(20, 56, "start", "label", spec.Caption(d))
	var bottom float64
	note := d.Note()
	switch spec.Kind {
	case Bar:
		bottom, note = svgBars(s, d, spec, note)
	case Histogram:
		bottom, note = svgHistogram(s, d, spec, note)
	default:
		bottom, note = svgPoints(s, d, spec, note)
	}
	s.text(20, bottom+30, "start", "note", note)
	return s.write(w, svgWidth, bottom+48)
}

func svgBars(s *canvasSVG, d *Data, spec Spec, note string) (float64, string) {
	n := min(d.Rows(), maxSVGBars)
	labelW := 40.0
	most := 0.0
	var rows []barRow
	for i := 0; i < n; i++ {
		label := d.texts[spec.X][i]
		labelW = math.Max(labelW, math.Min(300, 8.5*float64(len([]rune(label)))))
		v := d.values[spec.Y][i]
		if !math.IsNaN(v) {
			most = math.Max(most, v)
		}
		rows = append(rows, barRow{label: label, text: d.texts[spec.Y][i], class: "mark", v: v})
	}
	x0, plotW := 30+labelW, svgWidth-30-labelW-120
	ticks, _, top := niceTicks(0, math.Max(most, 0), 5)
	length := func(v float64) float64 { return math.Max(0, v) / top * plotW }
	y := 80.0
	end := s.barsAcross(x0, y, 22, 8, rows, length)
	s.line(x0, y-4, x0, end, "axis")
	for _, t := range ticks {
		s.line(x0+length(t), end, x0+length(t), end+5, "axis")
		s.text(x0+length(t), end+20, "middle", "tick", d.Columns[spec.Y].format(t))
	}
	s.text(x0+plotW/2, end+40, "middle", "label", d.Columns[spec.Y].Name)
	if n < d.Rows() {
		note += fmt.Sprintf(" · the first %d bars", n)
	}
	return end + 40, note
}

// plotArea is the frame of an x-y plot in a result's SVG.
var plotArea = struct{ x, y, w, h float64 }{100, 80, svgWidth - 190, 440}

func svgHistogram(s *canvasSVG, d *Data, spec Spec, note string) (float64, string) {
	h := binned(d, spec.X, 30)
	a := plotArea
	ticks, _, top := niceTicks(0, float64(max(1, h.most())), 5)
	yOf := func(v float64) float64 { return a.y + a.h - v/top*a.h }
	countText := func(v float64) string { return count(int64(v)) }
	svgYAxis(s, ticks, yOf, countText)
	bw := a.w / float64(len(h.counts))
	for i, c := range h.counts {
		x := a.x + float64(i)*bw
		s.rect(x+1, yOf(float64(c)), bw-2, a.y+a.h-yOf(float64(c)), "mark", count(int64(c))+" rows")
		if len(h.counts) <= 30 && c > 0 {
			s.text(x+bw/2, yOf(float64(c))-4, "middle", "value", count(int64(c)))
		}
	}
	step := max(1, len(h.counts)/8)
	for i := 0; i <= len(h.counts); i += step {
		x := a.x + float64(i)*bw
		s.line(x, a.y+a.h, x, a.y+a.h+5, "axis")
		s.text(x, a.y+a.h+20, "middle", "tick", d.Columns[spec.X].format(h.edge(i)))
	}
	s.line(a.x, a.y+a.h, a.x+a.w, a.y+a.h, "axis")
	s.text(a.x+a.w/2, a.y+a.h+42, "middle", "label", d.Columns[spec.X].Name)
	return a.y + a.h + 42, note + skippedNote(h.skipped, d.Columns[spec.X].Name)
}

func svgYAxis(s *canvasSVG, ticks []float64, yOf func(float64) float64, format func(float64) string) {
	a := plotArea
	for _, t := range ticks {
		s.line(a.x, yOf(t), a.x+a.w, yOf(t), "grid")
		s.text(a.x-8, yOf(t)+4, "end", "tick", format(t))
	}
	s.line(a.x, a.y, a.x, a.y+a.h, "axis")
}

func svgPoints(s *canvasSVG, d *Data, spec Spec, note string) (float64, string) {
	a := plotArea
	pts, skipped := points(d, spec)
	cx, cy := d.Columns[spec.X], d.Columns[spec.Y]
	xlo, xhi, _ := bounds(d.values[spec.X])
	ylo, yhi, _ := bounds(d.values[spec.Y])
	yt, yfrom, yto := axisTicks(cy, ylo, yhi, 6)
	xt, xfrom, xto := axisTicks(cx, xlo, xhi, 5)
	xOf := func(v float64) float64 { return a.x + (v-xfrom)/(xto-xfrom)*a.w }
	yOf := func(v float64) float64 { return a.y + a.h - (v-yfrom)/(yto-yfrom)*a.h }
	svgYAxis(s, yt, yOf, cy.format)
	for _, t := range xt {
		s.line(xOf(t), a.y+a.h, xOf(t), a.y+a.h+5, "axis")
		s.text(xOf(t), a.y+a.h+20, "middle", "tick", cx.format(t))
	}
	s.line(a.x, a.y+a.h, a.x+a.w, a.y+a.h, "axis")
	if spec.Kind == Line {
		var b strings.Builder
		for _, p := range pts {
			fmt.Fprintf(&b, "%.1f,%.1f ", xOf(p.x), yOf(p.y))
		}
		fmt.Fprintf(&s.b, "<polyline class=\"line\" points=\"%s\"/>\n", strings.TrimSpace(b.String()))
	} else {
		for _, p := range pts {
			fmt.Fprintf(&s.b, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" class=\"dot\"/>\n", xOf(p.x), yOf(p.y))
		}
	}
	s.text(a.x+a.w/2, a.y+a.h+42, "middle", "label", cx.Name)
	fmt.Fprintf(&s.b, "<text transform=\"translate(24 %.1f) rotate(-90)\" text-anchor=\"middle\" class=\"label\">%s</text>\n", a.y+a.h/2, html.EscapeString(printable(cy.Name)))
	return a.y + a.h + 42, note + skippedNote(skipped, cx.Name+" or "+cy.Name)
}
