package queries

import (
	"bytes"
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"tarn/internal/testlake"
	"tarn/lake"
	"tarn/perms"
)

// numsQuery reads only the row groups whose statistics admit v >= 1500,
// so its data scanned and its rows both depend on what each file holds.
const numsQuery = "SELECT v FROM t.nums WHERE v >= 1500 ORDER BY v"

// numsLake is a lake with one Parquet table, t.nums, of two files of one
// BIGINT column v: a.parquet holds 0..999, b.parquet 1000..1999.
func numsLake(t *testing.T, duck *sql.DB) *lake.Lake {
	t.Helper()
	l, err := lake.Create(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	table := lake.Table{Database: "t", Name: "nums", Location: "t/nums", Format: lake.Parquet, Compression: lake.None,
		Columns: lake.Columns{{Name: "v", Type: "BIGINT"}}}
	if err := os.MkdirAll(l.Dir(table), 0o755); err != nil {
		t.Fatal(err)
	}
	writeNums(t, duck, filepath.Join(l.Dir(table), "a.parquet"), 0, 1000)
	writeNums(t, duck, filepath.Join(l.Dir(table), "b.parquet"), 1000, 1000)
	l.Catalog.Put(table)
	if err := l.Save(); err != nil {
		t.Fatal(err)
	}
	return l
}

// writeNums writes n numbers from first to path, replacing it in place
// (same inode), as an editor or a careless copy would.
func writeNums(t *testing.T, duck *sql.DB, path string, first, n int) {
	t.Helper()
	tmp := filepath.Join(t.TempDir(), "nums.parquet")
	q := "COPY (SELECT range AS v FROM range(?, ?)) TO '" + tmp + "' (FORMAT parquet, COMPRESSION uncompressed)"
	if _, err := duck.Exec(q, first, first+n); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(tmp)
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.Write(data); err != nil {
		t.Fatal(err)
	}
}

// numsFigures runs numsQuery in a new session: its data scanned and rows.
func numsFigures(t *testing.T, l *lake.Lake) (int64, []int64) {
	t.Helper()
	ctx := context.Background()
	s, err := Open(ctx, l, perms.AdminOnly(), "admin")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	r, err := s.Run(ctx, numsQuery)
	if err != nil {
		t.Fatal(err)
	}
	var rows []int64
	err = r.Each(func(row []any) error {
		rows = append(rows, row[0].(int64))
		return nil
	})
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	if err != nil {
		t.Fatal(err)
	}
	return r.Stats().DataScanned, rows
}

// forgetFooters drops this process's footer caches, as a new tarn starts
// without them: only the lake's stored cache is left.
func forgetFooters() {
	footerCaches.Lock()
	footerCaches.m = map[string]*footerCache{}
	footerCaches.Unlock()
}

// TestStaleFooterCacheNeverChangesAResult changes the lake behind a stored
// footer cache (and this process's own) in every way the cache must
// notice, and compares the figures with those of the same files in a lake
// that never had a cache.
func TestStaleFooterCacheNeverChangesAResult(t *testing.T) {
	duck := testlake.OpenDuck(t)
	a := func(l *lake.Lake) string { return filepath.Join(l.Root, "t", "nums", "a.parquet") }
	cases := []struct {
		name   string
		change func(t *testing.T, l *lake.Lake)
	}{
		{"same size, new mtime", func(t *testing.T, l *lake.Lake) {
			before := sizeOf(t, a(l))
			writeNums(t, duck, a(l), 1000, 1000)
			if sizeOf(t, a(l)) != before {
				t.Fatalf("the rewrite changed the size (%d -> %d): this case needs the same size", before, sizeOf(t, a(l)))
			}
			later := time.Now().Add(time.Hour)
			if err := os.Chtimes(a(l), later, later); err != nil {
				t.Fatal(err)
			}
		}},
		{"same size, mtime set back", func(t *testing.T, l *lake.Lake) {
			info, err := os.Stat(a(l))
			if err != nil {
				t.Fatal(err)
			}
			writeNums(t, duck, a(l), 1000, 1000)
			if err := os.Chtimes(a(l), info.ModTime(), info.ModTime()); err != nil {
				t.Fatal(err)
			}
			if sizeOf(t, a(l)) != info.Size() {
				t.Fatal("the rewrite changed the size: this case needs the same size")
			}
		}},
		{"new size", func(t *testing.T, l *lake.Lake) {
			writeNums(t, duck, a(l), 1000, 3000)
		}},
		{"corrupt cache file", func(t *testing.T, l *lake.Lake) {
			writeNums(t, duck, a(l), 1000, 1000)
			testlake.WriteFile(t, filepath.Join(l.Root, FootersFile), "PAR1 not a gob at all")
		}},
		{"a damaged cache file that still decodes", func(t *testing.T, l *lake.Lake) {
			writeNums(t, duck, a(l), 1000, 1000)
			// The stored footers made to fit the new file's version, with
			// the old checksum: only the checksum tells them apart.
			path := filepath.Join(l.Root, FootersFile)
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			entries := loadFooters(path)
			entries[a(l)].version = lake.StatVersion(a(l)).String()
			var buf bytes.Buffer
			if err := encodeFooters(&buf, entries); err != nil {
				t.Fatal(err)
			}
			testlake.WriteFile(t, path, buf.String()+string(data[len(data)-4:]))
		}},
		{"another lake's cache", func(t *testing.T, l *lake.Lake) {
			other := numsLake(t, duck)
			numsFigures(t, other)
			data, err := os.ReadFile(filepath.Join(other.Root, FootersFile))
			if err != nil {
				t.Fatal(err)
			}
			writeNums(t, duck, a(l), 1000, 2000)
			testlake.WriteFile(t, filepath.Join(l.Root, FootersFile), string(data))
		}},
	}
	for _, c := range cases {
		for _, restart := range []bool{false, true} {
			name := c.name + ", same process"
			if restart {
				name = c.name + ", new process"
			}
			t.Run(name, func(t *testing.T) {
				l := numsLake(t, duck)
				if scanned, rows := numsFigures(t, l); scanned == 0 || len(rows) != 500 {
					t.Fatalf("before the change: %d bytes scanned, %d rows; want some bytes and 500 rows", scanned, len(rows))
				}
				if _, err := os.Stat(filepath.Join(l.Root, FootersFile)); err != nil {
					t.Fatalf("no footer cache stored: %v", err)
				}
				c.change(t, l)
				if restart {
					forgetFooters()
				}
				scanned, rows := numsFigures(t, l)
				wantScanned, wantRows := numsFigures(t, uncachedCopy(t, l))
				if scanned != wantScanned || !slices.Equal(rows, wantRows) {
					t.Errorf("after the change: %d bytes scanned and %d rows; a lake without a cache: %d bytes, %d rows", scanned, len(rows), wantScanned, len(wantRows))
				}
			})
		}
	}
}

// TestStoredFootersAreUsed shows the stored cache is read at all (else the
// test above would pass with a cache that is never used): a forged entry
// for the file's current version changes the figure.
func TestStoredFootersAreUsed(t *testing.T) {
	l := numsLake(t, testlake.OpenDuck(t))
	scanned, _ := numsFigures(t, l)
	forgetFooters()
	path := filepath.Join(l.Root, FootersFile)
	entries := loadFooters(path)
	if len(entries) != 2 {
		t.Fatalf("the stored cache holds %d footers, want 2", len(entries))
	}
	for _, m := range entries {
		m.footer += 1000
	}
	c := &footerCache{file: path, entries: entries}
	c.save()
	forged, _ := numsFigures(t, l)
	if forged != scanned+2000 {
		t.Errorf("with every stored footer 1000 bytes longer, %d bytes scanned; want %d+2000, both files' footers (the stored cache is not used)", forged, scanned)
	}
}

func sizeOf(t *testing.T, path string) int64 {
	t.Helper()
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return info.Size()
}

// uncachedCopy copies l's catalog and table files to a new lake, without
// its .tarn folder.
func uncachedCopy(t *testing.T, l *lake.Lake) *lake.Lake {
	t.Helper()
	root := t.TempDir()
	for _, rel := range []string{lake.CatalogFile, "t/nums/a.parquet", "t/nums/b.parquet"} {
		data, err := os.ReadFile(filepath.Join(l.Root, rel))
		if err != nil {
			t.Fatal(err)
		}
		testlake.WriteFile(t, filepath.Join(root, rel), string(data))
	}
	c, err := lake.Open(root)
	if err != nil {
		t.Fatal(err)
	}
	return c
}
