package atomicfile_test

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	"tarn/internal/atomicfile"
)

var errInjected = errors.New("disk full (injected)")

func TestWriteFileSurvivesFailureMidWrite(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "lake.toml")
	const previous = "[[table]]\ndatabase = \"whole\"\n"
	if err := os.WriteFile(path, []byte(previous), 0o644); err != nil {
		t.Fatal(err)
	}
	err := atomicfile.WriteFile(path, func(w io.Writer) error {
		io.WriteString(w, "[[table]]\ndatabase = \"half")
		return errInjected
	})
	if !errors.Is(err, errInjected) {
		t.Fatalf("error %v, want the injected one", err)
	}
	if got, _ := os.ReadFile(path); string(got) != previous {
		t.Errorf("the previous file changed:\n%s", got)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("temp files left behind: %v", entries)
	}
}
