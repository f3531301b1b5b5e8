package tui

import (
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"tarn/queries"
)

// maxKeptRows bounds the rows held for scrolling: a longer result keeps
// its latest rows, so a 10M-row result costs what 200,000 rows do.
const maxKeptRows = 200_000

// maxColumnWidth caps a column; longer values end in "…" (enter shows all).
const maxColumnWidth = 40

// cellHead is as much of a value as the grid ever reads: a cell shows at
// most maxColumnWidth cells, so a 100 MB value costs what its start does.
func cellHead(s string) string {
	const most = 4*maxColumnWidth + 4
	if len(s) <= most {
		return s
	}
	cut := most
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// results is the result grid: it draws only the visible rows and columns
// of the rows fetched so far, and asks for the next page as the cursor
// nears the end.
type results struct {
	ctx           *Context
	columns       []queries.Column
	rows          [][]string // rows base .. base+len(rows)-1
	base          int
	done          bool
	cut           string // why the rows ended before the last one, if they did
	row, col      int    // cursor: absolute row, column
	top, left     int    // first visible row (absolute) and column
	widths        []int
	width, height int
	focused       bool
	notice        string
	failure       string // the last query's error, shown in place of rows
}

// SetError shows a query's error in the grid's place.
func (r *results) SetError(msg string) { r.failure = msg }

func newResults(ctx *Context) *results { return &results{ctx: ctx} }

func (r *results) SetSize(w, h int) { r.width, r.height = w, h; r.clamp() }

// Reset starts a new result.
func (r *results) Reset(columns []queries.Column) {
	columns = slices.Clone(columns)
	for i := range columns {
		columns[i].Name = queries.Printable(columns[i].Name) // a column name is data too
	}
	*r = results{ctx: r.ctx, width: r.width, height: r.height, focused: r.focused, columns: columns}
	r.widths = make([]int, len(columns))
	for i, c := range columns {
		r.widths[i] = min(maxColumnWidth, max(3, ansi.StringWidth(c.Name)))
	}
}

// Append adds fetched rows, fitting column widths to them and releasing
// the oldest rows beyond maxKeptRows.
func (r *results) Append(rows [][]string, done bool) {
	for _, row := range rows {
		for i, v := range row[:min(len(row), len(r.widths))] {
			if w := ansi.StringWidth(cellHead(v)); w > r.widths[i] {
				r.widths[i] = min(maxColumnWidth, w)
			}
		}
	}
	r.rows = append(r.rows, rows...)
	r.done = done
	if over := len(r.rows) - maxKeptRows; over > 0 {
		drop := max(over, maxKeptRows/4)
		r.rows = append([][]string(nil), r.rows[drop:]...)
		r.base += drop
	}
	r.clamp()
}

// Cut says the rows ended before the last one (a cancel, an error), so
// the footer does not call the rows fetched all rows.
func (r *results) Cut(why string) { r.cut = why }

// ClickLine puts the cursor on the row drawn on line (0: the first row).
func (r *results) ClickLine(line int) {
	if line >= 0 && line < r.pageRows() && r.top+line < r.Fetched() {
		r.row = r.top + line
		r.clamp()
	}
}

// More says whether the result has rows not fetched yet.
func (r *results) More() bool { return r.columns != nil && !r.done }

// ToLast puts the cursor on the last row fetched.
func (r *results) ToLast() {
	r.row = r.Fetched() - 1
	r.clamp()
}

// Fetched is the number of rows read so far.
func (r *results) Fetched() int { return r.base + len(r.rows) }

// autoFetchRows are fetched without waiting for the cursor, so a result
// of ordinary size finishes (and its query SUCCEEDS) on its own; beyond
// that, pages come as the cursor nears them.
const autoFetchRows = 20_000

// WantsMore says whether to fetch the next page: the result is small so
// far, or the cursor is near the end of the fetched rows.
func (r *results) WantsMore() bool {
	if r.done || r.columns == nil {
		return false
	}
	return r.Fetched() < autoFetchRows || r.row+2*r.pageRows() >= r.Fetched()
}

func (r *results) pageRows() int { return max(1, r.height-1) }

func (r *results) clamp() {
	last := max(r.base, r.Fetched()-1)
	if r.row < r.base {
		r.row = r.base
		if r.base > 0 {
			r.notice = fmt.Sprintf("rows before %s were released to bound memory; run again to see them", queries.FormatCount(int64(r.base+1)))
		}
	}
	r.row = min(r.row, last)
	r.col = max(0, min(r.col, len(r.columns)-1))
	r.top = max(r.base, min(r.top, r.row))
	if r.row >= r.top+r.pageRows() {
		r.top = r.row - r.pageRows() + 1
	}
	r.left = min(r.left, r.col)
	for r.left < r.col && !r.fits(r.left, r.col) {
		r.left++
	}
}

// fits says whether columns from..to fit the width.
func (r *results) fits(from, to int) bool {
	w := r.gutter()
	for i := from; i <= to; i++ {
		w += r.widths[i] + 1
	}
	return w <= r.width
}

func (r *results) gutter() int { return len(queries.FormatCount(int64(r.Fetched()))) + 1 }

func (r *results) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case tea.MouseWheelMsg:
		if msg.Button == tea.MouseWheelUp {
			r.row -= 3
		} else {
			r.row += 3
		}
	case tea.KeyPressMsg:
		return r.key(msg)
	}
	r.clamp()
	return nil
}

func (r *results) key(msg tea.KeyPressMsg) tea.Cmd {
	k := r.ctx.Keys
	switch {
	case key.Matches(msg, k.Up):
		r.row--
	case key.Matches(msg, k.Down):
		r.row++
	case key.Matches(msg, k.Left):
		r.col--
	case key.Matches(msg, k.Right):
		r.col++
	case key.Matches(msg, k.PageUp):
		r.row -= r.pageRows()
	case key.Matches(msg, k.PageDown):
		r.row += r.pageRows()
	case key.Matches(msg, k.Top):
		r.row = r.base
	case key.Matches(msg, k.Bottom):
		r.row = r.Fetched() - 1
	case key.Matches(msg, k.CopyCell):
		if v, ok := r.Cell(); ok {
			return tea.SetClipboard(v)
		}
	case key.Matches(msg, k.Profile) && r.columns != nil:
		return func() tea.Msg { return openProfileMsg{col: r.col} }
	case key.Matches(msg, k.CopyRow):
		if row, ok := r.current(); ok {
			return tea.SetClipboard(strings.Join(row, "\t"))
		}
	}
	r.clamp()
	return nil
}

func (r *results) current() ([]string, bool) {
	i := r.row - r.base
	if i < 0 || i >= len(r.rows) {
		return nil, false
	}
	return r.rows[i], true
}

// Cell is the value under the cursor.
func (r *results) Cell() (string, bool) {
	row, ok := r.current()
	if !ok || r.col >= len(row) {
		return "", false
	}
	return row[r.col], true
}

func (r *results) ShortHelp() []key.Binding {
	k := r.ctx.Keys
	return []key.Binding{k.CopyCell, k.CopyRow, k.CellView, k.Plot, k.Profile, k.Export}
}

func (r *results) FullHelp() [][]key.Binding {
	k := r.ctx.Keys
	return [][]key.Binding{{k.Up, k.Down, k.Left, k.Right, k.PageUp, k.PageDown, k.Top, k.Bottom, k.CopyCell, k.CopyRow, k.CellView, k.Plot, k.Profile, k.Export}}
}

// View draws the header and the visible rows: work proportional to the
// screen, never to the result.
func (r *results) View() string {
	st := r.ctx.Styles
	if r.failure != "" {
		return r.failureView()
	}
	if r.columns == nil {
		return st.Muted.Render(truncate("Run a query: "+r.ctx.Keys.Run.Help().Key+" (ctrl+enter where the terminal sends it).", r.width))
	}
	last := r.lastVisibleColumn()
	g := r.gutter()
	var b strings.Builder
	b.WriteString(strings.Repeat(" ", g))
	for c := r.left; c <= last; c++ {
		b.WriteString(st.Header.Render(pad(truncate(r.columns[c].Name, r.widths[c]), r.widths[c])))
		b.WriteByte(' ')
	}
	for i := r.top; i < r.top+r.pageRows() && i < r.Fetched(); i++ {
		b.WriteByte('\n')
		row := r.rows[i-r.base]
		b.WriteString(st.Muted.Render(pad(queries.FormatCount(int64(i+1)), g-1)) + " ")
		for c := r.left; c <= last; c++ {
			cell := pad(truncate(cellHead(row[c]), r.widths[c]), r.widths[c])
			if i == r.row && c == r.col && r.focused {
				b.WriteString(st.Selected.Render(cell))
			} else {
				b.WriteString(st.Text.Render(cell))
			}
			b.WriteByte(' ')
		}
	}
	return b.String()
}

// failureView is the error in the grid's place, its lines cut at the
// pane's edge; a cut message says that enter shows it whole.
func (r *results) failureView() string {
	st := r.ctx.Styles
	var lines []string
	for _, l := range strings.Split(r.failure, "\n") {
		// Wrapped, not cut: the end of a message (a path, its cause) is
		// often what the reader needs.
		for _, w := range strings.Split(ansi.Wrap(queries.Printable(l), max(1, r.width), " /"), "\n") {
			lines = append(lines, st.Error.Render(truncate(w, r.width)))
		}
	}
	if len(lines) > r.height {
		hint := r.ctx.Keys.CellView.Help().Key + ": the whole message"
		lines = append(lines[:max(0, r.height-1)], st.Muted.Render(truncate(hint, r.width)))
	}
	return strings.Join(lines, "\n")
}

// Footer is the line under the grid: position, and whether more rows come.
func (r *results) Footer() string {
	if r.columns == nil {
		return ""
	}
	more := "all rows"
	switch {
	case r.cut != "":
		more = r.cut
	case !r.done:
		more = "more to fetch"
	}
	s := fmt.Sprintf("row %s of %s fetched (%s) · column %d/%d %s %s", queries.FormatCount(int64(r.row+1)), queries.FormatCount(int64(r.Fetched())), more,
		r.col+1, len(r.columns), r.columns[r.col].Name, r.columns[r.col].Type)
	if r.notice != "" {
		s = r.notice
	}
	return s
}

// lastVisibleColumn is the last column drawn, the last one perhaps cut
// by the pane's edge (the frame cuts the line).
func (r *results) lastVisibleColumn() int {
	last := r.left
	for last+1 < len(r.columns) && r.fits(r.left, last+1) {
		last++
	}
	if last+1 < len(r.columns) && !r.fits(r.left, last+1) {
		w := r.gutter()
		for i := r.left; i <= last; i++ {
			w += r.widths[i] + 1
		}
		if r.width-w >= 4 {
			last++
		}
	}
	return last
}

func pad(s string, w int) string {
	if n := ansi.StringWidth(s); n < w {
		return s + strings.Repeat(" ", w-n)
	}
	return s
}
