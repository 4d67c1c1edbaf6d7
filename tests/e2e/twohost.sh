#!/bin/bash
# End-to-end: containers on two hosts talk over vxnet, in one decap mode.
# Usage: twohost.sh xdp|tc [wire]   (topology: see topo.sh)
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/topo.sh"
MODE=$1 WIRE=${2:-}
T="$MODE${WIRE:+-$WIRE}"
trap topo_cleanup EXIT

topo_build "$WIRE" || { fail "$T: build topology"; exit 1; }
topo_vxnet "$MODE" || { fail "$T: vxnet up and attach: $(cat "$TMP/out" 2>/dev/null)"; exit 1; }

check "$T: ping across hosts c1 -> c2" in_ns "$C1" ping -c 3 -i 0.2 -W 2 10.1.0.3
check "$T: ping across hosts c2 -> c1" in_ns "$C2" ping -c 3 -i 0.2 -W 2 10.1.0.2
check "$T: ping on one host c1 -> c3" in_ns "$C1" ping -c 3 -i 0.2 -W 2 10.1.0.4
check "$T: 1400-byte ping across hosts (MTU 1450)" in_ns "$C1" ping -c 2 -s 1400 -M do -W 2 10.1.0.3

# The gateway answers ping (in BPF, from_container), as Docker's bridge does:
# replies from the gateway's address, every one counted, none through encap.
echo0=$(counter vx1 gateway-echo) echo2=$(counter vx2 gateway-echo) enc0=$(counter vx1 encap)
in_ns "$C1" ping -c 3 -i 0.2 -W 2 10.1.0.1 >"$TMP/gwping" 2>&1
in_ns "$C2" ping -c 2 -i 0.2 -W 2 -s 1400 10.1.0.1 >>"$TMP/gwping" 2>&1
echo1=$(counter vx1 gateway-echo) echo3=$(counter vx2 gateway-echo) enc1=$(counter vx1 encap)
if [ "$(grep -c 'bytes from 10.1.0.1: icmp_seq=' "$TMP/gwping")" = 5 ] && ! grep -q DUP "$TMP/gwping" &&
   [ "$((echo1 - echo0))" = 3 ] && [ "$((echo3 - echo2))" = 2 ] && [ "$enc1" = "$enc0" ]; then
	ok "$T: gateway 10.1.0.1 answers ping on both hosts (gateway-echo +3 on h1, +2 on h2, no encap)"
else
	fail "$T: gateway ping: $(grep -c 'bytes from' "$TMP/gwping") replies, gateway-echo h1 $echo0 -> $echo1, h2 $echo2 -> $echo3, encap $enc0 -> $enc1: $(tail -2 "$TMP/gwping" | tr '\n' '|')"
fi

# ARP was answered by vxnet: the neighbour entry holds the peer's MAC.
mac=$(in_ns "$C1" ip neigh show 10.1.0.3 | awk '{for (i = 1; i < NF; i++) if ($i == "lladdr") print $(i + 1)}')
if [ "$mac" = 02:42:0a:01:00:03 ]; then ok "$T: ARP answered with the endpoint's MAC"; else fail "$T: c1 neighbour 10.1.0.3 is '$mac'"; fi

# The wire carries VXLAN with the network's VNI.
in_ns "$R" timeout 5 tcpdump -c 2 -nn -i r2 -l udp port 4789 >"$TMP/cap" 2>/dev/null &
cap=$!
sleep 1
in_ns "$C1" ping -c 3 -i 0.2 -W 2 10.1.0.3 >/dev/null
wait $cap
if grep -q 'VXLAN, flags \[I\] (0x08), vni 4096' "$TMP/cap" && grep -q '10.1.0.2 > 10.1.0.3: ICMP echo request' "$TMP/cap"; then
	ok "$T: underlay carries VXLAN vni 4096 with the inner ICMP"
else
	fail "$T: capture on the router: $(head -3 "$TMP/cap" | tr '\n' '|')"
fi

tcp_transfer "$T: TCP transfer across hosts c1 -> c2" "$C2" 10.1.0.3 "$C1"
tcp_transfer "$T: TCP transfer across hosts c2 -> c1" "$C1" 10.1.0.2 "$C2"
tcp_transfer "$T: TCP transfer on one host c1 -> c3" "$C3" 10.1.0.4 "$C1"

enc=$(counter vx1 encap) dec=$(counter vx2 decap) loc=$(counter vx1 local-delivery) arp=$(counter vx1 arp-reply)
if [ "${enc:-0}" -gt 1000 ] && [ "${dec:-0}" -gt 1000 ] && [ "${loc:-0}" -gt 1000 ] && [ "${arp:-0}" -ge 1 ]; then
	ok "$T: counters moved (encap $enc, decap $dec, local $loc, arp $arp)"
else
	fail "$T: counters encap=$enc decap=$dec local=$loc arp=$arp"
fi

# tc decap behind a receiver with GRO (wire mode): the GRO device lets the
# underlay aggregate VXLAN, and decap takes whole aggregates.
if [ "$MODE" = tc ] && [ "$WIRE" = wire ]; then
	gro=$(counter vx2 decap-gro)
	if vx2 status | grep -q 'GRO through vxnet-gro' && [ "${gro:-0}" -gt 100 ]; then
		ok "$T: decap took $gro GRO aggregates through vxnet-gro"
	else
		fail "$T: decap-gro $gro, status: $(vx2 status | grep decap)"
	fi
fi

# A second `vxnet up` replaces the programs under a running TCP transfer.
in_ns "$C2" iperf3 -s -1 -D -B 10.1.0.3 --logfile "$TMP/iperf-s2.log"
sleep 0.5
in_ns "$C1" timeout 30 iperf3 -c 10.1.0.3 -t 5 -i 1 -J >"$TMP/iperf-up.json" 2>&1 &
client=$!
sleep 2
id_before=$(bpftool prog show pinned "$PIN1/prog_from_container" | awk -F: 'NR==1{print $1}')
check "$T: second vxnet up while TCP flows" vx1 up --node h1 --dev eth0 --decap "$MODE"
id_after=$(bpftool prog show pinned "$PIN1/prog_from_container" | awk -F: 'NR==1{print $1}')
if wait $client; then
	lowest=$(jq '[.intervals[].sum.bytes] | min' "$TMP/iperf-up.json")
	if [ "$id_before" != "$id_after" ] && [ "${lowest:-0}" -gt 1000000 ]; then
		ok "$T: TCP transfer survived the program swap (prog $id_before -> $id_after, worst second $lowest bytes)"
	else
		fail "$T: after re-up: prog $id_before -> $id_after, worst second ${lowest} bytes"
	fi
else
	fail "$T: iperf3 across the re-up failed: $(jq -r '.error // empty' "$TMP/iperf-up.json" 2>/dev/null)"
fi

# detach cuts c3 off, removes its veth, its record and its map entries.
host_if=$(jq -r '.endpoints[] | select(.netns | endswith("c3")) | .host_ifname' "$STATE")
check "$T: detach c3" vx1 detach "$C3" blue
check_not "$T: c1 no longer reaches c3" in_ns "$C1" ping -c 1 -W 1 10.1.0.4
if [ -n "$host_if" ] && [ "$host_if" != null ]; then check "$T: c3's host veth is gone" link_gone "$H1" "$host_if"
else fail "$T: no host_ifname for c3 in the state before the detach"; fi
check "$T: c3's eth0 is gone" link_gone "$C3" eth0
: >"$TMP/err"
if jq -e 'any(.endpoints[]; .ip == "10.1.0.4") | not' "$STATE" >/dev/null && map_lacks_ip "$PIN1" 10.1.0.4 2>"$TMP/err"; then
	ok "$T: c3's record and map entry are gone"
else
	fail "$T: c3 still in state or endpoints map: $(cat "$TMP/err")"
fi
check "$T: c1 still reaches c2 after the detach" in_ns "$C1" ping -c 2 -i 0.2 -W 2 10.1.0.3

check "$T: vxnet down on h1" vx1 down
: >"$TMP/err"
if link=$(ip -n "$H1" link show eth0) && filters=$(in_ns "$H1" tc filter show dev eth0 ingress) &&
   [ ! -e "$PIN1" ] && ! grep -q xdp <<<"$link" && [ -z "$filters" ] && link_gone "$H1" vxnet-gro 2>"$TMP/err"; then
	ok "$T: down removed pins and hooks"
else
	fail "$T: down left pins or hooks behind: pins $(ls "$PIN1" 2>&1 | head -2 | tr '\n' ' ')| eth0: ${link:-?} | tc: ${filters:-?} | $(cat "$TMP/err" 2>/dev/null)"
fi
finish
