package queries

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"tarn/lake"
)

// destLake is a lake with one table, and a source file to commit.
func destLake(t *testing.T) (*lake.Lake, string) {
	t.Helper()
	l, err := lake.Create(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	l.Catalog.Put(lake.Table{Database: "sales", Name: "shops", Location: "sales/shops", Format: lake.CSV, Compression: lake.None,
		Columns: []lake.Column{{Name: "shop_name", Type: "VARCHAR"}}})
	os.MkdirAll(l.Dir(l.Catalog.Tables[0]), 0o755)
	src := filepath.Join(t.TempDir(), "export.csv")
	os.WriteFile(src, []byte("shop_name\nFORGED\n"), 0o644)
	return l, src
}

func lakeHas(t *testing.T, root, name string) bool {
	found := false
	filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		found = found || err == nil && d.Name() == name
		return nil
	})
	return found
}

// The folder is checked where the file is written: moved into the lake
// (or replaced by a link to it) while the query ran, the export still
// cannot land there.
func TestADestinationMovedIntoTheLakeIsRefused(t *testing.T) {
	l, src := destLake(t)
	out := filepath.Join(t.TempDir(), "out")
	os.Mkdir(out, 0o755)
	d, err := openDestination(l, filepath.Join(out, "forged.csv"), false)
	if err != nil {
		t.Fatal(err)
	}
	defer d.close()
	os.Rename(out, filepath.Join(l.Root, "sales", "shops", "moved")) // as the query runs
	if err := d.commit(src, false); err == nil {
		t.Error("the export was written into a folder moved into the lake")
	}
	if lakeHas(t, l.Root, "forged.csv") {
		t.Error("forged.csv is in the lake")
	}
}

func TestADestinationSwappedForALinkWritesWhereItWasChecked(t *testing.T) {
	l, src := destLake(t)
	base := t.TempDir()
	out := filepath.Join(base, "out")
	os.Mkdir(out, 0o755)
	d, err := openDestination(l, filepath.Join(out, "forged.csv"), false)
	if err != nil {
		t.Fatal(err)
	}
	defer d.close()
	os.Rename(out, out+".real")
	os.Symlink(l.Dir(l.Catalog.Tables[0]), out) // the path now leads into a table
	if err := d.commit(src, false); err != nil {
		t.Fatal(err)
	}
	if lakeHas(t, l.Root, "forged.csv") {
		t.Error("the export followed the link into the table's folder")
	}
	if _, err := os.Stat(filepath.Join(out+".real", "forged.csv")); err != nil {
		t.Errorf("the export is not in the folder that was checked: %v", err)
	}
}

// A link at the destination's name is replaced, never written through,
// and a file that appears meanwhile is not replaced without overwrite.
func TestALinkAtTheNameIsReplacedNotFollowed(t *testing.T) {
	l, src := destLake(t)
	out := t.TempDir()
	target := filepath.Join(l.Dir(l.Catalog.Tables[0]), "part.csv")
	os.WriteFile(target, []byte("shop_name\nreal\n"), 0o644)
	os.Symlink(target, filepath.Join(out, "x.csv"))
	d, err := openDestination(l, filepath.Join(out, "x.csv"), true)
	if err != nil {
		t.Fatal(err)
	}
	defer d.close()
	if err := d.commit(src, true); err != nil {
		t.Fatal(err)
	}
	if data, _ := os.ReadFile(target); string(data) != "shop_name\nreal\n" {
		t.Errorf("the table's file became %q", data)
	}
	d2, err := openDestination(l, filepath.Join(out, "y.csv"), false)
	if err != nil {
		t.Fatal(err)
	}
	defer d2.close()
	os.WriteFile(filepath.Join(out, "y.csv"), []byte("mine\n"), 0o644) // appears as the query runs
	var exists *ExistsError
	if err := d2.commit(src, false); !errors.As(err, &exists) {
		t.Errorf("a file that appeared was replaced: %v", err)
	}
	if data, _ := os.ReadFile(filepath.Join(out, "y.csv")); string(data) != "mine\n" {
		t.Errorf("y.csv became %q", data)
	}
	if entries, _ := os.ReadDir(out); len(entries) != 2 {
		t.Errorf("temporary files left: %v", entries)
	}
}

// Paths DuckDB would read differently (URLs), a table's folder that links
// outside the lake, and another tarn lake are refused too.
func TestDestinationsTarnRefuses(t *testing.T) {
	l, _ := destLake(t)
	outside := t.TempDir()
	shops := l.Dir(l.Catalog.Tables[0])
	os.Rename(shops, filepath.Join(outside, "shops-data"))
	os.Symlink(filepath.Join(outside, "shops-data"), shops)
	other := t.TempDir()
	os.WriteFile(filepath.Join(other, lake.CatalogFile), nil, 0o644)
	os.Mkdir(filepath.Join(other, "db"), 0o755)
	for path, want := range map[string]string{
		"s3://bucket/x.csv":                               "writes a local file",
		"file://" + filepath.Join(l.Root, "x.csv"):        "writes a local file",
		filepath.Join(outside, "shops-data", "extra.csv"): "inside the lake",
		filepath.Join(other, "db", "x.csv"):               "inside a tarn lake",
		filepath.Join(l.Root, "x.csv"):                    "inside the lake",
		outside + "/":                                     "that is a folder",
	} {
		if _, err := openDestination(l, path, true); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", path, err, want)
		}
	}
}

// A bind mount of a table's folder (or of the lake) is the lake: folders
// are compared by identity, not by path.
func TestABindMountOfTheLakeIsTheLake(t *testing.T) {
	l, src := destLake(t)
	for _, dir := range []string{l.Dir(l.Catalog.Tables[0]), filepath.Join(l.Root, "sales"), l.Root} {
		mnt := t.TempDir()
		if out, err := exec.Command("mount", "--bind", dir, mnt).CombinedOutput(); err != nil {
			t.Skipf("cannot bind mount (%v: %s): this test needs root", err, out)
		}
		d, err := openDestination(l, filepath.Join(mnt, "bound.csv"), false)
		if err == nil {
			d.commit(src, false)
			d.close()
			t.Errorf("an export through a bind mount of %s was not refused", dir)
		} else if !strings.Contains(err.Error(), "inside the lake") {
			t.Errorf("bind mount of %s: %v", dir, err)
		}
		exec.Command("umount", "-l", mnt).Run()
	}
	if lakeHas(t, l.Root, "bound.csv") {
		t.Error("bound.csv is in the lake")
	}
}
