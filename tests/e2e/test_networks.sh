#!/bin/bash
# Docker's overlay semantics across two hosts: several networks isolated from
# each other, a container on two networks, several subnets in one network
# routed in BPF, membership changes. Topology: topo.sh (topo_networks).
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/topo.sh"
MODE=${1:-tc}
T="networks-$MODE"
trap topo_cleanup EXIT
topo_build "$([ "$MODE" = xdp ] && echo wire)" || { fail "$T: build topology"; exit 1; }
topo_networks "$MODE" || { fail "$T: networks and attaches"; exit 1; }

pingok() { in_ns "$1" ping -c 2 -i 0.2 -W 2 "$2"; }

# A container on two networks (docker network connect): one interface each.
check "$T: c5 has eth0 on blue and eth1 on red" sh -c "ip -n $C5 -o addr show eth0 | grep -q 10.1.0.5/24 && ip -n $C5 -o addr show eth1 | grep -q 10.9.0.5/24"
check "$T: c5 reaches c1 on blue (same host)" pingok "$C5" 10.1.0.2
check "$T: c5 reaches c4 on red (other host)" pingok "$C5" 10.9.0.4
check "$T: c4 reaches c5 on red" pingok "$C4" 10.9.0.5

# Several subnets in one network, routed through the gateways.
check "$T: c1 10.1.0.2 reaches c2 10.2.0.3 (other subnet, other host)" pingok "$C1" 10.2.0.3
check "$T: c1 reaches c3 10.2.0.4 (other subnet, same host)" pingok "$C1" 10.2.0.4
check "$T: c2 reaches c1 (routed back)" pingok "$C2" 10.1.0.2
ttl=$(in_ns "$C1" ping -c 1 -W 2 10.2.0.3 | sed -n 's/.*ttl=\([0-9]*\).*/\1/p')
if [ "$ttl" = 63 ]; then ok "$T: routed reply has TTL 63 (decremented once)"; else fail "$T: routed reply TTL '$ttl', expected 63"; fi
ttl=$(in_ns "$C1" ping -c 1 -W 2 10.1.0.5 | sed -n 's/.*ttl=\([0-9]*\).*/\1/p')
if [ "$ttl" = 64 ]; then ok "$T: same-subnet reply keeps TTL 64"; else fail "$T: same-subnet TTL '$ttl'"; fi
in_ns "$C2" iperf3 -s -1 -D -B 10.2.0.3 --logfile "$TMP/iperf-s.log"; sleep 0.5
if in_ns "$C1" timeout 20 iperf3 -c 10.2.0.3 -t 2 -J >"$TMP/ip.json" && [ "$(jq '.end.sum_received.bytes' "$TMP/ip.json")" -gt 10000000 ]; then
	ok "$T: routed TCP transfer across hosts ($(( $(jq '.end.sum_received.bytes' "$TMP/ip.json") / 1000000 )) MB)"
else
	fail "$T: routed TCP transfer: $(jq -r '.error // empty' "$TMP/ip.json" 2>/dev/null)"
fi

# Isolation: blue cannot reach red, on either host. Red's addresses lie
# outside blue's subnets: blue's packets to them are egress, translated to
# h1's address and handed to h1's routing, which has no way into red (no
# host route leads into a network).
before=$(counter vx1 egress)
check_not "$T: c1 (blue) cannot reach c4 (red, other host)" in_ns "$C1" ping -c 2 -i 0.2 -W 1 10.9.0.4
check_not "$T: c1 (blue) cannot reach c5's red address (same host)" in_ns "$C1" ping -c 2 -i 0.2 -W 1 10.9.0.5
after=$(counter vx1 egress)
if is_count "$before" "$after" && [ "$after" -ge $((before + 4)) ]; then ok "$T: cross-network packets left as egress, not into red ($before -> $after)"; else fail "$T: egress $before -> $after"; fi
check_not "$T: c6 (green) cannot reach c1 (blue)" in_ns "$C6" ping -c 1 -W 1 10.1.0.2

# Membership: network rm refuses while endpoints are attached.
expect_err "$T: network rm with endpoints is refused" "network red has 2 endpoints" vxs network rm red
check "$T: red is still there" sh -c "'$VXNET' --state '$STATE' network ls | grep -q '^red '"

# detach on one host does not disturb other endpoints' established connections.
in_ns "$C2" iperf3 -s -1 -D -B 10.2.0.3 --logfile "$TMP/iperf-s2.log"; sleep 0.5
in_ns "$C1" timeout 30 iperf3 -c 10.2.0.3 -t 4 -i 1 -J >"$TMP/ip2.json" 2>&1 &
client=$!
sleep 1.5
check "$T: detach c3 while c1 -> c2 runs" vx1 detach "$C3" blue
if wait $client && [ "$(jq '[.intervals[].sum.bytes] | min' "$TMP/ip2.json")" -gt 1000000 ]; then
	ok "$T: c1 -> c2 transfer kept flowing across the detach"
else
	fail "$T: transfer across the detach: $(jq -c '[.intervals[].sum.bytes]' "$TMP/ip2.json" 2>/dev/null)"
fi

# node rm: h2's endpoints are gone from the state and unreachable at once,
# the drops counted; VXLAN from h2 is refused as from an unknown host.
check "$T: node rm h2" vxs node rm h2
check "$T: sync h1 after node rm" vx1 sync
before=$(counter vx1 no-endpoint)
check_not "$T: c1 no longer reaches c2 (on the removed node)" in_ns "$C1" ping -c 2 -i 0.2 -W 1 10.2.0.3
after=$(counter vx1 no-endpoint)
if is_count "$before" "$after" && [ "$after" -ge $((before + 2)) ]; then ok "$T: packets to the removed node's endpoints counted ($before -> $after)"; else fail "$T: no-endpoint $before -> $after after node rm"; fi
before=$(counter vx1 unknown-host)
in_ns "$C2" ping -c 2 -i 0.2 -W 1 10.1.0.2 >/dev/null # h2 still has its old maps
if is_count "$before" && wait_for 3 counter_reaches vx1 unknown-host $((before + 2)); then ok "$T: VXLAN from the removed node counted as unknown-host"
else fail "$T: unknown-host $before -> $(counter vx1 unknown-host)"; fi
check "$T: network rm red after its endpoints left" sh -c "'$VXNET' --state '$STATE' --pin-dir '$PIN1' -n '$H1' detach '$C5' red >/dev/null && '$VXNET' --state '$STATE' network rm red"
if jq -e 'any(.networks[]; .name == "red") | not' "$STATE" >/dev/null && vx1 sync >/dev/null &&
   map_lacks "$PIN1" networks '. == 4097' 2>"$TMP/err"; then
	ok "$T: network rm removed every trace of red (state, maps)"
else
	fail "$T: red still in state or networks map: $(cat "$TMP/err" 2>/dev/null)"
fi
finish
