package chart

import (
	"fmt"
	"math"
	"strings"

	"github.com/charmbracelet/x/ansi"
)

// Style colours the parts of a terminal drawing. The drawing reads
// without colour (marks are characters), so a nil function (NO_COLOR)
// leaves its part plain.
type Style struct {
	Axis  func(string) string // axis lines and tick labels
	Label func(string) string // the caption and category labels
	Mark  func(string) string // bars, lines and dots
	Note  func(string) string // which rows are drawn
}

func apply(f func(string) string, s string) string {
	if f == nil || s == "" {
		return s
	}
	return f(s)
}

// Draw is the plot of d as spec at width x height cells: a caption, the
// drawing with labelled axes, and a last line saying which rows it draws.
func Draw(d *Data, s Spec, width, height int, st Style) string {
	if err := s.Check(d); err != nil {
		return cut(err.Error(), width)
	}
	if width < 20 || height < 3 || (s.Kind != Bar && height < 7) {
		return cut("too small to plot", width)
	}
	body, note := []string(nil), d.Note()
	switch s.Kind {
	case Bar:
		body, note = drawBars(d, s, width, height-2, st, note)
	case Histogram:
		body, note = drawHistogram(d, s, width, height-2, st, note)
	default:
		body, note = drawPoints(d, s, width, height-2, st, note)
	}
	lines := append([]string{apply(st.Label, cut(s.Caption(d), width))}, body...)
	return strings.Join(append(lines, apply(st.Note, cut(note, width))), "\n")
}

// cut fits s in width cells, ending in "…" when it was longer.
func cut(s string, width int) string { return ansi.Truncate(s, width, "…") }

func padRight(s string, width int) string {
	return s + strings.Repeat(" ", max(0, width-ansi.StringWidth(s)))
}

func padLeft(s string, width int) string {
	return strings.Repeat(" ", max(0, width-ansi.StringWidth(s))) + s
}

// printable replaces control characters, which would move the cursor.
func printable(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return '·'
		}
		return r
	}, s)
}

// eighthsLeft are the left-aligned partial blocks, 1/8 to 7/8 wide.
var eighthsLeft = []rune("▏▎▍▌▋▊▉")

// eighthsUp are the bottom-aligned partial blocks, 1/8 to 7/8 high.
var eighthsUp = []rune("▁▂▃▄▅▆▇")

// hbar is a bar of v out of full, in width cells, in eighths of a cell.
func hbar(v, full float64, width int) string {
	if full <= 0 || v <= 0 {
		return ""
	}
	e := int(math.Round(v / full * float64(width*8)))
	s := strings.Repeat("█", e/8)
	if r := e % 8; r > 0 {
		s += string(eighthsLeft[r-1])
	}
	return s
}

// drawBars draws a bar per row, across: the row's x text, its bar and its
// y text as the grid writes them. Rows beyond the height are counted in
// the note.
func drawBars(d *Data, s Spec, width, height int, st Style, note string) ([]string, string) {
	labels, values, texts := d.texts[s.X], d.values[s.Y], d.texts[s.Y]
	n := min(len(labels), height)
	first := max(0, min(s.First, len(labels)-n))
	labelW, valueW, most := 1, 1, 0.0
	for i := range labels { // one scale and layout for every bar, shown or not, so scrolling moves none
		if !math.IsNaN(values[i]) {
			most = math.Max(most, values[i])
		}
		labelW = max(labelW, ansi.StringWidth(printable(labels[i])))
		valueW = max(valueW, ansi.StringWidth(texts[i]))
	}
	labelW = min(labelW, width/3)
	barW := max(1, width-labelW-2-valueW)
	var lines []string
	for i := first; i < first+n; i++ {
		label := padRight(cut(printable(labels[i]), labelW), labelW)
		b := hbar(values[i], most, barW)
		lines = append(lines, apply(st.Label, label)+apply(st.Axis, "│")+apply(st.Mark, b)+" "+cut(printable(texts[i]), valueW))
	}
	if n < len(labels) {
		note += fmt.Sprintf(" · bars %s–%s of %s", count(int64(first+1)), count(int64(first+n)), count(int64(len(labels))))
	}
	return lines, note
}

// drawHistogram draws the counts of x's values in ranges, upright, with
// the count on the left axis and the ranges' edges below.
func drawHistogram(d *Data, s Spec, width, height int, st Style, note string) ([]string, string) {
	ph := height - 2 // the axis line and the edge labels
	h := binned(d, s.X, max(1, min((width-8)/2, 40)))
	ticks, _, top := niceTicks(0, float64(max(1, h.most())), max(1, min(4, ph/2)))
	yl := labelWidth(ticks, func(v float64) string { return count(int64(v)) })
	plotW := width - yl - 1
	colW := max(1, plotW/len(h.counts))
	grid := make([][]rune, ph)
	for r := range grid {
		grid[r] = []rune(strings.Repeat(" ", plotW))
	}
	for b, c := range h.counts {
		e := int(math.Round(float64(c) / top * float64(ph*8)))
		for r := 0; r < ph; r++ {
			ch := ' '
			switch left := e - r*8; {
			case left >= 8:
				ch = '█'
			case left > 0:
				ch = eighthsUp[left-1]
			}
			for k := 0; k < max(1, colW-1); k++ {
				grid[ph-1-r][b*colW+k] = ch
			}
		}
	}
	lines := yAxis(grid, ticks, 0, top, yl, st, func(v float64) string { return count(int64(v)) })
	lines = append(lines, apply(st.Axis, strings.Repeat(" ", yl)+"└"+strings.Repeat("─", plotW)))
	var pos []int
	var labels []string
	for i := 0; i <= len(h.counts); i++ {
		pos, labels = append(pos, yl+1+i*colW), append(labels, d.Columns[s.X].format(h.edge(i)))
	}
	lines = append(lines, apply(st.Axis, placeLabels(width, pos, labels)))
	return lines, note + skippedNote(h.skipped, d.Columns[s.X].Name)
}

// drawPoints draws y against x in braille: joined for a line, dots for a
// scatter.
func drawPoints(d *Data, s Spec, width, height int, st Style, note string) ([]string, string) {
	ph := height - 2
	pts, skipped := points(d, s)
	cx, cy := d.Columns[s.X], d.Columns[s.Y]
	xlo, xhi, _ := bounds(d.values[s.X])
	ylo, yhi, _ := bounds(d.values[s.Y])
	yt, yfrom, yto := axisTicks(cy, ylo, yhi, max(2, min(5, ph/2)))
	yl := labelWidth(yt, cy.format)
	plotW := width - yl - 1
	xw := max(labelWidth([]float64{xlo, xhi}, cx.format), 1)
	xt, xfrom, xto := axisTicks(cx, xlo, xhi, max(2, min(6, plotW/(xw+3))))
	c := newCanvas(plotW, ph)
	dotX := func(v float64) int { return int(math.Round((v - xfrom) / (xto - xfrom) * float64(2*plotW-1))) }
	dotY := func(v float64) int { return int(math.Round((1 - (v-yfrom)/(yto-yfrom)) * float64(4*ph-1))) }
	for i, p := range pts {
		if s.Kind == Line && i > 0 {
			c.line(dotX(pts[i-1].x), dotY(pts[i-1].y), dotX(p.x), dotY(p.y))
		}
		c.set(dotX(p.x), dotY(p.y))
	}
	grid := make([][]rune, ph)
	for r := range grid {
		grid[r] = []rune(c.row(r))
	}
	lines := yAxis(grid, yt, yfrom, yto, yl, st, cy.format)
	lines = append(lines, apply(st.Axis, strings.Repeat(" ", yl)+"└"+strings.Repeat("─", plotW)))
	var pos []int
	var labels []string
	for _, t := range xt {
		pos = append(pos, yl+1+int(math.Round((t-xfrom)/(xto-xfrom)*float64(plotW-1))))
		labels = append(labels, cx.format(t))
	}
	lines = append(lines, apply(st.Axis, placeLabels(width, pos, labels)))
	return lines, note + skippedNote(skipped, cx.Name+" or "+cy.Name)
}

func skippedNote(n int, what string) string {
	if n == 0 {
		return ""
	}
	return " · " + plural(int64(n), "row") + " without a value of " + what + " left out"
}

func labelWidth(ticks []float64, format func(float64) string) int {
	w := 1
	for _, t := range ticks {
		w = max(w, ansi.StringWidth(format(t)))
	}
	return w
}

// yAxis puts the tick labels and the axis left of the grid's rows (top
// row first), each tick on the row nearest its value.
func yAxis(grid [][]rune, ticks []float64, from, to float64, yl int, st Style, format func(float64) string) []string {
	ph := len(grid)
	labels := make([]string, ph)
	for _, t := range ticks {
		r := int(math.Round((1 - (t-from)/(to-from)) * float64(ph-1)))
		if r >= 0 && r < ph && labels[r] == "" {
			labels[r] = format(t)
		}
	}
	lines := make([]string, ph)
	for r, row := range grid {
		axis := "│"
		if labels[r] != "" {
			axis = "┤"
		}
		lines[r] = apply(st.Axis, padLeft(labels[r], yl)+axis) + apply(st.Mark, strings.TrimRight(string(row), " "))
	}
	return lines
}

// placeLabels writes each label centred on its position where it does not
// overlap the one before (the first from its position, the last ending
// at the width), on a line of width cells.
func placeLabels(width int, pos []int, labels []string) string {
	line := []rune(strings.Repeat(" ", width))
	next := 0 // the first free cell
	for i, l := range labels {
		w := ansi.StringWidth(l)
		at := pos[i] - w/2
		if i == 0 {
			at = pos[i] - min(w/2, 0)
		}
		at = max(0, min(at, width-w))
		if at < next || w > width {
			continue
		}
		copy(line[at:], []rune(l))
		next = at + w + 2
	}
	return strings.TrimRight(string(line), " ")
}
