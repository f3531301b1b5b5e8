package tui

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"tarn/queries"
	"tarn/themes"
)

// Progress is a long job's position, as the job reports it.
type Progress struct {
	Done, Total int64
	Units       string // "files"
	Label       string // what is being worked on
}

// progressBox holds the latest Progress: the job writes it from its own
// goroutine, the screen reads it on each tick.
type progressBox struct {
	mu sync.Mutex
	p  Progress
}

func (b *progressBox) set(p Progress) { b.mu.Lock(); b.p = p; b.mu.Unlock() }
func (b *progressBox) get() Progress  { b.mu.Lock(); defer b.mu.Unlock(); return b.p }

// setupModel shows a job's progress full-screen (the demo lake's creation
// on a first start) and ends with it; ctrl+c cancels the job.
type setupModel struct {
	title    string
	styles   themes.Styles
	stop     key.Binding // cancels the job
	box      *progressBox
	work     func() tea.Msg
	cancel   context.CancelFunc
	err      error
	width    int
	started  time.Time
	finished bool
}

func newSetupModel(title string, styles themes.Styles, box *progressBox, cancel context.CancelFunc) *setupModel {
	return &setupModel{title: title, styles: styles, stop: DefaultKeyMap().StopSetup, box: box, cancel: cancel, started: time.Now()}
}

type setupDoneMsg struct{ err error }
type setupTickMsg struct{}

func setupTick() tea.Cmd {
	return tea.Tick(80*time.Millisecond, func(time.Time) tea.Msg { return setupTickMsg{} })
}

func (m *setupModel) Init() tea.Cmd { return tea.Batch(m.work, setupTick()) }

func (m *setupModel) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.width = msg.Width
	case setupTickMsg:
		return m, setupTick()
	case setupDoneMsg:
		m.err, m.finished = msg.err, true
		return m, tea.Quit
	case tea.KeyPressMsg:
		if key.Matches(msg, m.stop) {
			m.cancel() // the job ends and reports the cancellation
		}
	}
	return m, nil
}

func (m *setupModel) View() tea.View {
	p := m.box.get()
	st := m.styles
	w := max(20, min(60, m.width-4))
	filled := 0
	if p.Total > 0 {
		filled = int(int64(w) * p.Done / p.Total)
	}
	status := "generating the data…"
	if p.Total > 0 {
		status = fmt.Sprintf("%s / %s %s · %s", queries.FormatCount(p.Done), queries.FormatCount(p.Total), p.Units, p.Label)
	}
	lines := []string{
		st.Title.Render("tarn") + " " + st.Text.Render(m.title),
		"",
		st.Bar.Render(strings.Repeat("█", filled)) + st.Muted.Render(strings.Repeat("·", w-filled)),
		st.Text.Render(status),
		st.Muted.Render(fmt.Sprintf("%.1f s · %s %s", time.Since(m.started).Seconds(), m.stop.Help().Key, m.stop.Help().Desc)),
	}
	v := tea.NewView(lipgloss.NewStyle().Padding(1, 2).Render(strings.Join(lines, "\n")))
	v.AltScreen = true
	return v
}

// Setup runs work while showing its progress on the terminal, and returns
// its error. A cancelled job returns an error wrapping context.Canceled.
func Setup(ctx context.Context, title string, styles themes.Styles, work func(ctx context.Context, progress func(Progress)) error, opts ...tea.ProgramOption) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	box := &progressBox{}
	m := newSetupModel(title, styles, box, cancel)
	m.work = func() tea.Msg { return setupDoneMsg{work(ctx, box.set)} }
	if _, err := tea.NewProgram(m, opts...).Run(); err != nil {
		return err
	}
	if !m.finished {
		return errors.New("setup ended before its work")
	}
	return m.err
}
