package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A PATH names a folder of the lake wherever the command runs: relative
// to the lake's root, or absolute and inside it.
func TestCrawlPathIsRelativeToTheLake(t *testing.T) {
	root := smallLake(t)
	os.MkdirAll(filepath.Join(root, "raw", "events"), 0o755)
	os.WriteFile(filepath.Join(root, "raw", "events", "a.csv"), []byte("id,kind\n1,click\n"), 0o644)
	for _, c := range []struct {
		path string
		code int
		want string
	}{
		{"raw/events", 0, "registered raw.events (csv, 1 rows) from raw/events"},
		{filepath.Join(root, "raw"), 0, "crawl: 0 registered, 0 changed, 1 unchanged, 0 skipped"},
		{"../elsewhere", 1, "is outside the lake " + root},
		{t.TempDir(), 1, "is outside the lake " + root},
		{"raw/missing", 1, "raw/missing: not a directory inside the lake"},
	} {
		code, out, errOut := tarn(t, "crawl", c.path, "--lake", root)
		if code != c.code || !strings.Contains(out+errOut, c.want) {
			t.Errorf("crawl %s: exit %d, want %d and %q:\n%s%s", c.path, code, c.code, c.want, out, errOut)
		}
	}
}
