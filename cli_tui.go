package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"

	tea "charm.land/bubbletea/v2"

	"tarn/demo"
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
		state.Editor = firstEditorText
	}
	app, err := tui.New(tui.Options{Lake: l, Policy: pol, Persona: who, Themes: palettes, Theme: theme,
		NoColor: os.Getenv("NO_COLOR") != "", Editor: state.Editor, State: tui.StateFile()})
	if err != nil {
		return err
	}
	_, err = tui.Program(app, tea.WithContext(e.ctx)).Run()
	return err
}

// firstEditorText is the editor's text on a first start.
const firstEditorText = "-- ctrl+j or F5 runs; ? lists every key\nSELECT host, path, status\nFROM weblogs.access_log_parquet_1\nLIMIT 100"

// firstRunDemo creates the demo lake: on a terminal inside the workbench's
// own progress screen, otherwise with the command line's progress bar.
func firstRunDemo(e *env) error {
	if !isTerminal(e.stdout) {
		return makeDemo(e, demo.Options{})
	}
	palettes, err := themes.Load(themes.UserDir())
	if err != nil {
		return err
	}
	styles := themes.NewStyles(themes.Find(palettes, tui.LoadState(tui.StateFile()).Theme), os.Getenv("NO_COLOR") != "")
	var report bytes.Buffer
	err = tui.Setup(e.ctx, "is creating the demo lake in "+e.lakeRoot, styles, func(ctx context.Context, progress func(tui.Progress)) error {
		opts := demo.Options{Progress: func(p demo.Progress) {
			progress(tui.Progress{Done: p.FilesDone, Total: p.FilesTotal, Units: "files", Label: p.Table})
		}}
		return createDemo(ctx, e.lakeRoot, opts, func() {}, &report)
	}, tea.WithContext(e.ctx))
	e.stderr.Write(report.Bytes())
	if errors.Is(err, context.Canceled) {
		return fmt.Errorf("demo cancelled; the tables finished before are registered, the rest is untouched")
	}
	return err
}
