package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"tarn/demo"
	"tarn/internal/units"
	"tarn/lake"
	"tarn/perms"
	"tarn/queries"
)

func runDemo(e *env, args []string) error {
	fs := e.newFlags("demo")
	bench := fs.Bool("bench", false, "add the 10 to 10,000-file layouts and gzip variants (about 53,500 files)")
	scale := fs.Int("scale", 0, "also add the access log N times larger as Parquet and CSV in 1 and 100 files (weblogs.logs_xN_parquet_1 ...)")
	walkthrough := fs.Bool("walkthrough", false, "put the policy in the walk-through's start state: the analyst holds no grant on any sales table")
	if rest, err := parseInterspersed(fs, args); err != nil {
		return err
	} else if len(rest) > 0 {
		return fmt.Errorf("demo takes no arguments, got %q", rest[0])
	} else if *scale < 0 {
		return fmt.Errorf("--scale %d: the log's size is a positive multiple, as in --scale 100", *scale)
	}
	if err := makeDemo(e, demo.Options{Bench: *bench, Scale: *scale}); err != nil || !*walkthrough {
		return err
	}
	return startWalkthrough(e)
}

// startWalkthrough resets the lake's policy to the walk-through's start
// as the policy's default persona, an administrator's edit like any other.
func startWalkthrough(e *env) error {
	l, _, persona, err := e.openGoverned("")
	if err != nil {
		return err
	}
	if err := editPolicy(e, l, persona, "demo --walkthrough", demo.StartWalkthrough, false); err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, "the walk-through starts: `tarn catalog --persona analyst` lists no sales table; "+
		"`tarn grants add analyst DESCRIBE,SELECT role=analyst` plays it")
	return nil
}

// makeDemo creates the demo lake with the command line's progress bar:
// rows written when a scaled log is in it (one file of 15 million rows
// would hold a bar of files still), files otherwise.
func makeDemo(e *env, opts demo.Options) error {
	bar := newProgressBar(e)
	bar.rows = opts.Scale > 0
	opts.Progress = bar.update
	err := createDemo(e.ctx, e.lakeRoot, opts, func() { bar.finish() }, e.stderr)
	if err != nil && e.ctx.Err() != nil {
		return fmt.Errorf("demo cancelled; the tables finished before are registered, the rest is untouched")
	}
	return err
}

// createDemo creates or completes the demo lake at root, reporting
// progress while it writes files, then what it did to out.
func createDemo(ctx context.Context, root string, opts demo.Options, written func(), out io.Writer) error {
	l, err := lake.Create(root)
	if err != nil {
		return err
	}
	rep, err := demo.Create(ctx, l, opts)
	written()
	for _, k := range rep.Kept {
		fmt.Fprintln(out, "kept", k)
	}
	if err != nil {
		return err
	}
	if wrote, err := demo.WritePolicy(l.Root, l.Catalog, queries.CheckRowFilter); err != nil {
		return fmt.Errorf("demo policy: %w", err)
	} else if wrote {
		fmt.Fprintf(out, "wrote the demo policy (personas admin, leader, analyst, sales_east) to %s\n", perms.PolicyFile)
	}
	if wrote, err := queries.WriteDemoSaved(l.Root); err != nil {
		return fmt.Errorf("demo saved queries: %w", err)
	} else if wrote {
		fmt.Fprintf(out, "wrote the source's three queries (full, like, projection) to %s\n", queries.SavedFile)
	}
	fmt.Fprintf(out, "demo lake %s: %s written, %s already complete (%.1fs)\n",
		l.Root, queries.Plural(len(rep.Written), "table"), queries.Plural(len(rep.UpToDate), "table"), rep.Elapsed.Seconds())
	if _, ok := l.Catalog.Lookup("weblogs", demo.LogTable(lake.Layout{Format: lake.CSV, Compression: lake.None, Files: 10000}, 0).Name); !ok && !opts.Bench {
		fmt.Fprintln(out, "`tarn demo --bench` adds the 10 to 10,000-file layouts for the format benchmark")
	}
	return nil
}

// progressBar draws demo progress on stderr: a redrawn bar on a terminal,
// a line per table otherwise (CI logs).
type progressBar struct {
	e       *env
	mu      sync.Mutex
	tty     bool
	rows    bool // demo progress in rows, not files
	last    time.Time
	table   string
	started bool
	began   time.Time // the first draw: rates and time left count from it
}

func newProgressBar(e *env) *progressBar {
	return &progressBar{e: e, tty: isTerminal(e.stderr)}
}

func (p *progressBar) update(pr demo.Progress) {
	p.mu.Lock()
	if !p.started {
		p.started = true
		fmt.Fprintf(p.e.stderr, "writing %s, about %s on disk\n", queries.Plural(int(pr.FilesTotal), "file"), units.Bytes(pr.EstimatedBytes))
	}
	p.mu.Unlock()
	if p.rows {
		p.draw(pr.RowsDone, pr.RowsTotal, "rows", pr.Table)
		return
	}
	p.draw(pr.FilesDone, pr.FilesTotal, "files", pr.Table)
}

// draw shows done of total units and what is being worked on: redrawn
// at most every 80 ms on a terminal, a line per new label otherwise.
func (p *progressBar) draw(done, total int64, units, label string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.redraw(label, done == total) {
		return
	}
	p.render(done, total, countsLeft(done, total, units, time.Since(p.began))+"  "+label)
}

// drawBytes shows done of total bytes read elapsed after the work began,
// their rate and, when the total is known, the time left; written, when
// not 0, is the bytes written so far.
func (p *progressBar) drawBytes(done, total, written int64, elapsed time.Duration, label string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.redraw(label, false) {
		return
	}
	if total <= 0 { // only what was written is known
		p.render(0, 1, fmt.Sprintf("%s: %s written, %s/s", label, units.Bytes(written), units.Bytes(perSecond(written, elapsed))))
		return
	}
	text := label + ": " + bytesLeft(done, total, elapsed)
	if written > 0 {
		text += ", " + units.Bytes(written) + " written"
	}
	p.render(done, total, text)
}

// countsLeft is "1,234/10,000 rows, 456/s, 19s left".
func countsLeft(done, total int64, units string, elapsed time.Duration) string {
	text := fmt.Sprintf("%s/%s %s, %s/s", queries.FormatCount(done), queries.FormatCount(total), units, queries.FormatCount(perSecond(done, elapsed)))
	if left, ok := lake.TimeLeft(done, total, elapsed); ok && done < total {
		text += fmt.Sprintf(", %s left", left)
	}
	return text
}

// bytesLeft is "1.1 GiB of 2.6 GiB, 85.3 MiB/s, 17s left".
func bytesLeft(done, total int64, elapsed time.Duration) string {
	text := fmt.Sprintf("%s of %s, %s/s", units.Bytes(done), units.Bytes(total), units.Bytes(perSecond(done, elapsed)))
	if left, ok := lake.TimeLeft(done, total, elapsed); ok {
		text += fmt.Sprintf(", %s left", left)
	}
	return text
}

func perSecond(n int64, elapsed time.Duration) int64 {
	return int64(float64(n) / max(elapsed.Seconds(), 0.001))
}

// redraw says whether to draw the bar now: at most every 80 ms on a
// terminal (and always at the end); elsewhere a line per new label, and
// never a bar.
func (p *progressBar) redraw(label string, end bool) bool {
	if !p.started {
		p.began = time.Now()
	}
	p.started = true
	if !p.tty {
		if label != p.table {
			p.table = label
			fmt.Fprintf(p.e.stderr, "  %s\n", label)
		}
		return false
	}
	if time.Since(p.last) < 80*time.Millisecond && !end {
		return false
	}
	p.last = time.Now()
	return true
}

// render redraws the bar at done of total with text after it.
func (p *progressBar) render(done, total int64, text string) {
	const width = 30
	done = min(done, total)
	filled := int(int64(width) * done / max(total, 1))
	fmt.Fprintf(p.e.stderr, "\r\x1b[K[%s%s] %3d%% %s",
		strings.Repeat("█", filled), strings.Repeat("·", width-filled), 100*done/max(total, 1), text)
}

func (p *progressBar) finish() {
	if p.tty && p.started {
		fmt.Fprintln(p.e.stderr)
	}
}
