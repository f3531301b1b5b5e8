package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"tarn/internal/units"
)

// tarn query's progress goes to the terminal, never into the rows: the
// CSV written with it is byte for byte the CSV written without, and the
// terminal's last line gives the rows and bytes that were written.
func TestQueryProgressGoesToTheTerminalNotTheRows(t *testing.T) {
	root := governedCLILake(t)
	// One file, read in order: a cross join's rows come in any order.
	const q = "SELECT host, path, status FROM weblogs.access_log_parquet_1"
	code, plain, errOut := tarn(t, "query", "--lake", root, "--format", "csv", q)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if strings.Contains(errOut, "writing") {
		t.Errorf("progress drawn where stderr is no terminal: %q", errOut)
	}
	e := &env{ctx: context.Background(), lakeRoot: root}
	s, err := e.openSession("")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	r, err := s.Run(e.ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	var out, term bytes.Buffer
	if err := writeWithProgress(&out, &term, writers["csv"], r, time.Millisecond); err != nil {
		t.Fatal(err)
	}
	r.Close()
	if out.String() != plain {
		t.Errorf("the rows written with progress differ from those without (%d bytes against %d)", out.Len(), len(plain))
	}
	lines := strings.Split(term.String(), "\r\x1b[K")
	last := lines[len(lines)-1]
	if want := "wrote 148,534 rows, " + units.Bytes(int64(len(plain))) + ", "; !strings.HasPrefix(last, want) || !strings.HasSuffix(last, "\n") {
		t.Errorf("last progress line %q, want it to start %q", last, want)
	}
	if !strings.Contains(term.String(), "writing: ") {
		t.Errorf("no progress was drawn while writing: %q", term.String())
	}
}
