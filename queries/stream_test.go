package queries

import (
	"bytes"
	"context"
	"database/sql"
	"go/ast"
	"go/parser"
	"go/printer"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/duckdb/duckdb-go/v2/mapping"
)

// The tests in this file guard the coupling to duckdb-go's private parts
// (see the package doc). They run in `go test -short` as well: an upgrade
// that breaks streaming must fail the loop the README recommends.

// TestLinkedSignatures compares every go:linkname declaration in this
// package with the function it names in the duckdb-go source this build
// uses (a replace directive's folder included), and the private fields the
// stream reaches with that source's structs. A mismatch would not fail to
// compile: it would corrupt memory at run time.
func TestLinkedSignatures(t *testing.T) {
	if couplingErr != nil {
		t.Fatal(couplingErr)
	}
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}} {{.Version}}", "github.com/duckdb/duckdb-go/v2").Output()
	if err != nil {
		t.Fatalf("go list duckdb-go: %v", err)
	}
	dir, version, _ := strings.Cut(strings.TrimSpace(string(out)), " ")
	if version != coupledTo && version != "" {
		t.Errorf("go.mod has duckdb-go %s but the stream was checked against %s: check the signatures below, then set coupledTo", version, coupledTo)
	}
	theirs := parseDir(t, dir)
	links := linknames(t, ".")
	if len(links) == 0 {
		t.Fatal("found no go:linkname in this package")
	}
	for _, l := range links {
		fn, ok := theirs.funcs[l.remote]
		if !ok {
			t.Errorf("%s: duckdb-go %s has no %s", l.local, version, l.remote)
			continue
		}
		if got, want := signature(fn, ""), signature(l.decl, "duckdb."); got != want {
			t.Errorf("%s links to %s\n  declared %s\n  but it is %s", l.local, l.remote, want, got)
		}
	}
	for _, f := range []struct{ typ, field, fieldType string }{
		{"DataChunk", "chunk", "mapping.DataChunk"}, // chunkHandle: the first field
		{"Conn", "conn", "mapping.Connection"},      // rawConn
	} {
		if got := theirs.fields[f.typ+"."+f.field]; got != f.fieldType {
			t.Errorf("duckdb-go %s.%s is %q, the stream needs %s", f.typ, f.field, got, f.fieldType)
		}
	}
	if theirs.first["DataChunk"] != "chunk" {
		t.Errorf("duckdb-go's DataChunk starts with %q, chunkHandle needs its field chunk first", theirs.first["DataChunk"])
	}
}

// TestAnotherDuckDBGoRefusesToStream: a binary built with a duckdb-go
// release other than the one checked must not call the linked functions.
func TestAnotherDuckDBGoRefusesToStream(t *testing.T) {
	for _, v := range []string{"", coupledTo} {
		if err := checkCoupling(v); err != nil {
			t.Errorf("duckdb-go %q: %v", v, err)
		}
	}
	err := checkCoupling("v2.99999.0")
	if err == nil || !strings.Contains(err.Error(), "v2.99999.0") || !strings.Contains(err.Error(), coupledTo) {
		t.Errorf("another release: %v", err)
	}
}

type link struct {
	local, remote string // remote as "name" or "Recv.name" in duckdb-go
	decl          *ast.FuncDecl
}

// linknames are the go:linkname declarations to duckdb-go in dir.
func linknames(t *testing.T, dir string) []link {
	t.Helper()
	const prefix = "github.com/duckdb/duckdb-go/v2."
	src := parseDir(t, dir)
	var links []link
	for _, f := range src.files {
		for _, group := range f.Comments {
			for _, c := range group.List {
				fields := strings.Fields(c.Text)
				if len(fields) != 3 || fields[0] != "//go:linkname" || !strings.HasPrefix(fields[2], prefix) {
					continue
				}
				remote := strings.TrimPrefix(fields[2], prefix)
				remote = strings.NewReplacer("(*", "", ")", "").Replace(remote) // (*DataChunk).m -> DataChunk.m
				decl, ok := src.funcs[fields[1]]
				if !ok {
					t.Fatalf("go:linkname names %s, which has no declaration", fields[1])
				}
				links = append(links, link{fields[1], remote, decl})
			}
		}
	}
	return links
}

// source is a parsed package: its functions by name (methods as
// "Recv.name"), struct fields as "Type.field" -> type, each struct's first field.
type source struct {
	files  []*ast.File
	funcs  map[string]*ast.FuncDecl
	fields map[string]string
	first  map[string]string
}

func parseDir(t *testing.T, dir string) source {
	t.Helper()
	src := source{funcs: map[string]*ast.FuncDecl{}, fields: map[string]string{}, first: map[string]string{}}
	names, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil || len(names) == 0 {
		t.Fatalf("no Go files in %s: %v", dir, err)
	}
	fset := token.NewFileSet()
	for _, name := range names {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, parser.ParseComments|parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		src.files = append(src.files, f)
		src.add(f)
	}
	return src
}

func (src source) add(f *ast.File) {
	for _, d := range f.Decls {
		switch d := d.(type) {
		case *ast.FuncDecl:
			name := d.Name.Name
			if d.Recv != nil {
				name = strings.TrimPrefix(typeText(d.Recv.List[0].Type, ""), "*") + "." + name
			}
			src.funcs[name] = d
		case *ast.GenDecl:
			for _, s := range d.Specs {
				ts, ok := s.(*ast.TypeSpec)
				if !ok {
					continue
				}
				st, ok := ts.Type.(*ast.StructType)
				if !ok {
					continue
				}
				for i, field := range st.Fields.List {
					for _, n := range field.Names {
						src.fields[ts.Name.Name+"."+n.Name] = typeText(field.Type, "")
						if i == 0 && src.first[ts.Name.Name] == "" {
							src.first[ts.Name.Name] = n.Name
						}
					}
				}
			}
		}
	}
}

// signature is a function's parameter and result types, a method's
// receiver first (as go:linkname passes it), without names; qualifier is
// removed from type names (duckdb-go's own types are unqualified there).
func signature(fn *ast.FuncDecl, qualifier string) string {
	var params []string
	if fn.Recv != nil {
		params = append(params, types(fn.Recv, qualifier)...)
	}
	params = append(params, types(fn.Type.Params, qualifier)...)
	return "(" + strings.Join(params, ", ") + ") (" + strings.Join(types(fn.Type.Results, qualifier), ", ") + ")"
}

func types(list *ast.FieldList, qualifier string) []string {
	var out []string
	if list == nil {
		return out
	}
	for _, f := range list.List {
		n := max(len(f.Names), 1)
		for range n {
			out = append(out, typeText(f.Type, qualifier))
		}
	}
	return out
}

func typeText(e ast.Expr, qualifier string) string {
	var b bytes.Buffer
	printer.Fprint(&b, token.NewFileSet(), e)
	return strings.ReplaceAll(b.String(), qualifier, "")
}

// everyType is one row holding a value of each DuckDB type a result can
// carry, and a NULL of each.
const everyType = `SELECT
	true AS b, -8::TINYINT AS i8, -16::SMALLINT AS i16, -32::INTEGER AS i32, -64::BIGINT AS i64,
	170141183460469231731687303715884105727::HUGEINT AS i128, 8::UTINYINT AS u8, 16::USMALLINT AS u16,
	32::UINTEGER AS u32, 64::UBIGINT AS u64, 340282366920938463463374607431768211455::UHUGEINT AS u128,
	1.5::FLOAT AS f32, 2.25::DOUBLE AS f64, 1.50::DECIMAL(5,2) AS dec, 12345678901234567890.123::DECIMAL(38,3) AS wide,
	'text'::VARCHAR AS s, '\xAA\x00'::BLOB AS blob, DATE '2024-01-02' AS d, TIME '12:34:56.789' AS tm,
	TIMESTAMP '2024-01-02 03:04:05.678901' AS ts, TIMESTAMPTZ '2024-01-02 03:04:05+00' AS tstz,
	TIMESTAMP_S '2024-01-02 03:04:05' AS ts_s, TIMESTAMP_MS '2024-01-02 03:04:05.6' AS ts_ms,
	TIMESTAMP_NS '2024-01-02 03:04:05.123456789' AS ts_ns, INTERVAL '1 month 2 days 3 seconds' AS iv,
	'6ba7b810-9dad-11d1-80b4-00c04fd430c8'::UUID AS uuid, [1, 2, NULL] AS list, [1, 2]::INTEGER[2] AS arr,
	{'a': 1, 'b': 'x'} AS struct, MAP {'k': 1} AS map, union_value(n := 3)::UNION(n INTEGER, s VARCHAR) AS uni,
	'b'::ENUM('a', 'b') AS enum, '{"j": 1}'::JSON AS json, '101'::BITSTRING AS bits, NULL AS nothing,
	CAST(NULL AS VARCHAR) AS null_text, CAST(NULL AS INTEGER[]) AS null_list`

// TestStreamDecodesEveryType reads a row of every type through the stream
// and through duckdb-go's own (materialising) path: the values and the
// type names must agree, so the linked decoder decodes what duckdb-go does.
func TestStreamDecodesEveryType(t *testing.T) {
	conn := plainDuck(t)
	want, wantTypes := materialised(t, conn, everyType)
	got, cols := streamed(t, conn, everyType, 1)
	if len(cols) != len(want) || len(got) != 1 {
		t.Fatalf("stream gave %d columns, %d rows; want %d columns, 1 row", len(cols), len(got), len(want))
	}
	for i, c := range cols {
		if c.Type != wantTypes[i] {
			t.Errorf("column %s: stream says type %s, duckdb-go %s", c.Name, c.Type, wantTypes[i])
		}
		if !reflect.DeepEqual(got[0][i], want[i]) {
			t.Errorf("column %s (%s): stream %#v, duckdb-go %#v", c.Name, c.Type, got[0][i], want[i])
		}
	}
	if got[0][len(cols)-3] != nil {
		t.Errorf("NULL came out as %#v", got[0][len(cols)-3])
	}
}

// plainDuck is a sandboxed in-memory DuckDB connection, closed with t.
func plainDuck(t *testing.T) *sql.Conn {
	t.Helper()
	db, conn, err := openDuck(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(); db.Close() })
	return conn
}

// materialised is duckdb-go's own reading of a one-row query.
func materialised(t *testing.T, conn *sql.Conn, q string) ([]any, []string) {
	t.Helper()
	rows, err := conn.QueryContext(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cts, err := rows.ColumnTypes()
	if err != nil {
		t.Fatal(err)
	}
	vals := make([]any, len(cts))
	ptrs := make([]any, len(cts))
	var names []string
	for i, ct := range cts {
		ptrs[i] = &vals[i]
		names = append(names, ct.DatabaseTypeName())
	}
	if !rows.Next() {
		t.Fatal("no row")
	}
	if err := rows.Scan(ptrs...); err != nil {
		t.Fatal(err)
	}
	return vals, names
}

// streamed reads q through a stream on conn, keeping every keep-th row.
func streamed(t *testing.T, conn *sql.Conn, q string, keep int64) ([][]any, []Column) {
	t.Helper()
	raw, err := rawConn(conn)
	if err != nil {
		t.Fatal(err)
	}
	st, err := startStream(context.Background(), raw, q)
	if err != nil {
		t.Fatal(err)
	}
	defer st.close()
	var rows [][]any
	var n int64
	for {
		ok, err := st.fetch()
		if err != nil {
			t.Fatal(err)
		}
		if !ok {
			return rows, st.columns
		}
		for i := range st.size() {
			if n++; (n-1)%keep != 0 {
				continue
			}
			row := make([]any, len(st.columns))
			if err := st.row(i, row); err != nil {
				t.Fatal(err)
			}
			rows = append(rows, row)
		}
	}
}

// TestStreamMemoryStaysBounded is the short form of
// TestStreamingKeepsMemoryBounded: 3M rows of 100-byte text, about 400 MB
// if DuckDB materialised them, must pass with memory at a few chunks.
func TestStreamMemoryStaysBounded(t *testing.T) {
	conn := plainDuck(t)
	before := ProcessRSS()
	if before == 0 {
		t.Skip("no VmRSS in /proc/self/status here")
	}
	var peak int64
	rows, _ := streamed(t, conn, "SELECT range, repeat('x', 100) || range AS text FROM range(3000000)", 200_000)
	peak = ProcessRSS()
	if len(rows) != 15 || rows[14][0] != int64(2_800_000) {
		t.Fatalf("kept rows %v", rows)
	}
	t.Logf("RSS %d MB before, %d MB after 3M rows", before>>20, peak>>20)
	if peak-before > 150<<20 {
		t.Errorf("RSS grew %d MB over 3M rows: the result is being materialised", (peak-before)>>20)
	}
}

// ProcessRSS is this process's resident memory in bytes, 0 where
// /proc/self/status does not say.
func ProcessRSS() int64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, err := strconv.ParseInt(strings.Fields(rest)[0], 10, 64)
			if err != nil {
				return 0
			}
			return kb << 10
		}
	}
	return 0
}

// BenchmarkPendingWait runs a parallel aggregate with the waits tarn uses
// between NO_TASKS_AVAILABLE answers and without any (asking again at
// once, as it did before), reporting the process's CPU time and the
// number of idle answers per query beside the wall time.
func BenchmarkPendingWait(b *testing.B) {
	ctx := context.Background()
	db, conn, err := openDuck(ctx, []string{"SET threads = 2"})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	defer conn.Close()
	raw, err := rawConn(conn)
	if err != nil {
		b.Fatal(err)
	}
	const q = "SELECT count(DISTINCT range % 1000000) FROM range(10000000)"
	for _, policy := range []struct {
		name string
		wait func(int) time.Duration
	}{{"spin", func(int) time.Duration { return 0 }}, {"backoff", idleWait}} {
		b.Run(policy.name, func(b *testing.B) {
			var idle int
			counting := func(n int) time.Duration { idle++; return policy.wait(n) }
			cpu0 := processCPU()
			for b.Loop() {
				if err := runOnce(ctx, raw, q, counting); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64((processCPU()-cpu0).Milliseconds())/float64(b.N), "cpu-ms/op")
			b.ReportMetric(float64(idle)/float64(b.N), "idle-answers/op")
		})
	}
}

func runOnce(ctx context.Context, raw mapping.Connection, q string, wait func(int) time.Duration) error {
	st, err := startStreamWaiting(ctx, raw, q, wait)
	if err != nil {
		return err
	}
	defer st.close()
	for {
		ok, err := st.fetch()
		if err != nil || !ok {
			return err
		}
	}
}

func processCPU() time.Duration {
	data, err := os.ReadFile("/proc/self/stat")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(data[bytes.LastIndexByte(data, ')')+2:]))
	utime, _ := strconv.ParseInt(f[11], 10, 64)
	stime, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(utime+stime) * time.Second / 100 // clock ticks, USER_HZ 100
}
