// Package units writes quantities for people to read.
package units

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

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

// ParseBytes reads a byte count as people write one: 4096, 64KB, 128MB,
// 1.5GiB. KB, MB, GB and TB are binary multiples, as tarn writes them and
// as Athena bills them (128MB is 128 MiB); K, M, G and T alone too.
func ParseBytes(s string) (int64, error) {
	num := strings.TrimRight(strings.TrimSpace(s), "BbIiKkMmGgTt ")
	suffix := strings.ToUpper(strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(s), num)))
	suffix = strings.TrimSuffix(strings.TrimSuffix(suffix, "B"), "I")
	shift, ok := map[string]uint{"": 0, "K": 10, "M": 20, "G": 30, "T": 40}[suffix]
	x, err := strconv.ParseFloat(num, 64)
	if !ok || err != nil || x < 0 || math.IsInf(x, 0) || x*float64(int64(1)<<shift) >= math.MaxInt64 {
		return 0, fmt.Errorf("%q is not a size (write it as 4096, 64KB, 128MB or 1GB)", s)
	}
	return int64(x * float64(int64(1)<<shift)), nil
}
