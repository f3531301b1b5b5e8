#!/usr/bin/env bash
# chart-png.sh renders the charts tarn writes to PNG with headless
# Chromium, to look at them as a person would (not part of CI). Run it from
# the repository root:
#
#   bash scripts/chart-png.sh [OUTDIR]     # PNGs in OUTDIR (default: a temp folder)
#
# It builds tarn, makes a small demo lake in a temporary folder, runs a
# short benchmark with --chart and a query with --chart, and renders both
# SVGs. It installs nothing: it needs /usr/bin/chromium (Debian: apt-get
# install -y chromium).
set -euo pipefail

chromium=${CHROMIUM:-/usr/bin/chromium}
if [ ! -x "$chromium" ]; then
	echo "chart-png.sh: $chromium is missing; install it with: apt-get install -y chromium" >&2
	exit 1
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/tarn-charts.XXXXXX")
out=${1:-$work}
mkdir -p "$out"
export XDG_STATE_HOME="$work/state" XDG_CONFIG_HOME="$work/config"

go build -o "$work/tarn" .
tarn() { "$work/tarn" --lake "$work/lake" "$@"; }
tarn demo >/dev/null 2>&1
tarn bench --files 1,10 --runs 3 --chart "$out/bench.svg" >/dev/null
tarn query --chart "$out/status.svg" "SELECT status, count(*) AS n FROM weblogs.access_log_parquet_1 GROUP BY 1 ORDER BY 1"
tarn query --chart "$out/minutes.svg" "SELECT time_bucket(INTERVAL 10 MINUTE, time) AS at, count(*) AS n FROM weblogs.access_log_parquet_1 GROUP BY 1 ORDER BY 1"
tarn query --chart "$out/size.svg" "SELECT size FROM weblogs.access_log_parquet_1"
tarn query --chart "$out/scatter.svg" "SELECT size, length(path) AS path_length FROM weblogs.access_log_parquet_1"

for svg in "$out"/*.svg; do
	png=${svg%.svg}.png
	"$chromium" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking \
		--disable-component-update --disable-sync --user-data-dir="$(mktemp -d "$work/chromium.XXXXXX")" \
		--screenshot="$png" --window-size=1600,1000 "file://$svg" >/dev/null 2>&1
	echo "$png"
done
