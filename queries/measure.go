package queries

import (
	"fmt"
	"slices"
)

// Timing summarises repeated runs of one thing, the source's way: run n
// times, drop the single largest and smallest, average the rest.
type Timing struct {
	RunsMS       []float64 `json:"runs_ms"`
	MinMS        float64   `json:"min_ms"`
	MedianMS     float64   `json:"median_ms"`
	MaxMS        float64   `json:"max_ms"`
	TrimmedMS    float64   `json:"trimmed_mean_ms"`
	Trimmed      bool      `json:"trimmed"`       // false for n<3: a plain mean
	Spread       float64   `json:"spread"`        // (max-min)/trimmed mean
	ColdIncluded bool      `json:"cold_included"` // the first, cold run is among RunsMS
}

// Summarize computes a Timing from run times in milliseconds, in the order
// they ran. With fewer than three runs nothing can be dropped, so the
// trimmed mean is the plain mean and Trimmed says so.
func Summarize(runs []float64, coldIncluded bool) Timing {
	t := Timing{RunsMS: slices.Clone(runs), ColdIncluded: coldIncluded}
	if len(runs) == 0 {
		return t
	}
	sorted := slices.Clone(runs)
	slices.Sort(sorted)
	n := len(sorted)
	t.MinMS, t.MaxMS = sorted[0], sorted[n-1]
	t.MedianMS = sorted[n/2]
	if n%2 == 0 {
		t.MedianMS = (sorted[n/2-1] + sorted[n/2]) / 2
	}
	kept := sorted
	if n >= 3 {
		kept, t.Trimmed = sorted[1:n-1], true
	}
	var sum float64
	for _, x := range kept {
		sum += x
	}
	t.TrimmedMS = sum / float64(len(kept))
	if t.TrimmedMS > 0 {
		t.Spread = (t.MaxMS - t.MinMS) / t.TrimmedMS
	}
	return t
}

// Method says in words how the figure was computed.
func (t Timing) Method() string {
	cold := "after a warm-up run"
	if t.ColdIncluded {
		cold = "cold run included"
	}
	if !t.Trimmed {
		return fmt.Sprintf("plain mean of %d runs (fewer than 3: nothing to drop), %s", len(t.RunsMS), cold)
	}
	return fmt.Sprintf("trimmed mean of %d runs (largest and smallest dropped), %s", len(t.RunsMS), cold)
}

// Measure runs run warm-up times without recording, then n times, and
// summarises the milliseconds each recorded run returns. It stops at the
// first error.
func Measure(n, warmup int, run func() (float64, error)) (Timing, error) {
	for range warmup {
		if _, err := run(); err != nil {
			return Timing{}, err
		}
	}
	runs := make([]float64, 0, n)
	for range n {
		ms, err := run()
		if err != nil {
			return Timing{}, err
		}
		runs = append(runs, ms)
	}
	return Summarize(runs, warmup == 0), nil
}
