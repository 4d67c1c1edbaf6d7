# Two-host topology shared by the end-to-end tests and the demo. Source after
# tests/lib.sh.
#
#   c1 10.1.0.2   c3 10.1.0.4                    c2 10.1.0.3
#        |            |                               |
#   +----------- h1 ---------+   +---- r ----+   +--- h2 ----------+
#   | vxnet: tc on vx* veths | eth0     r1  r2     eth0  vxnet       |
#   | xdp|tc on eth0         |198.18.1.2 .1  198.18.2.1 198.18.2.2   |
#   +------------------------+   +-----------+   +-----------------+
#
# h1 and h2 sit on separate L2 segments joined by the router r.

H1=${P}h1 H2=${P}h2 R=${P}r
C1=${P}c1 C2=${P}c2 C3=${P}c3
STATE=$TMP/state.json
PIN1=/sys/fs/bpf/${P}h1 PIN2=/sys/fs/bpf/${P}h2

vx1() { "$VXNET" --state "$STATE" --pin-dir "$PIN1" -n "$H1" "$@"; }
vx2() { "$VXNET" --state "$STATE" --pin-dir "$PIN2" -n "$H2" "$@"; }
vxs() { "$VXNET" --state "$STATE" "$@"; } # state only, no host
in_ns() { local ns=$1; shift; ip netns exec "$ns" "$@"; }
# pings FROM TO N: FROM's container pings TO N times, 50 ms apart; at most one lost
pings() {
	local got
	got=$(in_ns "$1" ping -q -c "$3" -i 0.05 -W 1 "$2" 2>&1 | sed -n 's/.* \([0-9]*\) received.*/\1/p')
	echo "$got/$3 answered"
	[ "${got:-0}" -ge $(($3 - 1)) ]
}

# topo_build [wire]: namespaces and links; "wire" makes the router send what a
# real NIC link carries, 1500-byte frames with complete checksums, and the
# hosts receive as a NIC does, with NAPI and GRO.
topo_build() {
	local wire=${1:-}
	mkns "$R" && mkns "$H1" && mkns "$H2" || return 1
	ip link add r1 netns "$R" type veth peer name eth0 netns "$H1" || return 1
	ip link add r2 netns "$R" type veth peer name eth0 netns "$H2" || return 1
	ip -n "$R" addr add 198.18.1.1/24 dev r1
	ip -n "$R" addr add 198.18.2.1/24 dev r2
	ip -n "$H1" addr add 198.18.1.2/24 dev eth0
	ip -n "$H2" addr add 198.18.2.2/24 dev eth0
	local ns
	for ns in "$R" "$H1" "$H2"; do
		ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
	done
	ip -n "$R" link set r1 up && ip -n "$R" link set r2 up
	ip -n "$H1" link set eth0 up && ip -n "$H2" link set eth0 up
	links_sync "$R" r1 "$R" r2 "$H1" eth0 "$H2" eth0 || return 1
	ip netns exec "$R" sysctl -qw net.ipv4.ip_forward=1
	ip -n "$H1" route add default via 198.18.1.1
	ip -n "$H2" route add default via 198.18.2.1
	if [ "$wire" = wire ]; then
		ip netns exec "$R" ethtool -K r1 tx off tso off gso off >/dev/null 2>&1
		ip netns exec "$R" ethtool -K r2 tx off tso off gso off >/dev/null 2>&1
		ip netns exec "$H1" ethtool -K eth0 tx off tso off gso off >/dev/null 2>&1
		ip netns exec "$H2" ethtool -K eth0 tx off tso off gso off >/dev/null 2>&1
		ip netns exec "$H1" ethtool -K eth0 gro on >/dev/null 2>&1
		ip netns exec "$H2" ethtool -K eth0 gro on >/dev/null 2>&1
	fi
	for ns in "$C1" "$C2" "$C3"; do mkns "$ns" || return 1; done
}

# topo_hosts MODE: nodes h1 and h2 in the state, vxnet up on both.
topo_hosts() {
	local mode=$1
	vxs node add h1 198.18.1.2 >/dev/null &&
	vxs node add h2 198.18.2.2 >/dev/null &&
	vx1 up --node h1 --dev eth0 --decap "$mode" >/dev/null &&
	vx2 up --node h2 --dev eth0 --decap "$mode" >/dev/null
}

# topo_vxnet MODE: the cluster state, vxnet up on both hosts, three containers.
topo_vxnet() {
	topo_hosts "$1" &&
	vxs network create blue --subnet 10.1.0.0/24 >/dev/null &&
	vx1 attach "$C1" blue --ip 10.1.0.2 >/dev/null &&
	vx2 attach "$C2" blue --ip 10.1.0.3 >/dev/null &&
	vx1 attach "$C3" blue --ip 10.1.0.4 >/dev/null &&
	vx1 sync >/dev/null && vx2 sync >/dev/null
}

topo_cleanup() {
	[ -e "$PIN1" ] && vx1 down >/dev/null 2>&1
	[ -e "$PIN2" ] && vx2 down >/dev/null 2>&1
	cleanup_netns
	rm -rf "$PIN1" "$PIN2" "$TMP"
}

# topo_networks MODE: several networks and subnets on the two hosts.
#   blue (vni 4096): 10.1.0.0/24 gw .1 and 10.2.0.0/24 gw .1
#   red  (vni 4097): 10.9.0.0/24
#   green(vni 4098): 10.7.0.0/24, endpoints on h1 only
#   c1 h1 blue 10.1.0.2 | c2 h2 blue 10.2.0.3 | c3 h1 blue 10.2.0.4
#   c4 h2 red 10.9.0.4  | c5 h1 blue 10.1.0.5 (eth0) + red 10.9.0.5 (eth1)
#   c6 h1 green 10.7.0.6
C4=${P}c4 C5=${P}c5 C6=${P}c6
topo_networks() {
	mkns "$C4" && mkns "$C5" && mkns "$C6" || return 1
	topo_hosts "$1" &&
	vxs network create blue --subnet 10.1.0.0/24 --subnet 10.2.0.0/24 >/dev/null &&
	vxs network create red --subnet 10.9.0.0/24 >/dev/null &&
	vxs network create green --subnet 10.7.0.0/24 >/dev/null &&
	vx1 attach "$C1" blue --ip 10.1.0.2 >/dev/null &&
	vx2 attach "$C2" blue --ip 10.2.0.3 >/dev/null &&
	vx1 attach "$C3" blue --ip 10.2.0.4 >/dev/null &&
	vx2 attach "$C4" red --ip 10.9.0.4 >/dev/null &&
	vx1 attach "$C5" blue --ip 10.1.0.5 >/dev/null &&
	vx1 attach "$C5" red --ip 10.9.0.5 --ifname eth1 >/dev/null &&
	vx1 attach "$C6" green --ip 10.7.0.6 >/dev/null &&
	vx1 sync >/dev/null && vx2 sync >/dev/null
}

# next_ifindex NS: the ifindex the next link made in NS gets (the kernel
# hands out the one after the last it gave): a probe veth pair's highest, + 1.
next_ifindex() {
	local last
	ip -n "$1" link add xprobea type veth peer name xprobeb || return 1
	last=$(ip -n "$1" -j link show | jq '[.[] | select(.ifname | startswith("xprobe")) | .ifindex] | max')
	ip -n "$1" link del xprobea
	echo $((last + 1))
}
# advance_ifindex NS N: the next link made in NS gets ifindex N: pairs of
# veths until then, the odd one out as a veth whose own end has a fixed index.
advance_ifindex() {
	local next n i
	next=$(next_ifindex "$1") || return 1
	n=$(($2 - next))
	[ "$n" -ge 0 ] || { echo "ifindex $next in $1 already past $2" >&2; return 1; }
	{
		for ((i = 0; i < n / 2; i++)); do echo "link add x${2}a$i type veth peer name x${2}b$i"; done
		[ $((n % 2)) = 1 ] && echo "link add x${2}o index 2000000000 type veth peer name x${2}p"
	} >"$TMP/advance.batch"
	[ "$n" = 0 ] || ip -n "$1" -batch "$TMP/advance.batch" >/dev/null
}

# counter HOSTFN NAME: packets of a stat or drop reason from `vxnet stats`;
# prints nothing and fails, saying why, when stats fails or has no NAME.
counter() {
	local v
	v=$("$1" stats | awk -v n="$2" '$1 == n { print $2; exit }')
	is_count "$v" 2>/dev/null || { echo "counter: no $2 in '$1 stats'" >&2; return 1; }
	echo "$v"
}
# counter_reaches HOSTFN NAME MIN: the counter is at least MIN (for wait_for)
counter_reaches() {
	local v
	v=$(counter "$1" "$2") || return 1
	[ "$v" -ge "$3" ] || { echo "$2 is $v, not yet $3" >&2; return 1; }
}

# tcp_transfer NAME SERVER_NS SERVER_IP CLIENT_NS: iperf3 for 2 s, > 10 MB
tcp_transfer() {
	local name=$1 sns=$2 sip=$3 cns=$4
	in_ns "$sns" iperf3 -s -1 -D -B "$sip" --logfile "$TMP/iperf-s.log" || { fail "$name: iperf3 server"; return; }
	sleep 0.5
	if in_ns "$cns" timeout 20 iperf3 -c "$sip" -t 2 -J >"$TMP/iperf.json" 2>&1; then
		local bytes
		bytes=$(jq '.end.sum_received.bytes' "$TMP/iperf.json")
		if [ "${bytes:-0}" -gt 10000000 ]; then ok "$name ($((bytes / 1000000)) MB received)"; else fail "$name: only ${bytes} bytes"; fi
	else
		fail "$name: iperf3 failed: $(jq -r '.error // empty' "$TMP/iperf.json" 2>/dev/null | head -1)"
	fi
}

# topo_outside: a server namespace outside every overlay, behind the router
# (after topo_build); the hosts reach it through their default route via r.
#
#   h1/h2 --- r r3 198.18.100.1/24 ---- eth0 198.18.100.2/24  $OUTSIDE
#               route 198.18.100.3 mtu 1200  eth0 198.18.100.3/32
#
# 198.18.100.3 lies behind a smaller-MTU link on r (a route of MTU 1200): r
# answers larger packets with DF set with ICMP fragmentation needed, mtu 1200,
# as a router in front of a narrower link does. 198.18.100.2 has no limit.
OUTSIDE=${P}out
topo_outside() {
	mkns "$OUTSIDE" || return 1
	ip link add r3 netns "$R" type veth peer name eth0 netns "$OUTSIDE" || return 1
	ip netns exec "$OUTSIDE" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
	ip -n "$R" addr add 198.18.100.1/24 dev r3 &&
	ip -n "$OUTSIDE" addr add 198.18.100.2/24 dev eth0 &&
	ip -n "$OUTSIDE" addr add 198.18.100.3/32 dev eth0 &&
	ip -n "$R" link set r3 up && ip -n "$OUTSIDE" link set eth0 up &&
	links_sync "$R" r3 "$OUTSIDE" eth0 &&
	ip -n "$OUTSIDE" route add default via 198.18.100.1 &&
	ip -n "$R" route add 198.18.100.3/32 dev r3 mtu 1200
}

# ---- a runtime's container behind a published port (test_docker, test_podman) ----
# The outside client is $WHO_CLIENT (topo_outside's server address); the
# hosts' underlay addresses are 198.18.1.2 and 198.18.2.2.
WHO_CLIENT=198.18.100.2

# who_rootfs ROOTFS: a busybox-static rootfs (sh ip ping cat sleep seq true)
# with /www/cgi-bin/who for busybox httpd, which answers "who QUERY
# REMOTE_ADDR:REMOTE_PORT" (the client's address as the server's socket saw
# it) and logs the same line to /tmp/who.log; the outside server runs the
# same script from $TMP/outwww, logging to $TMP/out-who.log.
who_rootfs() {
	local root=$1 a
	mkdir -p "$root/bin" "$root/proc" "$root/sys" "$root/dev" "$root/etc" "$root/tmp" \
		"$root/www/cgi-bin" "$TMP/outwww/cgi-bin"
	cp /bin/busybox "$root/bin/busybox"
	for a in sh ip ping cat sleep seq true; do ln -s busybox "$root/bin/$a"; done
	who_cgi /tmp/who.log >"$root/www/cgi-bin/who"
	who_cgi "$TMP/out-who.log" >"$TMP/outwww/cgi-bin/who"
	chmod 755 "$root/www/cgi-bin/who" "$TMP/outwww/cgi-bin/who"
}
who_cgi() { # who_cgi LOG
	sed "s|@LOG@|$1|" <<'CGI'
#!/bin/sh
l="who $QUERY_STRING $REMOTE_ADDR:$REMOTE_PORT"
echo "$l" >>@LOG@
printf 'Content-Type: text/plain\r\n\r\n%s\n' "$l"
CGI
}

# who_get URL: an HTTP GET from the outside namespace, 3 s at most; the body.
who_get() { in_ns "$OUTSIDE" curl -sS --noproxy '*' -m 3 "$1"; }

# who_published TAG NAME EXEC...: NAME's httpd, published on host port
# 18080, answers the outside client through h1 and through h2, having seen
# the client's own address; NAME's log (EXEC cat /tmp/who.log, EXEC being
# the runtime's exec into NAME) has both requests and none from a node.
who_published() {
	local tag=$1 name=$2 via hn addr vx a; shift 2
	for via in "h1 198.18.1.2 vx1" "h2 198.18.2.2 vx2"; do
		read -r hn addr vx <<<"$via"
		if wait_for 10 who_get "http://$addr:18080/cgi-bin/who?via-$hn" && a=$(cat "$TMP/wait.out") &&
		   [[ $a == "who via-$hn $WHO_CLIENT:"* ]]; then
			ok "$tag: -p: the outside client reaches $name through $hn $addr:18080; $name saw it as ${a##* }"
		else
			fail "$tag: -p: outside -> $hn $addr:18080: '$(waited)'; $hn published-new $(counter "$vx" published-new), stats: $($vx stats 2>&1 | awk '$2 > 0' | tr '\n' ' ' | cut -c 1-300)"
		fi
	done
	"$@" cat /tmp/who.log >"$TMP/$name-who" 2>&1
	if grep -qx "who via-h1 $WHO_CLIENT:[0-9]*" "$TMP/$name-who" &&
	   grep -qx "who via-h2 $WHO_CLIENT:[0-9]*" "$TMP/$name-who" &&
	   ! grep -q ' 198\.18\.[12]\.2:' "$TMP/$name-who"; then
		ok "$tag: -p: $name's log has both requests from $WHO_CLIENT, none from a node address"
	else
		fail "$tag: -p: $name's log: $(tr '\n' '|' <"$TMP/$name-who")"
	fi
}

# who_egress TAG NAME EXEC...: NAME (on h1) fetches from the outside
# server's httpd on port 8000, which saw h1's address and a port of h1's NAT
# range (61001-65535) in its log. busybox-static's wget crashes resolving
# even an address; nc does not.
who_egress() {
	local tag=$1 name=$2 a src sport; shift 2
	wait_for 3 in_ns "$OUTSIDE" sh -c 'cat /proc/net/tcp | grep -q " 026412C6:1F40 00000000:0000 0A "'
	a=$("$@" sh -c "printf 'GET /cgi-bin/who?egress-$name HTTP/1.0\r\n\r\n' | busybox nc -w 3 $WHO_CLIENT 8000" 2>&1 | tail -n 1)
	src=${a##* } sport=${a##*:}
	if [[ $a == "who egress-$name 198.18.1.2:"* ]] && is_count "$sport" 2>/dev/null &&
	   [ "$sport" -ge 61001 ] && [ "$sport" -le 65535 ] && grep -qx "who egress-$name $src" "$TMP/out-who.log"; then
		ok "$tag: egress: $name reaches the outside server, which saw $src (h1's address, a NAT port) in its log"
	else
		fail "$tag: egress: $name -> $WHO_CLIENT:8000: '$a', server log: $(tr '\n' '|' <"$TMP/out-who.log" 2>/dev/null), h1 nat ls: $(vx1 nat ls 2>&1 | tr -s ' ' | tr '\n' '|' | cut -c 1-300)"
	fi
}

# who_unpublished TAG: after the publication is gone, host port 18080
# answers the outside client on neither h1 nor h2.
who_unpublished() {
	local tag=$1 via hn addr a
	for via in "h1 198.18.1.2" "h2 198.18.2.2"; do
		read -r hn addr <<<"$via"
		if a=$(who_get "http://$addr:18080/cgi-bin/who?after-rm-$hn" 2>&1); then
			fail "$tag: -p: after rm, $hn $addr:18080 still answers: '$a'"
		else
			ok "$tag: -p: after rm, $hn $addr:18080 no longer answers ($(tr '\n' ' ' <<<"$a" | cut -c 1-80))"
		fi
	done
}
