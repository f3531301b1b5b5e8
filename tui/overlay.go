package tui

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"tarn/queries"
)

// overlay is a dialog drawn over the panes; while one is open it owns the
// keyboard. Update returns done when the overlay should close.
type overlay interface {
	Update(msg tea.Msg) (cmd tea.Cmd, done bool)
	View(width, height int) string
	Title() string
	help.KeyMap
}

// listItem is one line of a list overlay and what choosing it does.
type listItem struct {
	text   string
	detail string
	choose func() tea.Msg
}

// listOverlay is a scrollable list: personas, history, saved queries.
// / filters it: the items whose text or detail contain what is typed.
type listOverlay struct {
	ctx       *Context
	title     string
	all       []listItem // every item; items are those the filter keeps
	items     []listItem
	cursor    int
	empty     string
	filter    lineInput
	filtering bool
}

// newList is a list overlay of items, the cursor on the first.
func newList(ctx *Context, title, empty string, items []listItem) *listOverlay {
	return &listOverlay{ctx: ctx, title: title, empty: empty, all: items, items: items, filter: newLineInput(ctx, "/", nil)}
}

func (l *listOverlay) Title() string { return l.title }

func (l *listOverlay) Update(msg tea.Msg) (tea.Cmd, bool) {
	if l.filtering {
		return l.editFilter(msg), false
	}
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
		l.cursor = max(0, min(len(l.items)-1, l.cursor+1))
	case key.Matches(m, k.Filter):
		l.filtering = true
		l.filter.CursorEnd()
		return l.filter.Focus(), false
	case key.Matches(m, k.Choose) && l.cursor < len(l.items):
		return l.items[l.cursor].choose, true
	}
	return nil, false
}

// editFilter narrows the list as the filter is typed; esc clears it.
func (l *listOverlay) editFilter(msg tea.Msg) tea.Cmd {
	done, cmd := l.filter.Filter(msg)
	l.filtering = !done
	want := strings.ToLower(l.filter.Value())
	l.items = nil
	for _, it := range l.all {
		if strings.Contains(strings.ToLower(it.text+"\n"+it.detail), want) {
			l.items = append(l.items, it)
		}
	}
	l.cursor = max(0, min(l.cursor, len(l.items)-1))
	return cmd
}

func (l *listOverlay) View(width, height int) string {
	st := l.ctx.Styles
	var b strings.Builder
	if len(l.items) == 0 {
		b.WriteString(st.Muted.Render(l.empty))
	}
	rows := max(1, height-3)
	top := max(0, min(l.cursor-rows/2, len(l.items)-rows))
	for i := top; i < top+rows && i < len(l.items); i++ {
		line := pad(truncate(queries.Printable(l.items[i].text), width), width)
		if i == l.cursor {
			line = st.Selected.Render(line)
		}
		b.WriteString(line + "\n")
	}
	if l.cursor < len(l.items) && l.items[l.cursor].detail != "" {
		b.WriteString(st.Muted.Render(truncate(queries.Printable(l.items[l.cursor].detail), width)))
	}
	switch {
	case l.filtering:
		b.WriteString("\n" + l.filter.Render(st, width))
	case l.filter.Value() != "":
		b.WriteString("\n" + st.Muted.Render(truncate(fmt.Sprintf("filter: %s (%d of %d; %s to change)",
			l.filter.Value(), len(l.items), len(l.all), l.ctx.Keys.Filter.Help().Key), width)))
	}
	return b.String()
}

func (l *listOverlay) ShortHelp() []key.Binding {
	k := l.ctx.Keys
	if l.filtering {
		return []key.Binding{k.Accept, k.Dismiss}
	}
	return []key.Binding{k.Up, k.Down, k.Choose, k.Filter, k.Close}
}

func (l *listOverlay) FullHelp() [][]key.Binding {
	if l.filtering {
		return [][]key.Binding{append(l.ShortHelp(), l.ctx.Keys.lineHelp()...)}
	}
	return [][]key.Binding{l.ShortHelp()}
}

// textOverlay shows text: the whole value of a cell, a message.
type textOverlay struct {
	ctx   *Context
	title string
	text  string
	cut   bool // cut long lines instead of wrapping them
	words bool // a message, not a value: wrap between words
	shown struct {
		width, height int
		lines         []string
	}
}

func (t *textOverlay) Title() string { return t.title }

func (t *textOverlay) Update(msg tea.Msg) (tea.Cmd, bool) {
	m, ok := msg.(tea.KeyPressMsg)
	return nil, ok && key.Matches(m, t.ctx.Keys.CloseText)
}

// View wraps the text once per size, and only as far as the screen goes:
// a value of 100 MB opens as fast as a short one.
func (t *textOverlay) View(width, height int) string {
	if t.shown.lines == nil || t.shown.width != width || t.shown.height != height {
		t.shown.width, t.shown.height = width, height
		text := t.text
		if t.words {
			text = ansi.Wrap(text, width, "")
		}
		t.shown.lines = wrapHead(text, width, height, t.cut)
	}
	return t.ctx.Styles.Text.Render(strings.Join(t.shown.lines, "\n"))
}

// wrapHead is the first height lines of text wrapped (or, with cut, cut
// with "…") at width cells, reading no more of text than they hold; the
// last line is "…" when text goes on. Lines are queries.Printable.
func wrapHead(text string, width, height int, cut bool) []string {
	var lines []string
	if width <= 0 || height <= 0 {
		return lines
	}
	var line []rune
	over := false // a cut line went on past width
	flush := func() {
		if over {
			line[len(line)-1] = '…'
		}
		lines = append(lines, queries.Printable(string(line)))
		line, over = line[:0], false
	}
	for _, r := range text {
		switch {
		case len(lines) == height:
			lines[height-1] = "…"
			return lines
		case r == '\n':
			flush()
			continue
		case len(line) >= width && cut:
			over = true
			continue
		case len(line) >= width:
			flush()
			if len(lines) == height {
				lines[height-1] = "…"
				return lines
			}
		}
		line = append(line, r)
	}
	if len(line) > 0 || len(lines) == 0 {
		flush()
	}
	return lines
}

func (t *textOverlay) ShortHelp() []key.Binding  { return []key.Binding{t.ctx.Keys.CloseText} }
func (t *textOverlay) FullHelp() [][]key.Binding { return [][]key.Binding{t.ShortHelp()} }

// helpOverlay lists every binding, generated from the key map, each
// once; it scrolls when the screen is shorter than the list.
type helpOverlay struct {
	ctx     *Context
	focused help.KeyMap
	top     int // first line shown
	page    int // lines shown by the last View
}

func (h *helpOverlay) Title() string { return "Keys" }

func (h *helpOverlay) Update(msg tea.Msg) (tea.Cmd, bool) {
	m, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return nil, false
	}
	k := h.ctx.Keys
	switch {
	case key.Matches(m, k.CloseHelp):
		return nil, true
	case key.Matches(m, k.Up):
		h.top--
	case key.Matches(m, k.Down):
		h.top++
	case key.Matches(m, k.PageUp):
		h.top -= max(1, h.page-1)
	case key.Matches(m, k.PageDown):
		h.top += max(1, h.page-1)
	}
	h.top = max(0, h.top) // View clamps the end: only it knows the length
	return nil, false
}

func (h *helpOverlay) View(width, height int) string {
	lines := strings.Split(h.text(width), "\n")
	if len(lines) <= height {
		h.top, h.page = 0, height
		return strings.Join(lines, "\n")
	}
	h.page = max(1, height-1) // the last line says where the list is
	h.top = min(h.top, len(lines)-h.page)
	shown := lines[h.top : h.top+h.page]
	where := fmt.Sprintf("lines %d–%d of %d", h.top+1, h.top+h.page, len(lines))
	if h.top+h.page < len(lines) {
		where += " · more below: " + h.ctx.Keys.Down.Help().Key + " " + h.ctx.Keys.PageDown.Help().Key
	}
	return strings.Join(shown, "\n") + "\n" + h.ctx.Styles.Muted.Render(truncate(where, width))
}

// text is the program's keys and the focused pane's, each once, in columns
// side by side while they fit in width, else one under another.
func (h *helpOverlay) text(width int) string {
	hm := help.New()
	hm.Styles = h.ctx.Styles.Help
	seen := map[string]bool{}
	var columns []string
	for _, group := range append([][]key.Binding{h.ctx.Keys.globalFull()}, h.focused.FullHelp()...) {
		if group = distinct(group, seen, false); len(group) > 0 {
			columns = append(columns, hm.FullHelpView([][]key.Binding{group}))
		}
	}
	out := ""
	for _, c := range columns {
		switch {
		case out == "":
			out = c
		case lipgloss.Width(out)+4+lipgloss.Width(c) <= width:
			out = lipgloss.JoinHorizontal(lipgloss.Top, out, "    ", c)
		default:
			out += "\n\n" + c
		}
	}
	return out
}

func (h *helpOverlay) ShortHelp() []key.Binding {
	k := h.ctx.Keys
	return []key.Binding{k.Down, k.Up, k.PageDown, k.CloseHelp}
}
func (h *helpOverlay) FullHelp() [][]key.Binding { return [][]key.Binding{h.ShortHelp()} }

// promptOverlay asks for one line of text, then calls submit with it.
type promptOverlay struct {
	ctx    *Context
	title  string
	label  string
	input  lineInput
	note   string
	submit func(string) tea.Cmd
}

// newPrompt asks for a line that starts as value; validate (if any) keeps
// the prompt open, with the reason, until the line is valid.
func newPrompt(ctx *Context, title, label, value, note string, validate textinput.ValidateFunc, submit func(string) tea.Cmd) *promptOverlay {
	p := &promptOverlay{ctx: ctx, title: title, label: label, note: note, submit: submit, input: newLineInput(ctx, "", validate)}
	if value != "" {
		p.input.SetValue(value)
	}
	p.input.Focus()
	return p
}

func (p *promptOverlay) Title() string { return p.title }

func (p *promptOverlay) Update(msg tea.Msg) (tea.Cmd, bool) {
	switch event, cmd := p.input.Handle(msg); event {
	case lineDismissed:
		return nil, true
	case lineAccepted:
		return p.submit(p.input.Value()), true
	default:
		return cmd, false
	}
}

func (p *promptOverlay) View(width, _ int) string {
	st := p.ctx.Styles
	s := st.Text.Render(p.label) + "\n" + p.input.Render(st, width)
	if p.note != "" {
		s += "\n" + st.Muted.Render(truncate(p.note, width))
	}
	return s
}

func (p *promptOverlay) ShortHelp() []key.Binding {
	return []key.Binding{p.ctx.Keys.Accept, p.ctx.Keys.Dismiss}
}

func (p *promptOverlay) FullHelp() [][]key.Binding {
	return [][]key.Binding{append(p.ShortHelp(), p.ctx.Keys.lineHelp()...)}
}
