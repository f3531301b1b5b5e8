#!/usr/bin/env bash
# tmux-serve.sh checks the served workbench in a real terminal: tarn serve
# on a loopback port, `ssh` in tmux as an analyst's key, and what the
# screen shows. Run it from the repository root:
#
#   bash scripts/tmux-serve.sh          # screens are kept in $TMPDIR/tarn-serve.*
#
# It needs tmux, ssh, ssh-keygen and Go; it never touches your own lake,
# keys or known_hosts.
set -euo pipefail

work=$(mktemp -d "${TMPDIR:-/tmp}/tarn-serve.XXXXXX")
bin="$work/tarn"
lake="$work/lake"
session="tarn-serve-${work##*.}"
port=$((20000 + RANDOM % 20000))
step=0

go build -o "$bin" .
"$bin" --lake "$lake" demo >/dev/null 2>&1
ssh-keygen -q -t ed25519 -N '' -C ana -f "$work/ana"
# A principal, as `tarn principals add ana --persona analyst --key ana.pub` writes it.
printf '\n[[principal]]\nname = "ana"\npersona = "analyst"\nkeys = ["%s"]\n' "$(cat "$work/ana.pub")" >>"$lake/policy.toml"

"$bin" --lake "$lake" serve --listen "127.0.0.1:$port" 2>"$work/serve.log" &
server=$!
cleanup() {
	tmux kill-session -t "$session" 2>/dev/null || true
	kill "$server" 2>/dev/null || true
}
trap cleanup EXIT
for _ in $(seq 1 100); do grep -q "host key" "$work/serve.log" && break; sleep 0.1; done

ssh_cmd="ssh -p $port -i $work/ana -o IdentitiesOnly=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=$work/known_hosts -o LogLevel=ERROR"
tmux new-session -d -s "$session" -x 120 -y 35 "$ssh_cmd -t localhost; sleep 600"

shot() {
	step=$((step + 1))
	local f
	f=$(printf '%s/screen-%02d-%s.txt' "$work" "$step" "$1")
	tmux capture-pane -p -t "$session" >"$f"
	echo "$f"
}

# expect waits up to 20 s for every pattern (fixed strings) on screen;
# reject fails when a pattern is on screen.
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
			return
		fi
		sleep 0.1
	done
	echo "FAIL $name: expected $*; screen: $(shot "$name")"
	exit 1
}

reject() {
	local name=$1 pat=$2
	if tmux capture-pane -p -t "$session" | grep -qF -- "$pat"; then
		echo "FAIL $name: $pat on screen: $(shot "$name")"
		exit 1
	fi
	echo "ok   $name"
}

expect "first frame: the workbench as the key's persona" "Catalog · analyst" "persona analyst" "workgroup analytics"
tmux send-keys -t "$session" F5
expect "a query runs over SSH" "SUCCEEDED" "192.168"
tmux send-keys -t "$session" C-p
expect "the persona picker opens" "Act as persona" "Data analyst"
reject "the picker lists only the analyst's own persona" "Data lake administrator"
tmux send-keys -t "$session" Enter
sleep 0.5
tmux send-keys -t "$session" C-q
for _ in $(seq 1 50); do
	tmux capture-pane -p -t "$session" | grep -q "Catalog" || break
	sleep 0.1
done
reject "ctrl+q ends the connection: the workbench is gone" "Catalog · analyst"
grep -q '"principal":"ana"' "$lake/audit.jsonl" && echo "ok   the audit log names the principal" || {
	echo "FAIL the audit log does not name the principal"
	exit 1
}
echo "screens in $work"
