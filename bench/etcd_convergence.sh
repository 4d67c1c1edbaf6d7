#!/bin/bash
# Convergence of the etcd store: time from a write in etcd to the change
# being in every host's map, with three agents (p50/p99 over N changes; the
# agents watch over gRPC, or the gateway where etcd does not answer it, and
# the result line says which), and
# the time for an agent to load M endpoints at start.
# Usage: bench/etcd_convergence.sh [N=1000] [M=100000] [W=0] [MS=2]
# W: that many watch-only streams besides the three agents, from namespace
# hw (bench/etcd_watchers.py: each the agent's own watch request, read and
# thrown away), so that etcd serves W + 3 watchers; MS: ms between changes.
# WATCH=grpc: the W streams watch through etcd's native gRPC API instead
# (as the agents do; python3-h2). WNICE=N: the W streams' client runs at
# nice N (19: it gets the CPU only when etcd and the agents leave it, to
# see how much of the latency is the simulation's own CPU). WCLIENT=c:
# the W gRPC streams from build/bench/etcd_watchers (bench/etcd_watchers.c,
# nghttp2, `make build/bench/etcd_watchers`: the same streams for a
# fraction of the Python client's CPU) instead of bench/etcd_watchers.py;
# WPER=N: its streams per HTTP/2 connection (100, as the Python client's;
# 1: a connection each, as agents have).
# PROXY=K: K etcd grpc-proxies (`etcd grpc-proxy start`, etcd's own
# answer to many watchers: it serves each group of identical watches from
# one watch of its own on etcd) in namespace hp on 198.18.5.2, ports
# 23790..23790+K-1; agent n lists and watches through proxy (n-1) % K, the
# W streams (WATCH=grpc) spread over the K proxies, so that etcd serves
# about K watchers and the proxies the 1 000.
# ETCD_CPUS=LIST: etcd's threads on those CPUs only (taskset -a -c LIST),
# to see how its fan-out scales with cores. PERF=FILE: `perf record -a -g`
# of the whole machine during the writes, into FILE.
# M=0: no load part (bench/etcd_load.sh measures the load in rounds).
#
#   h1 (agent)          h2 (agent)          h3 (agent)
#   eth0 198.18.1.2     eth0 198.18.2.2     eth0 198.18.3.2
#        |                   |                   |
#   +----r1--------------- r2 ---------------- r3----+  router r
#   | etcd on 198.18.1.1:2379; the writer runs here   |
#   +-------------------------------------------------+
#        r4: hw (W streams) 198.18.4.2   r5: hp (PROXY) 198.18.5.2
#
# A writer (bench/etcd_writer.py: python3, one HTTP connection) puts endpoint
# records one at a time through the v3 gateway and notes the time before
# each request; every agent
# runs with --timestamps and logs each change once its maps hold it. Latency
# of a change = latest agent's line - write start. All clocks are this
# machine's CLOCK_REALTIME.
source "$(dirname "$0")/../tests/lib.sh"
source "$(dirname "$0")/../tests/e2e/topo.sh"
source "$(dirname "$0")/etcd_lib.sh"
N=${1:-1000} M=${2:-100000} W=${3:-0} MS=${4:-2} WATCH=${WATCH:-gateway} WNICE=${WNICE:-0} WCLIENT=${WCLIENT:-py} PROXY=${PROXY:-0} WPER=${WPER:-100}
H3=${P}h3 HW=${P}hw HP=${P}hp
declare -A AG
WPID= PPIDS= PERFPID=
WPORTS=2379 WHOST=198.18.1.1

cleanup() {
	etcd_bench_cleanup "${AG[*]} $WPID $PPIDS $PERFPID" 3
	topo_cleanup
}
trap cleanup EXIT
agent_start() { # the agent itself (not a subshell) is AG[n], for its CPU time
	local STORE=$STORE
	[ "$PROXY" -gt 0 ] && STORE=etcd://198.18.5.2:$((23790 + ($1 - 1) % PROXY))
	vxh_exec "$VXNET" "$1" agent --timestamps >"$TMP/agent$1.log" 2>&1 &
	AG[$1]=$!
}
wait_line() { # wait_line FILE REGEX SECONDS
	local t=$(($3 * 10))
	while [ $t -gt 0 ]; do grep -Eq "$2" "$1" && return 0; sleep 0.1; t=$((t - 1)); done
	return 1
}

topo_build || { echo "bench: topology failed"; exit 1; }
mkns "$H3" || exit 1
router_port 3 "$H3" || exit 1
if [ "$W" -gt 0 ]; then
	mkns "$HW" || exit 1
	router_port 4 "$HW" || exit 1
	ulimit -n "$(ulimit -Hn)" # etcd's end of W connections
fi

etcd_up || { echo "bench: etcd did not start: $(tail -2 "$TMP/etcd.log")"; exit 1; }
[ -n "${ETCD_CPUS:-}" ] && { taskset -a -p -c "$ETCD_CPUS" "$EPID" >/dev/null || exit 1; }
if [ "$PROXY" -gt 0 ]; then
	mkns "$HP" || exit 1
	router_port 5 "$HP" || exit 1
	WHOST=198.18.5.2 WPORTS=
	for k in $(seq 0 $((PROXY - 1))); do
		ip netns exec "$HP" etcd grpc-proxy start --endpoints 198.18.1.1:2379 \
			--listen-addr "198.18.5.2:$((23790 + k))" --advertise-client-url "198.18.5.2:$((23790 + k))" \
			--data-dir "$TMP/proxy$k" >"$TMP/proxy$k.log" 2>&1 &
		PPIDS="$PPIDS $!" WPORTS=$WPORTS${WPORTS:+,}$((23790 + k))
	done
	for k in $(seq 0 $((PROXY - 1))); do
		wait_for 10 ip netns exec "$HP" etcdctl --endpoints "198.18.5.2:$((23790 + k))" get /vxnet/rev >/dev/null ||
			{ echo "bench: grpc-proxy $k did not start: $(tail -2 "$TMP/proxy$k.log")"; exit 1; }
	done
fi

vxh "$VXNET" 1 node add h1 198.18.1.2 >/dev/null && vxh "$VXNET" 1 node add h2 198.18.2.2 >/dev/null &&
	vxh "$VXNET" 1 node add h3 198.18.3.2 >/dev/null && vxh "$VXNET" 1 node add hx 198.18.9.9 >/dev/null &&
	vxh "$VXNET" 1 network create blue --subnet 10.64.0.0/10 >/dev/null || { echo "bench: state failed"; exit 1; }
for n in 1 2 3; do vxh "$VXNET" $n up --node h$n --dev eth0 --decap tc >/dev/null || exit 1; agent_start $n; done
for n in 1 2 3; do wait_line "$TMP/agent$n.log" 'synced at revision' 5 || { echo "bench: agent $n did not start"; exit 1; }; done

WRITER=$(dirname "$0")/etcd_writer.py

# ---- write-to-map latency over N changes ----
if [ "$W" -gt 0 ]; then
	rev=$(in_ns "$R" etcdctl --endpoints 198.18.1.1:2379 get /vxnet/rev -w json | jq -r .header.revision)
	: >"$TMP/watchers"
	wcmd=(/usr/bin/python3 "$(dirname "$0")/etcd_watchers.py" "$WATCH") wper=()
	if [ "$WCLIENT" = c ]; then
		[ "$WATCH" = grpc ] || { echo "bench: WCLIENT=c needs WATCH=grpc"; exit 1; }
		wcmd=("$TOP/build/bench/etcd_watchers")
		wper=("$WPER")
		[ -x "${wcmd[0]}" ] || { echo "bench: no ${wcmd[0]}: make build/bench/etcd_watchers"; exit 1; }
	fi
	ip netns exec "$HW" nice -n "$WNICE" "${wcmd[@]}" "$W" "$WHOST" "$WPORTS" "$rev" 600 "${wper[@]}" >"$TMP/watchers" 2>&1 &
	WPID=$!
	wait_line "$TMP/watchers" 'streams open' 60 || { echo "bench: watchers did not start: $(tail -2 "$TMP/watchers")"; exit 1; }
	sleep 2 # every stream created
fi
cpu() { # cpu PID...: CPU seconds used so far, summed
	local p t=0
	for p in "$@"; do t=$((t + $(awk '{ print $14 + $15 }' "/proc/$p/stat" 2>/dev/null || echo 0))); done
	awk -v t="$t" -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%.2f", t / hz }'
}
c0=("$(cpu "$EPID")" "$(cpu ${WPID:-})" "$(cpu "${AG[@]}")" "$(cpu $PPIDS)")
if [ -n "${PERF:-}" ]; then
	perf record -a -g -F 2000 -o "$PERF" >"$TMP/perf.log" 2>&1 &
	PERFPID=$!
	sleep 0.5
fi
in_ns "$R" python3 "$WRITER" one "$N" "$MS" >"$TMP/writes" || exit 1
[ -n "$PERFPID" ] && { kill -INT "$PERFPID"; wait "$PERFPID"; PERFPID=; }
for n in 1 2 3; do wait_line "$TMP/agent$n.log" "endpoint b$((200000 + N - 1)) put" 10 || echo "bench: agent $n missed changes"; done
awk '
FILENAME ~ /writes$/ { w[$1] = $2; next }
$2 == "revision" && $4 == "endpoint" { if (!($5 in last) || $1 > last[$5]) last[$5] = $1 }
END { for (k in w) if (k in last) printf "%.3f\n", (last[k] - w[k]) * 1000 }' "$TMP/writes" "$TMP"/agent?.log |
	sort -n >"$TMP/lat"
# how the agents watch: each says it when it starts watching
via=$(cat "$TMP"/agent?.log | sed -n 's/^store .*: watching over \([^ ]*\).*/\1/p' | sort | uniq -c | awk '{ printf "%s%s x%d", (NR > 1 ? ", " : ""), $2, $1 }')
awk '{ l[NR] = $1 } END {
	printf "write-to-map, 3 agents (watch: %s) + %d watch-only streams (%s%s)%s, %d changes %s ms apart: p50 %.2f ms, p99 %.2f ms, max %.2f ms\n", via, w, how, client, proxy, NR, ms, l[int(NR * 0.50) + 1], l[int(NR * 0.99) + 1], l[NR]
}' via="${via:-unsaid}" w="$W" ms="$MS" how="$WATCH" client="$([ "$W" -gt 0 ] && echo ", $WCLIENT client$([ "$WCLIENT" = c ] && echo ", $WPER per connection")")" proxy="$([ "$PROXY" -gt 0 ] && echo " through grpc-proxy x$PROXY")" "$TMP/lat"
echo "CPU during the writes: etcd $(awk -v a="${c0[0]}" -v b="$(cpu "$EPID")" 'BEGIN { print b - a }') s, watch-only streams $(awk -v a="${c0[1]}" -v b="$(cpu ${WPID:-})" 'BEGIN { print b - a }') s, agents $(awk -v a="${c0[2]}" -v b="$(cpu "${AG[@]}")" 'BEGIN { print b - a }') s$([ "$PROXY" -gt 0 ] && echo ", grpc-proxies $(awk -v a="${c0[3]}" -v b="$(cpu $PPIDS)" 'BEGIN { print b - a }') s")"
if [ -n "$WPID" ]; then
	kill -TERM "$WPID"; wait "$WPID" 2>/dev/null; WPID=
	tail -1 "$TMP/watchers"
fi
[ "$M" -gt 0 ] || exit 0

# ---- load M endpoints at agent start ----
# (the agents' per-change lookups are linear in the number of records: stop
# them rather than have them follow 100 000 single changes)
for n in 1 2 3; do kill -TERM "${AG[$n]}"; wait "${AG[$n]}" 2>/dev/null; unset "AG[$n]"; done
t=$(date +%s.%N)
in_ns "$R" python3 "$WRITER" bulk "$M" || exit 1
echo "bulk write of $M endpoints into etcd: $(awk -v a="$t" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }') s"
t0=$(date +%s.%N)
agent_start 1
wait_line "$TMP/agent1.log" "synced at revision .* $((M + N)) endpoints" 120 || { echo "bench: agent 1 did not load"; tail -3 "$TMP/agent1.log"; exit 1; }
t1=$(awk '/synced at revision/ { t = $1 } END { print t }' "$TMP/agent1.log")
entries=$(bpftool -j map dump pinned "/sys/fs/bpf/${P}h1/endpoints" | jq length)
echo "agent start with $((M + N)) endpoints in etcd: $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }') s to maps synced ($entries entries in h1's endpoints map)"
