#!/bin/bash
# End-to-end with a real container runtime: Debian's podman 4.3 (CNI
# backend, runc) starts containers on h1 through vxnet-cni; a container that
# `vxnet attach` put on h2 reaches them and they reach it.
#
#   p1 10.1.0.10 (podman --ip)                      c2 10.1.0.3
#   p2 (podman --rm, first free address)            (vxnet attach)
#   pw (podman -p 18080:80, httpd)
#        |                                               |
#   +--- h1 ------------------+   +--- r ---+   +--- h2 ----------+
#   | podman -> vxnet-cni     |---| r1   r2 |---| vxnet agent     |
#   | vxnet agent  198.18.1.2 |   |    r3   |   | 198.18.2.2      |
#   +-------------------------+   +----|----+   +-----------------+
#        both hosts share the file store $TMP/state.json
#                                      |
#                       eth0 198.18.100.2  ${P}out (topo_outside): the
#                       client of pw's published port, and an httpd pw
#                       reaches through egress
#
# podman runs inside h1's network namespace with nsenter (ip netns exec
# would remount /sys and hide the pins in bpffs), with a containers.conf of
# its own (CONTAINERS_CONF): CNI backend, a network config dir holding only
# this run's conflist, vxnet-cni from build/, runc, storage (vfs) and
# cgroups under this run's prefix. No registry: the containers run a
# busybox-static rootfs (podman run --rootfs).
# The conflist declares "capabilities": {"portMappings": true} and no
# portmap plugin: podman run -p reaches vxnet-cni as runtimeConfig.portMappings
# and vxnet publishes the port (README, Published ports).
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/topo.sh"

CNI_DIR=${VXNET_CNI_DIR:-$TOP/build} # VXNET_CNI_DIR: try another build of the plugin
NET=${P}blue                         # podman's (the conflist's) name; vxnet's network is blue
PODMAN_DIR=$TMP/podman ROOTFS=$TMP/rootfs
CGROUP=${P}podman                    # --cgroup-parent: /sys/fs/cgroup/*/$CGROUP
export CONTAINERS_CONF=$PODMAN_DIR/containers.conf
A1= A2=

# pman ARGS...: podman in h1's network namespace, this run's config and storage
pman() {
	timeout 60 nsenter --net="/run/netns/$H1" podman --root "$PODMAN_DIR/root" \
		--runroot "$PODMAN_DIR/runroot" --storage-driver vfs "$@"
}
# prun OPTIONS... -- COMMAND...: podman run on the vxnet network with the
# busybox rootfs; runc needs the explicit ulimits here
prun() {
	local opts=()
	while [ $# -gt 0 ] && [ "$1" != -- ]; do opts+=("$1"); shift; done
	shift
	pman run --network "$NET" --cgroup-parent "/$CGROUP" \
		--ulimit nofile=10000:10000 --ulimit nproc=1000:1000 "${opts[@]}" --rootfs "$ROOTFS" "$@"
}

stop_agent() { stop_pid 5 "$1"; } # stop_agent PID: TERM, KILL after 5 s
cleanup() {
	[ -d "$PODMAN_DIR/root" ] && pman rm -a -f -t 0 >/dev/null 2>&1
	stop_agent "$A1"; stop_agent "$A2"
	local m
	for m in $(awk -v t="$TMP/" 'index($2, t) == 1 { print $2 }' /proc/mounts | sort -r); do umount -l "$m"; done
	rm -f /var/lib/cni/results/"$NET"-*
	for m in /sys/fs/cgroup/*/"$CGROUP"; do [ -d "$m" ] && find "$m" -depth -type d -exec rmdir {} + 2>/dev/null; done
	topo_cleanup
}
trap cleanup EXIT

for cmd in podman runc nsenter; do
	command -v $cmd >/dev/null || { fail "podman: $cmd is not installed (make deps)"; exit 1; }
done
[ -x /bin/busybox ] && ldd /bin/busybox 2>&1 | grep -q 'not a dynamic' ||
	{ fail "podman: /bin/busybox is not busybox-static (make deps)"; exit 1; }
[ -x "$CNI_DIR/vxnet-cni" ] || { fail "podman: no $CNI_DIR/vxnet-cni (make)"; exit 1; }

# ---- the rootfs, podman's configuration, the conflist ----
mkdir -p "$PODMAN_DIR/net" "$PODMAN_DIR/tmp"
who_rootfs "$ROOTFS"
cat >"$CONTAINERS_CONF" <<EOF
[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "$PODMAN_DIR/events.log"
tmp_dir = "$PODMAN_DIR/tmp"

[network]
network_backend = "cni"
cni_plugin_dirs = ["$CNI_DIR", "/usr/lib/cni"]
network_config_dir = "$PODMAN_DIR/net"
EOF
# the conflist as the README shows it, with this run's store and pins and the
# portMappings capability (README's capabilities row)
cat >"$PODMAN_DIR/net/$NET.conflist" <<EOF
{
  "cniVersion": "0.4.0",
  "name": "$NET",
  "plugins": [
    {
      "type": "vxnet-cni",
      "network": "blue",
      "store": "file:$STATE",
      "pinDir": "$PIN1",
      "capabilities": {"portMappings": true}
    }
  ]
}
EOF

# ---- two vxnet hosts, an agent on each, c2 attached on h2 ----
topo_build && topo_outside || { fail "podman: build topology"; exit 1; }
topo_hosts tc && vxs network create blue --subnet 10.1.0.0/24 >/dev/null ||
	{ fail "podman: vxnet up"; exit 1; }
# the binary itself in the background (not a function): $! is the agent
"$VXNET" --state "$STATE" --pin-dir "$PIN1" -n "$H1" agent >"$TMP/agent1.log" 2>&1 & A1=$!
"$VXNET" --state "$STATE" --pin-dir "$PIN2" -n "$H2" agent >"$TMP/agent2.log" 2>&1 & A2=$!
vx2 attach "$C2" blue --ip 10.1.0.3 >/dev/null || { fail "podman: attach c2 on h2"; exit 1; }

if pman network ls --format '{{.Name}} {{.Driver}}' >"$TMP/nets" 2>&1 && grep -qx "$NET vxnet-cni" "$TMP/nets"; then
	ok "podman: network ls shows $NET (driver vxnet-cni)"
else
	fail "podman: network ls: $(tr '\n' '|' <"$TMP/nets")"
fi

# ep_field IP COLUMN: COLUMN (NAME, NODE, HOST_IFNAME, CONTAINER...) of the
# endpoint with address IP in `vxnet endpoint ls`; fails when there is none
ep_field() {
	vxs endpoint ls | awk -v ip="$1" -v col="$2" '
		NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
		$4 == ip { if (!(col in c)) exit 2; print $c[col]; found = 1 }
		END { exit !found }'
}
ep_gone() { ! vxs endpoint ls | awk -v ip="$1" '$4 == ip { f = 1 } END { exit !f }'; }

# ---- p1: podman run -d --ip 10.1.0.10 ----
if prun -d --name "${P}p1" --ip 10.1.0.10 -- sleep 600 >"$TMP/p1.id" 2>"$TMP/err"; then
	ok "podman: run -d --ip 10.1.0.10 on h1"
else
	fail "podman: run p1: $(tr '\n' '|' <"$TMP/err")"; exit 1
fi
P1_ID=$(cat "$TMP/p1.id")
has_addr() { pman exec "$1" ip -4 -o addr show eth0 | grep -q " $2 "; } # has_addr CTR CIDR
check "podman: p1 has 10.1.0.10/24 on eth0" has_addr "${P}p1" 10.1.0.10/24
got=$(pman inspect -f "{{(index .NetworkSettings.Networks \"$NET\").IPAddress}}" "${P}p1" 2>&1)
[ "$got" = 10.1.0.10 ] && ok "podman: inspect shows the address vxnet-cni returned" ||
	fail "podman: inspect p1's address: '$got'"
if node=$(ep_field 10.1.0.10 NODE) && [ "$node" = h1 ]; then
	ok "podman: endpoint ls: 10.1.0.10 on node h1"
else
	fail "podman: endpoint ls has no 10.1.0.10 on h1: $(vxs endpoint ls 2>&1 | tr '\n' '|')"
fi
P1_VETH=$(ep_field 10.1.0.10 HOST_IFNAME)
check "podman: p1's host-side veth $P1_VETH is in h1" ip -n "$H1" link show "$P1_VETH"
if cid=$(ep_field 10.1.0.10 CONTAINER); then
	case $P1_ID in "$cid"*) ok "podman: the endpoint records p1's container ID ($cid)" ;;
	*) fail "podman: endpoint's container '$cid', p1 is $P1_ID" ;; esac
else
	ok "podman: # skip: endpoint ls has no CONTAINER column"
fi
check "podman: p1 in h1's endpoints map" map_has_ip "$PIN1" 10.1.0.10
P1_NETNS=$(pman inspect -f '{{.NetworkSettings.SandboxKey}}' "${P}p1" 2>/dev/null)

pexec() { pman exec "$@"; }
if wait_for 10 pexec "${P}p1" ping -c 1 -W 1 10.1.0.3; then ok "podman: p1 (h1, podman) pings c2 (h2, vxnet attach)"
else fail "podman: p1 -> c2: $(waited) $(tails 2 "$TMP/agent1.log" "$TMP/agent2.log")"; fi
if wait_for 10 in_ns "$C2" ping -c 1 -W 1 10.1.0.10; then ok "podman: c2 pings p1"
else fail "podman: c2 -> p1: $(waited) $(tails 2 "$TMP/agent2.log")"; fi

# ---- user errors: an address in use, one outside the subnet ----
# h1_veths: the names of h1's vx* links, one line; fails when ip reports an
# error (a link listed while podman tears a namespace down)
h1_veths() {
	local out
	out=$(ip -n "$H1" -o link show 2>&1) || { echo "$out" >&2; return 1; }
	case $out in *rror*) echo "$out" >&2; return 1 ;; esac
	awk -F': ' '{ sub(/@.*/, "", $2); print $2 }' <<<"$out" | grep '^vx' | sort | tr '\n' ' '
	echo
}
h1_veths_are() { [ "$(h1_veths)" = "$1" ]; }
n_before=$(vxs endpoint ls | wc -l)
wait_for 5 h1_veths
veths_before=$(cat "$TMP/wait.out")
for bad in 10.1.0.3 10.9.9.9; do
	if prun --rm --name "${P}bad" --ip $bad -- true >"$TMP/out" 2>"$TMP/err"; then
		fail "podman: run --ip $bad succeeded"
	elif grep -q "$bad" "$TMP/err"; then
		ok "podman: run --ip $bad fails naming the address: $(grep -m1 "$bad" "$TMP/err" | cut -c 1-160)"
	else
		fail "podman: run --ip $bad: error without the address: $(tr '\n' '|' <"$TMP/err")"
	fi
	pman rm -f "${P}bad" >/dev/null 2>&1
done
n_after=$(vxs endpoint ls | wc -l)
if [ "$n_after" = "$n_before" ] && wait_for 5 h1_veths_are "$veths_before"; then
	ok "podman: the failed runs left no endpoint and no veth (h1: ${veths_before% })"
else
	fail "podman: failed runs: endpoints $n_before -> $n_after, veths on h1 '$veths_before' -> '$(h1_veths 2>&1)'"
fi

# ---- p2: podman run --rm, first free address, a MAC of its own ----
# It prints its address and MAC and pings c2 (until h2's agent has it).
if prun --rm --name "${P}p2" --mac-address 02:42:aa:bb:cc:dd -- sh -c \
	'ip -4 -o addr show eth0; cat /sys/class/net/eth0/address
	 for i in $(seq 50); do ping -c 1 -W 1 10.1.0.3 >/dev/null && exit 0; done; exit 1' >"$TMP/p2.out" 2>&1; then
	ok "podman: run --rm p2 pings c2"
else
	fail "podman: run --rm p2: $(tr '\n' '|' <"$TMP/p2.out")"
fi
P2_IP=$(awk '$3 == "inet" { sub("/.*", "", $4); print $4; exit }' "$TMP/p2.out")
case $P2_IP in 10.1.0.*) ok "podman: p2 got $P2_IP from the network's subnet" ;;
*) fail "podman: p2's address: '$P2_IP' ($(tr '\n' '|' <"$TMP/p2.out"))"; P2_IP=10.1.0.254 ;; esac
grep -qx 02:42:aa:bb:cc:dd "$TMP/p2.out" && ok "podman: p2 has its --mac-address" ||
	fail "podman: p2's MAC: $(tr '\n' '|' <"$TMP/p2.out")"
check "podman: --rm: p2's endpoint is gone from the state" ep_gone "$P2_IP"
check "podman: --rm: p2 is gone from h1's map" map_lacks_ip "$PIN1" "$P2_IP"
wait_for 10 map_lacks_ip "$PIN2" "$P2_IP" && ok "podman: --rm: p2 is gone from h2's map" ||
	fail "podman: p2 still in h2's map: $(waited)"

# ---- stop and start: the address goes and comes back ----
check "podman: stop p1" pman stop -t 0 "${P}p1"
check "podman: stop: p1's endpoint is gone from the state" ep_gone 10.1.0.10
check "podman: stop: p1 is gone from h1's map" map_lacks_ip "$PIN1" 10.1.0.10
check "podman: start p1" pman start "${P}p1"
check "podman: start: p1 has 10.1.0.10/24 again" has_addr "${P}p1" 10.1.0.10/24
P1_VETH=$(ep_field 10.1.0.10 HOST_IFNAME)
P1_NETNS=$(pman inspect -f '{{.NetworkSettings.SandboxKey}}' "${P}p1" 2>/dev/null)
if wait_for 10 in_ns "$C2" ping -c 1 -W 1 10.1.0.10; then ok "podman: start: c2 pings p1 again"
else fail "podman: c2 -> p1 after start: $(waited) $(tails 2 "$TMP/agent2.log")"; fi

# ---- three containers started at once get three addresses ----
for i in 1 2 3; do prun -d --name "${P}q$i" -- sleep 600 >"$TMP/q$i.out" 2>&1 & done
wait_pids() { local rc=0 p; for p in "$@"; do wait "$p" || rc=1; done; return $rc; }
if wait_pids $(jobs -p | grep -vxE "${A1}|${A2}"); then ok "podman: three concurrent runs"
else fail "podman: concurrent runs: $(tails 2 "$TMP"/q[123].out)"; fi
q_ips=$(vxs endpoint ls | awk -v n=h1 '$3 == n && $4 != "10.1.0.10" { print $4 }' | sort -u | wc -l)
[ "$q_ips" = 3 ] && ok "podman: they got three distinct addresses" ||
	fail "podman: concurrent runs: $q_ips distinct addresses on h1: $(vxs endpoint ls | tr '\n' '|')"
check "podman: rm the three" pman rm -f -t 0 "${P}q1" "${P}q2" "${P}q3"
n_h1=$(vxs endpoint ls | awk '$3 == "h1"' | wc -l)
[ "$n_h1" = 1 ] && ok "podman: only p1 is left on h1" || fail "podman: $n_h1 endpoints on h1 after rm"

# ---- podman rm p1 frees its address ----
check "podman: rm -f p1" pman rm -f -t 0 "${P}p1"
check "podman: rm: p1's endpoint is gone from the state" ep_gone 10.1.0.10
check "podman: rm: p1 is gone from h1's map" map_lacks_ip "$PIN1" 10.1.0.10
wait_for 10 map_lacks_ip "$PIN2" 10.1.0.10 && ok "podman: rm: p1 is gone from h2's map" ||
	fail "podman: p1 still in h2's map: $(waited)"
if [ -n "$P1_VETH" ]; then check "podman: rm: p1's veth $P1_VETH is gone" link_gone "$H1" "$P1_VETH"
else fail "podman: p1's endpoint had no host_ifname"; fi
if [ -n "$P1_NETNS" ] && [ ! -e "$P1_NETNS" ]; then ok "podman: rm: p1's namespace is gone"
else fail "podman: p1's namespace '$P1_NETNS' after rm"; fi
left=$(ls /var/lib/cni/results/ 2>/dev/null | grep -c "^$NET-")
[ "$left" = 0 ] && ok "podman: no CNI result cached for $NET" || fail "podman: $left cached CNI results for $NET"
check "podman: 10.1.0.10 can be given again" prun --rm --ip 10.1.0.10 -- true
check "podman: ...and is free again after that" ep_gone 10.1.0.10

# ---- podman run -p: a published port, and egress, with real clients ----
# pw runs busybox httpd on 0.0.0.0:80 (IPv4, so REMOTE_ADDR is plain) with
# -p 18080:80 and no --ip: with --ip, podman 4.3's CNI backend replaces the
# plugin's "capabilities" with {"ips": true} and passes no portMappings
# (a conflist declaring {"portMappings": true, "ips": true} keeps both).
# A client in the outside namespace (198.18.100.2, behind r) reaches 18080
# through h1's and h2's underlay addresses; the answer is pw's CGI, which
# saw the client's own address. pw fetches from an httpd on the outside
# server (egress): the server saw h1's address and a port of its NAT range.
# podman rm -f takes the publication away. Under a second.
if jq -e '.plugins | length == 1 and .[0].type == "vxnet-cni" and .[0].capabilities.portMappings == true' \
	"$PODMAN_DIR/net/$NET.conflist" >/dev/null; then
	ok "podman: the conflist has vxnet-cni alone with \"capabilities\": {\"portMappings\": true} (no portmap)"
else
	fail "podman: conflist: $(tr -d '\n' <"$PODMAN_DIR/net/$NET.conflist")"
fi
in_ns "$OUTSIDE" busybox httpd -f -p "$WHO_CLIENT:8000" -h "$TMP/outwww" >"$TMP/out-httpd.log" 2>&1 &
if prun -d --name "${P}pw" -p 18080:80 -- busybox httpd -f -p 0.0.0.0:80 -h /www >"$TMP/out" 2>&1; then
	ok "podman: run -d -p 18080:80 (httpd on 80)"
else
	fail "podman: run -p 18080:80: $(tr '\n' '|' <"$TMP/out")"
fi
PW_IP=$(pman inspect -f "{{(index .NetworkSettings.Networks \"$NET\").IPAddress}}" "${P}pw" 2>&1)
got=$(ep_field "$PW_IP" PORTS)
[ "$got" = 18080:80/tcp ] && ok "podman: -p: podman passed the mapping, endpoint ls PORTS $got" ||
	fail "podman: -p: endpoint ls PORTS '$got': $(vxs endpoint ls 2>&1 | tr '\n' '|')"
who_published podman pw pman exec "${P}pw"
who_egress podman pw pman exec "${P}pw"
check "podman: -p: rm -f pw" pman rm -f -t 0 "${P}pw"
check "podman: -p: rm: pw's endpoint ($PW_IP) is gone" ep_gone "$PW_IP"
check "podman: -p: rm: 18080/tcp gone from h1's services map" map_lacks "$PIN1" services ".proto == 6 and .port == $(((18080 & 255) << 8 | 18080 >> 8))"
wait_for 10 map_lacks "$PIN2" services ".proto == 6 and .port == $(((18080 & 255) << 8 | 18080 >> 8))" &&
	ok "podman: -p: rm: 18080/tcp gone from h2's services map" || fail "podman: -p: 18080 still in h2's services map: $(waited)"
who_unpublished podman
finish
