#!/usr/bin/env bash
# tmux-e2e.sh drives tarn in a real terminal (tmux) the way a person does
# and checks what the screen shows. Run it from the repository root:
#
#   bash scripts/tmux-e2e.sh            # screens are kept in $TMPDIR/tarn-e2e.*
#
# It needs tmux and Go. It builds tarn, creates a demo lake in a temporary
# folder, and never touches your own lake or session.
set -euo pipefail

work=$(mktemp -d "${TMPDIR:-/tmp}/tarn-e2e.XXXXXX")
bin="$work/tarn"
lake="$work/lake"
session="tarn-e2e-${work##*.}" # the temp folder's suffix: unique where several runs share one tmux server
export XDG_STATE_HOME="$work/state" XDG_CONFIG_HOME="$work/config"
step=0

go build -o "$bin" .
"$bin" --lake "$lake" demo >/dev/null 2>&1

readonly_lake=""
cleanup() {
	tmux kill-session -t "$session" 2>/dev/null || true
	[ -z "${server:-}" ] || kill "$server" 2>/dev/null || true
	case "$readonly_lake" in
	mount) umount "$work/ro" ;;
	chmod) chmod u+w "$lake" "$lake/audit.jsonl" ;;
	chattr) chattr -i "$lake/audit.jsonl" ;;
	esac
}
trap cleanup EXIT

start() {
	# The environment goes in the command: a tmux server that is already
	# running (another run's) gives new sessions its own, not this script's.
	tmux new-session -d -s "$session" -x 120 -y 35 \
		"env XDG_STATE_HOME='$XDG_STATE_HOME' XDG_CONFIG_HOME='$XDG_CONFIG_HOME' $bin --lake ${1:-$lake}; sleep 600"
}

# shot saves the screen as the next numbered file and prints its path.
shot() {
	step=$((step + 1))
	local f
	f=$(printf '%s/screen-%02d-%s.txt' "$work" "$step" "$1")
	tmux capture-pane -p -t "$session" >"$f"
	echo "$f"
}

# expect waits up to 20 s for every pattern (fixed strings) on screen.
expect() {
	local name=$1
	shift
	for _ in $(seq 1 200); do
		local screen ok=1
		screen=$(tmux capture-pane -p -t "$session")
		for pat in "$@"; do
			grep -qF -- "$pat" <<<"$screen" || ok=0
		done
		if [ "$ok" = 1 ]; then
			echo "ok   $name"
			shot "$name" >/dev/null
			return 0
		fi
		sleep 0.1
	done
	echo "FAIL $name: the screen never showed: $*"
	cat "$(shot "$name-failed")"
	exit 1
}

# refute fails if a pattern is on screen now.
refute() {
	local name=$1
	shift
	local screen
	screen=$(tmux capture-pane -p -t "$session")
	for pat in "$@"; do
		if grep -qF -- "$pat" <<<"$screen"; then
			echo "FAIL $name: the screen shows $pat"
			cat "$(shot "$name-failed")"
			exit 1
		fi
	done
	echo "ok   $name"
}

type_sql() {
	tmux send-keys -t "$session" F2 C-u
	tmux send-keys -t "$session" -l "$1"
	tmux send-keys -t "$session" C-j
}

start
expect "first frame" "Catalog · admin" "persona admin" "access_log_parquet_1"

type_sql "SELECT status, count(*) AS hits FROM weblogs.access_log_parquet_1 GROUP BY status ORDER BY status"
expect "query runs" "SUCCEEDED" "hits" "scanned"

# p plots a GROUP BY as bars, each labelled with its status (as the
# command line prints them) and its count.
plot_sql="SELECT status, count(*) AS n FROM weblogs.access_log_parquet_1 GROUP BY 1 ORDER BY 1"
type_sql "$plot_sql"
expect "group by runs" "SUCCEEDED" "column 1/2 status"
bars=()
while IFS=, read -r status n; do bars+=("$status│█" " $n"); done < <("$bin" --lake "$lake" query --format csv "$plot_sql" | tail -n +2)
[ "${#bars[@]}" -ge 4 ] || { echo "FAIL plot: the query printed no statuses"; exit 1; }
tmux send-keys -t "$session" F3 p
expect "p plots bars labelled with the statuses" "Plot" "bar: n by status" "${bars[@]}" "$((${#bars[@]} / 2)) rows"
tmux send-keys -t "$session" Escape; sleep 0.3 # a lone ESC, not the start of a sequence

tmux send-keys -t "$session" C-p Down Down Enter
expect "persona switch" "persona analyst" "Catalog · analyst"
refute "hidden tables vanish" "items csv" "shops csv"

type_sql "SELECT * FROM sales.customers LIMIT 5"
expect "analyst sees two columns" "customer_id" "region" "column 1/2"
refute "no hidden column" "email" "payment_id"
# The session opens behind the first frame of a persona; the status bar
# says so until it has (the query above waited for it).
refute "the analyst's session is open" "session opening"

type_sql "SELECT * FROM weblogs.access_log_csv_1"
expect "workgroup limit" "CANCELLED" "Bytes scanned limit was exceeded"

tmux send-keys -t "$session" F4 Down t
expect "tag edit refused" "Tags of sales.customers" "Read-only: only a data lake administrator"
tmux send-keys -t "$session" Escape; sleep 0.3 # a lone ESC, not the start of a sequence

type_sql "SELECT count(*) FROM weblogs.access_log_parquet_1 a, weblogs.access_log_parquet_1 b, weblogs.access_log_parquet_1 c WHERE a.size + b.size + c.size = -1"
expect "long query runs" "RUNNING"
tmux send-keys -t "$session" Escape; sleep 0.3 # a lone ESC, not the start of a sequence
expect "cancelled" "CANCELLED" "cancelled after 0 rows"

tmux send-keys -t "$session" F4 a # the catalog cursor is still on customers
expect "access matrix is the admin's" "Only a data lake administrator may see what every persona may read"
refute "no hidden column names" "payment_id"
tmux send-keys -t "$session" Escape; sleep 0.3 # a lone ESC, not the start of a sequence

tmux send-keys -t "$session" C-p Up Up Enter
expect "back to admin" "persona admin"
tmux send-keys -t "$session" F4 a
expect "access matrix" "Access to sales.customers" "masked(last4)" "region = 'ea"
tmux send-keys -t "$session" Escape; sleep 0.3

# ctrl+e exports a result too large to wait for: the status bar shows
# rows, bytes and rate as it writes; esc cancels, and no file is left.
type_sql "SELECT a.host, a.path FROM weblogs.access_log_csv_1 a, weblogs.access_log_csv_1 b, weblogs.access_log_csv_1 c"
expect "endless query shows rows" "column 1/2"
tmux send-keys -t "$session" C-e
expect "export prompt" "Export results"
tmux send-keys -t "$session" C-u
tmux send-keys -t "$session" -l "$work/endless.csv"
tmux send-keys -t "$session" Enter
expect "export progress" "esc cancels · exporting endless.csv: " " rows, " "/s, "
tmux send-keys -t "$session" Escape; sleep 0.3 # a lone ESC, not the start of a sequence
expect "export cancelled" "export cancelled after" "endless.csv was not written"
if ls "$work" | grep -q '^endless\.csv'; then
	echo "FAIL export cancelled: $(ls "$work" | grep '^endless\.csv') was left"
	exit 1
fi
echo "ok   export cancelled: no file left"
tmux send-keys -t "$session" F4 # back to the catalog, its cursor still on customers
tmux send-keys -t "$session" d
expect "detail view" "Table sales.customers" "format       csv" "rows         5,000" "location" "columns admin may read (6 of 6)"
tmux send-keys -t "$session" Escape; sleep 0.3

# i profiles a catalog column and the results' current column, each as a
# query of the persona's with its data scanned and cost.
tmux send-keys -t "$session" Enter Down Down Down Down i # customers opened, onto phone
expect "column profile" "Profile · sales.customers.phone" "rows 5,000" "distinct 5,000" "most frequent" "SUCCEEDED" "scanned" "cost"
tmux send-keys -t "$session" Escape; sleep 0.3
tmux send-keys -t "$session" Left Left # up to customers, closed
type_sql "SELECT status, size FROM weblogs.access_log_parquet_1"
expect "rows for a result profile" "column 1/2 st" "(more to fetch)" # this result (status, not the last one's host), open while its column is profiled
tmux send-keys -t "$session" F3 Right i
expect "result column profile" "Profile · size" "quartiles (approx.)" "mean" "histogram: rows up to each value" "█" "scanned"
tmux send-keys -t "$session" Escape; sleep 0.3
tmux send-keys -t "$session" C-p Down Down Enter
expect "analyst again" "persona analyst"

tmux send-keys -t "$session" F1
expect "help from the key map" "run 5×, trimmed mean" "compare layouts"
tmux send-keys -t "$session" Escape; sleep 0.3 # a lone ESC, not the start of a sequence

tmux send-keys -t "$session" C-t
expect "theme cycles" "theme light"

# A revoke in another shell reaches the open workbench at its next statement.
"$bin" --lake "$lake" tags unassign sales.customers.region role >/dev/null
type_sql "SELECT * FROM sales.customers LIMIT 5"
expect "revoke from another shell" "SUCCEEDED" "column 1/1" "policy changed"
refute "the revoked column is gone" "region"
"$bin" --lake "$lake" tags assign sales.customers.region role=analyst >/dev/null

# Control characters in data are shown, not obeyed.
type_sql "SELECT chr(27) || ']0;owned' || chr(7) || 'x' AS t"
expect "escapes shown" '\x1b]0;owned\x07x'

# The inputs edit in place: a typo in the catalog's filter is mended by
# moving the cursor back and inserting the missing letter.
tmux send-keys -t "$session" F4 /
tmux send-keys -t "$session" -l "custmers"
expect "filter typed" "/custmers"
refute "a misspelt filter matches nothing" "customers csv"
tmux send-keys -t "$session" Left Left Left Left o
expect "filter mended in place" "/customers" "customers csv"
refute "the filter hides the rest" "access_log_parquet_1"
tmux send-keys -t "$session" Escape; sleep 0.3 # a lone ESC: clears the filter
expect "filter cleared" "access_log_parquet_1"

type_sql "SELECT host FROM weblogs.access_log_parquet_1 LIMIT 3"
expect "last query" "SUCCEEDED" "column 1/1 host"
tmux send-keys -t "$session" C-q
sleep 1
tmux kill-session -t "$session"

start
expect "session restored" "persona analyst" "theme light" "SELECT host FROM weblogs.access_log_parquet_1 LIMIT 3"

tmux resize-window -t "$session" -x 80 -y 24
expect "80x24 reflows" "Catalog" "SQL" "Results"
tmux send-keys -t "$session" F1
expect "help at 80x24 says there is more" "Keys" "more below"
tmux send-keys -t "$session" PageDown PageDown PageDown
expect "help scrolls to its end" "ctrl+q" "quit"
tmux send-keys -t "$session" Escape; sleep 0.3

tmux kill-session -t "$session"

# The walk-through on stage: the start state from the command line, the
# analyst sees no sales table; the administrator grants SELECT on role=analyst
# in the workbench, the effect shown first; the analyst then reads only the
# tagged columns.
"$bin" --lake "$lake" demo --walkthrough 2>/dev/null | grep -qF "analyst loses sales.customers" ||
	{ echo "FAIL walk-through start: demo --walkthrough did not say the analyst loses sales.customers"; exit 1; }
if "$bin" --lake "$lake" catalog --persona analyst | grep -q '^sales '; then
	echo "FAIL walk-through start: the analyst's catalog lists a sales table"
	exit 1
fi
echo "ok   walk-through start (command line)"
start
expect "walk-through: analyst" "persona analyst" "access_log_parquet_1"
refute "walk-through: no sales table" "customers csv" "sales csv"
tmux send-keys -t "$session" C-p Up Up Enter
expect "walk-through: admin" "persona admin"
tmux send-keys -t "$session" F4 g
expect "walk-through: grants" "w the walk-through's start"
tmux send-keys -t "$session" a
tmux send-keys -t "$session" -l "analyst DESCRIBE,SELECT role=analyst"
expect "walk-through: the effect before saving" "analyst gains sales.customers (customer_id, region)"
tmux send-keys -t "$session" Enter
expect "walk-through: granted" "grants add analyst DESCRIBE,SELECT"
tmux send-keys -t "$session" C-p Down Down Enter
expect "walk-through: analyst again" "Catalog · analyst" "▸ sales"
type_sql "SELECT * FROM sales.customers LIMIT 5"
expect "walk-through: only the tagged columns" "SUCCEEDED" "customer_id" "region" "column 1/2"
refute "walk-through: no untagged column" "email" "payment_id"

tmux kill-session -t "$session"

# Principals: the administrator adds one in the workbench by typing its
# name and persona and its public key's line; policy.toml then holds it,
# and tarn principals shows the fingerprint ssh-keygen -l shows.
if command -v ssh-keygen >/dev/null; then
	ssh-keygen -q -t ed25519 -N '' -C ana@laptop -f "$work/ana"
	start
	expect "principals: analyst" "persona analyst"
	tmux send-keys -t "$session" C-p Up Up Enter
	expect "principals: admin" "persona admin"
	tmux send-keys -t "$session" F4 g
	expect "principals: grants" "p principals"
	tmux send-keys -t "$session" p
	expect "principals: none yet" "Grants › Principals" "No principals"
	tmux send-keys -t "$session" a
	tmux send-keys -t "$session" -l "ana analyst $(cat "$work/ana.pub")"
	tmux send-keys -t "$session" Enter
	expect "principals: added" "principals add ana --persona analyst"
	tmux kill-session -t "$session"
	fingerprint=$(ssh-keygen -l -f "$work/ana.pub" | cut -d' ' -f2)
	grep -qF "$(cut -d' ' -f1,2 "$work/ana.pub")" "$lake/policy.toml" ||
		{ echo "FAIL principals: policy.toml lacks ana's key"; cat "$lake/policy.toml"; exit 1; }
	"$bin" --lake "$lake" principals | grep -q "^ana  *analyst  *ssh-ed25519  *$fingerprint  *ana@laptop$" ||
		{ echo "FAIL principals: tarn principals does not list ana with $fingerprint"; "$bin" --lake "$lake" principals; exit 1; }
	echo "ok   principals: policy.toml and tarn principals agree"
fi

# Compacting a table of small files from the catalog: an administrator's
# key, a confirmation, the work with progress, then before and after.
head -2001 "$lake/weblogs/access_log/csv/1/part-00000.csv" >"$work/small.csv"
"$bin" --lake "$lake" import "$work/small.csv" --db weblogs --table web_small --to csv --files 50 >/dev/null
start
expect "compact: analyst" "persona analyst"
tmux send-keys -t "$session" C-p Up Up Enter
expect "compact: admin" "persona admin"
tmux send-keys -t "$session" F4 /
tmux send-keys -t "$session" -l "web_small"
tmux send-keys -t "$session" Enter Down Down d # past sales and weblogs
expect "compact: the hint" "Table weblogs.web_small" "small files" "a file on average"
tmux send-keys -t "$session" Escape; sleep 0.3
tmux send-keys -t "$session" c
expect "compact: confirm" "Compact weblogs.web_small" "50 files" "rewrite as csv files of about 128.0 MiB"
tmux send-keys -t "$session" Enter
expect "compact: before and after" "before csv" "after  csv" "1 file ·" "full · before" "projection · after" "now at weblogs/web_small.compacted-"
tmux send-keys -t "$session" Escape; sleep 0.3
expect "compact: the catalog reloaded" "web_small csv 1 file"
tmux kill-session -t "$session"
"$bin" --lake "$lake" catalog | grep -q "web_small .* 1 " ||
	{ echo "FAIL compact: the catalog does not list web_small in one file"; exit 1; }
echo "ok   compact: tarn catalog agrees"

# tarn serve: the workbench over SSH, as an analyst's key (a principal of
# its own: the principals step above may have added ana already).
if command -v ssh >/dev/null && command -v ssh-keygen >/dev/null; then
	ssh-keygen -q -t ed25519 -N '' -C bea -f "$work/bea"
	"$bin" --lake "$lake" principals add bea --persona analyst --key "$work/bea.pub" >/dev/null
	port=$((20000 + RANDOM % 20000))
	"$bin" --lake "$lake" serve --listen "127.0.0.1:$port" 2>"$work/serve.log" &
	server=$!
	for _ in $(seq 1 100); do grep -q "host key" "$work/serve.log" && break; sleep 0.1; done
	tmux kill-session -t "$session" 2>/dev/null || true
	tmux new-session -d -s "$session" -x 120 -y 35 "ssh -t -p $port -i $work/bea -o IdentitiesOnly=yes \
		-o StrictHostKeyChecking=no -o UserKnownHostsFile=$work/known_hosts -o LogLevel=ERROR localhost; sleep 600"
	expect "served: the workbench as the key's persona" "Catalog · analyst" "persona analyst"
	tmux send-keys -t "$session" F5
	expect "served: a query runs" "SUCCEEDED"
	tmux send-keys -t "$session" C-p
	expect "served: the persona picker" "Act as persona" "Data analyst"
	refute "served: a non-admin picks only its own persona" "Data lake administrator"
	tmux send-keys -t "$session" Enter
	sleep 0.5
	tmux send-keys -t "$session" C-q
	for _ in $(seq 1 50); do tmux capture-pane -p -t "$session" | grep -q "Catalog" || break; sleep 0.1; done
	refute "served: ctrl+q ends the connection" "Catalog · analyst"
	grep -q '"principal":"bea"' "$lake/audit.jsonl" || { echo "FAIL served: the audit log does not name the principal"; exit 1; }
	echo "ok   served: the audit log names the principal"
	kill "$server"
	tmux kill-session -t "$session" 2>/dev/null || true
else
	echo "skip served workbench: no ssh client"
fi

# tarn query writing to a file from a terminal: how far it is shows on
# the terminal (stderr), and the file holds the rows alone.
tmux kill-session -t "$session" 2>/dev/null || true
tmux new-session -d -s "$session" -x 120 -y 10 \
	"$bin --lake $lake query --persona admin --format csv 'SELECT a.host, b.path FROM weblogs.access_log_parquet_1 a, weblogs.access_log_parquet_1 b LIMIT 3000000' >'$work/rows.csv'; sleep 600"
expect "query progress on the terminal" "wrote 3,000,000 rows, "
if [ "$(wc -l <"$work/rows.csv")" != 3000001 ] || grep -qE "writing|wrote" "$work/rows.csv"; then
	echo "FAIL query progress: $work/rows.csv holds $(wc -l <"$work/rows.csv") lines, or progress text"
	exit 1
fi
echo "ok   query progress: the file holds the header and 3,000,000 rows alone"
tmux kill-session -t "$session" 2>/dev/null || true

# A read-only lake: queries are refused (their audit record cannot be
# written), the catalog is still browsed. chmod makes it read-only for a
# user who is not root; root needs a read-only bind mount or, where
# mounting is not permitted, an immutable audit log (chattr +i).
appendable() { (: >>"$1") 2>/dev/null; }
ro="$lake"
mkdir -p "$work/ro"
if [ "$(id -u)" != 0 ] && chmod a-w "$lake" "$lake/audit.jsonl" && ! appendable "$lake/audit.jsonl"; then
	readonly_lake=chmod
elif mount --bind "$lake" "$work/ro" 2>/dev/null && readonly_lake=mount && mount -o remount,ro,bind "$work/ro" 2>/dev/null; then
	ro="$work/ro"
elif chattr +i "$lake/audit.jsonl" 2>/dev/null; then
	readonly_lake=chattr
else
	readonly_lake=none
fi
if [ "$readonly_lake" = none ] || appendable "$ro/audit.jsonl"; then
	echo "skip read-only lake: neither chmod, a read-only bind mount nor chattr +i stops this user writing"
else
	start "$ro"
	expect "read-only lake opens" "persona analyst"
	type_sql "SELECT 1"
	expect "read-only lake refuses queries" "queries are refused" "audit.jsonl cannot be written" "REFUSED"
	tmux send-keys -t "$session" F4 Down Enter
	expect "read-only lake still browsed" "customer_id"
fi

echo "all steps passed; screens in $work"
