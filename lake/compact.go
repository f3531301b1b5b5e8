package lake

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"tarn/internal/atomicfile"
)

// OriginCompact marks a table compact rewrote: the demo then leaves it
// alone rather than writing its old layout back.
const OriginCompact = "compact"

// CompactOptions say how to rewrite a table.
type CompactOptions struct {
	TargetSize  int64       // bytes a file; 0 is DefaultTargetSize
	Format      Format      // "" keeps the table's format (and compression)
	Compression Compression // "" keeps the table's, or none with a new Format
	// Persona is who asked, for the audit log.
	Persona string
	// Progress, if set, hears each step as it finishes, and "write" every
	// 100 ms while the files are written.
	Progress func(CompactProgress)
}

// CompactStep names a point in a compaction. Until StepSwitch the table
// is its old files; from StepSwitch on it is its new ones.
type CompactStep string

const (
	StepPlan    CompactStep = "plan"    // intent recorded in .tarn/compact/
	StepWrite   CompactStep = "write"   // new files being written, hidden
	StepWritten CompactStep = "written" // new files written and synced
	StepCheck   CompactStep = "check"   // rows and checksums equal
	StepInstall CompactStep = "install" // new folder in place, catalog not yet saved
	StepSwitch  CompactStep = "switch"  // catalog saved: the table is its new files
	StepRemove  CompactStep = "remove"  // old files removed
)

// CompactSteps are the steps in order, for progress bars.
var CompactSteps = []CompactStep{StepPlan, StepWrite, StepWritten, StepCheck, StepInstall, StepSwitch, StepRemove}

// CompactProgress is where a compaction is.
type CompactProgress struct {
	Step    CompactStep
	Written int64 // bytes of new files so far
	// Read is how much of the old files' Total bytes were read while
	// writing (0 where that cannot be known), for a rate and time left.
	Read, Total int64
	Elapsed     time.Duration
}

// CompactReport says what a compaction did.
type CompactReport struct {
	Before, After           Table
	BeforeFiles, AfterFiles FileStats
	Rows                    int64
	// Switched says the catalog names the new files: the table was
	// compacted, even if removing the old files then failed.
	Switched bool
	// Kept lists what stayed in the old folder because it was not the
	// table's data (excluded or unrelated files), so the folder stayed.
	Kept []string
	// Cleaned lists leftovers of an interrupted compaction removed first.
	Cleaned []string
}

// ErrMismatch is a check that found the new files' rows differ.
var ErrMismatch = errors.New("the new files do not hold the same rows")

// Compact rewrites table name's files into as few as opts.TargetSize
// allows. The new files are written into a hidden folder, checked against
// the old ones (row count and every column's checksum), moved to a new
// sibling folder, and the catalog switched to it in one atomic save; only
// then are the old files removed. Until the switch the table is its old
// files, after it its new ones; a journal in .tarn/compact/ lets the next
// compaction of the table clean what an interrupted one left. A cancel
// before the switch removes what was written; after it, it is ignored.
func (l *Lake) Compact(ctx context.Context, name string, opts CompactOptions) (rep CompactReport, err error) {
	if err := l.reloadLocked(); err != nil {
		return rep, err
	}
	t, ok := l.Catalog.Find(name)
	if !ok {
		return rep, fmt.Errorf("compact: no table %s in the catalog", name)
	}
	name = t.QualifiedName() // the journal's and the lock's name, however it was typed
	unlock, err := l.lockCompaction(name)
	if err != nil {
		return rep, err
	}
	defer unlock()
	if rep.Cleaned, err = l.cleanCompaction(name); err != nil {
		return rep, err
	}
	c := &compaction{l: l, opts: opts, start: time.Now()}
	if err := c.plan(name); err != nil {
		return rep, err
	}
	rep.Before, rep.After, rep.BeforeFiles = c.old, c.new, c.oldStats
	if err := c.rewrite(ctx); err != nil {
		return rep, l.auditCompact(rep, opts.Persona, c.abandon(err))
	}
	if err := c.install(); err != nil {
		return rep, l.auditCompact(rep, opts.Persona, c.abandon(err))
	}
	// Switched: the table is its new files, whatever happens next.
	rep.After, rep.Rows, rep.Switched = c.new, c.new.Rows, true
	rep.AfterFiles, _ = l.Stat(c.new)
	rep.Kept, err = l.removeTableFiles(c.old)
	c.step(StepRemove)
	if err == nil {
		err = os.Remove(l.journalPath(c.old.QualifiedName()))
	}
	return rep, l.auditCompact(rep, opts.Persona, err)
}

// reloadLocked reads lake.toml afresh, under the catalog's lock.
func (l *Lake) reloadLocked() error {
	unlock, err := l.lockCatalog()
	if err != nil {
		return err
	}
	defer unlock()
	return l.reload()
}

// compaction is one Compact in progress.
type compaction struct {
	l        *Lake
	opts     CompactOptions
	start    time.Time
	old, new Table
	oldStats FileStats
	staging  string // absolute
	written  atomic.Int64
	read     func() int64 // bytes of the old files read, once writing began
}

func (c *compaction) step(s CompactStep) {
	if c.opts.Progress == nil {
		return
	}
	p := CompactProgress{Step: s, Written: c.written.Load(), Total: c.oldStats.Bytes, Elapsed: time.Since(c.start)}
	if c.read != nil {
		p.Read = min(c.read(), p.Total)
	}
	c.opts.Progress(p)
}

// plan picks the new folder and layout and records them in the journal.
func (c *compaction) plan(name string) error {
	t, ok := c.l.Catalog.Find(name)
	if !ok {
		return fmt.Errorf("compact: no table %s in the catalog", name)
	}
	st, err := c.l.Stat(t)
	if err != nil {
		return fmt.Errorf("compact: %w", err)
	}
	c.old, c.oldStats = t, st
	c.new = t
	c.new.Location = c.l.newLocation(t)
	c.new.Pattern, c.new.Exclude, c.new.UnionByName, c.new.Origin = "", nil, false, OriginCompact
	if c.opts.Format != "" {
		c.new.Format, c.new.Compression = c.opts.Format, None
	}
	if c.opts.Compression != "" {
		c.new.Compression = c.opts.Compression
	}
	if err := validateTable(c.new); err != nil {
		return fmt.Errorf("compact: %v", err)
	}
	if c.opts.TargetSize == 0 {
		c.opts.TargetSize = DefaultTargetSize
	}
	if c.opts.TargetSize < 1<<10 {
		return fmt.Errorf("compact: --target-size %d bytes is too small (at least 1KB)", c.opts.TargetSize)
	}
	dir := c.l.Dir(c.new)
	c.staging = filepath.Join(filepath.Dir(dir), "."+filepath.Base(dir)+".tmp")
	j := compactJournal{Table: t.QualifiedName(), Old: t, New: c.new.Location, Staging: c.l.rel(c.staging)}
	if err := c.l.writeJournal(j); err != nil {
		return err
	}
	c.step(StepPlan)
	return nil
}

// newLocation is a sibling of t's folder that no table and no file uses:
// the folder's name, without an earlier compaction's suffix, and the time.
func (l *Lake) newLocation(t Table) string {
	base, _, _ := strings.Cut(path.Base(t.Location), ".compacted-")
	stamp := time.Now().UTC().Format("20060102T150405")
	for i := 0; ; i++ {
		loc := path.Join(path.Dir(t.Location), base+".compacted-"+stamp)
		if i > 0 {
			loc += fmt.Sprintf("-%d", i)
		}
		_, err := os.Lstat(filepath.Join(l.Root, filepath.FromSlash(loc)))
		if errors.Is(err, os.ErrNotExist) && l.Catalog.FolderConflict(loc) == nil {
			return loc
		}
	}
}

// rewrite writes the new files into the staging folder and checks them.
func (c *compaction) rewrite(ctx context.Context) error {
	db, err := c.l.OpenBoundedDuckDB()
	if err != nil {
		return err
	}
	defer db.Close()
	if err := os.Mkdir(c.staging, 0o755); err != nil {
		return fmt.Errorf("compact: %w", err)
	}
	cols := make([]string, len(c.old.Columns))
	for i, col := range c.old.Columns {
		cols[i] = QuoteIdent(col.Name)
	}
	query := "SELECT " + strings.Join(cols, ", ") + " FROM " + c.l.Relation(c.old)
	c.read = newReadMeter().read
	stopTicks := every(100*time.Millisecond, func() { c.step(StepWrite) })
	err = Rewrite(ctx, db, query, c.staging, c.new.Format, c.new.Compression, c.opts.TargetSize, &c.written)
	stopTicks()
	if err == nil {
		err = syncTree(c.staging)
	}
	if ctx.Err() != nil {
		return fmt.Errorf("compact %s: %w", c.old.QualifiedName(), ctx.Err())
	}
	if err != nil {
		return fmt.Errorf("compact %s: %w", c.old.QualifiedName(), err)
	}
	c.step(StepWritten)
	return c.check(ctx, db)
}

// check compares the staged files with the old ones; the first column
// that differs is named.
func (c *compaction) check(ctx context.Context, db *sql.DB) error {
	files, err := filepath.Glob(filepath.Join(c.staging, c.new.FilePattern()))
	if err != nil || len(files) == 0 {
		return fmt.Errorf("compact %s: no files were written", c.old.QualifiedName())
	}
	before, err := TableChecksum(ctx, db, c.l.Relation(c.old), c.old.Columns)
	if ctx.Err() != nil {
		return fmt.Errorf("compact %s: %w", c.old.QualifiedName(), ctx.Err())
	}
	if err != nil {
		return fmt.Errorf("compact %s: checking the old files: %w", c.old.QualifiedName(), err)
	}
	after, err := TableChecksum(ctx, db, RelationOf(c.new, files), c.new.Columns)
	if ctx.Err() != nil {
		return fmt.Errorf("compact %s: %w", c.old.QualifiedName(), ctx.Err())
	}
	if err != nil {
		return fmt.Errorf("compact %s: checking the new files: %w", c.old.QualifiedName(), err)
	}
	if diff := before.Differs(after); diff != "" {
		return fmt.Errorf("compact %s: %w: %s; nothing was changed", c.old.QualifiedName(), ErrMismatch, diff)
	}
	c.new.Rows = after.Rows
	c.step(StepCheck)
	return ctx.Err()
}

// install moves the checked files to the new folder and switches the
// catalog to it under the catalog's lock, if the table is still what was
// read; if the catalog cannot be saved, the folder goes back to staging.
func (c *compaction) install() error {
	dir := c.l.Dir(c.new)
	err := c.l.update(func(cat *Catalog) (func() error, error) {
		now, ok := cat.Lookup(c.old.Database, c.old.Name)
		if !ok || !sameTable(now, c.old) {
			return nil, fmt.Errorf("compact %s: the table changed in lake.toml while it was rewritten; nothing was changed", c.old.QualifiedName())
		}
		if err := cat.FolderConflict(c.new.Location); err != nil {
			return nil, fmt.Errorf("compact %s: %v", c.old.QualifiedName(), err)
		}
		if err := os.Rename(c.staging, dir); err != nil {
			return nil, fmt.Errorf("compact %s: %w", c.old.QualifiedName(), err)
		}
		if err := atomicfile.SyncDir(filepath.Dir(dir)); err != nil {
			os.Rename(dir, c.staging)
			return nil, err
		}
		c.step(StepInstall)
		cat.Put(c.new)
		return func() error { return os.Rename(dir, c.staging) }, nil
	})
	if err != nil {
		return err
	}
	c.step(StepSwitch)
	return nil
}

// sameTable says whether a and b describe the same files and schema.
func sameTable(a, b Table) bool {
	return a.Location == b.Location && a.Format == b.Format && a.Compression == b.Compression &&
		a.Pattern == b.Pattern && slices.Equal(a.Exclude, b.Exclude) && a.UnionByName == b.UnionByName &&
		slices.Equal(a.Columns, b.Columns)
}

// abandon removes what a compaction that failed before the switch wrote,
// and its journal; err is returned.
func (c *compaction) abandon(err error) error {
	os.RemoveAll(c.staging)
	if rerr := os.Remove(c.l.journalPath(c.old.QualifiedName())); rerr != nil && !errors.Is(rerr, os.ErrNotExist) {
		err = errors.Join(err, rerr)
	}
	return err
}

// removeTableFiles removes the files t read from its folder, and the
// folder when nothing else is in it; what else is there is kept and
// listed (files the crawler excluded, anything that is not t's data).
func (l *Lake) removeTableFiles(t Table) ([]string, error) {
	dir := l.Dir(t)
	files, _ := filepath.Glob(filepath.Join(dir, t.FilePattern()))
	for _, f := range files {
		if slices.Contains(t.Exclude, filepath.Base(f)) {
			continue
		}
		if err := os.Remove(f); err != nil && !errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("compact: removing the old files: %w", err)
		}
	}
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var kept []string
	for _, e := range entries {
		if e.Name() == demoMarker && e.Type().IsRegular() {
			os.Remove(filepath.Join(dir, e.Name()))
			continue
		}
		kept = append(kept, path.Join(t.Location, e.Name()))
	}
	if len(kept) == 0 {
		if err := os.Remove(dir); err != nil {
			return nil, err
		}
	}
	return kept, atomicfile.SyncDir(filepath.Dir(dir))
}

// demoMarker is the empty file the demo leaves in the folders it wrote;
// it goes with the demo's files.
const demoMarker = ".tarn-demo"

// rel is path relative to the lake's root, with / separators.
func (l *Lake) rel(p string) string {
	r, _ := filepath.Rel(l.Root, p)
	return filepath.ToSlash(r)
}

// CompactRecord is a compaction's entry in the audit log.
type CompactRecord struct {
	Time        time.Time `json:"time"`
	Kind        string    `json:"kind"`
	Persona     string    `json:"persona"`
	Table       string    `json:"table"`
	From        string    `json:"from"`
	To          string    `json:"to"`
	FilesBefore int       `json:"files_before"`
	FilesAfter  int       `json:"files_after"`
	Rows        int64     `json:"rows"`
	Outcome     string    `json:"outcome"`
	Error       string    `json:"error,omitempty"`
}

// auditCompact appends the compaction's outcome to the audit log and
// returns err, or the log's error.
func (l *Lake) auditCompact(rep CompactReport, persona string, err error) error {
	rec := CompactRecord{Time: time.Now().UTC(), Kind: "compact", Persona: persona, Table: rep.Before.QualifiedName(),
		From: rep.Before.Location, To: rep.After.Location, FilesBefore: rep.BeforeFiles.Files, FilesAfter: rep.AfterFiles.Files,
		Rows: rep.Rows, Outcome: "SUCCEEDED"}
	switch {
	case errors.Is(err, context.Canceled):
		rec.Outcome = "CANCELLED"
	case err != nil && !rep.Switched:
		rec.Outcome, rec.Error = "FAILED", err.Error()
	case err != nil:
		rec.Error = err.Error() // switched; cleaning up the old files failed
	}
	if aerr := AppendAudit(l.Root, rec); aerr != nil && err == nil {
		return aerr
	}
	return err
}
