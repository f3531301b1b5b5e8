package queries

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"tarn/internal/atomicfile"
	"tarn/internal/filelock"
	"tarn/internal/tomlfile"
	"tarn/lake"
	"tarn/perms"
)

// SavedFile holds the lake's saved queries, beside lake.toml.
const SavedFile = "queries.toml"

// Saved is a named query. Its SQL may say {table} where a table name goes:
// run on its own it reads Table; the benchmark and the compare view put
// each layout of a demo table there instead.
//
// Saved queries belong to a workgroup, as Athena's named queries do: a
// persona sees, runs, replaces and deletes its own workgroup's, and uses
// the shared ones (no workgroup) that administrators publish, whose table
// it may see. Another workgroup's queries, their SQL and names included,
// are as if they did not exist. Names are unique within a workgroup.
type Saved struct {
	Name        string `toml:"name"`
	Description string `toml:"description"`
	Table       string `toml:"table,omitempty"`
	Workgroup   string `toml:"workgroup,omitempty"`
	SQL         string `toml:"sql"` // last in queries.toml: the longest
}

// Shared says whether q is published to every persona by an administrator.
func (q Saved) Shared() bool { return q.Workgroup == "" }

// ownWorkgroup is the workgroup a persona's saved queries belong to.
func ownWorkgroup(p perms.Persona) string {
	if p.Workgroup == "" {
		return "primary"
	}
	return p.Workgroup
}

// TablePlaceholder is the {table} marker in a saved query's SQL.
const TablePlaceholder = "{table}"

// Text is the SQL to run, with {table} replaced by table (the saved
// query's own table when table is empty).
func (q Saved) Text(table string) string {
	if table == "" {
		table = q.Table
	}
	return strings.ReplaceAll(q.SQL, TablePlaceholder, table)
}

// SourceQueries are the format experiment's three queries (SEED.md §1).
func SourceQueries() []Saved {
	const table = "weblogs.access_log_parquet_1"
	return []Saved{
		{Name: "full", Description: "The source's full scan: every column of every row", Table: table, SQL: "SELECT * FROM {table}"},
		{Name: "like", Description: "The source's LIKE query: rows whose path contains .php", Table: table, SQL: "SELECT * FROM {table} WHERE path LIKE '%.php%'"},
		{Name: "projection", Description: "The source's column projection: three columns of every row", Table: table, SQL: "SELECT host, path, status FROM {table}"},
	}
}

// LoadSavedFor reads the saved queries a persona may see: its own
// workgroup's first, then the shared ones whose table it may describe (a
// saved query of a hidden table would tell it that the table exists). An
// administrator sees every workgroup's too, after those.
func LoadSavedFor(root string, cat *lake.Catalog, vis perms.Visibility) ([]Saved, error) {
	all, err := LoadSaved(root)
	own := ownWorkgroup(vis.Persona)
	rank := func(q Saved) int {
		switch {
		case q.Workgroup == own:
			return 0
		case q.Shared():
			return 1
		}
		return 2
	}
	all = slices.DeleteFunc(all, func(q Saved) bool {
		if q.Shared() && q.Table != "" {
			return !vis.Describes(cat, q.Table)
		}
		return !q.Shared() && q.Workgroup != own && !vis.Persona.Admin
	})
	slices.SortStableFunc(all, func(a, b Saved) int { return rank(a) - rank(b) })
	return all, err
}

type savedFile struct {
	Queries []Saved `toml:"query,omitempty"`
}

var savedNameRE = regexp.MustCompile(`^[a-z_][a-z0-9_-]*$`)

// CheckSavedName says why name cannot name a saved query, if it cannot
// (the workbench checks it as the name is typed).
func CheckSavedName(name string) error {
	if !savedNameRE.MatchString(name) {
		return fmt.Errorf("%q must be lower-case letters, digits, - and _, first a letter or _", name)
	}
	return nil
}

// LoadSaved reads the lake's saved queries; a lake without the file has
// none. Errors name the file, line and field.
func LoadSaved(root string) ([]Saved, error) {
	file := filepath.Join(root, SavedFile)
	data, err := os.ReadFile(file)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var f savedFile
	md, err := tomlfile.Decode(file, data, &f)
	if err != nil {
		return nil, err
	}
	loc := tomlfile.NewLocator(data)
	if undecoded := md.Undecoded(); len(undecoded) > 0 {
		return nil, fmt.Errorf("%s:%d: unknown field %q", file, loc.KeyLine(undecoded[0]), undecoded[0].String())
	}
	seen := map[string]bool{}
	for i, q := range f.Queries {
		bad := func(field, msg string) error {
			return fmt.Errorf("%s:%d: query entry %d: %s: %s", file, loc.Line("query", i, field), i+1, field, msg)
		}
		key := q.Workgroup + "/" + q.Name
		switch {
		case CheckSavedName(q.Name) != nil:
			return nil, bad("name", CheckSavedName(q.Name).Error())
		case q.Workgroup != "" && !perms.ValidName(q.Workgroup):
			return nil, bad("workgroup", fmt.Sprintf("%q is not a workgroup name", q.Workgroup))
		case seen[key]:
			return nil, bad("name", fmt.Sprintf("query %q is saved twice", q.Name))
		case strings.TrimSpace(q.SQL) == "":
			return nil, bad("sql", "is empty")
		case strings.Contains(q.SQL, TablePlaceholder) && q.Table == "":
			return nil, bad("table", "the SQL says {table} but no table is given")
		}
		seen[key] = true
	}
	return f.Queries, nil
}

// FindSaved looks a saved query up by name.
func FindSaved(saved []Saved, name string) (Saved, bool) {
	for _, q := range saved {
		if q.Name == name {
			return q, true
		}
	}
	return Saved{}, false
}

// SaveQuery adds q to the lake's saved queries on behalf of persona as,
// or replaces the one of the same name and workgroup when replace is set.
// A persona's query goes to its own workgroup; an administrator's goes
// where q.Workgroup says (shared when empty).
func SaveQuery(root string, q Saved, replace bool, as perms.Persona) error {
	if err := CheckSavedName(q.Name); err != nil {
		return fmt.Errorf("query name %w", err)
	}
	if strings.Contains(q.SQL, TablePlaceholder) && q.Table == "" {
		return fmt.Errorf("the SQL says {table}: give the table it reads by default")
	}
	if !as.Admin {
		q.Workgroup = ownWorkgroup(as)
	} else if q.Workgroup != "" && !perms.ValidName(q.Workgroup) {
		return fmt.Errorf("workgroup %q is not a workgroup name", q.Workgroup)
	}
	return editSaved(root, func(saved []Saved) ([]Saved, error) {
		i := slices.IndexFunc(saved, func(x Saved) bool { return x.Name == q.Name && x.Workgroup == q.Workgroup })
		switch {
		case i >= 0 && !replace:
			return nil, fmt.Errorf("a query named %q is already saved (replace it explicitly)", q.Name)
		case i >= 0:
			saved[i] = q
			return saved, nil
		}
		return append(saved, q), nil
	})
}

// DeleteSaved removes a saved query of workgroup by name, on behalf of
// persona as: anyone's own workgroup's, and only an administrator's a
// shared one or another workgroup's. A query the persona may not delete is
// not found, as one that does not exist.
func DeleteSaved(root, workgroup, name string, as perms.Persona) error {
	if !as.Admin {
		workgroup = ownWorkgroup(as)
	}
	return editSaved(root, func(saved []Saved) ([]Saved, error) {
		i := slices.IndexFunc(saved, func(x Saved) bool { return x.Name == name && x.Workgroup == workgroup })
		if i < 0 {
			return nil, fmt.Errorf("no saved query named %q", name)
		}
		return slices.Delete(saved, i, i+1), nil
	})
}

// editSaved changes the saved queries under a lock, reading them afresh
// and writing them atomically, so two editors never lose each other's.
func editSaved(root string, change func([]Saved) ([]Saved, error)) error {
	unlock, err := filelock.Lock(filepath.Join(root, ".tarn-queries.lock"))
	if err != nil {
		return err
	}
	defer unlock()
	saved, err := LoadSaved(root)
	if err != nil {
		return err
	}
	if saved, err = change(saved); err != nil {
		return err
	}
	return writeSaved(root, saved)
}

// WriteDemoSaved writes the source's three queries unless the lake already
// has saved queries, which are never replaced. It reports whether it wrote.
func WriteDemoSaved(root string) (bool, error) {
	if _, err := os.Stat(filepath.Join(root, SavedFile)); !errors.Is(err, os.ErrNotExist) {
		return false, err
	}
	return true, writeSaved(root, SourceQueries())
}

func writeSaved(root string, saved []Saved) error {
	return atomicfile.WriteFile(filepath.Join(root, SavedFile), func(w io.Writer) error {
		return tomlfile.Encode(w, "tarn saved queries. {table} in sql stands for a table name: `table` when\nthe query runs on its own, each layout when benchmarked or compared.", savedFile{saved})
	})
}
