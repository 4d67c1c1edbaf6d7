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
wait_for() { # wait_for SECONDS CMD...
	local t=$(($1 * 10)); shift
	while [ $t -gt 0 ]; do "$@" >/dev/null 2>&1 && return 0; sleep 0.1; t=$((t - 1)); done
	return 1
}

topo_build || { fail "agent-file: build topology"; exit 1; }
vxs node add h1 198.18.1.2 >/dev/null && vxs node add h2 198.18.2.2 >/dev/null &&
	vxs network create blue --subnet 10.1.0.0/24 >/dev/null &&
	vx1 up --node h1 --dev eth0 --decap tc >/dev/null && vx2 up --node h2 --dev eth0 --decap tc >/dev/null ||
	{ fail "agent-file: vxnet up"; exit 1; }
# the binary itself in the background (not a function): $! is the agent
"$VXNET" --state "$STATE" --pin-dir "$PIN1" -n "$H1" agent >"$TMP/agent1.log" 2>&1 & A1=$!
"$VXNET" --state "$STATE" --pin-dir "$PIN2" -n "$H2" agent >"$TMP/agent2.log" 2>&1 & A2=$!
wait_for 3 grep -q synced "$TMP/agent2.log" && ok "agent-file: agents started and synced" || fail "agent-file: no sync line"
check "agent-file: attach c1 on h1" vx1 attach "$C1" blue --ip 10.1.0.2
check "agent-file: attach c2 on h2" vx2 attach "$C2" blue --ip 10.1.0.3
if wait_for 3 in_ns "$C1" ping -c 1 -W 1 10.1.0.3 && wait_for 3 in_ns "$C2" ping -c 1 -W 1 10.1.0.2; then
	ok "agent-file: c1 and c2 reach each other without vxnet sync"
else
	fail "agent-file: no connectivity: $(tail -2 "$TMP/agent1.log" | tr '\n' '|')"
fi
check "agent-file: detach c2" vx2 detach "$C2" blue
if wait_for 3 sh -c "! bpftool -j map dump pinned '$PIN1/endpoints' | jq -e '.[] | select(.formatted.key.ip == 50331914)'"; then # 10.1.0.3
	ok "agent-file: c2 left h1's map after the detach"
else
	fail "agent-file: c2 still in h1's map"
fi
kill -TERM "$A1"; wait "$A1"; rc=$?; A1=
[ $rc = 0 ] && grep -q 'agent: stopped' "$TMP/agent1.log" && ok "agent-file: SIGTERM: clean exit" || fail "agent-file: exit $rc on SIGTERM"
[ -e "$PIN1/endpoints" ] && ok "agent-file: pins stay after the agent stops" || fail "agent-file: pins gone"
finish
