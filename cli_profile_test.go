package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"tarn/lake"
	"tarn/queries"
)

func TestProfilePrintsMaskedFiguresAndStats(t *testing.T) {
	root := governedCLILake(t)
	code, out, errOut := tarn(t, "profile", "--lake", root, "sales.customers", "phone", "--persona", "sales_east")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	_, count, _ := tarn(t, "query", "--lake", root, "--persona", "sales_east", "--format", "csv", "SELECT count(*) FROM sales.customers")
	rows := strings.TrimSpace(strings.Split(count, "\n")[1])
	if !regexp.MustCompile(`(?m)^  rows +` + regexp.QuoteMeta(queries.FormatCount(atoi(t, rows))) + `$`).MatchString(out) {
		t.Errorf("profile does not count sales_east's %s rows:\n%s", rows, out)
	}
	if !regexp.MustCompile(`(?m)^  min +\*+\d{4}$`).MatchString(out) || !strings.Contains(out, "most frequent") {
		t.Errorf("profile of a masked phone:\n%s", out)
	}
	if !strings.Contains(errOut, "SUCCEEDED · 1 row · data scanned") || !strings.Contains(errOut, "cost $") {
		t.Errorf("stats on stderr:\n%s", errOut)
	}
}

func TestProfileJSONHasEveryReadableColumn(t *testing.T) {
	root := governedCLILake(t)
	code, out, errOut := tarn(t, "profile", "--lake", root, "--persona", "sales_east", "--format", "json", "sales.customers")
	var profiles []queries.Profile
	if err := json.Unmarshal([]byte(out), &profiles); code != 0 || err != nil {
		t.Fatalf("exit %d, %v: %s\n%s", code, err, errOut, out)
	}
	var names []string
	for _, p := range profiles {
		names = append(names, p.Column)
		if p.Stats.State != queries.Succeeded || p.SQL == "" {
			t.Errorf("%s: %+v", p.Column, p.Stats)
		}
	}
	if got := strings.Join(names, ","); got != "customer_id,name,email,phone,region" {
		t.Errorf("sales_east's columns profiled: %s", got)
	}
}

func TestProfileRefusalsExitLikeQuery(t *testing.T) {
	root := governedCLILake(t)
	code, _, errOut := tarn(t, "profile", "--lake", root, "--persona", "analyst", "weblogs.access_log_csv_1", "size")
	_, _, queryErr := tarn(t, "query", "--lake", root, "--persona", "analyst", "SELECT size FROM weblogs.access_log_csv_1")
	if code != 1 || !strings.Contains(errOut, "Bytes scanned limit was exceeded") || !strings.HasPrefix(queryErr, "tarn: Bytes scanned limit was exceeded") {
		t.Errorf("over the limit: exit %d: %s (a query says %s)", code, errOut, queryErr)
	}
	code, _, errOut = tarn(t, "profile", "--lake", root, "--persona", "sales_east", "sales.customers", "payment_id")
	if code != 1 || !strings.Contains(errOut, `column "payment_id" not found in sales.customers`) {
		t.Errorf("hidden column: exit %d: %s", code, errOut)
	}
	code, out, errOut := tarn(t, "profile", "--lake", root, "--persona", "sales_east", "--format", "json", "sales.customers", "region", "payment_id")
	var profiles []queries.Profile
	if err := json.Unmarshal([]byte(out), &profiles); code != 1 || err != nil || len(profiles) != 1 || !strings.Contains(errOut, "payment_id") {
		t.Errorf("json, the second column refused: exit %d, %v, %d profiles: %s", code, err, len(profiles), errOut)
	}
	if code, _, _ := tarn(t, "profile", "--lake", root); code != 1 {
		t.Errorf("no table: exit %d", code)
	}
}

func atoi(t *testing.T, s string) int64 {
	t.Helper()
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// A profile of a whole table the persona may not read is a refused
// attempt on that table, like a query of it or a profile of one of its
// columns: it is in the audit log and the workgroup's history, REFUSED,
// and records the same for a hidden table as for a missing one.
func TestProfileOfAWholeRefusedTableIsAudited(t *testing.T) {
	root := governedCLILake(t)
	audit := func() []queries.Query {
		data, _ := os.ReadFile(filepath.Join(root, lake.AuditFile))
		var out []queries.Query
		for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
			var q queries.Query
			if json.Unmarshal([]byte(line), &q) == nil {
				out = append(out, q)
			}
		}
		return out
	}
	for _, table := range []string{"sales.sales", "sales.nosuch"} {
		before := len(audit())
		code, _, errOut := tarn(t, "profile", "--lake", root, "--persona", "sales_east", table)
		if code != 1 || !strings.Contains(errOut, "Table "+table+" not found") {
			t.Errorf("%s: exit %d: %s", table, code, errOut)
		}
		after := audit()
		if len(after) != before+1 || after[len(after)-1].State != queries.Refused || after[len(after)-1].Persona != "sales_east" {
			t.Errorf("%s: the refused profile is not audited: %d records before, %d after", table, before, len(after))
		}
	}
}
