package tui

import (
	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
)

// KeyMap is every binding of the program. The footer and the help overlay
// are generated from it, so they can only show keys that work.
type KeyMap struct {
	// Everywhere (control and function keys, so typing never triggers them).
	Run, Measure, Cancel, Quit, QuitTwice, NextPane, PrevPane, Help        key.Binding
	HelpWhileTyping                                                        key.Binding
	FocusEditor, FocusResults, FocusCatalog                                key.Binding
	Persona, History, Saved, Save, Export, Theme, Compare, ComparePersonas key.Binding
	// Catalog pane.
	Up, Down, Expand, Collapse, Filter, Insert, SelectStar, Access, Tags, Grants key.Binding
	Detail, Narrower, Wider, Compact                                             key.Binding
	// A catalog column (enter inserts its name), or the results' column.
	Profile, InsertColumn key.Binding
	// Editor pane, besides the line keys of Edit and typing.
	Complete, Newline, TextUp, TextDown, TextPageUp, TextPageDown, ClearText key.Binding
	Undo, Redo                                                               key.Binding
	// Results pane.
	Left, Right, PageUp, PageDown, Top, Bottom, CopyCell, CopyRow, CellView key.Binding
	Plot                                                                    key.Binding
	// The plot of a result.
	PlotKind, PlotX, PlotY, PlotAll, PlotSave key.Binding
	// Overlays.
	Choose, Close, CloseText, CloseHelp key.Binding
	// The tag overlay, for an administrator.
	TagAssign, TagUnassign, TagCreate, TagDelete key.Binding
	// The grants overlay, for an administrator.
	GrantAdd, GrantRevoke, Walkthrough, Principals key.Binding
	// The principals, opened from the grants.
	PrincipalAdd, PrincipalRemove key.Binding
	// Every line input: the catalog's filter, the prompts, the tag editor.
	Accept, Dismiss key.Binding
	// Edit moves and deletes in a line input (bubbles' textinput). The
	// editor takes its cursor moves from it too, but not its word moves
	// and deletes, and its ctrl+u clears the whole text.
	Edit textinput.KeyMap
	// The first start's setup screen.
	StopSetup key.Binding
}

func bind(keys []string, helpKey, desc string) key.Binding {
	return key.NewBinding(key.WithKeys(keys...), key.WithHelp(helpKey, desc))
}

// DefaultKeyMap is harlequin's and the DuckDB CLI's conventions, with
// fallbacks for terminals that never send ctrl+enter.
func DefaultKeyMap() KeyMap {
	return KeyMap{
		Run:             bind([]string{"ctrl+enter", "ctrl+j", "f5"}, "ctrl+j/f5", "run"),
		Measure:         bind([]string{"f6"}, "f6", "run 5×, trimmed mean"),
		Cancel:          bind([]string{"esc", "ctrl+c"}, "esc", "cancel query"),
		Quit:            bind([]string{"ctrl+q"}, "ctrl+q", "quit"),
		QuitTwice:       bind([]string{"ctrl+c"}, "ctrl+c×2", "quit when no query runs"),
		NextPane:        bind([]string{"tab"}, "tab", "next pane"),
		PrevPane:        bind([]string{"shift+tab"}, "shift+tab", "previous pane"),
		FocusEditor:     bind([]string{"f2"}, "f2", "editor"),
		FocusResults:    bind([]string{"f3"}, "f3", "results"),
		FocusCatalog:    bind([]string{"f4"}, "f4", "catalog"),
		Help:            bind([]string{"?", "f1"}, "?/f1", "help"),
		HelpWhileTyping: bind([]string{"f1"}, "f1", "help"),
		Persona:         bind([]string{"ctrl+p"}, "ctrl+p", "persona"),
		History:         bind([]string{"ctrl+r"}, "ctrl+r", "history"),
		Saved:           bind([]string{"ctrl+o"}, "ctrl+o", "saved queries"),
		Save:            bind([]string{"ctrl+s"}, "ctrl+s", "save the query"),
		Export:          bind([]string{"ctrl+e"}, "ctrl+e", "export results"),
		Theme:           bind([]string{"ctrl+t"}, "ctrl+t", "next theme"),
		Compare:         bind([]string{"ctrl+b"}, "ctrl+b", "compare layouts"),
		ComparePersonas: bind([]string{"ctrl+g"}, "ctrl+g", "compare personas"),

		Up:           bind([]string{"up", "k"}, "↑/k", "up"),
		Down:         bind([]string{"down", "j"}, "↓/j", "down"),
		Expand:       bind([]string{"enter", "right", "l"}, "enter", "open"),
		Collapse:     bind([]string{"left", "h"}, "←/h", "close"),
		Filter:       bind([]string{"/"}, "/", "filter"),
		Insert:       bind([]string{"i"}, "i", "insert table name"),
		Profile:      bind([]string{"i"}, "i", "column profile"),
		InsertColumn: bind([]string{"enter", "right", "l"}, "enter", "insert column name"),
		SelectStar:   bind([]string{"s"}, "s", "SELECT * … LIMIT 100"),
		Access:       bind([]string{"a"}, "a", "access matrix"),
		Tags:         bind([]string{"t"}, "t", "tags"),
		Grants:       bind([]string{"g"}, "g", "grants"),
		Detail:       bind([]string{"d"}, "d", "table details"),
		Compact:      bind([]string{"c"}, "c", "compact files (administrators)"),
		Narrower:     bind([]string{"<"}, "<", "narrower pane"),
		Wider:        bind([]string{">"}, ">", "wider pane"),

		Complete:     bind([]string{"tab", "ctrl+space", "ctrl+@"}, "tab", "complete"),
		Newline:      bind([]string{"enter"}, "enter", "new line"),
		TextUp:       bind([]string{"up"}, "↑", "line up"),
		TextDown:     bind([]string{"down"}, "↓", "line down"),
		TextPageUp:   bind([]string{"pgup"}, "pgup", "page up"),
		TextPageDown: bind([]string{"pgdown"}, "pgdn", "page down"),
		ClearText:    bind([]string{"ctrl+u"}, "ctrl+u", "clear the editor"),
		Undo:         bind([]string{"ctrl+z"}, "ctrl+z", "undo"),
		Redo:         bind([]string{"ctrl+shift+z", "ctrl+y"}, "ctrl+y", "redo (ctrl+shift+z too)"),

		Left:     bind([]string{"left", "h"}, "←/h", "column left"),
		Right:    bind([]string{"right", "l"}, "→/l", "column right"),
		PageUp:   bind([]string{"pgup"}, "pgup", "page up"),
		PageDown: bind([]string{"pgdown", "space"}, "pgdn", "page down"),
		Top:      bind([]string{"home", "g"}, "g", "first row"),
		Bottom:   bind([]string{"end", "G"}, "G", "last row (fetches all)"),
		CopyCell: bind([]string{"y"}, "y", "copy cell"),
		CopyRow:  bind([]string{"Y"}, "Y", "copy row"),
		CellView: bind([]string{"enter"}, "enter", "whole value"),
		Plot:     bind([]string{"p"}, "p", "plot the result"),

		PlotKind: bind([]string{"t"}, "t", "next plot kind"),
		PlotX:    bind([]string{"x"}, "x", "next x column"),
		PlotY:    bind([]string{"y"}, "y", "next y column"),
		PlotAll:  bind([]string{"G"}, "G", "fetch every row"),
		PlotSave: bind([]string{"w"}, "w", "write as SVG"),

		Choose:    bind([]string{"enter"}, "enter", "choose"),
		Close:     bind([]string{"esc", "q"}, "esc", "close"),
		CloseText: bind([]string{"esc", "q", "enter"}, "esc", "close"),
		CloseHelp: bind([]string{"esc", "q", "?", "f1"}, "esc", "close"),

		TagAssign:   bind([]string{"a"}, "a", "assign"),
		TagUnassign: bind([]string{"u"}, "u", "unassign"),
		TagCreate:   bind([]string{"n"}, "n", "new tag"),
		TagDelete:   bind([]string{"d"}, "d", "delete tag"),

		GrantAdd:    bind([]string{"a"}, "a", "add grant"),
		GrantRevoke: bind([]string{"r"}, "r", "revoke grant"),
		Walkthrough: bind([]string{"w"}, "w", "walk-through start"),
		Principals:  bind([]string{"p"}, "p", "principals (who connects over SSH)"),

		PrincipalAdd:    bind([]string{"a"}, "a", "add principal"),
		PrincipalRemove: bind([]string{"d"}, "d", "remove principal"),

		Accept:  bind([]string{"enter"}, "enter", "ok"),
		Dismiss: bind([]string{"esc"}, "esc", "cancel"),
		Edit:    lineEditKeys(),

		StopSetup: bind([]string{"ctrl+c", "esc"}, "ctrl+c", "cancels"),
	}
}

// lineEditKeys are readline's keys, less those the program binds
// everywhere (ctrl+b compares, ctrl+e exports): a line input never sees
// them. A paste arrives as the terminal's paste, not as ctrl+v, and the
// inputs offer no suggestions.
func lineEditKeys() textinput.KeyMap {
	return textinput.KeyMap{
		CharacterBackward:       bind([]string{"left"}, "←", "character left"),
		CharacterForward:        bind([]string{"right", "ctrl+f"}, "→", "character right"),
		WordBackward:            bind([]string{"alt+left", "ctrl+left", "alt+b"}, "alt+←", "word left"),
		WordForward:             bind([]string{"alt+right", "ctrl+right", "alt+f"}, "alt+→", "word right"),
		LineStart:               bind([]string{"home", "ctrl+a"}, "home", "line start"),
		LineEnd:                 bind([]string{"end"}, "end", "line end"),
		DeleteCharacterBackward: bind([]string{"backspace", "ctrl+h"}, "backspace", "delete left"),
		DeleteCharacterForward:  bind([]string{"delete", "ctrl+d"}, "del", "delete right"),
		DeleteWordBackward:      bind([]string{"ctrl+w", "alt+backspace", "ctrl+backspace"}, "ctrl+w", "delete word left"),
		DeleteWordForward:       bind([]string{"alt+d", "alt+delete", "ctrl+delete"}, "alt+d", "delete word right"),
		DeleteBeforeCursor:      bind([]string{"ctrl+u"}, "ctrl+u", "delete to line start"),
		DeleteAfterCursor:       bind([]string{"ctrl+k"}, "ctrl+k", "delete to line end"),
	}
}

// lineHelp is the help of a line input: its edit keys.
func (k KeyMap) lineHelp() []key.Binding {
	e := k.Edit
	return []key.Binding{e.CharacterBackward, e.CharacterForward, e.WordBackward, e.WordForward, e.LineStart, e.LineEnd,
		e.DeleteCharacterBackward, e.DeleteCharacterForward, e.DeleteWordBackward, e.DeleteWordForward, e.DeleteBeforeCursor, e.DeleteAfterCursor}
}

// global are the bindings shown in every footer and the help's first
// column; while a pane takes text, ? is typed, so it is left out.
func (k KeyMap) global(typing bool) []key.Binding {
	if typing {
		return []key.Binding{k.Run, k.Cancel, k.NextPane, k.Persona, k.Quit}
	}
	return []key.Binding{k.Run, k.Cancel, k.NextPane, k.Help, k.Persona, k.Quit}
}

// globalFull is the help's list of program-wide keys.
func (k KeyMap) globalFull() []key.Binding {
	return []key.Binding{k.Run, k.Measure, k.Cancel, k.NextPane, k.PrevPane, k.FocusEditor, k.FocusResults, k.FocusCatalog, k.Help, k.Persona, k.History,
		k.Saved, k.Save, k.Export, k.Compare, k.ComparePersonas, k.Theme, k.Quit, k.QuitTwice}
}

// distinct drops each binding whose description an earlier one (or one
// in seen) already shows, and with oneUse one whose key is shown: the
// help lists a thing once, the footer also a key once. seen collects
// what is shown.
func distinct(bindings []key.Binding, seen map[string]bool, oneUse bool) []key.Binding {
	var out []key.Binding
	for _, b := range bindings {
		h := b.Help()
		if seen["desc "+h.Desc] || (oneUse && seen["key "+h.Key]) {
			continue
		}
		seen["key "+h.Key], seen["desc "+h.Desc] = true, true
		out = append(out, b)
	}
	return out
}
