package main

import (
	"flag"
	"os"
	"regexp"
	"strings"
	"testing"
)

var updateREADME = flag.Bool("update-readme", false, "rewrite the README's list of commands from `tarn help`")

// TestREADMEListsTheCommands: the README's list of commands is what
// `tarn help` prints, so neither can drift from the other (or from the
// commands: usage.go is both's one source). `go test . -update-readme`
// rewrites the README's copy.
func TestREADMEListsTheCommands(t *testing.T) {
	code, help, errOut := tarn(t, "help")
	if code != 0 {
		t.Fatalf("tarn help: exit %d, %s", code, errOut)
	}
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	start, end, ok := commandsBlock(string(readme))
	if !ok {
		t.Fatal("README.md has no block indented by 4 spaces after '## Commands'")
	}
	want := indent(help)
	if got := string(readme[start:end]); got != want {
		if *updateREADME {
			updated := string(readme[:start]) + want + string(readme[end:])
			if err := os.WriteFile("README.md", []byte(updated), 0o644); err != nil {
				t.Fatal(err)
			}
			return
		}
		t.Errorf("README's list of commands differs from `tarn help` (go test . -run TestREADMEListsTheCommands -update-readme rewrites it):\nREADME:\n%s\ntarn help:\n%s", got, want)
	}
}

// commandsBlock is where the code block after "## Commands" starts and ends.
func commandsBlock(readme string) (int, int, bool) {
	heading := strings.Index(readme, "\n## Commands\n")
	if heading < 0 {
		return 0, 0, false
	}
	start := heading + len("\n## Commands\n")
	for strings.HasPrefix(readme[start:], "\n") {
		start++
	}
	end := start
	for end < len(readme) {
		line, _, _ := strings.Cut(readme[end:], "\n")
		if line != "" && !strings.HasPrefix(line, "    ") {
			break
		}
		end += len(line) + 1
	}
	for end > start && strings.HasSuffix(readme[:end], "\n\n") {
		end-- // the blank line before the next paragraph is not the block's
	}
	return start, end, end > start
}

func indent(text string) string {
	var b strings.Builder
	for _, line := range strings.SplitAfter(text, "\n") {
		if strings.TrimSpace(line) != "" {
			b.WriteString("    ")
		}
		b.WriteString(line)
	}
	return b.String()
}

var flagLine = regexp.MustCompile(`(?m)^  -([a-z-]+)`)

// TestEveryFlagIsInItsUsage: each flag a command accepts (as its own flag
// set lists them under `tarn help CMD`) is named in its usage, and each
// flag the usage names is accepted.
func TestEveryFlagIsInItsUsage(t *testing.T) {
	for _, c := range commands() {
		if c.name == "" || c.name == "help" {
			continue
		}
		code, out, errOut := tarn(t, "help", c.name)
		if code != 0 {
			t.Errorf("tarn help %s: exit %d, %s", c.name, code, errOut)
			continue
		}
		usage, flags, _ := strings.Cut(out, "\nflags:\n")
		accepted := map[string]bool{}
		for _, m := range flagLine.FindAllStringSubmatch(flags, -1) {
			accepted[m[1]] = true
			if m[1] != "lake" && !strings.Contains(usage, "--"+m[1]) {
				t.Errorf("tarn %s accepts --%s, but its usage does not say so", c.name, m[1])
			}
		}
		for _, m := range regexp.MustCompile(`--([a-z][a-z-]*)`).FindAllStringSubmatch(strings.Join(c.synopsis, " "), -1) {
			if !accepted[m[1]] {
				t.Errorf("tarn %s's usage names --%s, which it does not accept", c.name, m[1])
			}
		}
	}
}
