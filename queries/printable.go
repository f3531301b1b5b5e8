package queries

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"tarn/lake"
)

// Printable is s as it may reach a terminal: text from the lake (values,
// column names) or from other people (saved queries, history, policy
// entries) can hold escape sequences that would rewrite the clipboard
// (OSC 52), the window title (OSC 0), hide a link's address (OSC 8) or
// clear the screen under a fake prompt. Control characters (C0, DEL, C1),
// the bidirectional controls that reorder what is shown, and bytes that
// are not UTF-8 are written visibly instead, as Go escapes (\x1b, \n,
// \u202e, \xff), the way less and the DuckDB CLI show them. CSV and JSON
// outputs keep the bytes: they are data, not display.
func Printable(s string) string {
	if !lake.HasControl(s) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\r':
			b.WriteString(`\r`)
		case lake.IsBidiControl(r):
			fmt.Fprintf(&b, `\u%04x`, r)
		case lake.IsControl(r):
			fmt.Fprintf(&b, `\x%02x`, r)
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

// PrintableLines is Printable for text whose line breaks are its own (an
// error message, a query's SQL shown whole): they are kept.
func PrintableLines(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = Printable(l)
	}
	return strings.Join(lines, "\n")
}
