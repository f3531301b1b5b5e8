package lake_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/klauspost/compress/gzip"

	"tarn/demo"
	"tarn/internal/testlake"
	"tarn/lake"
)

// awkwardCSV has quoting, embedded commas and newlines, empty strings,
// missing values (NULL), unicode and numbers.
const awkwardCSV = `id,name,comment,score,seen
1,plain,hello,2.5,2020-02-29 00:00:02
2,"with, comma","say ""hi""",3,2020-03-01 10:00:00
3,"",,4.25,2020-03-02 11:30:00
4,ユニコード,"two
lines",,2020-03-03 12:00:00
5,trailing space ,x,-1,2020-03-04 13:00:00
6,six,y,0,
`

func newLake(t testing.TB) *lake.Lake {
	t.Helper()
	l, err := lake.Create(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func importOK(t *testing.T, l *lake.Lake, opts lake.ImportOptions) lake.ImportReport {
	t.Helper()
	rep, err := l.Import(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func TestImportCSVAndJSONRoundTrip(t *testing.T) {
	src := filepath.Join(t.TempDir(), "people.csv")
	testlake.WriteFile(t, src, awkwardCSV)
	db := testlake.OpenDuck(t)
	original := fmt.Sprintf("SELECT * FROM read_csv('%s', header=true, allow_quoted_nulls=false)", src)

	layouts := []lake.Layout{
		{Format: lake.Parquet, Compression: lake.None, Files: 1},
		{Format: lake.CSV, Compression: lake.None, Files: 3},
		{Format: lake.CSV, Compression: lake.Gzip, Files: 2},
		{Format: lake.JSON, Compression: lake.None, Files: 1},
		{Format: lake.JSON, Compression: lake.Gzip, Files: 6},
	}
	l := newLake(t)
	for _, lay := range layouts {
		name := "people_" + lay.String()
		rep := importOK(t, l, lake.ImportOptions{Files: []string{src}, Database: "crm", Table: name,
			Format: lay.Format, Compression: lay.Compression, Parts: lay.Files})
		if rep.Input != lake.InputCSV || rep.Rows != 6 {
			t.Errorf("%s: detected %s with %d rows", name, rep.Input, rep.Rows)
		}
		st, err := l.Stat(rep.Table)
		if err != nil || st.Files != lay.Files {
			t.Errorf("%s: %d files (%v), want %d", name, st.Files, err, lay.Files)
		}
		back := "SELECT * FROM " + l.Relation(rep.Table)
		empties := testlake.Scalar[string](t, db, fmt.Sprintf(
			"SELECT (name = '')::VARCHAR || ' ' || (comment IS NULL)::VARCHAR || ' ' || (score IS NULL)::VARCHAR FROM (%s) WHERE id = 3", back))
		if empties != "true true false" {
			t.Errorf("%s: row 3 name is empty string, comment NULL, score set? got %q", name, empties)
		}
		if d := testlake.DifferingRows(t, db, back, original); d != 0 {
			t.Errorf("%s: %d rows differ after the round trip", name, d)
		}
		// The JSON copy imports back to the same rows too.
		if lay.Format == lake.JSON && lay.Compression == lake.None {
			files, _ := l.Files(rep.Table)
			again := importOK(t, l, lake.ImportOptions{Files: files, Database: "crm", Table: "from_json",
				Format: lake.Parquet, Compression: lake.None, Parts: 1})
			if again.Input != lake.InputJSON {
				t.Errorf("JSON lines detected as %s", again.Input)
			}
			if d := testlake.DifferingRows(t, db, "SELECT * FROM "+l.Relation(again.Table), original); d != 0 {
				t.Errorf("JSON lines re-import: %d rows differ", d)
			}
		}
	}
	reopened, err := lake.Open(l.Root)
	if err != nil || len(reopened.Catalog.Tables) != len(layouts)+1 {
		t.Fatalf("catalog after imports: %v tables, %v", len(reopened.Catalog.Tables), err)
	}
}

func TestImportAccessLogRoundTripReportsMalformedLines(t *testing.T) {
	records := demo.GenerateLog(2000, 99)
	var b strings.Builder
	for i, r := range records {
		if i == 3 || i == 1500 {
			b.WriteString("this is not a log line\n")
		}
		if i == 700 {
			b.WriteString(`10.0.0.1 - - [31/Feb/2020:00:00:00 +0000] "GET / HTTP/1.1" 200 1 "-" "x"` + "\n")
		}
		b.WriteString(lake.FormatLogLine(r) + "\n")
	}
	src := filepath.Join(t.TempDir(), "access.log")
	testlake.WriteFile(t, src, b.String())

	l := newLake(t)
	rep := importOK(t, l, lake.ImportOptions{Files: []string{src}, Database: "web", Table: "access",
		Format: lake.Parquet, Compression: lake.None, Parts: 4})
	if rep.Input != lake.InputLog || rep.Rows != 2000 || rep.Malformed != 3 {
		t.Fatalf("import: %s, %d rows, %d malformed; want log, 2000, 3", rep.Input, rep.Rows, rep.Malformed)
	}
	wantLines := []int{4, 702, 1503}
	for i, ex := range rep.Examples {
		if ex.Line != wantLines[i] || ex.File != src {
			t.Errorf("malformed example %d at %s:%d, want line %d", i, ex.File, ex.Line, wantLines[i])
		}
	}
	if !strings.Contains(rep.Examples[1].Err, "bad time") {
		t.Errorf("reason for an impossible date: %q", rep.Examples[1].Err)
	}

	rows, err := testlake.OpenDuck(t).Query("SELECT host, ident, authuser, time, method, path, protocol, status, size, referrer, agent FROM " + l.Relation(rep.Table))
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	i := 0
	for ; rows.Next(); i++ {
		var got lake.LogRecord
		if err := rows.Scan(&got.Host, &got.Ident, &got.AuthUser, &got.Time, &got.Method, &got.Path,
			&got.Protocol, &got.Status, &got.Size, &got.Referrer, &got.Agent); err != nil {
			t.Fatal(err)
		}
		want := records[i]
		if !got.Time.Equal(want.Time) {
			t.Fatalf("row %d time %v, want %v", i, got.Time, want.Time)
		}
		got.Time = want.Time
		if got != want {
			t.Fatalf("row %d:\n got %+v\nwant %+v", i, got, want)
		}
	}
	if i != len(records) {
		t.Errorf("read back %d rows, want %d", i, len(records))
	}
}

func TestImportRefusesWithoutChangingAnything(t *testing.T) {
	dir := t.TempDir()
	csvFile := filepath.Join(dir, "a.csv")
	testlake.WriteFile(t, csvFile, "x,y\n1,2\n")
	empty := filepath.Join(dir, "empty.log")
	testlake.WriteFile(t, empty, "\n\n")
	garbage := filepath.Join(dir, "garbage.log")
	testlake.WriteFile(t, garbage, `1.2.3.4 - - [bad] "GET / HTTP/1.1" 200 1 "-" "-"`+"\n")
	l := newLake(t)
	importOK(t, l, lake.ImportOptions{Files: []string{csvFile}, Database: "d", Table: "t", Format: lake.CSV, Compression: lake.None, Parts: 1})
	before := testlake.CatalogText(t, l)

	base := lake.ImportOptions{Database: "d", Table: "u", Format: lake.Parquet, Compression: lake.None, Parts: 1}
	with := func(change func(*lake.ImportOptions)) lake.ImportOptions {
		o := base
		o.Files = []string{csvFile}
		change(&o)
		return o
	}
	cases := map[string]struct {
		opts lake.ImportOptions
		want string
	}{
		"existing table":      {with(func(o *lake.ImportOptions) { o.Table = "t" }), "table d.t already exists"},
		"unknown format":      {with(func(o *lake.ImportOptions) { o.Format = "orc" }), `unknown format "orc"`},
		"gzip parquet":        {with(func(o *lake.ImportOptions) { o.Compression = lake.Gzip }), "parquet compresses inside the file"},
		"missing file":        {with(func(o *lake.ImportOptions) { o.Files = []string{filepath.Join(dir, "nope.csv")} }), "nope.csv"},
		"empty input":         {with(func(o *lake.ImportOptions) { o.Files = []string{empty} }), "empty input"},
		"only malformed":      {with(func(o *lake.ImportOptions) { o.Files = []string{garbage} }), "no readable log lines"},
		"more files than row": {with(func(o *lake.ImportOptions) { o.Parts = 5 }), "cannot split 1 rows into 5 files"},
		"bad name":            {with(func(o *lake.ImportOptions) { o.Table = "Bad-Name" }), `"Bad-Name" is not a valid name`},
		"unknown input kind":  {with(func(o *lake.ImportOptions) { o.Input = "xml" }), `unknown input kind "xml"`},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := l.Import(context.Background(), c.opts)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want %q", err, c.want)
			}
			if testlake.CatalogText(t, l) != before {
				t.Error("catalog changed")
			}
			if _, err := os.Stat(filepath.Join(l.Root, "d", "u")); err == nil {
				t.Error("a folder was left behind")
			}
		})
	}
}

// A gzip stream cut right after a flush decodes cleanly up to the cut, so
// only a check of the stream's end tells the file is truncated.
func TestImportRefusesTruncatedGzip(t *testing.T) {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write([]byte("a,b\n1,x\n2,y\n"))
	zw.Flush()
	cut := buf.Len()
	zw.Write([]byte(strings.Repeat("3,z\n", 1000)))
	zw.Close()
	for _, name := range []string{"cut.csv.gz", "cut.jsonl.gz"} {
		src := filepath.Join(t.TempDir(), name)
		data := buf.Bytes()[:cut]
		if strings.Contains(name, "json") {
			data = gzipBytes(t, `{"a":1}`+"\n"+`{"a":2}`+"\n")
			data = data[:len(data)-8] // drop the CRC and size trailer
		}
		writeBytes(t, src, data)
		l := newLake(t)
		_, err := l.Import(context.Background(), lake.ImportOptions{Files: []string{src}, Database: "d", Table: "t",
			Format: lake.Parquet, Compression: lake.None, Parts: 1})
		if err == nil || !strings.Contains(err.Error(), name+": truncated gzip file") {
			t.Errorf("%s: import error %v, want it refused as truncated", name, err)
		}
		if len(l.Catalog.Tables) != 0 {
			t.Errorf("%s: a table was registered", name)
		}
	}
}

// An import cancelled while it writes leaves the lake as it was: no table
// in the catalog, no folder (not even the new database's), nothing in the
// scratch folder, no rejects file; whether it is cancelled at once or
// while the files are being written.
func TestCancelledImportLeavesNothing(t *testing.T) {
	records := demo.GenerateLog(20000, 7)
	var logText, csvText strings.Builder
	rows := lake.RowsOf(records)
	csvText.Write(rows.AppendCSVHeader(nil))
	for i, r := range records {
		logText.WriteString(lake.FormatLogLine(r) + "\n")
		if i%1000 == 0 {
			logText.WriteString("not a log line\n") // a rejects file would be kept
		}
		csvText.Write(rows.AppendCSV(nil, i))
	}
	dir := t.TempDir()
	logFile, csvFile := filepath.Join(dir, "access.log"), filepath.Join(dir, "access.csv")
	testlake.WriteFile(t, logFile, logText.String())
	testlake.WriteFile(t, csvFile, csvText.String())

	for _, c := range []struct {
		input string
		parts int
		phase string
	}{{logFile, 1, "read"}, {logFile, 1, "write"}, {logFile, 3, "read"}, {logFile, 3, "split"},
		{csvFile, 1, "read"}, {csvFile, 3, "read"}, {csvFile, 3, "split"}} {
		input, parts, phase := c.input, c.parts, c.phase
		name := fmt.Sprintf("%s into %d files, cancelled in %s", filepath.Base(input), parts, phase)
		t.Run(name, func(t *testing.T) {
			l := newLake(t)
			small := filepath.Join(t.TempDir(), "small.csv")
			testlake.WriteFile(t, small, "x\n1\n")
			importOK(t, l, lake.ImportOptions{Files: []string{small}, Database: "d", Table: "t", Format: lake.CSV, Compression: lake.None, Parts: 1})
			before := testlake.CatalogText(t, l)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			seen := false
			_, err := l.Import(ctx, lake.ImportOptions{Files: []string{input}, Database: "web", Table: "access",
				Format: lake.Parquet, Compression: lake.None, Parts: parts,
				Progress: func(p lake.ImportProgress) {
					if p.Phase == phase {
						seen = true
						cancel()
					}
				}})
			if !seen {
				t.Fatalf("no %s phase", phase)
			}
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("import error %v, want it cancelled", err)
			}
			if testlake.CatalogText(t, l) != before || len(l.Catalog.Tables) != 1 {
				t.Error("the catalog changed")
			}
			for _, left := range []string{"web", lake.RejectsDir} {
				if _, err := os.Stat(filepath.Join(l.Root, left)); err == nil {
					t.Errorf("%s was left behind", left)
				}
			}
			if scratch, _ := os.ReadDir(filepath.Join(l.Root, lake.ScratchDir)); len(scratch) > 0 {
				t.Errorf("%s holds %s", lake.ScratchDir, scratch[0].Name())
			}
		})
	}
}

// TestImportCSVKeepsLongLinesAndOrder imports a CSV several times DuckDB's
// read buffer long, with one field of 1.9 MB (under the reader's line
// limit of 2,000,000 bytes): every row arrives, in the file's order.
func TestImportCSVKeepsLongLinesAndOrder(t *testing.T) {
	var sb strings.Builder
	sb.WriteString("id,text\n")
	const rows = 200_000
	for i := range rows {
		text := fmt.Sprintf("row %d, short", i)
		if i == rows/2 {
			text = strings.Repeat("y", 1_900_000)
		}
		fmt.Fprintf(&sb, "%d,\"%s\"\n", i, text)
	}
	src := filepath.Join(t.TempDir(), "long.csv")
	testlake.WriteFile(t, src, sb.String())
	l := newLake(t)
	rep := importOK(t, l, lake.ImportOptions{Files: []string{src}, Database: "crm", Table: "long",
		Format: lake.Parquet, Compression: lake.None, Parts: 1})
	files, err := l.Files(rep.Table)
	if err != nil || len(files) != 1 {
		t.Fatalf("files %v, %v", files, err)
	}
	db := testlake.OpenDuck(t)
	got := testlake.Scalar[string](t, db, fmt.Sprintf(`SELECT count(*) || ' rows, ' || count(*) FILTER (id <> file_row_number) ||
		' out of order, longest ' || max(length(text)) FROM read_parquet(%s, file_row_number=true)`, lake.SQLString(files[0])))
	if want := fmt.Sprintf("%d rows, 0 out of order, longest 1900000", rows); got != want {
		t.Errorf("imported %s, want %s", got, want)
	}
}
