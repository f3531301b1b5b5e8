package chart

import (
	"cmp"
	"math"
	"slices"
)

// niceTicks are about n round values (1, 2 or 5 times a power of ten)
// spanning lo..hi, and the range they span.
func niceTicks(lo, hi float64, n int) (ticks []float64, from, to float64) {
	if hi < lo {
		lo, hi = hi, lo
	}
	if hi == lo {
		pad := math.Max(1, math.Abs(lo)*0.1)
		lo, hi = lo-pad, hi+pad
	}
	step := niceStep((hi - lo) / float64(max(1, n)))
	from, to = math.Floor(lo/step)*step, math.Ceil(hi/step)*step
	for v := from; v <= to+step/2; v += step {
		ticks = append(ticks, cleanZero(v))
	}
	return ticks, math.Min(from, lo), math.Max(to, hi) // float noise may round inward
}

// niceStep is the round step nearest above raw.
func niceStep(raw float64) float64 {
	p := math.Pow(10, math.Floor(math.Log10(raw)))
	for _, m := range []float64{1, 2, 5, 10} {
		if m*p >= raw {
			return m * p
		}
	}
	return 10 * p
}

// cleanZero turns -0 and float noise near zero into 0.
func cleanZero(v float64) float64 {
	if math.Abs(v) < 1e-12 {
		return 0
	}
	return v
}

// axisTicks are the ticks of a column's axis: round numbers for numbers,
// evenly spaced instants (each written by the column's formatter) for
// days and times, where round values would need a calendar.
func axisTicks(c Column, lo, hi float64, n int) (ticks []float64, from, to float64) {
	if c.Class() == Number {
		return niceTicks(lo, hi, n)
	}
	if hi == lo {
		return []float64{lo}, lo - 1, hi + 1
	}
	for i := 0; i < n; i++ {
		ticks = append(ticks, lo+(hi-lo)*float64(i)/float64(n-1))
	}
	return ticks, lo, hi
}

// point is one row on x and y.
type point struct{ x, y float64 }

// points are the rows whose x and y both hold values, in x's order for a
// line; skipped counts the others.
func points(d *Data, s Spec) (pts []point, skipped int) {
	xs, ys := d.values[s.X], d.values[s.Y]
	pts = make([]point, 0, len(xs))
	for i := range xs {
		if math.IsNaN(xs[i]) || math.IsNaN(ys[i]) {
			skipped++
			continue
		}
		pts = append(pts, point{xs[i], ys[i]})
	}
	byX := func(a, b point) int { return cmp.Compare(a.x, b.x) }
	if s.Kind == Line && !slices.IsSortedFunc(pts, byX) { // a time series mostly is
		slices.SortStableFunc(pts, byX)
	}
	return pts, skipped
}

// bounds are the smallest and largest of values, ignoring NaN.
func bounds(values []float64) (lo, hi float64, ok bool) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, v := range values {
		if !math.IsNaN(v) {
			lo, hi = math.Min(lo, v), math.Max(hi, v)
		}
	}
	return lo, hi, lo <= hi
}

// histogram is the counts of values in bins equal ranges from lo to hi.
type histogram struct {
	lo, hi  float64
	counts  []int
	skipped int
}

// binned counts d's values of column x in at most bins bins (whole-number
// columns never get a bin narrower than 1).
func binned(d *Data, x, bins int) histogram {
	values := d.values[x]
	lo, hi, ok := bounds(values)
	if !ok {
		return histogram{skipped: len(values)}
	}
	if Integral(d.Columns[x].Type) {
		bins = min(bins, int(hi-lo)+1)
		hi++ // a bin holds [lo, lo+w): the largest whole number needs its own
	}
	bins = max(1, bins)
	h := histogram{lo: lo, hi: hi, counts: make([]int, bins)}
	width := (hi - lo) / float64(bins)
	for _, v := range values {
		if math.IsNaN(v) {
			h.skipped++
			continue
		}
		i := bins - 1
		if width > 0 {
			i = min(bins-1, int((v-lo)/width))
		}
		h.counts[i]++
	}
	return h
}

// edge is the lower edge of bin i (i = len(counts): the upper edge).
func (h histogram) edge(i int) float64 {
	return h.lo + (h.hi-h.lo)*float64(i)/float64(len(h.counts))
}

func (h histogram) most() int {
	m := 0
	for _, c := range h.counts {
		m = max(m, c)
	}
	return m
}
