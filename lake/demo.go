package lake

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"tarn/internal/units"
)

// DemoSeed fixes the demo data: every demo lake holds the same rows.
const DemoSeed = 20200229

// The source experiment's splits: every format at DemoFileCounts, gzip at
// DemoGzipFileCounts (15 + 4 data sets).
var (
	DemoFileCounts     = []int{1, 10, 100, 1000, 10000}
	DemoGzipFileCounts = []int{1, 100, 10000}
)

// demoMarker sits in every directory the demo wrote, so a later run knows it
// may replace that directory and that it holds none of the user's files.
const demoMarker = ".tarn-demo"

// DemoLayouts lists the weblogs layouts; without bench only the 1-file ones.
func DemoLayouts(bench bool) []Layout {
	var out []Layout
	for _, files := range DemoFileCounts {
		for _, f := range Formats {
			out = append(out, Layout{f, None, files})
		}
		for _, g := range DemoGzipFileCounts {
			if g == files {
				out = append(out, Layout{JSON, Gzip, files}, Layout{CSV, Gzip, files})
			}
		}
	}
	if bench {
		return out
	}
	var single []Layout
	for _, l := range out {
		if l.Files == 1 {
			single = append(single, l)
		}
	}
	return single
}

// DemoLogTable is the catalog entry of one weblogs layout.
func DemoLogTable(l Layout, rows int) Table {
	return Table{
		Database: "weblogs", Name: "access_log_" + l.String(),
		Location:    fmt.Sprintf("weblogs/access_log/%s/%d", l.Kind(), l.Files),
		Format:      l.Format,
		Compression: l.Compression,
		Description: fmt.Sprintf("Web server access log (%d rows) as %s in %d file(s)", rows, l, l.Files),
		Origin:      OriginDemo,
		Rows:        int64(rows),
		Columns:     LogColumns,
	}
}

// DemoOptions tunes a demo run. LogRows below DemoLogRows make small lakes
// for tests; Progress, if set, is called as files are written.
type DemoOptions struct {
	Bench    bool
	LogRows  int
	Progress func(DemoProgress)
}

// DemoProgress is a snapshot of a demo run.
type DemoProgress struct {
	Table          string
	FilesDone      int64
	FilesTotal     int64
	EstimatedBytes int64
}

// DemoReport says what a demo run did.
type DemoReport struct {
	Written        []string
	UpToDate       []string
	Kept           []string // user tables or folders the demo left alone, with why
	EstimatedBytes int64
	Elapsed        time.Duration
}

type demoJob struct {
	table  Table
	layout Layout
	data   func() Dataset
}

// Demo creates or completes the demo lake: the weblogs layouts and the
// sales database. Tables already complete are left as they are, and tables
// or folders that the demo did not make are never replaced.
func (l *Lake) Demo(ctx context.Context, opts DemoOptions) (DemoReport, error) {
	start := time.Now()
	if opts.LogRows <= 0 {
		opts.LogRows = DemoLogRows
	}
	var rep DemoReport
	var jobs []demoJob
	for _, j := range demoJobs(opts) {
		switch reason := l.demoState(j); reason {
		case "":
			jobs = append(jobs, j)
		case "current":
			rep.UpToDate = append(rep.UpToDate, j.table.QualifiedName())
		default:
			rep.Kept = append(rep.Kept, j.table.QualifiedName()+": "+reason)
		}
	}
	if len(jobs) == 0 {
		rep.Elapsed = time.Since(start)
		return rep, nil
	}
	est, err := l.estimateDemo(jobs)
	if err != nil {
		return rep, err
	}
	rep.EstimatedBytes = est
	err = l.runDemoJobs(ctx, jobs, est, opts.Progress, &rep)
	rep.Elapsed = time.Since(start)
	return rep, err
}

func demoJobs(opts DemoOptions) []demoJob {
	logRows := sync.OnceValue(func() Dataset { return RowsOf(GenerateLog(opts.LogRows, DemoSeed)) })
	sales := sync.OnceValue(func() SalesData { return GenerateSales(DemoSeed) })
	var jobs []demoJob
	for _, lay := range DemoLayouts(opts.Bench) {
		jobs = append(jobs, demoJob{DemoLogTable(lay, opts.LogRows), lay, logRows})
	}
	return append(jobs,
		salesJob("sales", "Daily sales, Jan 2013 - Oct 2015 (date is a dd.mm.yyyy string)", DemoSales,
			func() []Sale { return sales().Sales }),
		salesJob("items", "Items and their category", DemoItems, func() []Item { return sales().Items }),
		salesJob("item_categories", "Item categories", DemoCategories, func() []ItemCategory { return sales().Categories }),
		salesJob("shops", "Shops", DemoShops, func() []Shop { return sales().Shops }),
		salesJob("customers", "Customers: personal data (permission demos)", DemoCustomers,
			func() []Customer { return sales().Customers }))
}

// salesJob is one table of the sales database, one CSV file like the
// source's; its rows are generated only if the table must be written.
func salesJob[T any](name, desc string, rows int, data func() []T) demoJob {
	return demoJob{Table{
		Database: "sales", Name: name, Location: "sales/" + name, Format: CSV, Compression: None,
		Description: desc, Origin: OriginDemo, Rows: int64(rows), Columns: RowsOf[T](nil).Columns(),
	}, Layout{CSV, None, 1}, func() Dataset { return RowsOf(data()) }}
}

// demoState is "" when the job must run, "current" when the table is
// complete, or why the demo must leave it alone.
func (l *Lake) demoState(j demoJob) string {
	dir := l.Dir(j.table)
	_, markerErr := os.Stat(filepath.Join(dir, demoMarker))
	ours := markerErr == nil
	if t, ok := l.Catalog.Lookup(j.table.Database, j.table.Name); ok {
		if t.Origin != OriginDemo {
			return "a table of yours has this name; left as it is"
		}
		if ours && t.Rows == j.table.Rows && t.Location == j.table.Location {
			if st, err := l.Stat(t); err == nil && st.Files == j.layout.Files {
				return "current"
			}
		}
	}
	for _, t := range l.Catalog.Tables {
		if t.Location == j.table.Location && t.Origin != OriginDemo {
			return fmt.Sprintf("its folder %s belongs to your table %s; left as it is", t.Location, t.QualifiedName())
		}
	}
	if _, err := os.Stat(dir); err == nil && !ours {
		return fmt.Sprintf("folder %s exists and was not made by the demo; left as it is", j.table.Location)
	}
	return ""
}

// estimateDemo writes one sample file of each job in memory and scales it,
// then checks the disk has room. Sizes are rounded up to 4 KiB blocks,
// which dominate at 10,000 small files.
func (l *Lake) estimateDemo(jobs []demoJob) (int64, error) {
	var total int64
	for _, j := range jobs {
		ds := j.data()
		lo, hi := SplitBounds(ds.Len(), j.layout.Files, 0)
		scale := int64(1)
		if j.layout.Files == 1 && hi > 2000 { // sample 1% of a big single file
			hi, scale = hi/100, 100
		}
		var buf countingWriter
		if err := newPartEncoder(ds, j.layout).encode(&buf, lo, hi); err != nil {
			return 0, err
		}
		size := buf.n * scale
		total += roundBlock(size) * int64(j.layout.Files)
	}
	if free, ok := freeBytes(l.Root); ok && total > free {
		return total, fmt.Errorf("demo needs about %s but %s has %s free", units.Bytes(total, units.IEC), l.Root, units.Bytes(free, units.IEC))
	}
	return total, nil
}

func roundBlock(n int64) int64 { return (n + 4095) / 4096 * 4096 }

func (l *Lake) runDemoJobs(ctx context.Context, jobs []demoJob, est int64, progress func(DemoProgress), rep *DemoReport) error {
	var total int64
	for _, j := range jobs {
		total += int64(j.layout.Files)
	}
	var done atomic.Int64
	var mu sync.Mutex
	for _, j := range jobs {
		report := func() {
			n := done.Add(1)
			if progress != nil {
				mu.Lock()
				progress(DemoProgress{j.table.QualifiedName(), n, total, est})
				mu.Unlock()
			}
		}
		if err := l.writeDemoTable(ctx, j, report); err != nil {
			return fmt.Errorf("demo table %s: %w", j.table.QualifiedName(), err)
		}
		rep.Written = append(rep.Written, j.table.QualifiedName())
	}
	return nil
}

func (l *Lake) writeDemoTable(ctx context.Context, j demoJob, onFile func()) error {
	opts := LayoutOptions{OnFile: onFile, Marker: demoMarker}
	if err := WriteLayout(ctx, l.Dir(j.table), j.data(), j.layout, opts); err != nil {
		return err
	}
	return l.Update(func(c *Catalog) error {
		c.Put(j.table)
		return nil
	})
}

type countingWriter struct{ n int64 }

func (c *countingWriter) Write(p []byte) (int, error) {
	c.n += int64(len(p))
	return len(p), nil
}
