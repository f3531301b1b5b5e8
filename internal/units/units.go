// Package units writes quantities for people to read.
package units

import "fmt"

// ByteUnits is one way of writing byte counts in binary multiples (a
// kilobyte is 1024 bytes): the decimals shown and the names of 1024,
// 1024², … bytes. A count past the last name stays in it.
type ByteUnits struct {
	decimals int
	names    []string
}

// The two ways tarn writes bytes today, kept as they were when their two
// formatters became one; a later issue chooses one for the product.
var (
	// IEC is the catalog's and the demo's: 450.7 KiB.
	IEC = ByteUnits{1, []string{"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"}}
	// Athena is the query statistics', as Athena's console writes binary
	// multiples: 450.70 KB, and at most GB.
	Athena = ByteUnits{2, []string{"KB", "MB", "GB"}}
)

// Bytes writes n bytes: whole bytes below 1024, else in the largest unit
// of which n holds at least one.
func Bytes(n int64, u ByteUnits) string {
	if n < 1024 {
		return fmt.Sprintf("%d B", n)
	}
	div, unit := int64(1024), 0
	for unit+1 < len(u.names) && n/div >= 1024 {
		div *= 1024
		unit++
	}
	return fmt.Sprintf("%.*f %s", u.decimals, float64(n)/float64(div), u.names[unit])
}
