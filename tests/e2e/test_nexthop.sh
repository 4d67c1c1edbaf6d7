#!/bin/bash
# The underlay next-hop cache (nexthops, bpf/lib/fib.h) under traffic: h1's
# route to h2's segment moves from router r to a second router rb while c1
# pings c2, and then rb's MAC changes (h1's neighbour entry replaced, as a
# gratuitous ARP would): c1's pings keep being answered, and after each
# change they leave h1 the new way (rb's counters move, r's stop).
# Topology: topo.sh, plus
#
#   h1 eth1 198.18.3.2/24 --- rb1 198.18.3.1 [rb] rb2 198.18.4.1/24 --- rbx 198.18.4.2 [r]
#
# rb forwards to h2's segment through r; h2's answers come back through r.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/topo.sh"
MODE=${1:-tc}
T="nexthop-$MODE"
RB=${P}rb
PING_PID=
cleanup() { stop_pid 3 "$PING_PID"; topo_cleanup; }
trap cleanup EXIT
topo_build || { fail "$T: build topology"; exit 1; }
topo_vxnet "$MODE" || { fail "$T: vxnet up and attach"; exit 1; }
{
	mkns "$RB" &&
	ip link add rb1 netns "$RB" type veth peer name eth1 netns "$H1" &&
	ip link add rb2 netns "$RB" type veth peer name rbx netns "$R" &&
	ip -n "$RB" addr add 198.18.3.1/24 dev rb1 && ip -n "$H1" addr add 198.18.3.2/24 dev eth1 &&
	ip -n "$RB" addr add 198.18.4.1/24 dev rb2 && ip -n "$R" addr add 198.18.4.2/24 dev rbx &&
	ip -n "$RB" link set rb1 up && ip -n "$RB" link set rb2 up &&
	ip -n "$H1" link set eth1 up && ip -n "$R" link set rbx up &&
	links_sync "$RB" rb1 "$H1" eth1 "$RB" rb2 "$R" rbx &&
	ip netns exec "$RB" sysctl -qw net.ipv4.ip_forward=1 net.ipv4.conf.all.rp_filter=0 \
		net.ipv4.conf.default.rp_filter=0 &&
	ip netns exec "$R" sysctl -qw net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.rbx.rp_filter=0 &&
	ip -n "$RB" route add 198.18.2.0/24 via 198.18.4.2
} || { fail "$T: build the second router"; exit 1; }

# rx_packets NS DEV
rx() { ip -n "$1" -j -s link show "$2" | jq '.[0].stats64.rx.packets'; }
# ping_ok N: c1 pings c2 N times, 50 ms apart; at most one lost
ping_ok() {
	local out
	out=$(in_ns "$C1" ping -q -c "$1" -i 0.05 -W 1 10.1.0.3 2>&1)
	local got=$(sed -n 's/.* \([0-9]*\) received.*/\1/p' <<<"$out")
	echo "$got/$1 answered"
	[ "${got:-0}" -ge $(($1 - 1)) ]
}
# window NS DEV SECONDS: rx packets of DEV during SECONDS of c1's pings
window() {
	local a b
	a=$(rx "$1" "$2"); sleep "$3"; b=$(rx "$1" "$2")
	echo $((b - a))
}

check "$T: c1 pings c2 through r" ping_ok 10
# The flow under the changes: c1 pings c2 every 20 ms for 12 s.
in_ns "$C1" ping -q -i 0.02 -w 12 10.1.0.3 >"$TMP/flow" 2>&1 &
PING_PID=$!
sleep 1
r_before=$(window "$R" r1 1) rb_before=$(window "$RB" rb1 1)
if [ "$r_before" -ge 20 ] && [ "$rb_before" -le 3 ]; then
	ok "$T: before the change the flow goes through r (r1 +$r_before, rb1 +$rb_before in 1 s)"
else
	fail "$T: before the change: r1 +$r_before, rb1 +$rb_before in 1 s"
fi

ip -n "$H1" route replace 198.18.2.0/24 via 198.18.3.1 dev eth1
sleep 0.5
rb_after=$(window "$RB" rb1 1) r_after=$(window "$R" r1 1)
if [ "$rb_after" -ge 20 ] && [ "$r_after" -le 3 ]; then
	ok "$T: h1's route moved to rb: the flow follows it (rb1 +$rb_after, r1 +$r_after in 1 s)"
else
	fail "$T: after the route change: rb1 +$rb_after, r1 +$r_after in 1 s; h1 route: $(ip -n "$H1" route get 198.18.2.2 | head -1)"
fi
check "$T: c1 pings c2 through rb" ping_ok 10

# rb gets another MAC; h1 learns it (gratuitous ARP); frames to the old
# one are not for rb (its stack drops them as for another host).
ip -n "$RB" link set rb1 address 02:00:00:00:0b:0b
ip -n "$H1" neigh replace 198.18.3.1 lladdr 02:00:00:00:0b:0b dev eth1 nud reachable
sleep 0.5
check "$T: rb's MAC changed: c1 pings c2 through rb's new MAC" ping_ok 10
# the cache is pinned and readable: h2's address through eth1 to rb's new MAC
check "$T: bpftool map show pinned nexthops" bpftool map show pinned "$PIN1/nexthops"
n=$(vx1 map dump nexthops -j | jq '[.[] | select(.value.address == "198.18.2.2" and .value.ifname == "eth1" and
		.value.dmac == "02:00:00:00:0b:0b")] | length')
if [ "${n:-0}" -gt 0 ]; then
	ok "$T: vxnet map dump nexthops: 198.18.2.2 through eth1 to rb's new MAC"
else fail "$T: vxnet map dump nexthops: $(vx1 map dump nexthops 2>&1 | head -3 | tr '\n' '|')"; fi

wait "$PING_PID"
PING_PID=
sent=$(sed -n 's/^\([0-9]*\) packets transmitted.*/\1/p' "$TMP/flow")
got=$(sed -n 's/.* \([0-9]*\) received.*/\1/p' "$TMP/flow")
if is_count "$sent" 2>/dev/null && is_count "$got" 2>/dev/null && [ "$sent" -ge 100 ] &&
   [ $((got * 100)) -ge $((sent * 95)) ]; then
	ok "$T: the flow under both changes: $got of $sent answered"
else
	fail "$T: the flow under both changes: $(tr '\n' ' ' <"$TMP/flow")"
fi
finish
