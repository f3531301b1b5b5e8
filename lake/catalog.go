package lake

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"regexp"
	"slices"
	"sort"
	"strings"
	"unicode/utf8"

	"tarn/internal/tomlfile"
)

// CatalogFile is the catalog's file name inside a lake root.
const CatalogFile = "lake.toml"

// Format is how a table's files are encoded.
type Format string

const (
	Parquet Format = "parquet"
	CSV     Format = "csv"
	JSON    Format = "json"
)

// Formats lists every format tarn reads, in display order.
var Formats = []Format{JSON, CSV, Parquet}

// Compression is how a table's files are compressed as whole files.
type Compression string

const (
	None Compression = "none"
	Gzip Compression = "gzip"
)

// Origin records who registered a table, so the demo never replaces a
// table a user made.
const (
	OriginDemo   = "demo"
	OriginImport = "import"
	OriginCrawl  = "crawl"
)

// Column is one column of a table with its DuckDB type.
type Column struct {
	Name string `toml:"name" json:"name"`
	Type string `toml:"type" json:"type"`
}

// Table is one catalog entry: where its files are and how to read them.
// lake.toml lists the fields in this order.
type Table struct {
	Database    string      `toml:"database"`
	Name        string      `toml:"name"`
	Location    string      `toml:"location"`
	Format      Format      `toml:"format"`
	Compression Compression `toml:"compression"`
	Pattern     string      `toml:"pattern,omitempty"`
	Description string      `toml:"description,omitempty"`
	Origin      string      `toml:"origin,omitempty"`
	Exclude     []string    `toml:"exclude,omitempty"` // file names the crawler found unreadable
	// UnionByName reads the files by column name, NULL where a file lacks
	// a column: set by crawl --update when files with new columns join
	// older ones.
	UnionByName bool    `toml:"union_by_name,omitempty"`
	Rows        int64   `toml:"rows"`
	Columns     Columns `toml:"columns"`
}

// Columns is a table's schema. lake.toml lists it one column a line,
// { name = "host", type = "VARCHAR" }: the encoder's own form, a
// [[table.columns]] section of three lines per column, made a table of 11
// columns 44 lines long and hard to read at a glance.
type Columns []Column

// MarshalTOML writes the columns one a line.
func (cs Columns) MarshalTOML() ([]byte, error) {
	b := []byte("[\n")
	for _, c := range cs {
		inline, err := tomlfile.Inline(c)
		if err != nil {
			return nil, err
		}
		b = append(append(append(b, "  "...), inline...), ",\n"...)
	}
	return append(b, ']'), nil
}

// QualifiedName is database.name, the name users type.
func (t Table) QualifiedName() string { return t.Database + "." + t.Name }

// FilePattern is the glob, relative to the location, matching the table's files.
func (t Table) FilePattern() string {
	if t.Pattern != "" {
		return t.Pattern
	}
	return "*" + Extension(t.Format, t.Compression)
}

// Extension is the file suffix tarn writes for a format and compression.
func Extension(f Format, c Compression) string {
	ext := "." + string(f)
	if c == Gzip {
		ext += ".gz"
	}
	return ext
}

// Catalog is the content of lake.toml.
type Catalog struct {
	Tables []Table `toml:"table"`
}

// Lookup finds a table by database and name.
func (c *Catalog) Lookup(database, name string) (Table, bool) {
	if i := c.index(database, name); i >= 0 {
		return c.Tables[i], true
	}
	return Table{}, false
}

// Find looks a table up by "database.table", or by its bare name when
// only one database has a table of that name.
func (c *Catalog) Find(name string) (Table, bool) {
	if db, table, ok := strings.Cut(name, "."); ok {
		return c.Lookup(db, table)
	}
	var found []Table
	for _, t := range c.Tables {
		if t.Name == name {
			found = append(found, t)
		}
	}
	if len(found) != 1 {
		return Table{}, false
	}
	return found[0], true
}

func (c *Catalog) index(database, name string) int {
	for i, t := range c.Tables {
		if t.Database == database && t.Name == name {
			return i
		}
	}
	return -1
}

// Put adds t, or replaces the table of the same database and name.
func (c *Catalog) Put(t Table) {
	if i := c.index(t.Database, t.Name); i >= 0 {
		c.Tables[i] = t
		return
	}
	c.Tables = append(c.Tables, t)
}

// Sort orders tables by database then name, so saves are stable.
func (c *Catalog) Sort() {
	sort.SliceStable(c.Tables, func(i, j int) bool {
		a, b := c.Tables[i], c.Tables[j]
		if a.Database != b.Database {
			return a.Database < b.Database
		}
		return a.Name < b.Name
	})
}

// Databases lists the database names in order.
func (c *Catalog) Databases() []string {
	seen := map[string]bool{}
	var out []string
	for _, t := range c.Tables {
		if !seen[t.Database] {
			seen[t.Database] = true
			out = append(out, t.Database)
		}
	}
	sort.Strings(out)
	return out
}

// ReservedDatabases are names DuckDB gives its own catalogs and schemas:
// a lake database of one of these names would be resolved as DuckDB's.
var ReservedDatabases = []string{"main", "temp", "system", "memory", "information_schema", "pg_catalog"}

var (
	identRE = regexp.MustCompile(`^[a-z_][a-z0-9_]*$`)
	// typeRE admits DuckDB type names such as VARCHAR, DECIMAL(18,2),
	// TIMESTAMP WITH TIME ZONE, INTEGER[] and STRUCT(a VARCHAR); it keeps
	// quotes and semicolons out, since types are spliced into view SQL.
	typeRE = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_ (),\[\]]*$`)
)

// FieldError names the table entry and field a catalog problem is in.
type FieldError struct {
	Table int // index of the [[table]] entry
	Field string
	Msg   string
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Msg }

// Validate checks every table; the first problem is returned as a *FieldError.
func (c *Catalog) Validate() error {
	seen := map[string]int{}
	for i, t := range c.Tables {
		if err := validateTable(t); err != nil {
			err.Table = i
			return err
		}
		q := t.QualifiedName()
		if j, dup := seen[q]; dup {
			return &FieldError{i, "name", fmt.Sprintf("table %s is also defined by entry %d", q, j+1)}
		}
		seen[q] = i
	}
	return c.validateLocations()
}

// validateLocations checks that every table owns its folder: no two
// tables share one and none lies inside another's. A persona's DuckDB may
// open only the folders of the tables it may read, so a hidden table
// inside a readable table's folder would be readable.
func (c *Catalog) validateLocations() error {
	owner := map[string]int{}
	for i, t := range c.Tables {
		if j, dup := owner[t.Location]; dup {
			return &FieldError{i, "location", fmt.Sprintf("%q is also the folder of table %s: each table needs a folder of its own", t.Location, c.Tables[j].QualifiedName())}
		}
		owner[t.Location] = i
	}
	for i, t := range c.Tables {
		if j, ok := enclosing(owner, t.Location); ok {
			return &FieldError{i, "location", fmt.Sprintf("%q is inside %q, the folder of table %s: each table needs a folder of its own", t.Location, c.Tables[j].Location, c.Tables[j].QualifiedName())}
		}
	}
	return nil
}

// enclosing finds the table whose folder holds location, if any.
func enclosing(owner map[string]int, location string) (int, bool) {
	for dir := path.Dir(location); dir != "." && dir != "/"; dir = path.Dir(dir) {
		if j, ok := owner[dir]; ok {
			return j, true
		}
	}
	return 0, false
}

// FolderConflict says why a new table at location could not be added: a
// table already owns that folder, one of its parents or one inside it.
func (c *Catalog) FolderConflict(location string) error {
	for _, t := range c.Tables {
		switch {
		case t.Location == location:
			return fmt.Errorf("%s is already the folder of table %s", location, t.QualifiedName())
		case strings.HasPrefix(location, t.Location+"/"):
			return fmt.Errorf("%s is inside %s, the folder of table %s: each table needs a folder of its own", location, t.Location, t.QualifiedName())
		case strings.HasPrefix(t.Location, location+"/"):
			return fmt.Errorf("%s holds %s, the folder of table %s: each table needs a folder of its own", location, t.Location, t.QualifiedName())
		}
	}
	return nil
}

func validateTable(t Table) *FieldError {
	bad := func(field, format string, args ...any) *FieldError {
		return &FieldError{Field: field, Msg: fmt.Sprintf(format, args...)}
	}
	switch {
	case !identRE.MatchString(t.Database):
		return bad("database", "%q is not a valid name (lower-case letters, digits, _)", t.Database)
	case slices.Contains(ReservedDatabases, t.Database):
		return bad("database", "%q is DuckDB's own name (reserved: %s); choose another", t.Database, strings.Join(ReservedDatabases, ", "))
	case !identRE.MatchString(t.Name):
		return bad("name", "%q is not a valid name (lower-case letters, digits, _)", t.Name)
	case t.Format != Parquet && t.Format != CSV && t.Format != JSON:
		return bad("format", "unknown format %q (want parquet, csv or json)", t.Format)
	case t.Compression != None && t.Compression != Gzip:
		return bad("compression", "unknown compression %q (want none or gzip)", t.Compression)
	case t.Format == Parquet && t.Compression == Gzip:
		return bad("compression", "parquet compresses inside the file; use compression = \"none\"")
	case t.Rows < 0:
		return bad("rows", "negative row count %d", t.Rows)
	}
	if err := ValidLocation(t.Location); err != nil {
		return bad("location", "%v", err)
	}
	if strings.ContainsAny(t.Pattern, "/\\'") {
		return bad("pattern", "%q must be a file-name glob without / or quotes", t.Pattern)
	}
	for _, name := range t.Exclude {
		if name == "" || strings.ContainsAny(name, "/\\") {
			return bad("exclude", "%q must be a file name inside the location", name)
		}
	}
	if len(t.Columns) == 0 {
		return bad("columns", "table %s has no columns", t.QualifiedName())
	}
	names := map[string]bool{}
	for _, col := range t.Columns {
		if col.Name == "" || HasControl(col.Name) {
			return bad("columns", "column name %q is empty or has a control character", col.Name)
		}
		if names[strings.ToLower(col.Name)] {
			return bad("columns", "column %q appears twice", col.Name)
		}
		names[strings.ToLower(col.Name)] = true
		if !typeRE.MatchString(col.Type) {
			return bad("columns", "column %q has invalid type %q", col.Name, col.Type)
		}
	}
	return nil
}

// tarnDir is tarn's own folder in a lake: no table lives in it.
const tarnDir = ".tarn"

// ValidLocation accepts a clean relative path that stays inside the lake,
// outside tarn's own folder.
func ValidLocation(loc string) error {
	switch {
	case loc == "":
		return errors.New("empty location")
	case strings.HasPrefix(loc, "/") || strings.Contains(loc, "\\"):
		return fmt.Errorf("%q must be relative to the lake root, with / separators", loc)
	case path.Clean(loc) != loc || loc == "." || loc == ".." || strings.HasPrefix(loc, "../"):
		return fmt.Errorf("%q is not a clean path inside the lake", loc)
	case loc == tarnDir || strings.HasPrefix(loc, tarnDir+"/"):
		// A table's folder is what a persona granted it may open: in .tarn
		// that would be tarn's copies of other tables, the audit log, the
		// history.
		return fmt.Errorf("%q is inside %s, tarn's own folder (copies of tables, history, audit log)", loc, tarnDir)
	case strings.ContainsAny(loc, "'*?["):
		return fmt.Errorf("%q has a quote or glob character", loc)
	case HasControl(loc):
		return fmt.Errorf("%q has a control character", loc)
	}
	return nil
}

// HasControl says whether s holds a control character (C0, DEL, C1), a
// bidirectional control or bytes that are not UTF-8: such a name would
// reach terminals, and could rewrite them.
func HasControl(s string) bool {
	if !utf8.ValidString(s) {
		return true
	}
	for _, r := range s {
		if IsControl(r) {
			return true
		}
	}
	return false
}

// IsControl says whether r is a control character (C0, DEL, C1) or a
// bidirectional control: a character a terminal obeys or reorders by.
func IsControl(r rune) bool { return r < 0x20 || r >= 0x7f && r < 0xa0 || IsBidiControl(r) }

// IsBidiControl says whether r is a bidirectional mark, embedding,
// override or isolate.
func IsBidiControl(r rune) bool {
	return r == 0x061c || r == 0x200e || r == 0x200f || r >= 0x202a && r <= 0x202e || r >= 0x2066 && r <= 0x2069
}

// LoadCatalog reads and validates a catalog file. A missing file is an
// empty catalog. Errors name the file, the line and the field.
func LoadCatalog(file string) (*Catalog, error) {
	data, err := os.ReadFile(file)
	if errors.Is(err, os.ErrNotExist) {
		return &Catalog{}, nil
	}
	if err != nil {
		return nil, err
	}
	return ParseCatalog(file, data)
}

// ParseCatalog decodes catalog text; file is used only in messages.
func ParseCatalog(file string, data []byte) (*Catalog, error) {
	var c Catalog
	md, err := tomlfile.Decode(file, data, &c)
	if err != nil {
		return nil, err
	}
	loc := tomlfile.NewLocator(data)
	if undecoded := md.Undecoded(); len(undecoded) > 0 {
		return nil, fmt.Errorf("%s:%d: unknown field %q", file, loc.KeyLine(undecoded[0]), undecoded[0].String())
	}
	for i := range c.Tables {
		t := &c.Tables[i]
		if t.Compression == "" {
			t.Compression = None
		}
	}
	var fe *FieldError
	if err := c.Validate(); errors.As(err, &fe) {
		line := loc.Line("table", fe.Table, fe.Field)
		return nil, fmt.Errorf("%s:%d: table entry %d: %v", file, line, fe.Table+1, fe)
	}
	return &c, nil
}

// Encode writes the catalog as TOML.
func (c *Catalog) Encode(w io.Writer) error {
	return tomlfile.Encode(w, "tarn lake catalog: one [[table]] per table; locations are relative to this file.", c)
}
