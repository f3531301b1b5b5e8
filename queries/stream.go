package queries

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"time"
	"unsafe"

	"github.com/duckdb/duckdb-go-bindings"
	duckdb "github.com/duckdb/duckdb-go/v2"
	"github.com/duckdb/duckdb-go/v2/mapping"

	"tarn/lake"
)

// duckdb-go runs every query to a materialised result: a 10M-row SELECT
// held 670 MB inside DuckDB before the first row reached Go, whatever
// memory_limit said. Its C API also has streaming results, where DuckDB
// produces a chunk only when the client asks for one, so memory stays at a
// few chunks. duckdb-go (v2.10506.0) does not expose them, so a stream uses
// the C API on the driver's own connection handle, and duckdb-go's chunk
// decoding (every DuckDB type) through the two linknames below.
// TestStreamingKeepsMemoryBounded fails if an upgrade breaks either.

//go:linkname initChunk github.com/duckdb/duckdb-go/v2.(*DataChunk).initFromDuckDataChunk
func initChunk(chunk *duckdb.DataChunk, in mapping.DataChunk, writable bool) error

//go:linkname typeName github.com/duckdb/duckdb-go/v2.logicalTypeString
func typeName(t mapping.LogicalType) string

// coupledTo is the duckdb-go release whose private names above were
// checked (TestLinkedSignatures reads that release's source). A build
// with another release refuses to stream rather than call a function
// whose signature may have changed: see the package doc on upgrading.
const coupledTo = "v2.10506.0"

// couplingErr says why streaming cannot run in this build, if it cannot.
var couplingErr = checkCoupling(linkedVersion())

func checkCoupling(v string) error {
	if v != "" && v != coupledTo {
		return fmt.Errorf("this tarn was built with duckdb-go %s, but its streaming was checked against %s only; see the queries package doc on upgrading duckdb-go", v, coupledTo)
	}
	t := reflect.TypeOf(duckdb.DataChunk{})
	if t.NumField() == 0 || t.Field(0).Offset != 0 || t.Field(0).Type != reflect.TypeOf(mapping.DataChunk{}) {
		return fmt.Errorf("duckdb-go's DataChunk changed layout; streaming needs updating")
	}
	return nil
}

// linkedVersion is the duckdb-go release in this binary's build
// information (a `replace` by a version counts as that version), or ""
// where it cannot tell: test binaries have no build information, and a
// `replace` by a folder has no version (TestLinkedSignatures checks the
// folder's source).
func linkedVersion() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return ""
	}
	for _, m := range info.Deps {
		if m.Path == "github.com/duckdb/duckdb-go/v2" {
			if m.Replace != nil {
				return m.Replace.Version
			}
			return m.Version
		}
	}
	return ""
}

// rawConn is the C connection behind a database/sql connection.
func rawConn(c *sql.Conn) (mapping.Connection, error) {
	var conn mapping.Connection
	if couplingErr != nil {
		return conn, couplingErr
	}
	raw, ok := lake.CConnection(c)
	if !ok {
		return conn, errors.New("duckdb-go has no C connection field where tarn looks; streaming needs updating")
	}
	return raw, nil
}

// Column is a result column with its DuckDB type.
type Column struct {
	Name string `json:"name"`
	Type string `json:"type"`
}

// stream is one streaming query on a connection: DuckDB computes a chunk
// (up to 2,048 rows) each time fetch is called. It times the calls into
// DuckDB, so engine time and the time spent moving rows can be told apart.
type stream struct {
	conn     mapping.Connection
	res      mapping.Result
	columns  []Column
	chunk    duckdb.DataChunk
	held     bool                         // chunk holds a DuckDB chunk to destroy
	text     []*duckdb.VectorView[string] // VARCHAR columns of the chunk
	interned []map[string]any             // per VARCHAR column: values seen
	engine   time.Duration                // time inside DuckDB: planning, tasks, fetches
	first    time.Duration                // from start to the first chunk
	start    time.Time
	ctx      context.Context

	stop     chan struct{} // closed when the stream ends
	stopOnce sync.Once
	watched  chan struct{} // closed when interruptOn has returned

	progressMu sync.Mutex // held while progress asks DuckDB, so close waits for it
	closed     bool       // the query ended: the connection's progress is another's
}

// startStream prepares and starts text on conn. Cancelling ctx interrupts
// DuckDB wherever it is; the error then wraps ctx.Err().
func startStream(ctx context.Context, conn mapping.Connection, text string) (*stream, error) {
	return startStreamWaiting(ctx, conn, text, idleWait)
}

// startStreamWaiting is startStream with wait between DuckDB's answers
// that it has no task (see runPending).
func startStreamWaiting(ctx context.Context, conn mapping.Connection, text string, wait func(n int) time.Duration) (*stream, error) {
	st := &stream{conn: conn, start: time.Now(), ctx: ctx, stop: make(chan struct{}), watched: make(chan struct{})}
	go st.interruptOn(ctx)
	t0 := time.Now()
	err := st.prepareAndExecute(ctx, text, wait)
	st.engine += time.Since(t0)
	if err != nil {
		st.end()
		if ctx.Err() != nil {
			return nil, errors.Join(ctx.Err(), err)
		}
		return nil, err
	}
	return st, nil
}

// interruptOn interrupts the stream's query when ctx is cancelled before
// the stream ends. end waits for it to return: run late, it would
// interrupt whatever the connection runs next.
func (st *stream) interruptOn(ctx context.Context) {
	defer close(st.watched)
	watcherDelay()
	select {
	case <-ctx.Done():
		mapping.Interrupt(st.conn)
	case <-st.stop:
	}
}

// ctxErr is the caller's cancellation, if it ended the stream.
func (st *stream) ctxErr() error { return st.ctx.Err() }

func (st *stream) end() {
	st.stopOnce.Do(func() {
		close(st.stop)
		<-st.watched
	})
}

// watcherDelay lets a test hold interruptOn back, as a loaded machine does.
var watcherDelay = func() {}

func (st *stream) prepareAndExecute(ctx context.Context, text string, wait func(n int) time.Duration) error {
	var stmt mapping.PreparedStatement
	defer mapping.DestroyPrepare(&stmt)
	if mapping.Prepare(st.conn, text, &stmt) == mapping.StateError {
		return duckError(mapping.PrepareError(stmt))
	}
	var pending mapping.PendingResult
	defer mapping.DestroyPending(&pending)
	if duckdb_go_bindings.PendingPreparedStreaming(stmt, &pending) == mapping.StateError {
		return duckError(mapping.PendingError(pending))
	}
	if err := runPending(ctx, pending, wait); err != nil {
		if ctx.Err() != nil {
			// interruptOn may have interrupted before the query began,
			// which DuckDB forgets when it begins: its threads would go on
			// with the tasks, and closing the connection waits for them.
			mapping.Interrupt(st.conn)
		}
		return err
	}
	if mapping.ExecutePending(pending, &st.res) == mapping.StateError {
		err := duckError(mapping.ResultError(&st.res))
		mapping.DestroyResult(&st.res)
		return err
	}
	n := mapping.ColumnCount(&st.res)
	st.columns = make([]Column, n)
	for i := range n {
		lt := mapping.ColumnLogicalType(&st.res, i)
		st.columns[i] = Column{Name: mapping.ColumnName(&st.res, i), Type: typeName(lt)}
		mapping.DestroyLogicalType(&lt)
		if undecodable[st.columns[i].Type] {
			err := unreadable(st.columns[i])
			mapping.DestroyResult(&st.res)
			return err
		}
	}
	return nil
}

// runPending drives a pending query until its result is ready, in steps
// so that a cancelled ctx stops it between tasks (interruptOn stops it
// inside one). When DuckDB has no task for this thread (its own threads
// are busy with the rest) it says NO_TASKS_AVAILABLE at once; asking again
// at once would hold a core that those threads could use, so the wait
// between asks grows (wait, idleWait in use) until a task turns up.
func runPending(ctx context.Context, pending mapping.PendingResult, wait func(n int) time.Duration) error {
	idle := 0
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		state := mapping.PendingExecuteTask(pending)
		switch {
		case state == mapping.PendingStateError:
			return duckError(mapping.PendingError(pending))
		case mapping.PendingExecutionIsFinished(state):
			return nil
		case state == mapping.PendingStateNoTasksAvailable:
			idle++
			time.Sleep(wait(idle))
		default:
			idle = 0
		}
	}
}

// idleWait is how long to wait after the n-th NO_TASKS_AVAILABLE in a
// row: 10 µs doubling to 1 ms. The first asks stay quick because a
// worker often finishes its task within microseconds; a long wait costs
// at most 1 ms of latency.
func idleWait(n int) time.Duration {
	const first, most = 10 * time.Microsecond, time.Millisecond
	if n > 7 {
		return most
	}
	return min(first<<(n-1), most)
}

// undecodable are the types duckdb-go (v2.10506.0) cannot decode: a query
// returning one fails before its first row, saying what to do.
var undecodable = map[string]bool{"VARIANT": true, "TIME_NS": true}

func unreadable(c Column) error {
	return fmt.Errorf("column %q has type %s, which tarn cannot read yet: cast it in the query, e.g. CAST(%s AS VARCHAR)", c.Name, c.Type, lake.QuoteIdent(c.Name))
}

// fetch makes the next chunk current; false at the end or on an error.
func (st *stream) fetch() (bool, error) {
	st.release()
	t0 := time.Now()
	c := mapping.FetchChunk(st.res)
	st.engine += time.Since(t0)
	if st.first == 0 {
		st.first = time.Since(st.start)
	}
	if c.Ptr == nil {
		if msg := mapping.ResultError(&st.res); msg != "" {
			return false, duckError(msg)
		}
		return false, nil
	}
	if err := initChunk(&st.chunk, c, false); err != nil {
		mapping.DestroyDataChunk(&c)
		return false, st.decodeError(err)
	}
	st.held = true
	st.viewText()
	return true, nil
}

// viewText opens the chunk's VARCHAR columns for borrowed reads.
func (st *stream) viewText() {
	if st.text == nil {
		st.text = make([]*duckdb.VectorView[string], len(st.columns))
		st.interned = make([]map[string]any, len(st.columns))
	}
	for c, col := range st.columns {
		if col.Type != "VARCHAR" {
			continue
		}
		vec, err := st.chunk.GetVector(c)
		if err != nil {
			continue
		}
		if view, err := duckdb.GetVectorView[string](vec); err == nil {
			st.text[c] = &view
		}
	}
}

// maxInterned bounds each VARCHAR column's table of seen values.
const maxInterned = 4096

// textAt reads a VARCHAR value. Repeated values (the reason Parquet
// dictionary-encodes them) come from a per-column table, which spares a
// copy and an allocation each: that made decoding the log's 148,534 rows
// about twice as fast.
func (st *stream) textAt(c, i int) (any, bool) {
	view := st.text[c]
	if view == nil {
		return nil, false
	}
	s, ok, err := view.GetValueBorrowed(i)
	if err != nil {
		return nil, false
	}
	if !ok {
		return nil, true
	}
	seen := st.interned[c]
	if v, hit := seen[s]; hit {
		return v, true
	}
	var v any = strings.Clone(s)
	if seen == nil {
		seen = map[string]any{}
		st.interned[c] = seen
	}
	if len(seen) < maxInterned {
		seen[v.(string)] = v
	}
	return v, true
}

func (st *stream) release() {
	if st.held {
		c := chunkHandle(&st.chunk)
		mapping.DestroyDataChunk(c)
		st.held = false
	}
}

// chunkHandle is the DuckDB chunk inside a duckdb.DataChunk (its first field).
func chunkHandle(c *duckdb.DataChunk) *mapping.DataChunk {
	return (*mapping.DataChunk)(unsafe.Pointer(c))
}

// size is the number of rows in the current chunk.
func (st *stream) size() int { return st.chunk.GetSize() }

// row decodes row i of the current chunk into dst.
func (st *stream) row(i int, dst []any) error {
	for c := range dst {
		if v, ok := st.textAt(c, i); ok {
			dst[c] = v
			continue
		}
		v, err := st.chunk.GetValue(c, i)
		if err != nil {
			return err
		}
		if bits, ok := v.(duckdb.Bit); ok {
			v = bits.String() // as duckdb-go's rows give it: "101"
		}
		dst[c] = v
	}
	return nil
}

// progress is DuckDB's estimate of how far the query is, in percent, or
// -1 where it has none (a table function without progress, such as
// range(), or a stream closed). It may be called from any goroutine while
// another fetches: DuckDB keeps the estimate in atomics of the
// connection's context (QueryProgress), which its Python client reads
// from other threads the same way.
func (st *stream) progress() float64 {
	st.progressMu.Lock()
	defer st.progressMu.Unlock()
	if st.closed {
		return -1
	}
	p := duckdb_go_bindings.QueryProgress(st.conn)
	percent, _, _ := duckdb_go_bindings.QueryProgressTypeMembers(&p)
	return percent
}

// close releases the result; safe to call twice.
func (st *stream) close() {
	st.progressMu.Lock()
	st.closed = true
	st.progressMu.Unlock()
	t0 := time.Now()
	st.release()
	mapping.DestroyResult(&st.res) // a no-op once destroyed
	st.engine += time.Since(t0)
	st.end()
}

var unsupportedRE = regexp.MustCompile(`unsupported data type: .*index: (\d+)`)

// decodeError names the column whose type duckdb-go cannot decode, should
// one not listed in undecodable turn up, and says what to do.
func (st *stream) decodeError(err error) error {
	m := unsupportedRE.FindStringSubmatch(err.Error())
	if m == nil {
		return err
	}
	i, _ := strconv.Atoi(m[1])
	if i >= len(st.columns) {
		return err
	}
	return unreadable(st.columns[i])
}

// duckError turns a DuckDB message into an error; an interrupted query's
// message becomes context.Canceled's state through the caller's ctx.
func duckError(msg string) error {
	if msg == "" {
		msg = "DuckDB reported an error without a message"
	}
	return errors.New(msg)
}
