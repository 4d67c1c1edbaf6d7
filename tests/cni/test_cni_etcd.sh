#!/bin/bash
# vxnet-cni with the cluster state in etcd ("store": "etcd://..."): ADD,
# CHECK, GC, STATUS and DEL go through etcd; with etcd stopped, ADD says
# "try again later" (code 11) and STATUS "not available" (code 50), and
# nothing is left behind.
#
#   cn (CNI_NETNS)
#     |  veth
#   +- h1 (vxnet up; vxnet-cni runs here) -+   +- r: etcd 198.18.1.1:2379 -+   +- h2 -+
#   |                                eth0  |---| r1                    r2  |---| eth0 |
#   +--------------------------------------+   +---------------------------+   +------+
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/../e2e/topo.sh"
T=cni-etcd
CNI=$TOP/build/vxnet-cni
command -v etcd >/dev/null || { fail "$T: etcd-server is not installed (make deps)"; exit 1; }
STORE=etcd://198.18.1.1:2379
export VXNET_STORE_ALLOW_PLAIN=1 # plain HTTP on the test's own underlay
ETCD_PID=
vx1() { "$VXNET" --store "$STORE" --pin-dir "$PIN1" -n "$H1" "$@"; }
vxs() { "$VXNET" --store "$STORE" -n "$H1" "$@"; }
etcd_stop() { [ -n "$ETCD_PID" ] && kill "$ETCD_PID" 2>/dev/null && wait "$ETCD_PID" 2>/dev/null; ETCD_PID=; }
cleanup() { [ -e "$PIN1" ] && vx1 down >/dev/null 2>&1; etcd_stop; topo_cleanup; }
trap cleanup EXIT
topo_build || { fail "$T: build topology"; exit 1; }
ip netns exec "$R" etcd --name e1 --data-dir "$TMP/etcd" \
	--listen-client-urls http://198.18.1.1:2379 --advertise-client-urls http://198.18.1.1:2379 \
	--listen-peer-urls http://198.18.1.1:2380 --initial-advertise-peer-urls http://198.18.1.1:2380 \
	--initial-cluster e1=http://198.18.1.1:2380 --initial-cluster-state new >"$TMP/etcd.log" 2>&1 &
ETCD_PID=$!
wait_for 20 ip netns exec "$R" etcdctl --endpoints 198.18.1.1:2379 endpoint health ||
	{ fail "$T: etcd did not start: $(tail -3 "$TMP/etcd.log" | tr '\n' ' ')"; exit 1; }
vxs node add h1 198.18.1.2 >/dev/null && vxs network create blue --subnet 10.1.0.0/24 >/dev/null &&
	vx1 up --node h1 --dev eth0 >/dev/null || { fail "$T: vxnet up on etcd"; exit 1; }

cfg=$(jq -nc --arg st "$STORE" --arg pin "$PIN1" '{cniVersion: "1.1.0", name: "blue", type: "vxnet-cni", store: $st, pinDir: $pin}')
cni() { # cni CMD CID NETNS [CONF]: stdout in $TMP/res
	printf '%s' "${4:-$cfg}" | nsenter --net=/run/netns/"$H1" env -i PATH="$PATH" CNI_COMMAND="$1" \
		CNI_CONTAINERID="$2" CNI_IFNAME=eth0 CNI_NETNS="$3" CNI_PATH=/usr/lib/cni "$CNI" >"$TMP/res" 2>"$TMP/err"
}
code_is() { ! cni "${@:2}" && jq -e --argjson c "$1" '.code == $c' "$TMP/res" >/dev/null; }
in_etcd() { vxs endpoint ls | awk -v c="$1" '$7 == c {f = 1} END {exit !f}'; }

mkns "${P}cn"
check "$T: ADD" cni ADD cid1 /run/netns/"${P}cn"
check "$T: result has 10.1.0.2/24" jq -e '.ips[0].address == "10.1.0.2/24"' "$TMP/res"
check "$T: the record is in etcd with its container ID" in_etcd cid1
check "$T: endpoints map holds 10.1.0.2" map_has_ip "$PIN1" 10.1.0.2
check "$T: CHECK" cni CHECK cid1 /run/netns/"${P}cn" "$(jq -c --argjson p "$(cat "$TMP/res")" '. + {prevResult: $p}' <<<"$cfg")"
check "$T: STATUS" cni STATUS "" ""
check "$T: GC keeping it" cni GC "" "" "$(jq -c '. + {"cni.dev/valid-attachments": [{containerID: "cid1", ifname: "eth0"}]}' <<<"$cfg")"
check "$T: ... still in etcd" in_etcd cid1
check "$T: DEL" cni DEL cid1 /run/netns/"${P}cn"
check_not "$T: ... gone from etcd" in_etcd cid1
check "$T: endpoints map lacks 10.1.0.2" map_lacks_ip "$PIN1" 10.1.0.2
check "$T: DEL again" cni DEL cid1 /run/netns/"${P}cn"

etcd_stop
check "$T: ADD with etcd down: code 11" code_is 11 ADD cid2 /run/netns/"${P}cn"
check "$T: ... no veth left" link_gone "${P}cn" eth0
check "$T: STATUS with etcd down: code 50" code_is 50 STATUS "" ""
check "$T: DEL with etcd down: code 11 (the runtime retries)" code_is 11 DEL cid2 /run/netns/"${P}cn"
finish
