package main

import (
	"os"

	tea "charm.land/bubbletea/v2"

	"tarn/themes"
	"tarn/tui"
)

// runTUI opens the workbench, restoring the last session's persona, theme
// and editor text unless flags say otherwise.
func runTUI(e *env, persona, theme string) error {
	state := tui.LoadState(tui.StateFile())
	if persona == "" {
		persona = state.Persona
	}
	l, pol, who, err := e.openGoverned(persona)
	if err != nil && persona == state.Persona {
		l, pol, who, err = e.openGoverned("") // the saved persona is gone
	}
	if err != nil {
		return err
	}
	palettes, err := themes.Load(themes.UserDir())
	if err != nil {
		return err
	}
	if theme == "" {
		theme = state.Theme
	}
	if state.Editor == "" {
		// A first start opens on the source's column projection: F5 runs it.
		state.Editor = "-- ctrl+j or F5 runs; ? lists every key\nSELECT host, path, status\nFROM weblogs.access_log_parquet_1\nLIMIT 100"
	}
	app, err := tui.New(tui.Options{Lake: l, Policy: pol, Persona: who, Themes: palettes, Theme: theme,
		NoColor: os.Getenv("NO_COLOR") != "", Editor: state.Editor, State: tui.StateFile()})
	if err != nil {
		return err
	}
	_, err = tui.Program(app, tea.WithContext(e.ctx)).Run()
	return err
}
