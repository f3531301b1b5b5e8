package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	tea "charm.land/bubbletea/v2"
	"charm.land/ssh"
	bm "charm.land/wish/v2/bubbletea"

	"tarn/queries"
	"tarn/themes"
	"tarn/tui"
)

// errIdle ends a workbench that received no key for the server's --idle.
var errIdle = errors.New("idle")

// workbench runs the workbench for the principal on the session's
// terminal, as its persona.
func (s *server) workbench(sess ssh.Session, who served) int {
	_, windows, ok := sess.Pty()
	if !ok {
		fmt.Fprintf(sess.Stderr(), "tarn serve: the workbench needs a terminal (ssh -t), or run a command: %s\n", strings.Join(servedCommandNames(), ", "))
		return 2
	}
	l, pol, err := queries.LoadLake(s.root)
	if err != nil {
		fmt.Fprintln(sess.Stderr(), "tarn serve:", err)
		return 1
	}
	palettes, err := themes.Load(themes.UserDir())
	if err != nil {
		palettes = nil // the built-in themes
	}
	app, err := tui.New(tui.Options{Lake: l, Policy: pol, Persona: who.principal.Persona, Themes: palettes,
		NoColor: slices.ContainsFunc(sess.Environ(), func(v string) bool { return strings.HasPrefix(v, "NO_COLOR=") }),
		Editor:  firstEditorText,
		Served:  &tui.Served{Options: who.session, Persona: who.principal.Persona, Admin: who.admin}})
	if err != nil {
		fmt.Fprintln(sess.Stderr(), "tarn serve:", err)
		return 1
	}
	defer app.Close()
	ctx, cancel := context.WithCancelCause(sess.Context())
	defer cancel(nil)
	input := &idleInput{r: sess}
	input.touch()
	go input.watch(ctx, s.limits.idle, cancel)
	prog := tui.Program(app, append(bm.MakeOptions(sess), tea.WithInput(input), tea.WithContext(ctx))...)
	go func() {
		for {
			select {
			case <-ctx.Done():
				return
			case w := <-windows:
				prog.Send(tea.WindowSizeMsg{Width: w.Width, Height: w.Height})
			}
		}
	}()
	_, err = prog.Run()
	if errors.Is(context.Cause(ctx), errIdle) {
		fmt.Fprintf(sess.Stderr(), "\r\ntarn serve: closed after %s without a key, the server's idle limit (tarn serve --idle)\r\n", s.limits.idle)
		return 1
	}
	if err != nil && !errors.Is(err, tea.ErrProgramKilled) {
		fmt.Fprintln(sess.Stderr(), "tarn serve:", err)
		return 1
	}
	return 0
}

// idleInput is the session's input, noting when the last key came.
type idleInput struct {
	r    io.Reader
	last atomic.Int64 // unix nanoseconds
}

func (in *idleInput) Read(p []byte) (int, error) {
	n, err := in.r.Read(p)
	if n > 0 {
		in.touch()
	}
	return n, err
}

func (in *idleInput) touch() { in.last.Store(time.Now().UnixNano()) }

// watch cancels with errIdle once no key came for limit.
func (in *idleInput) watch(ctx context.Context, limit time.Duration, cancel context.CancelCauseFunc) {
	for {
		quiet := time.Since(time.Unix(0, in.last.Load()))
		if quiet >= limit {
			cancel(errIdle)
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(limit - quiet):
		}
	}
}
