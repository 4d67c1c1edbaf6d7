# The topologies `make bench` compares, all on the same underlay. Source
# after tests/lib.sh (mkns, cleanup_netns, $P, $TMP, $VXNET).
#
#   c1 (container)                                        c2 (container)
#    |  path-specific: veth+route | br0+vxlan0 | vxnet     |
#   h1 eth0 198.18.1.2 -- r1 198.18.1.1 [r] r2 198.18.2.1 -- eth0 198.18.2.2 h2
#
#   underlay      no containers: the client runs in h1, the server in h2.
#   routed        c1 10.1.1.2/24 and c2 10.1.2.2/24 on veths, routed by the
#                 hosts (forwarding) and by r (routes to both /24s): no encap.
#   kernel-vxlan  Docker's overlay layout on each host: a namespace o1/o2 with
#                 br0, vxlan0 (VNI 4096, nolearning proxy, created in the host
#                 so its UDP socket stays there) and the container's veth on
#                 br0; static FDB + neighbour entries for the other container.
#   vxnet-xdp     vxnet up --decap xdp on both hosts, vxnet attach c1 / c2.
#   vxnet-tc      the same with --decap tc.
#   vxnet-tc-mon, vxnet-tc-trace, vxnet-xdp-mon, vxnet-xdp-trace
#                 vxnet-tc / vxnet-xdp with `vxnet monitor` (-mon: drops;
#                 -trace: --trace) listening on both hosts, output to
#                 /dev/null; not in the default PATHS (bench/run.sh --paths).
#   tc-floor      the least a TC VXLAN overlay does here (issue 16): c1
#                 and c2 on veths as vxnet attaches them, static neighbours
#                 for each other, and bench/tc_floor.bpf.c (encap with
#                 everything compiled in, decap of every VXLAN frame; no
#                 lookup, check or counter) on each host's veth and eth0,
#                 and a VXLAN device on port 4789 for GRO, as vxnet has;
#                 not in the default PATHS.
#
# Two egress paths (issue 13): c1 on h1 to a server outside every overlay,
# in a namespace "out" behind the router (r3 198.18.100.1/24, out's eth0
# 198.18.100.2/24); h2 carries nothing.
#
#   c1 -- h1 eth0 198.18.1.2 -- r1 [r] r3 198.18.100.1 -- eth0 198.18.100.2 out
#
#   egress-host      no container: the client runs in h1 itself (the floor:
#                    what the rest of the way costs).
#   egress-gwbridge  Docker's way out (docker_gwbridge): c1 172.18.0.2/16 on a
#                    veth into the Linux bridge docker_gwbridge 172.18.0.1/16
#                    in h1, h1 forwards, and iptables' MASQUERADE as Docker
#                    writes it (-s 172.18.0.0/16 ! -o docker_gwbridge).
#   egress-vxnet     vxnet up --decap tc on h1, c1 10.1.0.2 in blue
#                    10.1.0.0/24: egress NAT in BPF to h1's 198.18.1.2.
#
# Four published-port paths (issue 13): the client in out (as the egress
# paths' server), the servers in c2 on h2, which publishes their ports
# (tcp 5201 11110 11111, udp 5201: iperf3 and the two sockperf servers).
#
#   out 198.18.100.2 -- r -- h1 198.18.1.2 ==VXLAN== h2 198.18.2.2 -- c2
#
#   published-remote  vxnet up --decap tc on both hosts, c2 10.1.0.3 attached
#                     on h2 with --publish; the client connects to h1's
#                     address: h1 translates, sends it marked through VXLAN
#                     to h2, the answers come back the same way.
#   published-local   the same, the client connects to h2's address.
#   published-mesh    Docker's routing mesh, as far as this kernel allows
#                     (no CONFIG_IP_VS): the ingress network as kernel-vxlan
#                     lays it out (c1 10.1.0.2 on h1 is ingress_sbox, c2
#                     10.1.0.3 the task on h2), ingress_sbox on h1's
#                     docker_gwbridge as 172.18.0.2/16, h1's DNAT of the
#                     published ports to 172.18.0.2 (Docker's DOCKER-INGRESS
#                     chain), and in ingress_sbox Docker's mangle MARK rules
#                     with an iptables DNAT to the task in place of IPVS's
#                     fwmark service, and Docker's SNAT to 10.1.0.2 (the task
#                     sees ingress_sbox, not the client).
#   published-routed  no publication, no NAT, no encap: c2 10.1.2.2/24 on a
#                     veth routed by h2 and r; the client connects to
#                     10.1.2.2 (the floor of a remote container).
#
# Every namespace is ${P}<tag>-<name>; tags u r k x t h g e q l m d.
# Container addresses: 10.1.0.2 -> 10.1.0.3 (routed: 10.1.1.2 -> 10.1.2.2;
# egress: c1 -> 198.18.100.2; published: 198.18.100.2 -> h1's or h2's
# address, or 10.1.2.2).

PATHS="underlay routed kernel-vxlan vxnet-xdp vxnet-tc egress-host egress-gwbridge egress-vxnet"
PATHS="$PATHS published-remote published-local published-mesh published-routed"
PUB_TCP="5201 11110 11111" PUB_UDP=5201 # what c2 publishes on the published paths

tag_of() {
	case $1 in
	underlay) echo u ;; routed) echo r ;; kernel-vxlan) echo k ;;
	vxnet-xdp) echo x ;; vxnet-tc) echo t ;; tc-floor) echo f ;;
	vxnet-xdp-mon) echo xm ;; vxnet-xdp-trace) echo xt ;;
	vxnet-tc-mon) echo tm ;; vxnet-tc-trace) echo tt ;;
	egress-host) echo h ;; egress-gwbridge) echo g ;; egress-vxnet) echo e ;;
	published-remote) echo q ;; published-local) echo l ;;
	published-mesh) echo m ;; published-routed) echo d ;;
	esac
}

# ns PATH NAME: the namespace NAME (h1 h2 r c1 c2 o1 o2) of PATH
ns() { echo "${P}$(tag_of "$1")-$2"; }

# client_ns / server_ns PATH; server_ip PATH: where the client connects;
# server_bind PATH: the address the servers listen on (the same but for the
# published paths, where the client connects to a host's address).
client_ns() {
	case $1 in
	underlay | egress-host) ns "$1" h1 ;; published-*) ns "$1" out ;; *) ns "$1" c1 ;;
	esac
}
server_ns() {
	case $1 in
	underlay) ns "$1" h2 ;; egress-*) ns "$1" out ;; *) ns "$1" c2 ;;
	esac
}
server_ip() {
	case $1 in
	underlay | published-local) echo 198.18.2.2 ;; routed | published-routed) echo 10.1.2.2 ;;
	egress-*) echo 198.18.100.2 ;; published-remote | published-mesh) echo 198.18.1.2 ;;
	*) echo 10.1.0.3 ;;
	esac
}
server_bind() {
	case $1 in
	published-local | published-remote | published-mesh) echo 10.1.0.3 ;;
	*) server_ip "$1" ;;
	esac
}

# the vxnet CLI on host h1|h2 of a vxnet path, and on its state alone
vxh() { # vxh PATH h1|h2 ARGS...
	local path=$1 h=$2; shift 2
	"$VXNET" --state "$TMP/$path.state.json" --pin-dir "/sys/fs/bpf/$(ns "$path" "$h")" \
		-n "$(ns "$path" "$h")" "$@"
}
vxst() { local path=$1; shift; "$VXNET" --state "$TMP/$path.state.json" "$@"; }

# no_ipv6 NS...: IPv6 off in each namespace NS
no_ipv6() {
	local n
	for n in "$@"; do
		ip netns exec "$n" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
	done
}

# underlay_build PATH: r, h1, h2 and the two links.
underlay_build() {
	local path=$1 h1 h2 r
	h1=$(ns "$path" h1) h2=$(ns "$path" h2) r=$(ns "$path" r)
	mkns "$r" && mkns "$h1" && mkns "$h2" || return 1
	no_ipv6 "$r" "$h1" "$h2"
	ip link add r1 netns "$r" type veth peer name eth0 netns "$h1" &&
	ip link add r2 netns "$r" type veth peer name eth0 netns "$h2" &&
	ip -n "$r" addr add 198.18.1.1/24 dev r1 &&
	ip -n "$r" addr add 198.18.2.1/24 dev r2 &&
	ip -n "$h1" addr add 198.18.1.2/24 dev eth0 &&
	ip -n "$h2" addr add 198.18.2.2/24 dev eth0 &&
	ip -n "$r" link set r1 up && ip -n "$r" link set r2 up &&
	ip -n "$h1" link set eth0 up && ip -n "$h2" link set eth0 up &&
	ip netns exec "$r" sysctl -qw net.ipv4.ip_forward=1 &&
	ip -n "$h1" route add default via 198.18.1.1 &&
	ip -n "$h2" route add default via 198.18.2.1
}

# wire_mode PATH on|off: what the sending underlay veths offload. "on" is
# what a NIC link carries, 1500-byte frames with complete checksums, received
# as a NIC receives them: NAPI and GRO on the hosts' eth0 (a veth has neither
# unless GRO is switched on). "off": the veths as created.
wire_mode() {
	local path=$1 v=$2 off=on
	[ "$v" = on ] && off=off
	ip netns exec "$(ns "$path" h1)" ethtool -K eth0 gro "$v" >/dev/null 2>&1
	ip netns exec "$(ns "$path" h2)" ethtool -K eth0 gro "$v" >/dev/null 2>&1
	ip netns exec "$(ns "$path" r)" ethtool -K r1 tx $off tso $off gso $off >/dev/null 2>&1
	ip netns exec "$(ns "$path" r)" ethtool -K r2 tx $off tso $off gso $off >/dev/null 2>&1
	ip netns exec "$(ns "$path" h1)" ethtool -K eth0 tx $off tso $off gso $off >/dev/null 2>&1
	ip netns exec "$(ns "$path" h2)" ethtool -K eth0 tx $off tso $off gso $off >/dev/null 2>&1
	case $path in
	egress-* | published-*) # the outside link: r3 sends to out, out's eth0 back to r
		ip netns exec "$(ns "$path" r)" ethtool -K r3 tx $off tso $off gso $off >/dev/null 2>&1
		ip netns exec "$(ns "$path" out)" ethtool -K eth0 tx $off tso $off gso $off >/dev/null 2>&1
		ip netns exec "$(ns "$path" out)" ethtool -K eth0 gro "$v" >/dev/null 2>&1 ;;
	esac
}

# routed_build [PATH [I...]]: containers cI 10.1.I.2/24 on veths, routed.
routed_build() {
	local path=${1:-routed} i h c is=${2:-1 2}
	for i in $is; do
		h=$(ns "$path" h$i) c=$(ns "$path" c$i)
		mkns "$c" || return 1
		no_ipv6 "$c"
		ip -n "$h" link add c$i type veth peer name eth0 netns "$c" &&
		ip -n "$h" addr add 10.1.$i.1/24 dev c$i &&
		ip -n "$h" link set c$i up &&
		ip -n "$c" addr add 10.1.$i.2/24 dev eth0 &&
		ip -n "$c" link set eth0 up &&
		ip -n "$c" route add default via 10.1.$i.1 &&
		ip netns exec "$h" sysctl -qw net.ipv4.ip_forward=1 || return 1
	done
	ip -n "$(ns "$path" r)" route add 10.1.1.0/24 via 198.18.1.2 &&
	ip -n "$(ns "$path" r)" route add 10.1.2.0/24 via 198.18.2.2
}

# kvxlan_host I PEER_UNDERLAY [PATH]: Docker's layout on host hI for
# container cI (10.1.0.(I+1), MAC 02:42:0a:01:00:0(I+1)); the other
# container is static.
kvxlan_host() {
	local path=${3:-kernel-vxlan} i=$1 peer=$2 h o c me other
	h=$(ns $path h$i) o=$(ns $path o$i) c=$(ns $path c$i)
	me=$((i + 1)) other=$((i == 1 ? 3 : 2))
	mkns "$o" && mkns "$c" || return 1
	no_ipv6 "$o" "$c"
	ip -n "$o" link add br0 type bridge &&
	ip -n "$o" link set br0 up &&
	ip -n "$o" link add veth0 mtu 1450 type veth peer name eth0 netns "$c" mtu 1450 &&
	ip -n "$o" link set veth0 master br0 up &&
	ip -n "$c" link set eth0 address 02:42:0a:01:00:0$me &&
	ip -n "$c" addr add 10.1.0.$me/24 dev eth0 &&
	ip -n "$c" link set eth0 up &&
	ip -n "$h" link add vxlan0 type vxlan id 4096 dstport 4789 nolearning proxy l2miss l3miss &&
	ip -n "$h" link set vxlan0 netns "$o" &&
	ip -n "$o" link set vxlan0 mtu 1450 master br0 up &&
	ip netns exec "$o" bridge fdb append 02:42:0a:01:00:0$other dev vxlan0 dst "$peer" &&
	ip -n "$o" neigh add 10.1.0.$other lladdr 02:42:0a:01:00:0$other dev vxlan0 nud permanent
}

kvxlan_build() { # kvxlan_build [PATH]
	kvxlan_host 1 198.18.2.2 "${1:-kernel-vxlan}" && kvxlan_host 2 198.18.1.2 "${1:-kernel-vxlan}"
}

# vxnet_up PATH xdp|tc HOSTS: the nodes HOSTS (h1 198.18.1.2, h2
# 198.18.2.2) and network blue 10.1.0.0/24 in PATH's state, vxnet up on
# each host of HOSTS.
vxnet_up() {
	local path=$1 mode=$2 h
	for h in $3; do
		vxst "$path" node add "$h" "198.18.${h#h}.2" || return 1
	done
	vxst "$path" network create blue --subnet 10.1.0.0/24 || return 1
	for h in $3; do
		vxh "$path" "$h" up --node "$h" --dev eth0 --decap "$mode" || return 1
	done
}
# vxnet_sync PATH HOSTS: vxnet sync on each host of HOSTS
vxnet_sync() {
	local path=$1 h
	for h in $2; do
		vxh "$path" "$h" sync || return 1
	done
}

# vxnet_build PATH xdp|tc
vxnet_build() {
	local path=$1 mode=$2
	mkns "$(ns "$path" c1)" && mkns "$(ns "$path" c2)" || return 1
	vxnet_up "$path" "$mode" "h1 h2" &&
	vxh "$path" h1 attach "$(ns "$path" c1)" blue --ip 10.1.0.2 &&
	vxh "$path" h2 attach "$(ns "$path" c2)" blue --ip 10.1.0.3 &&
	vxnet_sync "$path" "h1 h2"
}

# link_attr NS DEV FIELD: a field of DEV's `ip -j link show` (address, ifindex)
link_attr() { ip -n "$1" -j link show "$2" | jq -r ".[0].$3"; }

# floor_build: the tc-floor path. Each host's programs are compiled for it
# (addresses, MACs, ifindexes) and loaded with bpftool, pinned under
# /sys/fs/bpf/<h's namespace>.
floor_build() {
	local path=tc-floor i h c r mac pin obj
	r=$(ns $path r)
	for i in 1 2; do
		h=$(ns $path h$i) c=$(ns $path c$i) mac=02:42:0a:01:00:0$((i + 1))
		mkns "$c" || return 1
		no_ipv6 "$c"
		ip -n "$h" link add c$i type veth peer name eth0 netns "$c" &&
		ip -n "$c" link set eth0 mtu 1450 address $mac &&
		ip -n "$c" addr add 10.1.0.$((i + 1))/24 dev eth0 &&
		ip -n "$c" neigh add 10.1.0.$((4 - i)) lladdr 02:42:0a:01:00:0$((4 - i)) dev eth0 nud permanent &&
		ip -n "$c" link set eth0 up && ip -n "$h" link set c$i up || return 1
		obj=$TMP/tc_floor_h$i.o pin=/sys/fs/bpf/$h
		"${CLANG:-clang}" -g -O2 -target bpf -Wall -Werror \
			-I"$TOP/vmlinux" -I"$TOP/include" -I"$TOP/bpf" \
			-DFLOOR_LOCAL=0xc612$(printf %02x $i)02 -DFLOOR_REMOTE=0xc612$(printf %02x $((3 - i)))02 \
			"-DFLOOR_SMAC={0x$(link_attr "$h" eth0 address | sed 's/:/,0x/g')}" \
			"-DFLOOR_DMAC={0x$(link_attr "$r" r$i address | sed 's/:/,0x/g')}" \
			-DFLOOR_UNDERLAY="$(link_attr "$h" eth0 ifindex)" -DFLOOR_VETH="$(link_attr "$h" c$i ifindex)" \
			-DFLOOR_VNI=4096 -c "$TOP/bench/tc_floor.bpf.c" -o "$obj" &&
			bpftool prog loadall "$obj" "$pin" || return 1
		# as vxnet's GRO device: a tunnel socket on 4789, so that the
		# underlay's GRO merges VXLAN (wire mode); nothing reaches it
		ip -n "$h" link add floor-gro type vxlan external dstport 4789 nolearning &&
		ip -n "$h" link set floor-gro up &&
		ip netns exec "$h" tc qdisc add dev c$i clsact &&
		nsenter --net="/run/netns/$h" tc filter add dev c$i ingress bpf da object-pinned "$pin/floor_encap" &&
		ip netns exec "$h" tc qdisc add dev eth0 clsact &&
		nsenter --net="/run/netns/$h" tc filter add dev eth0 ingress bpf da object-pinned "$pin/floor_decap" || return 1
	done
}

# monitor_start PATH [--trace]: `vxnet monitor` on h1 and h2 of PATH, in the
# background until paths_cleanup; waits until both hosts' monitor map has
# its flags set.
monitor_start() {
	local path=$1 h i; shift
	for h in h1 h2; do
		vxh "$path" "$h" monitor "$@" >/dev/null 2>&1 </dev/null &
		echo $! >>"$TMP/monitor.pids"
	done
	for h in h1 h2; do
		for i in $(seq 50); do
			bpftool -j map dump pinned "/sys/fs/bpf/$(ns "$path" "$h")/monitor" 2>/dev/null |
				jq -e '[.. | .flags? // empty | select(. != 0)] | length > 0' >/dev/null && break
			sleep 0.1
		done
		[ "$i" -lt 50 ] || { echo "monitor on $path $h: flags not set" >&2; return 1; }
	done
}

# outside_build PATH: the server namespace out behind r (r3).
outside_build() {
	local path=$1 r o
	r=$(ns "$path" r) o=$(ns "$path" out)
	mkns "$o" || return 1
	no_ipv6 "$o"
	ip link add r3 netns "$r" type veth peer name eth0 netns "$o" &&
	ip -n "$r" addr add 198.18.100.1/24 dev r3 &&
	ip -n "$o" addr add 198.18.100.2/24 dev eth0 &&
	ip -n "$r" link set r3 up && ip -n "$o" link set eth0 up &&
	ip -n "$o" route add default via 198.18.100.1
}

# docker_gwbridge PATH IFNAME: Docker's docker_gwbridge 172.18.0.1/16 on h1
# of PATH (which forwards), c1 on it as 172.18.0.2/16 through its
# interface IFNAME, its default route there.
docker_gwbridge() {
	local path=$1 ifname=$2 h c
	h=$(ns $path h1) c=$(ns $path c1)
	ip -n "$h" link add docker_gwbridge type bridge &&
	ip -n "$h" addr add 172.18.0.1/16 dev docker_gwbridge &&
	ip -n "$h" link set docker_gwbridge up &&
	ip -n "$h" link add veth0 type veth peer name "$ifname" netns "$c" &&
	ip -n "$h" link set veth0 master docker_gwbridge up &&
	ip -n "$c" addr add 172.18.0.2/16 dev "$ifname" &&
	ip -n "$c" link set "$ifname" up &&
	ip -n "$c" route add default via 172.18.0.1 &&
	ip netns exec "$h" sysctl -qw net.ipv4.ip_forward=1
}

# gwbridge_build: Docker's docker_gwbridge on h1 for c1, MASQUERADE out.
gwbridge_build() {
	local path=egress-gwbridge h c
	h=$(ns $path h1) c=$(ns $path c1)
	mkns "$c" || return 1
	no_ipv6 "$c"
	docker_gwbridge $path eth0 &&
	ip netns exec "$h" iptables -t nat -A POSTROUTING -s 172.18.0.0/16 ! -o docker_gwbridge -j MASQUERADE
}

# vxnet_egress_build: vxnet on h1 alone, c1 in blue.
vxnet_egress_build() {
	local path=egress-vxnet
	mkns "$(ns "$path" c1)" || return 1
	vxnet_up "$path" tc h1 &&
	vxh "$path" h1 attach "$(ns "$path" c1)" blue --ip 10.1.0.2 &&
	vxnet_sync "$path" h1
}

# vxnet_publish_build PATH: vxnet (tc decap) on h1 and h2, c2 10.1.0.3 on h2
# publishing $PUB_TCP and $PUB_UDP (host port = container port).
vxnet_publish_build() {
	local path=$1 p pub=()
	for p in $PUB_TCP; do pub+=(--publish "$p"); done
	for p in $PUB_UDP; do pub+=(--publish "$p/udp"); done
	mkns "$(ns "$path" c2)" || return 1
	vxnet_up "$path" tc "h1 h2" &&
	vxh "$path" h2 attach "$(ns "$path" c2)" blue --ip 10.1.0.3 "${pub[@]}" &&
	vxnet_sync "$path" "h1 h2"
}

# mesh_build: Docker's routing mesh for the same ports, entered at h1, IPVS
# replaced by iptables NAT (this kernel has no CONFIG_IP_VS). c1 plays
# ingress_sbox: on the ingress overlay (br0 + vxlan0 in o1) as 10.1.0.2 and
# on h1's docker_gwbridge as 172.18.0.2.
mesh_build() {
	local path=published-mesh h c p proto ports
	h=$(ns $path h1) c=$(ns $path c1)
	kvxlan_build $path || return 1
	docker_gwbridge $path eth1 &&
	ip netns exec "$c" sysctl -qw net.ipv4.ip_forward=1 &&
	ip netns exec "$h" iptables -t nat -N DOCKER-INGRESS &&
	ip netns exec "$h" iptables -t nat -A PREROUTING -m addrtype --dst-type LOCAL -j DOCKER-INGRESS &&
	ip netns exec "$c" iptables -t nat -A POSTROUTING -d 10.1.0.0/24 -j SNAT --to-source 10.1.0.2 || return 1
	for proto in tcp udp; do
		ports=$PUB_TCP; [ $proto = udp ] && ports=$PUB_UDP
		for p in $ports; do
			ip netns exec "$h" iptables -t nat -A DOCKER-INGRESS -p $proto --dport "$p" \
				-j DNAT --to-destination "172.18.0.2:$p" &&
			ip netns exec "$c" iptables -t mangle -A PREROUTING -p $proto --dport "$p" \
				-j MARK --set-xmark 0x100/0xffffffff &&
			ip netns exec "$c" iptables -t nat -A PREROUTING -p $proto --dport "$p" -m mark --mark 0x100 \
				-j DNAT --to-destination 10.1.0.3 || return 1
		done
	done
}

# path_build PATH: the whole topology of PATH, offloads as they are.
path_build() {
	local path=$1
	underlay_build "$path" || return 1
	case $path in
	underlay) ;;
	routed) routed_build ;;
	kernel-vxlan) kvxlan_build ;;
	vxnet-xdp) vxnet_build "$path" xdp ;;
	vxnet-tc) vxnet_build "$path" tc ;;
	tc-floor) floor_build ;;
	vxnet-xdp-mon) vxnet_build "$path" xdp && monitor_start "$path" ;;
	vxnet-xdp-trace) vxnet_build "$path" xdp && monitor_start "$path" --trace ;;
	vxnet-tc-mon) vxnet_build "$path" tc && monitor_start "$path" ;;
	vxnet-tc-trace) vxnet_build "$path" tc && monitor_start "$path" --trace ;;
	egress-host) outside_build "$path" ;;
	egress-gwbridge) outside_build "$path" && gwbridge_build ;;
	egress-vxnet) outside_build "$path" && vxnet_egress_build ;;
	published-remote | published-local) outside_build "$path" && vxnet_publish_build "$path" ;;
	published-mesh) outside_build "$path" && mesh_build ;;
	published-routed) outside_build "$path" && routed_build "$path" 2 ;;
	esac
}

paths_cleanup() {
	local path h pid
	if [ -e "$TMP/monitor.pids" ]; then
		for pid in $(cat "$TMP/monitor.pids"); do kill "$pid" 2>/dev/null; done
		for pid in $(cat "$TMP/monitor.pids"); do wait "$pid" 2>/dev/null; done
		rm -f "$TMP/monitor.pids"
	fi
	for path in vxnet-xdp vxnet-tc vxnet-xdp-mon vxnet-xdp-trace vxnet-tc-mon vxnet-tc-trace egress-vxnet published-remote published-local; do
		for h in h1 h2; do
			[ -e "/sys/fs/bpf/$(ns "$path" "$h")" ] && vxh "$path" "$h" down >/dev/null 2>&1
			rm -rf "/sys/fs/bpf/$(ns "$path" "$h")"
		done
	done
	rm -rf "/sys/fs/bpf/$(ns tc-floor h1)" "/sys/fs/bpf/$(ns tc-floor h2)" # floor_build's pins
	cleanup_netns
}
