// Package tomlfile reads and writes tarn's TOML files (lake.toml,
// policy.toml, queries.toml, themes) with BurntSushi's toml: decoding
// whose errors name the file and line, a locator that finds the line of a
// field for validation errors, and one encoder with one layout.
package tomlfile

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/BurntSushi/toml"
)

// Locator finds the line of a field in the n-th [[array]] entry of a
// TOML file, so validation errors can name a line: the decoder keeps no
// positions for entries of an array of tables.
type Locator struct {
	lines [][]byte
}

// NewLocator indexes a TOML document.
func NewLocator(data []byte) *Locator {
	return &Locator{lines: bytes.Split(data, []byte("\n"))}
}

// headers gives the 0-based line of each [[array]] header.
func (t *Locator) headers(array string) []int {
	header := []byte("[[" + array + "]]")
	var out []int
	for i, l := range t.lines {
		if bytes.Equal(bytes.TrimSpace(l), header) {
			out = append(out, i)
		}
	}
	return out
}

// Line is the 1-based line of `field =` in entry index of array, or of
// the entry's header when the field is absent.
func (t *Locator) Line(array string, index int, field string) int {
	hs := t.headers(array)
	if index >= len(hs) {
		return 1
	}
	end := len(t.lines)
	if index+1 < len(hs) {
		end = hs[index+1]
	}
	for n := hs[index]; n < end; n++ {
		if keyAt(t.lines[n], field) {
			return n + 1
		}
	}
	return hs[index] + 1
}

// KeyLine is the line of the first `field =` of an undecoded key.
func (t *Locator) KeyLine(key toml.Key) int {
	field := key[len(key)-1]
	for n, l := range t.lines {
		if keyAt(l, field) {
			return n + 1
		}
	}
	return 1
}

func keyAt(line []byte, field string) bool {
	l := bytes.TrimSpace(line)
	if !bytes.HasPrefix(l, []byte(field)) {
		return false
	}
	rest := bytes.TrimSpace(l[len(field):])
	return bytes.HasPrefix(rest, []byte("="))
}

// Decode decodes data into v; a syntax or type error names the file
// and line. file is used only in messages.
func Decode(file string, data []byte, v any) (toml.MetaData, error) {
	md, err := toml.Decode(string(data), v)
	if err != nil {
		var pe toml.ParseError
		if errors.As(err, &pe) {
			return md, fmt.Errorf("%s:%d: %s", file, pe.Position.Line, pe.Message)
		}
		return md, fmt.Errorf("%s: %v", file, err)
	}
	return md, nil
}
