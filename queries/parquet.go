package queries

import (
	"context"
	"database/sql"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"maps"
	"math/big"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"tarn/lake"
)

// parquetMeta is what data scanned needs from one Parquet file's footer.
type parquetMeta struct {
	version string // lake.FileVersion of the file it was read from
	footer  int64  // footer bytes read: metadata, its 4-byte length, "PAR1"
	groups  [][]chunkMeta
}

// chunkMeta is one column chunk: its bytes on disk and its statistics.
type chunkMeta struct {
	path          string // the top-level column the chunk belongs to
	column        int    // its column_id (leaf index) in the file
	bytes         int64
	min, max      *string // DuckDB's rendering of the logical values
	nulls, values int64
	nullsKnown    bool
}

// scanned is what a scan reading columns with filters reads of the file.
func (m *parquetMeta) scanned(columns []string, filters map[string]filter) int64 {
	n := m.footer
	for _, group := range m.groups {
		if !groupMayMatch(group, filters) {
			continue
		}
		for _, c := range group {
			if readsChunk(columns, c.path) {
				n += c.bytes
			}
		}
	}
	return n
}

func readsChunk(columns []string, path string) bool {
	return slices.Contains(columns, path)
}

// groupMayMatch is false when the statistics prove no row of the row group
// passes the filters, so a reader skips it.
func groupMayMatch(group []chunkMeta, filters map[string]filter) bool {
	for col, f := range filters {
		for _, c := range group {
			if c.path == col && !f.mayMatch(c) {
				return false
			}
		}
	}
	return true
}

// parquetMetadata returns the metadata of the files of the lake at root,
// from its footer cache where a footer was read from the file's current
// version, else reading it through DuckDB's parquet_metadata on conn.
func parquetMetadata(ctx context.Context, conn *sql.Conn, root string, files []string) (map[string]*parquetMeta, error) {
	cache := footersOf(root)
	out := make(map[string]*parquetMeta, len(files))
	var missing []string
	versions := map[string]string{}
	for _, f := range files {
		if _, seen := versions[f]; seen {
			continue
		}
		info, err := os.Stat(f)
		if err != nil {
			return nil, err
		}
		v := lake.InfoVersion(info).String()
		versions[f] = v
		if m := cache.lookup(f, v); m != nil {
			out[f] = m
			continue
		}
		missing = append(missing, f)
	}
	read := map[string]*parquetMeta{}
	const batch = 2000
	for i := 0; i < len(missing); i += batch {
		part := missing[i:min(i+batch, len(missing))]
		metas, err := readFooters(ctx, conn, part)
		if err != nil {
			return nil, err
		}
		for f, m := range metas {
			m.version = versions[f]
			read[f], out[f] = m, m
		}
	}
	if len(read) > 0 {
		cache.add(read)
	}
	return out, nil
}

func readFooters(ctx context.Context, conn *sql.Conn, files []string) (map[string]*parquetMeta, error) {
	metas, err := footerSizes(files)
	if err == nil {
		err = readChunks(ctx, conn, listOf(files), metas)
	}
	if err != nil {
		return nil, err
	}
	for _, f := range files {
		if metas[f] == nil {
			return nil, fmt.Errorf("%s: no Parquet footer read", f)
		}
	}
	return metas, nil
}

// footerSizes starts each file's metadata with the bytes of its footer:
// the metadata, its 4-byte length and the closing "PAR1". The length is
// in the file's last 8 bytes, read here directly: asking DuckDB
// (parquet_file_metadata) opened and parsed every file once more, 0.47 s
// of the first query over the 10,000-file log.
func footerSizes(files []string) (map[string]*parquetMeta, error) {
	metas := make(map[string]*parquetMeta, len(files))
	var tail [8]byte
	for _, path := range files {
		f, err := os.Open(path)
		if err != nil {
			return nil, err
		}
		info, err := f.Stat()
		if err == nil && info.Size() < 12 {
			err = fmt.Errorf("%s: too short for Parquet", path)
		}
		if err == nil {
			_, err = f.ReadAt(tail[:], info.Size()-8)
		}
		f.Close()
		if err != nil {
			return nil, err
		}
		if string(tail[4:]) != "PAR1" {
			return nil, fmt.Errorf("%s: no Parquet footer (it does not end in PAR1)", path)
		}
		metas[path] = &parquetMeta{footer: int64(binary.LittleEndian.Uint32(tail[:4])) + 8}
	}
	return metas, nil
}

// readChunks adds every column chunk, by row group, to metas. A chunk is
// counted for its top-level column: path_in_schema up to its first ", ".
// Files whose chunks do not name their column (see topLevelColumns) are
// mapped through their schema instead, in a second pass over those only.
func readChunks(ctx context.Context, conn *sql.Conn, list string, metas map[string]*parquetMeta) error {
	rows, err := conn.QueryContext(ctx, `SELECT file_name, row_group_id, column_id, path_in_schema,
		total_compressed_size, stats_min_value, stats_max_value, stats_null_count, num_values
		FROM parquet_metadata(`+list+`) ORDER BY file_name, row_group_id, column_id`)
	if err != nil {
		return fmt.Errorf("reading Parquet metadata: %w", err)
	}
	defer rows.Close()
	unnamed := map[string]bool{}
	for rows.Next() {
		var name string
		var group int
		var c chunkMeta
		var nulls sql.NullInt64
		if err := rows.Scan(&name, &group, &c.column, &c.path, &c.bytes, &c.min, &c.max, &nulls, &c.values); err != nil {
			return err
		}
		c.nulls, c.nullsKnown = nulls.Int64, nulls.Valid
		c.path, _, _ = strings.Cut(c.path, ", ")
		m := metas[name]
		if m == nil {
			return fmt.Errorf("the Parquet metadata names %s, which was not asked for", name)
		}
		if c.path == "" {
			unnamed[name] = true
		}
		for len(m.groups) <= group {
			m.groups = append(m.groups, nil)
		}
		m.groups[group] = append(m.groups[group], c)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	return nameFromSchema(ctx, conn, metas, unnamed)
}

// nameFromSchema names the chunks of the unnamed files by their schema.
func nameFromSchema(ctx context.Context, conn *sql.Conn, metas map[string]*parquetMeta, unnamed map[string]bool) error {
	if len(unnamed) == 0 {
		return nil
	}
	columns, err := topLevelColumns(ctx, conn, listOf(slices.Sorted(maps.Keys(unnamed))))
	if err != nil {
		return err
	}
	for name := range unnamed {
		leaves := columns[name]
		for _, group := range metas[name].groups {
			for i := range group {
				if group[i].column >= len(leaves) {
					return fmt.Errorf("the Parquet metadata of %s does not match its schema", name)
				}
				group[i].path = leaves[group[i].column]
			}
		}
	}
	return nil
}

// topLevelColumns gives, per file, the top-level column of each leaf
// column chunk, in column_id order, from the schema: files written by
// parquet-go with a reused writer (tarn's own, before the fix in
// lake.ParquetEncoder) leave the chunks' path_in_schema empty.
func topLevelColumns(ctx context.Context, conn *sql.Conn, list string) (map[string][]string, error) {
	rows, err := conn.QueryContext(ctx, "SELECT file_name, name, coalesce(num_children, 0) FROM parquet_schema("+list+")")
	if err != nil {
		return nil, fmt.Errorf("reading Parquet schemas: %w", err)
	}
	out := map[string][]string{}
	// Schema elements come depth-first; the first of a file is its root.
	type open struct {
		name string
		left int
	}
	var stack []open
	file := ""
	for rows.Next() {
		var f, name string
		var children int
		if err := rows.Scan(&f, &name, &children); err != nil {
			rows.Close()
			return nil, err
		}
		if f != file || len(stack) == 0 {
			file, stack = f, []open{{"", children}}
			continue
		}
		stack[len(stack)-1].left--
		top := name
		if len(stack) > 1 {
			top = stack[1].name
		}
		if children > 0 {
			stack = append(stack, open{name, children})
		} else {
			out[f] = append(out[f], top)
		}
		for len(stack) > 1 && stack[len(stack)-1].left == 0 {
			stack = stack[:len(stack)-1]
		}
	}
	return out, closeRows(rows)
}

func closeRows(rows *sql.Rows) error {
	err := rows.Err()
	if cerr := rows.Close(); err == nil {
		err = cerr
	}
	return err
}

// filter is a filter DuckDB pushed into a scan, as json_serialize_plan
// writes it. Only the kinds below can rule a row group out; any other kind
// (expressions, dynamic filters) keeps every row group.
type filter struct {
	kind     string // filter_type
	op       string // comparison_type
	constant constant
	values   []constant
	children []filter
}

type constant struct {
	typ    string
	value  any // json.Number, string or bool
	isNull bool
}

func filterOf(v any) filter {
	m, _ := v.(map[string]any)
	f := filter{}
	f.kind, _ = m["filter_type"].(string)
	f.op, _ = m["comparison_type"].(string)
	f.constant = constantOf(m["constant"])
	for _, x := range asList(m["values"]) {
		f.values = append(f.values, constantOf(x))
	}
	for _, x := range asList(m["child_filters"]) {
		f.children = append(f.children, filterOf(x))
	}
	if child, ok := m["child_filter"]; ok {
		f.children = append(f.children, filterOf(child))
	}
	return f
}

func constantOf(v any) constant {
	m, _ := v.(map[string]any)
	c := constant{value: m["value"]}
	c.isNull, _ = m["is_null"].(bool)
	if t, ok := m["type"].(map[string]any); ok {
		c.typ, _ = t["id"].(string)
	}
	return c
}

// mayMatch is false only when c's statistics prove no value passes f.
func (f filter) mayMatch(c chunkMeta) bool {
	switch f.kind {
	case "CONJUNCTION_AND":
		for _, child := range f.children {
			if !child.mayMatch(c) {
				return false
			}
		}
		return true
	case "CONJUNCTION_OR":
		for _, child := range f.children {
			if child.mayMatch(c) {
				return true
			}
		}
		return len(f.children) == 0
	case "OPTIONAL_FILTER": // DuckDB uses these for statistics only
		return len(f.children) != 1 || f.children[0].mayMatch(c)
	case "IS_NULL":
		return !c.nullsKnown || c.nulls > 0
	case "IS_NOT_NULL":
		return !c.nullsKnown || c.nulls < c.values
	case "IN_FILTER":
		for _, v := range f.values {
			if inRange(v, c) {
				return true
			}
		}
		return len(f.values) == 0
	case "CONSTANT_COMPARISON":
		return compareMayMatch(f.op, f.constant, c)
	}
	return true
}

func inRange(v constant, c chunkMeta) bool {
	return compareMayMatch("COMPARE_EQUAL", v, c)
}

func compareMayMatch(op string, v constant, c chunkMeta) bool {
	if v.isNull || c.min == nil || c.max == nil {
		return true
	}
	lo, ok1 := compareStat(v, *c.min) // sign of min - v
	hi, ok2 := compareStat(v, *c.max) // sign of max - v
	if !ok1 || !ok2 {
		return true
	}
	switch op {
	case "COMPARE_EQUAL":
		return lo <= 0 && hi >= 0
	case "COMPARE_NOTEQUAL":
		return !(lo == 0 && hi == 0)
	case "COMPARE_LESSTHAN":
		return lo < 0
	case "COMPARE_LESSTHANOREQUALTO":
		return lo <= 0
	case "COMPARE_GREATERTHAN":
		return hi > 0
	case "COMPARE_GREATERTHANOREQUALTO":
		return hi >= 0
	}
	return true
}

// compareStat compares a statistic (as DuckDB renders it) with a plan
// constant of the column's type: the sign of stat - v. ok is false for
// types it does not know, which then never rule a row group out.
func compareStat(v constant, stat string) (int, bool) {
	switch v.typ {
	case "VARCHAR":
		s, ok := v.value.(string)
		return strings.Compare(stat, s), ok
	case "BOOLEAN":
		b, ok := v.value.(bool)
		sb, err := strconv.ParseBool(stat)
		return boolInt(sb) - boolInt(b), ok && err == nil
	case "TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT", "UHUGEINT":
		return compareInts(v.value, stat)
	case "FLOAT", "DOUBLE":
		return compareFloats(v.value, stat)
	case "DATE":
		d, err := time.Parse("2006-01-02", stat)
		return compareInts(v.value, strconv.FormatInt(d.Unix()/86400, 10), err)
	case "TIMESTAMP":
		t, err := time.Parse("2006-01-02 15:04:05.999999", stat)
		return compareInts(v.value, strconv.FormatInt(t.UnixMicro(), 10), err)
	}
	return 0, false
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func compareInts(v any, stat string, errs ...error) (int, bool) {
	for _, err := range errs {
		if err != nil {
			return 0, false
		}
	}
	num, ok := v.(json.Number)
	a, ok1 := new(big.Int).SetString(stat, 10)
	b, ok2 := new(big.Int).SetString(string(num), 10)
	if !ok || !ok1 || !ok2 {
		return 0, false
	}
	return a.Cmp(b), true
}

func compareFloats(v any, stat string) (int, bool) {
	num, ok := v.(json.Number)
	b, err1 := strconv.ParseFloat(string(num), 64)
	a, err2 := strconv.ParseFloat(stat, 64)
	if !ok || err1 != nil || err2 != nil || a != a || b != b {
		return 0, false
	}
	switch {
	case a < b:
		return -1, true
	case a > b:
		return 1, true
	}
	return 0, true
}

func listOf(files []string) string {
	quoted := make([]string, len(files))
	for i, f := range files {
		quoted[i] = lake.SQLString(f)
	}
	return "[" + strings.Join(quoted, ", ") + "]"
}
