package tui

import (
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"tarn/lake"
)

// editor is the SQL editor: multi-line text with SQL highlighting, the
// error position marked, and completion of keywords and the names the
// current persona can see.
type editor struct {
	ctx           *Context
	lines         [][]rune
	row, col      int
	top           int
	width, height int
	focused       bool
	errLine       int // 1-based line of the last error's position; 0: none
	errCol        int
	candidates    []string // completion candidates for the current word
	chosen        int
	names         []string // visible tables and columns, for completion
	history       history  // undo and redo
}

func newEditor(ctx *Context) *editor {
	return &editor{ctx: ctx, lines: [][]rune{{}}}
}

// Text is the editor's content.
func (e *editor) Text() string {
	parts := make([]string, len(e.lines))
	for i, l := range e.lines {
		parts[i] = string(l)
	}
	return strings.Join(parts, "\n")
}

// SetText replaces the content and puts the cursor at its end.
func (e *editor) SetText(s string) {
	e.lines = nil
	for _, l := range strings.Split(s, "\n") {
		e.lines = append(e.lines, []rune(l))
	}
	e.row = len(e.lines) - 1
	e.col = len(e.lines[e.row])
	e.errLine, e.candidates = 0, nil
	e.scroll()
}

// Insert types s at the cursor.
func (e *editor) Insert(s string) {
	for i, part := range strings.Split(s, "\n") {
		if i > 0 {
			e.newline()
		}
		line := e.lines[e.row]
		rs := []rune(part)
		e.lines[e.row] = slices.Concat(line[:e.col], rs, line[e.col:])
		e.col += len(rs)
	}
	e.errLine = 0
	e.scroll()
}

// AddStatement puts s in the editor as a statement of its own: the
// whole text when the editor is empty, else on a new line after the text
// (never glued to it), the cursor at its end.
func (e *editor) AddStatement(s string) {
	if strings.TrimSpace(e.Text()) == "" {
		e.SetText(s)
		return
	}
	e.row = len(e.lines) - 1
	e.col = len(e.lines[e.row])
	e.Insert("\n" + s)
}

func (e *editor) newline() {
	line := e.lines[e.row]
	rest := slices.Clone(line[e.col:])
	e.lines[e.row] = line[:e.col]
	e.lines = slices.Insert(e.lines, e.row+1, rest)
	e.row, e.col = e.row+1, 0
}

func (e *editor) SetSize(w, h int) { e.width, e.height = w, h; e.scroll() }

// SetNames sets what completion offers besides keywords.
func (e *editor) SetNames(names []string) { e.names = names }

// MarkError finds the position in a DuckDB error ("LINE 2: ..." and a
// caret under it) and marks it in the text.
func (e *editor) MarkError(msg string) {
	e.errLine, e.errCol = errorPosition(msg, e.lines)
}

var lineRE = regexp.MustCompile(`LINE (\d+): (.*)\n( *)\^`)

func errorPosition(msg string, lines [][]rune) (int, int) {
	m := lineRE.FindStringSubmatch(msg)
	if m == nil {
		return syntaxPosition(msg, lines)
	}
	n, _ := strconv.Atoi(m[1])
	if n < 1 || n > len(lines) {
		return 0, 0
	}
	snippet, caret := m[2], len(m[3])-len("LINE "+m[1]+": ")
	offset := 0
	if rest, ok := strings.CutPrefix(snippet, "..."); ok {
		// A long line is cut: find where the shown part starts.
		if i := strings.Index(string(lines[n-1]), rest); i >= 0 {
			offset = i - 3
		}
	}
	// A caret past the line's end (an error at the end of input) marks
	// its last character, which can be drawn.
	return n, max(0, min(offset+caret, len(lines[n-1])-1))
}

func (e *editor) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case tea.PasteMsg:
		e.remember(false)
		e.Insert(strings.ReplaceAll(msg.Content, "\r\n", "\n"))
	case tea.KeyPressMsg:
		e.key(msg)
	}
	return nil
}

func (e *editor) key(msg tea.KeyPressMsg) {
	k, line := e.ctx.Keys, e.ctx.Keys.Edit
	if key.Matches(msg, k.Complete) {
		e.complete()
		return
	}
	e.candidates = nil
	switch {
	case key.Matches(msg, k.Undo):
		e.Undo()
	case key.Matches(msg, k.Redo):
		e.Redo()
	case key.Matches(msg, k.Newline):
		e.remember(false)
		e.newline()
	case key.Matches(msg, line.DeleteCharacterBackward):
		e.remember(false)
		e.backspace()
	case key.Matches(msg, line.DeleteCharacterForward):
		e.remember(false)
		e.deleteForward()
	case key.Matches(msg, line.CharacterBackward):
		e.moveLeft()
	case key.Matches(msg, line.CharacterForward):
		e.moveRight()
	case key.Matches(msg, k.TextUp):
		e.row = max(0, e.row-1)
	case key.Matches(msg, k.TextDown):
		e.row = min(len(e.lines)-1, e.row+1)
	case key.Matches(msg, line.LineStart):
		e.col = 0
	case key.Matches(msg, line.LineEnd):
		e.col = len(e.lines[e.row])
	case key.Matches(msg, k.TextPageUp):
		e.row = max(0, e.row-e.height)
	case key.Matches(msg, k.TextPageDown):
		e.row = min(len(e.lines)-1, e.row+e.height)
	case key.Matches(msg, line.DeleteAfterCursor):
		e.remember(false)
		e.lines[e.row] = e.lines[e.row][:e.col]
	case key.Matches(msg, k.ClearText):
		e.remember(false)
		e.SetText("")
	default:
		if msg.Text != "" { // a space too: terminals send it as text
			e.remember(true)
			e.Insert(msg.Text)
			return
		}
	}
	e.endTyping()
	e.col = min(e.col, len(e.lines[e.row]))
	e.scroll()
}

func (e *editor) backspace() {
	switch {
	case e.col > 0:
		e.lines[e.row] = slices.Delete(e.lines[e.row], e.col-1, e.col)
		e.col--
	case e.row > 0:
		prev := e.lines[e.row-1]
		e.col = len(prev)
		e.lines[e.row-1] = append(prev, e.lines[e.row]...)
		e.lines = slices.Delete(e.lines, e.row, e.row+1)
		e.row--
	}
}

func (e *editor) deleteForward() {
	switch line := e.lines[e.row]; {
	case e.col < len(line):
		e.lines[e.row] = slices.Delete(line, e.col, e.col+1)
	case e.row < len(e.lines)-1:
		e.lines[e.row] = append(line, e.lines[e.row+1]...)
		e.lines = slices.Delete(e.lines, e.row+1, e.row+2)
	}
}

func (e *editor) moveLeft() {
	if e.col > 0 {
		e.col--
	} else if e.row > 0 {
		e.row--
		e.col = len(e.lines[e.row])
	}
}

func (e *editor) moveRight() {
	if e.col < len(e.lines[e.row]) {
		e.col++
	} else if e.row < len(e.lines)-1 {
		e.row, e.col = e.row+1, 0
	}
}

// scroll keeps the cursor line on screen.
func (e *editor) scroll() {
	h := max(1, e.height-1)                    // the last line shows completions
	e.top = max(0, min(e.top, len(e.lines)-h)) // no empty lines below while text is above
	if e.row < e.top {
		e.top = e.row
	}
	if e.row >= e.top+h {
		e.top = e.row - h + 1
	}
}

// wordBefore is the identifier (dots included) ending at the cursor.
func (e *editor) wordBefore() string {
	line := e.lines[e.row]
	i := e.col
	for i > 0 && (isIdent(line[i-1]) || line[i-1] == '.') {
		i--
	}
	return string(line[i:e.col])
}

func isIdent(r rune) bool { return r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r) }

// CanComplete says whether tab completes here (a word with candidates
// before the cursor); otherwise tab moves to the next pane.
func (e *editor) CanComplete() bool {
	if len(e.candidates) > 1 {
		return true
	}
	w := e.wordBefore()
	return w != "" && !e.known(w) && len(e.matches(w)) > 0
}

// known says whether w is already a whole name or keyword: tab after it
// moves on rather than offering longer names that start with it.
func (e *editor) known(w string) bool {
	for _, c := range slices.Concat(e.names, sqlKeywords) {
		if strings.EqualFold(c, w) {
			return true
		}
	}
	return false
}

func (e *editor) matches(word string) []string {
	lower := strings.ToLower(word)
	var out []string
	for _, c := range slices.Concat(e.names, sqlKeywords) {
		if strings.HasPrefix(strings.ToLower(c), lower) && !strings.EqualFold(c, word) {
			out = append(out, c)
		}
	}
	return out
}

// complete replaces the word before the cursor with the next candidate;
// repeated tabs cycle through them.
func (e *editor) complete() {
	word := e.wordBefore()
	if len(e.candidates) == 0 {
		e.candidates, e.chosen = e.matches(word), 0
		if len(e.candidates) == 0 {
			return
		}
		e.remember(false) // cycling through the candidates is one step
	} else {
		e.chosen = (e.chosen + 1) % len(e.candidates)
	}
	line := e.lines[e.row]
	start := e.col - len([]rune(word))
	next := []rune(e.candidates[e.chosen])
	e.lines[e.row] = slices.Concat(line[:start], next, line[e.col:])
	e.col = start + len(next)
}

func (e *editor) ShortHelp() []key.Binding {
	k := e.ctx.Keys
	return []key.Binding{k.Complete, k.Measure, k.HelpWhileTyping, k.History}
}

func (e *editor) FullHelp() [][]key.Binding {
	// One column, so that it fits beside the program's keys; the arrows,
	// backspace and the page keys do what they always do.
	k, line := e.ctx.Keys, e.ctx.Keys.Edit
	return [][]key.Binding{{k.Run, k.Measure, k.Complete, k.HelpWhileTyping, k.History, k.Saved, k.Save,
		line.LineStart, line.LineEnd, line.DeleteAfterCursor, k.ClearText, k.Undo, k.Redo}}
}

// View draws the visible lines, highlighted, with the cursor and the last
// error's position, and a line of completions.
func (e *editor) View() string {
	st := e.ctx.Styles
	h := max(1, e.height-1)
	var b strings.Builder
	for i := e.top; i < e.top+h; i++ {
		if i > e.top {
			b.WriteByte('\n')
		}
		if i >= len(e.lines) {
			continue
		}
		b.WriteString(e.renderLine(i))
	}
	b.WriteByte('\n')
	b.WriteString(e.hint(st.Muted))
	return b.String()
}

func (e *editor) hint(muted lipgloss.Style) string {
	if len(e.candidates) == 0 {
		return ""
	}
	parts := slices.Clone(e.candidates)
	parts[e.chosen] = "[" + parts[e.chosen] + "]"
	return muted.Render(truncate(e.ctx.Keys.Complete.Help().Key+": "+strings.Join(parts, " "), e.width))
}

// renderLine highlights one line, cut to the pane's width around the
// cursor so it stays visible.
func (e *editor) renderLine(i int) string {
	line := e.lines[i]
	start := 0
	if i == e.row && e.col >= e.width {
		start = e.col - e.width + 1
	}
	end := min(len(line), start+e.width)
	styles := highlight(line, e.ctx)
	var b strings.Builder
	for j := start; j < end; j++ {
		style := styles[j]
		if i+1 == e.errLine && j == e.errCol {
			style = e.ctx.Styles.Error.Underline(true)
		}
		if e.focused && i == e.row && j == e.col {
			style = e.ctx.Styles.Selected
		}
		b.WriteString(style.Render(string(visibleRune(line[j]))))
	}
	if e.focused && i == e.row && e.col == len(line) && e.col-start < e.width {
		b.WriteString(e.ctx.Styles.Selected.Render(" "))
	}
	return b.String()
}

// highlight gives each rune its style: keywords, strings, numbers,
// comments; the rest plain.
// visibleRune is how the editor shows one character of the text: a
// control character (from a saved query or the history, say) as its
// one-cell Unicode picture (ESC as ␛), so it is seen, not obeyed or
// silently dropped, and the cursor stays on the character it is on.
func visibleRune(r rune) rune {
	switch {
	case r < 0x20:
		return 0x2400 + r
	case r == 0x7f:
		return '␡'
	case lake.IsControl(r):
		return '�'
	}
	return r
}

func highlight(line []rune, ctx *Context) []lipgloss.Style {
	st := ctx.Styles
	out := make([]lipgloss.Style, len(line))
	for i := 0; i < len(line); {
		j := i + 1
		style := st.Text
		switch r := line[i]; {
		case r == '-' && j < len(line) && line[j] == '-':
			j, style = len(line), st.Comment
		case r == '\'':
			for j < len(line) && line[j] != '\'' {
				j++
			}
			j, style = min(j+1, len(line)), st.String
		case unicode.IsDigit(r):
			for j < len(line) && (unicode.IsDigit(line[j]) || line[j] == '.') {
				j++
			}
			style = st.Number
		case isIdent(r):
			for j < len(line) && isIdent(line[j]) {
				j++
			}
			if keywordSet[strings.ToUpper(string(line[i:j]))] {
				style = st.Keyword
			}
		}
		for k := i; k < j; k++ {
			out[k] = style
		}
		i = j
	}
	return out
}

var sqlKeywords = []string{"SELECT", "FROM", "WHERE", "GROUP", "BY", "ORDER", "LIMIT", "OFFSET", "HAVING",
	"JOIN", "LEFT", "RIGHT", "INNER", "OUTER", "FULL", "CROSS", "ON", "USING", "AS", "AND", "OR", "NOT", "IN",
	"IS", "NULL", "LIKE", "ILIKE", "BETWEEN", "CASE", "WHEN", "THEN", "ELSE", "END", "DISTINCT", "UNION",
	"ALL", "EXCEPT", "INTERSECT", "WITH", "VALUES", "DESCRIBE", "SUMMARIZE", "SHOW", "TABLES", "EXPLAIN",
	"COUNT", "SUM", "AVG", "MIN", "MAX", "CAST", "ASC", "DESC", "TRUE", "FALSE", "QUALIFY", "WINDOW", "OVER",
	"PARTITION", "FILTER", "EXISTS"}

var keywordSet = func() map[string]bool {
	m := map[string]bool{}
	for _, k := range sqlKeywords {
		m[k] = true
	}
	return m
}()

// truncate cuts s to width cells, marking the cut with "…".
func truncate(s string, width int) string {
	if width <= 0 {
		return ""
	}
	return ansi.Truncate(s, width, "…")
}
