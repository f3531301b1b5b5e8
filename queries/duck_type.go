package queries

import (
	"fmt"
	"strings"
)

// duckType is a column's DuckDB type read from its name, as far as a
// value's text needs it: the name of a scalar type, or how a nested type
// is built. "INTEGER[]" is a LIST of INTEGER; ARRAYs are LISTs too.
type duckType struct {
	name   string      // "DATE", "TIMESTAMPTZ", "LIST", "STRUCT", "MAP", "UNION", ...
	elem   *duckType   // a LIST's element, a MAP's key
	value  *duckType   // a MAP's value
	fields []typeField // a STRUCT's fields, a UNION's members, in declared order
}

type typeField struct {
	name string
	typ  *duckType
}

// typeAliases are the long names of types that have a short one.
var typeAliases = map[string]string{
	"TIMESTAMP WITH TIME ZONE": "TIMESTAMPTZ",
	"TIME WITH TIME ZONE":      "TIMETZ",
}

// parseDuckType reads a type name as DuckDB writes it: INTEGER,
// DECIMAL(5,2), DATE[], INTEGER[2], STRUCT("a" INTEGER, b VARCHAR),
// MAP(VARCHAR, DATE), UNION("n" INTEGER), ENUM('a', 'b').
func parseDuckType(name string) (*duckType, error) {
	p := &typeParser{s: name}
	t, err := p.typ()
	if err == nil && p.skipSpace() < len(p.s) {
		err = p.errorf("unexpected %q", p.s[p.i:])
	}
	if err != nil {
		return nil, err
	}
	return t, nil
}

type typeParser struct {
	s string
	i int
}

func (p *typeParser) errorf(format string, args ...any) error {
	return fmt.Errorf("type %q at %d: %s", p.s, p.i, fmt.Sprintf(format, args...))
}

// skipSpace moves past spaces and returns the position.
func (p *typeParser) skipSpace() int {
	for p.i < len(p.s) && p.s[p.i] == ' ' {
		p.i++
	}
	return p.i
}

// next says whether the next character (after spaces) is c, and moves past it if so.
func (p *typeParser) next(c byte) bool {
	if p.skipSpace() < len(p.s) && p.s[p.i] == c {
		p.i++
		return true
	}
	return false
}

// typ reads one type with its suffixes of [] or [n].
func (p *typeParser) typ() (*duckType, error) {
	start := p.skipSpace()
	for p.i < len(p.s) && strings.IndexByte("(),[]\"", p.s[p.i]) < 0 {
		p.i++
	}
	name := strings.ToUpper(strings.TrimSpace(p.s[start:p.i]))
	if name == "" {
		return nil, p.errorf("no type name")
	}
	if long, ok := typeAliases[name]; ok {
		name = long
	}
	t := &duckType{name: name}
	if p.next('(') {
		if err := p.params(t); err != nil {
			return nil, err
		}
	}
	for p.next('[') {
		end := strings.IndexByte(p.s[p.i:], ']')
		if end < 0 {
			return nil, p.errorf("no ] closes [")
		}
		p.i += end + 1
		t = &duckType{name: "LIST", elem: t}
	}
	return t, nil
}

// params reads what follows the ( of t's name, up to and past its ).
func (p *typeParser) params(t *duckType) error {
	var err error
	switch t.name {
	case "STRUCT", "UNION":
		t.fields, err = p.fields()
	case "MAP":
		if t.elem, err = p.typ(); err == nil && !p.next(',') {
			return p.errorf("a MAP needs a key and a value type")
		}
		if err == nil {
			t.value, err = p.typ()
		}
	default: // DECIMAL(5,2), ENUM('a', 'b'), VARCHAR(10): nothing a value's text needs
		return p.skipParams()
	}
	if err == nil && !p.next(')') {
		err = p.errorf("no ) closes %s(", t.name)
	}
	return err
}

// fields reads name-type pairs separated by commas.
func (p *typeParser) fields() ([]typeField, error) {
	var fields []typeField
	for {
		name, err := p.fieldName()
		if err != nil {
			return nil, err
		}
		t, err := p.typ()
		if err != nil {
			return nil, err
		}
		fields = append(fields, typeField{name, t})
		if !p.next(',') {
			return fields, nil
		}
	}
}

// fieldName reads a "quoted" name ("" is a quote) or a bare word.
func (p *typeParser) fieldName() (string, error) {
	if !p.next('"') {
		start := p.skipSpace()
		for p.i < len(p.s) && p.s[p.i] != ' ' {
			p.i++
		}
		return p.s[start:p.i], nil
	}
	var b strings.Builder
	for p.i < len(p.s) {
		c := p.s[p.i]
		p.i++
		if c != '"' {
			b.WriteByte(c)
		} else if p.i < len(p.s) && p.s[p.i] == '"' {
			b.WriteByte('"')
			p.i++
		} else {
			return b.String(), nil
		}
	}
	return "", p.errorf("no \" closes a field's name")
}

// skipParams moves past the matching ), skipping 'quoted' text.
func (p *typeParser) skipParams() error {
	depth, quoted := 1, false
	for ; p.i < len(p.s); p.i++ {
		switch c := p.s[p.i]; {
		case c == '\'':
			quoted = !quoted // '' inside quotes toggles twice
		case quoted:
		case c == '(':
			depth++
		case c == ')':
			if depth--; depth == 0 {
				p.i++
				return nil
			}
		}
	}
	return p.errorf("no ) closes (")
}
