//go:build !linux

package demo

// freeBytes is unknown here; the demo skips its disk-space check.
func freeBytes(string) (int64, bool) { return 0, false }
