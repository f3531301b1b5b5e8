package queries

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
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
