package lake

import (
	"fmt"
	"path/filepath"

	"tarn/internal/atomicfile"
)

// AuditFile is the lake's append-only audit log (JSON lines).
const AuditFile = "audit.jsonl"

// AppendAudit appends one record to the lake's audit log and fsyncs it.
// The log is only ever appended to: a crash loses at most the record being
// written, never an earlier one.
func AppendAudit(root string, record any) error {
	if err := atomicfile.AppendJSONL(filepath.Join(root, AuditFile), record, true); err != nil {
		return fmt.Errorf("audit log: %w", err)
	}
	return nil
}
