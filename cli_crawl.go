package main

import (
	"fmt"

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
	rep, err := l.Crawl(e.ctx, dir, *update)
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
	for _, s := range rep.Skipped {
		fmt.Fprintln(e.stderr, "skipped", queries.Printable(s))
	}
	fmt.Fprintf(e.stdout, "crawl: %d registered, %d changed, %d unchanged, %d skipped\n",
		len(rep.Registered), len(rep.Changed), rep.Unchanged, len(rep.Skipped))
	if err != nil {
		return err
	}
	if len(rep.Changed) > 0 && !*update {
		fmt.Fprintln(e.stdout, "run `tarn crawl --update` to apply the changed schemas")
	}
	if len(rep.Skipped) > 0 {
		return fmt.Errorf("%d skipped (files or folders); the rest is registered", len(rep.Skipped))
	}
	return nil
}
