package queries

// The source's Athena figures (SEED.md §1): seconds, each the trimmed mean
// of 5 runs, over the 148,534-line access log. The benchmark prints them
// beside the local figures as reference data, never as expectations.

// AthenaCell names one figure of the source's tables.
type AthenaCell struct {
	Format      string // json, csv, parquet
	Compression string // none, gzip
	Files       int
	Query       string // full, like, projection
}

var athenaSeconds = func() map[AthenaCell]float64 {
	m := map[AthenaCell]float64{}
	add := func(format, compression, query string, byFiles map[int]float64) {
		for files, s := range byFiles {
			m[AthenaCell{format, compression, files, query}] = s
		}
	}
	// Full scan by files and format.
	add("json", "none", "full", map[int]float64{1: 2.17, 10: 2.15, 100: 2.11, 1000: 2.03, 10000: 3.09})
	add("csv", "none", "full", map[int]float64{1: 2.19, 10: 2.10, 100: 2.34, 1000: 2.65, 10000: 3.04})
	add("parquet", "none", "full", map[int]float64{1: 1.90, 10: 1.83, 100: 1.89, 1000: 2.26, 10000: 2.49})
	// Compression (full scan).
	add("json", "gzip", "full", map[int]float64{1: 3.03, 100: 2.62, 10000: 3.77})
	add("csv", "gzip", "full", map[int]float64{1: 2.59, 100: 2.47, 10000: 3.06})
	// LIKE and projection by format.
	add("json", "none", "like", map[int]float64{1: 1.82, 100: 1.53, 10000: 2.69})
	add("csv", "none", "like", map[int]float64{1: 1.94, 100: 1.64, 10000: 2.71})
	add("parquet", "none", "like", map[int]float64{1: 2.10, 100: 1.92, 10000: 1.49})
	add("json", "none", "projection", map[int]float64{1: 1.80, 100: 1.54, 10000: 2.60})
	add("csv", "none", "projection", map[int]float64{1: 1.46, 100: 1.35, 10000: 2.59})
	add("parquet", "none", "projection", map[int]float64{1: 1.45, 100: 1.50, 10000: 1.63})
	return m
}()

// AthenaSeconds is the source's figure for a cell, if it has one.
func AthenaSeconds(c AthenaCell) (float64, bool) {
	s, ok := athenaSeconds[c]
	return s, ok
}
