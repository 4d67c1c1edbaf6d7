#!/bin/bash
# End-to-end with Docker: Debian's docker.io 20.10, one dockerd per host, each
# finding `vxnet docker-plugin` as the remote network and IPAM driver
# "vxnet". Containers on h1 and h2 ping each other, carry TCP (iperf3) and
# cross the router as VXLAN (UDP 4789, the network's VNI); they reach a
# container that `vxnet attach` put on h2; --ip, a taken address refused on
# either host, network connect and disconnect, the plugin and dockerd
# (--live-restore) restarted under running containers, docker run -p with a
# client outside every overlay and egress from that container, rm -f and
# network rm.
#
#   d1 10.1.0.10 (--ip)                   d2 10.1.0.x (the plugin's IPAM)
#   + eth1 10.9.0.10 (network connect)    d3 10.9.0.3 (--ip, on red)
#   dp 10.1.0.20 (-p 18080:80, httpd)     c2 10.1.0.50 (vxnet attach)
#        |                                     |
#   +--- h1 -----------------------+  +-- r --+  +--- h2 -----------------------+
#   | dockerd, vxnet docker-plugin |--|r1   r2|--| dockerd, vxnet docker-plugin |
#   | vxnet agent    198.18.1.2    |  |  r3   |  | vxnet agent    198.18.2.2    |
#   +------------------------------+  +--|----+  +------------------------------+
#                           tcpdump r1   |
#                           eth0 198.18.100.2 ${P}out (topo_outside): the client
#                           of dp's published port, an httpd dp reaches (egress)
#   Docker networks, made on both hosts (one file store $TMP/state.json):
#     NET  --subnet 10.1.0.0/24                      -> vxnet network docker-10.1.0.0-24
#     NET2 --subnet 10.9.0.0/24 -o vxnet.network=red -> vxnet network red
#
# Each host's dockerd and plugin share a mount namespace of their own (held
# by a sleep started with unshare -m) with tmpfs on /run/docker/plugins (where
# dockerd looks for the plugin's socket, the plugin's default --socket),
# /etc/docker and /run/containerd; dockerd enters h1's or h2's network
# namespace with nsenter (ip netns exec would remount /sys). Data, exec root
# and cgroups (--cgroup-parent) under this run's prefix; the trap removes
# containers, dockerds, plugins, leftover processes of either mount
# namespace or cgroup, and the directories it made. No registry: the image
# is a busybox-static rootfs (docker import) with iperf3 and its libraries
# copied in, and a CGI for busybox httpd that answers and logs the client's
# address. About 15 s.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/topo.sh"

T=docker
DOCKER=/usr/bin/docker # docker.io's client (another in PATH may be newer)
[ -x "$DOCKER" ] || DOCKER=$(command -v docker)
export DOCKER_CONFIG=$TMP/docker-config
IMG=${P}busybox NET=${P}blue NET2=${P}red VXNET_NET=docker-10.1.0.0-24
ROOTFS=$TMP/rootfs
HOLDER=() DPID=() PLUGIN=() A1='' A2='' MADE_DIRS=()
PRIVATE_DIRS="/run/docker/plugins /etc/docker /run/containerd"

hdir() { echo "$TMP/d$1"; } # hdir N: host N's docker and plugin files
hns() { if [ "$1" = 1 ]; then echo "$H1"; else echo "$H2"; fi; }
hpin() { if [ "$1" = 1 ]; then echo "$PIN1"; else echo "$PIN2"; fi; }
# dk N ARGS...: the docker client against host N's dockerd
dk() { local n=$1; shift; timeout 60 "$DOCKER" -H "unix://$(hdir "$n")/docker.sock" "$@"; }

stop() { stop_pid 15 "$1"; } # stop PID: TERM, KILL after 15 s

# start_holder N: the mount namespace of host N, private directories mounted
start_holder() {
	local n=$1 d m mounts=''
	for d in $PRIVATE_DIRS; do mounts+="mount -t tmpfs -o mode=755 ${P}docker $d && "; done
	(exec unshare -m --propagation private sh -c "${mounts}exec sleep infinity" </dev/null >/dev/null 2>&1) &
	HOLDER[n]=$!
	for m in $PRIVATE_DIRS; do wait_for 5 grep -q "^${P}docker $m " "/proc/${HOLDER[$n]}/mounts" || return 1; done
}
# start_dockerd N: dockerd in host N's namespaces; waits until it answers
start_dockerd() {
	local n=$1 d; d=$(hdir "$n")
	(exec nsenter --mount="/proc/${HOLDER[$n]}/ns/mnt" --net="/run/netns/$(hns "$n")" dockerd \
		--bridge=none --iptables=false --ip-masq=false --storage-driver=vfs \
		--exec-opt native.cgroupdriver=cgroupfs --cgroup-parent "/${P}d$n" --live-restore \
		--data-root "$d/data" --exec-root "$d/exec" -H "unix://$d/docker.sock" \
		--pidfile "$d/dockerd.pid" </dev/null >>"$d/dockerd.log" 2>&1) &
	DPID[n]=$! # nsenter execs dockerd: $! is dockerd
	wait_for 30 dk "$n" version && [ "$(cat "$d/dockerd.pid")" = "${DPID[$n]}" ]
}
# start_plugin N: `vxnet docker-plugin` on its default socket in host N's
# mount namespace; waits for its "listening" line
start_plugin() {
	local n=$1 d before; d=$(hdir "$n")
	touch "$d/plugin.log"
	before=$(wc -l <"$d/plugin.log")
	(exec nsenter --mount="/proc/${HOLDER[$n]}/ns/mnt" "$VXNET" --state "$STATE" --pin-dir "$(hpin "$n")" \
		-n "$(hns "$n")" docker-plugin --data-dir "$d/vxnet-docker" </dev/null >>"$d/plugin.log" 2>&1) &
	PLUGIN[n]=$! # vxnet itself
	wait_for 5 eval "tail -n +$((before + 1)) '$d/plugin.log' | grep -q 'listening on /run/docker/plugins/vxnet.sock'"
}

# in_mntns MNT: PIDs of processes whose mount namespace is MNT
in_mntns() {
	local p
	for p in /proc/[0-9]*; do [ "$(readlink "$p/ns/mnt" 2>/dev/null)" = "$1" ] && echo "${p#/proc/}"; done
}
# in_cgroup NAME: PIDs of processes in a cgroup under /NAME (containers)
in_cgroup() { grep -l ":/$1/" /proc/[0-9]*/cgroup 2>/dev/null | cut -d/ -f3; }
cleanup() {
	local n p m mnt ids
	for n in 1 2; do
		if [ -n "${DPID[$n]:-}" ] && ! exited "${DPID[$n]}"; then
			mapfile -t ids < <(dk "$n" ps -aq 2>/dev/null)
			[ ${#ids[@]} = 0 ] || dk "$n" rm -f "${ids[@]}" >/dev/null 2>&1
		fi
		stop "${DPID[$n]:-}"; stop "${PLUGIN[$n]:-}"
	done
	for n in 1 2; do # whatever is left: shims, containerd, container processes
		[ -n "${HOLDER[$n]:-}" ] || continue
		mnt=$(readlink "/proc/${HOLDER[$n]}/ns/mnt")
		for p in $(in_mntns "$mnt") $(in_cgroup "${P}d$n"); do
			[ "$p" != "${HOLDER[$n]}" ] && kill -KILL "$p" 2>/dev/null
		done
		stop "${HOLDER[$n]}"
	done
	stop "$A1"; stop "$A2"
	for n in 1 2; do
		for m in /sys/fs/cgroup/*/"${P}d$n"; do [ -d "$m" ] && find "$m" -depth -type d -exec rmdir {} + 2>/dev/null; done
	done
	for m in $(awk -v t="$TMP/" 'index($2, t) == 1 { print $2 }' /proc/mounts | sort -r); do umount -l "$m"; done
	for ((n = ${#MADE_DIRS[@]} - 1; n >= 0; n--)); do rmdir "${MADE_DIRS[$n]}" 2>/dev/null; done
	topo_cleanup
}
trap cleanup EXIT

for cmd in dockerd nsenter unshare iperf3; do
	command -v $cmd >/dev/null || { fail "$T: $cmd is not installed (make deps)"; exit 1; }
done
[ -x "$DOCKER" ] || { fail "$T: no docker client (make deps)"; exit 1; }
[ -x /bin/busybox ] && ldd /bin/busybox 2>&1 | grep -q 'not a dynamic' ||
	{ fail "$T: /bin/busybox is not busybox-static (make deps)"; exit 1; }
"$VXNET" docker-plugin --help >/dev/null 2>&1 || { fail "$T: $VXNET has no docker-plugin (make)"; exit 1; }

# ---- the image: busybox-static, iperf3 with its libraries ----
mkdir -p "$DOCKER_CONFIG"
who_rootfs "$ROOTFS"
cp "$(command -v iperf3)" "$ROOTFS/bin/iperf3"
for lib in $(ldd "$(command -v iperf3)" | grep -o '/[^ ]*'); do
	mkdir -p "$ROOTFS${lib%/*}" && cp -L "$lib" "$ROOTFS$lib"
done
# directories the private mounts need, removed again if this run made them
for d in $PRIVATE_DIRS; do
	missing=() top=$d
	while [ ! -e "$top" ]; do missing=("$top" "${missing[@]}"); top=${top%/*}; done
	[ ${#missing[@]} = 0 ] && continue
	mkdir -p "$d" || { fail "$T: mkdir $d"; exit 1; }
	MADE_DIRS+=("${missing[@]}")
done

# ---- two vxnet hosts with agents; dockerd and the plugin on each ----
topo_build && topo_outside || { fail "$T: build topology"; exit 1; }
topo_hosts tc || { fail "$T: vxnet up"; exit 1; }
"$VXNET" --state "$STATE" --pin-dir "$PIN1" -n "$H1" agent >"$TMP/agent1.log" 2>&1 & A1=$!
"$VXNET" --state "$STATE" --pin-dir "$PIN2" -n "$H2" agent >"$TMP/agent2.log" 2>&1 & A2=$!
for n in 1 2; do
	mkdir -p "$(hdir $n)"
	start_holder $n || { fail "$T: h$n: private mount namespace"; exit 1; }
	start_dockerd $n || { fail "$T: h$n: dockerd does not answer: $(waited) $(tails 3 "$(hdir $n)/dockerd.log")"; exit 1; }
	start_plugin $n || { fail "$T: h$n: plugin does not listen: $(tails 3 "$(hdir $n)/plugin.log")"; exit 1; }
	tar -C "$ROOTFS" -c . | dk $n import - "$IMG" >/dev/null || { fail "$T: h$n: docker import"; exit 1; }
done
ok "$T: dockerd and vxnet docker-plugin on h1 and h2, each in its own mount namespace"

# ep_field IP COLUMN: COLUMN (NAME, NODE, HOST_IFNAME, CONTAINER...) of the
# endpoint with address IP in `vxnet endpoint ls`; fails when there is none
ep_field() {
	vxs endpoint ls | awk -v ip="$1" -v col="$2" '
		NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
		$4 == ip { if (!(col in c)) exit 2; print $c[col]; found = 1 }
		END { exit !found }'
}
ep_gone() { ! vxs endpoint ls | awk -v ip="$1" '$4 == ip { f = 1 } END { exit !f }'; }
# net_field NAME COLUMN: COLUMN of vxnet network NAME in `vxnet network ls`
net_line() { vxs network ls | awk -v n="$1" '$1 == n'; }
has_addr() { dk "$1" exec "$2" ip -4 -o addr show "$3" | grep -q " $4 "; } # has_addr N CTR DEV CIDR
dping() { dk "$1" exec "$2" ping -c 1 -W 1 "$3"; }                           # dping N CTR IP
# veths N: host N's vx* links, one line (fails when ip reports an error)
veths() {
	local out
	out=$(ip -n "$(hns "$1")" -o link show 2>&1) || { echo "$out" >&2; return 1; }
	awk -F': ' '{ sub(/@.*/, "", $2); print $2 }' <<<"$out" | grep '^vx' | sort | tr '\n' ' '
	echo
}
veths_are() { [ "$(veths "$1")" = "$2" ]; }

# ---- docker network create on both hosts ----
for n in 1 2; do
	check "$T: h$n: docker network create -d vxnet --ipam-driver vxnet --subnet 10.1.0.0/24" \
		dk $n network create -d vxnet --ipam-driver vxnet --subnet 10.1.0.0/24 "$NET"
done
for n in 1 2; do
	got=$(dk $n network inspect -f '{{.Driver}} {{.IPAM.Driver}} {{(index .IPAM.Config 0).Subnet}}' "$NET" 2>&1)
	[ "$got" = "vxnet vxnet 10.1.0.0/24" ] && ok "$T: h$n: network inspect: $got" ||
		fail "$T: h$n: network inspect: '$got'"
done
line=$(net_line "$VXNET_NET")
case $line in *10.1.0.0/24*) ok "$T: one vxnet network $VXNET_NET for both: $(echo $line)" ;;
*) fail "$T: vxnet network ls: $(vxs network ls 2>&1 | tr '\n' '|')" ;; esac

# ---- d1 on h1 with --ip, d2 on h2 with the plugin's IPAM ----
if dk 1 run -d --name "${P}d1" --network "$NET" --ip 10.1.0.10 "$IMG" sleep 600 >"$TMP/out" 2>&1; then
	ok "$T: h1: docker run -d --network $NET --ip 10.1.0.10"
else
	fail "$T: h1: docker run d1: $(tr '\n' '|' <"$TMP/out") $(tails 3 "$(hdir 1)/plugin.log")"; exit 1
fi
check "$T: d1 has 10.1.0.10/24 on eth0" has_addr 1 "${P}d1" eth0 10.1.0.10/24
dk 1 exec "${P}d1" ip route >"$TMP/routes" 2>&1
grep -q '^default via 10.1.0.1 dev eth0' "$TMP/routes" && ok "$T: d1's default route is via the gateway 10.1.0.1" ||
	fail "$T: d1's routes: $(tr '\n' '|' <"$TMP/routes")"
got=$(dk 1 inspect -f "{{(index .NetworkSettings.Networks \"$NET\").IPAddress}}" "${P}d1" 2>&1)
[ "$got" = 10.1.0.10 ] && ok "$T: docker inspect shows 10.1.0.10" || fail "$T: inspect d1's address: '$got'"
EP1=$(dk 1 inspect -f "{{(index .NetworkSettings.Networks \"$NET\").EndpointID}}" "${P}d1" 2>/dev/null)
name=$(ep_field 10.1.0.10 NAME) node=$(ep_field 10.1.0.10 NODE)
[ "$name $node" = "docker-${EP1:0:12} h1" ] && ok "$T: endpoint ls: 10.1.0.10 is docker-${EP1:0:12} on h1" ||
	fail "$T: endpoint ls: 10.1.0.10 is '$name' on '$node', Docker's endpoint $EP1"
D1_VETH=$(ep_field 10.1.0.10 HOST_IFNAME)
check "$T: d1's host veth $D1_VETH is in h1" ip -n "$H1" link show "$D1_VETH"
check "$T: d1 in h1's endpoints map" map_has_ip "$PIN1" 10.1.0.10

if dk 2 run -d --name "${P}d2" --network "$NET" "$IMG" sleep 600 >"$TMP/out" 2>&1; then
	ok "$T: h2: docker run -d --network $NET"
else
	fail "$T: h2: docker run d2: $(tr '\n' '|' <"$TMP/out") $(tails 3 "$(hdir 2)/plugin.log")"; exit 1
fi
D2_IP=$(dk 2 inspect -f "{{(index .NetworkSettings.Networks \"$NET\").IPAddress}}" "${P}d2" 2>&1)
case $D2_IP in 10.1.0.1 | 10.1.0.10) fail "$T: d2 got $D2_IP, which is taken"; D2_IP=10.1.0.254 ;;
10.1.0.*) ok "$T: d2 got $D2_IP from the plugin's IPAM" ;;
*) fail "$T: d2's address: '$D2_IP'"; D2_IP=10.1.0.254 ;; esac
check "$T: d2 has $D2_IP/24 on eth0" has_addr 2 "${P}d2" eth0 "$D2_IP/24"

if wait_for 10 dping 1 "${P}d1" "$D2_IP"; then ok "$T: d1 (h1) pings d2 (h2)"
else fail "$T: d1 -> d2: $(waited) $(tails 2 "$TMP/agent1.log" "$TMP/agent2.log")"; fi
if wait_for 10 dping 2 "${P}d2" 10.1.0.10; then ok "$T: d2 (h2) pings d1 (h1)"
else fail "$T: d2 -> d1: $(waited)"; fi

# on the wire between the hosts: VXLAN, UDP 4789, the network's VNI
VNI=$(net_line "$VXNET_NET" | awk '{ print $2 }')
in_ns "$R" timeout 10 tcpdump -l -nn -i r1 -c 1 "udp port 4789 and src 198.18.2.2" >"$TMP/tcpdump.out" 2>"$TMP/tcpdump.err" &
TD=$!
wait_for 5 grep -q "listening on r1" "$TMP/tcpdump.err"
dping 2 "${P}d2" 10.1.0.10 >/dev/null 2>&1
wait "$TD"
if grep -q "198.18.2.2.[0-9]* > 198.18.1.2.4789: VXLAN, flags \[I\] (0x08), vni $VNI\$" "$TMP/tcpdump.out"; then
	ok "$T: d2 -> d1 crosses the router as VXLAN, UDP 4789, vni $VNI"
else
	fail "$T: tcpdump on r1: $(tr '\n' '|' <"$TMP/tcpdump.out" | cut -c 1-300)"
fi

# TCP: iperf3 from d2 to d1 for 2 s
dk 1 exec -d "${P}d1" iperf3 -s -1 -B 10.1.0.10 >/dev/null 2>&1
wait_for 5 dk 1 exec "${P}d1" sh -c 'cat /proc/net/tcp | grep -q " 0A00010A:1451 00000000:0000 0A "'
if dk 2 exec "${P}d2" iperf3 -c 10.1.0.10 -t 2 -J >"$TMP/iperf.json" 2>&1; then
	bytes=$(jq '.end.sum_received.bytes' "$TMP/iperf.json" 2>/dev/null)
	if [ "${bytes:-0}" -gt 10000000 ]; then ok "$T: TCP d2 -> d1 (iperf3, $((bytes / 1000000)) MB received)"
	else fail "$T: TCP d2 -> d1: only '$bytes' bytes"; fi
else
	fail "$T: iperf3 d2 -> d1: $(jq -r '.error // empty' "$TMP/iperf.json" 2>/dev/null | head -1) $(head -c 200 "$TMP/iperf.json")"
fi

# ---- vxnet network update of the Docker network: the containers' eth0 in
# Docker's sandboxes follow. vxnet opens a sandbox by its SandboxKey, a file
# that exists in dockerd's mount namespace (here each host's own): the
# update and h2's sync run there.
dmtu() { [ "$(dk "$1" exec "$2" cat /sys/class/net/eth0/mtu 2>&1)" = "$3" ]; }
vxm() { # vxm N ARGS...: vxnet on host N, in its dockerd's mount namespace
	local n=$1; shift
	nsenter --mount="/proc/${HOLDER[$n]}/ns/mnt" "$VXNET" --state "$STATE" --pin-dir "$(hpin "$n")" -n "$(hns "$n")" "$@"
}
check "$T: vxnet network update $VXNET_NET --mtu 1400 on h1" vxm 1 network update "$VXNET_NET" --mtu 1400
check "$T: ... d1's eth0 (Docker's sandbox, h1) is 1400 at once" dmtu 1 "${P}d1" 1400
check "$T: vxnet sync on h2" vxm 2 sync
check "$T: ... d2's eth0 (h2) is 1400" dmtu 2 "${P}d2" 1400
check "$T: ... d1 still pings d2" dping 1 "${P}d1" "$D2_IP"
check "$T: vxnet network update $VXNET_NET --mtu 1450 (back), sync h2" eval 'vxm 1 network update "$VXNET_NET" --mtu 1450 && vxm 2 sync'
check "$T: ... d1 and d2 back at 1450" eval 'dmtu 1 "${P}d1" 1450 && dmtu 2 "${P}d2" 1450'
# from outside dockerd's mount namespace the sandbox cannot be opened: a
# warning naming it, the interface unchanged
out=$(vx1 network update "$VXNET_NET" --mtu 1420 2>&1)
if grep -q "^vxnet: warning: sync: endpoint docker-[0-9a-f]*: cannot apply network $VXNET_NET (MTU 1420, 0 routes) to its interface in $(hdir 1)/exec/netns/" <<<"$out" &&
   dmtu 1 "${P}d1" 1450; then ok "$T: a sandbox vxnet cannot open: a warning naming it, d1 unchanged"
else fail "$T: update from another mount namespace: $(tr '\n' '|' <<<"$out"), d1 at $(dk 1 exec "${P}d1" cat /sys/class/net/eth0/mtu 2>&1)"; fi
vxm 1 network update "$VXNET_NET" --mtu 1450 >/dev/null 2>&1

# ---- an address in use: refused on either host, nothing left ----
n_before=$(vxs endpoint ls | wc -l)
wait_for 5 veths 1 && v1_before=$(cat "$TMP/wait.out")
wait_for 5 veths 2 && v2_before=$(cat "$TMP/wait.out")
for n in 2 1; do
	if dk $n run --name "${P}bad" --network "$NET" --ip 10.1.0.10 "$IMG" true >"$TMP/out" 2>"$TMP/err"; then
		fail "$T: h$n: run --ip 10.1.0.10 (d1's) succeeded"
	elif grep -q '10\.1\.0\.10' "$TMP/err"; then
		ok "$T: h$n: run --ip 10.1.0.10 fails naming it: $(grep -m1 '10\.1\.0\.10' "$TMP/err" | cut -c 1-200)"
	else
		fail "$T: h$n: run --ip 10.1.0.10: error without the address: $(tr '\n' '|' <"$TMP/err")"
	fi
	dk $n rm -f "${P}bad" >/dev/null 2>&1
done
n_after=$(vxs endpoint ls | wc -l)
if [ "$n_after" = "$n_before" ] && wait_for 5 veths_are 1 "$v1_before" && wait_for 5 veths_are 2 "$v2_before"; then
	ok "$T: the refused runs left no endpoint and no veth"
else
	fail "$T: refused runs: endpoint ls $n_before -> $n_after lines, veths h1 '$v1_before' -> '$(veths 1)', h2 '$v2_before' -> '$(veths 2)'"
fi

# ---- a container attached by vxnet and Docker's on one network ----
check "$T: vxnet attach c2 on h2 to $VXNET_NET" vx2 attach "$C2" "$VXNET_NET" --ip 10.1.0.50
if wait_for 10 dping 1 "${P}d1" 10.1.0.50; then ok "$T: d1 (Docker, h1) pings c2 (vxnet attach, h2)"
else fail "$T: d1 -> c2: $(waited)"; fi
if wait_for 10 in_ns "$C2" ping -c 1 -W 1 10.1.0.10; then ok "$T: c2 pings d1"
else fail "$T: c2 -> d1: $(waited)"; fi

# ---- a second network; network connect and disconnect ----
for n in 1 2; do
	check "$T: h$n: network create $NET2 -o vxnet.network=red --subnet 10.9.0.0/24" \
		dk $n network create -d vxnet --ipam-driver vxnet --subnet 10.9.0.0/24 -o vxnet.network=red "$NET2"
done
case $(net_line red) in *10.9.0.0/24*) ok "$T: vxnet network red has 10.9.0.0/24" ;;
*) fail "$T: no vxnet network red: $(vxs network ls 2>&1 | tr '\n' '|')" ;; esac
check "$T: h2: run d3 on $NET2 --ip 10.9.0.3" dk 2 run -d --name "${P}d3" --network "$NET2" --ip 10.9.0.3 "$IMG" sleep 600
check "$T: h1: network connect --ip 10.9.0.10 $NET2 d1" dk 1 network connect --ip 10.9.0.10 "$NET2" "${P}d1"
check "$T: connect: d1 has 10.9.0.10/24 on eth1" has_addr 1 "${P}d1" eth1 10.9.0.10/24
D1_VETH2=$(ep_field 10.9.0.10 HOST_IFNAME)
check "$T: connect: d1's second host veth $D1_VETH2 is in h1" ip -n "$H1" link show "$D1_VETH2"
if wait_for 10 dping 1 "${P}d1" 10.9.0.3; then ok "$T: connect: d1 pings d3 (h2) on red through eth1"
else fail "$T: d1 -> d3: $(waited)"; fi
check "$T: connect: d1 still pings d2 on $NET" dping 1 "${P}d1" "$D2_IP"
check "$T: h1: network disconnect $NET2 d1" dk 1 network disconnect "$NET2" "${P}d1"
check_not "$T: disconnect: d1 has no eth1" dk 1 exec "${P}d1" ip link show eth1
check "$T: disconnect: 10.9.0.10's endpoint is gone" ep_gone 10.9.0.10
check "$T: disconnect: 10.9.0.10 is gone from h1's map" map_lacks_ip "$PIN1" 10.9.0.10
if [ -n "$D1_VETH2" ]; then check "$T: disconnect: the veth $D1_VETH2 is gone" link_gone "$H1" "$D1_VETH2"
else fail "$T: the second endpoint had no host_ifname"; fi
check "$T: disconnect: d1 still pings d2 on $NET" dping 1 "${P}d1" "$D2_IP"
check_not "$T: disconnect: d1 no longer reaches d3" dping 1 "${P}d1" 10.9.0.3

# ---- the plugin, then dockerd restarted under running containers ----
D1_PID=$(dk 1 inspect -f '{{.State.Pid}}' "${P}d1") D1_ID=$(dk 1 inspect -f '{{.Id}}' "${P}d1")
stop "${PLUGIN[1]}"
check "$T: plugin stopped: d1 still pings d2" dping 1 "${P}d1" "$D2_IP"
start_plugin 1 && ok "$T: h1: plugin restarted" || fail "$T: h1: plugin restart: $(tails 3 "$(hdir 1)/plugin.log")"
stop "${DPID[1]}"
check "$T: dockerd stopped (--live-restore): d1 (pid $D1_PID) keeps running" kill -0 "$D1_PID"
if start_dockerd 1; then ok "$T: h1: dockerd restarted"
else fail "$T: h1: dockerd restart: $(waited) $(tails 3 "$(hdir 1)/dockerd.log")"; fi
# dockerd answers only once it has restored its containers: no waiting.
# A failure says whether d1's process died or dockerd lost it, and what
# dockerd (and its containerd) logged since the restart about d1, restores
# and shims.
got=$(dk 1 inspect -f '{{.State.Running}} {{.State.Pid}}' "${P}d1" 2>&1)
if [ "$got" = "true $D1_PID" ]; then ok "$T: restarted: d1 is the same running container"
else
	kill -0 "$D1_PID" 2>/dev/null && alive="still runs" || alive="is gone"
	fail "$T: restarted: d1 is '$got', its process $D1_PID $alive; dockerd.log on it: $(tac "$(hdir 1)/dockerd.log" | sed '/msg="Starting up"/q' | tac |
		grep -E "${D1_ID:0:12}|restor|shim|level=(error|fatal)" | tail -n 4 | cut -c 1-300 | tr '\n' '|')"
fi
check "$T: restarted: d1 pings d2" dping 1 "${P}d1" "$D2_IP"
check "$T: restarted: d2 pings d1" dping 2 "${P}d2" 10.1.0.10
check "$T: restarted: c2 pings d1" in_ns "$C2" ping -c 1 -W 1 10.1.0.10
if dk 1 run --rm --network "$NET" "$IMG" sh -c \
	"for i in \$(seq 50); do ping -c 1 -W 1 $D2_IP >/dev/null && exit 0; done; exit 1" >"$TMP/out" 2>&1; then
	ok "$T: restarted: a new container on h1 pings d2"
else
	fail "$T: restarted: new container: $(tr '\n' '|' <"$TMP/out") $(tails 3 "$(hdir 1)/plugin.log")"
fi

# ---- docker run -p: published ports (ProgramExternalConnectivity) ----
# dp runs busybox httpd on 0.0.0.0:80 (IPv4, so REMOTE_ADDR is plain). A
# client in the outside namespace (198.18.100.2, behind r) reaches 18080
# through h1's and h2's underlay addresses; the answer is dp's CGI, which
# saw the client's own address. dp fetches from an httpd on the outside
# server (egress): the server saw h1's address and a port of its NAT range.
# rm -f takes the publication away: 18080 answers on neither host.
in_ns "$OUTSIDE" busybox httpd -f -p "$WHO_CLIENT:8000" -h "$TMP/outwww" >"$TMP/out-httpd.log" 2>&1 &
# port_le P: a __be16 as bpftool shows it; svc_has PIN PROTO PORT
port_le() { echo $((($1 & 255) << 8 | $1 >> 8)); }
svc_has() { map_has "$1" services ".proto == $2 and .port == $(port_le "$3")"; }
svc_lacks() { map_lacks "$1" services ".proto == $2 and .port == $(port_le "$3")"; }
if dk 1 run -d --name "${P}dp" --network "$NET" --ip 10.1.0.20 -p 18080:80 -p 15353:53/udp "$IMG" \
	busybox httpd -f -p 0.0.0.0:80 -h /www >"$TMP/out" 2>&1; then
	ok "$T: h1: docker run -d -p 18080:80 -p 15353:53/udp (httpd on 80)"
	got=$(ep_field 10.1.0.20 PORTS)
	[ "$got" = "18080:80/tcp,15353:53/udp" ] && ok "$T: -p: endpoint ls PORTS $got" || fail "$T: -p: endpoint ls PORTS '$got'"
	check "$T: -p: 18080/tcp in h1's services map" svc_has "$PIN1" 6 18080
	check "$T: -p: 15353/udp in h1's services map" svc_has "$PIN1" 17 15353
	wait_for 10 svc_has "$PIN2" 6 18080 && ok "$T: -p: 18080/tcp in h2's services map" ||
		fail "$T: -p: 18080/tcp not in h2's services map: $(waited)"
	who_published "$T" dp dk 1 exec "${P}dp"
	who_egress "$T" dp dk 1 exec "${P}dp"
	if dk 1 run -d --name "${P}dq" --network "$NET" -p 18080:81 "$IMG" sleep 600 >"$TMP/out" 2>&1; then
		fail "$T: -p 18080:81 on another container was not refused"
	elif grep -q 'host port 18080/tcp: published by docker-[0-9a-f]* (port 80, network '"$VXNET_NET"') and docker-[0-9a-f]* (port 81' "$TMP/out"; then
		ok "$T: -p 18080:81 on another container refused naming both"
	else fail "$T: -p 18080:81: $(tr '\n' '|' <"$TMP/out")"; fi
	dk 1 rm -f "${P}dq" >/dev/null 2>&1
	check "$T: -p: docker rm -f" dk 1 rm -f "${P}dp"
	check "$T: -p: rm: the endpoint is gone" ep_gone 10.1.0.20
	check "$T: -p: rm: 18080/tcp gone from h1's services map" svc_lacks "$PIN1" 6 18080
	check "$T: -p: rm: 15353/udp gone" svc_lacks "$PIN1" 17 15353
	wait_for 10 svc_lacks "$PIN2" 6 18080 && ok "$T: -p: rm: 18080/tcp gone from h2's services map" ||
		fail "$T: -p: rm: 18080/tcp still in h2's services map: $(waited)"
	who_unpublished "$T"
else
	fail "$T: h1: docker run -p: $(tr '\n' '|' <"$TMP/out") $(tails 3 "$(hdir 1)/plugin.log")"
fi

# ---- rm -f frees the address and the veth ----
check "$T: h1: docker rm -f d1" dk 1 rm -f "${P}d1"
check "$T: rm: 10.1.0.10's endpoint is gone" ep_gone 10.1.0.10
check "$T: rm: 10.1.0.10 is gone from h1's map" map_lacks_ip "$PIN1" 10.1.0.10
wait_for 10 map_lacks_ip "$PIN2" 10.1.0.10 && ok "$T: rm: 10.1.0.10 is gone from h2's map" ||
	fail "$T: 10.1.0.10 still in h2's map: $(waited)"
if [ -n "$D1_VETH" ]; then check "$T: rm: d1's veth $D1_VETH is gone" link_gone "$H1" "$D1_VETH"
else fail "$T: d1's endpoint had no host_ifname"; fi
check "$T: rm: h2 can give 10.1.0.10 now" dk 2 run --rm --network "$NET" --ip 10.1.0.10 "$IMG" true
check "$T: ...and it is free again after that" ep_gone 10.1.0.10

# ---- network rm: the adopting host, then the creating one ----
check "$T: vxnet detach c2" vx2 detach "$C2" "$VXNET_NET"
check "$T: h2: rm -f d2 d3" dk 2 rm -f "${P}d2" "${P}d3"
check "$T: h2: docker network rm $NET $NET2" dk 2 network rm "$NET" "$NET2"
[ -n "$(net_line "$VXNET_NET")" ] && [ -n "$(net_line red)" ] &&
	ok "$T: h2's network rm keeps the vxnet networks (h1 made them)" ||
	fail "$T: after h2's network rm: $(vxs network ls 2>&1 | tr '\n' '|')"
check "$T: h1: docker network rm $NET $NET2" dk 1 network rm "$NET" "$NET2"
[ -z "$(net_line "$VXNET_NET")" ] && [ -z "$(net_line red)" ] &&
	ok "$T: h1's network rm removes vxnet networks $VXNET_NET and red" ||
	fail "$T: after h1's network rm: $(vxs network ls 2>&1 | tr '\n' '|')"
for n in 1 2; do
	dk $n network ls --format '{{.Name}}' >"$TMP/nets" 2>&1
	grep -q "^$P" "$TMP/nets" && fail "$T: h$n: docker network ls: $(tr '\n' '|' <"$TMP/nets")" ||
		ok "$T: h$n: docker network ls lists neither"
done
left=$(vxs endpoint ls | tail -n +2)
[ -z "$left" ] && ok "$T: no endpoint or address reservation is left" ||
	fail "$T: left: $(tr '\n' '|' <<<"$left") $(tails 3 "$(hdir 1)/plugin.log" "$(hdir 2)/plugin.log") dockerd on endpoints: $(
		grep -hE 'level=(warning|error).*(ndpoint|vxnet)' "$(hdir 1)/dockerd.log" "$(hdir 2)/dockerd.log" | tail -n 3 | cut -c 1-300 | tr '\n' '|')"
finish
