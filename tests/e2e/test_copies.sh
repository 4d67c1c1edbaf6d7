#!/bin/bash
# The datapath's own copies of ifaces and endpoints records (iface_slots,
# ep_cache: per CPU, tagged with their key and the map's generation in
# gens) while the records change under traffic. On h1 of topo.sh:
#
#   c1 10.1.0.2 (veth ifindex X)      c7 10.1.0.7 (veth ifindex X + 4096:
#        |                                 |       c1's iface_slots slot)
#   +----------------------- h1 ---------------------+    r    h2 -- c2 10.1.0.3
#
# c1 and c7 share a slot and both reach c2; c2 pings c7 while c1 is
# detached and attached again with another MAC (a new veth): c7's flow
# goes on, the new c1 reaches c2, nothing is dropped as spoofed or as an
# unknown veth, and no slot holds the gone veth at the current generation.
# Then c2 moves to another address under traffic (its endpoints record on
# h1 changes): h1 sends to the new one at once. Last, blue's egress is
# switched off and on in the state while c1 pings the outside server
# (topo_outside, 198.18.100.2): the copies of c1's veth carry blue's egress
# switch, h1's sync makes the next packets follow it. And blue's subnet
# widened in the state (10.1.0.0/24 to 10.0.0.0/8, the same gateway: only
# the subnets map changes) under c1's flow to an outside address it then
# holds (10.200.0.2, outside's too): h1's copy of that absence said
# "outside every subnet", after h1's sync the next packets are no-endpoint.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/topo.sh"
T=copies
C7=${P}c7
PING_PID=
cleanup() { stop_pid 3 "$PING_PID"; topo_cleanup; }
trap cleanup EXIT
topo_build || { fail "$T: build topology"; exit 1; }
topo_vxnet tc || { fail "$T: vxnet up and attach"; exit 1; }
topo_outside || { fail "$T: outside server namespace"; exit 1; }
mkns "$C7" || { fail "$T: namespace c7"; exit 1; }

ifindex_of() { # ifindex_of NETNS: ifindex of that container's veth on h1
	local ifn
	ifn=$(jq -r --arg n "h1-$1-blue" '.endpoints[] | select(.name == $n) | .host_ifname' "$STATE")
	ip -n "$H1" -j link show "$ifn" | jq '.[0].ifindex'
}
# refused: h1's drops that a stale copy would cause, summed
refused() {
	local a b c
	a=$(counter vx1 spoofed-ip) && b=$(counter vx1 spoofed-mac) && c=$(counter vx1 unknown-iface) || return 1
	echo $((a + b + c))
}
gen() { vx1 map dump gens -j | jq --arg m "$1" '.[] | select(.key.map == $m) | .value.generation'; }
# gen_moved MAP G0 G1 WHAT: MAP's generation went from G0 (read before WHAT) to G1 > G0
gen_moved() {
	if is_count "$2" "$3" 2>/dev/null && [ "$3" -gt "$2" ]; then ok "$T: $4 moved the $1 generation ($2 -> $3)"
	else fail "$T: $1 generation '$2' -> '$3' across $4"; fi
}
# flow FROM TO SECONDS FILE: FROM pings TO every 20 ms for SECONDS in the
# background, its summary into $TMP/FILE; returns a second later
flow() {
	in_ns "$1" ping -q -i 0.02 -w "$3" "$2" >"$TMP/$4" 2>&1 &
	PING_PID=$!
	sleep 1
}
# flow_end FILE: waits for the flow; sets sent and got (replies) from its summary
flow_end() {
	wait "$PING_PID"
	PING_PID=
	sent=$(sed -n 's/^\([0-9]*\) packets transmitted.*/\1/p' "$TMP/$1")
	got=$(sed -n 's/.* \([0-9]*\) received.*/\1/p' "$TMP/$1")
}

X=$(ifindex_of "$C1")
check "$T: c1 (veth ifindex $X) pings c2" pings "$C1" 10.1.0.3 5
refused0=$(refused) || fail "$T: read h1's drop counters"

# ---- c7's veth at X + 4096: the same iface_slots slot as c1's ----
advance_ifindex "$H1" $((X + 4096)) || fail "$T: advance h1's ifindexes to $((X + 4096))"
{ vx1 attach "$C7" blue --ip 10.1.0.7 >/dev/null && vx2 sync >/dev/null; } || fail "$T: attach c7"
X7=$(ifindex_of "$C7")
if [ "$X7" = $((X + 4096)) ]; then ok "$T: c7's veth has ifindex $X7, c1's slot ($((X % 4096)))"
else fail "$T: c7's veth has ifindex '$X7', not $((X + 4096))"; fi
for i in 1 2; do
	check "$T: c1 and c7 share a slot: c1 pings c2 ($i)" pings "$C1" 10.1.0.3 3
	check "$T: c1 and c7 share a slot: c7 pings c2 ($i)" pings "$C7" 10.1.0.3 3
done
if [ "$(refused)" = "$refused0" ]; then ok "$T: sharing a slot: no spoofed-ip, spoofed-mac or unknown-iface drop on h1"
else fail "$T: sharing a slot: h1's spoof/unknown-iface drops went from $refused0 to $(refused)"; fi

# ---- c1 detached and attached again (new veth, new MAC) while c2 pings c7 ----
g0=$(gen ifaces)
flow "$C2" 10.1.0.7 6 flow
check "$T: detach c1 under c2's flow to c7" vx1 detach "$C1" blue
vx2 sync >/dev/null
sleep 0.5
check "$T: attach c1 again with MAC 02:00:00:00:01:99" vx1 attach "$C1" blue --ip 10.1.0.2 --mac 02:00:00:00:01:99
check "$T: h2 syncs (c1's new MAC)" vx2 sync
# c2 forgets c1's old MAC, as a gratuitous ARP from the new c1 would make it
ip -n "$C2" neigh flush to 10.1.0.2
X1=$(ifindex_of "$C1")
check "$T: the new c1 (veth ifindex $X1) pings c2" pings "$C1" 10.1.0.3 5
flow_end flow
if is_count "$sent" 2>/dev/null && is_count "$got" 2>/dev/null && [ "$sent" -ge 150 ] &&
   [ $((got * 100)) -ge $((sent * 97)) ]; then
	ok "$T: c2's flow to c7 through c1's detach and attach: $got of $sent answered"
else
	fail "$T: c2's flow to c7: $(tr '\n' ' ' <"$TMP/flow")"
fi
if [ "$(refused)" = "$refused0" ]; then ok "$T: through the detach and attach: no spoofed-ip, spoofed-mac or unknown-iface drop on h1"
else fail "$T: h1's spoof/unknown-iface drops went from $refused0 to $(refused)"; fi
g1=$(gen ifaces)
gen_moved ifaces "$g0" "$g1" "c1's detach and attach (vxnet map dump gens)"
stale=$(vx1 map dump iface_slots -j | jq --argjson x "$X" --argjson g "$g1" '[.[] | select(.value.ifindex == $x and .value.generation >= $g)] | length')
if [ "$stale" = 0 ]; then ok "$T: vxnet map dump iface_slots: no slot holds c1's old veth ($X) at the current generation"
else fail "$T: $stale slots hold c1's old veth $X at generation $g1"; fi
n=$(vx1 map dump iface_slots -j | jq --argjson x "$X7" '[.[] | select(.value.ifindex == $x and .value.ip == "10.1.0.7")] | length')
if [ "${n:-0}" -gt 0 ]; then
	ok "$T: vxnet map dump iface_slots: c7's copy, with its address, on the CPU(s) its flow ran on"
else fail "$T: no iface_slots copy of c7 (ifindex $X7): $(vx1 map dump iface_slots 2>&1 | head -3 | tr '\n' '|')"; fi

# ---- c2's endpoints record on h1 changes under traffic: c2 moves to 10.1.0.30 ----
check "$T: c1 pings c2 at 10.1.0.3 (h1 copies c2's record)" pings "$C1" 10.1.0.3 3
flow "$C1" 10.1.0.30 6 flow2
g2=$(gen endpoints)
check "$T: detach c2 on h2" vx2 detach "$C2" blue
check "$T: attach c2 again at 10.1.0.30" vx2 attach "$C2" blue --ip 10.1.0.30
check "$T: h1 syncs (c2's record at 10.1.0.30, none at 10.1.0.3)" vx1 sync
flow_end flow2
if is_count "$got" 2>/dev/null && [ "$got" -ge 50 ]; then ok "$T: c1's flow to 10.1.0.30 answered once c2 moved there ($got replies)"
else fail "$T: c1's flow to 10.1.0.30: $(tr '\n' ' ' <"$TMP/flow2")"; fi
check "$T: c1 pings c2 at 10.1.0.30" pings "$C1" 10.1.0.30 3
n=$(vx1 map dump ep_cache -j | jq '[.[] | select(.value.ip == "10.1.0.30" and .value.found and
		.value.node == "198.18.2.2")] | length')
if [ "${n:-0}" -gt 0 ]; then
	ok "$T: vxnet map dump ep_cache: h1's copy of c2 at 10.1.0.30 on h2 (198.18.2.2)"
else fail "$T: no ep_cache copy of 10.1.0.30: $(vx1 map dump ep_cache 2>&1 | head -3 | tr '\n' '|')"; fi
n0=$(counter vx1 no-endpoint)
check_not "$T: c1's ping to the old 10.1.0.3 is not answered" in_ns "$C1" ping -q -c 2 -i 0.1 -W 1 10.1.0.3
n1=$(counter vx1 no-endpoint)
if is_count "$n0" 2>/dev/null && is_count "$n1" 2>/dev/null && [ "$n1" -ge $((n0 + 2)) ]; then
	ok "$T: ... h1 drops it as no-endpoint ($n0 -> $n1), not sent to c2's old record"
else fail "$T: no-endpoint on h1 $n0 -> $n1"; fi
gen_moved endpoints "$g2" "$(gen endpoints)" "c2's move to 10.1.0.30"

# switched WHAT STOPS STARTS: in the second after a sync under c1's flow,
# h1's counter STOPS moved by at most 2 and STARTS by at least 20 (the flow
# sends 50 a second)
switched() {
	local s0 s1 g0 g1
	s0=$(counter vx1 "$2") g0=$(counter vx1 "$3")
	sleep 1
	s1=$(counter vx1 "$2") g1=$(counter vx1 "$3")
	if is_count "$s0" "$s1" "$g0" "$g1" 2>/dev/null && [ "$s1" -le $((s0 + 2)) ] && [ "$g1" -ge $((g0 + 20)) ]; then
		ok "$T: $1 at once: in the second after the sync $2 $s0 -> $s1, $3 $g0 -> $g1"
	else fail "$T: after $1: $2 $s0 -> $s1, $3 $g0 -> $g1"; fi
}

# ---- blue's egress switched off and on under c1's flow to the outside ----
# egress_set true|false: blue's "egress" in the state file (as a store
# changes it), then h1 syncs
egress_set() {
	jq --argjson e "$1" '(.networks[] | select(.name == "blue")).egress = $e' "$STATE" >"$TMP/state.new" &&
		mv "$TMP/state.new" "$STATE" && vx1 sync >/dev/null
}
# egress_copies X true|false: copies of veth X's record that carry egress on/off
egress_copies() {
	vx1 map dump iface_slots -j | jq --argjson x "$1" --argjson e "$2" \
		'[.[] | select(.value.ifindex == $x and .value.egress == $e)] | length'
}
X1=$(ifindex_of "$C1")
check "$T: c1 pings the outside server 198.18.100.2 (egress)" pings "$C1" 198.18.100.2 3
n=$(egress_copies "$X1" true)
if [ "${n:-0}" -gt 0 ]; then ok "$T: vxnet map dump iface_slots: c1's copy carries blue's egress on"
else fail "$T: no copy of c1 (ifindex $X1) with egress on: $(vx1 map dump iface_slots 2>&1 | head -3 | tr '\n' '|')"; fi
flow "$C1" 198.18.100.2 6 flow3
g4=$(gen ifaces)
check "$T: blue's egress off in the state, h1 syncs, under c1's flow" egress_set false
switched "egress off" egress no-egress
gen_moved ifaces "$g4" "$(gen ifaces)" "blue's egress change"
n=$(egress_copies "$X1" false)
if [ "${n:-0}" -gt 0 ]; then ok "$T: vxnet map dump iface_slots: c1's copy now carries egress off"
else fail "$T: no copy of c1 (ifindex $X1) with egress off: $(vx1 map dump iface_slots 2>&1 | head -3 | tr '\n' '|')"; fi
check "$T: blue's egress on again in the state, h1 syncs" egress_set true
switched "egress on" no-egress egress
flow_end flow3
if is_count "$got" 2>/dev/null && [ "$got" -ge 50 ]; then ok "$T: c1's flow answered before and after egress was off ($got replies)"
else fail "$T: c1's flow to the outside server: $(tr '\n' ' ' <"$TMP/flow3")"; fi

# ---- blue's subnet widened under c1's flow to an outside address in it ----
ip -n "$OUTSIDE" addr add 10.200.0.2/32 dev eth0 && ip -n "$R" route add 10.200.0.2/32 via 198.18.100.2 ||
	fail "$T: 10.200.0.2 on the outside server"
check "$T: c1 pings 10.200.0.2 outside (egress)" pings "$C1" 10.200.0.2 3
n=$(vx1 map dump ep_cache -j | jq '[.[] | select(.value.ip == "10.200.0.2" and .value.subnet == "outside")] | length')
if [ "${n:-0}" -gt 0 ]; then ok "$T: vxnet map dump ep_cache: h1's copy of 10.200.0.2: no endpoint, outside every subnet"
else fail "$T: no ep_cache copy of 10.200.0.2 outside: $(vx1 map dump ep_cache 2>&1 | grep 10.200 | head -2 | tr '\n' '|')"; fi
flow "$C1" 10.200.0.2 4 flow4
g6=$(gen endpoints)
jq '(.networks[] | select(.name == "blue")).subnets[0].subnet = "10.0.0.0/8"' "$STATE" >"$TMP/state.new" &&
	mv "$TMP/state.new" "$STATE"
check "$T: blue's 10.1.0.0/24 widened to 10.0.0.0/8 in the state, h1 syncs, under c1's flow" vx1 sync
switched "10.200.0.2 in blue's subnet" egress no-endpoint
gen_moved endpoints "$g6" "$(gen endpoints)" "the subnet's change"
n=$(vx1 map dump ep_cache -j | jq '[.[] | select(.value.ip == "10.200.0.2" and .value.subnet == "inside")] | length')
if [ "${n:-0}" -gt 0 ]; then ok "$T: vxnet map dump ep_cache: h1's copy of 10.200.0.2 now says inside a subnet"
else fail "$T: no ep_cache copy of 10.200.0.2 inside: $(vx1 map dump ep_cache 2>&1 | grep 10.200 | head -2 | tr '\n' '|')"; fi
flow_end flow4
finish
