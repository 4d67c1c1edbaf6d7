#!/bin/bash
# Path MTU across the tunnel. Containers get MTU = underlay MTU - 50; a
# container whose MTU was raised by hand still works: oversized packets with
# DF get an ICMP "fragmentation needed" (mtu 1450) built in BPF, so the
# sender's PMTU discovery works; oversized packets without DF are dropped and
# counted. Topology: topo.sh (two hosts, c1 on h1, c2 on h2).
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/topo.sh"
MODE=${1:-tc}
T="pmtu-$MODE"
trap topo_cleanup EXIT
topo_build "$([ "$MODE" = xdp ] && echo wire)" || { fail "$T: build topology"; exit 1; }
topo_vxnet "$MODE" || { fail "$T: vxnet up and attach"; exit 1; }

mtu=$(ip -n "$C1" -j link show eth0 | jq '.[0].mtu')
if [ "$mtu" = 1450 ]; then ok "$T: container MTU is underlay 1500 - 50"; else fail "$T: container MTU $mtu"; fi
check "$T: 1422-byte ping with DF fits (1450 on the wire)" in_ns "$C1" ping -c 1 -W 2 -M do -s 1422 10.1.0.3

# The MTU raised by hand on both containers, as a misconfigured user would.
ip -n "$C1" link set eth0 mtu 1500 && ip -n "$C2" link set eth0 mtu 1500

before=$(counter vx1 too-big)
check_not "$T: 1472-byte ping without DF does not cross" in_ns "$C1" ping -c 2 -i 0.2 -W 1 -M dont -s 1472 10.1.0.3
after=$(counter vx1 too-big)
if is_count "$before" "$after" && [ "$after" -ge $((before + 2)) ]; then ok "$T: oversized non-DF packets counted as too-big ($before -> $after)"; else fail "$T: too-big $before -> $after"; fi

in_ns "$C1" ip route flush cache
icmp0=$(counter vx1 icmp-frag-needed)
in_ns "$C1" ping -c 2 -i 0.3 -W 1 -M do -s 1472 10.1.0.3 >"$TMP/ping" 2>&1
if grep -Eq 'Frag needed and DF set \(mtu = 1450\)|mtu ?= ?1450' "$TMP/ping"; then
	ok "$T: ping -M do -s 1472 learns mtu 1450 from vxnet's ICMP"
else
	fail "$T: ping -M do -s 1472 said: $(tr '\n' ' ' <"$TMP/ping")"
fi
if in_ns "$C1" ip route get 10.1.0.3 | grep -q 'mtu 1450'; then ok "$T: c1 caches path MTU 1450 to c2"; else fail "$T: route cache: $(in_ns "$C1" ip route get 10.1.0.3 | tr '\n' ' ')"; fi
if [ "$(counter vx1 icmp-frag-needed)" -gt "$icmp0" ]; then ok "$T: icmp-frag-needed counted"; else fail "$T: icmp-frag-needed did not move"; fi

# TCP with MSS 1460 on both ends: PMTU discovery through vxnet's ICMP.
in_ns "$C1" ip route flush cache
in_ns "$C2" ip route flush cache
fn0=$(counter vx1 frag-needed)
in_ns "$C2" iperf3 -s -1 -D -B 10.1.0.3 --logfile "$TMP/iperf-s.log"; sleep 0.5
if in_ns "$C1" timeout 20 iperf3 -c 10.1.0.3 -t 2 -J >"$TMP/ip.json" && [ "$(jq '.end.sum_received.bytes' "$TMP/ip.json")" -gt 10000000 ] &&
   [ "$(counter vx1 frag-needed)" -gt "$fn0" ]; then
	ok "$T: TCP at container MTU 1500 completes ($(( $(jq '.end.sum_received.bytes' "$TMP/ip.json") / 1000000 )) MB, frag-needed $fn0 -> $(counter vx1 frag-needed))"
else
	fail "$T: TCP at container MTU 1500: $(jq -r '.error // empty' "$TMP/ip.json" 2>/dev/null)"
fi
finish
