package engines

import (
	"fmt"
	"regexp"
	"strings"

	"tarn/lake"
)

// Export is what an export writes: files by name, and the notes naming
// every place it is stricter than tarn or cannot say what tarn says.
type Export struct {
	Files map[string][]byte
	Notes []Note
}

// Note is one place an export differs from tarn. Persona, Table and
// Column say where (each may be empty: the whole export).
type Note struct {
	Persona, Table, Column string
	Text                   string
	// Stricter: the engine shows less than tarn here; otherwise the note
	// says what to check (a row filter's dialect, how CSV is read).
	Stricter bool
}

func (n Note) String() string {
	where := n.Table
	if n.Column != "" {
		where += "." + n.Column
	}
	switch {
	case n.Persona != "" && where != "":
		return n.Persona + " on " + where + ": " + n.Text
	case where != "":
		return where + ": " + n.Text
	case n.Persona != "":
		return n.Persona + ": " + n.Text
	}
	return n.Text
}

// NotedStricter says whether a note says the export is stricter for
// persona (or everyone) on table, or on one column of it.
func (e Export) NotedStricter(persona, table, column string) bool {
	for _, n := range e.Notes {
		if n.Stricter && (n.Persona == persona || n.Persona == "") && n.Table == table && n.Column == column {
			return true
		}
	}
	return false
}

func (e *Export) note(persona, table, column, format string, args ...any) {
	e.Notes = append(e.Notes, Note{persona, table, column, fmt.Sprintf(format, args...), false})
}

func (e *Export) stricter(persona, table, column, format string, args ...any) {
	e.Notes = append(e.Notes, Note{persona, table, column, fmt.Sprintf(format, args...), true})
}

// notesMarkdown is NOTES.md: the export's title and every note.
func (e Export) notesMarkdown(title, intro string) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "# %s\n\n%s\n\n", title, intro)
	if len(e.Notes) == 0 {
		b.WriteString("Nothing: the export says exactly what tarn's policy says.\n")
	}
	for _, n := range e.Notes {
		fmt.Fprintf(&b, "- %s\n", n)
	}
	return []byte(b.String())
}

// engineType is a DuckDB column type as Trino's Hive connector and Glue
// spell it.
type engineType struct{ trino, glue string }

var scalarTypes = map[string]engineType{
	"VARCHAR":   {"varchar", "string"},
	"BOOLEAN":   {"boolean", "boolean"},
	"TINYINT":   {"tinyint", "tinyint"},
	"SMALLINT":  {"smallint", "smallint"},
	"INTEGER":   {"integer", "int"},
	"BIGINT":    {"bigint", "bigint"},
	"FLOAT":     {"real", "float"},
	"DOUBLE":    {"double", "double"},
	"DATE":      {"date", "date"},
	"TIMESTAMP": {"timestamp(3)", "timestamp"},
	"BLOB":      {"varbinary", "binary"},
}

var decimalType = regexp.MustCompile(`^DECIMAL\((\d+),\s*(\d+)\)$`)

// typeOf maps a DuckDB type; ok is false for one neither engine has in
// the same shape (lists, structs, maps, unsigned integers...).
func typeOf(duck string) (engineType, bool) {
	if t, ok := scalarTypes[strings.ToUpper(duck)]; ok {
		return t, true
	}
	if m := decimalType.FindStringSubmatch(strings.ToUpper(duck)); m != nil {
		d := "decimal(" + m[1] + "," + m[2] + ")"
		return engineType{d, d}, true
	}
	return engineType{}, false
}

// exportable says whether every column of t has a type both engines
// share; the first that has not is the reason.
func exportable(t lake.Table) (string, bool) {
	for _, c := range t.Columns {
		if _, ok := typeOf(c.Type); !ok {
			return fmt.Sprintf("column %s has type %s, which the export does not map: the table is left out", c.Name, c.Type), false
		}
	}
	return "", true
}

// sqlString quotes s as an SQL string literal (Trino and Athena alike).
func sqlString(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// sqlIdent quotes s as an SQL identifier.
func sqlIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// locationOf is where a table's files are: under prefix when given, else
// the local folder as a file: URL.
func locationOf(root, prefix string, t lake.Table) string {
	if prefix != "" {
		return strings.TrimSuffix(prefix, "/") + "/" + strings.Trim(t.Location, "/")
	}
	return "file://" + strings.TrimSuffix(root, "/") + "/" + strings.Trim(t.Location, "/")
}
