package queries_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"tarn/lake"
	"tarn/queries"
)

func appendLine(t *testing.T, path, line string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString(line + "\n"); err != nil {
		t.Fatal(err)
	}
}

// A malformed row makes DuckDB's reader quote it, hidden columns and
// filtered-out rows included. A persona who is not an administrator gets
// the table, the file, the line and the kind of failure, in the error and
// in the workgroup's history; the administrator and the audit log keep
// the whole error.
func TestReaderErrorsDoNotQuoteRows(t *testing.T) {
	for _, c := range []struct {
		name, table, file, line, kind, sql string
	}{
		{"conversion", "sales.customers", "sales/customers/part-00000.csv",
			"xx," + canaryName + "9," + canaryEmail + "," + canaryPhone + ",west," + canaryPayment,
			"a value does not match its column's type", "SELECT customer_id, region FROM sales.customers"},
		{"column count", "sales.customers", "sales/customers/part-00000.csv",
			"5001," + canaryName + "9," + canaryEmail + "," + canaryPhone + ",west," + canaryPayment + ",extra",
			"a row has the wrong number of columns", "SELECT * FROM customers"},
		{"unterminated quote", "sales.customers", "sales/customers/part-00000.csv",
			"5001,\"" + canaryName + "9," + canaryEmail + "," + canaryPhone + ",west," + canaryPayment,
			"a quoted value is not terminated", "SELECT count(*) FROM sales.customers"},
		{"json conversion", "weblogs.access_log_json_1", "weblogs/access_log/json/1/part-00000.json",
			`{"host":"h","status":"` + canaryPayment + `"}`, "a value does not match its column's type", "SELECT status FROM weblogs.access_log_json_1"},
		{"malformed json", "weblogs.access_log_json_1", "weblogs/access_log/json/1/part-00000.json",
			`{"host":"` + canaryPayment + `", "status": `, "a line is not valid JSON", "SELECT host FROM weblogs.access_log_json_1"},
	} {
		t.Run(c.name, func(t *testing.T) {
			l, pol := governedLake(t)
			appendLine(t, filepath.Join(l.Root, c.file), c.line)
			for _, persona := range []string{"analyst", "sales_east"} {
				if c.table == "sales.customers" && persona == "analyst" && strings.Contains(c.sql, "customers ") {
					continue // the analyst has no bare name for it
				}
				_, _, err := result(open(t, l, pol, persona), c.sql)
				if err == nil {
					t.Fatalf("%s: the malformed row read without error", persona)
				}
				msg := err.Error()
				for _, want := range []string{"reading table " + c.table, "(file " + filepath.Base(c.file) + ")", ", line ", c.kind} {
					if !strings.Contains(msg, want) {
						t.Errorf("%s: error %q lacks %q", persona, msg, want)
					}
				}
				for _, secret := range []string{canaryName, canaryPayment, "CANARYPH", "Original Line"} {
					if strings.Contains(msg, secret) {
						t.Errorf("%s: error quotes the row (%q): %s", persona, secret, msg)
					}
				}
				who, _ := pol.Persona(persona)
				history, _ := os.ReadFile(queries.HistoryFile(l.Root, who.Workgroup))
				if strings.Contains(string(history), canaryPayment) || !strings.Contains(string(history), c.kind) {
					t.Errorf("%s: history holds the row or lacks the error:\n%s", persona, history)
				}
			}
			_, _, err := result(open(t, l, pol, "admin"), c.sql)
			if err == nil || !strings.Contains(err.Error(), canaryPayment) && !strings.Contains(err.Error(), "Malformed JSON") {
				t.Errorf("the administrator should get DuckDB's whole error: %v", err)
			}
			audit, _ := os.ReadFile(filepath.Join(l.Root, lake.AuditFile))
			if !strings.Contains(string(audit), `"error_detail":`) {
				t.Error("the audit log lacks the whole error of a redacted one")
			}
		})
	}
}

// A table whose view cannot be made (a broken file in a folder read by
// column name) fails for everyone, but DuckDB's message quotes the view:
// the persona's hidden columns, row filter, masks and the lake's paths.
// Only an administrator sees it.
func TestAViewThatCannotBeMadeIsRedacted(t *testing.T) {
	l, _ := governedLake(t)
	table, _ := l.Catalog.Lookup("sales", "customers")
	table.UnionByName = true
	l.Catalog.Put(table)
	if err := l.Save(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(l.Dir(table), "zz.csv"), []byte("customer_id,region\n\"unterminated,east\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	pol, err := queries.LoadPolicy(l)
	if err != nil {
		t.Fatal(err)
	}
	for _, persona := range []string{"analyst", "sales_east"} {
		_, err := open(t, l, pol, persona).Run(context.Background(), "SELECT count(*) FROM sales.customers")
		if err == nil {
			t.Fatalf("%s: the broken file was read", persona)
		}
		for _, leak := range []string{"CREATE", "email", "phone", "payment_id", "region = ", l.Root} {
			if strings.Contains(err.Error(), leak) {
				t.Errorf("%s sees %q in: %v", persona, leak, err)
			}
		}
	}
	if _, err := open(t, l, pol, "admin").Run(context.Background(), "SELECT count(*) FROM sales.customers"); err == nil || !strings.Contains(err.Error(), "sales.customers") {
		t.Errorf("admin: %v", err)
	}
}
