//go:build !unix

package lake_test

import "time"

// processCPU is not measured where getrusage is missing: benchmarks
// report 0 CPU there.
func processCPU() time.Duration { return 0 }
