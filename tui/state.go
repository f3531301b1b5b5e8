package tui

import (
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	tea "charm.land/bubbletea/v2"

	"tarn/internal/atomicfile"
)

// State is what tarn restores on the next start: the last persona, theme
// and editor text.
type State struct {
	Persona string `json:"persona"`
	Theme   string `json:"theme"`
	Editor  string `json:"editor"`
}

// StateFile is $XDG_STATE_HOME/tarn/session.json (~/.local/state/...).
func StateFile() string {
	dir := os.Getenv("XDG_STATE_HOME")
	if dir == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return ""
		}
		dir = filepath.Join(home, ".local", "state")
	}
	return filepath.Join(dir, "tarn", "session.json")
}

// LoadState reads the saved session; none (or an unreadable one) is the
// zero State: a start must never fail over a convenience.
func LoadState(path string) State {
	var s State
	data, err := os.ReadFile(path)
	if err == nil {
		json.Unmarshal(data, &s)
	}
	return s
}

func saveState(path string, s State) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil && !errors.Is(err, fs.ErrExist) {
		return err
	}
	return atomicfile.WriteFile(path, func(w io.Writer) error {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(s)
	})
}

// Program is the workbench as a Bubble Tea program; options let tests
// give it input, output and a size.
func Program(a *App, opts ...tea.ProgramOption) *tea.Program {
	return tea.NewProgram(a, opts...)
}
