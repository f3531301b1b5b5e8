package queries

import "fmt"

// Athena's price: USD 5 per TB scanned, each query rounded up to the
// megabyte with a 10 MB minimum. AWS bills in binary units, so a megabyte
// is 2^20 bytes and a terabyte 2^40.
const (
	megabyte         = 1 << 20
	terabyte         = 1 << 40
	minBilledBytes   = 10 * megabyte
	usdPerTerabyte   = 5.0
	billedUnit       = megabyte
	billedUnitString = "MB"
)

// BilledBytes is what Athena would bill for a query that scanned n bytes.
// A query that scanned nothing (refused, failed, cut off before it
// started) is not billed.
func BilledBytes(n int64) int64 {
	if n <= 0 {
		return 0
	}
	billed := (n + billedUnit - 1) / billedUnit * billedUnit
	return max(billed, minBilledBytes)
}

// CostUSD is the price of a query that scanned n bytes.
func CostUSD(n int64) float64 {
	return float64(BilledBytes(n)) / terabyte * usdPerTerabyte
}

// FormatUSD writes a cost with enough digits to tell queries apart: the
// 10 MB minimum costs $0.0000477.
func FormatUSD(c float64) string {
	return fmt.Sprintf("$%.7f", c)
}
