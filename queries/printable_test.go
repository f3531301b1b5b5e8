package queries_test

import (
	"testing"

	"tarn/queries"
)

func TestPrintableShowsControlCharactersVisibly(t *testing.T) {
	for in, want := range map[string]string{
		"plain text, ünïcode, 日本":                      "plain text, ünïcode, 日本",
		"\x1b]52;c;aGk=\x07":                           `\x1b]52;c;aGk=\x07`,
		"\x1b]0;owned\x07title":                        `\x1b]0;owned\x07title`,
		"\x1b[2J\x1b[H$ ":                              `\x1b[2J\x1b[H$ `,
		"\x1b]8;;http://evil\x1b\\click\x1b]8;;\x1b\\": `\x1b]8;;http://evil\x1b\click\x1b]8;;\x1b\`,
		"a\nb\tc\rd":                                   `a\nb\tc\rd`,
		"\u009b31m":                                    `\x9b31m`,
		"abc\u202etxt.exe":                             `abc\u202etxt.exe`,
		"bad \xff byte":                                `bad \xff byte`,
		"\x7f":                                         `\x7f`,
	} {
		if got := queries.Printable(in); got != want {
			t.Errorf("Printable(%q) = %q, want %q", in, got, want)
		}
	}
	if got := queries.PrintableLines("line 1\n\x1b[2Jline 2"); got != "line 1\n\\x1b[2Jline 2" {
		t.Errorf("PrintableLines: %q", got)
	}
}
