//go:build cgo

package lake

// DuckDB is C++ reached through cgo, so its driver is linked only where
// cgo is. Without cgo, lake still builds (and perms, demo and themes with
// it): CI vets them so for macOS and Windows from Linux. OpenDuckDB then
// fails with database/sql's "unknown driver".
import _ "github.com/duckdb/duckdb-go/v2" // registers the "duckdb" driver
