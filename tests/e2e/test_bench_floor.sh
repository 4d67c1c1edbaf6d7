#!/bin/bash
# The bench's tc-floor path (bench/topo.sh floor_build, bench/tc_floor.bpf.c),
# the least a TC VXLAN overlay does on the bench's underlay, against which
# issue 16 measures what vxnet's own programs cost, is a real overlay: the
# kernel verifies and attaches its programs, c1 reaches c2 through them
# alone, and what crosses the router is VXLAN between the hosts' underlay
# addresses (UDP 4789, VNI 4096) carrying c1's own frame.
#
#   c1 10.1.0.2 -- c1 h1 eth0 198.18.1.2 -- r -- 198.18.2.2 eth0 h2 c2 -- c2 10.1.0.3
#                  floor_encap  floor_decap           tcpdump on r2
source "$(dirname "$0")/../lib.sh"
source "$TOP/bench/topo.sh"
T=bench-floor
trap 'paths_cleanup; rm -rf "$TMP"' EXIT
check "$T: build the path (compile, load, attach)" path_build tc-floor || exit 1
H1=$(ns tc-floor h1) H2=$(ns tc-floor h2) R=$(ns tc-floor r) C1=$(ns tc-floor c1)

for h in h1 h2; do
	for p in floor_encap floor_decap; do
		check "$T: $h's $p loaded (verified by the kernel)" bpftool prog show pinned "/sys/fs/bpf/$(ns tc-floor $h)/$p"
	done
done
filter_on() { ip netns exec "$1" tc filter show dev "$2" ingress | grep -q "$3"; }
check "$T: floor_encap on h1's c1 ingress" filter_on "$H1" c1 floor_encap
check "$T: floor_decap on h2's eth0 ingress" filter_on "$H2" eth0 floor_decap

ip netns exec "$R" tcpdump -nn -e -i r2 -c 3 -w "$TMP/floor.pcap" 'src host 198.18.1.2 and udp dst port 4789' \
	>/dev/null 2>"$TMP/tcpdump.err" &
TD=$!
wait_for 10 grep -q 'listening on' "$TMP/tcpdump.err" || fail "$T: tcpdump on r2 did not start: $(tails 2 "$TMP/tcpdump.err")"
check "$T: c1 pings c2, 3 of 3" ip netns exec "$C1" ping -c 3 -i 0.2 -W 2 10.1.0.3
wait_for 5 exited "$TD"
stop_pid 1 "$TD"
# -T vxlan: the outer frame on one line, the inner one on the next
n=$(tcpdump -nn -e -T vxlan -r "$TMP/floor.pcap" 2>/dev/null | paste -d' ' - - |
	grep -c '198.18.1.2.49152 > 198.18.2.2.4789: VXLAN, flags \[I\] (0x08), vni 4096.*02:42:0a:01:00:02 > 02:42:0a:01:00:03.* 10.1.0.2 > 10.1.0.3: ICMP echo request')
if [ "$n" = 3 ]; then ok "$T: on the router, 3 VXLAN frames h1 -> h2, VNI 4096, c1's echo requests inside"
else fail "$T: on the router, $n of 3 VXLAN frames as expected: $(tcpdump -nn -e -T vxlan -r "$TMP/floor.pcap" 2>&1 | head -4 | tr '\n' '|')"; fi

ip netns exec "$H1" tc filter del dev c1 ingress
check_not "$T: without floor_encap, c1 does not reach c2" ip netns exec "$C1" ping -c 2 -i 0.2 -W 1 10.1.0.3
finish
