package tui

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"tarn/themes"
)

func TestSetupShowsProgressAndCancels(t *testing.T) {
	palettes, _ := themes.Load("")
	ctx, cancel := context.WithCancel(context.Background())
	box := &progressBox{}
	m := newSetupModel("is creating the demo lake", themes.NewStyles(palettes[0], true), box, cancel)
	m.work = func() tea.Msg {
		box.set(Progress{Done: 3, Total: 10, Units: "files", Label: "weblogs.access_log_parquet_1"})
		<-ctx.Done() // a long job, until cancelled
		return setupDoneMsg{ctx.Err()}
	}
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(80, 24))
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool {
		return strings.Contains(ansi.Strip(string(b)), "3 / 10 files · weblogs.access_log_parquet_1")
	}, teatest.WithDuration(5*time.Second))
	tm.Send(tea.KeyPressMsg{Code: 'c', Mod: tea.ModCtrl})
	tm.WaitFinished(t, teatest.WithFinalTimeout(5*time.Second))
	if !m.finished || !errors.Is(m.err, context.Canceled) {
		t.Errorf("after ctrl+c: finished %v, err %v", m.finished, m.err)
	}
}
