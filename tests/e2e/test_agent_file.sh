#!/bin/bash
# End-to-end: `vxnet agent` with the file store follows the state file
# through inotify; an attach on one host reaches the other without `sync`.
#
#   c1 10.1.0.2                    c2 10.1.0.3
#        |                              |
#   +--- h1 ----+   +--- r ---+   +--- h2 ----+
#   | agent     |---| r1   r2 |---| agent     |
#   | 198.18.1.2|   +---------+   | 198.18.2.2|
#   +-----------+                 +-----------+
#         both agents watch $TMP/state.json
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/topo.sh"
A1= A2=
cleanup() {
	[ -n "$A1" ] && kill -KILL "$A1" 2>/dev/null
	[ -n "$A2" ] && kill -KILL "$A2" 2>/dev/null
	wait 2>/dev/null
	topo_cleanup
}
trap cleanup EXIT
# logged N REGEX: agent N logged a line matching REGEX (written once the maps
# hold the change it reports)
logged() { grep -Eq -- "$2" "$TMP/agent$1.log"; }

topo_build || { fail "agent-file: build topology"; exit 1; }
vxs node add h1 198.18.1.2 >/dev/null && vxs node add h2 198.18.2.2 >/dev/null &&
	vxs network create blue --subnet 10.1.0.0/24 >/dev/null &&
	vx1 up --node h1 --dev eth0 --decap tc >/dev/null && vx2 up --node h2 --dev eth0 --decap tc >/dev/null ||
	{ fail "agent-file: vxnet up"; exit 1; }
# the binary itself in the background (not a function): $! is the agent
"$VXNET" --state "$STATE" --pin-dir "$PIN1" -n "$H1" agent >"$TMP/agent1.log" 2>&1 & A1=$!
"$VXNET" --state "$STATE" --pin-dir "$PIN2" -n "$H2" agent >"$TMP/agent2.log" 2>&1 & A2=$!
for n in 1 2; do
	if wait_for 10 logged $n '^synced at revision'; then ok "agent-file: agent on h$n started and synced"
	else fail "agent-file: agent on h$n did not sync: $(tails 3 "$TMP/agent$n.log")"; fi
done
check "agent-file: attach c1 on h1" vx1 attach "$C1" blue --ip 10.1.0.2
check "agent-file: attach c2 on h2" vx2 attach "$C2" blue --ip 10.1.0.3
if wait_for 10 in_ns "$C1" ping -c 1 -W 1 10.1.0.3 && wait_for 10 in_ns "$C2" ping -c 1 -W 1 10.1.0.2; then
	ok "agent-file: c1 and c2 reach each other without vxnet sync"
else
	fail "agent-file: no connectivity: $(tails 2 "$TMP/agent1.log" "$TMP/agent2.log")"
fi
check "agent-file: c2 is in h1's map before the detach" map_has_ip "$PIN1" 10.1.0.3
check "agent-file: detach c2" vx2 detach "$C2" blue
if wait_for 10 map_lacks_ip "$PIN1" 10.1.0.3; then
	ok "agent-file: c2 left h1's map after the detach"
else
	fail "agent-file: c2 in h1's map after the detach: $(waited)"
fi

# A network and a node change while the agents run; once both agents logged
# every change, `vxnet sync` (the agent's state, pins and namespace) finds
# nothing to do: the incremental updates equal a full sync.
check "agent-file: network create red while the agents run" vxs network create red --subnet 10.9.0.0/24
check "agent-file: node add h3 while the agents run" vxs node add h3 198.18.3.2
for n in 1 2; do
	if wait_for 10 logged $n "^revision [0-9]+: endpoint h2-${P}c2-blue deleted:" &&
	   wait_for 10 logged $n '^revision [0-9]+: network red put:' &&
	   wait_for 10 logged $n '^revision [0-9]+: node h3 put:'; then
		out=$(vx$n sync 2>&1)
		if [ "$out" = "synced: 0 added, 0 changed, 0 removed" ]; then ok "agent-file: vxnet sync on h$n changes nothing"
		else fail "agent-file: vxnet sync on h$n: '$(tr '\n' '|' <<<"$out")'"; fi
	else
		fail "agent-file: agent on h$n did not log the detach, network and node changes: $(tails 4 "$TMP/agent$n.log")"
	fi
done
kill -TERM "$A1"; wait "$A1"; rc=$?; A1=
[ $rc = 0 ] && grep -q 'agent: stopped' "$TMP/agent1.log" && ok "agent-file: SIGTERM: clean exit" || fail "agent-file: exit $rc on SIGTERM"
map_dump "$PIN1" endpoints >/dev/null 2>"$TMP/err" && ok "agent-file: pins stay after the agent stops" || fail "agent-file: pins after the agent stops: $(cat "$TMP/err")"
finish
