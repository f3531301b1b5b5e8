package lake_test

import (
	"bytes"
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"tarn/lake"
)

// awkwardFolders are folders of files as users leave them: quoted
// newlines, empty files, headers only, blank lines, CRLF, nested JSON,
// gzip (whole and truncated), a row that does not fit the first file's
// types, a column only some files have.
var awkwardFolders = map[string]string{
	"raw/quoted/a.csv":       "id,text\n1,\"line one\nline two\"\n2,\"x, \"\"y\"\"\"\n",
	"raw/quoted/b.csv":       "id,text\n3,\"\n\"\n",
	"raw/empty/a.csv":        "",
	"raw/empty/b.csv":        "a,b\n1,2\n",
	"raw/header_only/a.csv":  "a,b\n",
	"raw/blank_lines/a.csv":  "a,b\n1,2\n\n3,4\n\n\n",
	"raw/crlf/a.csv":         "day,n\r\n2024-01-02,1\r\n2024-01-03,2\r\n",
	"raw/bad_row/a.csv":      "id,name\n1,x\n2,y\n",
	"raw/bad_row/b.csv":      "id,name\nabc,z\n",
	"raw/more_cols/a.csv":    "id\n1\n",
	"raw/more_cols/b.csv":    "id,extra\n2,x\n",
	"raw/nested/a.json":      "{\"id\":1,\"tags\":[\"x\",\"y\"],\"user\":{\"name\":\"a\",\"age\":3}}\n{\"id\":2,\"tags\":[],\"user\":{\"name\":\"b\",\"age\":null}}\n",
	"raw/nested/b.json":      "{\"id\":3,\"tags\":null,\"user\":{\"name\":\"c\",\"age\":5}}\n\n",
	"raw/json_empty/a.json":  "",
	"raw/json_empty/b.json":  "{\"a\":true}\n",
	"raw/json_broken/a.json": "{\"a\":1}\n{\"a\":\n",
	"raw/gz/a.csv.gz":        "gz:id,text\n1,\"two\nlines\"\n",
	"raw/gz/b.csv.gz":        "gz:id,text\n2,plain\n3,more\n",
	"raw/gz_cut/a.csv.gz":    "gz:a,b\n1,x\n",
	"raw/gz_cut/b.csv.gz":    "cut:a,b\n" + strings.Repeat("2,y\n", 20000),
	"raw/gz_json/a.json.gz":  "gz:{\"k\":\"v\",\"n\":[1,2]}\n",
}

func writeAwkward(t *testing.T, root string) {
	t.Helper()
	for name, content := range awkwardFolders {
		data := []byte(content)
		if rest, ok := strings.CutPrefix(content, "gz:"); ok {
			data = gzipBytes(t, rest)
		} else if rest, ok := strings.CutPrefix(content, "cut:"); ok {
			data = gzipBytes(t, rest)
			data = data[:len(data)/2]
		}
		writeBytes(t, filepath.Join(root, name), data)
	}
}

// crawlWith crawls l's root with statements run directly or through
// database/sql, and returns lake.toml as written, then removes it.
func crawlWith(t *testing.T, l *lake.Lake, direct bool) (lake.CrawlReport, []byte) {
	t.Helper()
	defer lake.SetCrawlDirect(direct)()
	l.Catalog = &lake.Catalog{}
	rep, err := l.Crawl(context.Background(), lake.CrawlOptions{Dir: l.Root})
	if err != nil {
		t.Fatal(err)
	}
	toml, err := os.ReadFile(l.CatalogPath())
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(l.CatalogPath()); err != nil {
		t.Fatal(err)
	}
	return rep, toml
}

// A crawl whose statements run directly on DuckDB's connections writes
// the catalog and the report a crawl through database/sql writes, on
// awkward files, and what it registers is what DuckDB itself says of the
// files: the first readable file's columns, the rows a query of the
// table counts.
func TestDirectCrawlIsDuckDBsAnswer(t *testing.T) {
	for _, workers := range []int{1, 2} { // one folder at a time, and shared out
		defer lake.SetCrawlWorkers(workers)()
		l, err := lake.Create(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		writeAwkward(t, l.Root)
		viaSQL, wantToml := crawlWith(t, l, false)
		direct, gotToml := crawlWith(t, l, true)
		if !bytes.Equal(gotToml, wantToml) {
			t.Errorf("%d workers: direct crawl wrote\n%s\nthrough database/sql\n%s", workers, gotToml, wantToml)
		}
		if !slices.Equal(direct.Skipped, viaSQL.Skipped) || len(direct.Registered) != len(viaSQL.Registered) {
			t.Errorf("%d workers: direct crawl skipped %q\nthrough database/sql %q", workers, direct.Skipped, viaSQL.Skipped)
		}
		checkDuckDBAgrees(t, l.Root, direct.Registered)
	}
}

// checkDuckDBAgrees asks DuckDB, through database/sql, for each table's
// columns (its first readable file's) and rows (read as the table is).
func checkDuckDBAgrees(t *testing.T, root string, tables []lake.Table) {
	t.Helper()
	db, err := lake.OpenDuckDB()
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if len(tables) < 10 {
		t.Fatalf("registered only %d tables", len(tables))
	}
	for _, tab := range tables {
		files, _ := filepath.Glob(filepath.Join(root, tab.Location, "*"))
		files = slices.DeleteFunc(files, func(f string) bool { return slices.Contains(tab.Exclude, filepath.Base(f)) })
		cols := describeColumns(t, db, "SELECT * FROM "+sniffed(tab, files[:1], ""))
		first := tab
		first.Columns = cols
		if readEvery(db, first, files) != nil { // a value the sample's types do not fit: sniffed from every row
			cols = describeColumns(t, db, "SELECT * FROM "+sniffed(tab, files, ", union_by_name=true, sample_size=-1"))
		}
		rows, err := readEvery(db, tab, files), error(nil)
		var n int64
		if rows == nil {
			err = db.QueryRow("SELECT count(*) FROM " + lake.RelationOf(tab, files)).Scan(&n)
		}
		if rows != nil || err != nil {
			t.Fatalf("%s: a query of the crawled table fails: %v %v", tab.Location, rows, err)
		}
		if !tab.UnionByName && !slices.Equal(tab.Columns, cols) || n != tab.Rows {
			t.Errorf("%s: crawled %v, %d rows; DuckDB says %v, %d rows", tab.Location, tab.Columns, tab.Rows, cols, n)
		}
	}
}

// sniffed is DuckDB's reader of files with its own type detection.
func sniffed(tab lake.Table, files []string, options string) string {
	quoted := make([]string, len(files))
	for i, f := range files {
		quoted[i] = lake.SQLString(f)
	}
	src := "[" + strings.Join(quoted, ", ") + "]"
	if tab.Format == lake.CSV {
		return "read_csv(" + src + ", header=true, delim=',', allow_quoted_nulls=false" + options + ")"
	}
	return "read_json(" + src + ", format='newline_delimited'" + options + ")"
}

// readEvery reads every value of files as tab's columns.
func readEvery(db *sql.DB, tab lake.Table, files []string) error {
	rows, err := db.Query("SELECT * FROM " + lake.RelationOf(tab, files))
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
	}
	return rows.Err()
}

func describeColumns(t *testing.T, db *sql.DB, query string) lake.Columns {
	rows, err := db.Query("SELECT column_name, column_type FROM (DESCRIBE " + query + ")")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var cols lake.Columns
	for rows.Next() {
		var c lake.Column
		if err := rows.Scan(&c.Name, &c.Type); err != nil {
			t.Fatal(err)
		}
		cols = append(cols, c)
	}
	return cols
}
