#!/usr/bin/env bash
# scale-volume.sh reproduces the data-volume figures of issue 15: it builds
# the source's access log 1x, 10x and 100x (CSV and log text, timestamps
# increasing copy after copy), then imports (CSV, log), compacts and
# exports them under /usr/bin/time -v and prints peak RSS, wall and CPU
# time (user + system) and MB/s of input over the wall time. Not run by CI.
#
#   scripts/scale-volume.sh [SCALES]     # default "1 10 100"
#
# Work goes to $VOL (default /tmp/vol-$USER), removed at the end; 100x
# needs about 7 GB free there (2.8 GB of CSV, 3.0 GB of log text, the
# tables and DuckDB's spill) and took 40 minutes on 2 cores shared with
# other work (building the inputs was 9 of them, one query a copy; one
# query an input built the 10x inputs in 17 s instead of 33, byte for
# byte the same). Each step is killed after $STEP_LIMIT seconds (default
# 1800).
set -euo pipefail

scales=${1:-"1 10 100"}
vol=${VOL:-/tmp/vol-${USER:-tarn}}
limit=${STEP_LIMIT:-1800}
repo=$(cd "$(dirname "$0")/.." && pwd)

need_gb=$(( $(echo "$scales" | tr ' ' '\n' | sort -n | tail -1) * 7 / 100 + 1 ))
mkdir -p "$vol"
free_gb=$(df -P -BG "$vol" | awk 'NR==2 {sub("G", "", $4); print $4}')
if (( free_gb < need_gb )); then
	echo "scale-volume: $vol has ${free_gb} GB free, needs about ${need_gb} GB" >&2
	exit 1
fi
trap 'rm -rf "$vol"' EXIT

tarn=$vol/tarn
(cd "$repo" && go build -o "$tarn" .)
demo=$vol/demo
"$tarn" --lake "$demo" demo >/dev/null 2>&1

# copy K of the log: the demo's access log, K*4 days later (it spans 3.5).
copy_sql() {
	echo "SELECT host, ident, authuser, time + to_days($1 * 4) AS time, method, path, protocol, status, size, referrer, agent FROM weblogs.access_log_csv_1"
}
# the same rows as combined log format lines, CSV-quoted by tarn query.
log_sql() {
	echo "SELECT host || ' ' || ident || ' ' || authuser || ' [' || strftime(time + to_days($1 * 4), '%d/%b/%Y:%H:%M:%S +0000') || '] \"' ||
	method || ' ' || path || ' ' || protocol || '\" ' || status || ' ' || size || ' \"' || replace(referrer, '\"', '\\\"') || '\" \"' ||
	replace(agent, '\"', '\\\"') || '\"' AS line FROM weblogs.access_log_csv_1"
}

# copies SQL_FN N is SQL_FN's query for copies 0 to N-1, one after another:
# a UNION ALL keeps its branches' order (DuckDB's insertion order), so each
# input is one tarn query, not one a copy.
copies() {
	local fn=$1 n=$2 q=""
	for ((k = 0; k < n; k++)); do
		q+="${q:+ UNION ALL }$("$fn" "$k")"
	done
	echo "$q"
}

# build_inputs N writes $vol/logN.csv and $vol/logN.log.
build_inputs() {
	local n=$1
	"$tarn" --lake "$demo" query --format csv "$(copies copy_sql "$n")" >"$vol/log$n.csv"
	# unquote the one CSV field: strip the outer quotes, undouble the inner ones
	"$tarn" --lake "$demo" query --format csv "$(copies log_sql "$n")" | tail -n +2 |
		sed -e 's/^"//; s/"$//; s/""/"/g' >"$vol/log$n.log"
}

# measure LABEL INPUT_BYTES CMD... runs CMD under /usr/bin/time -v and
# prints peak RSS, elapsed time and MB/s of input.
measure() {
	local label=$1 bytes=$2 out=$vol/time.txt
	shift 2
	if ! timeout "$limit" /usr/bin/time -v "$@" >/dev/null 2>"$out"; then
		echo "$label: failed or timed out:" >&2
		tail -5 "$out" >&2
		return
	fi
	awk -v label="$label" -v bytes="$bytes" '
		/Maximum resident set size/ { rss = $NF }
		/User time|System time/ { cpu += $NF }
		/Elapsed \(wall clock\)/ { n = split($NF, p, ":"); secs = 0; for (i = 1; i <= n; i++) secs = secs * 60 + p[i] }
		END { printf "%-28s %6.0f MB in  %5.0f MB peak RSS  %6.1f s (%6.1f s CPU)  %6.1f MB/s\n", label, bytes / 1e6, rss / 1024, secs, cpu, bytes / 1e6 / secs }' "$out"
}

for n in $scales; do
	lake=$vol/lake$n
	cp -r "$demo" "$lake"
	build_inputs "$n"
	csv_bytes=$(stat -c %s "$vol/log$n.csv")
	log_bytes=$(stat -c %s "$vol/log$n.log")
	measure "import csv ${n}x -> parquet" "$csv_bytes" "$tarn" --lake "$lake" import "$vol/log$n.csv" --db vol --table csv$n
	measure "import csv ${n}x -> 10 files" "$csv_bytes" "$tarn" --lake "$lake" import "$vol/log$n.csv" --db vol --table csv${n}_10 --files 10
	measure "import log ${n}x -> parquet" "$log_bytes" "$tarn" --lake "$lake" import "$vol/log$n.log" --db vol --table log$n
	rm -f "$vol/log$n.log"
	measure "compact csv ${n}x (10 -> 1)" "$csv_bytes" "$tarn" --lake "$lake" compact vol.csv${n}_10 --target-size 4GB --no-bench
	measure "export ${n}x as csv" "$csv_bytes" "$tarn" --lake "$lake" query --format csv "SELECT * FROM vol.csv$n"
	measure "export ${n}x as json" "$csv_bytes" "$tarn" --lake "$lake" query --format json "SELECT * FROM vol.csv$n"
	rm -f "$vol/log$n.csv"
	rm -rf "$lake"
done
