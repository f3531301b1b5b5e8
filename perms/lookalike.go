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
// payment_id_1) and that the persona would read unmasked. A new column
// inherits the table's tags, not the masks and exclusions of the name it
// copies, so such a column could show what the policy hides.
func (p *Policy) LookAlikes(before, after *lake.Catalog, database, name string) []string {
	old, existed := before.Lookup(database, name)
	now, _ := after.Lookup(database, name)
	if !existed {
		return nil
	}
	var found []string
	for _, c := range now.Columns {
		if slices.ContainsFunc(old.Columns, func(o lake.Column) bool { return o.Name == c.Name }) {
			continue
		}
		for _, o := range old.Columns {
			if !looksLike(c.Name, o.Name) {
				continue
			}
			if who := p.shownByCopy(before, after, old, o.Name, c.Name); len(who) > 0 {
				found = append(found, fmt.Sprintf("new column %q looks like %q, which %s cannot read unmasked; %s would read it",
					c.Name, o.Name, strings.Join(who, ", "), map[bool]string{true: "it", false: "they"}[len(who) == 1]))
			}
		}
	}
	return found
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
// punctuation, or when a is b with the suffix DuckDB gives a repeated
// column name ("_1").
func looksLike(a, b string) bool {
	if fold(a) == fold(b) {
		return true
	}
	base, suffix, ok := cutLast(a, "_")
	return ok && suffix != "" && strings.Trim(suffix, "0123456789") == "" && fold(base) == fold(b)
}

func cutLast(s, sep string) (before, after string, found bool) {
	i := strings.LastIndex(s, sep)
	if i < 0 {
		return s, "", false
	}
	return s[:i], s[i+len(sep):], true
}

// fold keeps only letters and digits, in lower case.
func fold(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			return unicode.ToLower(r)
		}
		return -1
	}, s)
}
