package chart

import (
	"fmt"
	"io"
	"math"
)

// BenchPanel is one query of a benchmark: a group of bars per layout.
type BenchPanel struct {
	Title  string
	Groups []BenchGroup
}

// BenchGroup is one layout (format, compression, file count): the local
// time and, where the source has one, Athena's, each with its text.
type BenchGroup struct {
	Label      string
	LocalMS    float64 // NaN: the cell failed
	LocalText  string
	AthenaMS   float64 // NaN: no figure
	AthenaText string
}

// Bench layout, in pixels.
const (
	benchPanelW = 510.0
	benchLabelW = 170.0
	benchBarH   = 18.0
	benchTop    = 120.0
)

// BenchSVG writes a benchmark as bar charts: a panel per query, in each
// a local bar and an Athena bar per layout, on one logarithmic time axis
// (local times are milliseconds, Athena's seconds: a linear axis would
// hide one or the other), every bar labelled with its figure.
func BenchSVG(w io.Writer, title, note, localLabel, refLabel string, panels []BenchPanel) error {
	lo, hi := benchRange(panels)
	length := func(ms float64) float64 {
		return math.Max(0, math.Log10(ms/lo)/math.Log10(hi/lo)) * (benchPanelW - benchLabelW - 90)
	}
	s := &canvasSVG{}
	s.text(20, 34, "start", "title", title)
	s.rect(20, 52, 16, 16, "mark", localLabel)
	s.text(42, 65, "start", "label", localLabel)
	s.rect(20, 76, 16, 16, "ref", refLabel)
	s.text(42, 89, "start", "label", refLabel)
	bottom := benchTop
	for i, p := range panels {
		x := 20 + float64(i%3)*benchPanelW
		y := benchTop + float64(i/3)*benchPanelHeight(panels)
		bottom = math.Max(bottom, benchPanel(s, x, y, p, length, lo, hi))
	}
	s.text(20, bottom+24, "start", "note", note)
	return s.write(w, 40+float64(min(3, len(panels)))*benchPanelW, bottom+40)
}

// benchPanelHeight is the height of the tallest panel, so rows of panels
// line up.
func benchPanelHeight(panels []BenchPanel) float64 {
	most := 0
	for _, p := range panels {
		most = max(most, len(p.Groups))
	}
	return 70 + float64(most)*(2*benchBarH+14) + 40
}

// benchRange is the time axis: whole powers of ten around every figure.
func benchRange(panels []BenchPanel) (lo, hi float64) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, p := range panels {
		for _, g := range p.Groups {
			for _, v := range []float64{g.LocalMS, g.AthenaMS} {
				if !math.IsNaN(v) && v > 0 {
					lo, hi = math.Min(lo, v), math.Max(hi, v)
				}
			}
		}
	}
	if lo > hi {
		return 1, 10
	}
	lo, hi = math.Pow(10, math.Floor(math.Log10(lo))), math.Pow(10, math.Ceil(math.Log10(hi)))
	if lo == hi {
		hi *= 10
	}
	return lo, hi
}

func benchPanel(s *canvasSVG, x, y float64, p BenchPanel, length func(float64) float64, lo, hi float64) float64 {
	s.text(x, y, "start", "panel", p.Title)
	x0 := x + benchLabelW
	top := y + 20
	var rows []barRow
	for _, g := range p.Groups {
		rows = append(rows, barRow{label: g.Label, text: g.LocalText, class: "mark", v: g.LocalMS},
			barRow{text: g.AthenaText, class: "ref", v: g.AthenaMS})
	}
	// Two bars a group: a gap of 2 within it, 14 between groups.
	end := top
	for i := 0; i < len(rows); i += 2 {
		end = s.barsAcross(x0, end, benchBarH, 2, rows[i:i+2], length) + 12
	}
	for t := lo; t <= hi*1.001; t *= 10 {
		s.line(x0+length(t), top-4, x0+length(t), end, "grid")
		s.text(x0+length(t), end+16, "middle", "tick", msText(t))
	}
	s.line(x0, top-4, x0, end, "axis")
	s.text(x0+(benchPanelW-benchLabelW-90)/2, end+36, "middle", "note", "time, log scale")
	return end + 36
}

// msText writes a tick of the time axis: 1 ms, 10 ms, 100 ms, 1 s, 10 s.
func msText(ms float64) string {
	if ms >= 1000 {
		return fmt.Sprintf("%g s", ms/1000)
	}
	return fmt.Sprintf("%g ms", ms)
}
