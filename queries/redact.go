package queries

import (
	"errors"
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
)

// RedactedError is an error as a persona who is not an administrator sees
// it. DuckDB's file readers quote the row they failed on ("Original Line:
// …", the value that would not convert), hidden columns and rows outside
// the persona's row filter included; such an error keeps only the table,
// the file, the line and the kind of failure. The whole error stays in the
// audit log, which only administrators read.
type RedactedError struct {
	Msg string
	raw error
}

func (e *RedactedError) Error() string { return e.Msg }

// Unwrap keeps errors.Is and errors.As working (a cancelled query stays
// CANCELLED); nothing shown to a persona prints the unwrapped error.
func (e *RedactedError) Unwrap() error { return e.raw }

var (
	// (DuckDB's JSON reader always says `in file "…"`; its json functions'
	// errors, which quote the persona's own values, do not.)
	readerMarks = []string{"CSV Error", "Original Line", "in file \"", "Parquet file", "magic bytes", "\n  file = "}
	lineRE      = regexp.MustCompile(`(?:on Line: |in line )(\d+)`)
	fileRE      = regexp.MustCompile(`(?:in file "|\n  file = |file '|file ")([^"'\n]+)`)
)

// readerKinds name a reader failure by what its message says, first match.
var readerKinds = []struct{ mark, kind string }{
	{"Could not convert", "a value does not match its column's type"},
	{"Failed to cast", "a value does not match its column's type"},
	{"Expected Number of Columns", "a row has the wrong number of columns"},
	{"unterminated quote", "a quoted value is not terminated"},
	{"Malformed JSON", "a line is not valid JSON"},
	{"magic bytes", "the file is not a readable Parquet file"},
	{"Parquet", "the file is not a readable Parquet file"},
}

// redact is err as the session's persona may see it: whole for an
// administrator; for anyone else a file reader's error loses the content
// it quotes.
func (s *Session) redact(err error) error {
	var refused *RefusedError
	var limit *LimitError
	if err == nil || s.Persona().Admin || errors.As(err, &refused) || errors.As(err, &limit) {
		return err
	}
	msg := err.Error()
	if !isReaderError(msg) && !strings.Contains(msg, s.Lake.Root) {
		return err
	}
	return &RedactedError{Msg: s.readerSummary(msg), raw: err}
}

func isReaderError(msg string) bool {
	for _, m := range readerMarks {
		if strings.Contains(msg, m) {
			return true
		}
	}
	return false
}

// viewError is why table's view could not be made, as the persona may
// see it. DuckDB quotes the view's text, which names the persona's hidden
// columns, its row filter and masks and the lake's paths: only an
// administrator sees it (and the audit log keeps it).
func (s *Session) viewError(table string, err error) error {
	if s.Persona().Admin {
		return fmt.Errorf("table %s: %w", table, err)
	}
	msg := err.Error()
	summary := "Error: table " + table + " cannot be read now (an administrator sees why in the audit log)"
	if isReaderError(msg) {
		summary = s.readerSummary(msg)
	}
	return &RedactedError{Msg: summary, raw: err}
}

// readerSummary is the redacted message: "Invalid Input Error: reading
// table sales.customers (file part-00000.csv, line 3): a row has the wrong
// number of columns".
func (s *Session) readerSummary(msg string) string {
	class, _, ok := strings.Cut(firstLine(msg), ": ")
	if !ok || !strings.HasSuffix(class, "Error") {
		class = "Error"
	}
	kind := "the file could not be read"
	for _, k := range readerKinds {
		if strings.Contains(msg, k.mark) {
			kind = k.kind
			break
		}
	}
	where := "a table's file"
	if m := fileRE.FindStringSubmatch(msg); m != nil {
		where = s.fileOwner(strings.TrimSpace(m[1]))
	}
	if m := lineRE.FindStringSubmatch(msg); m != nil {
		where += ", line " + m[1]
	}
	return fmt.Sprintf("%s: reading %s: %s (the row is not shown; an administrator sees it in the audit log)", class, where, kind)
}

// fileOwner names the table a file belongs to, among the tables the
// persona may read, and the file by its base name.
func (s *Session) fileOwner(file string) string {
	dir := filepath.Dir(file)
	for name, ta := range s.tables {
		if s.Lake.Dir(ta.Table) == dir {
			return "table " + name + " (file " + filepath.Base(file) + ")"
		}
	}
	return "a table's file"
}
