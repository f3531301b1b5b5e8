package tui

import (
	"context"
	"strings"
	"sync"
	"testing"

	tea "charm.land/bubbletea/v2"

	"tarn/lake"
	"tarn/perms"
	"tarn/queries"
)

// holdOpens holds back every session opened from now on until its
// persona is released, and makes the open of persona failing fail in
// DuckDB itself (a memory limit it refuses). The sessions are real.
func holdOpens(t *testing.T, failing string) (release func(persona string)) {
	t.Helper()
	var mu sync.Mutex
	gates := map[string]chan struct{}{}
	gate := func(persona string) chan struct{} {
		mu.Lock()
		defer mu.Unlock()
		if gates[persona] == nil {
			gates[persona] = make(chan struct{})
		}
		return gates[persona]
	}
	real := openSessionFor
	openSessionFor = func(sv *Served, ctx context.Context, l *lake.Lake, pol *perms.Policy, vis perms.Visibility) (*queries.Session, error) {
		persona := vis.Persona.Name
		select {
		case <-gate(persona):
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		if persona == failing {
			sv = &Served{Options: queries.Options{MemoryLimit: "a lot"}, Admin: true}
		}
		return real(sv, ctx, l, pol, vis)
	}
	t.Cleanup(func() { openSessionFor = real })
	released := map[string]bool{}
	return func(persona string) {
		if !released[persona] {
			released[persona] = true
			close(gate(persona))
		}
	}
}

// switchTo switches the workbench to persona as the picker does, without
// running what the switch returns (closing the old session, the open's
// reply), which it gives back.
func switchTo(t *testing.T, a *App, persona string) (personaMsg, tea.Cmd) {
	t.Helper()
	msg := switchPersonaCmd(a, persona, "acting as "+persona)().(personaMsg)
	if msg.err != nil {
		t.Fatal(msg.err)
	}
	_, cmd := a.Update(msg)
	return msg, cmd
}

// switchedToAnalyst is the admin's workbench switched to the analyst,
// whose session is held back (holdOpens), and what the switch returned.
func switchedToAnalyst(t *testing.T, failing string) (*App, func(string), tea.Cmd) {
	t.Helper()
	l, pol := testLake(t)
	a := newTestApp(t, l, pol, "admin", 140, 35)
	release := holdOpens(t, failing)
	_, opened := switchTo(t, a, "analyst")
	return a, release, opened
}

// runNow runs text as F5 does and returns the run's reply.
func runNow(t *testing.T, a *App, text string) queryMsg {
	t.Helper()
	cmd := a.startRun(text)
	for _, c := range cmd().(tea.BatchMsg) {
		if m, ok := c().(queryMsg); ok {
			a.Update(m)
			return m
		}
	}
	t.Fatal("the run gave no reply")
	return queryMsg{}
}

// ranAs are the personas under which the lake's history holds text.
func ranAs(t *testing.T, a *App, text string) []string {
	t.Helper()
	var who []string
	for _, wg := range a.ctx.Policy.Workgroups {
		if _, err := queries.ReadHistory(a.ctx.Lake.Root, wg.Name, func(q queries.Query) {
			if q.SQL == text {
				who = append(who, q.Persona)
			}
		}); err != nil {
			t.Fatal(err)
		}
	}
	return who
}

// A statement run at once after a persona switch, while the new session
// is still opening, waits for it and runs as the new persona: never in
// the previous persona's session, which is still open.
func TestStatementAfterPersonaSwitchRunsAsTheNewPersona(t *testing.T) {
	a, release, opened := switchedToAnalyst(t, "")
	if frame := a.render(); !strings.Contains(frame, "persona analyst (session opening…)") {
		t.Fatalf("the frame drawn before the session opened does not say it is opening:\n%s", frame)
	}
	text := "SELECT count(*) AS n FROM weblogs.access_log_parquet_1"
	replies := make(chan queryMsg, 1)
	go func() { replies <- runNow(t, a, text) }()
	release("analyst")
	m := <-replies
	if m.err != nil || len(m.rows) != 1 {
		t.Fatalf("the statement failed: %v (%d rows)", m.err, len(m.rows))
	}
	if who := ranAs(t, a, text); len(who) != 1 || who[0] != "analyst" {
		t.Fatalf("the statement ran as %q, want analyst alone", who)
	}
	settle(a, opened)
	if frame := a.render(); strings.Contains(frame, "opening") || !strings.Contains(frame, "persona analyst") {
		t.Fatalf("once open, the frame still says opening or names another persona:\n%s", frame)
	}
}

// A session that fails to open says why, and the statements run after
// the switch get that error: the previous persona's session does not
// answer them.
func TestFailedOpenAnswersNoStatementAsTheOldPersona(t *testing.T) {
	a, release, opened := switchedToAnalyst(t, "analyst")
	release("analyst")
	text := "SELECT count(*) AS n FROM weblogs.access_log_parquet_1"
	m := runNow(t, a, text)
	if m.err == nil || !strings.Contains(m.err.Error(), "session for analyst") {
		t.Fatalf("a statement after a failed open gave %v, want the open's error", m.err)
	}
	if who := ranAs(t, a, text); len(who) != 0 {
		t.Fatalf("the statement ran as %q after the open failed", who)
	}
	settle(a, opened)
	if frame := a.render(); !strings.Contains(frame, "persona analyst") || !strings.Contains(frame, "session for analyst") {
		t.Fatalf("the frame does not show the failed open of analyst's session:\n%s", frame)
	}
}

// Switching again before a session opened: the first open's reply is
// dropped and its session closed; the persona shown is the one whose
// session runs the next statement.
func TestStaleOpenIsDroppedAndClosed(t *testing.T) {
	l, pol := testLake(t)
	a := newTestApp(t, l, pol, "admin", 140, 35)
	release := holdOpens(t, "")
	first, firstCmd := switchTo(t, a, "analyst")
	_, secondCmd := switchTo(t, a, "leader")
	release("analyst")
	settle(a, firstCmd) // analyst's open replies while leader's still opens
	if frame := a.render(); !strings.Contains(frame, "persona leader (session opening…)") {
		t.Fatalf("a stale open's reply changed the frame:\n%s", frame)
	}
	release("leader")
	settle(a, secondCmd)
	if first.w.wait() != nil || !isClosed(first.w) {
		t.Fatalf("the superseded session is not closed (open error %v)", first.w.wait())
	}
	runsAs(t, a, "SELECT 42 AS answer", "leader")
}

func isClosed(w *worker) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.closed
}

// runsAs runs text and checks that the history holds it once, as persona.
func runsAs(t *testing.T, a *App, text, persona string) {
	t.Helper()
	if m := runNow(t, a, text); m.err != nil {
		t.Fatal(m.err)
	}
	if who := ranAs(t, a, text); len(who) != 1 || who[0] != persona {
		t.Fatalf("the statement ran as %q, want %s alone", who, persona)
	}
}

// Two switches chosen quickly run their commands at once, and their
// replies may come back in either order: the workbench ends as the
// persona chosen last, and the reply of the switch chosen before it is
// dropped with its session closed.
func TestSwitchChosenLastWinsWhateverOrderRepliesCome(t *testing.T) {
	l, pol := testLake(t)
	a := newTestApp(t, l, pol, "admin", 140, 35)
	toAnalyst := switchPersonaCmd(a, "analyst", "acting as analyst")
	toAdmin := switchPersonaCmd(a, "admin", "acting as admin")
	last := toAdmin().(personaMsg)
	stale := toAnalyst().(personaMsg)
	_, opened := a.Update(last)
	_, dropped := a.Update(stale)
	settle(a, opened)
	settle(a, dropped)
	if a.ctx.Persona.Name != "admin" || a.w != last.w {
		t.Fatalf("the workbench acts as %s, want admin, chosen last", a.ctx.Persona.Name)
	}
	if !isClosed(stale.w) {
		t.Fatal("the session of the superseded switch was left open")
	}
	runsAs(t, a, "SELECT 7 AS seven", "admin")
}

// The picker's choice starts the switch in Update, numbered, and it is
// adopted.
func TestPickerChoiceSwitchesPersona(t *testing.T) {
	l, pol := testLake(t)
	a := newTestApp(t, l, pol, "admin", 140, 35)
	for _, it := range a.personaPicker().(*listOverlay).items {
		if strings.HasPrefix(it.text, "analyst ") {
			_, cmd := a.Update(it.choose())
			settle(a, cmd)
		}
	}
	if a.ctx.Persona.Name != "analyst" {
		t.Fatalf("the picker's choice left the workbench as %s", a.ctx.Persona.Name)
	}
}

// The outcome of a query as every persona, asked for as the
// administrator, is dropped when the workbench has switched to another
// persona before it came: the analyst's workbench never shows it.
func TestPersonasComparedBeforeASwitchAreDropped(t *testing.T) {
	l, pol := testLake(t)
	a := newTestApp(t, l, pol, "admin", 140, 35)
	a.editor.SetText("SELECT count(*) AS n FROM sales.customers")
	compared := a.comparePersonas()
	_, opened := switchTo(t, a, "analyst")
	settle(a, opened)
	a.Update(compared())
	if a.overlay != nil {
		t.Fatalf("the analyst's workbench shows the administrator's comparison:\n%s", a.render())
	}
}

// leftOpen says whether w's session opened and was never closed.
func leftOpen(w *worker) bool {
	w.wait()
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.session != nil && !w.closed
}

// A served connection can close while a persona switch is opening: the
// switch's reply is never read, since the program has ended. The
// workbench's end still closes that session, and a switch that starts
// after the end opens none.
func TestAWorkbenchEndedMidSwitchLeavesNoSessionOpen(t *testing.T) {
	l, pol := testLake(t)
	a := newTestApp(t, l, pol, "admin", 140, 35)
	first := a.w
	pending := switchPersonaCmd(a, "analyst", "acting as analyst")().(personaMsg)
	late := switchPersonaCmd(a, "admin", "acting as admin")
	a.Close()
	for name, w := range map[string]*worker{"the first persona's session": first, "the switch's session (never adopted)": pending.w} {
		if leftOpen(w) {
			t.Errorf("%s is still open after the workbench ended", name)
		}
	}
	if msg := late().(personaMsg); msg.w.wait() == nil || leftOpen(msg.w) {
		t.Errorf("a switch started after the end opened a session")
	}
}
