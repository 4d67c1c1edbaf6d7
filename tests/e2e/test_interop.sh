#!/bin/bash
# End-to-end: wire interoperability between vxnet and the kernel VXLAN layout
# Docker's overlay driver builds, on one network (blue, VNI 4096).
#
#   c1 10.1.0.2 02:42:0a:01:00:02       c2 10.1.0.3 02:42:0a:01:00:03 (MTU 1450)
#        |                                   |
#   +----|------- h1 ----+    +--------------|------------- h2 ----------+
#   | vx* veth, vxnet tc |    | +-- ov ------|------------------------+  |
#   |                    |    | |  br0 --- veth0                      |  |
#   | vxnet up --node h1 |    | |   `--- vxlan0: VNI 4096, nolearning |  |
#   | decap xdp|tc       |    | |   proxy, fdb 02:42:0a:01:00:02 ->   |  |
#   |   on eth0          |    | |   198.18.1.2, neigh 10.1.0.2 perm.  |  |
#   |                    |    | +-------------------------------------+  |
#   |                    |    | no vxnet; vxlan0's UDP socket is here    |
#   | eth0 198.18.1.2    |    | eth0 198.18.2.2                          |
#   +----|---------------+    +----|-------------------------------------+
#        |                         |
#        r1 198.18.1.1 -- r -- r2 198.18.2.1    (tcpdump on r2)
#
# h2 runs no vxnet. Both decap modes (tc; xdp in wire mode), each first on
# UDP port 4789 (IANA, Docker), then on 8472 (Flannel, the Linux default).
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/topo.sh"
OV=${P}ov
trap topo_cleanup EXIT

# docker_vxlan PORT: Docker's layout for network blue on h2. vxlan0 is
# created in h2 and then moved into the network's namespace, so its UDP
# socket stays in h2, where the underlay is.
docker_vxlan() {
	local port=$1
	ip -n "$OV" link del vxlan0 2>/dev/null
	ip -n "$H2" link add vxlan0 type vxlan id 4096 dstport "$port" nolearning proxy l2miss l3miss &&
	ip -n "$H2" link set vxlan0 netns "$OV" &&
	ip -n "$OV" link set vxlan0 mtu 1450 master br0 up &&
	ip netns exec "$OV" bridge fdb append 02:42:0a:01:00:02 dev vxlan0 dst 198.18.1.2 &&
	ip -n "$OV" neigh add 10.1.0.2 lladdr 02:42:0a:01:00:02 dev vxlan0 nud permanent
}

# docker_host: the network namespace with br0 and container c2 on it.
docker_host() {
	mkns "$OV" || return 1
	in_ns "$OV" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
	in_ns "$C2" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
	ip -n "$OV" link add br0 type bridge &&
	ip -n "$OV" link set br0 up &&
	ip -n "$OV" link add veth0 mtu 1450 type veth peer name eth0 netns "$C2" mtu 1450 &&
	ip -n "$OV" link set veth0 master br0 up &&
	ip -n "$C2" link set eth0 address 02:42:0a:01:00:03 &&
	ip -n "$C2" addr add 10.1.0.3/24 dev eth0 &&
	ip -n "$C2" link set eth0 up && links_sync "$OV" veth0 "$C2" eth0 &&
	docker_vxlan 4789
}

# vxnet_host MODE: vxnet on h1 with c1, and h2's container as a foreign endpoint.
vxnet_host() {
	vxs node add h1 198.18.1.2 &&
	vxs node add h2 198.18.2.2 &&
	vxs network create blue --subnet 10.1.0.0/24 &&
	vxs endpoint add c2 --network blue --node h2 --ip 10.1.0.3 &&
	vx1 up --node h1 --dev eth0 --decap "$1" &&
	vx1 attach "$C1" blue --ip 10.1.0.2 &&
	vx1 sync
}


# capture_check T PORT: pings both ways under a capture on r2, with empty
# neighbour caches; the wire must carry VXLAN on PORT, VNI 4096, around the
# inner ICMP, in both directions, and no ARP.
capture_check() {
	local T=$1 port=$2 n
	ip -n "$C1" neigh flush all && ip -n "$C2" neigh flush all
	local decode=() # tcpdump knows 4789 as VXLAN; other ports need -T vxlan
	[ "$port" != 4789 ] && decode=(-T vxlan)
	in_ns "$R" timeout 8 tcpdump -c 8 -nn -v -l "${decode[@]}" -i r2 udp port "$port" >"$TMP/cap" 2>/dev/null &
	local cap=$!
	sleep 1
	in_ns "$C1" ping -c 2 -i 0.2 -W 2 10.1.0.3 >/dev/null
	in_ns "$C2" ping -c 2 -i 0.2 -W 2 10.1.0.2 >/dev/null
	wait $cap
	# one line per packet: outer addresses, VXLAN header, inner IPv4 header
	awk '/^[0-9]/ { if (p != "") print p; p = "" } { p = p " " $0 } END { if (p != "") print p }' \
		"$TMP/cap" | sed 's/  */ /g' >"$TMP/pkts"
	local flow src dst isrc idst kind
	for flow in "198.18.1.2 198.18.2.2 10.1.0.2 10.1.0.3 request" "198.18.1.2 198.18.2.2 10.1.0.2 10.1.0.3 reply" \
		    "198.18.2.2 198.18.1.2 10.1.0.3 10.1.0.2 request" "198.18.2.2 198.18.1.2 10.1.0.3 10.1.0.2 reply"; do
		read -r src dst isrc idst kind <<<"$flow"
		n=$(grep -E -- " $src\.[0-9]+ > $dst\.$port: VXLAN, flags \[I\] \(0x08\), vni 4096 " "$TMP/pkts" |
		    grep -cF -- " $isrc > $idst: ICMP echo $kind,")
		if [ "$n" -ge 1 ]; then
			ok "$T: wire $src -> $dst:$port carries VXLAN vni 4096 around ICMP echo $kind $isrc -> $idst ($n)"
		else
			fail "$T: no VXLAN packet $src -> $dst:$port with ICMP echo $kind $isrc -> $idst in: $(head -4 "$TMP/pkts" | tr '\n' '|')"
		fi
	done
	# Docker's vxlan0 answers ARP as a proxy, vxnet answers it in TC: none on the wire.
	if grep -q 'ARP' "$TMP/pkts"; then fail "$T: ARP crossed the tunnel: $(grep -m1 ARP "$TMP/pkts")"; else ok "$T: no ARP crossed the tunnel"; fi
}

# checks T PORT: everything a user would check on one port.
checks() {
	local T=$1 port=$2
	local enc0 dec0 enc1 dec1 enc dec
	enc0=$(counter vx1 encap) dec0=$(counter vx1 decap)
	check "$T: ping c1 (vxnet) -> c2 (kernel vxlan)" in_ns "$C1" ping -c 3 -i 0.2 -W 2 10.1.0.3
	check "$T: ping c2 (kernel vxlan) -> c1 (vxnet)" in_ns "$C2" ping -c 3 -i 0.2 -W 2 10.1.0.2
	check "$T: 1400-byte ping c1 -> c2, DF (MTU 1450)" in_ns "$C1" ping -c 2 -s 1400 -M do -W 2 10.1.0.3
	check "$T: 1400-byte ping c2 -> c1, DF (MTU 1450)" in_ns "$C2" ping -c 2 -s 1400 -M do -W 2 10.1.0.2
	capture_check "$T" "$port"
	tcp_transfer "$T: TCP transfer c1 -> c2" "$C2" 10.1.0.3 "$C1"
	tcp_transfer "$T: TCP transfer c2 -> c1" "$C1" 10.1.0.2 "$C2"
	enc1=$(counter vx1 encap) dec1=$(counter vx1 decap)
	is_count "$enc0" "$dec0" "$enc1" "$dec1" && enc=$((enc1 - enc0)) dec=$((dec1 - dec0))
	if is_count "$enc0" "$dec0" "$enc1" "$dec1" && [ "$enc" -gt 1000 ] && [ "$dec" -gt 1000 ]; then
		ok "$T: h1 counters moved (encap +$enc, decap +$dec)"
	else
		fail "$T: h1 counters encap +$enc decap +$dec; stats: $(vx1 stats | tr '\n' '|')"
	fi
	local stats drops
	if ! stats=$(vx1 stats 2>&1) || ! grep -q '^DROP REASON' <<<"$stats"; then
		fail "$T: vxnet stats on h1: $(head -3 <<<"$stats" | tr '\n' '|')"
		return
	fi
	drops=$(awk '/^DROP REASON/ { d = 1; next } d && $2 > 0 { printf "%s=%s ", $1, $2 }' <<<"$stats")
	if [ -z "$drops" ]; then ok "$T: h1 dropped nothing"; else fail "$T: h1 drops: $drops"; fi
}

# one_mode MODE: a fresh topology, vxnet on h1 in MODE, Docker's layout on h2.
one_mode() {
	local mode=$1 wire=
	[ "$mode" = xdp ] && wire=wire
	local T="interop-$mode${wire:+-$wire}"
	topo_build "$wire" >"$TMP/out" 2>&1 || { fail "$T: build topology: $(tail -1 "$TMP/out")"; return; }
	docker_host >"$TMP/out" 2>&1 || { fail "$T: Docker's layout on h2: $(tail -1 "$TMP/out")"; return; }
	vxnet_host "$mode" >"$TMP/out" 2>&1 || { fail "$T: vxnet on h1: $(tail -1 "$TMP/out")"; return; }
	if [ "$mode" = xdp ]; then
		check "$T: XDP decap attached to h1's eth0" sh -c "ip -n '$H1' link show eth0 | grep -q xdp"
	else
		check "$T: tc decap attached to h1's eth0" sh -c "ip netns exec '$H1' tc filter show dev eth0 ingress | grep -q bpf"
	fi

	# ARP: vxnet answers c1 in TC, vxlan0 answers c2 as a proxy.
	in_ns "$C1" ping -c 1 -W 2 10.1.0.3 >/dev/null
	local mac
	mac=$(in_ns "$C1" ip neigh show 10.1.0.3 | awk '{for (i = 1; i < NF; i++) if ($i == "lladdr") print $(i + 1)}')
	if [ "$mac" = 02:42:0a:01:00:03 ]; then ok "$T: c1 resolves c2 to its MAC (vxnet ARP reply)"; else fail "$T: c1 neighbour 10.1.0.3 is '$mac'"; fi
	in_ns "$C2" ping -c 1 -W 2 10.1.0.2 >/dev/null
	mac=$(in_ns "$C2" ip neigh show 10.1.0.2 | awk '{for (i = 1; i < NF; i++) if ($i == "lladdr") print $(i + 1)}')
	if [ "$mac" = 02:42:0a:01:00:02 ]; then ok "$T: c2 resolves c1 to its MAC (vxlan0 proxy ARP)"; else fail "$T: c2 neighbour 10.1.0.2 is '$mac'"; fi
	checks "$T-4789" 4789

	check "$T: vxnet up again with --port 8472" vx1 up --node h1 --dev eth0 --decap "$mode" --port 8472
	check "$T: vxlan0 recreated with dstport 8472" docker_vxlan 8472
	check "$T: vxlan0 now uses dstport 8472" sh -c "ip -d -n '$OV' link show vxlan0 | grep -q 'dstport 8472'"
	checks "$T-8472" 8472
}

# mode_reset: remove one mode's hosts so the next starts from nothing.
mode_reset() {
	[ -e "$PIN1" ] && vx1 down >/dev/null 2>&1
	cleanup_netns
	rm -rf "$PIN1" "$STATE" "$STATE.lock"
}

for mode in tc xdp; do
	one_mode "$mode"
	mode_reset
done
finish
