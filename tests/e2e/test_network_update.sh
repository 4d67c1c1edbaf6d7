#!/bin/bash
# End-to-end: `vxnet network update` on running containers of two hosts.
#
#   c1 10.1.0.2                 c2 10.1.0.3  c3 10.5.0.7 (added subnet)  c4 10.1.0.44
#        |                                   |          |
#   +--- h1 ---------+   +---- r ----+   +--- h2 ----------------+
#   | network update |---| r1     r2 |---| vxnet agent (file)    |
#   | 198.18.1.2     |   +-----------+   | 198.18.2.2            |
#   +----------------+                   +-----------------------+
#         both hosts share the state file $TMP/state.json
#
# The MTU goes down and up while a TCP connection runs from c1 to c2: h1
# (where the command runs) changes c1's interface at once, h2 through its
# agent; the connection lives on. Without the agent, h2 follows at `vxnet
# sync`. --add-subnet: c1 and c2 get a route to the new subnet and a
# container attached in it on h2 reaches c1 across the hosts, and the new
# gateway answers. The MTU rail: a network MTU over this host's underlay
# MTU - 50 is refused on h1; h2, whose underlay is made smaller, warns at
# sync and up and clamps its container to what it carries.
# Usage: test_network_update.sh [tc|xdp]   (decap mode, default tc)
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/topo.sh"
MODE=${1:-tc}
T="net-update-$MODE"
A2=
cleanup() {
	[ -n "$A2" ] && kill -KILL "$A2" 2>/dev/null
	wait 2>/dev/null
	topo_cleanup
}
trap cleanup EXIT
logged() { grep -Eq -- "$1" "$TMP/agent2.log"; }
agent2_start() {
	"$VXNET" --state "$STATE" --pin-dir "$PIN2" -n "$H2" agent >>"$TMP/agent2.log" 2>&1 & A2=$!
	wait_for 10 logged '^synced at revision' || fail "$T: agent on h2 did not sync: $(tails 3 "$TMP/agent2.log")"
}
agent2_stop() { kill -TERM "$A2" && wait "$A2"; A2=; }
# mtu_of NS [DEV]: the MTU of DEV (eth0) in NS
mtu_of() { ip -n "$1" -j link show "${2:-eth0}" | jq '.[0].mtu'; }
mtu_is() { [ "$(mtu_of "$1")" = "$2" ] || { echo "MTU of eth0 in $1 is $(mtu_of "$1"), not $2" >&2; return 1; }; }
# net_mtu HOSTFN: the MTU the networks map holds for VNI 4096
net_mtu() { "$1" map dump networks -j | jq '.[] | select(.key.vni == 4096) | .value.mtu'; }
# route_via NS CIDR GW: NS routes CIDR via GW on eth0
route_via() { ip -n "$1" route show "$2" | grep -q "via $3 dev eth0" || { echo "$1: no route $2 via $3: $(ip -n "$1" route | tr '\n' '|')" >&2; return 1; }; }

topo_build "$([ "$MODE" = xdp ] && echo wire)" || { fail "$T: build topology"; exit 1; }
topo_hosts "$MODE" && vxs network create blue --subnet 10.1.0.0/24 >/dev/null &&
	vx1 attach "$C1" blue --ip 10.1.0.2 >/dev/null && vx2 attach "$C2" blue --ip 10.1.0.3 >/dev/null &&
	vx1 sync >/dev/null || { fail "$T: vxnet up and attach"; exit 1; }
agent2_start
check "$T: c1 reaches c2" in_ns "$C1" ping -c 2 -i 0.2 -W 2 10.1.0.3
check "$T: c1 starts at the default MTU 1450" mtu_is "$C1" 1450

# ---- MTU down and up under a TCP connection, h2 through its agent ----
in_ns "$C2" iperf3 -s -1 -D -B 10.1.0.3 --logfile "$TMP/iperf-s.log"
sleep 0.5
in_ns "$C1" timeout 40 iperf3 -c 10.1.0.3 -t 8 -i 1 -J >"$TMP/iperf.json" 2>&1 &
client=$!
sleep 2
if vx1 network update blue --mtu 1300 >"$TMP/upd" 2>&1; then ok "$T: network update blue --mtu 1300 on h1 while TCP flows"
else fail "$T: network update --mtu 1300: $(tr '\n' '|' <"$TMP/upd")"; fi
check "$T: ... it says what it changed in c1" grep -q "^sync: endpoint .*: eth0 in /run/netns/$C1: MTU 1450 -> 1300$" "$TMP/upd"
check "$T: ... c1's eth0 is 1300 as the command returns" mtu_is "$C1" 1300
check "$T: ... h1's networks map says 1300" test "$(net_mtu vx1)" = 1300
if wait_for 10 mtu_is "$C2" 1300; then ok "$T: ... c2's eth0 on h2 is 1300 through the agent, no sync"
else fail "$T: c2's MTU through the agent: $(waited) $(tails 3 "$TMP/agent2.log")"; fi
check "$T: ... h2's networks map says 1300" test "$(net_mtu vx2)" = 1300
check "$T: ... the agent logged the network's change" logged '^revision [0-9]+: network blue put:'
check "$T: ... and what it changed in c2" logged "^agent: endpoint .*: eth0 in /run/netns/$C2: MTU 1450 -> 1300$"
c1_veth=$(jq -r --arg ns "/run/netns/$C1" '.endpoints[] | select(.netns == $ns) | .host_ifname' "$STATE")
check "$T: ... host side of c1's veth ($c1_veth) stays 65535" test "$(ip -n "$H1" -j link show "$c1_veth" | jq '.[0].mtu')" = 65535
sleep 2
check "$T: network update blue --mtu 1450 (up again) while TCP flows" vx1 network update blue --mtu 1450
check "$T: ... c1's eth0 is 1450" mtu_is "$C1" 1450
if wait_for 10 mtu_is "$C2" 1450; then ok "$T: ... c2's eth0 is 1450 through the agent"
else fail "$T: c2's MTU back up: $(waited)"; fi
if wait $client; then
	# the seconds after the first change: none empty, the connection carried on
	lowest=$(jq '[.intervals[2:][].sum.bytes] | min' "$TMP/iperf.json")
	total=$(jq '.end.sum_received.bytes' "$TMP/iperf.json")
	if [ "${lowest:-0}" -gt 100000 ] && [ "${total:-0}" -gt 10000000 ]; then
		ok "$T: the TCP connection lived through both changes (worst second after them $lowest bytes, $((total / 1000000)) MB)"
	else
		fail "$T: TCP across the MTU changes: worst second $lowest bytes, total $total: $(jq -c '[.intervals[].sum.bytes]' "$TMP/iperf.json")"
	fi
else
	fail "$T: iperf3 across the MTU changes failed: $(jq -r '.error // empty' "$TMP/iperf.json" 2>/dev/null)"
fi
check "$T: a 1400-byte DF ping fits the MTU again" in_ns "$C1" ping -c 2 -i 0.2 -s 1400 -M do -W 2 10.1.0.3

# ---- without the agent: h2 follows at vxnet sync ----
agent2_stop
check "$T: network update blue --mtu 1400 (h2's agent stopped)" vx1 network update blue --mtu 1400
check "$T: ... c1 is 1400 at once" mtu_is "$C1" 1400
check "$T: ... c2 is still 1450 before h2 syncs" mtu_is "$C2" 1450
out=$(vx2 sync 2>&1)
if grep -q "^sync: endpoint .*: eth0 in /run/netns/$C2: MTU 1450 -> 1400$" <<<"$out" && grep -q "^synced: " <<<"$out"; then
	ok "$T: vxnet sync on h2 says it set c2's MTU: $(tr '\n' '|' <<<"$out")"
else fail "$T: vxnet sync on h2: $(tr '\n' '|' <<<"$out")"; fi
check "$T: ... c2 is 1400 after the sync" mtu_is "$C2" 1400
out=$(vx2 sync 2>&1)
[ "$out" = "synced: 0 added, 0 changed, 0 removed" ] && ok "$T: a second sync on h2 changes nothing, says nothing more" ||
	fail "$T: second sync on h2: $(tr '\n' '|' <<<"$out")"
tcp_transfer "$T: TCP c1 -> c2 at MTU 1400" "$C2" 10.1.0.3 "$C1"

# ---- --add-subnet: routes, gateway, a container in the new subnet ----
check_not "$T: c1 has no route to 10.5.0.0/24 yet" route_via "$C1" 10.5.0.0/24 10.1.0.1
check "$T: network update blue --add-subnet 10.5.0.0/24" vx1 network update blue --add-subnet 10.5.0.0/24
check "$T: ... c1 routes 10.5.0.0/24 via its gateway at once" route_via "$C1" 10.5.0.0/24 10.1.0.1
check "$T: ... c2 has no route before h2 syncs" bash -c "! ip -n '$C2' route show 10.5.0.0/24 | grep -q via"
out=$(vx2 sync 2>&1)
grep -q "^sync: endpoint .*: eth0 in /run/netns/$C2: 1 route added$" <<<"$out" &&
	ok "$T: vxnet sync on h2 says it added c2's route" || fail "$T: vxnet sync on h2: $(tr '\n' '|' <<<"$out")"
check "$T: ... c2 routes 10.5.0.0/24 via its gateway" route_via "$C2" 10.5.0.0/24 10.1.0.1
check "$T: ... h1's subnets map holds 10.5.0.0/24" map_has "$PIN1" subnets ".prefixlen == 56 and .vni == 4096 and .addr.octets == $(octets 10.5.0.0)"
check "$T: ... h1's endpoints map holds the gateway 10.5.0.1" map_has_ip "$PIN1" 10.5.0.1
check "$T: attach c3 on h2 with an address in the new subnet" vx2 attach "$C3" blue --ip 10.5.0.7
check "$T: sync h1 (c3's record)" vx1 sync
check "$T: c3 (new subnet, h2) reaches c1 (old subnet, h1)" in_ns "$C3" ping -c 3 -i 0.2 -W 2 10.1.0.2
check "$T: c1 reaches c3 across hosts" in_ns "$C1" ping -c 3 -i 0.2 -W 2 10.5.0.7
check "$T: c2 reaches c3 on h2 (routed between subnets)" in_ns "$C2" ping -c 2 -i 0.2 -W 2 10.5.0.7
check "$T: the new gateway 10.5.0.1 answers c3" in_ns "$C3" ping -c 2 -i 0.2 -W 2 10.5.0.1
tcp_transfer "$T: TCP c3 -> c1 across subnets and hosts" "$C1" 10.1.0.2 "$C3"
# through the agent: another subnet reaches c2 without a sync
agent2_start
check "$T: network update blue --add-subnet 10.6.0.0/24 --gateway 10.6.0.254" \
	vx1 network update blue --add-subnet 10.6.0.0/24 --gateway 10.6.0.254
if wait_for 10 route_via "$C2" 10.6.0.0/24 10.1.0.1; then ok "$T: ... c2 routes 10.6.0.0/24 through the agent"
else fail "$T: c2's route through the agent: $(waited)"; fi
check "$T: ... c3 (10.5.0.0/24) routes 10.6.0.0/24 via its own gateway" route_via "$C3" 10.6.0.0/24 10.5.0.1
if wait_for 10 map_has_ip "$PIN2" 10.6.0.254; then ok "$T: ... h2's map has the gateway 10.6.0.254"
else fail "$T: h2's map lacks gateway 10.6.0.254: $(waited)"; fi
agent2_stop

# ---- the MTU rail ----
cp "$STATE" "$TMP/before"
expect_err "$T: update --mtu over h1's underlay: refused, naming both numbers" \
	"^vxnet: network blue: --mtu 1460 is more than this host's underlay carries \(eth0 MTU 1500 - 50 = 1450\)$" \
	vx1 network update blue --mtu 1460
expect_err "$T: create --mtu 9000 on h1: refused" \
	"^vxnet: network jumbo: --mtu 9000 is more than this host's underlay carries \(eth0 MTU 1500 - 50 = 1450\)$" \
	vx1 network create jumbo --subnet 10.8.0.0/24 --mtu 9000
expect_err "$T: create with the MTU option 9000 on h1: refused, naming the option" \
	"^vxnet: network jumbo: --opt com.docker.network.driver.mtu=9000 is more than this host's underlay carries \(eth0 MTU 1500 - 50 = 1450\)$" \
	vx1 network create jumbo --subnet 10.8.0.0/24 -o com.docker.network.driver.mtu=9000
check "$T: ... the state file is unchanged" cmp -s "$STATE" "$TMP/before"
# h2's underlay shrinks to 1400: blue's 1400 fits h1 (1450) but not h2 (1350)
ip -n "$H2" link set eth0 mtu 1400 && ip -n "$R" link set r2 mtu 1400
out=$(vx2 sync 2>&1); rc=$?
if [ $rc = 0 ] && grep -q "^vxnet: warning: sync: network blue: MTU 1400 is more than this host's underlay carries (eth0 MTU 1400 - 50 = 1350); its endpoints on this host get 1350" <<<"$out"; then
	ok "$T: sync on h2 (underlay 1400) warns about blue's MTU 1400, naming both numbers"
else
	fail "$T: sync on h2 with a smaller underlay: exit $rc: $(tr '\n' '|' <<<"$out")"
fi
check "$T: ... c2 is clamped to 1350" mtu_is "$C2" 1350
check "$T: ... h2's networks map says 1350" test "$(net_mtu vx2)" = 1350
check "$T: ... c3 too" mtu_is "$C3" 1350
check "$T: ... c1 on h1 keeps 1400" mtu_is "$C1" 1400
mkns "$C4" || fail "$T: namespace c4"
out=$(vx2 attach "$C4" blue --ip 10.1.0.44 2>&1)
if grep -q "^vxnet: warning: sync: network blue: MTU 1400 is more than this host's underlay carries (eth0 MTU 1400 - 50 = 1350)" <<<"$out" &&
   mtu_is "$C4" 1350; then ok "$T: attach c4 on h2: the warning, and c4 gets 1350"
else fail "$T: attach c4 on h2: $(tr '\n' '|' <<<"$out") mtu $(mtu_of "$C4")"; fi
out=$(vx2 up --node h2 --dev eth0 --decap "$MODE" 2>&1)
if grep -q "^vxnet: warning: sync: network blue: MTU 1400 is more than this host's underlay carries (eth0 MTU 1400 - 50 = 1350)" <<<"$out"; then
	ok "$T: vxnet up on h2 warns too"
else
	fail "$T: vxnet up on h2: $(tr '\n' '|' <<<"$out")"
fi
tcp_transfer "$T: TCP c1 (1400) -> c2 (clamped 1350): nothing blackholed" "$C2" 10.1.0.3 "$C1"
tcp_transfer "$T: TCP c2 (clamped 1350) -> c1 (1400)" "$C1" 10.1.0.2 "$C2"
expect_err "$T: update --mtu 1400 on h2 itself: refused there" \
	"^vxnet: network blue: --mtu 1400 is more than this host's underlay carries \(eth0 MTU 1400 - 50 = 1350\)$" \
	vx2 network update blue --mtu 1400
finish
