// Command tarn is a terminal workbench for a local data lake: `tarn` opens
// the workbench (package tui) on the lake, and its commands import, crawl,
// query, benchmark and govern the lake from the command line. usage.go
// lists every command with its usage (`tarn help` prints it; the README
// repeats it, and a test keeps the two the same); cli_*.go run them.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"

	"tarn/lake"
	"tarn/queries"
)

func main() {
	// A reader that stops reading (`tarn query ... | head`) makes writes
	// fail with EPIPE instead of killing tarn, and SIGTERM cancels like
	// ctrl+c: either way the query ends CANCELLED and is recorded.
	signal.Ignore(syscall.SIGPIPE)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

// env is what every command gets: where to write and the lake to use.
type env struct {
	ctx       context.Context
	stdin     io.Reader
	stdout    io.Writer
	stderr    io.Writer
	lakeRoot  string // from --lake, $TARN_LAKE or the XDG default
	named     bool   // --lake or $TARN_LAKE: only the default lake is created on its own
	helpAsked bool   // -h or --help: usage goes to stdout and exits 0
	// session is what query sessions open with: a served principal's
	// identity and limits (tarn serve); zero for local use.
	session queries.Options
}

// errUsage marks an error already explained by the flag package.
var errUsage = errors.New("usage")

// errHelp ends a command whose usage was asked for (-h, --help) and printed.
var errHelp = errors.New("help")

// errOutputClosed ends a command whose reader went away: it exits 141, as
// a program killed by SIGPIPE does, without a message nobody reads.
var errOutputClosed = errors.New("output closed")

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	e := &env{ctx: ctx, stdin: os.Stdin, stdout: stdout, stderr: stderr}
	global := flag.NewFlagSet("tarn", flag.ContinueOnError)
	global.SetOutput(stderr)
	lakeFlag := global.String("lake", "", "lake directory (default $TARN_LAKE or ~/.local/share/tarn/lake)")
	persona := global.String("persona", "", "act as this persona (the workbench, and commands that take --persona)")
	theme := global.String("theme", "", "the workbench's colour theme")
	global.Usage = func() {} // printed below, where it is known whether help was asked for
	if err := global.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			globalUsage(stdout, global)
			return 0
		}
		globalUsage(stderr, global)
		return 2
	}
	args = global.Args()
	// `tarn --persona P [command]` is `tarn [command] --persona P`.
	var passed []string
	if *persona != "" {
		passed = append(passed, "--persona", *persona)
	}
	if *theme != "" {
		passed = append(passed, "--theme", *theme)
	}
	if err := e.setLake(*lakeFlag); err != nil {
		fmt.Fprintln(stderr, "tarn:", queries.PrintableLines(err.Error()))
		return 1
	}
	cmdRun, cmdArgs := runOpen, append(passed, args...)
	if len(args) > 0 {
		cmd, ok := findCommand(args[0])
		if !ok {
			fmt.Fprintf(stderr, "tarn: unknown command %q (`tarn help` lists them)\n", args[0]) // %q escapes
			return 2
		}
		cmdRun, cmdArgs = cmd.run, append(passed, args[1:]...)
	}
	e.helpAsked = asksHelp(cmdArgs)
	return exitCode(e, cmdRun(e, cmdArgs))
}

// exitCode is a command's exit status for its error, which it says on
// stderr unless the flag package or a closed output already did.
func exitCode(e *env, err error) int {
	switch {
	case err == nil, errors.Is(err, errHelp):
		return 0
	case errors.Is(err, errUsage):
		return 2
	case errors.Is(err, errOutputClosed):
		return 128 + int(syscall.SIGPIPE)
	}
	fmt.Fprintln(e.stderr, "tarn:", queries.PrintableLines(err.Error()))
	return 1
}

func globalUsage(w io.Writer, global *flag.FlagSet) {
	usageList(w)
	fmt.Fprintln(w, "\nflags before a command:")
	global.SetOutput(w)
	global.PrintDefaults()
}

// asksHelp says whether args ask for a command's usage.
func asksHelp(args []string) bool {
	for _, a := range args {
		switch a {
		case "--":
			return false
		case "-h", "-help", "--h", "--help":
			return true
		}
	}
	return false
}

// findCommand is the command called name ("" is none).
func findCommand(name string) (command, bool) {
	if name == "" {
		return command{}, false
	}
	return lookup(name)
}

func lookup(name string) (command, bool) {
	for _, c := range commands() {
		if c.name == name {
			return c, true
		}
	}
	return command{}, false
}

func (e *env) setLake(dir string) error {
	if dir != "" {
		e.lakeRoot, e.named = dir, true
		return nil
	}
	root, err := lake.DefaultRoot()
	e.lakeRoot, e.named = root, os.Getenv("TARN_LAKE") != ""
	return err
}

// newFlags makes a subcommand's flag set; every command takes --lake.
func (e *env) newFlags(name string) *flag.FlagSet {
	fs := flag.NewFlagSet("tarn "+name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() {
		c, _ := lookup(name)
		w := e.stderr
		if e.helpAsked {
			w = e.stdout
		}
		commandUsage(w, c, fs)
	}
	fs.Func("lake", "lake directory", func(dir string) error { return e.setLake(dir) })
	return fs
}

// parseInterspersed parses flags that may come after positional arguments
// (`tarn import a.csv --db x`), returning the positional ones.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	// SQL that starts with a comment ("-- note\nSELECT ...") is an
	// argument, not a flag (a flag has no space in its name): it passes the
	// flag parser as a placeholder and comes back after.
	text := map[string]string{}
	args = slices.Clone(args)
	for i, a := range args {
		if looksLikeText(a) {
			key := fmt.Sprintf("\x00arg%d", i)
			text[key], args[i] = a, key
		}
	}
	positional, err := parseFlagsAnywhere(fs, args)
	for i, p := range positional {
		if a, ok := text[p]; ok {
			positional[i] = a
		}
	}
	return positional, err
}

func parseFlagsAnywhere(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, errHelp
			}
			return nil, errUsage
		}
		args = fs.Args()
		if len(args) == 0 {
			return positional, nil
		}
		if args[0] == "--" {
			return append(positional, args[1:]...), nil
		}
		positional = append(positional, args[0])
		args = args[1:]
	}
}

func looksLikeText(arg string) bool {
	name, _, _ := strings.Cut(strings.TrimLeft(arg, "-"), "=")
	return strings.HasPrefix(arg, "-") && strings.ContainsAny(name, " \t\n")
}

// openLake opens the existing lake; a missing lake is an error.
func (e *env) openLake() (*lake.Lake, error) {
	return lake.Open(e.lakeRoot)
}

// runOpen is `tarn` without a command: the workbench on a terminal (the
// default lake is created first on a first run, with progress), the
// catalog summary when output is not a terminal. A lake the user named is
// never created on its own: a mistyped --lake is refused, as every
// command refuses it.
func runOpen(e *env, args []string) error {
	fs := e.newFlags("")
	persona := fs.String("persona", "", "act as this persona (default: the last one, else the policy's default)")
	theme := fs.String("theme", "", "colour theme: dark, light, high-contrast or a user theme (default: the last one)")
	if _, err := parseInterspersed(fs, args); err != nil {
		return err
	}
	if e.named {
		if _, err := e.openLake(); err != nil {
			return err
		}
	} else if !lake.Exists(e.lakeRoot) {
		fmt.Fprintf(e.stderr, "First run: creating the demo lake in %s\n", e.lakeRoot)
		if err := firstRunDemo(e); err != nil {
			return err
		}
	}
	if !isTerminal(e.stdout) {
		return catalogAs(e, *persona, false)
	}
	return runTUI(e, *persona, *theme)
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
