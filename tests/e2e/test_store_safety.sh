#!/bin/bash
# Nothing is wiped by accident: a state file that does not exist (a typo in
# --state) is an error for every command that reads the state, not an empty
# cluster; the file agent keeps its maps while the file is gone and resumes
# when it is back.
#
#   c1 10.1.0.2                    c2 10.1.0.3
#        |                              |
#   +--- h1 ----+   +--- r ---+   +--- h2 ----+
#   | agent     |---| r1   r2 |---|           |
#   | 198.18.1.2|   +---------+   | 198.18.2.2|
#   +-----------+                 +-----------+
#       h1's agent watches $TMP/state.json; h2 syncs by hand
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/topo.sh"
A1=
cleanup() {
	[ -n "$A1" ] && kill -KILL "$A1" 2>/dev/null
	wait 2>/dev/null
	topo_cleanup
}
trap cleanup EXIT
TYPO=$TMP/stat.json # one letter off: never created
logged() { grep -Eq -- "$1" "$TMP/agent1.log"; }
# maps PIN: every synced map of PIN, sorted, one entry a line (fails when
# one cannot be read: two snapshots must never match by accident)
maps() {
	local m d
	for m in endpoints ifaces nodes node_vnis networks; do
		d=$(map_dump "$1" "$m") || return 1
		jq -c --arg m "$m" 'sort_by(.key)[] | {map: $m, key, value}' <<<"$d" || return 1
	done
}
# same_maps NAME PIN: PIN's maps are what $TMP/maps.before holds
same_maps() {
	if ! maps "$2" >"$TMP/maps.after" 2>"$TMP/maps.err"; then fail "$1: maps: $(cat "$TMP/maps.err")"
	elif cmp -s "$TMP/maps.before" "$TMP/maps.after"; then ok "$1: maps unchanged"
	else fail "$1: maps changed: $(diff "$TMP/maps.before" "$TMP/maps.after" | head -4 | tr '\n' '|')"; fi
}
# refused NAME CMD...: one line naming the missing file, exit 1, h1's maps
# unchanged and no file made at the typo's path
refused() {
	local name=$1; shift
	maps "$PIN1" >"$TMP/maps.before" 2>"$TMP/maps.err" || { fail "$name: maps before: $(cat "$TMP/maps.err")"; return; }
	expect_err "$name" "^vxnet: state file $TYPO does not exist; create it with vxnet node add" "$@"
	same_maps "$name" "$PIN1"
	if [ -e "$TYPO" ]; then fail "$name: $TYPO was created"; fi
}
vt1() { "$VXNET" --state "$TYPO" --pin-dir "$PIN1" -n "$H1" "$@"; }

topo_build || { fail "store safety: build topology"; exit 1; }
topo_vxnet tc || { fail "store safety: vxnet up and attach"; exit 1; }
check "store safety: endpoint add x9 (remote, on h2)" vxs endpoint add x9 --network blue --node h2 --ip 10.1.0.9
check "store safety: sync h1" vx1 sync
check "store safety: c1 reaches c2" in_ns "$C1" ping -c 1 -W 2 10.1.0.3

# ---- reads of a missing file: one line, exit 1, nothing changed ----
refused "sync with a typo'd --state" vt1 sync
refused "up with a typo'd --state (datapath already up)" vt1 up --node h1 --dev eth0 --decap tc
refused "node ls with a typo'd --state" vt1 node ls
refused "network ls with a typo'd --state" vt1 network ls
refused "endpoint ls with a typo'd --state" vt1 endpoint ls
refused "network inspect with a typo'd --state" vt1 network inspect blue
refused "--store file: with a typo" "$VXNET" --store "file:$TYPO" --pin-dir "$PIN1" -n "$H1" sync
# attach changes the state: it may start from nothing, but there is no
# network in nothing, so it fails before building anything
expect_err "attach with a typo'd --state" "unknown network blue" vt1 attach "$C1" blue --name c1b
link_gone "$H1" "vx$(printf '%08x' "$(python3 -c 'import zlib; print(zlib.crc32(b"c1b"))')")" &&
	ok "attach with a typo'd --state: no veth" || fail "attach with a typo'd --state left a veth"
[ -e "$TYPO" ] && fail "attach with a typo'd --state created $TYPO" || ok "attach with a typo'd --state: no state file"
check "store safety: c1 still reaches c2" in_ns "$C1" ping -c 1 -W 2 10.1.0.3

# ---- the file agent: the file goes away, comes back ----
"$VXNET" --state "$STATE" --pin-dir "$PIN1" -n "$H1" agent >"$TMP/agent1.log" 2>&1 & A1=$!
if wait_for 10 logged '^synced at revision'; then ok "agent: started and synced"
else fail "agent: did not sync: $(tails 3 "$TMP/agent1.log")"; fi
maps "$PIN1" >"$TMP/maps.before" || fail "agent: maps before the file goes"
cp "$STATE" "$TMP/state.saved"
rm "$STATE"
if wait_for 10 logged "store $STATE: the state file is gone; keeping the maps until it is back"; then
	ok "agent: logged that the file is gone"
else
	fail "agent: no line about the missing file: $(tails 3 "$TMP/agent1.log")"
fi
sleep 1.5 # a second poll of the directory: still nothing removed
same_maps "agent: file gone" "$PIN1"
if [ "$(grep -c 'state file is gone' "$TMP/agent1.log")" = 1 ]; then ok "agent: one line for the missing file"
else fail "agent: $(grep -c 'state file is gone' "$TMP/agent1.log") lines for the missing file"; fi
kill -0 "$A1" 2>/dev/null && ok "agent: still running without the file" || fail "agent: exited without the file"
check "agent: c1 reaches c2 while the file is gone" in_ns "$C1" ping -c 1 -W 2 10.1.0.3
# it comes back with one change: x9 moved to another address
jq '(.endpoints[] | select(.name == "x9") | .ip) = "10.1.0.19"' "$TMP/state.saved" >"$TMP/state.new" &&
	mv "$TMP/state.new" "$STATE"
if wait_for 10 logged "store $STATE: the state file is back" &&
   wait_for 10 logged '^revision [0-9]+: endpoint x9 put: 1 added, 0 changed, 1 removed'; then
	ok "agent: resumed when the file came back (x9's change applied)"
else
	fail "agent: after the file came back: $(tails 4 "$TMP/agent1.log")"
fi
if map_has_ip "$PIN1" 10.1.0.19 && map_lacks_ip "$PIN1" 10.1.0.9; then ok "agent: x9 at its new address in h1's map"
else fail "agent: x9 in h1's map after the file came back"; fi

# ---- the agent starts while the file is missing: it waits, maps kept ----
kill -TERM "$A1"; wait "$A1"; A1=
mv "$STATE" "$TMP/state.saved"
maps "$PIN1" >"$TMP/maps.before" || fail "agent restart: maps before"
"$VXNET" --state "$STATE" --pin-dir "$PIN1" -n "$H1" agent >"$TMP/agent1.log" 2>&1 & A1=$!
if wait_for 10 logged "agent: list $STATE: the file does not exist \(vxnet node add creates it\); keeping the maps"; then
	ok "agent started without the file: says so and keeps the maps"
else
	fail "agent started without the file: $(tails 3 "$TMP/agent1.log")"
fi
same_maps "agent started without the file" "$PIN1"
mv "$TMP/state.saved" "$STATE"
if wait_for 15 logged '^synced at revision [0-9]+: 2 nodes, 1 networks, 4 endpoints; 0 added, 0 changed, 0 removed'; then
	ok "agent started without the file: synced once it appeared, nothing to change"
else
	fail "agent started without the file: no sync: $(tails 3 "$TMP/agent1.log")"
fi
finish
