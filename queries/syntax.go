package queries

import (
	"errors"
	"strconv"
	"strings"
	"unicode/utf8"
)

// SyntaxError is a statement DuckDB's parser refused, with where it
// stopped. Its text shows the place as DuckDB shows other errors' (the
// line, and a caret under the place), so the workbench marks it as it
// marks a binder error, and the command line shows it.
type SyntaxError struct {
	Message string
	Text    string // the statement
	Pos     int    // where the parser stopped: characters into Text, as DuckDB counts
}

func (e *SyntaxError) Error() string {
	pos := byteOffset(e.Text, e.Pos)
	start := strings.LastIndexByte(e.Text[:pos], '\n') + 1
	end := strings.IndexByte(e.Text[pos:], '\n')
	if end < 0 {
		end = len(e.Text)
	} else {
		end += pos
	}
	n := strings.Count(e.Text[:start], "\n") + 1
	prefix := "LINE " + strconv.Itoa(n) + ": "
	caret := strings.Repeat(" ", len(prefix)+utf8.RuneCountInString(e.Text[start:pos])) + "^"
	return e.Message + "\n\n" + prefix + e.Text[start:end] + "\n" + caret
}

// byteOffset is where the n-th character of text starts (its end for n
// past it).
func byteOffset(text string, n int) int {
	for i := range text {
		if n <= 0 {
			return i
		}
		n--
	}
	return len(text)
}

// syntaxError is the parser's message, with its place when it gave one.
func syntaxError(msg, text, position string) error {
	pos, err := strconv.Atoi(position)
	if err != nil || pos < 0 || pos > utf8.RuneCountInString(text) {
		return errors.New(msg)
	}
	return &SyntaxError{Message: msg, Text: text, Pos: pos}
}

// inStatement places a syntax error found in part, the end of text (what
// follows EXPLAIN), in text.
func inStatement(err error, text, part string) error {
	var se *SyntaxError
	if errors.As(err, &se) && se.Text == part && strings.HasSuffix(text, part) {
		return &SyntaxError{Message: se.Message, Text: text, Pos: se.Pos + utf8.RuneCountInString(text[:len(text)-len(part)])}
	}
	return err
}
