package perms

import (
	"fmt"
	"slices"
	"strings"
	"unicode"

	"tarn/lake"
)

// LookAlikes lists the columns a changed table gains that look like one a
// persona could not read unmasked before ("payment_id " or "Payment-ID"
// beside an excluded payment_id; DuckDB reads a repeated header as
// payment_id_1), or a STRUCT field it gains that does, and that the
// persona would read unmasked. A new column inherits the table's tags,
// not the masks and exclusions of the name it copies, so such a column
// could show what the policy hides.
func (p *Policy) LookAlikes(before, after *lake.Catalog, database, name string) []string {
	old, existed := before.Lookup(database, name)
	now, _ := after.Lookup(database, name)
	if !existed {
		return nil
	}
	var found []string
	for _, c := range now.Columns {
		// The new names: the column's own and its STRUCT fields' (a JSON
		// file's nested object), or the fields a column it had gains.
		type newName struct{ name, shown string }
		var names []newName
		had, kept := []string(nil), false
		if i := slices.IndexFunc(old.Columns, func(o lake.Column) bool { return o.Name == c.Name }); i >= 0 {
			had, kept = fieldNames(old.Columns[i].Type), true
		} else {
			names = append(names, newName{c.Name, fmt.Sprintf("new column %q", c.Name)})
		}
		for _, f := range fieldNames(c.Type) {
			if !kept || !slices.Contains(had, f) {
				names = append(names, newName{f, fmt.Sprintf("new field %q of column %q", f, c.Name)})
			}
		}
		for _, n := range names {
			for _, o := range old.Columns {
				if o.Name == c.Name || !looksLike(n.name, o.Name) {
					continue
				}
				if who := p.shownByCopy(before, after, old, o.Name, c.Name); len(who) > 0 {
					found = append(found, fmt.Sprintf("%s looks like %q, which %s cannot read unmasked; %s would read it",
						n.shown, o.Name, strings.Join(who, ", "), map[bool]string{true: "it", false: "they"}[len(who) == 1]))
				}
			}
		}
	}
	return found
}

// fieldNames are the names of the fields of every STRUCT and the members
// of every UNION in a DuckDB type, at any depth: those of
// STRUCT(a VARCHAR, "b c" STRUCT(d INTEGER)[]) are a, b c and d.
func fieldNames(typ string) []string {
	var names []string
	var fields []bool // for each open parenthesis: does it list fields?
	want, word := false, ""
	for i := 0; i < len(typ); {
		switch c := typ[i]; {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
			continue
		case c == '(':
			kw := strings.ToUpper(word)
			fields = append(fields, kw == "STRUCT" || kw == "UNION")
			want = fields[len(fields)-1]
			i++
		case c == ')':
			if len(fields) > 0 {
				fields = fields[:len(fields)-1]
			}
			want = false
			i++
		case c == ',':
			want = len(fields) > 0 && fields[len(fields)-1]
			i++
		case c == '"':
			var b strings.Builder
			j := i + 1
			for ; j < len(typ); j++ {
				if typ[j] == '"' {
					if j+1 < len(typ) && typ[j+1] == '"' {
						b.WriteByte('"')
						j++
						continue
					}
					j++
					break
				}
				b.WriteByte(typ[j])
			}
			if want {
				names = append(names, b.String())
			}
			want, word, i = false, "", j
			continue
		default:
			j := i
			for j < len(typ) && !strings.ContainsRune(" \t\n\r(),\"", rune(typ[j])) {
				j++
			}
			if want {
				names = append(names, typ[i:j])
			}
			want, word, i = false, typ[i:j], j
			continue
		}
		word = ""
	}
	return names
}

// shownByCopy lists the personas that read copy unmasked in after but did
// not read protected unmasked in before.
func (p *Policy) shownByCopy(before, after *lake.Catalog, t lake.Table, protected, copy string) []string {
	var who []string
	for _, persona := range p.Personas {
		if readsUnmasked(p, before, persona.Name, t, protected) {
			continue
		}
		if readsUnmasked(p, after, persona.Name, t, copy) {
			who = append(who, persona.Name)
		}
	}
	return who
}

func readsUnmasked(p *Policy, cat *lake.Catalog, persona string, t lake.Table, column string) bool {
	vis, err := p.Visibility(cat, persona)
	if err != nil {
		return false
	}
	ta, ok := vis.Lookup(t.Database, t.Name)
	return ok && ta.Select && slices.ContainsFunc(ta.Columns, func(c ColumnAccess) bool { return c.Name == column && c.Mask == "" })
}

// looksLike is true when a and b differ only by case, spacing and
// punctuation, by letters that read alike (a Cyrillic or Greek letter for a
// Latin one, a fullwidth or mathematical letter, an accent, a letter that
// shows nothing), or when a is b numbered as a repeat: the suffix DuckDB
// gives a repeated column name ("_1"), or another numbering ("payment_id.1",
// "phone2").
func looksLike(a, b string) bool {
	fa, fb := fold(a), fold(b)
	if fa == fb {
		return true
	}
	suffix, ok := strings.CutPrefix(fa, fb)
	return ok && suffix != "" && strings.Trim(suffix, "0123456789") == ""
}

// fold keeps only letters and digits, in lower case, each written as the
// ASCII letter or digit it reads as where there is one.
func fold(s string) string {
	return strings.Map(func(r rune) rune {
		r = unicode.ToLower(r)
		if a, ok := readsAs(r); ok {
			return a
		}
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			return r
		}
		return -1
	}, s)
}

// readsAs is the ASCII letter or digit r reads as, or -1 for a letter that
// shows nothing (dropped, as spacing is), for lower-case r.
func readsAs(r rune) (rune, bool) {
	switch {
	case r < 0x80:
		return r, false
	case r >= 0xff10 && r <= 0xff19, r >= 0xff41 && r <= 0xff5a: // fullwidth
		return r - 0xfee0, true
	case r >= 0x1d400 && r <= 0x1d6a3: // mathematical letters, 52 a style
		off := (r - 0x1d400) % 52
		return 'a' + off%26, true
	case r >= 0x1d7ce && r <= 0x1d7ff: // mathematical digits
		return '0' + (r-0x1d7ce)%10, true
	}
	if a, ok := lookAlikes[r]; ok {
		return a, true
	}
	return r, false
}

// lookAlikes are the lower-case letters outside ASCII that read as an
// ASCII letter (or, -1, as nothing): Latin letters with accents, and the
// Cyrillic, Greek and other letters confused with Latin ones.
var lookAlikes = func() map[rune]rune {
	m := map[rune]rune{'\u115f': -1, '\u1160': -1, '\u3164': -1, '\uffa0': -1} // Hangul fillers
	for ascii, alikes := range map[rune]string{
		'a': "àáâãäåāăąǎǟǡǻȁȃȧаӑӓαάɑ",
		'b': "вьъƀɓβЬ",
		'c': "çćĉċčсϲƈ",
		'd': "ďđԁɗ",
		'e': "èéêëēĕėęěȅȇȩеёэεέҽ",
		'f': "ƒ",
		'g': "ĝğġģǧǵɡɠ",
		'h': "ĥħнһђћ",
		'i': "ìíîïĩīĭįıǐȉȋіїιίϊɩӏ",
		'j': "ĵјǰ",
		'k': "ķĸкκќǩ",
		'l': "ĺļľŀłƚ",
		'm': "м",
		'n': "ñńņňŉŋпηήǹ",
		'o': "òóôõöøōŏőǒȍȏȯоοόσӧ",
		'p': "рρþ",
		'q': "ԛ",
		'r': "ŕŗřгȑȓ",
		's': "śŝşšѕșʂ",
		't': "ţťŧтτț",
		'u': "ùúûüũūŭůűųǔυύϋμ",
		'v': "νѵ",
		'w': "ŵԝωώѡ",
		'x': "хχҳ",
		'y': "ýÿŷуγўүұ",
		'z': "źżžζʐ",
	} {
		for _, r := range alikes {
			m[r] = ascii
		}
	}
	return m
}()
