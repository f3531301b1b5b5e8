package queries

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"tarn/lake"
)

// The sandbox's folders reach DuckDB exactly as given, whatever a folder's
// name holds, and no folder at all opens nothing: the list is one string
// split on newlines unless a name holds one.
func TestSandboxAllowsExactlyTheFolders(t *testing.T) {
	root := t.TempDir()
	names := []string{"plain", "it's", `a,b`, "[x]", "sp ace", "ünï", `back\slash`, "semi;--", "new\nline"}
	for _, n := range append(names, "hidden") {
		if err := os.MkdirAll(filepath.Join(root, n), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(root, n, "f.csv"), []byte("a\n1\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name string
		dirs []string
	}{
		{"no folder", nil},
		{"one folder", folders(root, names[:1])},
		{"odd names", folders(root, names[:len(names)-1])},
		{"a name with a newline", folders(root, names)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db, conn, err := openDuck(context.Background(), sandbox(tt.dirs, ""))
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			defer conn.Close()
			var got []any
			if err := conn.QueryRowContext(context.Background(), "SELECT current_setting('allowed_directories')").Scan(&got); err != nil {
				t.Fatal(err)
			}
			var allowed []string
			for _, g := range got {
				allowed = append(allowed, fmt.Sprint(g))
			}
			want := make([]string, len(tt.dirs))
			for i, d := range tt.dirs {
				want[i] = d + "/"
			}
			slices.Sort(allowed)
			slices.Sort(want)
			if !slices.Equal(allowed, want) {
				t.Fatalf("allowed folders %q, want %q", allowed, want)
			}
			for _, n := range append(names, "hidden") {
				dir := filepath.Join(root, n)
				_, err := conn.ExecContext(context.Background(), "SELECT * FROM read_csv("+lake.SQLString(filepath.Join(dir, "f.csv"))+")")
				if may := slices.Contains(tt.dirs, dir); may != (err == nil) {
					t.Errorf("%q: may read %v, read error %v", n, may, err)
				}
			}
		})
	}
}

func folders(root string, names []string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = filepath.Join(root, n)
	}
	return out
}

// A table's folder opens that folder alone: not a sibling whose name it
// begins (x/t and x/t2), nor a way out of it through "..", a symlink or a
// glob, whichever reader, ATTACH or COPY names the path.
func TestSandboxFolderOpensNothingBesideIt(t *testing.T) {
	root := t.TempDir()
	for _, n := range []string{"x/t", "x/t2", "secret"} {
		if err := os.MkdirAll(filepath.Join(root, n), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(root, n, "f.csv"), []byte("a\n1\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	table := filepath.Join(root, "x/t")
	if err := os.Symlink(filepath.Join(root, "secret"), filepath.Join(table, "link")); err != nil {
		t.Fatal(err)
	}
	db, conn, err := openDuck(context.Background(), sandbox([]string{table}, ""))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	defer conn.Close()
	if _, err := conn.ExecContext(context.Background(), "SELECT * FROM read_csv("+lake.SQLString(table+"/f.csv")+")"); err != nil {
		t.Fatalf("the table's own file: %v", err)
	}
	for _, p := range []string{table + "2/f.csv", table + "/../t2/f.csv", table + "//../../secret/f.csv",
		table + "/link/f.csv", table + "*/f.csv", root + "/**/f.csv", "file://" + table + "2/f.csv", "f.csv"} {
		for _, q := range []string{"SELECT * FROM read_csv(%s)", "SELECT * FROM read_text(%s)", "SELECT * FROM read_blob(%s)",
			"SELECT * FROM glob(%s)", "SELECT * FROM parquet_metadata(%s)", "ATTACH %s", "COPY (SELECT 1) TO %s"} {
			q = fmt.Sprintf(q, lake.SQLString(p))
			if _, err := conn.ExecContext(context.Background(), q); err == nil || !strings.Contains(err.Error(), "Permission Error") {
				t.Errorf("%s: %v, want a permission error", q, err)
			}
		}
	}
}
