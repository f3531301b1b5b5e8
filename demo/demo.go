// Package demo makes the demo lake: the source experiment's access log in
// every layout, the sales database, and the policy of its Lake Formation
// walk-through. Every demo lake holds the same rows.
package demo

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"tarn/internal/units"
	"tarn/lake"
)

// Seed fixes the demo data: every demo lake holds the same rows.
const Seed = 20200229

// The source experiment's splits: every format at FileCounts, gzip at
// GzipFileCounts (15 + 4 data sets).
var (
	FileCounts     = []int{1, 10, 100, 1000, 10000}
	GzipFileCounts = []int{1, 100, 10000}
)

// marker sits in every directory the demo wrote, so a later run knows it
// may replace that directory and that it holds none of the user's files.
const marker = ".tarn-demo"

// Layouts lists the weblogs layouts; without bench only the 1-file ones.
func Layouts(bench bool) []lake.Layout {
	var out []lake.Layout
	for _, files := range FileCounts {
		for _, f := range lake.Formats {
			out = append(out, lake.Layout{Format: f, Compression: lake.None, Files: files})
		}
		for _, g := range GzipFileCounts {
			if g == files {
				out = append(out, lake.Layout{Format: lake.JSON, Compression: lake.Gzip, Files: files},
					lake.Layout{Format: lake.CSV, Compression: lake.Gzip, Files: files})
			}
		}
	}
	if bench {
		return out
	}
	var single []lake.Layout
	for _, l := range out {
		if l.Files == 1 {
			single = append(single, l)
		}
	}
	return single
}

// LogTable is the catalog entry of one weblogs layout.
func LogTable(l lake.Layout, rows int) lake.Table {
	return lake.Table{
		Database: "weblogs", Name: "access_log_" + l.String(),
		Location:    fmt.Sprintf("weblogs/access_log/%s/%d", l.Kind(), l.Files),
		Format:      l.Format,
		Compression: l.Compression,
		Description: fmt.Sprintf("Web server access log (%d rows) as %s in %d file(s)", rows, l, l.Files),
		Origin:      lake.OriginDemo,
		Rows:        int64(rows),
		Columns:     lake.LogColumns,
	}
}

// Options tunes a demo run. LogRows below the package's LogRows make
// small lakes for tests; Progress, if set, is called as files are written.
type Options struct {
	Bench   bool
	LogRows int
	// Scale, if above 0, adds the log Scale times larger (see ScaleLayouts).
	Scale    int
	Progress func(Progress)
}

// Progress is a snapshot of a demo run.
type Progress struct {
	Table          string
	FilesDone      int64
	FilesTotal     int64
	RowsDone       int64
	RowsTotal      int64
	EstimatedBytes int64
}

// Report says what a demo run did.
type Report struct {
	Written        []string
	UpToDate       []string
	Kept           []string // user tables or folders the demo left alone, with why
	EstimatedBytes int64
	Elapsed        time.Duration
}

// job is one table of the demo lake; its rows are generated only when it
// must be written. A job with data has its rows in memory; a scaled log's
// job streams them (see scale.go).
type job struct {
	table  lake.Table
	layout lake.Layout
	data   func() lake.Dataset
	scale  int
}

// Create creates or completes the demo lake in l: the weblogs layouts and
// the sales database. Tables already complete are left as they are, and
// tables or folders that the demo did not make are never replaced.
func Create(ctx context.Context, l *lake.Lake, opts Options) (Report, error) {
	start := time.Now()
	if opts.LogRows <= 0 {
		opts.LogRows = LogRows
	}
	var rep Report
	var jobs []job
	for _, j := range jobsOf(opts) {
		switch reason := state(l, j); reason {
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
	est, err := estimate(l.Root, jobs)
	if err != nil {
		return rep, err
	}
	rep.EstimatedBytes = est
	err = run(ctx, l, jobs, est, opts.Progress, &rep)
	rep.Elapsed = time.Since(start)
	return rep, err
}

func jobsOf(opts Options) []job {
	logRows := sync.OnceValue(func() lake.Dataset { return lake.RowsOf(GenerateLog(opts.LogRows, Seed)) })
	sales := sync.OnceValue(func() SalesData { return GenerateSales(Seed) })
	var jobs []job
	for _, lay := range Layouts(opts.Bench) {
		jobs = append(jobs, job{table: LogTable(lay, opts.LogRows), layout: lay, data: logRows})
	}
	jobs = append(jobs, scaleJobs(opts.Scale, opts.LogRows)...)
	return append(jobs,
		salesJob("sales", "Daily sales, Jan 2013 - Oct 2015 (date is a dd.mm.yyyy string)", SaleRows,
			func() []Sale { return sales().Sales }),
		salesJob("items", "Items and their category", ItemRows, func() []Item { return sales().Items }),
		salesJob("item_categories", "Item categories", CategoryRows, func() []ItemCategory { return sales().Categories }),
		salesJob("shops", "Shops", ShopRows, func() []Shop { return sales().Shops }),
		salesJob("customers", "Customers: personal data (permission demos)", CustomerRows,
			func() []Customer { return sales().Customers }))
}

// salesJob is one table of the sales database, one CSV file like the
// source's; its rows are generated only if the table must be written.
func salesJob[T any](name, desc string, rows int, data func() []T) job {
	return job{lake.Table{
		Database: "sales", Name: name, Location: "sales/" + name, Format: lake.CSV, Compression: lake.None,
		Description: desc, Origin: lake.OriginDemo, Rows: int64(rows), Columns: lake.RowsOf[T](nil).Columns(),
	}, lake.Layout{Format: lake.CSV, Compression: lake.None, Files: 1}, func() lake.Dataset { return lake.RowsOf(data()) }, 0}
}

// state is "" when the job must run, "current" when the table is
// complete, or why the demo must leave it alone.
func state(l *lake.Lake, j job) string {
	dir := l.Dir(j.table)
	_, markerErr := os.Stat(filepath.Join(dir, marker))
	ours := markerErr == nil
	if t, ok := l.Catalog.Lookup(j.table.Database, j.table.Name); ok {
		if t.Origin != lake.OriginDemo {
			return "a table of yours has this name; left as it is"
		}
		if ours && t.Rows == j.table.Rows && t.Location == j.table.Location {
			if st, err := l.Stat(t); err == nil && st.Files == j.layout.Files {
				return "current"
			}
		}
	}
	for _, t := range l.Catalog.Tables {
		if t.Location == j.table.Location && t.Origin != lake.OriginDemo {
			return fmt.Sprintf("its folder %s belongs to your table %s; left as it is", t.Location, t.QualifiedName())
		}
	}
	if _, err := os.Stat(dir); err == nil && !ours {
		return fmt.Sprintf("folder %s exists and was not made by the demo; left as it is", j.table.Location)
	}
	return ""
}

// estimate writes one sample file of each job in memory and scales it,
// then checks the disk holding root has room. Sizes are rounded up to 4
// KiB blocks, which dominate at 10,000 small files.
func estimate(root string, jobs []job) (int64, error) {
	var total int64
	for _, j := range jobs {
		size, err := j.fileSize()
		if err != nil {
			return 0, err
		}
		total += roundBlock(size) * int64(j.layout.Files)
	}
	if free, ok := freeBytes(root); ok && total > free {
		return total, fmt.Errorf("demo needs about %s but %s has %s free", units.Bytes(total), root, units.Bytes(free))
	}
	return total, nil
}

func roundBlock(n int64) int64 { return (n + 4095) / 4096 * 4096 }

// fileSize estimates the size of the job's first file: written whole when
// small, scaled from a sample of 1% (at most 20,000 rows) when large. A
// scaled log's sample is the start of the source's log, which its rows
// continue; only the sample is generated.
func (j job) fileSize() (int64, error) {
	_, rows := lake.SplitBounds(int(j.table.Rows), j.layout.Files, 0)
	sample := rows
	if rows > 20_000 {
		sample = min(rows/100, 20_000)
	}
	var ds lake.Dataset
	if j.data != nil {
		ds = j.data()
		sample = min(sample, ds.Len())
	} else {
		ds = lake.RowsOf(GenerateLog(sample, Seed))
	}
	size, err := lake.EncodedSize(ds, j.layout, 0, sample)
	return size * int64(rows) / int64(sample), err
}

func run(ctx context.Context, l *lake.Lake, jobs []job, est int64, progress func(Progress), rep *Report) error {
	var files, rows int64
	for _, j := range jobs {
		files += int64(j.layout.Files)
		rows += j.table.Rows
	}
	var filesDone, rowsDone atomic.Int64
	var mu sync.Mutex
	for _, j := range jobs {
		report := func(newFiles, newRows int64) {
			p := Progress{j.table.QualifiedName(), filesDone.Add(newFiles), files, rowsDone.Add(newRows), rows, est}
			if progress != nil {
				mu.Lock()
				progress(p)
				mu.Unlock()
			}
		}
		if err := writeTable(ctx, l, j, report); err != nil {
			return fmt.Errorf("demo table %s: %w", j.table.QualifiedName(), err)
		}
		rep.Written = append(rep.Written, j.table.QualifiedName())
	}
	return nil
}

// writeTable writes the job's files, reporting progress as files and
// rows written, and registers its table.
func writeTable(ctx context.Context, l *lake.Lake, j job, report func(files, rows int64)) error {
	var err error
	if j.scale > 0 {
		err = writeScaledLog(ctx, l.Dir(j.table), j, report)
	} else {
		ds := j.data()
		perFile := int64(ds.Len() / j.layout.Files) // files differ by a row at most
		opts := lake.LayoutOptions{OnFile: func() { report(1, perFile) }, Marker: marker}
		if err = lake.WriteLayout(ctx, l.Dir(j.table), ds, j.layout, opts); err == nil {
			report(0, int64(ds.Len())-perFile*int64(j.layout.Files)) // the rows the files' sizes rounded off
		}
	}
	if err != nil {
		return err
	}
	return l.Update(func(c *lake.Catalog) error {
		c.Put(j.table)
		return nil
	})
}
