package main

import (
	"fmt"
	"strings"
	"time"

	"tarn/lake"
	"tarn/queries"
)

func runCrawl(e *env, args []string) error {
	fs := e.newFlags("crawl")
	update := fs.Bool("update", false, "apply schema changes found in registered tables")
	rest, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(rest) > 1 {
		return fmt.Errorf("crawl takes at most one PATH, got %d", len(rest))
	}
	l, err := e.openLake()
	if err != nil {
		return err
	}
	dir := l.Root
	if len(rest) == 1 {
		dir = rest[0]
	}
	progress := &crawlProgress{e: e, tty: isTerminal(e.stderr)}
	rep, err := l.Crawl(e.ctx, lake.CrawlOptions{Dir: dir, Update: *update, Check: func(before, after *lake.Catalog, t lake.Table) error {
		return crawlPolicyFollows(e, before, after, t)
	}, Progress: progress.show})
	if err != nil && e.ctx.Err() != nil {
		return fmt.Errorf("crawl cancelled; lake.toml is as it was")
	}
	for _, t := range rep.Registered {
		fmt.Fprintf(e.stdout, "registered %s (%s, %s rows) from %s\n", t.QualifiedName(), t.Format, queries.FormatCount(t.Rows), t.Location)
	}
	for _, c := range rep.Changed {
		verb := "changed   "
		if *update {
			verb = "updated   "
		}
		fmt.Fprintln(e.stdout, verb, queries.Printable(c))
	}
	for _, r := range rep.Refused {
		fmt.Fprintln(e.stderr, "refused", queries.Printable(r))
	}
	for _, s := range rep.Skipped {
		fmt.Fprintln(e.stderr, "skipped", queries.Printable(s))
	}
	refused := ""
	if len(rep.Refused) > 0 {
		refused = fmt.Sprintf(", %d refused", len(rep.Refused))
	}
	fmt.Fprintf(e.stdout, "crawl: %d registered, %d changed, %d unchanged, %d skipped%s\n",
		len(rep.Registered), len(rep.Changed), rep.Unchanged, len(rep.Skipped), refused)
	if err != nil {
		return err
	}
	if len(rep.Refused) > 0 {
		return fmt.Errorf("%d changed %s refused; the catalog keeps them as they were",
			len(rep.Refused), map[bool]string{true: "table was", false: "tables were"}[len(rep.Refused) == 1])
	}
	if len(rep.Changed) > 0 && !*update {
		fmt.Fprintln(e.stdout, "run `tarn crawl --update` to apply the changed schemas")
	}
	if len(rep.Skipped) > 0 {
		return fmt.Errorf("%d skipped (files or folders); the rest is registered", len(rep.Skipped))
	}
	return nil
}

// crawlPolicyFollows checks a table's change found by crawl --update
// against the policy, as import --replace does: a column gone that the
// policy names is refused with the entries to edit (dropping them could
// widen access), and each new column, which inherits the table's tags, is
// reported with who may read it.
func crawlPolicyFollows(e *env, before, after *lake.Catalog, t lake.Table) error {
	pol, broken, err := newlyBroken(e, before, after)
	if err != nil {
		return err
	}
	if len(broken) > 0 {
		return fmt.Errorf("the policy names what the folder no longer has (%s); edit policy.toml first, then crawl --update again",
			strings.Join(broken, "; "))
	}
	if err := refuseLookAlikes(pol, before, after, t.Database, t.Name); err != nil {
		return err
	}
	reportNewColumns(e, pol, before, after, t.Database, t.Name)
	return nil
}

// crawlProgress shows how far a crawl is on stderr: folders done of all,
// their rate and the current one; redrawn on a terminal every 100 ms, a
// line every 2 s otherwise (CI logs), and a last line when done.
type crawlProgress struct {
	e    *env
	tty  bool
	last time.Time
}

func (p *crawlProgress) show(pr lake.CrawlProgress) {
	done := pr.Done == pr.Total
	every := map[bool]time.Duration{true: 100 * time.Millisecond, false: 2 * time.Second}[p.tty]
	if pr.Total == 0 || (!done && time.Since(p.last) < every) {
		return
	}
	p.last = time.Now()
	elapsed := time.Since(pr.Started).Seconds()
	line := fmt.Sprintf("crawled %s/%s folders, %.0f/s, %.1fs", queries.FormatCount(int64(pr.Done)),
		queries.FormatCount(int64(pr.Total)), float64(pr.Done)/max(elapsed, 0.001), elapsed)
	if left, ok := lake.TimeLeft(int64(pr.Done), int64(pr.Total), time.Since(pr.Started)); ok && !done {
		line += fmt.Sprintf(", %s left", left)
	}
	if !done {
		line += "  " + queries.Printable(pr.Folder)
	}
	if p.tty {
		fmt.Fprint(p.e.stderr, "\r\x1b[K"+line)
		if done {
			fmt.Fprintln(p.e.stderr)
		}
		return
	}
	fmt.Fprintln(p.e.stderr, line)
}
