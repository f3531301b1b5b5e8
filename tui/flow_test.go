package tui

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"tarn/internal/testlake"
	"tarn/lake"
	"tarn/perms"
	"tarn/queries"
)

// probed wraps the app so a test can ask, through the program's own
// message loop, for the screen as the app would draw it now: no test
// goroutine ever reads the model while the program changes it.
type probed struct{ *App }

type probeMsg struct{ reply chan string }

// probeHooks answer other questions a test asks the same way.
var probeHooks []func(*App, tea.Msg) bool

func (p probed) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if m, ok := msg.(probeMsg); ok {
		m.reply <- ansi.Strip(p.App.render())
		return p, nil
	}
	for _, hook := range probeHooks {
		if hook(p.App, msg) {
			return p, nil
		}
	}
	_, cmd := p.App.Update(msg)
	return p, cmd
}

// flow is a running workbench in a test.
type flow struct {
	t    *testing.T
	tm   *teatest.TestModel
	root string // the lake's folder
}

func startFlow(t *testing.T, persona string) *flow {
	l, pol := testLake(t)
	return startFlowOn(t, l, pol, persona)
}

func startFlowOn(t *testing.T, l *lake.Lake, pol *perms.Policy, persona string) *flow {
	a := newTestApp(t, l, pol, persona, 120, 35)
	tm := teatest.NewTestModel(t, probed{a}, teatest.WithInitialTermSize(120, 35))
	t.Cleanup(func() { tm.Quit() })
	f := &flow{t, tm, l.Root}
	f.waitFor("persona " + persona)
	return f
}

// screen is the current screen, colours stripped.
func (f *flow) screen() string {
	reply := make(chan string, 1)
	f.tm.Send(probeMsg{reply})
	return answer(f, reply)
}

// answer is the program's reply to a probe sent with reply.
func answer[T any](f *flow, reply chan T) T {
	select {
	case v := <-reply:
		return v
	case <-time.After(5 * time.Second):
		f.t.Fatal("the program did not answer")
	}
	var zero T
	return zero
}

// waitFor waits until the screen shows every one of want. The deadline
// only ends a test that is failing: under a load average of 18 on 2 cores,
// a 100 MB value took longer than 20 s to reach the screen.
func (f *flow) waitFor(want ...string) string {
	f.t.Helper()
	deadline := time.Now().Add(90 * time.Second)
	for {
		s := f.screen()
		missing := ""
		for _, w := range want {
			if !strings.Contains(s, w) {
				missing = w
			}
		}
		if missing == "" {
			return s
		}
		if time.Now().After(deadline) {
			f.t.Fatalf("the screen never showed %q:\n%s", missing, s)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (f *flow) keys(keys ...string) {
	for _, k := range keys {
		f.tm.Send(keyPress(k))
	}
}

func (f *flow) run(sql string) {
	f.tm.Send(tea.KeyPressMsg{Code: tea.KeyF2})             // the editor
	f.tm.Send(tea.KeyPressMsg{Code: 'u', Mod: tea.ModCtrl}) // cleared
	f.tm.Send(tea.PasteMsg{Content: sql})
	f.keys("ctrl+j")
}

func TestFlowRunAQuery(t *testing.T) {
	f := startFlow(t, "admin")
	f.run("SELECT status, count(*) AS hits FROM weblogs.access_log_parquet_1 GROUP BY status ORDER BY status")
	s := f.waitFor("SUCCEEDED", "hits")
	if !strings.Contains(s, "200") || !strings.Contains(s, "scanned") {
		t.Errorf("screen:\n%s", s)
	}
}

func TestFlowSwitchPersonaAndColumnsVanish(t *testing.T) {
	f := startFlow(t, "admin")
	f.run("SELECT * FROM sales.customers LIMIT 3")
	f.waitFor("SUCCEEDED", "email", "column 1/6")
	f.keys("ctrl+p", "down", "down", "enter") // analyst
	s := f.waitFor("persona analyst")
	if strings.Contains(s, "items csv") || !strings.Contains(s, "customers") {
		t.Errorf("the analyst's catalog still lists hidden tables:\n%s", s)
	}
	f.run("SELECT * FROM sales.customers LIMIT 3")
	s = f.waitFor("SUCCEEDED", "customer_id", "region", "column 1/2")
	if strings.Contains(s, "email") || strings.Contains(s, "payment_id") {
		t.Errorf("columns hidden from the analyst are on screen:\n%s", s)
	}
}

func TestFlowCancelALongQuery(t *testing.T) {
	f := startFlow(t, "admin")
	f.run("SELECT count(*) FROM weblogs.access_log_csv_1 a, weblogs.access_log_csv_1 b, weblogs.access_log_csv_1 c WHERE a.size + b.size + c.size = -1")
	f.waitFor("RUNNING")
	time.Sleep(300 * time.Millisecond)
	f.keys("esc")
	if s := f.waitFor("CANCELLED", "cancelled after 0 rows, "); strings.Contains(s, "INTERRUPT") || strings.Contains(s, "context canceled") {
		t.Errorf("the cancel is said in DuckDB's words:\n%s", s)
	}
	f.run("SELECT 42 AS answer") // the session still works
	f.waitFor("SUCCEEDED", "answer")
}

func TestFlowAnalystCannotEditTags(t *testing.T) {
	f := startFlow(t, "analyst")
	f.keys("tab", "tab", "down", "t") // editor -> results -> catalog; customers; tags
	s := f.waitFor("Tags of sales.customers", "Read-only: only a data lake administrator may change tags", "LF-Tags: role: analyst")
	// Only the tags its grants name: sales and customers are role=leader.
	if strings.Contains(s, "leader") {
		t.Errorf("the analyst is shown tags it was not granted:\n%s", s)
	}
	f.keys("a")
	f.tm.Send(tea.PasteMsg{Content: "role=analyst"})
	f.keys("enter")
	s = f.waitFor("Tags of sales.customers")
	if strings.Contains(s, "role=analyst assigned here") {
		t.Errorf("the analyst changed a tag:\n%s", s)
	}
	// Other personas' access is the administrator's to see: the matrix
	// would name the columns hidden from the analyst.
	f.keys("esc", "a")
	s = f.waitFor("Only a data lake administrator may see what every persona may read")
	if strings.Contains(s, "payment_id") || strings.Contains(s, "email") {
		t.Errorf("hidden column names on the analyst's screen:\n%s", s)
	}
	f.keys("esc")
	f.run("SELECT * FROM sales.customers")
	f.waitFor("SUCCEEDED")
	f.tm.Send(tea.KeyPressMsg{Code: 'g', Mod: tea.ModCtrl})
	f.waitFor("Only a data lake administrator may run a query as every persona")
}

func TestFlowAdminEditsATagAndViewsFollow(t *testing.T) {
	f := startFlow(t, "admin")
	f.keys("tab", "tab", "down", "enter", "down", "down") // catalog: customers, open, onto name
	f.keys("t")
	f.waitFor("Tags of sales.customers.name")
	f.keys("a")
	f.tm.Send(tea.PasteMsg{Content: "role=analyst"})
	f.waitFor("effect:", "analyst gains sales.customers.name") // shown before it is saved
	if b, _ := os.ReadFile(filepath.Join(f.root, perms.PolicyFile)); strings.Contains(string(b), `"sales.customers.name"`) {
		t.Fatal("the tag was assigned before enter")
	}
	f.keys("enter")
	f.waitFor("assign sales.customers.name role=analyst")
	f.keys("ctrl+p", "down", "down", "enter")
	f.waitFor("persona analyst")
	f.run("SELECT * FROM sales.customers LIMIT 1")
	f.waitFor("SUCCEEDED", "customer_id", "name")
}

func TestFlowErrorsShowInPlaceWithThePosition(t *testing.T) {
	f := startFlow(t, "admin")
	f.run("SELECT host,\n       nope\nFROM weblogs.access_log_parquet_1")
	s := f.waitFor("FAILED", `Referenced column "nope" not found`)
	if !strings.Contains(s, "LINE 2") {
		t.Errorf("the error lost its position:\n%s", s)
	}
	reply := make(chan [2]int, 1)
	f.tm.Send(errPosProbe{reply})
	if pos := <-reply; pos != [2]int{2, 7} {
		t.Errorf("error marked at line %d column %d, want line 2 column 7 (nope)", pos[0], pos[1])
	}
}

type errPosProbe struct{ reply chan [2]int }

func init() {
	probeHooks = append(probeHooks, func(a *App, msg tea.Msg) bool {
		if m, ok := msg.(errPosProbe); ok {
			m.reply <- [2]int{a.editor.errLine, a.editor.errCol}
			return true
		}
		return false
	})
}

func TestFlowMeasureHistoryExportCompare(t *testing.T) {
	f := startFlow(t, "admin")
	f.run("SELECT host, path FROM weblogs.access_log_parquet_1 WHERE path LIKE '%.php%'")
	f.waitFor("SUCCEEDED")
	f.tm.Send(tea.KeyPressMsg{Code: tea.KeyF6})
	f.waitFor("trimmed mean of 5 runs", "trimmed", "spread")

	f.tm.Send(tea.KeyPressMsg{Code: 'r', Mod: tea.ModCtrl})
	f.waitFor("History · primary", "SUCCEEDED")
	f.keys("enter") // loads the newest into the editor
	f.waitFor("SELECT host, path FROM weblogs.access_log_parquet_1 WHERE path LIKE '%.php%'")

	f.tm.Send(tea.KeyPressMsg{Code: 's', Mod: tea.ModCtrl})
	f.waitFor("Save the query")
	f.tm.Send(tea.PasteMsg{Content: "php_hosts"})
	f.keys("enter")
	f.waitFor("saved php_hosts in queries.toml")
	f.tm.Send(tea.KeyPressMsg{Code: 'o', Mod: tea.ModCtrl})
	f.waitFor("Saved queries", "php_hosts", "projection")
	f.keys("esc")

	out := t.TempDir() + "/php.parquet"
	f.exportTo(out)
	f.waitFor("exported 1,467 rows to")
	if info, err := os.Stat(out); err != nil || info.Size() == 0 {
		t.Errorf("no export at %s: %v", out, err)
	}

	f.run("SELECT * FROM weblogs.access_log_csv_1")
	f.waitFor("SUCCEEDED")
	f.tm.Send(tea.KeyPressMsg{Code: 'b', Mod: tea.ModCtrl})
	s := f.waitFor("Compare layouts", "Athena (source)", "access_log_parquet_1", "access_log_json_gz_1")
	if !strings.Contains(s, "2.19 s") || !strings.Contains(s, "1.90 s") {
		t.Errorf("the source's full-scan figures are missing:\n%s", s)
	}
	f.keys("esc")
	f.run("SELECT * FROM sales.customers ORDER BY customer_id")
	f.waitFor("SUCCEEDED", "column 1/6")
	f.tm.Send(tea.KeyPressMsg{Code: 'g', Mod: tea.ModCtrl})
	s = f.waitFor("As every persona", "── sales_east")
	for _, want := range []string{"5,000 rows · scanned 450.7 KiB · 6 columns: customer_id",
		"5,000 rows · scanned 450.7 KiB · 5 columns: customer_id", "2 columns: customer_id, region"} {
		if !strings.Contains(s, want) {
			t.Errorf("persona comparison lacks %q:\n%s", want, s)
		}
	}
}

func TestTinyTerminalsDoNotPanic(t *testing.T) {
	l, pol := testLake(t)
	a := newTestApp(t, l, pol, "admin", 120, 35)
	fixedResult(a)
	for _, size := range [][2]int{{0, 0}, {1, 1}, {10, 5}, {19, 7}, {20, 8}, {30, 10}, {79, 23}} {
		a.Update(tea.WindowSizeMsg{Width: size[0], Height: size[1]})
		a.render()
		a.Update(keyPress("?"))
		a.render()
		a.Update(keyPress("esc"))
	}
}

func TestFlowTagKeysCreatedAndDeleted(t *testing.T) {
	f := startFlow(t, "admin")
	f.keys("tab", "tab", "t") // catalog: the sales database; tags
	f.waitFor("Tags of sales")
	f.keys("n")
	f.tm.Send(tea.PasteMsg{Content: "tier gold silver"})
	f.keys("enter")
	f.waitFor("create tag tier gold silver")
	// A value in use is refused with the resources that use it, the
	// input kept open to be mended.
	f.keys("t")
	f.waitFor("Tags of sales")
	f.keys("d")
	f.tm.Send(tea.PasteMsg{Content: "role analyst"})
	f.keys("enter")
	f.waitFor("tag role=analyst is in use by sales.sales")
	f.tm.Send(tea.KeyPressMsg{Code: 'u', Mod: tea.ModCtrl})
	f.tm.Send(tea.PasteMsg{Content: "tier silver"})
	f.waitFor("effect: no persona gains or loses anything")
	f.keys("enter")
	f.waitFor("delete tag tier silver")
	f.keys("t")
	s := f.waitFor("LF-Tags: role: leader, analyst; tier: gold")
	for _, line := range strings.Split(s, "\n") {
		if strings.Contains(line, "LF-Tags:") && strings.Contains(line, "silver") {
			t.Errorf("the deleted value is still listed: %s", line)
		}
	}
}

// A revoke made in another shell reaches the open workbench: the next
// statement runs without the column, the catalog loses it, and choosing
// the persona again does not bring it back.
func TestFlowARevokeElsewhereReachesTheWorkbench(t *testing.T) {
	f := startFlow(t, "analyst")
	f.run("SELECT * FROM sales.customers LIMIT 3")
	f.waitFor("SUCCEEDED", "region", "column 1/2")
	f.editAsAdmin("tags unassign sales.customers.region role", func(p *perms.Policy) error {
		return p.Unassign("sales.customers.region", "role")
	})
	f.run("SELECT * FROM sales.customers LIMIT 3")
	s := f.waitFor("SUCCEEDED", "column 1/1", "views reloaded")
	if strings.Contains(s, "region") {
		t.Errorf("the revoked column is still shown:\n%s", s)
	}
	f.keys("ctrl+p", "enter") // the cursor starts on the analyst
	f.waitFor("acting as analyst")
	f.run("SELECT * FROM sales.customers LIMIT 3")
	if s := f.waitFor("SUCCEEDED", "column 1/1"); strings.Contains(s, "region") {
		t.Errorf("choosing the persona again brought the column back:\n%s", s)
	}
}

// ctrl+e suggests a file outside the lake, refuses one inside it (a file
// in a table's folder would add rows to the table), and asks before it
// replaces a file.
func TestFlowExportStaysOutsideTheLakeAndAsksBeforeOverwriting(t *testing.T) {
	t.Setenv("XDG_DATA_HOME", t.TempDir())
	f := startFlow(t, "analyst")
	f.run("SELECT customer_id FROM sales.customers LIMIT 5")
	f.waitFor("SUCCEEDED")
	f.tm.Send(tea.KeyPressMsg{Code: 'e', Mod: tea.ModCtrl})
	f.waitFor("Export results", "/tarn/expor") // the default: tarn/exports/tarn-export.csv
	f.keys("enter")
	f.waitFor("exported 5 rows to")

	inside := f.root + "/sales/customers/zz.csv"
	f.exportTo(inside)
	f.waitFor("export failed", "inside the lake")
	if _, err := os.Stat(inside); err == nil {
		t.Fatal("the export wrote into a table's folder")
	}

	out := t.TempDir() + "/ids.csv"
	os.WriteFile(out, []byte("keep me\n"), 0o644)
	f.exportTo(out)
	f.waitFor("ids.csv exists", "Keep it", "Overwrite")
	f.keys("enter") // keep
	f.waitFor("kept")
	if data, _ := os.ReadFile(out); string(data) != "keep me\n" {
		t.Fatalf("keeping the file changed it: %q", data)
	}
	f.exportTo(out)
	f.waitFor("ids.csv exists")
	f.keys("down", "enter") // overwrite
	f.waitFor("exported 5 rows to")
	if data, _ := os.ReadFile(out); !strings.HasPrefix(string(data), "customer_id\n") {
		t.Errorf("the overwritten file holds %q", data)
	}
}

// A huge value opens at once in the cell view, which wraps only what fits
// (it re-wrapped the whole value on every frame: a 1,000,000-character
// value hung the workbench for 40 s and more), and the grid reads only the
// start of it.
func TestFlowAHugeValueOpensAtOnce(t *testing.T) {
	f := startFlow(t, "admin")
	// (Per row, so that the optimizer does not fold a 100 MB constant into the plan.)
	f.run("SELECT 'head' || repeat('x', 100000000 + status - status) || 'tail' AS big, 1 AS n FROM weblogs.access_log_parquet_1 LIMIT 1")
	f.waitFor("SUCCEEDED", "headxxxx")
	f.tm.Send(tea.KeyPressMsg{Code: tea.KeyF3}) // the results
	f.keys("enter")
	s := f.waitFor("Value", "headxxxxxxxx")
	if strings.Contains(s, "xxtail") {
		t.Errorf("the cell view claims to show the end:\n%s", s)
	}
	f.keys("esc")
	f.keys("right") // the screen still answers
	f.waitFor("column 2/2")
}

// Text from the lake reaches the screen with its control characters shown,
// not obeyed: no OSC 8 link hiding its address, no OSC 52 clipboard write.
func TestFlowControlCharactersInDataAreShown(t *testing.T) {
	f := startFlow(t, "admin")
	f.run(`SELECT chr(27) || ']8;;http://evil.example' || chr(27) || '\' || 'click' || chr(27) || ']8;;' || chr(27) || '\' AS "a` + "\x1b" + `[31mred", chr(27) || ']52;c;aGk=' || chr(7) AS clip`)
	s := f.waitFor("SUCCEEDED", `\x1b]8;;http://ev`, `a\x1b[31mred`)
	if strings.Contains(s, "\x1b]8") || strings.Contains(s, "\x1b]52") {
		t.Errorf("an escape sequence from the data reached the screen")
	}
}

// A saved query's control characters show in the editor as pictures (ESC
// as ␛), neither obeyed nor silently dropped; the saved list is read
// afresh when it opens (a query saved in another shell is there).
func TestFlowTheEditorShowsControlCharacters(t *testing.T) {
	f := startFlow(t, "admin")
	if err := queries.SaveQuery(f.root, queries.Saved{Name: "evil", SQL: "SELECT '\x1b]0;owned\x07' AS t"}, false, perms.Persona{Name: "admin", Admin: true}); err != nil {
		t.Fatal(err)
	}
	f.tm.Send(tea.KeyPressMsg{Code: 'o', Mod: tea.ModCtrl})
	f.waitFor("Saved queries", "evil")
	f.keys("down", "down", "down", "enter") // full, like, projection, evil
	f.waitFor("SELECT '␛]0;owned␇' AS t")
}

// exportTo exports the results to path through ctrl+e's prompt.
func (f *flow) exportTo(path string) {
	f.tm.Send(tea.KeyPressMsg{Code: 'e', Mod: tea.ModCtrl})
	f.waitFor("Export results")
	f.tm.Send(tea.KeyPressMsg{Code: 'u', Mod: tea.ModCtrl})
	f.tm.Send(tea.PasteMsg{Content: path})
	f.keys("enter")
}

// TestFlowAReadOnlyLakeRefusesQueriesAndKeepsBrowsing runs a query on a
// lake whose audit log cannot be written: the refusal is on screen, and
// the catalog still opens.
func TestFlowAReadOnlyLakeRefusesQueriesAndKeepsBrowsing(t *testing.T) {
	l, _ := testLake(t)
	ro, err := lake.Open(testlake.ReadOnly(t, l.Root))
	if err != nil {
		t.Fatal(err)
	}
	pol, err := queries.LoadPolicy(ro)
	if err != nil {
		t.Fatal(err)
	}
	f := startFlowOn(t, ro, pol, "admin")
	f.run("SELECT 1")
	f.waitFor("queries are refused", lake.AuditFile, "REFUSED")
	f.keys("f4", "/")
	f.tm.Send(tea.PasteMsg{Content: "customers"})
	f.keys("enter", "down", "enter")
	f.waitFor("customer_id")
}

// TestRowsThenAnErrorAreShownNotAPanic answers a run with rows and an
// error together (the rows were read, recording the query failed).
func TestRowsThenAnErrorAreShownNotAPanic(t *testing.T) {
	l, pol := testLake(t)
	a := newTestApp(t, l, pol, "admin", 120, 35)
	a.seq++
	a.run.running = true
	cols := []queries.Column{{Name: "one", Type: "INTEGER"}}
	a.Update(queryMsg{seq: a.seq, started: true, columns: cols, rows: [][]string{{"1"}}, done: true,
		err: errors.New("recording the query in the audit log: no space left on device")})
	if s := ansi.Strip(a.render()); !strings.Contains(s, "recording the query in the audit log") {
		t.Errorf("the error is not on screen:\n%s", s)
	}
}
