package testlake

import (
	"bytes"
	"compress/gzip"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/parquet-go/parquet-go"

	"tarn/internal/atomicfile"
	"tarn/lake"
	"tarn/perms"
)

// Tree is the shape of a generated catalog: Databases folders of Tables
// table folders each, every table FilesPerTable files of RowsPerFile rows.
// The formats take turns by table: Parquet, CSV, JSON lines, gzip CSV.
type Tree struct {
	Databases, Tables, FilesPerTable, RowsPerFile int
}

// TenThousandTables is issue 15's catalog: 100 databases of 100 tables,
// two small files each (20,000 files).
var TenThousandTables = Tree{Databases: 100, Tables: 100, FilesPerTable: 2, RowsPerFile: 5}

// treeLayouts are the formats the tables take turns in.
var treeLayouts = []struct {
	format      lake.Format
	compression lake.Compression
}{{lake.Parquet, lake.None}, {lake.CSV, lake.None}, {lake.JSON, lake.None}, {lake.CSV, lake.Gzip}}

// treeRow is a row of a generated table: the columns every table has,
// and Note, which tables with an odd number have too (as VARCHAR).
type treeRow struct {
	ID     int64   `parquet:"id" json:"id"`
	Name   string  `parquet:"name" json:"name"`
	Amount float64 `parquet:"amount" json:"amount"`
	Note   string  `parquet:"note" json:"note"`
}

type treeRowNoNote struct {
	ID     int64   `parquet:"id" json:"id"`
	Name   string  `parquet:"name" json:"name"`
	Amount float64 `parquet:"amount" json:"amount"`
}

// Write writes the tree's files under root (db000/t000/part-0.parquet,
// ...) and returns its tables as a crawl registers them, in catalog order.
func (tr Tree) Write(root string) ([]lake.Table, error) {
	var tables []lake.Table
	for d := range tr.Databases {
		for n := range tr.Tables {
			t := tr.table(d, n)
			if err := tr.writeTable(filepath.Join(root, t.Location), t, d*tr.Tables+n); err != nil {
				return nil, fmt.Errorf("table %s: %w", t.QualifiedName(), err)
			}
			tables = append(tables, t)
		}
	}
	return tables, nil
}

// table is the catalog entry of table n of database d.
func (tr Tree) table(d, n int) lake.Table {
	lay := treeLayouts[(d*tr.Tables+n)%len(treeLayouts)]
	db, name := fmt.Sprintf("db%03d", d), fmt.Sprintf("t%03d", n)
	cols := lake.Columns{{Name: "id", Type: "BIGINT"}, {Name: "name", Type: "VARCHAR"}, {Name: "amount", Type: "DOUBLE"}}
	if n%2 == 1 {
		cols = append(cols, lake.Column{Name: "note", Type: "VARCHAR"})
	}
	return lake.Table{Database: db, Name: name, Location: db + "/" + name, Format: lay.format,
		Compression: lay.compression, Origin: lake.OriginCrawl, Columns: cols,
		Rows: int64(tr.FilesPerTable * tr.RowsPerFile)}
}

func (tr Tree) writeTable(dir string, t lake.Table, seed int) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for f := range tr.FilesPerTable {
		rows := make([]treeRow, tr.RowsPerFile)
		for i := range rows {
			id := int64(f*tr.RowsPerFile + i)
			rows[i] = treeRow{ID: id, Name: fmt.Sprintf("name %d-%d", seed, id), Amount: float64(seed%97) + float64(i)/4, Note: "n" + strconv.Itoa(i)}
		}
		path := filepath.Join(dir, fmt.Sprintf("part-%d%s", f, lake.Extension(t.Format, t.Compression)))
		if err := writeTreeFile(path, t, rows); err != nil {
			return err
		}
	}
	return nil
}

func writeTreeFile(path string, t lake.Table, rows []treeRow) error {
	note := len(t.Columns) == 4
	if t.Format == lake.Parquet {
		if note {
			return parquet.WriteFile(path, rows)
		}
		short := make([]treeRowNoNote, len(rows))
		for i, r := range rows {
			short[i] = treeRowNoNote{r.ID, r.Name, r.Amount}
		}
		return parquet.WriteFile(path, short)
	}
	var b bytes.Buffer // test data: written plainly, no fsync per file
	if t.Compression == lake.Gzip {
		z := gzip.NewWriter(&b)
		if err := writeTextRows(z, t.Format, rows, note); err != nil {
			return err
		}
		z.Close()
	} else if err := writeTextRows(&b, t.Format, rows, note); err != nil {
		return err
	}
	return os.WriteFile(path, b.Bytes(), 0o644)
}

func writeTextRows(w io.Writer, format lake.Format, rows []treeRow, note bool) error {
	if format == lake.JSON {
		enc := json.NewEncoder(w)
		for _, r := range rows {
			var obj any = treeRowNoNote{r.ID, r.Name, r.Amount}
			if note {
				obj = r
			}
			if err := enc.Encode(obj); err != nil {
				return err
			}
		}
		return nil
	}
	c := csv.NewWriter(w)
	header := []string{"id", "name", "amount"}
	if note {
		header = append(header, "note")
	}
	c.Write(header)
	for _, r := range rows {
		rec := []string{strconv.FormatInt(r.ID, 10), r.Name, strconv.FormatFloat(r.Amount, 'f', 2, 64)}
		if note {
			rec = append(rec, r.Note)
		}
		c.Write(rec)
	}
	c.Flush()
	return c.Error()
}

// TreePolicy is a policy over a generated tree, shaped like the demo's:
// tag key role; every third database tagged leader, and in every
// database every third table tagged analyst and, in tables with a note,
// the note column tagged leader. The leader reads role leader or
// analyst, the analyst role analyst; admin reads all.
func TreePolicy(tables []lake.Table) *perms.Policy {
	everyone := []string{perms.Describe, perms.Select}
	p := &perms.Policy{
		Tags: []perms.TagKey{{Key: "role", Values: []string{"leader", "analyst"}}},
		Personas: []perms.Persona{
			{Name: "admin", Description: "Administrator", Workgroup: "primary", Admin: true},
			{Name: "leader", Description: "Project leader", Workgroup: "primary"},
			{Name: "analyst", Description: "Data analyst", Workgroup: "primary"},
		},
		Workgroups: []perms.Workgroup{{Name: "primary", Description: "Everyone"}},
		Grants: []perms.Grant{
			{Persona: "leader", Permissions: everyone, Expression: map[string][]string{"role": {"leader", "analyst"}}},
			{Persona: "analyst", Permissions: everyone, Expression: map[string][]string{"role": {"analyst"}}},
		},
	}
	seen := map[string]bool{}
	for i, t := range tables {
		if !seen[t.Database] && len(seen)%3 == 0 {
			p.Assigns = append(p.Assigns, perms.Assignment{Resource: t.Database, Tags: map[string]string{"role": "leader"}})
		}
		seen[t.Database] = true
		if i%3 == 0 {
			p.Assigns = append(p.Assigns, perms.Assignment{Resource: t.QualifiedName(), Tags: map[string]string{"role": "analyst"}})
			if len(t.Columns) == 4 {
				p.Assigns = append(p.Assigns, perms.Assignment{Resource: t.QualifiedName() + ".note", Tags: map[string]string{"role": "leader"}})
			}
		}
	}
	return p
}

// ManyTables is a lake in a temporary folder holding the tree, its
// tables in lake.toml (as a crawl registers them) and TreePolicy in
// policy.toml.
func ManyTables(t testing.TB, tr Tree) (*lake.Lake, *perms.Policy) {
	t.Helper()
	l, err := lake.Create(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	tables, err := tr.Write(l.Root)
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Update(func(c *lake.Catalog) error { c.Tables = tables; return nil }); err != nil {
		t.Fatal(err)
	}
	pol := TreePolicy(tables)
	if err := pol.Validate(l.Catalog, nil); err != nil {
		t.Fatal(err)
	}
	if err := atomicfile.WriteFile(perms.PolicyPath(l.Root), pol.Encode); err != nil {
		t.Fatal(err)
	}
	pol, err = perms.Load(l.Root, l.Catalog, nil)
	if err != nil {
		t.Fatal(err)
	}
	return l, pol
}
