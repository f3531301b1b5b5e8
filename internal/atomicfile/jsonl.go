package atomicfile

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// AppendJSONL appends record as one JSON line to path, creating it and its
// folder. One write call with O_APPEND keeps concurrent appenders' lines
// whole; durable adds an fsync.
//
// A write that failed half way (a full disk) leaves a torn last line. The
// next append finds it and starts a new line, so its record is not lost
// on the torn one too, and says so first in a record of its own (kind
// torn_line); the torn line is kept as it was.
func AppendJSONL(path string, record any, durable bool) error {
	line, err := json.Marshal(record)
	if err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_APPEND|os.O_CREATE, 0o644)
	if errors.Is(err, os.ErrNotExist) {
		if err = os.MkdirAll(filepath.Dir(path), 0o755); err == nil {
			f, err = os.OpenFile(path, os.O_RDWR|os.O_APPEND|os.O_CREATE, 0o644)
		}
	}
	if err != nil {
		return err
	}
	defer f.Close()
	out := append(line, '\n')
	if tornTail(f) {
		note, _ := json.Marshal(map[string]any{"time": time.Now().UTC(), "kind": "torn_line",
			"note": "the line before this one was cut short by a write that failed (a full disk?); it is kept as it was"})
		out = append(append(append([]byte{'\n'}, note...), '\n'), out...)
	}
	if _, err := f.Write(out); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if durable {
		return f.Sync()
	}
	return nil
}

// tornTail says whether f's last byte is not a newline: a line was cut.
func tornTail(f *os.File) bool {
	info, err := f.Stat()
	if err != nil || info.Size() == 0 {
		return false
	}
	b := make([]byte, 1)
	n, err := f.ReadAt(b, info.Size()-1)
	return err == nil && n == 1 && b[0] != '\n'
}

// SyncAppends makes the lines appended to path durable: what AppendJSONL
// without durable leaves to the caller, who may do it later or elsewhere.
func SyncAppends(path string) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		return err
	}
	defer f.Close()
	return datasync(f)
}
