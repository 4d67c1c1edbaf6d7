#!/bin/bash
# An agent's start against etcd holding M endpoints: the time from starting
# `vxnet agent` to its "synced at revision" line (every record listed,
# validated and in the maps), and its memory (VmRSS after the sync, VmHWM:
# the peak), over ROUNDS rounds, each on fresh maps (`vxnet down; vxnet up`).
# Usage: bench/etcd_load.sh [M=100000] [ROUNDS=5]
# VXNET_B=/path/to/other/build/vxnet: rounds alternate this tree's
# build/vxnet (A) and VXNET_B (B), and the median and first quartile of the
# per-round ratios B/A are printed (an A/B of two builds).
#
#   h1 (agent) eth0 198.18.1.2 -- r1 198.18.1.1 [r: etcd on :2379]
source "$(dirname "$0")/../tests/lib.sh"
source "$(dirname "$0")/etcd_lib.sh"
M=${1:-100000} ROUNDS=${2:-5}
H1=${P}h1 R=${P}r PIN1=/sys/fs/bpf/${P}h1
APID=

cleanup() {
	etcd_bench_cleanup "$APID" 1
	cleanup_netns
	rm -rf "$TMP"
}
trap cleanup EXIT

mkns "$R" && mkns "$H1" || exit 1
ip link add r1 netns "$R" type veth peer name eth0 netns "$H1"
ip -n "$R" addr add 198.18.1.1/24 dev r1 && ip -n "$R" link set r1 up
ip -n "$H1" addr add 198.18.1.2/24 dev eth0 && ip -n "$H1" link set eth0 up

etcd_up || { echo "bench: etcd did not start: $(tail -2 "$TMP/etcd.log")"; exit 1; }
vxh "$VXNET" 1 node add h1 198.18.1.2 >/dev/null && vxh "$VXNET" 1 node add hx 198.18.9.9 >/dev/null &&
	vxh "$VXNET" 1 network create blue --subnet 10.64.0.0/10 >/dev/null || { echo "bench: state failed"; exit 1; }
t=$(date +%s.%N)
ip netns exec "$R" python3 "$(dirname "$0")/etcd_writer.py" bulk "$M" || exit 1
echo "bulk write of $M endpoints into etcd: $(awk -v a="$t" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }') s"

# one BIN: prints "SECONDS RSS_KB HWM_KB" for one agent start on fresh maps
one() {
	local bin=$1 t0 t1 rss hwm
	vxh "$bin" 1 down >/dev/null 2>&1
	vxh "$bin" 1 up --node h1 --dev eth0 --decap tc >/dev/null || return 1
	t0=$(date +%s.%N)
	vxh_exec "$bin" 1 agent --timestamps >"$TMP/agent.log" 2>&1 &
	APID=$!
	for i in $(seq 1200); do grep -q "synced at revision" "$TMP/agent.log" && break; sleep 0.05; done
	grep -q "synced at revision .* $M endpoints" "$TMP/agent.log" || { echo "bench: agent did not load: $(tail -2 "$TMP/agent.log")" >&2; return 1; }
	t1=$(awk '/synced at revision/ { print $1; exit }' "$TMP/agent.log")
	rss=$(awk '/^VmRSS/ { print $2 }' /proc/$APID/status)
	hwm=$(awk '/^VmHWM/ { print $2 }' /proc/$APID/status)
	kill -TERM "$APID"; wait "$APID" 2>/dev/null; APID=
	n=$(bpftool -j map dump pinned "$PIN1/endpoints" | jq length)
	[ "$n" -ge "$M" ] || { echo "bench: $n entries in the endpoints map, not $M" >&2; return 1; }
	awk -v a="$t0" -v b="$t1" -v r="$rss" -v h="$hwm" 'BEGIN { printf "%.3f %d %d\n", b - a, r, h }'
}

for r in $(seq "$ROUNDS"); do
	a=$(one "$VXNET") || exit 1
	echo "round $r A: start ${a%% *} s, RSS/peak KB ${a#* }"
	echo "$a" >>"$TMP/a"
	if [ -n "${VXNET_B:-}" ]; then
		b=$(one "$VXNET_B") || exit 1
		echo "round $r B: start ${b%% *} s, RSS/peak KB ${b#* }"
		echo "${a%% *} ${b%% *}" >>"$TMP/ab"
	fi
done
sort -n "$TMP/a" | awk -v m="$M" '{ t[NR] = $1; r[NR] = $2; h[NR] = $3 } END {
	printf "agent start with %d endpoints in etcd: median %.2f s, min %.2f s over %d rounds; RSS %.1f MB after the sync, peak %.1f MB\n",
		m, t[int((NR + 1) / 2)], t[1], NR, r[int((NR + 1) / 2)] / 1024, h[int((NR + 1) / 2)] / 1024 }'
[ -s "$TMP/ab" ] && awk '{ print $2 / $1 }' "$TMP/ab" | sort -n | awk '{ q[NR] = $1 } END {
	printf "B/A start time: median %.3f, first quartile %.3f, over %d interleaved rounds\n", q[int((NR + 1) / 2)], q[int((NR + 3) / 4)], NR }'
exit 0
