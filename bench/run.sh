#!/bin/bash
# `make bench`: vxnet against Docker's kernel-VXLAN overlay and against no
# overlay at all, on this machine, in one run. Writes bench/results/latest.md
# and latest.png. As root; needs build/vxnet and build/bench/prog_cost.
#
# Usage: bench/run.sh [--rounds N] [--secs S] [--out DIR]
#                     [--paths "P..."] [--modes "offload wire"] [--dp-only]
#                     [--tests "lat-same lat-cross tcp udp"]
# (--paths, --modes, --dp-only, --tests: a shorter run for A/B of one change,
# e.g. --tests "lat-same udp" for more rounds of two figures; the full
# `make bench` uses none of them. --paths also takes vxnet-tc-mon,
# vxnet-tc-trace, vxnet-xdp-mon, vxnet-xdp-trace: vxnet-tc / vxnet-xdp with
# `vxnet monitor` [--trace] listening on both hosts, issue 14; and
# tc-floor, the least a TC VXLAN overlay does on this underlay
# (bench/tc_floor.bpf.c), issue 16.)
#
# Five topologies of the same shape (bench/topo.sh): two hosts on separate L2
# segments joined by a router, one container per host; and three egress
# paths to a server namespace behind the router (a container through
# Docker's docker_gwbridge with MASQUERADE, through vxnet's egress NAT, and
# the host's own client, the floor); and four published-port paths from a
# client in that namespace to servers in c2 on h2 (vxnet's published ports
# through h1 and through h2, Docker's routing mesh with iptables NAT for
# IPVS, and the plain routed path to c2). Each figure is taken in
# interleaved rounds (every path in $PATHS of bench/topo.sh, then
# again), first with the underlay veths'
# offloads as they are, then in wire mode (tx checksum, TSO and GSO off on
# the sending underlay veths: 1500-byte frames with complete checksums, as a
# NIC link carries). Medians and min-max over the rounds; no round is
# dropped.
source "$(dirname "$0")/../tests/lib.sh"
P=vxb$$-                 # per-run prefix: namespaces, pins
BENCH=$TOP/bench
source "$BENCH/topo.sh"
PROG_COST=$TOP/build/bench/prog_cost

PATHS_ARG= MODES_ARG= TESTS_ARG=
ROUNDS=5 SECS=2 OUT=$BENCH/results CP_SIZES="1000 10000 100000" CP_RUNS=3 MODES="offload wire" DP_ONLY=
TESTS="lat-same lat-cross tcp udp"
while [ $# -gt 0 ]; do
	case $1 in
	--rounds) ROUNDS=$2; shift 2 ;;
	--secs) SECS=$2; shift 2 ;;
	--out) OUT=$2; shift 2 ;;
	--cp-sizes) CP_SIZES=$2; shift 2 ;; # for trying the script out
	--paths) PATHS=$2 PATHS_ARG=1; shift 2 ;;
	--modes) MODES=$2 MODES_ARG=1; shift 2 ;;
	--dp-only) DP_ONLY=1; shift ;;
	--tests) TESTS=$2 TESTS_ARG=1; shift 2 ;;
	*) echo "usage: bench/run.sh [--rounds N] [--secs S] [--out DIR] [--paths P] [--modes M] [--dp-only] [--tests T]" >&2; exit 2 ;;
	esac
done

RAW=$TMP/raw.tsv         # section  path  mode  metric  round  value
: >"$RAW"
T0=$(date +%s)
LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)  # the VM is shared: the load goes into latest.md
log() { printf '[%4ds] %s\n' $(($(date +%s) - T0)) "$*" >&2; }

cleanup() {
	paths_cleanup
	rm -rf "/sys/fs/bpf/${P}"*
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

[ "$(id -u)" = 0 ] || { echo "bench: run as root" >&2; exit 1; }
for t in "$VXNET" "$PROG_COST"; do
	[ -x "$t" ] || { echo "bench: $t missing; run make bench" >&2; exit 1; }
done
for t in sockperf iperf3 gnuplot bpftool jq ethtool taskset; do
	command -v $t >/dev/null || { echo "bench: $t missing; run make deps" >&2; exit 1; }
done
NCPU=$(nproc)
CPU_A=0 CPU_B=$((NCPU > 1 ? 1 : 0)) # client CPU, server CPU when apart

# ---- 5. per-packet cost of the BPF programs --------------------------------
# Many short rounds (each program once a round, ~4 ms each): the report takes
# each round's ratio to the floor, so the VM's speed levels cancel.
COST_CALLS=20000 COST_ROUNDS=30
[ -n "$DP_ONLY" ] && CP_SIZES=
[ -z "$DP_ONLY" ] && {
log "BPF program cost: BPF_PROG_TEST_RUN, $COST_CALLS calls x $COST_ROUNDS rounds"
"$PROG_COST" progs $COST_CALLS "$COST_ROUNDS" >"$TMP/cost.out" || { echo "bench: prog_cost progs failed" >&2; exit 1; }
awk '$1 == "prog" { print "cost\t" $2 "\t-\tns\t" $3 "\t" $4 }' "$TMP/cost.out" >>"$RAW"
}

# ---- 6. control plane ---------------------------------------------------------
# gen_state N FILE: nodes h0 (this host) and 1000 remote nodes, network blue
# 10.0.0.0/8 (VNI 4096), N endpoints 10.0.0.2... spread over the remote nodes.
gen_state() {
	awk -v n="$1" 'BEGIN {
		printf "{\"version\": 1,\n\"nodes\": [{\"name\": \"h0\", \"address\": \"198.18.1.2\"}"
		for (i = 1; i <= 1000; i++) printf ",\n{\"name\": \"n%d\", \"address\": \"198.19.%d.%d\"}", i, int(i / 256), i % 256
		printf "],\n\"networks\": [{\"name\": \"blue\", \"vni\": 4096, \"mtu\": 0, \"subnets\": [{\"subnet\": \"10.0.0.0/8\", \"gateway\": \"10.0.0.1\"}]}],\n\"endpoints\": ["
		for (i = 0; i < n; i++) {
			a = 2 + i; b1 = int(a / 65536); b2 = int(a / 256) % 256; b3 = a % 256
			printf "%s\n{\"name\": \"e%d\", \"network\": \"blue\", \"node\": \"n%d\", \"ip\": \"10.%d.%d.%d\", \"mac\": \"02:42:0a:%02x:%02x:%02x\"}", \
				(i ? "," : ""), i, 1 + i % 1000, b1, b2, b3, b1, b2, b3
		}
		print "]}"
	}' >"$2"
}
# gen_kernel N PREFIX: PREFIX.fdb (bridge -batch) and PREFIX.neigh (ip -batch),
# the same endpoints as Docker writes them for vxlan0.
gen_kernel() {
	awk -v n="$1" -v fdb="$2.fdb" -v neigh="$2.neigh" 'BEGIN {
		for (i = 0; i < n; i++) {
			a = 2 + i; b1 = int(a / 65536); b2 = int(a / 256) % 256; b3 = a % 256; node = 1 + i % 1000
			printf "fdb append 02:42:0a:%02x:%02x:%02x dev vxlan0 dst 198.19.%d.%d self permanent\n", b1, b2, b3, int(node / 256), node % 256 >fdb
			printf "neigh add 10.%d.%d.%d lladdr 02:42:0a:%02x:%02x:%02x dev vxlan0 nud permanent\n", b1, b2, b3, b1, b2, b3 >neigh
		}
	}'
}
secs_of() { # secs_of CMD...: wall seconds CMD took (it must succeed)
	local t0 t1
	t0=$(date +%s.%N)
	"$@" >"$TMP/cp.out" 2>&1 || { echo "bench: '$*' failed: $(tail -2 "$TMP/cp.out")" >&2; return 1; }
	t1=$(date +%s.%N)
	awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.4f\n", b - a }'
}
slab_kb() { awk '/^Slab:/ { print $2 }' /proc/meminfo; }

CP_NS=${P}cp
# cp_sync N: `vxnet up` with a state of no endpoints (load, attach), then the
# timed `vxnet sync` of the full state into the empty maps: read, parse,
# validate, compute, write. Then the same endpoints for kernel VXLAN.
cp_sync() { # cp_sync N
	local n=$1 st=$TMP/cp-$n.json st0=$TMP/cp-0.json pin=/sys/fs/bpf/${P}cp s m0 m1
	[ -e "$st" ] || gen_state "$n" "$st"
	[ -e "$TMP/cp-$n.fdb" ] || gen_kernel "$n" "$TMP/cp-$n"
	gen_state 0 "$st0"
	mkns "$CP_NS" || return 1
	ip link add eth0 netns "$CP_NS" type veth peer name eth1 netns "$CP_NS" &&
	ip -n "$CP_NS" addr add 198.18.1.2/15 dev eth0 && ip -n "$CP_NS" link set eth0 up &&
	ip -n "$CP_NS" link set eth1 up || return 1
	"$VXNET" --state "$st0" --pin-dir "$pin" -n "$CP_NS" up --node h0 --dev eth0 --decap tc >/dev/null || return 1
	s=$(secs_of timeout 600 "$VXNET" --state "$st" --pin-dir "$pin" -n "$CP_NS" sync) || return 1
	printf 'cp\tvxnet-sync\t-\ts\t%s\t%s\n' "$n" "$s" >>"$RAW"
	local mem ents
	read -r mem ents < <(bpftool -j map show pinned "$pin/endpoints" | jq -r '"\(.bytes_memlock) \(.max_entries)"')
	printf 'cp\tvxnet-memlock\t-\tbytes\t%s\t%s\n' "$n" "$mem" >>"$RAW"
	printf 'cp\tvxnet-max-entries\t-\tn\t%s\t%s\n' "$n" "$ents" >>"$RAW"
	"$VXNET" --state "$st0" --pin-dir "$pin" -n "$CP_NS" down >/dev/null 2>&1
	rm -rf "$pin"

	# kernel VXLAN, Docker's layout: vxlan0 in the host, moved to the
	# network's namespace; FDB and neighbour entries written in batches.
	local ov=${P}cpov
	mkns "$ov" || return 1
	ip netns exec "$ov" sysctl -qw net.ipv4.neigh.default.gc_thresh3=$((n + 2048)) \
		net.ipv4.neigh.default.gc_thresh2=$((n + 1024)) 2>/dev/null
	ip -n "$CP_NS" link add vxlan0 type vxlan id 4096 dstport 4789 nolearning proxy l2miss l3miss &&
	ip -n "$CP_NS" link set vxlan0 netns "$ov" &&
	ip -n "$ov" link add br0 type bridge && ip -n "$ov" link set br0 up &&
	ip -n "$ov" link set vxlan0 mtu 1450 master br0 up || return 1
	m0=$(slab_kb)
	s=$(secs_of ip netns exec "$ov" bridge -batch "$TMP/cp-$n.fdb") || return 1
	printf 'cp\tkernel-fdb\t-\ts\t%s\t%s\n' "$n" "$s" >>"$RAW"
	s=$(secs_of ip -n "$ov" -batch "$TMP/cp-$n.neigh") || return 1
	printf 'cp\tkernel-neigh\t-\ts\t%s\t%s\n' "$n" "$s" >>"$RAW"
	m1=$(slab_kb)
	printf 'cp\tkernel-slab\t-\tbytes\t%s\t%s\n' "$n" $(((m1 - m0) * 1024)) >>"$RAW"
	local nf nn
	nf=$(ip netns exec "$ov" bridge fdb show dev vxlan0 | grep -c ' dst ')
	nn=$(ip -n "$ov" neigh show dev vxlan0 | grep -c PERMANENT)
	if [ "$nf" != "$n" ] || [ "$nn" != "$n" ]; then
		echo "bench: kernel VXLAN holds $nf FDB and $nn neighbour entries, want $n" >&2
		return 1
	fi
	cleanup_netns
}

for n in $CP_SIZES; do
	log "control plane: $n endpoints (vxnet sync; bridge -batch + ip -batch)"
	for r in $(seq "$CP_RUNS"); do
		cp_sync "$n" || { echo "bench: control plane with $n endpoints failed" >&2; exit 1; }
	done
	"$PROG_COST" maps "$n" >"$TMP/maps.out" || { echo "bench: prog_cost maps failed" >&2; exit 1; }
	awk -v n="$n" '$1 == "maps" && ($2 == "update" || $2 == "batch") { print "cp\tmaps-" $2 "\t-\ts\t" n "\t" $4 }' \
		"$TMP/maps.out" >>"$RAW"
done

# ---- 1-4. data plane ---------------------------------------------------------
log "building the topologies: $PATHS"
for path in $PATHS; do
	path_build "$path" >"$TMP/build.out" 2>&1 || { echo "bench: building $path: $(tail -2 "$TMP/build.out")" >&2; exit 1; }
done
# Servers, each in the server container: sockperf on the client's CPU (same
# CPU) and on the other one (cross CPU), iperf3 on the other one. The
# published paths' client connects to a host's address (server_ip), the
# servers listen on the container's (server_bind).
for path in $PATHS; do
	s=$(server_ns "$path") ip=$(server_bind "$path")
	ip netns exec "$s" taskset -c $CPU_A sockperf sr --tcp -i "$ip" -p 11110 >/dev/null 2>&1 &
	ip netns exec "$s" taskset -c $CPU_B sockperf sr --tcp -i "$ip" -p 11111 >/dev/null 2>&1 &
	ip netns exec "$s" taskset -c $CPU_B iperf3 -s -B "$ip" -p 5201 >/dev/null 2>&1 &
done
sleep 1
for path in $PATHS; do
	ip netns exec "$(client_ns "$path")" ping -c 2 -i 0.2 -W 2 "$(server_ip "$path")" >/dev/null ||
		{ echo "bench: $path: the client does not reach the server" >&2; exit 1; }
	case $path in
	published-*) # ping reaches the host: a TCP connection to a published port
		ip netns exec "$(client_ns "$path")" timeout 5 bash -c "exec 3<>/dev/tcp/$(server_ip "$path")/11110" 2>/dev/null ||
			{ echo "bench: $path: no TCP connection to $(server_ip "$path"):11110" >&2; exit 1; } ;;
	esac
done

# rec PATH MODE METRIC ROUND VALUE
rec() { printf 'dp\t%s\t%s\t%s\t%s\t%s\n' "$@" >>"$RAW"; }

lat() { # lat PATH MODE ROUND same|cross: sockperf TCP ping-pong, RTT p50 p99 (us)
	local path=$1 mode=$2 r=$3 where=$4 port=11110 out=$TMP/sp.out p50 p99
	[ "$where" = cross ] && port=11111
	if ip netns exec "$(client_ns "$path")" timeout $((SECS + 10)) taskset -c $CPU_A \
		sockperf pp --tcp -i "$(server_ip "$path")" -p $port -t "$SECS" -m 64 --full-rtt >"$out" 2>&1; then
		p50=$(awk '/percentile 50.000 =/ { print $NF }' "$out")
		p99=$(awk '/percentile 99.000 =/ { print $NF }' "$out")
	fi
	rec "$path" "$mode" "lat-$where-p50" "$r" "${p50:-fail}"
	rec "$path" "$mode" "lat-$where-p99" "$r" "${p99:-fail}"
}
tput() { # tput PATH MODE ROUND: iperf3 single TCP flow, received Gbit/s
	local path=$1 mode=$2 r=$3 v
	v=$(ip netns exec "$(client_ns "$path")" timeout $((SECS + 10)) taskset -c $CPU_A \
		iperf3 -c "$(server_ip "$path")" -p 5201 -t "$SECS" -J 2>/dev/null |
		jq -r '.end.sum_received.bits_per_second // empty | . / 1e9' 2>/dev/null)
	rec "$path" "$mode" tcp-gbps "$r" "${v:-fail}"
}
pps() { # pps PATH MODE ROUND: iperf3 64-byte UDP, received packets/s (thousands)
	local path=$1 mode=$2 r=$3 v
	v=$(ip netns exec "$(client_ns "$path")" timeout $((SECS + 10)) taskset -c $CPU_A \
		iperf3 -c "$(server_ip "$path")" -p 5201 -u -l 64 -b 0 -t "$SECS" -J 2>/dev/null |
		jq -r '.end.sum_received | select(.seconds > 0) | .bytes / 64 / .seconds / 1000' 2>/dev/null)
	[ "$v" = 0 ] && v=
	rec "$path" "$mode" udp-kpps "$r" "${v:-fail}"
}

for mode in $MODES; do
	for path in $PATHS; do
		if [ "$mode" = wire ]; then wire_mode "$path" on; else wire_mode "$path" off; fi
	done
	for r in $(seq 1 "$ROUNDS"); do
		log "data plane, $mode mode, round $r/$ROUNDS"
		# Test by test, every path in turn: the paths a target compares
		# (vxnet-tc and routed) are measured seconds apart, not a whole
		# path's tests apart, while the VM changes speed.
		for t in $TESTS; do
			for path in $PATHS; do
				if [ "${path#vxnet-xdp}" != "$path" ] && [ "$mode" = offload ]; then
					# The sender's checksums are still partial on a
					# veth underlay; XDP loses that state, so the
					# container drops what arrives: nothing to measure.
					case $t in
					lat-same | lat-cross) rec "$path" "$mode" "$t-p50" "$r" na; rec "$path" "$mode" "$t-p99" "$r" na ;;
					tcp) rec "$path" "$mode" tcp-gbps "$r" na ;;
					udp) rec "$path" "$mode" udp-kpps "$r" na ;;
					esac
					continue
				fi
				case $t in
				lat-same) lat "$path" "$mode" "$r" same ;;
				lat-cross) lat "$path" "$mode" "$r" cross ;;
				tcp) tput "$path" "$mode" "$r" ;;
				udp) pps "$path" "$mode" "$r" ;;
				*) echo "bench: unknown test $t" >&2; exit 2 ;;
				esac
			done
		done
	done
done
log "data plane done"

# ---- output --------------------------------------------------------------------
mkdir -p "$OUT"
cp "$RAW" "$OUT/latest.tsv"
COMMAND="make bench  (bench/run.sh --rounds $ROUNDS --secs $SECS)"
[ -n "$DP_ONLY$PATHS_ARG$MODES_ARG$TESTS_ARG" ] &&
	COMMAND="bench/run.sh --rounds $ROUNDS --secs $SECS${PATHS_ARG:+ --paths \"$PATHS\"}${MODES_ARG:+ --modes \"$MODES\"}${DP_ONLY:+ --dp-only}${TESTS_ARG:+ --tests \"$TESTS\"}"
NO_PLOT=
[ -n "$DP_ONLY$PATHS_ARG$MODES_ARG$TESTS_ARG" ] && NO_PLOT=1
LOAD="at the start $LOAD0, at the end $(cut -d' ' -f1-3 /proc/loadavg)" \
	NO_PLOT=$NO_PLOT "$BENCH/report.sh" "$RAW" "$OUT" "$COMMAND" "$(($(date +%s) - T0))" || exit 1
if [ -n "$NO_PLOT" ]; then log "wrote $OUT/latest.md (no chart)"; else log "wrote $OUT/latest.md and $OUT/latest.png"; fi
