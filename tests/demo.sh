#!/bin/bash
# `make demo`: two hosts in network namespaces joined by a router, vxnet on
# both, containers on different hosts pinging each other. Left up; remove it
# with `make demo-down` (tests/demo.sh down).
TOP=$(cd "$(dirname "$0")/.." && pwd)
VXNET=$TOP/build/vxnet
P=vxdemo-
TMP=/var/lib/vxnet-demo
NETNS_MADE=()
mkns() { ip netns add "$1" && NETNS_MADE+=("$1") && ip -n "$1" link set lo up; }
cleanup_netns() {
	local ns
	for ns in "${P}r" "${P}h1" "${P}h2" "${P}c1" "${P}c2" "${P}c3"; do
		for pid in $(ip netns pids "$ns" 2>/dev/null); do kill "$pid" 2>/dev/null; done
		ip netns del "$ns" 2>/dev/null
	done
}
source "$TOP/tests/e2e/topo.sh"

case "${1:-up}" in
down)
	topo_cleanup
	echo "demo removed"
	;;
up)
	[ "$(id -u)" = 0 ] || { echo "vxnet demo: run as root" >&2; exit 1; }
	topo_cleanup 2>/dev/null
	mkdir -p "$TMP"
	set -e
	topo_build
	set +e
	run() { echo "+ $*"; "$@"; }
	run vxs node add h1 198.18.1.2
	run vxs node add h2 198.18.2.2
	run vxs network create blue --subnet 10.1.0.0/24
	run vx1 up --node h1 --dev eth0 --decap tc
	run vx2 up --node h2 --dev eth0 --decap tc
	run vx1 attach "$C1" blue
	run vx2 attach "$C2" blue
	run vx1 sync
	run vx2 sync
	echo
	run vxs endpoint ls
	echo
	echo "+ ip netns exec $C1 ping -c 3 10.1.0.3   # c1 on h1 -> c2 on h2"
	ip netns exec "$C1" ping -c 3 -i 0.3 10.1.0.3 || { echo "demo: ping failed" >&2; exit 1; }
	echo
	run vx1 stats
	echo
	echo "The demo stays up: try 'ip netns exec $C2 ping 10.1.0.2', or"
	echo "  bpftool map dump pinned $PIN1/endpoints"
	echo "Remove it with: make demo-down"
	;;
*) echo "usage: $0 up|down" >&2; exit 2 ;;
esac
