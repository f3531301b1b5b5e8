package lake_test

import (
	"context"
	"slices"
	"testing"

	"tarn/internal/testlake"
	"tarn/lake"
)

// crawlTree writes tr into a new lake and crawls it.
func crawlTree(t testing.TB, tr testlake.Tree) (*lake.Lake, []lake.Table, lake.CrawlReport) {
	t.Helper()
	l := newLake(t)
	want, err := tr.Write(l.Root)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := l.Crawl(context.Background(), lake.CrawlOptions{Dir: l.Root})
	if err != nil {
		t.Fatal(err)
	}
	return l, want, rep
}

// A crawl of the generated tree registers every table with the columns,
// types and rows its files have, in every format it mixes.
func TestCrawlRegistersTheGeneratedTree(t *testing.T) {
	tr := testlake.Tree{Databases: 3, Tables: 8, FilesPerTable: 3, RowsPerFile: 4}
	l, want, rep := crawlTree(t, tr)
	if len(rep.Registered) != len(want) || len(rep.Skipped) > 0 {
		t.Fatalf("registered %d of %d, skipped %q", len(rep.Registered), len(want), rep.Skipped)
	}
	reopened, err := lake.Open(l.Root)
	if err != nil {
		t.Fatal(err)
	}
	got := reopened.Catalog.Tables
	if !slices.EqualFunc(got, want, tablesEqual) {
		for i := range min(len(got), len(want)) {
			if !tablesEqual(got[i], want[i]) {
				t.Errorf("crawled %+v\nwant    %+v", got[i], want[i])
			}
		}
		t.FailNow()
	}
}

func tablesEqual(a, b lake.Table) bool {
	return a.Database == b.Database && a.Name == b.Name && a.Location == b.Location && a.Format == b.Format &&
		a.Compression == b.Compression && a.Rows == b.Rows && slices.Equal(a.Columns, b.Columns) &&
		a.Pattern == b.Pattern && len(a.Exclude) == 0 && len(b.Exclude) == 0
}

// BenchmarkCrawl1000Tables crawls 10 databases of 100 two-file tables
// in mixed formats (a tenth of issue 15's catalog; scripts/scale-catalog.sh
// crawls the whole one). Target: 10,000 tables in under 30 s.
func BenchmarkCrawl1000Tables(b *testing.B) {
	tr := testlake.TenThousandTables
	tr.Databases = 10
	for b.Loop() {
		_, want, rep := crawlTree(b, tr)
		if len(rep.Registered) != len(want) {
			b.Fatalf("registered %d of %d", len(rep.Registered), len(want))
		}
	}
}
