// Package units writes quantities for people to read.
package units

import "fmt"

// byteNames are the names of 1024, 1024², … bytes. tarn writes every byte
// count (catalog, stats, history, bench, workgroup limits) in binary
// multiples with IEC names, because Athena's own units are binary: its
// bill's MB and TB and its workgroups' 10 MB minimum limit are 2^20 and
// 2^40 bytes (see queries/cost.go). One name per size: 450.7 KiB in the
// catalog is 450.7 KiB scanned.
var byteNames = []string{"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"}

// Bytes writes n bytes: whole bytes below 1024, else with one decimal in
// the largest unit of which n holds at least one.
func Bytes(n int64) string {
	if n < 1024 {
		return fmt.Sprintf("%d B", n)
	}
	div, unit := int64(1024), 0
	for unit+1 < len(byteNames) && n/div >= 1024 {
		div *= 1024
		unit++
	}
	return fmt.Sprintf("%.1f %s", float64(n)/float64(div), byteNames[unit])
}
