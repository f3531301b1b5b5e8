package tui

import "slices"

// maxUndo bounds the editor's history of edits: the oldest steps go first.
const maxUndo = 200

// textState is the editor's text and cursor at one point of its history.
type textState struct {
	lines    [][]rune
	row, col int
}

// history is the editor's undo and redo stacks. A run of typed
// characters is one step, as in most editors: a step is remembered when
// the run starts, not at each key.
type history struct {
	undo, redo []textState
	typing     bool // the last edit was a typed character
}

func (e *editor) state() textState {
	lines := make([][]rune, len(e.lines))
	for i, l := range e.lines {
		lines[i] = slices.Clone(l)
	}
	return textState{lines: lines, row: e.row, col: e.col}
}

func (e *editor) restore(s textState) {
	e.lines, e.row, e.col = s.lines, s.row, s.col
	e.errLine, e.candidates = 0, nil
	e.scroll()
}

// remember records the text before an edit; typing says the edit is a
// typed character, which joins the run of those before it.
func (e *editor) remember(typing bool) {
	h := &e.history
	if !(typing && h.typing) {
		h.undo = append(h.undo, e.state())
		if len(h.undo) > maxUndo {
			h.undo = slices.Delete(h.undo, 0, len(h.undo)-maxUndo)
		}
		h.redo = nil
	}
	h.typing = typing
}

// endTyping ends a run of typed characters (the cursor moved).
func (e *editor) endTyping() { e.history.typing = false }

// Undo goes back one step; Redo forward again.
func (e *editor) Undo() { e.step(&e.history.undo, &e.history.redo) }

func (e *editor) Redo() { e.step(&e.history.redo, &e.history.undo) }

func (e *editor) step(from, to *[]textState) {
	e.history.typing = false
	if len(*from) == 0 {
		return
	}
	*to = append(*to, e.state())
	last := (*from)[len(*from)-1]
	*from = (*from)[:len(*from)-1]
	e.restore(last)
}
