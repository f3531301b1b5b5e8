package queries_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"tarn/queries"
)

// An export's meter counts the rows the writer took and the file's bytes
// while it writes, and a cancelled export leaves no file, whole or part,
// in the destination's folder, whatever the format.
func TestExportMeterCountsAndACancelLeavesNoFile(t *testing.T) {
	l, pol := governedLake(t)
	s := open(t, l, pol, "admin")
	// 2,000 log lines cubed: eight billion rows, more than any test waits for
	const endless = "SELECT a.* FROM weblogs.access_log_csv_1 a, weblogs.access_log_csv_1 b, weblogs.access_log_csv_1 c"
	for _, format := range []string{"csv", "json", "parquet"} {
		dir := t.TempDir()
		path := filepath.Join(dir, "rows."+format)
		ctx, cancel := context.WithCancel(context.Background())
		meter := queries.NewWriteMeter()
		var seen queries.WriteProgress
		watched := make(chan struct{})
		go func() { // cancel once the meter has seen rows and bytes
			defer close(watched)
			defer cancel()
			for seen = meter.Progress(); seen.Rows < 100_000 || seen.Bytes == 0; seen = meter.Progress() {
				if seen.Elapsed > time.Minute || ctx.Err() != nil {
					return
				}
				time.Sleep(10 * time.Millisecond)
			}
		}()
		st, err := s.ExportMetered(ctx, endless, path, format, false, meter)
		cancel()
		<-watched
		if !errors.Is(err, context.Canceled) || st.State != queries.Cancelled {
			t.Errorf("%s: cancelled export ended %s, %v", format, st.State, err)
		}
		if seen.Rows < 100_000 || seen.Bytes == 0 {
			t.Errorf("%s: the meter read %+v before the cancel", format, seen)
		}
		if entries, _ := os.ReadDir(dir); len(entries) != 0 {
			t.Errorf("%s: the cancelled export left %s in %s", format, entries[0].Name(), dir)
		}
	}
}
