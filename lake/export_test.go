package lake

import "context"

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

// SetSniffImports sets whether a one-file CSV import sniffs once and
// reads with detection off; the returned func restores it.
func SetSniffImports(sniff bool) (restore func()) {
	was := sniffImports
	sniffImports = sniff
	return func() { sniffImports = was }
}

// SniffedCSVReader is the reader a one-file CSV import reads file with,
// or why it reads it with detection on.
func SniffedCSVReader(file string) (string, []Column, error) {
	db, err := OpenDuckDB()
	if err != nil {
		return "", nil, err
	}
	defer db.Close()
	conn := openCrawlConn(context.Background(), db)
	defer conn.Close()
	return sniffedCSVReader(context.Background(), conn, file)
}

// SetOneThreadBelow sets the input size under which an import runs on
// one DuckDB thread; the returned func restores it.
func SetOneThreadBelow(size int64) (restore func()) {
	was := oneThreadBelow
	oneThreadBelow = size
	return func() { oneThreadBelow = was }
}
