package main

import (
	"bytes"
	"context"
	"io"
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
	var out bytes.Buffer
	lines := writtenWithProgress(t, root, q, &out)
	if out.String() != plain {
		t.Errorf("the rows written with progress differ from those without (%d bytes against %d)", out.Len(), len(plain))
	}
	last := lines[len(lines)-1]
	if want := "wrote 148,534 rows, " + units.Bytes(int64(len(plain))) + ", "; !strings.HasPrefix(last, want) || !strings.HasSuffix(last, "\n") {
		t.Errorf("last progress line %q, want it to start %q", last, want)
	}
	if !strings.Contains(strings.Join(lines, ""), "writing: ") {
		t.Errorf("no progress was drawn while writing: %q", lines)
	}
}

// writtenWithProgress writes q's rows as CSV to out with tarn query's
// progress line, redrawn every millisecond, and returns the lines drawn.
func writtenWithProgress(t *testing.T, root, q string, out io.Writer) []string {
	t.Helper()
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
	var term bytes.Buffer
	if err := writeWithProgress(out, &term, writers["csv"], r, time.Millisecond); err != nil {
		t.Fatal(err)
	}
	r.Close()
	return strings.Split(term.String(), "\r\x1b[K")
}

// slowDisk takes bytes as a slow disk does: a pause every 64 KiB.
type slowDisk struct{ n int }

func (d *slowDisk) Write(p []byte) (int, error) {
	if d.n/(64<<10) != (d.n+len(p))/(64<<10) {
		time.Sleep(4 * time.Millisecond)
	}
	d.n += len(p)
	return len(p), nil
}

// While tarn query writes a scan's rows, its line gives DuckDB's
// percentage and the time left; the line left at the end gives what was
// written only. A query DuckDB cannot estimate (rows from a function)
// gets the line without them.
func TestQueryProgressGivesPercentageAndTimeLeft(t *testing.T) {
	root := governedCLILake(t)
	lines := writtenWithProgress(t, root, "SELECT * FROM weblogs.access_log_parquet_1", &slowDisk{})
	var estimated []string
	for _, line := range lines[:len(lines)-1] {
		if strings.Contains(line, "%, ~") && strings.HasSuffix(line, " left (ctrl+c stops)") {
			estimated = append(estimated, line)
		}
	}
	if len(estimated) == 0 {
		t.Errorf("no line gave a percentage and a time left: %q", lines[len(lines)-2])
	}
	if last := lines[len(lines)-1]; strings.Contains(last, "%") || strings.Contains(last, "left") {
		t.Errorf("the final line %q gives an estimate", last)
	}
	lines = writtenWithProgress(t, root, "SELECT unnest(generate_series(1, 500000)) AS i", &slowDisk{})
	if drawn := strings.Join(lines, ""); strings.Contains(drawn, "%") || strings.Contains(drawn, "left") {
		t.Errorf("a query DuckDB cannot estimate got an estimate: %q", lines[len(lines)/2])
	}
}
