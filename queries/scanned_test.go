package queries_test

import (
	"context"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"

	"tarn/demo"
	"tarn/lake"
	"tarn/perms"
	"tarn/queries"
)

// scanLake is a demo lake whose 1-file Parquet log has four row groups
// (60,000 rows sorted by time, 16,384 a group), with the demo policy.
func scanLake(t *testing.T) (*lake.Lake, *perms.Policy) {
	t.Helper()
	l, err := lake.Create(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := demo.Create(ctx, l, demo.Options{LogRows: 60000}); err != nil {
		t.Fatal(err)
	}
	// A 10-file Parquet layout too: DuckDB's metadata of several files
	// differs from one file's (see topLevelColumns).
	ten := lake.Layout{Format: lake.Parquet, Compression: lake.None, Files: 10}
	table := demo.LogTable(ten, 60000)
	logRows := lake.RowsOf(demo.GenerateLog(60000, demo.Seed))
	if err := lake.WriteLayout(ctx, l.Dir(table), logRows, ten, lake.LayoutOptions{}); err != nil {
		t.Fatal(err)
	}
	l.Catalog.Put(table)
	if err := l.Save(); err != nil {
		t.Fatal(err)
	}
	if _, err := demo.WritePolicy(l.Root, l.Catalog, nil); err != nil {
		t.Fatal(err)
	}
	pol, err := queries.LoadPolicy(l)
	if err != nil {
		t.Fatal(err)
	}
	return l, pol
}

// stats runs q to the end and returns its final figures.
func stats(t *testing.T, s *queries.Session, q string) queries.Stats {
	t.Helper()
	r, err := s.Run(context.Background(), q)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	if _, err := drain(r); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return r.Stats()
}

// fileSizes is the independent figure for CSV and JSON: every file whole.
func fileSizes(t *testing.T, dir string) int64 {
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var n int64
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") {
			continue
		}
		info, err := e.Info()
		if err != nil {
			t.Fatal(err)
		}
		n += info.Size()
	}
	return n
}

// parquetBytes is the independent figure for one Parquet file, from its
// own footer as parquet-go reads it: the footer (its length is in the
// file's last 8 bytes), plus the compressed column chunks of columns in
// the row groups keep accepts (given the group's time statistics).
func parquetBytes(t *testing.T, path string, columns []string, keep func(minTime, maxTime int64) bool) (total int64, groups, kept int) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	footerLen := binary.LittleEndian.Uint32(data[len(data)-8:])
	if string(data[len(data)-4:]) != "PAR1" {
		t.Fatalf("%s is not Parquet", path)
	}
	total = int64(footerLen) + 8
	f, err := parquet.OpenFile(strings.NewReader(string(data)), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	for _, rg := range f.Metadata().RowGroups {
		var minT, maxT int64
		for _, c := range rg.Columns {
			if c.MetaData.PathInSchema[0] == "time" {
				minT = int64(binary.LittleEndian.Uint64(c.MetaData.Statistics.MinValue))
				maxT = int64(binary.LittleEndian.Uint64(c.MetaData.Statistics.MaxValue))
			}
		}
		groups++
		if !keep(minT, maxT) {
			continue
		}
		kept++
		for _, c := range rg.Columns {
			if slices.Contains(columns, c.MetaData.PathInSchema[0]) {
				total += c.MetaData.TotalCompressedSize
			}
		}
	}
	return total, groups, kept
}

func TestDataScannedMatchesAnIndependentComputation(t *testing.T) {
	l, pol := scanLake(t)
	s := open(t, l, pol, "admin")
	dir := func(name string) string {
		table, ok := l.Catalog.Lookup("weblogs", name)
		if !ok {
			t.Fatalf("no table %s", name)
		}
		return l.Dir(table)
	}
	parquetFile := filepath.Join(dir("access_log_parquet_1"), "part-00000.parquet")
	all := lake.LogColumns
	var allNames []string
	for _, c := range all {
		allNames = append(allNames, c.Name)
	}
	every := func(int64, int64) bool { return true }
	cutoff := time.Date(2020, 2, 29, 12, 0, 0, 0, time.UTC).UnixMicro()
	fullScan, _, _ := parquetBytes(t, parquetFile, allNames, every)
	projection, _, _ := parquetBytes(t, parquetFile, []string{"host", "path", "status"}, every)
	sizeOnly, _, _ := parquetBytes(t, parquetFile, []string{"size"}, every)
	selective, groups, kept := parquetBytes(t, parquetFile, []string{"host", "path", "status", "time"},
		func(_, maxT int64) bool { return maxT >= cutoff })
	var tenFiles int64
	tenDir := dir("access_log_parquet_10")
	entries, err := os.ReadDir(tenDir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".parquet") {
			n, _, _ := parquetBytes(t, filepath.Join(tenDir, e.Name()), []string{"path", "status"}, every)
			tenFiles += n
		}
	}
	if groups < 3 || kept == 0 || kept == groups {
		t.Fatalf("the selective case must skip some row groups and keep some: %d of %d kept", kept, groups)
	}
	cases := []struct {
		name, sql string
		want      int64
	}{
		{"csv", "SELECT * FROM weblogs.access_log_csv_1", fileSizes(t, dir("access_log_csv_1"))},
		{"gzip csv at compressed size", "SELECT host FROM weblogs.access_log_csv_gz_1", fileSizes(t, dir("access_log_csv_gz_1"))},
		{"json", "SELECT * FROM weblogs.access_log_json_1 WHERE status = 404", fileSizes(t, dir("access_log_json_1"))},
		{"parquet full scan", "SELECT * FROM weblogs.access_log_parquet_1", fullScan},
		{"parquet projection", "SELECT host, path, status FROM weblogs.access_log_parquet_1", projection},
		{"summarize reads every column", "SUMMARIZE weblogs.access_log_parquet_1", fullScan},
		// DuckDB 1.5.6 cannot serialise a late-materialized LIMIT plan.
		{"parquet projection with a limit", "SELECT host, path, status FROM weblogs.access_log_parquet_1 LIMIT 100", projection},
		{"parquet projection over 10 files", "SELECT status FROM weblogs.access_log_parquet_10 WHERE path LIKE '%.php%'", tenFiles},
		// A join across formats: the CSV whole, the Parquet columns it reads.
		{"csv joined with parquet", "SELECT c.region, count(*) FROM sales.customers c JOIN weblogs.access_log_parquet_1 l ON l.size % 5000 = c.customer_id GROUP BY 1",
			fileSizes(t, l.Dir(mustLookup(t, l, "sales", "customers"))) + sizeOnly},
		{"parquet selective filter on the sorted column", "SELECT host, path, status FROM weblogs.access_log_parquet_1 WHERE time >= TIMESTAMP '2020-02-29 12:00:00'", selective},
		// Repeated reads count every time, as Athena bills them.
		{"parquet self-join reads its files twice", "SELECT count(*) FROM weblogs.access_log_parquet_1 a JOIN weblogs.access_log_parquet_1 b ON a.size = b.size", 2 * sizeOnly},
		{"csv union all reads its files twice", "SELECT host FROM weblogs.access_log_csv_1 UNION ALL SELECT path FROM weblogs.access_log_csv_1", 2 * fileSizes(t, dir("access_log_csv_1"))},
		{"a CTE inlined twice reads twice", "WITH c AS NOT MATERIALIZED (SELECT size FROM weblogs.access_log_parquet_1) SELECT * FROM c UNION ALL SELECT * FROM c", 2 * sizeOnly},
		{"a CTE materialised once reads once", "WITH c AS MATERIALIZED (SELECT size FROM weblogs.access_log_parquet_1) SELECT * FROM c UNION ALL SELECT * FROM c", sizeOnly},
		{"json in a correlated subquery", "SELECT count(*) FROM weblogs.access_log_json_1 a WHERE EXISTS (SELECT 1 FROM weblogs.access_log_json_1 b WHERE b.size = a.size + 1)", 2 * fileSizes(t, dir("access_log_json_1"))},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			st := stats(t, s, c.sql)
			if st.DataScanned != c.want || !st.ScannedExact {
				t.Errorf("data scanned %d (exact %v), independent computation %d", st.DataScanned, st.ScannedExact, c.want)
			}
			if st.BilledBytes != queries.BilledBytes(c.want) || st.CostUSD != queries.CostUSD(c.want) {
				t.Errorf("billed %d cost %v for %d bytes", st.BilledBytes, st.CostUSD, c.want)
			}
		})
	}
	if projection >= fullScan || selective >= fullScan {
		t.Errorf("Parquet figures out of order: full %d, projection %d, selective %d", fullScan, projection, selective)
	}
}

// TestFiltersAndMasksDoNotChangeWhatIsScanned: sales_east reads
// sales.customers through a row filter and a phone mask; the files read
// are the same, so the figure is the administrator's.
func TestFiltersAndMasksDoNotChangeWhatIsScanned(t *testing.T) {
	l, pol := scanLake(t)
	admin := stats(t, open(t, l, pol, "admin"), "SELECT * FROM sales.customers")
	east := stats(t, open(t, l, pol, "sales_east"), "SELECT * FROM sales.customers")
	if admin.DataScanned == 0 || east.DataScanned != admin.DataScanned {
		t.Errorf("sales_east scanned %d, admin %d", east.DataScanned, admin.DataScanned)
	}
	if east.Rows >= admin.Rows {
		t.Errorf("the row filter let %d of %d rows through", east.Rows, admin.Rows)
	}
}

func TestWorkgroupLimitCancelsBeforeTheQueryStarts(t *testing.T) {
	l, pol := scanLake(t)
	// The analytics workgroup allows 20 MB; make the CSV log bigger than
	// that by writing the full-size log (26 MB) into its table.
	table, _ := l.Catalog.Lookup("weblogs", "access_log_csv_1")
	logRows := lake.RowsOf(demo.GenerateLog(demo.LogRows, demo.Seed))
	if err := lake.WriteLayout(context.Background(), l.Dir(table), logRows, lake.Layout{Format: lake.CSV, Compression: lake.None, Files: 1}, lake.LayoutOptions{}); err != nil {
		t.Fatal(err)
	}
	s := open(t, l, pol, "analyst")
	_, err := s.Run(context.Background(), "SELECT * FROM weblogs.access_log_csv_1")
	var limit *queries.LimitError
	if !errors.As(err, &limit) || !strings.HasPrefix(err.Error(), "Bytes scanned limit was exceeded") {
		t.Fatalf("error %v, want the workgroup limit", err)
	}
	last := s.Last()
	if last.State != queries.Cancelled || last.Rows != 0 || last.BilledBytes != 0 || last.CutoffBytes != 20<<20 {
		t.Errorf("record %+v", last.Stats)
	}
	// The same data in Parquet is under the limit and runs.
	st := stats(t, s, "SELECT * FROM weblogs.access_log_parquet_1")
	if st.State != queries.Succeeded || st.DataScanned == 0 || st.DataScanned > st.CutoffBytes {
		t.Errorf("parquet: %+v", st)
	}
	var states []string
	if _, err := queries.ReadHistory(l.Root, "analytics", func(q queries.Query) { states = append(states, q.State) }); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(states, []string{queries.Cancelled, queries.Succeeded}) {
		t.Errorf("analytics history %v, want the cancelled then the succeeded query", states)
	}
	// The limit applies to every scan together: the Parquet log fits once
	// but not n times.
	once := st.DataScanned
	n := int(st.CutoffBytes/once) + 1
	many := strings.Repeat("SELECT * FROM weblogs.access_log_parquet_1 UNION ALL ", n-1) + "SELECT * FROM weblogs.access_log_parquet_1"
	r, err := s.Run(context.Background(), many)
	if err == nil {
		r.Close()
	}
	if !errors.As(err, &limit) || limit.Scanned != int64(n)*once {
		t.Errorf("%d reads of the log: %v (scanned %d, once %d)", n, err, limit.Scanned, once)
	}
}

func mustLookup(t *testing.T, l *lake.Lake, db, name string) lake.Table {
	tb, ok := l.Catalog.Lookup(db, name)
	if !ok {
		t.Fatalf("no table %s.%s", db, name)
	}
	return tb
}

// TestDataScannedOfFilesWithUnnamedChunks: Parquet files whose column
// chunks do not name their column (what a reused parquet-go writer made
// until lake.ParquetEncoder stopped reusing it) are counted through their
// schema, to the byte.
func TestDataScannedOfFilesWithUnnamedChunks(t *testing.T) {
	l, pol := scanLake(t)
	ten := mustLookup(t, l, "weblogs", "access_log_parquet_10")
	dir := l.Dir(ten)
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	// Rewrite the layout's files through one writer, Reset between files.
	logRows := demo.GenerateLog(60000, demo.Seed)
	var w *parquet.GenericWriter[lake.LogRecord]
	var want int64
	names := 0
	for i, e := range entries {
		path := filepath.Join(dir, e.Name())
		f, err := os.Create(path)
		if err != nil {
			t.Fatal(err)
		}
		if w == nil {
			w = parquet.NewGenericWriter[lake.LogRecord](f)
		} else {
			w.Reset(f)
		}
		lo, hi := lake.SplitBounds(len(logRows), len(entries), i)
		if _, err := w.Write(logRows[lo:hi]); err != nil {
			t.Fatal(err)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		f.Close()
		n, unnamed := statusBytes(t, path)
		want += n
		if unnamed {
			names++
		}
	}
	if names == 0 {
		t.Fatal("the reused writer named every chunk: this test no longer reproduces the old files")
	}
	st := stats(t, open(t, l, pol, "admin"), "SELECT status FROM weblogs.access_log_parquet_10")
	if st.DataScanned != want || !st.ScannedExact {
		t.Errorf("data scanned %d, independent computation %d (%d of %d files with unnamed chunks)", st.DataScanned, want, names, len(entries))
	}
}

// statusBytes is the footer plus the status column's chunks of one file,
// found by the column's position in the schema (its chunks may be unnamed).
func statusBytes(t *testing.T, path string) (int64, bool) {
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	n := int64(binary.LittleEndian.Uint32(data[len(data)-8:])) + 8
	f, err := parquet.OpenFile(strings.NewReader(string(data)), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	col := slices.IndexFunc(f.Schema().Fields(), func(fl parquet.Field) bool { return fl.Name() == "status" })
	unnamed := false
	for _, rg := range f.Metadata().RowGroups {
		n += rg.Columns[col].MetaData.TotalCompressedSize
		unnamed = unnamed || len(rg.Columns[col].MetaData.PathInSchema) == 0 || rg.Columns[col].MetaData.PathInSchema[0] == ""
	}
	return n, unnamed
}

// A recursive CTE that reads a table in its recursive part reads it again
// on every step: it is refused, since no figure known before it runs is
// true (the limit would be bypassed: 21 reads of sales.sales reported as
// one). Reading the table once, in a MATERIALIZED CTE, runs.
func TestRecursiveRescansAreRefused(t *testing.T) {
	l, pol := scanLake(t)
	s := open(t, l, pol, "analyst")
	for _, q := range []string{
		"WITH RECURSIVE r(n, c) AS (SELECT 0, 0 UNION ALL SELECT n + 1, (SELECT count(*) FROM sales.sales) FROM r WHERE n < 20) SELECT max(n), max(c) FROM r",
		"WITH RECURSIVE r(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM r, weblogs.access_log_parquet_1 p WHERE n < 3 AND p.size = n) SELECT count(*) FROM r",
		"WITH RECURSIVE t AS (SELECT * FROM sales.sales), r(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM r WHERE n < (SELECT count(*) FROM t)) SELECT max(n) FROM r",
	} {
		r, err := s.Run(context.Background(), q)
		if err == nil {
			r.Close()
			t.Errorf("ran: %s", q)
		} else if !strings.Contains(err.Error(), "a recursive CTE may not read a table in its recursive part") {
			t.Errorf("%s: %v", q, err)
		}
	}
	st := stats(t, s, "WITH RECURSIVE t AS MATERIALIZED (SELECT count(*) AS k FROM sales.sales), r(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM r WHERE n < (SELECT min(k) FROM t) AND n < 20) SELECT max(n) FROM r")
	if st.DataScanned != fileSizes(t, l.Dir(mustLookup(t, l, "sales", "sales"))) {
		t.Errorf("the table read once counts %d bytes", st.DataScanned)
	}
}
