#!/bin/bash
# GSO across hosts: a container's GSO sends keep their segment size through
# the tunnel. UDP with UDP_SEGMENT (as QUIC stacks send) arrives datagram
# by datagram; TCP goes on the wire in full-size segments (MSS of the 1450
# container MTU), not 50 bytes short.
#
#   c1 10.1.0.2 (h1)  --- h1 eth0 --- r1  r  r2 --- h2 eth0 ---  c2 10.1.0.3 (h2)
#   sender: python UDP_SEGMENT,        tcpdump on r2      receiver: python,
#   iperf3 -c                                             iperf3 -s
#
# Topology: topo.sh in wire mode (h1's eth0 without offloads: the kernel cuts
# each encapsulated GSO packet at its gso_size before the wire, as a NIC
# would). Usage: test_gso.sh [tc|xdp]   (decap mode on h2)
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/topo.sh"
MODE=${1:-tc}
T="gso-$MODE"
trap topo_cleanup EXIT
topo_build wire || { fail "$T: build topology"; exit 1; }
topo_vxnet "$MODE" || { fail "$T: vxnet up and attach"; exit 1; }
in_ns "$C1" ping -c 1 -W 2 10.1.0.3 >/dev/null # neighbours

# udp_rx ADDR PORT OUT: counts datagrams until 2 s pass without one; writes
# "COUNT SIZExN ..." to OUT (and OUT.ready once bound).
cat >"$TMP/udp_rx.py" <<'EOF'
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, 33, 8 << 20)  # SO_RCVBUFFORCE
s.bind((sys.argv[1], int(sys.argv[2])))
open(sys.argv[3] + ".ready", "w").close()
n, sizes = 0, {}
s.settimeout(5)
try:
    while True:
        d = s.recv(65535)
        n += 1
        sizes[len(d)] = sizes.get(len(d), 0) + 1
        s.settimeout(2)
except socket.timeout:
    pass
with open(sys.argv[3], "w") as f:
    f.write("%d %s\n" % (n, " ".join("%dx%d" % kv for kv in sorted(sizes.items()))))
EOF
# udp_gso_tx ADDR PORT SIZE SEGS BURSTS: BURSTS sends of SEGS datagrams of
# SIZE bytes each, one send() per burst with UDP_SEGMENT SIZE.
cat >"$TMP/udp_gso_tx.py" <<'EOF'
import socket, sys, time
addr, port, size, segs, bursts = sys.argv[1], int(sys.argv[2]), *map(int, sys.argv[3:6])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_UDP, 103, size)  # UDP_SEGMENT
s.connect((addr, port))
for i in range(bursts):
    s.send(bytes([i % 256]) * (size * segs))
    time.sleep(0.003)
EOF

# udp_gso NAME SIZE SEGS BURSTS: every datagram of every burst arrives, with
# its size; the bursts reached encap whole (GSO packets, not datagrams), and
# nothing was dropped as encap-failed.
udp_gso() {
	local name=$1 size=$2 segs=$3 bursts=$4 enc0 fail0 enc1 fail1 got want
	rm -f "$TMP/udp_rx.out" "$TMP/udp_rx.out.ready"
	in_ns "$C2" python3 "$TMP/udp_rx.py" 10.1.0.3 5001 "$TMP/udp_rx.out" &
	local rx=$!
	wait_for 3 test -e "$TMP/udp_rx.out.ready" || { fail "$T: $name: receiver did not start"; kill $rx; return; }
	enc0=$(counter vx1 encap) fail0=$(counter vx1 encap-failed)
	if ! in_ns "$C1" python3 "$TMP/udp_gso_tx.py" 10.1.0.3 5001 "$size" "$segs" "$bursts" 2>"$TMP/tx.err"; then
		fail "$T: $name: sender failed: $(tail -1 "$TMP/tx.err")"; kill $rx; return
	fi
	wait $rx
	enc1=$(counter vx1 encap) fail1=$(counter vx1 encap-failed)
	got=$(cat "$TMP/udp_rx.out" 2>/dev/null) want="$((segs * bursts)) ${size}x$((segs * bursts))"
	if [ "$got" = "$want" ]; then ok "$T: $name: c2 received all $((segs * bursts)) datagrams of $size bytes"
	else fail "$T: $name: c2 received '$got', want '$want'"; fi
	if is_count "$enc0" "$fail0" "$enc1" "$fail1" && [ "$fail1" = "$fail0" ] &&
	   [ $((enc1 - enc0)) -ge "$bursts" ] && [ $((enc1 - enc0)) -lt $((segs * bursts)) ]; then
		ok "$T: $name: encapsulated as GSO packets (encap +$((enc1 - enc0)) for $bursts bursts), encap-failed stayed $fail0"
	else
		fail "$T: $name: encap $enc0 -> $enc1, encap-failed $fail0 -> $fail1 for $bursts bursts"
	fi
}
udp_gso "UDP_SEGMENT 1400 x 10" 1400 10 50
udp_gso "UDP_SEGMENT 1422 x 8 (1450-byte IPv4 datagrams, the container MTU)" 1422 8 50

# TCP: the frames on the wire carry full-size segments. Container MTU 1450:
# MSS 1410, 1398 bytes of payload with timestamps; 66 bytes of TCP/IPv4/
# inner eth, 50 of VXLAN/UDP/IPv4 and the outer 14: 1514-byte frames.
in_ns "$R" tcpdump -nn -e -i r2 -c 3000 -w "$TMP/tcp.pcap" 'udp port 4789 and greater 1000' >/dev/null 2>&1 &
cap=$!
sleep 1
tcp_transfer "$T: TCP c1 -> c2 under capture" "$C2" 10.1.0.3 "$C1"
sleep 0.5
kill $cap 2>/dev/null; wait $cap 2>/dev/null
tcpdump -nn -e -r "$TMP/tcp.pcap" 2>/dev/null |
	sed -n 's/.*ethertype IPv4 (0x0800), length \([0-9]*\): 198\.18\.1\.2\..*/\1/p' | sort -n | uniq -c | sort -rn >"$TMP/sizes"
total=$(awk '{ n += $1 } END { print n + 0 }' "$TMP/sizes")
full=$(awk '$2 == 1514 { print $1 }' "$TMP/sizes")
largest=$(sort -k2 -n "$TMP/sizes" | tail -1 | awk '{ print $2 }')
if [ "${total:-0}" -ge 1000 ] && [ "${largest:-0}" = 1514 ] && [ $((${full:-0} * 100)) -ge $((total * 90)) ]; then
	ok "$T: TCP data crosses the wire in full 1514-byte frames (${full} of ${total} data frames)"
else
	fail "$T: TCP data frames on r2 by size (count size): $(head -5 "$TMP/sizes" | tr '\n' ' ') of $total"
fi
drops=$(vx1 stats | awk '/^DROP REASON/ { d = 1; next } d && $2 > 0 { printf "%s=%s ", $1, $2 }')
if [ -z "$drops" ]; then ok "$T: h1 dropped nothing"; else fail "$T: h1 drops: $drops"; fi
finish
