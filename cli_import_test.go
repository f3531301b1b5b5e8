package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"tarn/demo"
	"tarn/lake"
	"tarn/perms"
)

// Four imports run at once, each as a process of its own, all land in
// lake.toml: each read-change-write of the catalog holds the lake's lock.
func TestConcurrentImportsLoseNoTable(t *testing.T) {
	root := smallLake(t)
	src := filepath.Join(t.TempDir(), "in.csv")
	os.WriteFile(src, []byte("id,name\n1,a\n2,b\n3,c\n"), 0o644)
	const n = 4
	var wg sync.WaitGroup
	outs := make([]string, n)
	codes := make([]int, n)
	for i := range n {
		wg.Go(func() {
			cmd := tarnProcess(t, "import", src, "--lake", root, "--db", "crm", "--table", fmt.Sprintf("t%d", i))
			out, _ := cmd.CombinedOutput()
			outs[i], codes[i] = string(out), cmd.ProcessState.ExitCode()
		})
	}
	wg.Wait()
	l, err := lake.Open(root)
	if err != nil {
		t.Fatal(err)
	}
	for i := range n {
		if codes[i] != 0 {
			t.Errorf("import t%d: exit %d: %s", i, codes[i], outs[i])
		}
		if _, ok := l.Catalog.Lookup("crm", fmt.Sprintf("t%d", i)); !ok {
			t.Errorf("crm.t%d is not in lake.toml", i)
		}
	}
	code, out, errOut := tarn(t, "query", "--lake", root, "--format", "csv",
		"SELECT count(*) FROM crm.t0, crm.t1, crm.t2, crm.t3")
	if code != 0 || !strings.Contains(out, "81") {
		t.Errorf("the four tables read: exit %d %s %s", code, out, errOut)
	}
}

// import --replace with other columns would leave the policy naming
// columns that are gone, and every command of every persona failing: it
// is refused with the entries that would break, or with --update-policy
// those are dropped where that narrows access, and it says so.
func TestReplacingATableChecksThePolicy(t *testing.T) {
	root := governedCLILake(t)
	src := filepath.Join(t.TempDir(), "customers.csv")
	os.WriteFile(src, []byte("customer_id,region,name\n1,east,a\n2,west,b\n"), 0o644)
	policy := filepath.Join(root, perms.PolicyFile)
	before, _ := os.ReadFile(policy)
	catalog, _ := os.ReadFile(filepath.Join(root, lake.CatalogFile))
	code, _, errOut := tarn(t, "import", src, "--lake", root, "--db", "sales", "--table", "customers", "--to", "csv", "--replace")
	for _, want := range []string{"would break the policy", "mask entry 1 (sales_east on sales.customers.phone)", "--update-policy"} {
		if code != 1 || !strings.Contains(errOut, want) {
			t.Errorf("replace without --update-policy: exit %d, lacks %q:\n%s", code, want, errOut)
		}
	}
	if now, _ := os.ReadFile(policy); string(now) != string(before) {
		t.Error("the refused import changed the policy")
	}
	if now, _ := os.ReadFile(filepath.Join(root, lake.CatalogFile)); string(now) != string(catalog) {
		t.Error("the refused import changed the catalog")
	}
	if code, out, _ := tarn(t, "query", "--lake", root, "--format", "csv", "SELECT count(*) FROM sales.customers"); code != 0 || !strings.Contains(out, "5000") {
		t.Errorf("the table's old files are not in place: %s", out)
	}

	// A renamed column is a new one: --update-policy will not drop the
	// old name's mask and exclusion, which would show what they hid, and a
	// new name that only changes case looks like the old one: refused.
	renamed := filepath.Join(t.TempDir(), "renamed.csv")
	os.WriteFile(renamed, []byte("customer_id,name,email,Phone,region,PAYMENT_ID\n1,a,a@x,+7-1,east,p1\n"), 0o644)
	code, _, errOut = tarn(t, "import", renamed, "--lake", root, "--db", "sales", "--table", "customers", "--to", "csv", "--replace", "--update-policy")
	for _, want := range []string{`"Phone" looks like "phone", which sales_east cannot read unmasked`, `"PAYMENT_ID" looks like "payment_id", which leader, sales_east`} {
		if code != 1 || !strings.Contains(errOut, want) {
			t.Errorf("a rename with --update-policy: exit %d, lacks %q:\n%s", code, want, errOut)
		}
	}
	os.WriteFile(renamed, []byte("customer_id,name,email,mobile,region\n1,a,a@x,+7-1,east\n"), 0o644)
	code, _, errOut = tarn(t, "import", renamed, "--lake", root, "--db", "sales", "--table", "customers", "--to", "csv", "--replace", "--update-policy")
	if code != 1 || !strings.Contains(errOut, "also gains mobile") {
		t.Errorf("a rename with --update-policy: exit %d:\n%s", code, errOut)
	}
	if now, _ := os.ReadFile(policy); string(now) != string(before) {
		t.Error("the refused rename changed the policy")
	}

	code, _, errOut = tarn(t, "import", src, "--lake", root, "--db", "sales", "--table", "customers", "--to", "csv", "--replace", "--update-policy")
	if code != 0 || !strings.Contains(errOut, "removed the last4 mask of sales_east on sales.customers.phone") {
		t.Fatalf("replace with --update-policy: exit %d:\n%s", code, errOut)
	}
	for _, persona := range []string{"admin", "leader", "analyst", "sales_east"} {
		if code, out, errOut := tarn(t, "query", "--lake", root, "--persona", persona, "--format", "csv", "SELECT * FROM sales.customers"); code != 0 {
			t.Errorf("%s after the replace: exit %d %s %s", persona, code, out, errOut)
		}
	}
	_, out, _ := tarn(t, "query", "--lake", root, "--persona", "sales_east", "--format", "csv", "SELECT * FROM sales.customers")
	if out != "customer_id,region,name\n1,east,a\n" {
		t.Errorf("sales_east reads %q: the row filter must still hold", out)
	}
	// Columns that come back later are new columns, under the table's
	// tags, not the rules their old names had: the import says who reads them.
	full := filepath.Join(t.TempDir(), "full.csv")
	os.WriteFile(full, []byte("customer_id,name,email,phone,region,payment_id\n1,a,a@x,+7-1,east,p1\n"), 0o644)
	code, _, errOut = tarn(t, "import", full, "--lake", root, "--db", "sales", "--table", "customers", "--to", "csv", "--replace")
	if code != 0 || !strings.Contains(errOut, "new column sales.customers.payment_id: readable unmasked by admin, leader, sales_east") {
		t.Errorf("columns coming back: exit %d:\n%s", code, errOut)
	}
}

// A column name with an escape sequence is refused by import and skipped
// by crawl, with the reason; nothing is registered.
func TestImportAndCrawlRefuseControlCharactersInNames(t *testing.T) {
	root := smallLake(t)
	src := filepath.Join(t.TempDir(), "evil.csv")
	os.WriteFile(src, []byte("id,\x1b]0;owned\x07name\n1,a\n"), 0o644)
	code, _, errOut := tarn(t, "import", src, "--lake", root, "--db", "crm", "--table", "evil")
	if code != 1 || !strings.Contains(errOut, "control character") || strings.Contains(errOut, "\x1b") {
		t.Errorf("import: exit %d, %q", code, errOut)
	}
	os.MkdirAll(filepath.Join(root, "crm", "dropped"), 0o755)
	os.WriteFile(filepath.Join(root, "crm", "dropped", "a.csv"), []byte("id,\x1b[2Jname\n1,a\n"), 0o644)
	code, out, errOut := tarn(t, "crawl", "--lake", root) // exit 1: something was skipped
	if code != 1 || !strings.Contains(errOut, "control character") || strings.Contains(out+errOut, "\x1b") {
		t.Errorf("crawl: exit %d, %q %q", code, out, errOut)
	}
	l, _ := lake.Open(root)
	for _, name := range []string{"evil", "dropped"} {
		if _, ok := l.Catalog.Lookup("crm", name); ok {
			t.Errorf("crm.%s was registered", name)
		}
	}
}

// A log's malformed lines are kept, not only named: each with its file,
// line number, reason and raw text, in a file under .tarn/ that no
// persona's queries can open (raw lines hold every column of every row,
// past any mask, exclusion or row filter).
func TestLogImportKeepsRejectedLines(t *testing.T) {
	root := governedCLILake(t)
	logFile := writeLog(t, 20, "broken, \"quoted\" line\n\n"+
		`10.0.0.1 - - [99/Xyz/2020:00:00:00 +0000] "GET / HTTP/1.1" 200 1 "-" "-"`+"\n")
	code, out, errOut := tarn(t, "import", logFile, "--lake", root, "--db", "web", "--table", "access")
	rejects := filepath.Join(root, ".tarn", "rejects", "web.access.csv")
	if code != 0 || !strings.Contains(out, "imported 20 rows") ||
		!strings.Contains(errOut, "2 malformed lines could not be parsed and were not imported; all are kept in "+rejects) {
		t.Fatalf("import: exit %d\n%s%s", code, out, errOut)
	}
	kept, err := os.ReadFile(rejects)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"file,line,reason,raw\n", logFile + `,21,"expected host`, `"broken, ""quoted"" line"`, logFile + ",23,", "99/Xyz/2020"} {
		if !strings.Contains(string(kept), want) {
			t.Errorf("rejects lack %q:\n%s", want, kept)
		}
	}
	for _, persona := range []string{"admin", "analyst"} {
		code, out, _ := tarn(t, "query", "--lake", root, "--persona", persona, "--format", "csv", "SELECT * FROM read_csv("+lake.SQLString(rejects)+")")
		if code == 0 || strings.Contains(out, "broken") {
			t.Errorf("%s read the rejected lines: exit %d %s", persona, code, out)
		}
	}
	// A replace whose input is clean leaves no rejects of the old data.
	clean := writeLog(t, 20, "")
	if code, _, errOut := tarn(t, "import", clean, "--lake", root, "--db", "web", "--table", "access", "--replace"); code != 0 {
		t.Fatalf("replace: %s", errOut)
	}
	if _, err := os.Stat(rejects); !os.IsNotExist(err) {
		t.Errorf("the old rejects are still there: %v", err)
	}
}

// ctrl+c while an import reads its input ends it at once: tarn says so
// and exits non-zero, and the lake shows nothing of it (no table, no
// database folder, nothing left in the scratch folder).
func TestInterruptedImportLeavesNothing(t *testing.T) {
	root := smallLake(t)
	rows := lake.RowsOf(demo.GenerateLog(20000, 3))
	var chunk []byte
	for i := range rows.Len() {
		chunk = rows.AppendCSV(chunk, i)
	}
	src := filepath.Join(t.TempDir(), "big.csv")
	data := rows.AppendCSVHeader(nil)
	for len(data) < 30<<20 { // a second or more of work, whatever the machine
		data = append(data, chunk...)
	}
	if err := os.WriteFile(src, data, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd, lines := tarnWithStderr(t, "import", "--lake", root, src, "--db", "vol", "--table", "big")
	for lines.Scan() && !strings.Contains(lines.Text(), "reading the input") {
	}
	cmd.Process.Signal(os.Interrupt)
	var rest strings.Builder
	for lines.Scan() {
		rest.WriteString(lines.Text() + "\n")
	}
	cmd.Wait()
	if code := cmd.ProcessState.ExitCode(); code == 0 || !strings.Contains(rest.String(), "import cancelled") {
		t.Fatalf("exit %d, stderr %q; want it to fail saying the import was cancelled", code, rest.String())
	}
	l, err := lake.Open(root)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := l.Catalog.Lookup("vol", "big"); ok {
		t.Error("the table was registered")
	}
	if _, err := os.Stat(filepath.Join(root, "vol")); err == nil {
		t.Error("the database's folder was left")
	}
	if left, _ := os.ReadDir(filepath.Join(root, lake.ScratchDir)); len(left) > 0 {
		t.Errorf("%s holds %s", lake.ScratchDir, left[0].Name())
	}
}

// On a terminal the bar shows bytes read of all, the rate and the time
// left; what only writes shows bytes written and their rate.
func TestProgressBarShowsRateAndTimeLeft(t *testing.T) {
	var out strings.Builder
	bar := &progressBar{e: &env{stderr: &out}, tty: true}
	bar.drawBytes(256<<20, 1<<30, 40<<20, 2*time.Second, "reading the input")
	if got := out.String(); !strings.Contains(got, " 25% reading the input: 256.0 MiB of 1.0 GiB, 128.0 MiB/s, 6s left, 40.0 MiB written") {
		t.Errorf("bar %q", got)
	}
	out.Reset()
	bar.last = time.Time{}
	bar.drawBytes(0, 0, 30<<20, 3*time.Second, "writing the file")
	if got := out.String(); !strings.Contains(got, "writing the file: 30.0 MiB written, 10.0 MiB/s") || strings.Contains(got, "left") {
		t.Errorf("bar %q", got)
	}
}

// The demo's and the bench's bar, and the crawl's line, show the rate and
// the time left too: every long write says when it will end.
func TestCountBarsAndTheCrawlShowRateAndTimeLeft(t *testing.T) {
	var out strings.Builder
	bar := &progressBar{e: &env{stderr: &out}, tty: true, started: true, began: time.Now().Add(-4 * time.Second)}
	bar.draw(1000, 5000, "rows", "weblogs.logs_x100_csv_1")
	if got := out.String(); !strings.Contains(got, " 20% 1,000/5,000 rows, 2") || !strings.Contains(got, "/s, 16s left  weblogs.logs_x100_csv_1") {
		t.Errorf("bar %q", got)
	}
	out.Reset()
	bar.draw(5000, 5000, "rows", "weblogs.logs_x100_csv_1")
	if got := out.String(); strings.Contains(got, "left") {
		t.Errorf("the finished bar %q still gives a time left", got)
	}
	out.Reset()
	crawl := &crawlProgress{e: &env{stderr: &out}}
	crawl.show(lake.CrawlProgress{Done: 2500, Total: 10000, Started: time.Now().Add(-2 * time.Second), Folder: "db1/t1"})
	if got := out.String(); !strings.Contains(got, "crawled 2,500/10,000 folders, ") || !strings.Contains(got, ", 6s left  db1/t1") {
		t.Errorf("crawl line %q", got)
	}
}
