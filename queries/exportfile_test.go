package queries_test

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestExportWritesWhatThePersonaSees(t *testing.T) {
	l, pol := governedLake(t)
	s := open(t, l, pol, "sales_east")
	dir := t.TempDir()
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, format := range []string{"csv", "json", "parquet"} {
		path := filepath.Join(dir, "east."+format)
		st, err := s.Export(context.Background(), "SELECT * FROM sales.customers", path, format)
		if err != nil {
			t.Fatalf("%s: %v", format, err)
		}
		var n int64
		var regions, phones string
		reader := map[string]string{"csv": "read_csv", "json": "read_json", "parquet": "read_parquet"}[format]
		q := "SELECT count(*), string_agg(DISTINCT region, ','), min(phone::VARCHAR) FROM " + reader + "('" + path + "')"
		if err := db.QueryRow(q).Scan(&n, &regions, &phones); err != nil {
			t.Fatalf("%s: read back: %v", format, err)
		}
		if n != st.Rows || n == 0 || regions != "east" || !strings.HasPrefix(phones, "*") {
			t.Errorf("%s: %d rows (stats %d), regions %q, phone %q", format, n, st.Rows, regions, phones)
		}
		data, _ := os.ReadFile(path)
		for _, secret := range hidden["sales_east"] {
			if strings.Contains(string(data), secret) {
				t.Errorf("%s export holds hidden %q", format, secret)
			}
		}
		if _, err := os.Stat(path + ".tarn-tmp"); err == nil {
			t.Errorf("%s: temporary file left behind", format)
		}
	}
	if _, err := s.Export(context.Background(), "SELECT 1", filepath.Join(dir, "nope", "x.csv"), "csv"); err == nil || !strings.Contains(err.Error(), "does not exist") {
		t.Errorf("missing folder: %v", err)
	}
}
