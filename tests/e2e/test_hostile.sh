#!/bin/bash
# Isolation against a hostile container or host: forged sources, ARP across
# networks, and crafted VXLAN from the underlay. Each case is dropped and
# counted under its own reason, and nothing reaches the target container.
# Topology: topo.sh (topo_networks); crafted datagrams are sent with bash's
# /dev/udp from the router (not a node) and from h2 (a node).
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/topo.sh"
MODE=${1:-tc}
T="hostile-$MODE"
trap topo_cleanup EXIT
topo_build "$([ "$MODE" = xdp ] && echo wire)" || { fail "$T: build topology"; exit 1; }
topo_networks "$MODE" || { fail "$T: networks and attaches"; exit 1; }
in_ns "$C1" ping -c 1 -W 2 10.1.0.5 >/dev/null # warm up neighbours

rx_packets() { ip -n "$1" -s -j link show eth0 | jq -e '.[0].stats64.rx.packets'; }
# expect_drop NAME HOSTFN REASON CMD...: CMD makes REASON move on that host
# (waits up to 3 s for the packet to cross the underlay)
expect_drop() {
	local name=$1 host=$2 reason=$3; shift 3
	local before
	before=$(counter "$host" "$reason") || { fail "$T: $name: no counter $reason"; return; }
	"$@" >/dev/null 2>&1
	if wait_for 3 counter_reaches "$host" "$reason" $((before + 1)); then ok "$T: $name: dropped as $reason ($before -> $(counter "$host" "$reason"))"
	else fail "$T: $name: $reason stayed at $before"; fi
}

# --- from a container -------------------------------------------------------
in_ns "$C1" ip addr add 10.1.0.99/32 dev eth0
expect_drop "forged source IP" vx1 spoofed-ip in_ns "$C1" ping -c 2 -i 0.2 -W 1 -I 10.1.0.99 10.1.0.5
in_ns "$C1" ip addr del 10.1.0.99/32 dev eth0
in_ns "$C1" ip link set eth0 address 02:42:0a:01:00:63
expect_drop "forged source MAC" vx1 spoofed-mac in_ns "$C1" ping -c 2 -i 0.2 -W 1 10.1.0.5
in_ns "$C1" ip link set eth0 address 02:42:0a:01:00:02
check "$T: c1 works again with its own MAC" in_ns "$C1" ping -c 2 -i 0.2 -W 2 10.1.0.5

# An ARP request for an address of another network gets no answer.
in_ns "$C1" ip route add 10.9.0.0/24 dev eth0
arp_before=$(counter vx1 arp-reply)
expect_drop "ARP for red's 10.9.0.5 from blue" vx1 no-endpoint in_ns "$C1" ping -c 2 -i 0.3 -W 1 10.9.0.5
arp_after=$(counter vx1 arp-reply)
state=$(in_ns "$C1" ip neigh show 10.9.0.5)
if is_count "$arp_before" && [ "$arp_before" = "$arp_after" ] && ! echo "$state" | grep -q lladdr; then
	ok "$T: no ARP answer across networks (neighbour: ${state:-none})"
else
	fail "$T: ARP across networks answered: arp-reply $arp_before -> $arp_after, neighbour '$state'"
fi
in_ns "$C1" ip route del 10.9.0.0/24 dev eth0

# Only the gateways of the sender's own network answer ping: blue's other
# subnet's 10.2.0.1 does; red's 10.9.0.1, reached through a static
# neighbour with its MAC, does not (no-endpoint, gateway-echo unmoved).
check "$T: c1 pings 10.2.0.1, the gateway of blue's other subnet" in_ns "$C1" ping -c 2 -i 0.2 -W 2 10.2.0.1
in_ns "$C1" ip route add 10.9.0.0/24 dev eth0
in_ns "$C1" ip neigh replace 10.9.0.1 lladdr 02:42:0a:09:00:01 dev eth0 nud permanent
echo_before=$(counter vx1 gateway-echo)
expect_drop "ping to red's gateway 10.9.0.1 from blue" vx1 no-endpoint in_ns "$C1" ping -c 2 -i 0.3 -W 1 10.9.0.1
echo_after=$(counter vx1 gateway-echo)
if is_count "$echo_before" && [ "$echo_before" = "$echo_after" ]; then ok "$T: no echo reply across networks"
else fail "$T: red's gateway answered blue: gateway-echo $echo_before -> $echo_after"; fi
in_ns "$C1" ip neigh del 10.9.0.1 dev eth0
in_ns "$C1" ip route del 10.9.0.0/24 dev eth0

# --- from the underlay --------------------------------------------------------
# send NS DST_IP PORT HEX: one UDP datagram with the given payload
# (the bytes go to a file first: printf writes in pieces, cat in one write,
# and every write to /dev/udp is a datagram)
send() {
	printf "$(echo "$4" | sed 's/../\\x&/g')" >"$TMP/pkt"
	in_ns "$1" bash -c "cat '$TMP/pkt' > /dev/udp/$2/$3"
}
vxlan() { printf '08000000%06x00' "$1"; } # VXLAN header, flags I, VNI
ETH_TO_C1=02420a01000202420a0200030800   # inner eth: to c1 from c2, IPv4
IP_TO_C1=4500001c00004000400100000a0200030a010002 # IPv4 10.2.0.3 -> 10.1.0.2, ICMP
ICMP=0800f7ff00000000                      # echo request
FRAME="$ETH_TO_C1$IP_TO_C1$ICMP"

# Control: the same crafted frame from a node, for a VNI it serves, is delivered.
rx0=$(rx_packets "$C1")
dec0=$(counter vx1 decap)
send "$H2" 198.18.1.2 4789 "$(vxlan 4096)$FRAME"
rx_above() { local n; n=$(rx_packets "$1") && [ "$n" -gt "$2" ]; }
if is_count "$rx0" "$dec0" && wait_for 3 counter_reaches vx1 decap $((dec0 + 1)) && wait_for 3 rx_above "$C1" "$rx0"; then
	ok "$T: control: crafted VXLAN from h2 is delivered to c1"
else
	fail "$T: control frame not delivered (decap $dec0 -> $(counter vx1 decap), c1 rx $rx0 -> $(rx_packets "$C1"))"
fi

# A node speaks only for its own endpoints. Control: c2 (10.2.0.3, on h2)
# to c1 (10.1.0.2) as h2 routes it between blue's subnets, from the MAC of
# c1's gateway 10.1.0.1.
rx0=$(rx_packets "$C1")
dec0=$(counter vx1 decap)
send "$H2" 198.18.1.2 4789 "$(vxlan 4096)02420a01000202420a0100010800$IP_TO_C1$ICMP"
if is_count "$rx0" "$dec0" && wait_for 3 counter_reaches vx1 decap $((dec0 + 1)) && wait_for 3 rx_above "$C1" "$rx0"; then
	ok "$T: control: c2's frame routed by h2 (from the gateway's MAC) is delivered to c1"
else
	fail "$T: routed control frame not delivered (decap $dec0 -> $(counter vx1 decap), c1 rx $rx0 -> $(rx_packets "$C1"))"
fi
# underlay addresses of h1 besides its VTEP address 198.18.1.2
ip -n "$H1" addr add 198.18.1.3/24 dev eth0

rx0=$(rx_packets "$C1")
expect_drop "VXLAN from h2 with c5's source (an endpoint on h1)" vx1 spoofed-remote \
	send "$H2" 198.18.1.2 4789 "$(vxlan 4096)02420a01000202420a0100050800${IP_TO_C1:0:24}0a0100050a010002$ICMP"
expect_drop "VXLAN from h2 with a source that is no endpoint (10.1.0.77)" vx1 spoofed-remote \
	send "$H2" 198.18.1.2 4789 "$(vxlan 4096)02420a01000202420a01004d0800${IP_TO_C1:0:24}0a01004d0a010002$ICMP"
expect_drop "VXLAN from h2 with c2's address and a forged MAC" vx1 spoofed-remote \
	send "$H2" 198.18.1.2 4789 "$(vxlan 4096)02420a0100020242deadbeef0800$IP_TO_C1$ICMP"
expect_drop "VXLAN to 198.18.1.3, an address of h1 that is not its VTEP" vx1 not-for-host \
	send "$H2" 198.18.1.3 4789 "$(vxlan 4096)$FRAME"
expect_drop "VXLAN from an address that is not a node" vx1 unknown-host send "$R" 198.18.1.2 4789 "$(vxlan 4096)$FRAME"
expect_drop "VXLAN from h2 for a VNI it has no endpoints in (green)" vx1 host-not-in-vni send "$H2" 198.18.1.2 4789 "$(vxlan 4098)$FRAME"
expect_drop "VXLAN for an unknown VNI" vx1 unknown-vni send "$H2" 198.18.1.2 4789 "$(vxlan 9999)$FRAME"
expect_drop "VXLAN without the I flag" vx1 bad-vxlan send "$H2" 198.18.1.2 4789 "0000000000100000$FRAME"
expect_drop "VXLAN with a truncated inner frame" vx1 malformed send "$H2" 198.18.1.2 4789 "$(vxlan 4096)${ETH_TO_C1}45000054"
expect_drop "VXLAN with an inner IPv6 frame" vx1 unsupported send "$H2" 198.18.1.2 4789 "$(vxlan 4096)02420a01000202420a02000386dd6000000000083a40$(printf '%064d' 0)8000000000000000"
expect_drop "VXLAN with an inner ARP frame" vx1 unsupported send "$H2" 198.18.1.2 4789 "$(vxlan 4096)ffffffffffff02420a0200030806000108000604000102420a0200030a0200030000000000000a010002"
expect_drop "VXLAN for an endpoint that lives on h2" vx1 not-local send "$H2" 198.18.1.2 4789 "$(vxlan 4096)02420a02000302420a0200030800${IP_TO_C1:0:32}0a020003$ICMP"
if is_count "$rx0" && [ "$(rx_packets "$C1")" = "$rx0" ]; then ok "$T: none of the crafted frames reached c1"; else fail "$T: c1 received crafted frames ($rx0 -> $(rx_packets "$C1"))"; fi
# The GRO device (tc decap) has a kernel tunnel socket on the port. A VXLAN
# frame fragmented in the underlay passes decap (fragments are the host's),
# is reassembled by h1 and decapsulated by that socket: vxnet_gro_sink drops
# it, and the echo request it carries, to h1 at the device's MAC, never
# reaches h1's stack.
if [ "$MODE" = tc ]; then
	ipv4_hdr() { # ipv4_hdr TOTLEN PROTO SRC DST: hex, TTL 64, with its checksum
		local h sum=0 i
		h=$(printf '4500%04x0000000040%02x0000%02x%02x%02x%02x%02x%02x%02x%02x' "$1" "$2" \
			$(echo "$3 $4" | tr . ' '))
		for ((i = 0; i < 40; i += 4)); do sum=$((sum + 16#${h:i:4})); done
		sum=$(((sum & 0xffff) + (sum >> 16))); sum=$(((sum & 0xffff) + (sum >> 16)))
		echo "${h:0:20}$(printf '%04x' $((~sum & 0xffff)))${h:24}"
	}
	gro_mac=$(ip -n "$H1" -j link show vxnet-gro | jq -r '.[0].address' | tr -d :)
	# 1600 zero bytes of echo payload keep the ICMP checksum of an empty echo
	big="${gro_mac}02420a0200030800$(ipv4_hdr 1628 1 198.18.1.1 198.18.1.2)${ICMP}$(printf '%03200d' 0)"
	echos() { in_ns "$H1" nstat -az IcmpInEchos | awk '$1 == "IcmpInEchos" { print $2 }'; }
	echo0=$(echos)
	expect_drop "fragmented VXLAN reassembled into the GRO device's socket" vx1 kernel-tunnel \
		send "$R" 198.18.1.2 4789 "$(vxlan 4096)$big"
	if is_count "$echo0" && [ "$(echos)" = "$echo0" ]; then ok "$T: the echo inside never reached h1 (IcmpInEchos $echo0)"; else fail "$T: h1 answered an echo from inside the tunnel ($echo0 -> $(echos))"; fi
fi
pass0=$(counter vx1 underlay-pass)
check "$T: the host's own traffic passes the decap hook (h1 pings the router)" in_ns "$H1" ping -c 2 -i 0.2 -W 2 198.18.1.1
if [ "$(counter vx1 underlay-pass)" -gt "$pass0" ]; then ok "$T: underlay-pass counted the host's own packets"; else fail "$T: underlay-pass did not move"; fi
finish
