package tui

import (
	"regexp"
	"strings"
	"unicode"
)

// tarn's statement check reports a syntax error with DuckDB's position
// as a LINE and a caret (queries.SyntaxError), marked as a binder error
// is. A message without them still names the token the parser stopped at:
//
//	syntax error at or near "AND"
//	syntax error at end of input
//	unterminated quoted string at or near "'abc"
//
// syntaxPosition finds that token in the text (1-based line, 0-based
// column; 0, 0 when it cannot), so a syntax error is marked as a binder
// error is. A token written more than once is taken where it follows
// itself ("AND AND", ", ,"), else at its first place: the parser reads
// from the start and stops at the first token it cannot take.
var nearRE = regexp.MustCompile(`(?:syntax error|unterminated [a-z ]+) at or near "(.+)"`)

func syntaxPosition(msg string, lines [][]rune) (int, int) {
	if strings.Contains(firstLine(msg), "syntax error at end of input") {
		return endOfInput(lines)
	}
	m := nearRE.FindStringSubmatch(firstLine(msg))
	if m == nil {
		return 0, 0
	}
	want := strings.ToLower(m[1])
	var found []sqlToken
	for _, t := range sqlTokens(lines) {
		if strings.ToLower(t.text) == want || (strings.HasPrefix(want, "'") && strings.HasPrefix(strings.ToLower(t.text), want)) {
			found = append(found, t)
		}
	}
	if len(found) == 0 {
		return 0, 0
	}
	pick := found[0]
	for i := 1; i < len(found); i++ {
		if found[i].index == found[i-1].index+1 {
			pick = found[i]
			break
		}
	}
	return pick.line + 1, pick.col
}

// endOfInput is the last character of the text that is not a space.
func endOfInput(lines [][]rune) (int, int) {
	for i := len(lines) - 1; i >= 0; i-- {
		for j := len(lines[i]) - 1; j >= 0; j-- {
			if !unicode.IsSpace(lines[i][j]) {
				return i + 1, j
			}
		}
	}
	return 0, 0
}

// sqlToken is one token of the editor's text: where it starts and its
// place among the tokens.
type sqlToken struct {
	text      string
	line, col int
	index     int
}

// sqlTokens splits the text as SQL: words, numbers, strings and quoted
// names whole (an unclosed one to its line's end), operators a run of
// symbols, other punctuation a character; comments are left out.
func sqlTokens(lines [][]rune) []sqlToken {
	var out []sqlToken
	for li, line := range lines {
		for i := 0; i < len(line); {
			r := line[i]
			j := i + 1
			switch {
			case unicode.IsSpace(r):
				i++
				continue
			case r == '-' && j < len(line) && line[j] == '-':
				i = len(line)
				continue
			case r == '\'' || r == '"':
				for j < len(line) && line[j] != r {
					j++
				}
				j = min(j+1, len(line))
			case isIdent(r):
				for j < len(line) && isIdent(line[j]) {
					j++
				}
			case strings.ContainsRune("+-*/<>=~!@#%^&|`?", r):
				for j < len(line) && strings.ContainsRune("+-*/<>=~!@#%^&|`?", line[j]) {
					j++
				}
			}
			out = append(out, sqlToken{text: string(line[i:j]), line: li, col: i, index: len(out)})
			i = j
		}
	}
	return out
}
