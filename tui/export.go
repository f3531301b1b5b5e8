package tui

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"time"

	tea "charm.land/bubbletea/v2"

	"tarn/queries"
)

// exporting is the export under way: its sequence, its meter and where
// it writes. The status bar shows its progress; esc cancels it.
type exporting struct {
	seq        int
	meter      *queries.WriteMeter
	path       string
	cancelling bool
}

// startExportMsg asks for an export from a command (the overwrite list).
type startExportMsg struct{ job exportJob }

// exportTickMsg redraws an export's progress.
type exportTickMsg struct{ seq int }

func exportTick(seq int) tea.Cmd {
	return tea.Tick(200*time.Millisecond, func(time.Time) tea.Msg { return exportTickMsg{seq} })
}

// startExport runs job off the UI as a run of its own: it supersedes the
// query running or open (the worker closes it), and esc cancels it.
func (a *App) startExport(job exportJob, overwrite bool) tea.Cmd {
	ctx := a.newRun()
	a.run.running, a.run.measuring, a.run.paused = false, false, false
	a.export = &exporting{seq: a.seq, meter: queries.NewWriteMeter(), path: job.path}
	a.flash = a.exportProgress()
	return tea.Batch(exportCmd(ctx, a.w, job, a.ctx.Lake.Root, overwrite, a.export.meter, a.seq), exportTick(a.seq))
}

// exportProgress is the status while an export writes: rows, bytes,
// rate and time so far, and DuckDB's percentage and the time left where
// it estimates them (see queries.WriteMeter).
func (a *App) exportProgress() string {
	name := filepath.Base(a.export.path) // the status bar is one line: the folder was in the prompt
	if a.export.cancelling {
		return fmt.Sprintf("cancelling the export to %s: %s", name, a.export.meter.Progress())
	}
	return fmt.Sprintf("%s cancels · exporting %s: %s", a.ctx.Keys.Cancel.Help().Key, name, a.export.meter.Progress())
}

// onExportTick redraws the progress of the export that asked, if it is
// still the one under way.
func (a *App) onExportTick(msg exportTickMsg) tea.Cmd {
	if a.export == nil || a.export.seq != msg.seq {
		return nil
	}
	a.flash = a.exportProgress()
	return exportTick(msg.seq)
}

// onExported reports an export's end, or asks whether to overwrite.
func (a *App) onExported(msg exportedMsg) {
	if a.export != nil && a.export.seq == msg.seq {
		a.export = nil
	}
	a.flash, a.exportNote = msg.text, msg.text
	if msg.exists != nil {
		a.overlay = a.overwritePrompt(*msg.exists)
	}
}

// exportCmd runs an export off the UI, creating the default exports
// folder if the export goes there (never inside the lake).
func exportCmd(ctx context.Context, w *worker, job exportJob, root string, overwrite bool, meter *queries.WriteMeter, seq int) tea.Cmd {
	return func() tea.Msg {
		if filepath.Dir(job.path) == queries.DefaultExportDir(root) {
			queries.EnsureExportDir(root)
		}
		var st queries.Stats
		err := w.do(func(s *queries.Session) error {
			w.closeOpen()
			var err error
			st, err = s.ExportMetered(ctx, job.text, job.path, job.format, overwrite, meter)
			return err
		})
		var exists *queries.ExistsError
		switch {
		case errors.As(err, &exists):
			return exportedMsg{seq: seq, text: exists.Error(), exists: &job}
		case errors.Is(err, context.Canceled):
			return exportedMsg{seq: seq, text: fmt.Sprintf("export cancelled after %s: %s was not written",
				queries.Plural(int(meter.Progress().Rows), "row"), filepath.Base(job.path))}
		case err != nil:
			return exportedMsg{seq: seq, text: "export failed: " + firstLine(err.Error())}
		}
		return exportedMsg{seq: seq, text: fmt.Sprintf("exported %s to %s", queries.Plural(int(st.Rows), "row"), job.path)}
	}
}
