package lake

// SetCrawlDirect sets whether crawl workers run statements directly;
// the returned func restores it.
func SetCrawlDirect(direct bool) (restore func()) {
	was := crawlDirect
	crawlDirect = direct
	return func() { crawlDirect = was }
}

// SetCrawlWorkers sets how many folders a crawl reads at once; the
// returned func restores it.
func SetCrawlWorkers(n int) (restore func()) {
	was := crawlWorkers
	crawlWorkers = n
	return func() { crawlWorkers = was }
}

// CountedInGo and PlainCSVLimit are the crawl's count of plain CSV files.
var CountedInGo = countedInGo

const PlainCSVLimit = plainCSVLimit

// CSVReadBuffer lets benchmarks compare DuckDB's CSV buffer sizes.
var CSVReadBuffer = &csvReadBuffer
