#!/bin/bash
# The control-plane part of `make bench` (issue 16): an agent's start against
# etcd with 100 000 endpoints (bench/etcd_load.sh, 5 rounds) and the
# write-to-map latency of 200 changes 50 ms apart (each change alone) with
# 3 agents (watching over gRPC), then with 3 agents and 997 watch-only
# streams (1 000 watchers of one etcd member) through the JSON gateway,
# then with the 997 on etcd's native gRPC watch as the agents' own
# (bench/etcd_convergence.sh 200 0 W 50), the same from the C client
# (WCLIENT=c), that through 4 etcd grpc-proxies (PROXY=4), with a
# connection per stream as agents have (WPER=1), and that through the 4
# proxies; each command with the load
# average before it (the VM is shared).
# Writes bench/results/etcd.md (machine, date, commit, commands, figures).
# Usage: bench/etcd_bench.sh [--out DIR]
OUT=$(cd "$(dirname "$0")" && pwd)/results
[ "${1:-}" = --out ] && OUT=$2
B=$(dirname "$0")
mkdir -p "$OUT"
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
run() { # run CMD...: its figure lines into the report
	echo "    \$ $*   # $(uptime | sed 's/.*load/load/')" >>"$tmp"
	"$@" 2>&1 | grep -E '^(agent start|write-to-map|watchers:|bulk write|round |CPU during|B/A)' | sed 's/^/    /' >>"$tmp"
	[ "${PIPESTATUS[0]}" = 0 ] || { echo "bench: '$*' failed" >&2; return 1; }
}
start=$(date -u '+%Y-%m-%d %H:%M UTC')
run "$B/etcd_load.sh" 100000 5 || exit 1
run "$B/etcd_convergence.sh" 200 0 0 50 || exit 1
run "$B/etcd_convergence.sh" 200 0 997 50 || exit 1
run env WATCH=grpc "$B/etcd_convergence.sh" 200 0 997 50 || exit 1
run env WATCH=grpc WCLIENT=c "$B/etcd_convergence.sh" 200 0 997 50 || exit 1
run env WATCH=grpc WCLIENT=c PROXY=4 "$B/etcd_convergence.sh" 200 0 997 50 || exit 1
run env WATCH=grpc WCLIENT=c WPER=1 "$B/etcd_convergence.sh" 200 0 997 50 || exit 1
run env WATCH=grpc WCLIENT=c WPER=1 PROXY=4 "$B/etcd_convergence.sh" 200 0 997 50 || exit 1
{
	echo "# vxnet benchmark: control plane (etcd)"
	echo
	echo "- machine: $(uname -sr), $(nproc) CPUs ($(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1)), $(etcd --version | head -1)"
	echo "- date: $start; commit $(git -C "$B" rev-parse --short HEAD 2>/dev/null)"
	echo "- targets (issue 16): an agent's start with 100 000 endpoints ≤ 2 s; write-to-map p99 ≤ 20 ms with 1 000 watchers"
	echo
	cat "$tmp"
} >"$OUT/etcd.md"
cat "$OUT/etcd.md"
