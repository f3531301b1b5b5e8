package tui

import (
	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"tarn/themes"
)

// lineInput is one line of text to type (bubbles' textinput): the
// catalog's filter, the prompts and the tag editor all edit with the key
// map's Edit keys, so a key does the same in each.
type lineInput struct {
	textinput.Model
	accept, dismiss key.Binding
	tried           bool // enter was pressed: from then on a refused value shows why
}

// lineEvent is what a key did to a line input.
type lineEvent int

const (
	lineEditing   lineEvent = iota // still typing (after a refused enter, it shows why)
	lineAccepted                   // the value is valid and taken
	lineDismissed                  // the input was left without taking it
)

// newLineInput is an empty, unfocused input after prompt; validate (if
// any) says why a value is refused.
func newLineInput(ctx *Context, prompt string, validate textinput.ValidateFunc) lineInput {
	in := textinput.New()
	in.Prompt = prompt
	in.KeyMap = ctx.Keys.Edit
	in.Validate = validate
	in.SetStyles(inputStyles(ctx.Styles))
	return lineInput{Model: in, accept: ctx.Keys.Accept, dismiss: ctx.Keys.Dismiss}
}

// Handle edits the line with msg (a key or a paste), or reports that it
// was accepted or dismissed. A value is accepted only when it is valid.
func (in *lineInput) Handle(msg tea.Msg) (lineEvent, tea.Cmd) {
	if m, ok := msg.(tea.KeyPressMsg); ok {
		switch {
		case key.Matches(m, in.dismiss):
			return lineDismissed, nil
		case key.Matches(m, in.accept):
			in.tried = true
			if in.Validate != nil {
				in.Err = in.Validate(in.Value()) // an untouched value was never checked
			}
			if in.Err != nil {
				return lineEditing, nil
			}
			return lineAccepted, nil
		}
	}
	var cmd tea.Cmd
	in.Model, cmd = in.Update(msg) // textinput validates each change of the value
	return lineEditing, cmd
}

// Render draws the input in the theme's accent, width cells at most
// (a longer value scrolls with the cursor), and under it the reason the
// value is refused, if it is.
func (in *lineInput) Render(st themes.Styles, width int) string {
	in.SetWidth(max(1, width-ansi.StringWidth(in.Prompt)-1)) // the cursor's cell
	in.SetCursor(in.Position())                              // scrolls to the cursor at this width
	in.SetStyles(inputStyles(st))                            // the theme may have changed
	s := truncate(in.View(), width)
	if in.Err != nil && in.tried { // not while the first value is being typed
		s += "\n" + st.Warning.Render(truncate(in.Err.Error(), width))
	}
	return s
}

// inputStyles draw an input as the hand-made ones were: all in the
// accent colour, with a steady cursor (no blink to redraw for).
func inputStyles(st themes.Styles) textinput.Styles {
	state := textinput.StyleState{Text: st.Accent, Prompt: st.Accent, Placeholder: st.Muted, Suggestion: st.Muted}
	return textinput.Styles{
		Focused: state,
		Blurred: state,
		Cursor:  textinput.CursorStyle{Color: st.Accent.GetForeground(), Shape: tea.CursorBar},
	}
}

// Filter handles a message for a filter line: esc clears it, enter keeps
// it, and both end the typing (done).
func (in *lineInput) Filter(msg tea.Msg) (done bool, cmd tea.Cmd) {
	event, cmd := in.Handle(msg)
	switch event {
	case lineDismissed:
		in.Reset()
		fallthrough
	case lineAccepted:
		in.Blur()
		return true, cmd
	}
	return false, cmd
}
