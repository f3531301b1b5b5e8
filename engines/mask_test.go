package engines_test

import (
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"tarn/engines"
	"tarn/internal/testlake"
	"tarn/lake"
	"tarn/perms"
	"tarn/queries"
)

// maskSamples is a CSV of edge values: NULL (an empty field), ” (a
// quoted empty field), strings shorter than, as long as and longer than
// four characters, and multi-byte characters.
const maskSamples = `id,v,ts
1,,2015-03-04 05:06:07
2,"",
3,ab,1999-12-31 23:59:59
4,abcd,2000-01-01 00:00:00
5,abcde,2024-02-29 12:00:00
6,+7-972-934-5164,1970-01-01 00:00:00
7,ünïcödé→x,2015-01-01 00:00:00
`

// maskedRows runs select over the sample table in DuckDB; each row's
// values as text, NULL as "<null>".
func maskedRows(t *testing.T, db *sql.DB, query string) []string {
	t.Helper()
	rows, err := db.Query(query)
	if err != nil {
		t.Fatalf("%v\n%s", err, query)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id int
		var v sql.NullString
		if err := rows.Scan(&id, &v); err != nil {
			t.Fatal(err)
		}
		s := "<null>"
		if v.Valid {
			s = v.String
		}
		out = append(out, fmt.Sprintf("%d=%s", id, s))
	}
	return out
}

// The Trino expressions of redact, last4, null and year are run through
// DuckDB, where both dialects agree on CASE, lpad, substr, greatest,
// length, CAST and date_trunc, beside tarn's own mask (the governed
// view's SQL); hash's needs Trino's to_utf8 and to_hex, which DuckDB
// lacks, so tarn's hashes are compared with SHA-256 computed here.
func TestTrinoMasksGiveTarnsResults(t *testing.T) {
	l, err := lake.Create(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(l.Root, "t", "samples")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "part-00000.csv"), []byte(maskSamples), 0o644); err != nil {
		t.Fatal(err)
	}
	table := lake.Table{Database: "t", Name: "samples", Location: "t/samples", Format: lake.CSV, Compression: lake.None,
		Columns: lake.Columns{{Name: "id", Type: "INTEGER"}, {Name: "v", Type: "VARCHAR"}, {Name: "ts", Type: "TIMESTAMP"}}}
	db := testlake.OpenDuck(t)
	for _, c := range []struct{ kind, column, trinoType string }{
		{"redact", "v", "varchar"}, {"last4", "v", "varchar"}, {"null", "v", "varchar"},
		{"year", "ts", "timestamp(3)"}, {"null", "ts", "timestamp(3)"},
	} {
		expr, ok := engines.TrinoMask(c.kind, c.column, c.trinoType)
		if !ok {
			t.Fatalf("no Trino mask %s for %s", c.kind, c.trinoType)
		}
		if c.trinoType == "timestamp(3)" { // DuckDB spells it without the precision
			expr = strings.ReplaceAll(expr, "timestamp(3)", "TIMESTAMP")
		}
		colType := map[string]string{"v": "VARCHAR", "ts": "TIMESTAMP"}[c.column]
		tarnView := queries.ViewSQL(l, perms.TableAccess{Table: table, Select: true, Columns: []perms.ColumnAccess{
			{Name: "id", Type: "INTEGER"}, {Name: c.column, Type: colType, Mask: c.kind}}})
		tarn := maskedRows(t, db, fmt.Sprintf("SELECT id, CAST(%s AS VARCHAR) FROM (%s) ORDER BY id", c.column, tarnView))
		trino := maskedRows(t, db, fmt.Sprintf("SELECT id, CAST(%s AS VARCHAR) FROM %s ORDER BY id", expr, l.Relation(table)))
		if fmt.Sprint(tarn) != fmt.Sprint(trino) || len(tarn) != 7 {
			t.Errorf("%s on %s:\ntarn  %q\ntrino %q (%s)", c.kind, c.column, tarn, trino, expr)
		}
	}
	tarnView := queries.ViewSQL(l, perms.TableAccess{Table: table, Select: true, Columns: []perms.ColumnAccess{
		{Name: "id", Type: "INTEGER"}, {Name: "v", Type: "VARCHAR", Mask: "hash"}}})
	plain := maskedRows(t, db, "SELECT id, v FROM "+l.Relation(table)+" ORDER BY id")
	hashed := maskedRows(t, db, "SELECT id, v FROM ("+tarnView+") ORDER BY id")
	for i := range plain {
		var id int
		var v string
		fmt.Sscanf(plain[i], "%d=", &id)
		v = plain[i][len(fmt.Sprint(id))+1:]
		want := "<null>"
		if v != "<null>" {
			sum := sha256.Sum256([]byte(v)) // to_utf8, sha256, to_hex, lower
			want = hex.EncodeToString(sum[:])
		}
		if hashed[i] != fmt.Sprintf("%d=%s", id, want) {
			t.Errorf("hash of %q: tarn %s, Trino's lower(to_hex(sha256(to_utf8(v)))) %s", v, hashed[i], want)
		}
	}
}
