package tui

import (
	"strings"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
)

// overlay is a dialog drawn over the panes; while one is open it owns the
// keyboard. Update returns done when the overlay should close.
type overlay interface {
	Update(msg tea.Msg) (cmd tea.Cmd, done bool)
	View(width, height int) string
	Title() string
	help.KeyMap
}

// closeKeys are the overlay-closing keys, shared by every overlay's help.
func closeKeys(ctx *Context) []key.Binding { return []key.Binding{ctx.Keys.Close} }

// listItem is one line of a list overlay and what choosing it does.
type listItem struct {
	text   string
	detail string
	choose func() tea.Msg
}

// listOverlay is a scrollable list: personas, history, saved queries.
type listOverlay struct {
	ctx    *Context
	title  string
	items  []listItem
	cursor int
	empty  string
}

func (l *listOverlay) Title() string { return l.title }

func (l *listOverlay) Update(msg tea.Msg) (tea.Cmd, bool) {
	k := l.ctx.Keys
	m, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return nil, false
	}
	switch {
	case key.Matches(m, k.Close):
		return nil, true
	case key.Matches(m, k.Up):
		l.cursor = max(0, l.cursor-1)
	case key.Matches(m, k.Down):
		l.cursor = min(len(l.items)-1, l.cursor+1)
	case key.Matches(m, k.Choose) && l.cursor < len(l.items):
		return l.items[l.cursor].choose, true
	}
	return nil, false
}

func (l *listOverlay) View(width, height int) string {
	st := l.ctx.Styles
	if len(l.items) == 0 {
		return st.Muted.Render(l.empty)
	}
	rows := max(1, height-2)
	top := max(0, min(l.cursor-rows/2, len(l.items)-rows))
	var b strings.Builder
	for i := top; i < top+rows && i < len(l.items); i++ {
		line := pad(truncate(l.items[i].text, width), width)
		if i == l.cursor {
			line = st.Selected.Render(line)
		}
		b.WriteString(line + "\n")
	}
	if d := l.items[l.cursor].detail; d != "" {
		b.WriteString(st.Muted.Render(truncate(d, width)))
	}
	return b.String()
}

func (l *listOverlay) ShortHelp() []key.Binding {
	return []key.Binding{l.ctx.Keys.Up, l.ctx.Keys.Down, l.ctx.Keys.Choose, l.ctx.Keys.Close}
}

func (l *listOverlay) FullHelp() [][]key.Binding { return [][]key.Binding{l.ShortHelp()} }

// textOverlay shows text: the whole value of a cell, a message.
type textOverlay struct {
	ctx   *Context
	title string
	text  string
	cut   bool // cut long lines instead of wrapping them
}

func (t *textOverlay) Title() string { return t.title }

func (t *textOverlay) Update(msg tea.Msg) (tea.Cmd, bool) {
	m, ok := msg.(tea.KeyPressMsg)
	return nil, ok && (key.Matches(m, t.ctx.Keys.Close) || m.String() == "enter")
}

func (t *textOverlay) View(width, height int) string {
	var lines []string
	for _, para := range strings.Split(t.text, "\n") {
		if t.cut {
			para = truncate(para, width)
		}
		for len([]rune(para)) > width && width > 0 {
			r := []rune(para)
			lines = append(lines, string(r[:width]))
			para = string(r[width:])
		}
		lines = append(lines, para)
	}
	if len(lines) > height {
		lines = append(lines[:height-1], "…")
	}
	return t.ctx.Styles.Text.Render(strings.Join(lines, "\n"))
}

func (t *textOverlay) ShortHelp() []key.Binding  { return closeKeys(t.ctx) }
func (t *textOverlay) FullHelp() [][]key.Binding { return [][]key.Binding{closeKeys(t.ctx)} }

// helpOverlay lists every binding, generated from the key map.
type helpOverlay struct {
	ctx     *Context
	focused help.KeyMap
}

func (h *helpOverlay) Title() string { return "Keys" }

func (h *helpOverlay) Update(msg tea.Msg) (tea.Cmd, bool) {
	m, ok := msg.(tea.KeyPressMsg)
	return nil, ok && (key.Matches(m, h.ctx.Keys.Close, h.ctx.Keys.Help))
}

func (h *helpOverlay) View(width, _ int) string {
	hm := help.New()
	hm.Styles = h.ctx.Styles.Help
	hm.SetWidth(width)
	groups := append([][]key.Binding{h.ctx.Keys.globalFull()}, h.focused.FullHelp()...)
	return hm.FullHelpView(groups)
}

func (h *helpOverlay) ShortHelp() []key.Binding  { return closeKeys(h.ctx) }
func (h *helpOverlay) FullHelp() [][]key.Binding { return [][]key.Binding{closeKeys(h.ctx)} }

// promptOverlay asks for one line of text, then calls submit with it.
type promptOverlay struct {
	ctx    *Context
	title  string
	label  string
	value  string
	note   string
	submit func(string) tea.Cmd
}

func (p *promptOverlay) Title() string { return p.title }

func (p *promptOverlay) Update(msg tea.Msg) (tea.Cmd, bool) {
	switch m := msg.(type) {
	case tea.PasteMsg:
		p.value += m.Content
	case tea.KeyPressMsg:
		switch m.String() {
		case "esc":
			return nil, true
		case "enter":
			return p.submit(p.value), true
		case "backspace":
			if r := []rune(p.value); len(r) > 0 {
				p.value = string(r[:len(r)-1])
			}
		case "ctrl+u":
			p.value = ""
		case "space":
			p.value += " "
		default:
			p.value += m.Text
		}
	}
	return nil, false
}

func (p *promptOverlay) View(width, _ int) string {
	st := p.ctx.Styles
	s := st.Text.Render(p.label) + "\n" + st.Accent.Render(truncate(p.value+"▏", width))
	if p.note != "" {
		s += "\n" + st.Muted.Render(truncate(p.note, width))
	}
	return s
}

func (p *promptOverlay) ShortHelp() []key.Binding {
	return []key.Binding{key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "ok")), key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "cancel"))}
}
func (p *promptOverlay) FullHelp() [][]key.Binding { return [][]key.Binding{p.ShortHelp()} }
