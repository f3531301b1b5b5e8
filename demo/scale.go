package demo

import (
	"context"
	"fmt"
	"iter"

	"tarn/lake"
)

// ScaleLayouts are the layouts of a scaled log: Parquet and CSV in 1 file
// and in 100, enough to see how time, data scanned and cost grow with size.
var ScaleLayouts = []lake.Layout{
	{Format: lake.Parquet, Compression: lake.None, Files: 1},
	{Format: lake.Parquet, Compression: lake.None, Files: 100},
	{Format: lake.CSV, Compression: lake.None, Files: 1},
	{Format: lake.CSV, Compression: lake.None, Files: 100},
}

// ScaledLogTable is the catalog entry of the log scale times larger than
// one of logRows rows, as the layout: weblogs.logs_x100_parquet_1. It is
// in the weblogs database, so the demo policy's grants on weblogs cover it.
func ScaledLogTable(scale int, l lake.Layout, logRows int) lake.Table {
	rows := int64(scale) * int64(logRows)
	return lake.Table{
		Database: "weblogs", Name: fmt.Sprintf("logs_x%d_%s", scale, l),
		Location:    fmt.Sprintf("weblogs/scaled/x%d/%s/%d", scale, l.Kind(), l.Files),
		Format:      l.Format,
		Compression: l.Compression,
		Description: fmt.Sprintf("Web server access log %dx larger (%d rows: the demo log's %d, then more of the same, later in time) as %s in %d file(s)",
			scale, rows, logRows, l, l.Files),
		Origin:  lake.OriginDemo,
		Rows:    rows,
		Columns: lake.LogColumns,
	}
}

func scaleJobs(scale, logRows int) []job {
	if scale <= 0 {
		return nil
	}
	var jobs []job
	for _, lay := range ScaleLayouts {
		jobs = append(jobs, job{table: ScaledLogTable(scale, lay, logRows), layout: lay, scale: scale})
	}
	return jobs
}

// ScaledLog yields the first rows records of the demo log's generator in
// batches of a Parquet row group: its first LogRows rows are the demo
// log's, and each batch is a new slice, so it streams whatever rows is.
func ScaledLog(rows int) iter.Seq[[]lake.LogRecord] {
	return func(yield func([]lake.LogRecord) bool) {
		g := NewLogGenerator(Seed)
		for done := 0; done < rows; {
			batch := make([]lake.LogRecord, min(lake.ParquetRowGroupRows, rows-done))
			for i := range batch {
				batch[i] = g.Next()
			}
			if !yield(batch) {
				return
			}
			done += len(batch)
		}
	}
}

// writeScaledLog streams a scaled log's rows into dir, reporting each
// batch's rows and each file as written.
func writeScaledLog(ctx context.Context, dir string, j job, report func(files, rows int64)) error {
	opts := lake.StreamOptions{
		LayoutOptions: lake.LayoutOptions{OnFile: func() { report(1, 0) }, Marker: marker},
		OnRows:        func(n int) { report(0, int64(n)) },
	}
	rows := int(j.table.Rows)
	return lake.WriteLayoutStream(ctx, dir, ScaledLog(rows), rows, j.layout, opts)
}
