#!/bin/bash
# What the etcd benches share (bench/etcd_convergence.sh, bench/etcd_load.sh),
# sourced after tests/lib.sh: the store's URL, a vxnet command on host hN,
# etcd's one member in namespace $R, and the cleanup of both.
STORE=etcd://198.18.1.1:2379
EPID=
# VXNET_BIN=/path/to/another/build/vxnet: the bench runs that build (one
# side of an A/B of two builds, run in turns by the caller).
VXNET=${VXNET_BIN:-$VXNET}

# vxh_exec BIN N ARGS...: BIN (a vxnet build) becomes `vxnet ARGS` on host
# hN (its namespace ${P}hN and pins /sys/fs/bpf/${P}hN) against the store;
# run in the background, $! is that vxnet itself (for its CPU time).
vxh_exec() {
	local bin=$1 n=$2
	shift 2
	exec "$bin" --store "$STORE" --store-allow-plain --pin-dir "/sys/fs/bpf/${P}h$n" -n "${P}h$n" "$@"
}
vxh() ( vxh_exec "$@" ) # vxh BIN N ARGS...: the same, waited for

# etcd_up: one member on 198.18.1.1 in namespace $R (the link must be up),
# sized for the benches' bulk writes; EPID is etcd. Waits until healthy.
etcd_up() {
	ip netns exec "$R" etcd --name e1 --data-dir "$TMP/etcd" \
		--listen-client-urls http://198.18.1.1:2379 --advertise-client-urls http://198.18.1.1:2379 \
		--listen-peer-urls http://198.18.1.1:2380 --initial-advertise-peer-urls http://198.18.1.1:2380 \
		--initial-cluster e1=http://198.18.1.1:2380 --max-txn-ops 4096 --quota-backend-bytes 4294967296 \
		>"$TMP/etcd.log" 2>&1 &
	EPID=$!
	for i in $(seq 100); do
		ip netns exec "$R" etcdctl --endpoints 198.18.1.1:2379 endpoint health >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	return 1
}

# etcd_bench_cleanup "PIDS" N...: kills PIDS (agents, clients) and etcd,
# then takes down the datapath of hosts hN whose pins are still there.
etcd_bench_cleanup() {
	local p n
	for p in $1; do kill -KILL "$p" 2>/dev/null; done
	[ -n "$EPID" ] && kill -KILL "$EPID" 2>/dev/null
	wait 2>/dev/null
	shift
	for n in "$@"; do
		[ -e "/sys/fs/bpf/${P}h$n" ] && "$VXNET" --pin-dir "/sys/fs/bpf/${P}h$n" -n "${P}h$n" down >/dev/null 2>&1
		rm -rf "/sys/fs/bpf/${P}h$n"
	done
}
