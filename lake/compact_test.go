package lake_test

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"tarn/internal/testlake"
	"tarn/lake"
)

// smallFilesLake is a lake with one table, weblogs.logs: rows demo log
// rows split into the layout's files.
func smallFilesLake(t *testing.T, lay lake.Layout, rows int) *lake.Lake {
	t.Helper()
	l, err := lake.Create(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	testlake.SmallFiles(t, l, "logs", lay, rows)
	return l
}

// checksumOf is the checksum of the table as the catalog on disk has it.
func checksumOf(t *testing.T, root, name string) lake.Checksum {
	t.Helper()
	l, err := lake.Open(root)
	if err != nil {
		t.Fatal(err)
	}
	tab, ok := l.Catalog.Find(name)
	if !ok {
		t.Fatalf("no table %s", name)
	}
	sum, err := lake.TableChecksum(context.Background(), testlake.OpenDuck(t), l.Relation(tab), tab.Columns)
	if err != nil {
		t.Fatal(err)
	}
	return sum
}

// lakeFolders lists every folder under root that holds files, hidden ones
// included, relative to root; .tarn is left out.
func lakeFolders(t *testing.T, root string) []string {
	var out []string
	filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if d.IsDir() && d.Name() == ".tarn" {
			return filepath.SkipDir
		}
		if !d.IsDir() && p != filepath.Join(root, d.Name()) {
			rel, _ := filepath.Rel(root, filepath.Dir(p))
			if !slices.Contains(out, rel) {
				out = append(out, rel)
			}
		}
		return nil
	})
	return out
}

func TestCompactRewritesIntoFewFilesWithTheSameRows(t *testing.T) {
	cases := []struct {
		name  string
		from  lake.Layout
		opts  lake.CompactOptions
		files int // how many files it makes, 0: more than one
	}{
		{"csv to one csv", lake.Layout{Format: lake.CSV, Compression: lake.None, Files: 40}, lake.CompactOptions{}, 1},
		{"json gzip to parquet", lake.Layout{Format: lake.JSON, Compression: lake.Gzip, Files: 25}, lake.CompactOptions{Format: lake.Parquet}, 1},
		{"parquet to csv gzip", lake.Layout{Format: lake.Parquet, Compression: lake.None, Files: 30}, lake.CompactOptions{Format: lake.CSV, Compression: lake.Gzip}, 1},
		{"csv to 64 KB json files", lake.Layout{Format: lake.CSV, Compression: lake.None, Files: 40}, lake.CompactOptions{Format: lake.JSON, TargetSize: 64 << 10}, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			l := smallFilesLake(t, tc.from, 3000)
			before := checksumOf(t, l.Root, "weblogs.logs")
			oldDir := filepath.Join(l.Root, "weblogs/logs")
			rep, err := l.Compact(context.Background(), "weblogs.logs", tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			if diff := before.Differs(checksumOf(t, l.Root, "weblogs.logs")); diff != "" {
				t.Fatalf("rows changed: %s", diff)
			}
			switch {
			case rep.BeforeFiles.Files != tc.from.Files || rep.Rows != 3000:
				t.Errorf("report: before %d files, %d rows; want %d files, 3000 rows", rep.BeforeFiles.Files, rep.Rows, tc.from.Files)
			case tc.files > 0 && rep.AfterFiles.Files != tc.files, tc.files == 0 && rep.AfterFiles.Files < 2:
				t.Errorf("after: %d files, want %d (0: several)", rep.AfterFiles.Files, tc.files)
			}
			if _, err := os.Stat(oldDir); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("old folder still there: %v", err)
			}
			after, _ := lake.Open(l.Root)
			tab, _ := after.Catalog.Find("weblogs.logs")
			if tab.Location == "weblogs/logs" || !strings.HasPrefix(tab.Location, "weblogs/logs.compacted-") || tab.Origin != lake.OriginCompact {
				t.Errorf("catalog: location %s origin %s", tab.Location, tab.Origin)
			}
			if got := lakeFolders(t, l.Root); !slices.Equal(got, []string{tab.Location}) {
				t.Errorf("folders with files: %v, want only %s", got, tab.Location)
			}
		})
	}
}

// TestCompactKeepsRowOrder: the files are named so that their order is
// the order the rows were written in (DuckDB's part-10 sorts before
// part-2), and the rows keep the old files' order.
func TestCompactKeepsRowOrder(t *testing.T) {
	l := smallFilesLake(t, lake.Layout{Format: lake.CSV, Compression: lake.None, Files: 30}, 3000)
	db := testlake.OpenDuck(t)
	order := func() []uint64 {
		l, _ := lake.Open(l.Root)
		tab, _ := l.Catalog.Find("weblogs.logs")
		rows, err := db.Query("SELECT hash(path, time) FROM " + l.Relation(tab))
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var out []uint64
		for rows.Next() {
			var h uint64
			rows.Scan(&h)
			out = append(out, h)
		}
		return out
	}
	want := order()
	rep, err := l.Compact(context.Background(), "weblogs.logs", lake.CompactOptions{Format: lake.CSV, TargetSize: 16 << 10})
	if err != nil {
		t.Fatal(err)
	}
	if rep.AfterFiles.Files < 11 {
		t.Fatalf("%d files; the test needs more than 10", rep.AfterFiles.Files)
	}
	if got := order(); !slices.Equal(got, want) {
		i := 0
		for i < min(len(got), len(want)) && got[i] == want[i] {
			i++
		}
		t.Errorf("the rows came back in another order: %d rows, was %d; the first to differ is row %d", len(got), len(want), i)
	}
}

func TestCompactRefusesWhatItCannotDo(t *testing.T) {
	l := smallFilesLake(t, lake.Layout{Format: lake.CSV, Compression: lake.None, Files: 3}, 100)
	for _, tc := range []struct {
		name, table string
		opts        lake.CompactOptions
		want        string
	}{
		{"unknown table", "weblogs.nope", lake.CompactOptions{}, "no table weblogs.nope"},
		{"gzip parquet", "weblogs.logs", lake.CompactOptions{Format: lake.Parquet, Compression: lake.Gzip}, "parquet compresses inside the file"},
		{"bad format", "weblogs.logs", lake.CompactOptions{Format: "xml"}, `unknown format "xml"`},
		{"tiny target", "weblogs.logs", lake.CompactOptions{TargetSize: 10}, "too small"},
	} {
		_, err := l.Compact(context.Background(), tc.table, tc.opts)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
		}
	}
	if got := lakeFolders(t, l.Root); !slices.Equal(got, []string{"weblogs/logs"}) {
		t.Errorf("folders: %v", got)
	}
}

// TestCompactCheckNamesTheColumn: DuckDB writes a BLOB into JSON lines
// as escaped text ("\\xFF"), which reads back as other bytes; the check
// finds it, names the column, and nothing changes.
func TestCompactCheckNamesTheColumn(t *testing.T) {
	l, err := lake.Create(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	testlake.WriteFile(t, filepath.Join(l.Root, "m/r/a.csv"), "id,payload\n1,\\xFF\n2,ab\n")
	testlake.WriteFile(t, filepath.Join(l.Root, "m/r/b.csv"), "id,payload\n3,\\x00\n")
	tab := lake.Table{Database: "m", Name: "r", Location: "m/r", Format: lake.CSV, Compression: lake.None, Rows: 3,
		Columns: lake.Columns{{Name: "id", Type: "INTEGER"}, {Name: "payload", Type: "BLOB"}}}
	if err := l.Update(func(c *lake.Catalog) error { c.Put(tab); return nil }); err != nil {
		t.Fatal(err)
	}
	catalog := testlake.CatalogText(t, l)
	_, err = l.Compact(context.Background(), "m.r", lake.CompactOptions{Format: lake.JSON})
	if !errors.Is(err, lake.ErrMismatch) || !strings.Contains(err.Error(), "column payload") {
		t.Fatalf("got %v, want a mismatch naming column payload", err)
	}
	if testlake.CatalogText(t, l) != catalog {
		t.Error("the catalog changed")
	}
	if got := lakeFolders(t, l.Root); !slices.Equal(got, []string{"m/r"}) {
		t.Errorf("folders: %v", got)
	}
}

// stepsBeforeSwitch are the steps at which the table is still its old
// files.
var stepsBeforeSwitch = []lake.CompactStep{lake.StepPlan, lake.StepWrite, lake.StepWritten, lake.StepCheck}

// TestCompactCancelAtEachStep cancels at each step: before the switch
// nothing stays of the compaction; from it on, the table is compacted.
func TestCompactCancelAtEachStep(t *testing.T) {
	for _, step := range lake.CompactSteps {
		t.Run(string(step), func(t *testing.T) {
			l := smallFilesLake(t, lake.Layout{Format: lake.CSV, Compression: lake.None, Files: 20}, 2000)
			before := checksumOf(t, l.Root, "weblogs.logs")
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			rep, err := l.Compact(ctx, "weblogs.logs", lake.CompactOptions{Progress: func(p lake.CompactProgress) {
				if p.Step == step {
					cancel()
				}
			}})
			if diff := before.Differs(checksumOf(t, l.Root, "weblogs.logs")); diff != "" {
				t.Fatalf("rows changed: %s", diff)
			}
			folders := lakeFolders(t, l.Root)
			if slices.Contains(stepsBeforeSwitch, step) {
				if !errors.Is(err, context.Canceled) || rep.Switched || !slices.Equal(folders, []string{"weblogs/logs"}) {
					t.Errorf("err %v, switched %v, folders %v; want cancelled, the old folder alone", err, rep.Switched, folders)
				}
			} else if err != nil || !rep.Switched || !slices.Equal(folders, []string{rep.After.Location}) {
				t.Errorf("err %v, switched %v, folders %v; want compacted into %s alone", err, rep.Switched, folders, rep.After.Location)
			}
			if _, err := os.Stat(filepath.Join(l.Root, lake.CompactDir, "weblogs.logs.json")); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("journal left: %v", err)
			}
		})
	}
}

// TestCompactCrashAtEachStep kills a real process compacting a table at
// each step (SIGKILL: no deferred cleanup runs), then checks that the
// table reads the same rows, a crawl registers nothing of the
// compaction's folders, and the next compaction cleans up and succeeds.
func TestCompactCrashAtEachStep(t *testing.T) {
	if root := os.Getenv("TARN_TEST_COMPACT_CRASH_LAKE"); root != "" {
		crashWhileCompacting(root, lake.CompactStep(os.Getenv("TARN_TEST_COMPACT_CRASH_AT")))
		return
	}
	if testing.Short() {
		t.Skip("starts a process for each step")
	}
	for _, step := range lake.CompactSteps {
		t.Run(string(step), func(t *testing.T) {
			l := smallFilesLake(t, lake.Layout{Format: lake.JSON, Compression: lake.None, Files: 20}, 2000)
			before := checksumOf(t, l.Root, "weblogs.logs")
			cmd := exec.Command(os.Args[0], "-test.run=^TestCompactCrashAtEachStep$")
			cmd.Env = append(os.Environ(), "TARN_TEST_COMPACT_CRASH_LAKE="+l.Root, "TARN_TEST_COMPACT_CRASH_AT="+string(step))
			out, err := cmd.CombinedOutput()
			var exit *exec.ExitError
			if !errors.As(err, &exit) || exit.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
				t.Fatalf("the child was not killed at %s: %v\n%s", step, err, out)
			}
			if diff := before.Differs(checksumOf(t, l.Root, "weblogs.logs")); diff != "" {
				t.Fatalf("after a crash at %s the rows changed: %s", step, diff)
			}
			crashed, _ := lake.Open(l.Root)
			crawl, err := crashed.Crawl(context.Background(), lake.CrawlOptions{})
			if err != nil || len(crawl.Registered) > 0 {
				t.Fatalf("a crawl after the crash: %v, registered %v", err, crawl.Registered)
			}
			rep, err := crashed.Compact(context.Background(), "logs", lake.CompactOptions{}) // its bare name finds the journal too
			if err != nil {
				t.Fatalf("compacting again: %v", err)
			}
			if step != lake.StepPlan && len(rep.Cleaned) == 0 {
				t.Errorf("the next compaction cleaned nothing after a crash at %s", step)
			}
			if diff := before.Differs(checksumOf(t, l.Root, "weblogs.logs")); diff != "" {
				t.Fatalf("compacting again changed the rows: %s", diff)
			}
			if got := lakeFolders(t, l.Root); !slices.Equal(got, []string{rep.After.Location}) {
				t.Errorf("folders: %v, want %s alone", got, rep.After.Location)
			}
		})
	}
}

// crashWhileCompacting is the child of TestCompactCrashAtEachStep: it
// kills itself when the compaction reaches step.
func crashWhileCompacting(root string, step lake.CompactStep) {
	l, err := lake.Open(root)
	if err != nil {
		panic(err)
	}
	l.Compact(context.Background(), "weblogs.logs", lake.CompactOptions{Progress: func(p lake.CompactProgress) {
		if p.Step == step {
			if self, err := os.FindProcess(os.Getpid()); err == nil {
				self.Kill() // SIGKILL where there are signals
			}
			select {}
		}
	}})
	os.Exit(3) // the step never came
}

func TestTimeLeft(t *testing.T) {
	for _, c := range []struct {
		done, total int64
		elapsed     time.Duration
		want        time.Duration
		known       bool
	}{
		{25, 100, 10 * time.Second, 30 * time.Second, true},
		{100, 100, 10 * time.Second, 0, true},
		{150, 100, 10 * time.Second, 0, true}, // read more than the files (a retry): nothing left
		{0, 100, 10 * time.Second, 0, false},
		{10, 0, 10 * time.Second, 0, false},
	} {
		got, known := lake.TimeLeft(c.done, c.total, c.elapsed)
		if got != c.want || known != c.known {
			t.Errorf("TimeLeft(%d, %d, %v) = %v, %v; want %v, %v", c.done, c.total, c.elapsed, got, known, c.want, c.known)
		}
	}
}
