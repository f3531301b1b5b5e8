package queries

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"tarn/internal/atomicfile"
	"tarn/perms"
)

// HistoryDir holds each workgroup's query history, one JSON-lines file per
// workgroup, inside the lake (a dot folder, so the crawler skips it).
const HistoryDir = ".tarn/history"

// HistoryFile is the history file of a workgroup. Callers check the name
// first (checkWorkgroup): it becomes part of a path.
func HistoryFile(root, workgroup string) string {
	if workgroup == "" {
		workgroup = "primary"
	}
	return filepath.Join(root, HistoryDir, workgroup+".jsonl")
}

// checkWorkgroup refuses a name that is not a workgroup name: "../../audit"
// would name a file outside the history folder.
func checkWorkgroup(name string) error {
	if name != "" && !perms.ValidName(name) {
		return fmt.Errorf("workgroup %q: a workgroup's name is lower-case letters, digits and _", name)
	}
	return nil
}

func appendHistory(root string, q Query) error {
	if err := checkWorkgroup(q.Workgroup); err != nil {
		return err
	}
	return atomicfile.AppendJSONL(HistoryFile(root, q.Workgroup), q, false)
}

// Totals sums a history: queries by state, data scanned and cost.
type Totals struct {
	Queries     int            `json:"queries"`
	States      map[string]int `json:"states"`
	DataScanned int64          `json:"data_scanned_bytes"`
	BilledBytes int64          `json:"billed_bytes"`
	CostUSD     float64        `json:"cost_usd"`
}

// Add counts one query.
func (t *Totals) Add(q Query) {
	if t.States == nil {
		t.States = map[string]int{}
	}
	t.Queries++
	t.States[q.State]++
	t.DataScanned += q.DataScanned
	t.BilledBytes += q.BilledBytes
	t.CostUSD += q.CostUSD
}

// ReadHistoryAs streams what viewer may read of a workgroup's history: an
// administrator every query, anyone else its own. Personas who share a
// workgroup may have different grants, and a query's SQL and error can
// hold values only its author may see.
func ReadHistoryAs(root, workgroup string, viewer perms.Persona, each func(Query)) (skipped []string, err error) {
	return ReadHistory(root, workgroup, func(q Query) {
		if viewer.Admin || q.Persona == viewer.Name {
			each(q)
		}
	})
}

// ReadHistory streams a workgroup's history to each, oldest first. A
// line that does not parse (a torn last write) is reported by number
// and skipped, so one bad line does not hide the rest.
func ReadHistory(root, workgroup string, each func(Query)) (skipped []string, err error) {
	if err := checkWorkgroup(workgroup); err != nil {
		return nil, err
	}
	f, err := os.Open(HistoryFile(root, workgroup))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r := bufio.NewReader(f)
	for line := 1; ; line++ {
		text, err := r.ReadBytes('\n')
		if len(bytes.TrimSpace(text)) > 0 {
			var q Query
			switch jerr := json.Unmarshal(text, &q); {
			case jerr != nil:
				skipped = append(skipped, fmt.Sprintf("%s:%d: %v", f.Name(), line, jerr))
			case q.Kind == "torn_line": // a writer's note that the line before was torn
			default:
				each(q)
			}
		}
		if err == io.EOF {
			return skipped, nil
		}
		if err != nil {
			return skipped, err
		}
	}
}
