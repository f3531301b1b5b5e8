package queries

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"tarn/lake"
	"tarn/perms"
)

// A session follows policy edits before each statement (Session.follow);
// a result left open between pages would still show rows under the
// permissions it started with. A result checks whether lake.toml or
// policy.toml changed (a stat of each), and if so whether its persona may
// still read everything it shows; if not, it stops. It checks when its
// reader comes back from a pause (the workbench's next page), and while
// rows stream at most every liveInterval: two stats before every chunk
// were 8% of draining a million-row result on this machine
// (BenchmarkOpenResultPolicyCheck).
const liveInterval = 100 * time.Millisecond

// PolicyChangedError stops an open result whose rows its persona may no
// longer read as they are: a revoked grant, a hidden column, a new mask
// or row filter. Changes say what, table by table.
type PolicyChangedError struct {
	Persona string
	Changes []string
}

func (e *PolicyChangedError) Error() string {
	return fmt.Sprintf("the policy changed while this result was open: %s; no more rows are fetched (run the query again to read under the new policy)",
		strings.Join(e.Changes, "; "))
}

// liveCheck is what an open result checks the policy against: the
// tables it reads as its persona read them when it started, and the
// versions of the files the check last read.
type liveCheck struct {
	persona       string
	tables        []perms.TableAccess
	lake, policy  lake.FileVersion
	root, catPath string
	checked       time.Time // when the files were last stat'ed
}

// newLiveCheck records the access of the tables the checked statement reads.
func (s *Session) newLiveCheck(c checked) *liveCheck {
	lc := &liveCheck{persona: s.Persona().Name, lake: s.Lake.Version, policy: s.Policy.Version, root: s.Lake.Root, catPath: s.Lake.CatalogPath(), checked: time.Now()}
	for _, name := range c.refs {
		ta, ok := s.tables[s.guard.names[name].qualified]
		if ok && !slices.ContainsFunc(lc.tables, func(x perms.TableAccess) bool { return x.Table.QualifiedName() == ta.Table.QualifiedName() }) {
			lc.tables = append(lc.tables, ta)
		}
	}
	return lc
}

// check returns a PolicyChangedError when the files changed and the
// persona may no longer read what the result shows. A catalog or policy
// made in memory (a test's) has no version and is not followed.
func (lc *liveCheck) check(resumed bool) error {
	if lc == nil || !lc.lake.Known() && !lc.policy.Known() {
		return nil
	}
	if !resumed && time.Since(lc.checked) < liveInterval {
		return nil
	}
	lc.checked = time.Now()
	lv, pv := lake.StatVersion(lc.catPath), lake.StatVersion(perms.PolicyPath(lc.root))
	if (!lc.lake.Known() || lv == lc.lake) && (!lc.policy.Known() || pv == lc.policy) {
		return nil
	}
	changes, err := lc.narrowings()
	if err != nil {
		return &PolicyChangedError{Persona: lc.persona, Changes: []string{err.Error()}}
	}
	if len(changes) > 0 {
		return &PolicyChangedError{Persona: lc.persona, Changes: changes}
	}
	lc.lake, lc.policy = lv, pv // still allowed: no need to read them again
	return nil
}

// narrowings reads the lake and policy again and lists what the persona
// may no longer read of the result's tables; wider access is no change.
func (lc *liveCheck) narrowings() ([]string, error) {
	l, err := lake.Open(lc.root)
	if err != nil {
		return nil, fmt.Errorf("the lake's catalog does not load (%v)", err)
	}
	pol, err := LoadPolicy(l)
	if err != nil {
		return nil, fmt.Errorf("the policy does not load (%v)", err)
	}
	vis, err := pol.Visibility(l.Catalog, lc.persona)
	if err != nil {
		return nil, fmt.Errorf("persona %s is no longer defined", lc.persona)
	}
	var changes []string
	for _, was := range lc.tables {
		now, ok := vis.Lookup(was.Table.Database, was.Table.Name)
		if !ok || !now.Select {
			changes = append(changes, fmt.Sprintf("%s may no longer read %s", lc.persona, was.Table.QualifiedName()))
			continue
		}
		changes = append(changes, narrowedColumns(lc.persona, was, now)...)
	}
	return changes, nil
}

// narrowedColumns lists the columns of a table now hidden or masked
// differently, and a new or changed row filter.
func narrowedColumns(persona string, was, now perms.TableAccess) []string {
	var changes []string
	name := was.Table.QualifiedName()
	for _, c := range was.Columns {
		i := slices.IndexFunc(now.Columns, func(x perms.ColumnAccess) bool { return x.Name == c.Name })
		switch {
		case i < 0:
			changes = append(changes, fmt.Sprintf("column %s.%s is now hidden from %s", name, c.Name, persona))
		case now.Columns[i].Mask != "" && now.Columns[i].Mask != c.Mask:
			changes = append(changes, fmt.Sprintf("column %s.%s is now masked (%s) for %s", name, c.Name, now.Columns[i].Mask, persona))
		}
	}
	if now.RowFilter != "" && now.RowFilter != was.RowFilter {
		changes = append(changes, fmt.Sprintf("%s's rows of %s are now filtered differently", persona, name))
	}
	return changes
}
