#!/usr/bin/env bash
# Issue 15's catalog size, measured: writes the generated tree of 10,000
# tables (100 databases x 100 tables, Parquet/CSV/JSON/gzip CSV, 2 files
# each; internal/testlake.Tree), crawls it with tarn crawl under
# /usr/bin/time (wall time and peak RSS), times tarn catalog and tarn
# access on it, and runs the workbench's and the policy's benchmarks on
# the same generated lake. Prints every figure. Not run by CI (minutes).
#
#   scripts/scale-catalog.sh [WORKDIR]     (default: a new temp folder)
set -euo pipefail
cd "$(dirname "$0")/.."
work=${1:-$(mktemp -d -t tarn-scale-catalog-XXXX)}
mkdir -p "$work"
lake="$work/lake"
rm -rf "$lake"
go build -o "$work/tarn" .
go run ./scripts/scaletree "$lake"
measure() { # label, command...
	local label=$1; shift
	local load=$(cut -d' ' -f1-3 /proc/loadavg) # 2 shared cores: walls mean little without it
	/usr/bin/time -f "$label: %e s wall, %U s user, %S s sys, %M KB peak RSS" "$@" >"$work/out" 2>"$work/err" || {
		tail -5 "$work/err"; exit 1; }
	grep -a "$label:" "$work/err"
	echo "  load average before: $load"
}
measure "crawl 10,000 tables" "$work/tarn" --lake "$lake" crawl
tail -1 "$work/out"
measure "catalog (admin)" "$work/tarn" --lake "$lake" catalog
measure "access db050.t001" "$work/tarn" --lake "$lake" access db050.t001
go test ./tui -run '^$' -bench 'FirstFrame10000Tables|SessionOpen10000Tables|CatalogFilterKeypress|PersonaSwitch|AccessMatrixOpen' -benchtime 20x -count 1 | grep Benchmark
go test ./perms -run '^$' -bench 'Visibility' -count 1 | grep Benchmark
go test ./lake -run '^$' -bench 'Crawl1000Tables' -benchtime 1x -count 1 | grep Benchmark
echo "work folder: $work"
