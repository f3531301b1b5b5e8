package lake_test

import (
	"context"
	"errors"
	"os"
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

// A crawl cancelled part way saves nothing: lake.toml stays as it was.
func TestCancelledCrawlLeavesTheCatalog(t *testing.T) {
	l := newLake(t)
	if _, err := (testlake.Tree{Databases: 2, Tables: 10, FilesPerTable: 1, RowsPerFile: 2}).Write(l.Root); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var seen []int
	_, err := l.Crawl(ctx, lake.CrawlOptions{Dir: l.Root, Progress: func(p lake.CrawlProgress) {
		seen = append(seen, p.Done)
		if p.Done == 5 {
			cancel()
		}
	}})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("crawl: %v, want cancelled", err)
	}
	if _, err := os.Stat(l.CatalogPath()); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a cancelled crawl wrote lake.toml (%v)", err)
	}
	if !slices.Equal(seen, []int{0, 1, 2, 3, 4, 5}) {
		t.Errorf("progress %v", seen)
	}
	if _, err := l.Crawl(context.Background(), lake.CrawlOptions{Dir: l.Root}); err != nil || len(l.Catalog.Tables) != 20 {
		t.Errorf("crawl after: %v, %d tables", err, len(l.Catalog.Tables))
	}
}
