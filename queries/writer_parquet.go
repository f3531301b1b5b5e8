package queries

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"math/big"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	duckdb "github.com/duckdb/duckdb-go/v2"

	"tarn/lake"
)

// writeParquet writes src's rows to file with DuckDB's own Parquet writer,
// in a private in-memory DuckDB that may write only in file's folder and
// never sees the lake or the user's SQL. The rows reach it through a table
// function, tarn_rows(), that pulls them from the stream as DuckDB asks:
// COPY (SELECT * FROM tarn_rows()) holds a row group at a time, so memory
// stays bounded whatever the result's size (TestParquetExportKeepsMemoryBounded).
//
// DuckDB's writer rather than parquet-go's with a schema of our own: it
// already writes every type the stream decodes (LIST, STRUCT, MAP, DECIMAL,
// INTERVAL, UUID, HUGEINT, time zones...) as DuckDB reads it back, where a
// schema built from type names would have to re-derive each type's Parquet
// form, and could only be checked against DuckDB's anyway.
func writeParquet(ctx context.Context, file string, src Rows) error {
	db, conn, err := openDuck(ctx, sandbox([]string{filepath.Dir(file)}, ""))
	if err != nil {
		return err
	}
	defer db.Close()
	defer conn.Close()
	feed, err := newRowFeed(ctx, conn, src)
	if err != nil {
		return err
	}
	err = duckdb.RegisterTableUDF(conn, "tarn_rows", duckdb.RowTableFunction{
		BindArguments: func(map[string]any, ...any) (duckdb.RowTableSource, error) { return feed, nil },
	})
	if err != nil {
		return err
	}
	_, err = conn.ExecContext(ctx, "COPY (SELECT * FROM tarn_rows()) TO "+lake.SQLString(file)+" (FORMAT parquet, COMPRESSION zstd)")
	if feed.err != nil {
		return feed.err // the stream's own error, not DuckDB's text of it
	}
	return err
}

// rowFeed is tarn_rows()'s source: it hands DuckDB src's rows one by one.
type rowFeed struct {
	src     Rows
	columns []duckdb.ColumnInfo
	bignums []bool // per column: whether its type holds BIGNUMs
	row     []any
	next, n int  // the next row of src's current chunk, and the chunk's size
	ended   bool // src has no more rows: DuckDB asks once more
	err     error
}

// newRowFeed describes src's columns to DuckDB with DuckDB's own reading
// of their type names, as exportType rewrites them.
func newRowFeed(ctx context.Context, conn *sql.Conn, src Rows) (*rowFeed, error) {
	cols := src.Columns()
	types, err := exportTypes(ctx, conn, cols)
	if err != nil {
		return nil, err
	}
	f := &rowFeed{src: src, columns: make([]duckdb.ColumnInfo, len(cols)), bignums: make([]bool, len(cols)), row: make([]any, len(cols))}
	for i, name := range uniqueNames(cols) {
		f.columns[i] = duckdb.ColumnInfo{Name: name, T: types[i]}
		f.bignums[i] = slices.Contains(typeNameRE.FindAllString(cols[i].Type, -1), "BIGNUM")
	}
	return f, nil
}

// exportTypes are DuckDB's types for cols' type names, as exportType
// rewrites them: DuckDB parses the names, as it did when an export was a
// table created with them.
func exportTypes(ctx context.Context, conn *sql.Conn, cols []Column) ([]duckdb.TypeInfo, error) {
	casts := make([]string, len(cols))
	for i, c := range cols {
		casts[i] = "CAST(NULL AS " + exportType(c.Type) + ")"
	}
	infos := make([]duckdb.TypeInfo, len(cols))
	err := conn.Raw(func(dc any) error {
		stmt, err := dc.(driver.ConnPrepareContext).PrepareContext(ctx, "SELECT "+strings.Join(casts, ", "))
		if err != nil {
			return err
		}
		defer stmt.Close()
		for i := range cols {
			if infos[i], err = stmt.(*duckdb.Stmt).ColumnTypeInfo(i); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("export: the columns' types: %w", err)
	}
	return infos, nil
}

func (f *rowFeed) ColumnInfos() []duckdb.ColumnInfo     { return f.columns }
func (f *rowFeed) Cardinality() *duckdb.CardinalityInfo { return nil }
func (f *rowFeed) Init()                                {}

// FillRow sets out to the next row; false at the end of the rows.
func (f *rowFeed) FillRow(out duckdb.Row) (bool, error) {
	for f.next == f.n {
		if f.ended || !f.src.Next() {
			f.ended, f.err = true, f.src.Err()
			return false, f.err
		}
		f.next, f.n = 0, f.src.Len()
	}
	if f.err = f.src.Row(f.next, f.row); f.err != nil {
		return false, f.err
	}
	f.next++
	for i, v := range f.row {
		if f.bignums[i] {
			v = bignumsAsText(v, f.columns[i].T)
		}
		if err := out.SetRowValue(i, v); err != nil {
			f.err = fmt.Errorf("export: column %q: %w", f.columns[i].Name, err)
			return false, f.err
		}
	}
	return true, nil
}

// typeNameRE finds, in a type's name, the quoted names of STRUCT fields and
// UNION members (kept as they are) and the types exportType rewrites.
var typeNameRE = regexp.MustCompile(`"(?:[^"]|"")*"|\bENUM\b|\bBIGNUM\b`)

// exportType is the type of an export's column. duckdb-go names an ENUM
// type without its values, which DuckDB cannot create; its values arrive
// as text, and are written as VARCHAR. DuckDB writes a BIGNUM to Parquet
// as its text; duckdb-go cannot declare one to a table function, so the
// feed hands DuckDB its text (see bignumsAsText).
func exportType(t string) string {
	return typeNameRE.ReplaceAllStringFunc(t, func(m string) string {
		if strings.HasPrefix(m, `"`) {
			return m
		}
		return "VARCHAR"
	})
}

// bignumsAsText replaces the BIGNUMs in v by their text. t is v's type as
// exportType declares it, where a BIGNUM's place is VARCHAR (an ENUM's
// too, but its values arrive as text already).
func bignumsAsText(v any, t duckdb.TypeInfo) any {
	switch d := t.Details().(type) {
	case *duckdb.ListDetails:
		return listAsText(v, d.Child)
	case *duckdb.ArrayDetails:
		return listAsText(v, d.Child)
	case *duckdb.StructDetails:
		if m, ok := v.(map[string]any); ok {
			out := make(map[string]any, len(m))
			for _, e := range d.Entries {
				out[e.Name()] = bignumsAsText(m[e.Name()], e.Info())
			}
			return out
		}
	case *duckdb.MapDetails:
		if m, ok := v.(duckdb.OrderedMap); ok {
			var out duckdb.OrderedMap
			keys, values := m.Keys(), m.Values()
			for i := range keys {
				out.Set(bignumsAsText(keys[i], d.Key), bignumsAsText(values[i], d.Value))
			}
			return out
		}
	case *duckdb.UnionDetails:
		if u, ok := v.(duckdb.Union); ok {
			for _, m := range d.Members {
				if m.Name == u.Tag {
					u.Value = bignumsAsText(u.Value, m.Type)
				}
			}
			return u
		}
	}
	if b, ok := v.(*big.Int); ok && t.InternalType() == duckdb.TYPE_VARCHAR {
		return FormatOf("BIGNUM").Text(b)
	}
	return v
}

func listAsText(v any, child duckdb.TypeInfo) any {
	list, ok := v.([]any)
	if !ok {
		return v
	}
	out := make([]any, len(list))
	for i, e := range list {
		out[i] = bignumsAsText(e, child)
	}
	return out
}
