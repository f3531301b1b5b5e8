package lake

import (
	"context"
	"database/sql"
	"fmt"
	"maps"
	"path"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"
)

// crawlWorkers is how many folders a crawl reads at once, each on its own
// DuckDB connection. Reading a folder of small files is mostly DuckDB's
// fixed cost per statement (sniffing a CSV file, opening a Parquet
// footer), which one connection runs on one core.
var crawlWorkers = max(2, runtime.NumCPU())

// shareOut sets db up for a crawl of folders: a connection for each
// worker (it holds it while it reads), and with a folder for every
// worker, each DuckDB statement on one thread
// (a statement over a few small files spent 40% more CPU time with two:
// 3.5 instead of 5.3 ms per Parquet table, 3.9 instead of 7.6 per CSV
// table, on the generated tree).
func shareOut(db *sql.DB, folders int) error {
	db.SetMaxOpenConns(max(1, min(crawlWorkers, folders)))
	if folders < crawlWorkers {
		return nil
	}
	if _, err := db.Exec("SET threads=1"); err != nil {
		return fmt.Errorf("duckdb: %w", err)
	}
	return nil
}

// CrawlProgress is how far a crawl is: Done of Total folders applied,
// Folder the one being applied, since Started.
type CrawlProgress struct {
	Done, Total int
	Folder      string
	Started     time.Time
}

// crawlJob is one data folder to read.
type crawlJob struct {
	rel      string
	kind     fileKind
	files    []string // sorted
	existing *Table   // the table registered at rel, if any
	mixed    string   // why the folder is skipped unread, if it is
}

// inspection is what reading a job's folder found.
type inspection struct {
	table       Table
	ok          bool // table is the folder's table
	CrawlReport      // the files left out (Skipped), in report order
}

func (r *inspection) skip(why string) { r.Skipped = append(r.Skipped, why) }

// crawl is one crawl's state while its folders are applied in order:
// the catalog's folders and names indexed, so that checking a new folder
// does not scan every table (10,000 tables made that quadratic).
type crawl struct {
	l         *Lake
	opts      CrawlOptions
	rep       *CrawlReport
	locations map[string]Table // tables by folder
	holds     map[string]bool  // folders that hold a table's folder
	names     map[string]bool  // database.name taken
	started   time.Time
}

func newCrawl(l *Lake, opts CrawlOptions, rep *CrawlReport) *crawl {
	c := &crawl{l: l, opts: opts, rep: rep, locations: map[string]Table{}, holds: map[string]bool{},
		names: map[string]bool{}, started: time.Now()}
	for _, t := range l.Catalog.Tables {
		c.index(t)
	}
	return c
}

func (c *crawl) index(t Table) {
	c.locations[t.Location] = t
	c.names[t.QualifiedName()] = true
	for dir := path.Dir(t.Location); dir != "." && dir != "/"; dir = path.Dir(dir) {
		c.holds[dir] = true
	}
}

// plan lists the folders' jobs in the order they are applied.
func (c *crawl) plan(folders map[string]map[string][]string) []crawlJob {
	var jobs []crawlJob
	for _, rel := range slices.Sorted(maps.Keys(folders)) {
		kinds := folders[rel]
		if len(kinds) > 1 {
			jobs = append(jobs, crawlJob{rel: rel, mixed: fmt.Sprintf("%s: mixes %s files; put each format in its own folder", rel, strings.Join(slices.Sorted(maps.Keys(kinds)), " and "))})
			continue
		}
		for ext, files := range kinds {
			kind, _ := kindOf("x" + ext)
			job := crawlJob{rel: rel, kind: kind, files: slices.Sorted(slices.Values(files))}
			if t, ok := c.locations[rel]; ok {
				job.existing = &t
			}
			jobs = append(jobs, job)
		}
	}
	return jobs
}

// inspectAll reads the jobs' folders on crawlWorkers connections, in
// order; results[i] delivers job i's inspection. wait returns once every
// worker has stopped (after ctx is cancelled, they stop at once).
func inspectAll(ctx context.Context, db *sql.DB, jobs []crawlJob) (results []chan inspection, wait func()) {
	results = make([]chan inspection, len(jobs))
	for i := range results {
		results[i] = make(chan inspection, 1)
	}
	next := make(chan int, len(jobs))
	for i := range jobs {
		next <- i
	}
	close(next)
	var wg sync.WaitGroup
	for range min(crawlWorkers, len(jobs)) {
		wg.Go(func() {
			conn := openCrawlConn(ctx, db)
			defer conn.Close()
			for i := range next {
				results[i] <- inspect(ctx, conn, jobs[i])
			}
		})
	}
	return results, wg.Wait
}

func inspect(ctx context.Context, db *crawlConn, job crawlJob) inspection {
	switch {
	case ctx.Err() != nil || job.mixed != "":
		return inspection{}
	case job.existing != nil:
		return inspectRegistered(ctx, db, job)
	}
	return inspectNew(ctx, db, job)
}

// apply puts what a folder's inspection found into the catalog and the
// report, as a crawl of that folder alone would.
func (c *crawl) apply(job crawlJob, res inspection) {
	rep := c.rep
	switch {
	case job.mixed != "":
		rep.Skipped = append(rep.Skipped, job.mixed)
		return
	case job.existing != nil:
		rep.Skipped = append(rep.Skipped, res.Skipped...)
		if res.ok {
			c.recrawl(*job.existing, res.table)
		}
		return
	}
	db, name, err := c.name(job.rel)
	if err != nil {
		rep.Skipped = append(rep.Skipped, fmt.Sprintf("%s: %v", job.rel, err))
		return
	}
	rep.Skipped = append(rep.Skipped, res.Skipped...)
	if !res.ok {
		return
	}
	t := res.table
	t.Database, t.Name = db, name
	c.l.Catalog.Tables = append(c.l.Catalog.Tables, t) // new: no table has its name
	c.index(t)
	rep.Registered = append(rep.Registered, t)
}

// name gives a new folder its table's names: those it derives, with a
// numeric suffix if taken; an error if the folder cannot be a table's.
func (c *crawl) name(rel string) (string, string, error) {
	if c.conflicts(rel) {
		return "", "", c.l.Catalog.FolderConflict(rel)
	}
	db, base, err := derivedName(rel)
	if err != nil {
		return "", "", err
	}
	name := base
	for i := 2; c.names[db+"."+name]; i++ {
		name = fmt.Sprintf("%s_%d", base, i)
	}
	return db, name, nil
}

// conflicts says whether a table owns rel, a folder holding it or one
// inside it (Catalog.FolderConflict says which).
func (c *crawl) conflicts(rel string) bool {
	if _, ok := c.locations[rel]; ok || c.holds[rel] {
		return true
	}
	for dir := path.Dir(rel); dir != "." && dir != "/"; dir = path.Dir(dir) {
		if _, ok := c.locations[dir]; ok {
			return true
		}
	}
	return false
}

func (c *crawl) progress(done, total int, folder string) {
	if c.opts.Progress != nil {
		c.opts.Progress(CrawlProgress{Done: done, Total: total, Folder: folder, Started: c.started})
	}
}
