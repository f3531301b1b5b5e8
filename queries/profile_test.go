package queries_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"tarn/internal/testlake"
	"tarn/lake"
	"tarn/perms"
	"tarn/queries"
)

func profileOf(t *testing.T, s *queries.Session, table, column string) queries.Profile {
	t.Helper()
	p, err := s.ProfileColumn(context.Background(), table, column)
	if err != nil {
		t.Fatalf("profile of %s.%s as %s: %v", table, column, s.Persona().Name, err)
	}
	return p
}

// count is the persona's own count(*) of a query.
func count(t *testing.T, s *queries.Session, q string) int64 {
	t.Helper()
	_, rows, err := result(s, q)
	if err != nil {
		t.Fatal(err)
	}
	n, err := strconv.ParseInt(rows[0][0], 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func profileValues(p queries.Profile) []string {
	out := []string{p.Min, p.Max}
	for _, b := range p.Top {
		out = append(out, b.Label)
	}
	return out
}

func TestASalesEastProfileOfPhoneShowsOnlyMaskedEastRows(t *testing.T) {
	l, pol := governedLake(t)
	east := open(t, l, pol, "sales_east")
	p := profileOf(t, east, "sales.customers", "phone")
	if want := count(t, east, "SELECT count(*) FROM sales.customers"); p.Rows != want || want == 0 {
		t.Errorf("sales_east's profile counts %d rows; its own count(*) is %d", p.Rows, want)
	}
	admin := open(t, l, pol, "admin")
	if east := count(t, admin, "SELECT count(*) FROM sales.customers WHERE region = 'east'"); p.Rows != east {
		t.Errorf("profile counts %d rows, the east region has %d", p.Rows, east)
	}
	masked := regexp.MustCompile(`^\*+[^*]{4}$`)
	if len(p.Top) == 0 {
		t.Fatal("no frequent values")
	}
	for _, v := range profileValues(p) {
		if !masked.MatchString(v) {
			t.Errorf("sales_east's profile shows %q, not a masked phone", v)
		}
	}
	blob, _ := json.Marshal(p)
	for _, secret := range hidden["sales_east"] {
		if strings.Contains(string(blob), secret) {
			t.Errorf("sales_east's profile holds %q", secret)
		}
	}
	whole := profileOf(t, admin, "sales.customers", "phone")
	if whole.Rows <= p.Rows || whole.Min == p.Min || masked.MatchString(whole.Min) || !strings.Contains(whole.Min+whole.Max, "+") {
		t.Errorf("admin's profile (%d rows, min %q) should count more rows, unmasked, than sales_east's (%d, %q)", whole.Rows, whole.Min, p.Rows, p.Min)
	}
	if p.Stats.State != queries.Succeeded || p.Stats.DataScanned == 0 || p.Stats.CostUSD == 0 {
		t.Errorf("profile stats %+v: want SUCCEEDED with data scanned and cost", p.Stats)
	}
}

func TestAProfileOfANumberHasRangeQuartilesAndBins(t *testing.T) {
	l, pol := governedLake(t)
	s := open(t, l, pol, "analyst")
	table := "weblogs.access_log_parquet_1"
	p := profileOf(t, s, table, "size")
	_, want, err := result(s, "SELECT count(*), count(*) - count(size), count(DISTINCT size), min(size), max(size) FROM "+table)
	if err != nil {
		t.Fatal(err)
	}
	got := []string{strconv.FormatInt(p.Rows, 10), strconv.FormatInt(p.Nulls, 10), strconv.FormatInt(p.Distinct, 10), p.Min, p.Max}
	if strings.Join(got, " ") != strings.Join(want[0], " ") {
		t.Errorf("profile rows, nulls, distinct, min, max = %v; the persona's own query says %v", got, want[0])
	}
	if len(p.Quartiles) != 3 || p.Mean == "" {
		t.Errorf("quartiles %v, mean %q", p.Quartiles, p.Mean)
	}
	var binned int64
	for _, b := range p.Histogram {
		binned += b.Count
	}
	if len(p.Histogram) < 2 || binned != p.Rows-p.Nulls {
		t.Errorf("histogram %v holds %d values, want %d non-null", p.Histogram, binned, p.Rows-p.Nulls)
	}
	last, _ := strconv.ParseFloat(p.Histogram[len(p.Histogram)-1].Label, 64)
	if most, _ := strconv.ParseFloat(p.Max, 64); last < most {
		t.Errorf("the last bin ends at %v, below the max %v", last, most)
	}
}

func TestAHiddenColumnIsRefusedLikeAMissingOne(t *testing.T) {
	l, pol := governedLake(t)
	east := open(t, l, pol, "sales_east")
	refusal, hiddenErr := east.ProfileColumn(context.Background(), "sales.customers", "payment_id")
	if refusal.Stats.State != queries.Refused {
		t.Errorf("a refused profile's state: %q", refusal.Stats.State)
	}
	_, missingErr := east.ProfileColumn(context.Background(), "sales.customers", "no_such_column")
	var refused *queries.RefusedError
	if !errors.As(hiddenErr, &refused) || !errors.As(missingErr, &refused) {
		t.Fatalf("hidden: %v; missing: %v; want both refused", hiddenErr, missingErr)
	}
	if strings.ReplaceAll(hiddenErr.Error(), "payment_id", "X") != strings.ReplaceAll(missingErr.Error(), "no_such_column", "X") {
		t.Errorf("a hidden column is told apart from a missing one:\n%v\n%v", hiddenErr, missingErr)
	}
	if !strings.Contains(hiddenErr.Error(), "payment_id") || !strings.Contains(hiddenErr.Error(), "sales.customers") {
		t.Errorf("the refusal does not name the column and table: %v", hiddenErr)
	}
	if east.Last().State != queries.Refused || !strings.Contains(east.Last().SQL, `"no_such_column"`) {
		t.Errorf("the refused profile is not recorded: %+v", east.Last())
	}
	if _, err := east.ProfileColumn(context.Background(), "sales.shops", "name"); err == nil || !strings.Contains(err.Error(), "not found") {
		t.Errorf("a table sales_east cannot see: %v", err)
	}
}

func TestTheWorkgroupLimitRefusesAProfile(t *testing.T) {
	l, pol := governedLake(t)
	for i := range pol.Workgroups {
		if pol.Workgroups[i].Name == "sales" {
			pol.Workgroups[i].BytesScannedCutoff = 100
		}
	}
	east := open(t, l, pol, "sales_east")
	_, err := east.ProfileColumn(context.Background(), "sales.customers", "phone")
	var limit *queries.LimitError
	if !errors.As(err, &limit) || east.Last().State != queries.Cancelled {
		t.Errorf("profile over the limit: %v (state %s), want Bytes scanned limit was exceeded", err, east.Last().State)
	}
}

func TestAProfileIsInTheHistoryAndTheAuditLog(t *testing.T) {
	l, pol := governedLake(t)
	east := open(t, l, pol, "sales_east")
	p := profileOf(t, east, "sales.customers", "region")
	var inHistory bool
	if _, err := queries.ReadHistory(l.Root, "sales", func(q queries.Query) { inHistory = inHistory || q.SQL == p.SQL && q.State == queries.Succeeded }); err != nil {
		t.Fatal(err)
	}
	audit, err := os.ReadFile(filepath.Join(l.Root, lake.AuditFile))
	if err != nil {
		t.Fatal(err)
	}
	sqlJSON, _ := json.Marshal(p.SQL)
	if !inHistory || strings.Count(string(audit), string(sqlJSON)) != 2 {
		t.Errorf("profile in history: %v; audit records with its SQL: %d, want RUNNING and SUCCEEDED", inHistory, strings.Count(string(audit), string(sqlJSON)))
	}
	if len(p.Top) != 1 || p.Top[0].Label != "east" || p.Top[0].Count != p.Rows {
		t.Errorf("sales_east's regions: %+v of %d rows, want only east", p.Top, p.Rows)
	}
}

func TestAColumnWithQuotesAndSpacesIsProfiled(t *testing.T) {
	l, pol := governedLake(t)
	testlake.WriteFile(t, filepath.Join(l.Root, "odd/names/part.csv"), "\"a\"\"b c\",\"x'); DROP TABLE t; --\"\n1,p\n2,q\n2,q\n")
	if _, err := l.Crawl(context.Background(), lake.CrawlOptions{Dir: "odd"}); err != nil {
		t.Fatal(err)
	}
	admin := open(t, l, pol, "admin")
	p := profileOf(t, admin, "odd.names", `A"B C`) // names are matched as DuckDB matches them
	if p.Column != `a"b c` || p.Rows != 3 || p.Min != "1" || p.Max != "2" || p.Top[0] != (queries.Bin{Label: "2", Count: 2}) {
		t.Errorf("profile of a\"b c: %+v", p)
	}
	q := profileOf(t, admin, "odd.names", "x'); DROP TABLE t; --")
	if q.Rows != 3 || q.Top[0] != (queries.Bin{Label: "q", Count: 2}) {
		t.Errorf("profile of a column named like an injection: %+v", q)
	}
}

func TestAResultColumnIsProfiledThroughItsQuery(t *testing.T) {
	l, pol := governedLake(t)
	east := open(t, l, pol, "sales_east")
	query := "SELECT phone, region, phone FROM sales.customers WHERE customer_id % 2 = 0 -- even ids\n;"
	cols := []queries.Column{{Name: "phone", Type: "VARCHAR"}, {Name: "region", Type: "VARCHAR"}, {Name: "phone", Type: "VARCHAR"}}
	p, err := east.ProfileResult(context.Background(), query, cols, 2)
	if err != nil {
		t.Fatal(err)
	}
	if want := count(t, east, "SELECT count(*) FROM sales.customers WHERE customer_id % 2 = 0"); p.Rows != want {
		t.Errorf("profile of the result counts %d rows, the query returns %d", p.Rows, want)
	}
	if !strings.HasPrefix(p.Min, "*") || !strings.Contains(p.SQL, "#3") {
		t.Errorf("min %q; SQL:\n%s", p.Min, p.SQL)
	}
}

// The column is read once: a profile scans what selecting the column does.
func TestAProfileScansItsColumnOnce(t *testing.T) {
	l, pol := governedLake(t)
	s := open(t, l, pol, "analyst")
	for _, table := range []string{"weblogs.access_log_parquet_1", "weblogs.access_log_csv_1"} {
		p := profileOf(t, s, table, "size")
		if _, _, err := result(s, "SELECT size FROM "+table); err != nil {
			t.Fatal(err)
		}
		if p.Stats.DataScanned != s.Last().DataScanned || !p.Stats.ScannedExact {
			t.Errorf("%s: the profile scanned %d bytes (exact %v), selecting the column %d", table, p.Stats.DataScanned, p.Stats.ScannedExact, s.Last().DataScanned)
		}
	}
}

// Every mask kind profiles, with the type the persona's view has.
func TestEveryMaskKindProfilesWithItsViewType(t *testing.T) {
	l, pol := governedLake(t)
	table := "weblogs.access_log_csv_1"
	for column, kind := range map[string]string{"host": "redact", "path": "hash", "size": "null", "time": "year", "referrer": "last4"} {
		pol.Masks = append(pol.Masks, perms.Mask{Persona: "analyst", Column: table + "." + column, Kind: kind})
	}
	s := open(t, l, pol, "analyst")
	_, described, err := result(s, "SELECT column_name, column_type FROM (DESCRIBE "+table+")")
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range described {
		p := profileOf(t, s, table, d[0])
		if p.Type != d[1] {
			t.Errorf("%s: profiled as %s, the view's type is %s", d[0], p.Type, d[1])
		}
	}
	if p := profileOf(t, s, table, "size"); p.Nulls != p.Rows || p.Min != "NULL" || p.Histogram != nil {
		t.Errorf("a column masked to NULL: %+v", p)
	}
	if p := profileOf(t, s, table, "time"); p.Min != "2020-01-01 00:00:00" || len(p.Histogram) == 0 {
		t.Errorf("a column masked to its year: min %s, histogram %v", p.Min, p.Histogram)
	}
}

// Every type a column may have profiles: the statement's shape follows
// the type, and none of DuckDB's functions may refuse it.
func TestEveryTypeProfiles(t *testing.T) {
	l, pol := governedLake(t)
	s := open(t, l, pol, "admin")
	exprs := map[string]string{
		"TINYINT": "status % 100", "SMALLINT": "status", "INTEGER": "status", "BIGINT": "size", "HUGEINT": "size",
		"UTINYINT": "status % 200", "USMALLINT": "status", "UINTEGER": "size", "UBIGINT": "size", "UHUGEINT": "size",
		"FLOAT": "size / 3", "DOUBLE": "CASE WHEN size = 0 THEN 'inf' ELSE size / 7 END", "DECIMAL(18,3)": "size / 3",
		"DATE": "time", "TIMESTAMP": "time", "TIMESTAMPTZ": "time", "TIME": "time", "TIMESTAMP_MS": "time",
		"BOOLEAN": "status = 200", "VARCHAR": "host", "BLOB": "host", "INTERVAL": "to_seconds(size)",
		"VARCHAR[]": "[host, path]", "STRUCT(h VARCHAR)": "{'h': host}",
	}
	binned := "TINYINT SMALLINT INTEGER BIGINT HUGEINT UTINYINT USMALLINT UINTEGER UBIGINT UHUGEINT FLOAT DOUBLE DECIMAL(18,3) DATE TIMESTAMP TIMESTAMP_MS"
	for typ, expr := range exprs {
		query := "SELECT CAST(" + expr + " AS " + typ + ") AS v FROM weblogs.access_log_parquet_1"
		r, err := s.Run(context.Background(), query+" LIMIT 0")
		if err != nil {
			t.Errorf("%s: %v", typ, err)
			continue
		}
		cols := r.Columns()
		r.Close()
		p, err := s.ProfileResult(context.Background(), query, cols, 0)
		if err != nil || p.Rows != 2000 || p.Min == "" || len(p.Top) == 0 {
			t.Errorf("%s (%s): %v; rows %d, min %q, %d frequent values", typ, cols[0].Type, err, p.Rows, p.Min, len(p.Top))
		}
		if wantBins := slices.Contains(strings.Fields(binned), typ); wantBins != (len(p.Histogram) > 0) {
			t.Errorf("%s: histogram %v", typ, p.Histogram)
		}
	}
}

// A table (or a result) may have a column called tarn_value or
// tarn_binned, the names the profile's statement gives its own: the
// histogram is still of the profiled column, not of that one.
func TestAColumnNamedLikeTheProfilesOwnNamesDoesNotStandIn(t *testing.T) {
	l, pol := governedLake(t)
	testlake.WriteFile(t, filepath.Join(l.Root, "odd/clash/part.csv"), "x,tarn_value,tarn_binned\n1,100,5.5\n2,200,6.5\n3,300,7.5\n")
	if _, err := l.Crawl(context.Background(), lake.CrawlOptions{Dir: "odd"}); err != nil {
		t.Fatal(err)
	}
	admin := open(t, l, pol, "admin")
	for column, top := range map[string]float64{"x": 3, "tarn_value": 300, "tarn_binned": 7.5} {
		p := profileOf(t, admin, "odd.clash", column)
		if len(p.Histogram) == 0 {
			t.Fatalf("%s: no histogram", column)
		}
		// Bins of doubles end on a round number at or just above the max.
		if last, _ := strconv.ParseFloat(p.Histogram[len(p.Histogram)-1].Label, 64); last < top || last > top+1 {
			t.Errorf("%s (max %s): the histogram ends at %v, not at %v: %v", column, p.Max, last, top, p.Histogram)
		}
	}
	p, err := admin.ProfileResult(context.Background(), "SELECT x AS tarn_binned, tarn_value FROM odd.clash",
		[]queries.Column{{Name: "tarn_binned", Type: "BIGINT"}, {Name: "tarn_value", Type: "BIGINT"}}, 0)
	if err != nil {
		t.Fatal(err)
	}
	if last, _ := strconv.ParseFloat(p.Histogram[len(p.Histogram)-1].Label, 64); last != 3 {
		t.Errorf("result column tarn_binned (x): the histogram ends at %v: %v", last, p.Histogram)
	}
	// A repeated name is read by position, binned too.
	p, err = admin.ProfileResult(context.Background(), "SELECT x AS v, tarn_binned AS v FROM odd.clash",
		[]queries.Column{{Name: "v", Type: "BIGINT"}, {Name: "v", Type: "DOUBLE"}}, 1)
	if err != nil {
		t.Fatal(err)
	}
	if last, _ := strconv.ParseFloat(p.Histogram[len(p.Histogram)-1].Label, 64); last < 7.5 || last > 8 || p.Max != "7.5" {
		t.Errorf("the second v (tarn_binned): max %s, the histogram ends at %v: %v", p.Max, last, p.Histogram)
	}
}
