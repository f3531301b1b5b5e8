package lake

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"tarn/internal/atomicfile"
	"tarn/internal/filelock"
)

// CompactDir holds one journal a compaction in progress, and the lock that
// keeps two compactions of a table apart.
const CompactDir = ".tarn/compact"

// compactJournal is what a compaction will do, written before it writes
// anything: enough for the next one to clean up after a crash.
type compactJournal struct {
	Table   string `json:"table"`
	Old     Table  `json:"old"`     // the table as it was
	New     string `json:"new"`     // the new folder
	Staging string `json:"staging"` // the hidden folder the files are written to
}

func (l *Lake) journalPath(table string) string {
	return filepath.Join(l.Root, filepath.FromSlash(CompactDir), table+".json")
}

func (l *Lake) lockCompaction(table string) (func(), error) {
	dir := filepath.Join(l.Root, filepath.FromSlash(CompactDir))
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("compact: %w", err)
	}
	return filelock.Lock(filepath.Join(dir, table+".lock"))
}

func (l *Lake) writeJournal(j compactJournal) error {
	return atomicfile.WriteFile(l.journalPath(j.Table), func(w io.Writer) error {
		return json.NewEncoder(w).Encode(j)
	})
}

func (l *Lake) readJournal(table string) (compactJournal, bool, error) {
	var j compactJournal
	data, err := os.ReadFile(l.journalPath(table))
	if errors.Is(err, os.ErrNotExist) {
		return j, false, nil
	}
	if err == nil {
		err = json.Unmarshal(data, &j)
	}
	if err != nil {
		return j, false, fmt.Errorf("compact: journal %s: %w", l.journalPath(table), err)
	}
	return j, true, nil
}

// cleanCompaction finishes or undoes what an interrupted compaction of
// table left, as its journal says, under the compaction lock: if the
// catalog was switched to the new folder, the old files go; if not, the
// new folder and the staging folder go. It lists what it removed.
func (l *Lake) cleanCompaction(table string) ([]string, error) {
	j, ok, err := l.readJournal(table)
	if err != nil || !ok {
		return nil, err
	}
	if err := l.reloadLocked(); err != nil {
		return nil, err
	}
	var cleaned []string
	remove := func(rel string) error {
		abs := filepath.Join(l.Root, filepath.FromSlash(rel))
		if _, err := os.Lstat(abs); err != nil {
			return nil
		}
		cleaned = append(cleaned, rel)
		return os.RemoveAll(abs)
	}
	if err := remove(j.Staging); err != nil {
		return cleaned, err
	}
	now, _ := l.Catalog.Find(table)
	if now.Location == j.New {
		if _, err := l.removeTableFiles(j.Old); err != nil {
			return cleaned, err
		}
		cleaned = append(cleaned, j.Old.Location+" (the old files)")
	} else if l.Catalog.FolderConflict(j.New) == nil {
		if err := remove(j.New); err != nil {
			return cleaned, err
		}
	}
	return cleaned, os.Remove(l.journalPath(table))
}

// compactingFolders are the folders compactions in progress (or
// interrupted) write to or will remove: not data for a crawl to find.
func (l *Lake) compactingFolders() map[string]bool {
	out := map[string]bool{}
	journals, _ := filepath.Glob(filepath.Join(l.Root, filepath.FromSlash(CompactDir), "*.json"))
	for _, f := range journals {
		var j compactJournal
		if data, err := os.ReadFile(f); err == nil && json.Unmarshal(data, &j) == nil {
			out[j.New], out[j.Old.Location] = true, true
		}
	}
	return out
}

// compactionLeftover says whether dir is a compaction's folder that is no
// table's folder now: new files not yet switched to, or old ones not yet
// removed.
func (l *Lake) compactionLeftover(compacting map[string]bool, dir string) bool {
	rel := l.rel(dir)
	if !compacting[rel] {
		return false
	}
	_, ok := l.tableAt(rel)
	return !ok
}
