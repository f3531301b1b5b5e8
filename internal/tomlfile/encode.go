package tomlfile

import (
	"bytes"
	"io"
	"strings"

	"github.com/BurntSushi/toml"
)

// Encode writes v as a TOML document after a comment that says what the
// file is: keys not indented, as in the files people write by hand; struct
// fields in declaration order, those tagged omitempty only when set; a
// blank line before each [section].
func Encode(w io.Writer, comment string, v any) error {
	var doc bytes.Buffer
	enc := toml.NewEncoder(&doc)
	enc.Indent = ""
	if err := enc.Encode(v); err != nil {
		return err
	}
	var b bytes.Buffer
	for line := range strings.SplitSeq(comment, "\n") {
		b.WriteString("# " + line + "\n")
	}
	if bytes.HasPrefix(doc.Bytes(), []byte("[")) {
		b.WriteByte('\n') // the encoder writes none before the first section
	}
	b.Write(doc.Bytes())
	_, err := w.Write(b.Bytes())
	return err
}

// Inline writes v, a struct or map of plain values, as an inline table on
// one line, { name = "host", type = "VARCHAR" }: for a type that writes
// itself (a toml.Marshaler) more compactly than the encoder's sections.
func Inline(v any) ([]byte, error) {
	doc, err := toml.Marshal(v) // one key = value a line; strings escape newlines
	if err != nil {
		return nil, err
	}
	pairs := strings.Split(strings.TrimSuffix(string(doc), "\n"), "\n")
	return []byte("{ " + strings.Join(pairs, ", ") + " }"), nil
}

// InlineTable is a map written as an inline table on one line,
// tags = { role = "leader" }, rather than as a [section] of its own.
type InlineTable[V any] map[string]V

// MarshalTOML writes the table inline, its keys sorted.
func (t InlineTable[V]) MarshalTOML() ([]byte, error) { return Inline(map[string]V(t)) }
