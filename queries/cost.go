package queries

import "fmt"

// Athena's price for SQL queries: USD 5 per TB scanned, each query
// rounded up to the next MB with a 10 MB minimum; failed queries are not
// charged, cancelled ones are for what they scanned. Athena's MB and TB
// are binary: its workgroups' smallest per-query limit, "10 MB", is
// 10,485,760 bytes, and AWS bills data in 2^30-byte GB. So a MB here is
// 2^20 bytes (tarn writes it MiB) and a TB 2^40 (TiB), and the minimum
// bill, 10 MiB, costs 10/2^20 × $5 = $0.0000476837158203125 exactly.
const (
	megabyte       = 1 << 20
	terabyte       = 1 << 40
	minBilledBytes = 10 * megabyte
	usdPerTerabyte = 5.0
	billedUnit     = megabyte
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

// Bill is what Athena charges a query that ended in state having scanned
// n bytes: a failed or refused one nothing, any other (a cancelled one
// too) the billed bytes of what it scanned.
func Bill(state string, n int64) (billed int64, usd float64) {
	if state == Failed || state == Refused {
		return 0, 0
	}
	return BilledBytes(n), CostUSD(n)
}

// CostUSD is the price of a query that scanned n bytes. It is exact: the
// billed bytes are whole MiB, so the quotient is a binary fraction.
func CostUSD(n int64) float64 {
	return float64(BilledBytes(n)) / terabyte * usdPerTerabyte
}

// FormatUSD writes a cost to seven decimals, enough to tell queries
// apart: the 10 MiB minimum shows as $0.0000477, one more MiB adds
// $0.0000048.
func FormatUSD(c float64) string {
	return fmt.Sprintf("$%.7f", c)
}
