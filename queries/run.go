package queries

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"time"

	"tarn/internal/atomicfile"
	"tarn/internal/units"
	"tarn/lake"
)

// Query states, as Athena names them, plus REFUSED for statements the
// guard stops before they reach DuckDB.
const (
	Queued    = "QUEUED"
	Running   = "RUNNING"
	Succeeded = "SUCCEEDED"
	Failed    = "FAILED"
	Cancelled = "CANCELLED"
	Refused   = "REFUSED"
)

// Stats is what a query did and cost. Times are milliseconds: planning
// (guard, views, data-scanned accounting), engine (inside DuckDB:
// execution and producing each chunk), fetch (the rest: moving rows to the
// caller and the caller's own work between chunks), first row, and total
// (planning + engine + fetch). Idle is apart: the time the result stayed
// open while its reader paused (a workbench waiting for its user between
// pages); it is not query time and no other figure counts it.
type Stats struct {
	State        string `json:"state"`
	Error        string `json:"error,omitempty"`
	Rows         int64  `json:"rows"`
	DataScanned  int64  `json:"data_scanned_bytes"`
	ScannedExact bool   `json:"data_scanned_exact"`
	Files        int    `json:"files_scanned"`
	// Copies is how many of the tables read came from tarn's copy of a
	// table of many small files, not its files (see copiesDir); the other
	// figures are the files' own.
	Copies      int     `json:"copies_read,omitempty"`
	BilledBytes int64   `json:"billed_bytes"`
	CostUSD     float64 `json:"cost_usd"`
	PlanningMS  float64 `json:"planning_ms"`
	EngineMS    float64 `json:"engine_ms"`
	FetchMS     float64 `json:"fetch_ms"`
	FirstRowMS  float64 `json:"first_row_ms"`
	TotalMS     float64 `json:"total_ms"`
	IdleMS      float64 `json:"idle_ms,omitempty"`
	CutoffBytes int64   `json:"bytes_scanned_cutoff,omitempty"`
}

// Query is one query's record in the audit log and its workgroup's history.
type Query struct {
	ID   string    `json:"id"` // shared by a query's RUNNING and final audit records
	Time time.Time `json:"time"`
	Kind string    `json:"kind"` // query, or export
	// Group is shared by the runs of one measurement (F6, compare, bench):
	// history shows them as one entry with their runs.
	Group string `json:"group,omitempty"`
	// Destination is the file an export wrote.
	Destination string `json:"destination,omitempty"`
	Persona     string `json:"persona"`
	Workgroup   string `json:"workgroup"`
	Identity
	SQL string `json:"sql"`
	Stats
	// ErrorDetail is the whole error where Error is redacted (see
	// RedactedError); only the audit log, never the history, keeps it.
	ErrorDetail string `json:"error_detail,omitempty"`
}

// LimitError cancels a query that would scan more than its workgroup's
// per-query limit. The first words are Athena's.
type LimitError struct {
	Workgroup string
	Scanned   int64
	Cutoff    int64
}

func (e *LimitError) Error() string {
	return fmt.Sprintf("Bytes scanned limit was exceeded: the query would scan %s (%d bytes); workgroup %s allows %s (%d bytes) per query",
		units.Bytes(e.Scanned), e.Scanned, e.Workgroup, units.Bytes(e.Cutoff), e.Cutoff)
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// stateOf maps a query's error to its final state.
func stateOf(err error) string {
	var refused *RefusedError
	var limit *LimitError
	var changed *PolicyChangedError
	switch {
	case err == nil:
		return Succeeded
	case errors.As(err, &refused):
		return Refused
	case errors.As(err, &limit), errors.As(err, &changed), errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return Cancelled
	}
	return Failed
}

// CancelledMessage is what people are told of a query they cancelled
// (ctrl+c, esc, SIGTERM): how far it got. DuckDB's own words ("INTERRUPT
// Error: Interrupted!") stay in the audit log.
func CancelledMessage(st Stats) string {
	return fmt.Sprintf("cancelled after %s, %.1f s", Plural(int(st.Rows), "row"), st.TotalMS/1000)
}

// Result is a running query's stream of rows, a chunk at a time. The
// caller reads batches with Next, Len and Row, and must Close it, which
// records the query in the audit log and the workgroup's history.
type Result struct {
	s       *Session
	st      *stream
	rec     Query
	start   time.Time
	columns []Column
	err     error
	closed  bool
	ended   bool          // Next reached the end of the rows
	idle    time.Duration // paused time ended so far (see Pause)
	paused  time.Time     // when the pause under way began; zero when reading
	synced  chan error    // the RUNNING record's fsync; nil once waited for
	release func()        // frees the query's place under Options.Admit
	live    *liveCheck    // stops the rows when the policy no longer allows them
}

// Run checks text with the guard, computes its data scanned, enforces the
// workgroup's limit and starts it. Cancelling ctx interrupts DuckDB; the
// query then ends CANCELLED. A query refused, cut off or failing before it
// starts returns an error and is already recorded.
func (s *Session) Run(ctx context.Context, text string) (*Result, error) {
	return s.run(ctx, text, "query", "")
}

func (s *Session) run(ctx context.Context, text, kind, dest string) (*Result, error) {
	if s.open != nil {
		return nil, errors.New("a query is still open in this session: close its result first")
	}
	start := time.Now()
	if err := s.checkAuditWritable(); err != nil {
		s.last = Query{Time: start.UTC(), Kind: kind, Persona: s.Persona().Name, Identity: s.Identity, SQL: text, Stats: Stats{State: Refused, Error: err.Error()}}
		return nil, err
	}
	ferr := s.follow(ctx) // the policy this statement runs under
	p := s.Persona()
	wg := s.Policy.Workgroup(p.Workgroup)
	r := &Result{s: s, start: start}
	r.rec = Query{ID: newQueryID(), Group: repeatGroup(ctx), Time: r.start.UTC(), Kind: kind, Destination: dest, Persona: p.Name, Workgroup: p.Workgroup,
		Identity: s.Identity, SQL: text, Stats: Stats{State: Queued, CutoffBytes: wg.BytesScannedCutoff}}
	var st *stream
	err := ferr
	if err == nil && s.opts.Admit != nil {
		r.release, err = s.opts.Admit()
	}
	if err == nil {
		st, err = s.start(ctx, text, r)
	}
	r.rec.PlanningMS = math.Round((ms(time.Since(r.start))-engineMS(st))*1000) / 1000
	if err != nil {
		r.err = err
		return nil, errors.Join(r.err, r.finish())
	}
	r.st, r.columns, r.rec.State = st, st.columns, Running
	s.open = r
	return r, nil
}

func engineMS(st *stream) float64 {
	if st == nil {
		return 0
	}
	return ms(st.engine)
}

// start does everything before the first row: guard, views, the plan
// check, data scanned, the limit, the RUNNING record, and starting DuckDB.
func (s *Session) start(ctx context.Context, text string, r *Result) (*stream, error) {
	stats := &r.rec.Stats
	c, err := s.guard.check(ctx, s.conn, text)
	if err == nil {
		c, err = s.useCopies(ctx, c, text)
	}
	if err == nil {
		err = s.ensureViews(ctx, c)
	}
	if err == nil {
		err = s.checkPlan(ctx, c)
	}
	var sc Scanned
	if err == nil {
		sc, err = s.scanned(ctx, c)
	}
	if err == nil {
		sc, err = s.scannedFromFiles(ctx, c, sc)
	}
	if err != nil {
		return nil, err
	}
	stats.DataScanned, stats.ScannedExact, stats.Files, stats.Copies = sc.Bytes, sc.Exact, sc.Files, sc.Copies
	if stats.CutoffBytes > 0 && sc.Bytes > stats.CutoffBytes {
		return nil, &LimitError{Workgroup: s.Persona().Workgroup, Scanned: sc.Bytes, Cutoff: stats.CutoffBytes}
	}
	if err := r.begin(); err != nil {
		return nil, err
	}
	r.live = s.newLiveCheck(c)
	st, err := startStream(ctx, s.raw, c.exec)
	return st, s.explain(s.redact(err))
}

// begin appends the query's RUNNING record to the audit log before DuckDB
// starts it. Its fsync runs beside DuckDB, and Next waits for it before
// the first rows leave tarn: no row is shown without a durable record,
// even when tarn is killed before the query ends (a `| head` that closes
// the pipe, SIGKILL, a power cut). The final record follows at Close.
func (r *Result) begin() error {
	rec := r.rec
	rec.State = Running
	audit := filepath.Join(r.s.Lake.Root, lake.AuditFile)
	if err := atomicfile.AppendJSONL(audit, rec, false); err != nil {
		return fmt.Errorf("audit log: %w", err)
	}
	done := make(chan error, 1)
	r.synced = done
	r.s.unsynced = false // this fsync covers every record written before
	r.s.syncs.Go(func() { done <- atomicfile.SyncAppends(audit) })
	return nil
}

// awaitAudit waits for the RUNNING record to be on disk.
func (r *Result) awaitAudit() error {
	if r.synced == nil {
		return nil
	}
	err := <-r.synced
	r.synced = nil
	if err != nil {
		return fmt.Errorf("audit log: %w", err)
	}
	return nil
}

// AuditUnwritableError refuses a query before anything runs: the audit log
// cannot be written (a read-only lake, a full or immutable file), so the
// query could not be recorded, and a governed query is never unrecorded.
type AuditUnwritableError struct {
	Path  string
	Cause error
}

func (e *AuditUnwritableError) Error() string {
	return fmt.Sprintf("queries are refused: the audit log %s cannot be written (%v), and a query is not run unless it is recorded; the catalog can still be browsed", e.Path, e.Cause)
}

func (e *AuditUnwritableError) Unwrap() error { return e.Cause }

// checkAuditWritable opens the audit log for appending, writing nothing.
func (s *Session) checkAuditWritable() error {
	audit := filepath.Join(s.Lake.Root, lake.AuditFile)
	f, err := os.OpenFile(audit, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		var pathErr *os.PathError
		if errors.As(err, &pathErr) {
			err = pathErr.Err // the path is said once, in the message
		}
		return &AuditUnwritableError{Path: audit, Cause: err}
	}
	return f.Close()
}

type repeatKey struct{}

// Repeats marks the queries run with the returned context as the runs of
// one measurement: their records share a new Group id.
func Repeats(ctx context.Context) context.Context {
	return context.WithValue(ctx, repeatKey{}, newQueryID())
}

// repeatGroup is the Group of a query run with ctx ("" for a query alone).
func repeatGroup(ctx context.Context) string {
	id, _ := ctx.Value(repeatKey{}).(string)
	return id
}

// newQueryID is a random query id, like Athena's QueryExecutionId.
func newQueryID() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40 // version 4
	b[8] = b[8]&0x3f | 0x80 // RFC 4122 variant
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// Last is the record of the session's last finished query: the figures of
// one that Run refused or cut off before it returned a Result.
func (s *Session) Last() Query { return s.last }

// Columns are the result's columns with their DuckDB types.
func (r *Result) Columns() []Column { return r.columns }

// Next makes the next chunk of rows current; false at the end, on an
// error (see Err) or after Close.
func (r *Result) Next() bool {
	if r.closed || r.err != nil {
		return false
	}
	resumed := !r.paused.IsZero()
	r.resume()
	// A cancel ends the rows where they are: DuckDB, interrupted between
	// chunks, would answer the next fetch with rows or with a false end.
	if err := r.st.ctxErr(); err != nil {
		r.err = err
		return false
	}
	if err := r.live.check(resumed); err != nil {
		r.err = err
		return false
	}
	ok, err := r.st.fetch()
	if err == nil && ok {
		err = r.awaitAudit()
	}
	if ctxErr := r.st.ctxErr(); err == nil && !ok && ctxErr != nil {
		r.err = ctxErr // interrupted during the fetch, not at the end
		return false
	}
	if err != nil {
		r.err = r.s.explain(r.s.redact(err))
		if ctxErr := r.st.ctxErr(); ctxErr != nil {
			r.err = errors.Join(ctxErr, r.err)
		}
		return false
	}
	if ok {
		r.rec.Rows += int64(r.st.size())
	} else {
		r.ended = true
	}
	return ok
}

// Len is the number of rows in the current chunk.
func (r *Result) Len() int { return r.st.size() }

// Row decodes row i of the current chunk into dst (one value per column).
func (r *Result) Row(i int, dst []any) error { return r.st.row(i, dst) }

// Progress is DuckDB's estimate of how far the query is, in percent
// (0-100), or -1 where it cannot tell: for a query over a table function
// without progress (range()), and once the result is closed. Unlike the
// other methods it may be called from another goroutine while the rows
// are read, for a progress line.
func (r *Result) Progress() float64 { return r.st.progress() }

// Err is the error that ended the stream, if any.
func (r *Result) Err() error { return r.err }

// Stats are the query's figures so far; final once it is closed.
func (r *Result) Stats() Stats {
	if r.closed {
		return r.rec.Stats
	}
	st := r.rec.Stats
	st.EngineMS = engineMS(r.st)
	st.FirstRowMS = ms(r.st.first)
	r.settleTimes(&st)
	st.BilledBytes, st.CostUSD = BilledBytes(st.DataScanned), CostUSD(st.DataScanned)
	return st
}

// Pause says the caller stops reading until its next Next (or Close): a
// workbench waits for its user between pages. The time until then is
// idle, counted in IdleMS only, never as fetch or total time.
func (r *Result) Pause() {
	if !r.closed && r.paused.IsZero() {
		r.paused = time.Now()
	}
}

// resume ends a pause under way, counting it as idle.
func (r *Result) resume() {
	if !r.paused.IsZero() {
		r.idle += time.Since(r.paused)
		r.paused = time.Time{}
	}
}

// settleTimes sets st's idle, total and fetch times as of now: total is
// the time since the start less the idle time, fetch what total leaves
// after planning and engine.
func (r *Result) settleTimes(st *Stats) {
	idle := r.idle
	if !r.paused.IsZero() {
		idle += time.Since(r.paused)
	}
	st.IdleMS = ms(idle)
	st.TotalMS = ms(time.Since(r.start) - idle)
	st.FetchMS = max(0, math.Round((st.TotalMS-st.PlanningMS-st.EngineMS)*1000)/1000)
}

// Abandon ends the query CANCELLED because its reader went away (a closed
// pipe, a closed connection), with the rows read so far.
func (r *Result) Abandon(cause error) {
	r.fail(fmt.Errorf("%w: the reader stopped reading (%v)", context.Canceled, cause))
}

// fail ends the query with err unless an error ended it already: what the
// caller did with the rows failed (an export's file could not be written).
// The cause is tarn's, not a reader's: it is not redacted.
func (r *Result) fail(err error) {
	if r.err == nil && !r.closed {
		r.err = err
	}
}

// Close ends the query, records it and returns the error that ended it.
// Closing before the end abandons the rest of the rows: the query still
// SUCCEEDED with the rows read so far, as Athena's console shows a page.
func (r *Result) Close() error {
	if r.closed {
		return r.err
	}
	r.resume()
	if r.st != nil && r.err == nil && !r.ended && r.st.ctxErr() != nil {
		r.err = r.st.ctxErr() // cancelled between chunks
	}
	if r.st != nil {
		r.st.close() // DuckDB's clean-up counts as engine time
		r.rec.EngineMS = engineMS(r.st)
		r.rec.FirstRowMS = ms(r.st.first)
	}
	if r.s.open == r {
		r.s.open = nil
	}
	return errors.Join(r.err, r.finish())
}

// finish settles the final state and figures and writes the record.
func (r *Result) finish() error {
	r.closed = true
	if r.release != nil {
		r.release()
		r.release = nil
	}
	st := &r.rec.Stats
	st.State = stateOf(r.err)
	if r.err != nil {
		st.Error = r.err.Error()
	}
	var redacted *RedactedError
	if errors.As(r.err, &redacted) {
		r.rec.ErrorDetail = redacted.raw.Error()
	}
	r.settleTimes(st)
	// Athena bills what a query scanned unless it failed or never started.
	var limit *LimitError
	if st.State == Failed || st.State == Refused || errors.As(r.err, &limit) {
		st.DataScanned, st.Files = 0, 0
	}
	st.BilledBytes, st.CostUSD = Bill(st.State, st.DataScanned)
	if st.State == Succeeded {
		r.s.requestCopies()
	}
	return r.s.record(r.rec)
}

// record appends a query's final record to the audit log and its
// workgroup's history. The audit line is written before record returns,
// so it survives tarn crashing. It is not fsynced on its own: the next
// query's RUNNING record is (and an fsync makes all the file durable), and
// Close syncs what is left. A second fsync per query cost 2% of the
// source's projection query over Parquet (measured: governed/direct 1.04
// without it, 1.06 with); a power cut can lose a final record, never a
// RUNNING one, so never a query whose rows were shown.
func (s *Session) record(q Query) error {
	s.last = q
	s.last.ErrorDetail = ""
	audit := filepath.Join(s.Lake.Root, lake.AuditFile)
	if err := atomicfile.AppendJSONL(audit, q, false); err != nil {
		// The history is the workgroup's own record: kept even so.
		return errors.Join(fmt.Errorf("recording the query in the audit log: %w", err), appendHistory(s.Lake.Root, s.last))
	}
	s.unsynced = true
	return appendHistory(s.Lake.Root, s.last)
}

// Each decodes every remaining row into one reused slice and calls fn
// with it, stopping at fn's first error. It does not close the result.
func (r *Result) Each(fn func(row []any) error) error { return eachRow(r, fn) }

// explain names the session's memory limit in DuckDB's out-of-memory
// error: a served session's limit is the server's, not the machine's.
func (s *Session) explain(err error) error {
	if err != nil && s.opts.SpillLimit != "" && strings.Contains(err.Error(), "max_temp_directory_size") {
		return fmt.Errorf("%w (this session may spill %s to disk, set by tarn serve --spill-limit)", err, s.opts.SpillLimit)
	}
	if err == nil || s.opts.MemoryLimit == "" || !strings.Contains(err.Error(), "Out of Memory") {
		return err
	}
	return fmt.Errorf("%w (this session's DuckDB memory limit is %s, set by tarn serve --memory-limit)", err, s.opts.MemoryLimit)
}
