#!/bin/bash
# bench/report.sh RAW OUTDIR COMMAND SECONDS: turn bench/run.sh's raw figures
# (section, name, mode, metric, round or N, value per line) into
# OUTDIR/latest.md and, with gnuplot, OUTDIR/latest.png.
set -u
RAW=$1 OUT=$2 COMMAND=$3 ELAPSED=$4
HERE=$(cd "$(dirname "$0")" && pwd)
DAT=$(mktemp -d /tmp/vxbench-report.XXXX)
trap 'rm -rf "$DAT"' EXIT

CPU_MODEL=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
MACHINE="Linux $(uname -r), $(nproc) CPUs ($CPU_MODEL), $(awk '/^MemTotal/ { printf "%.1f GiB RAM", $2 / 1048576 }' /proc/meminfo)"
[ -r /etc/debian_version ] && MACHINE="$MACHINE, Debian $(cat /etc/debian_version)"

# The awk programs below share sortn(A, N): sorts A[1..N] in place.
SORTN='function sortn(a, n,    i, j, t) { for (i = 2; i <= n; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] > t; j--) a[j + 1] = a[j]; a[j + 1] = t } }'
# per_round(P, Q, W, M): the ratios P / Q of figure M in mode W over the rounds
# 1..nr of v[PATH, MODE, FIGURE, ROUND] that measured both, sorted
# into A; their number, also in NA, and MEDR their median.
PER_ROUND='function per_round(p, q, w, m,    r, x, y) { NA = 0
	for (r = 1; r <= nr; r++) { x = v[p, w, m, r]; y = v[q, w, m, r]
		if (x != "" && y != "" && x !~ /fail|na/ && y !~ /fail|na/ && y + 0 > 0) A[++NA] = x / y }
	if (NA) { sortn(A, NA); MEDR = NA % 2 ? A[(NA + 1) / 2] : (A[NA / 2] + A[NA / 2 + 1]) / 2 }
	return NA }'

awk -F'\t' -v machine="$MACHINE" -v date="$(date -u '+%Y-%m-%d %H:%M UTC')" \
    -v command="$COMMAND" -v elapsed="$ELAPSED" -v dat="$DAT" -v load="${LOAD:-}" "$SORTN"'
# stat(KEY): sets MED MIN MAX NOK NFAIL NNA from the values of KEY
function stat(k) { return statl(vals[k]) }
# statl(LIST): the same from a space-separated list of values
function statl(list,    n, i, v, a) {
	NOK = NFAIL = NNA = 0; MED = MIN = MAX = ""
	n = split(list, v, " ")
	for (i = 1; i <= n; i++) {
		if (v[i] == "fail") NFAIL++
		else if (v[i] == "na") NNA++
		else a[++NOK] = v[i] + 0
	}
	if (!NOK) return 0
	sortn(a, NOK)
	MED = NOK % 2 ? a[(NOK + 1) / 2] : (a[NOK / 2] + a[NOK / 2 + 1]) / 2
	MIN = a[1]; MAX = a[NOK]
	return 1
}
function fmt(x) { return x >= 100 ? sprintf("%.0f", x) : x >= 10 ? sprintf("%.1f", x) : sprintf("%.2f", x) }
function cell(k) {
	if (!(k in vals)) return "–"
	if (!stat(k)) return NNA ? "n/a¹" : "fail"
	return fmt(MED) " (" fmt(MIN) "–" fmt(MAX) ")" (NFAIL ? " " NFAIL " failed" : "")
}
function med(k) { return stat(k) ? MED : "" }
function ratio(a, b) { return (a == "" || b == "" || b == 0) ? "–" : sprintf("%.2f×", a / b) }
# any_path(PREFIX): the run measured a data-plane path whose name starts with PREFIX
function any_path(pre,    k) { for (k in vals) if (index(k, "dp" SUBSEP pre) == 1) return 1; return 0 }
# round_ratios(A, B, W, M): figure M in mode W of path A over path B, round
# by round (both paths run in every round): "median× (min–max)", or "–"
function round_ratios(pa, pb, w, m,    r, a, b, rl) {
	rl = ""
	for (r = 1; r <= nround; r++) {
		a = rv[pa, w, m, r]; b = rv[pb, w, m, r]
		if (a ~ /^[0-9.]+$/ && b ~ /^[0-9.]+$/ && b > 0) rl = rl " " a / b
	}
	return statl(rl) ? sprintf("%.2f× (%.2f–%.2f)", MED, MIN, MAX) : "–"
}
# cost_ratio(A, B): the cost of program A over that of B, round by round (every
# round runs each program once, a few ms apart, so a change of the speed of the VM
# between rounds cancels): "median× (min–max)", or "–"; CR: the median
function cost_ratio(pa, pb,    r, a, b, rl) {
	rl = ""; CR = ""
	for (r = 1; r <= ncost; r++) {
		a = crv[pa, r]; b = crv[pb, r]
		if (a ~ /^[0-9.]+$/ && b ~ /^[0-9.]+$/ && b > 0) rl = rl " " a / b
	}
	if (!statl(rl)) return "–"
	CR = MED
	return sprintf("%.2f× (%.2f–%.2f)", MED, MIN, MAX)
}
# floor_of(P): the floor program of the hook of P
function floor_of(p) { return p == "xdp-decap" || p == "floor-xdp" ? "floor-xdp" : "floor-tc" }
{ k = $1 SUBSEP $2 SUBSEP $3 SUBSEP $4; vals[k] = vals[k] " " $6; if ($1 == "cp") cpv[$2, $5] = cpv[$2, $5] " " $6
  if ($1 == "cost") { crv[$2, $5] = $6; if ($5 + 0 > ncost) ncost = $5 + 0 }
  if ($1 == "dp") { rv[$2, $3, $4, $5] = $6; if ($5 + 0 > nround) nround = $5 + 0 } }
END {
	# control plane: the median of the runs of each figure
	for (k in cpv) {
		cp[k] = statl(cpv[k]) ? MED : 0
		if (NOK > ncp) ncp = NOK
	}
	npaths = split("underlay routed kernel-vxlan vxnet-xdp vxnet-tc", P, " ")
	nm = split("lat-same-p50 lat-same-p99 lat-cross-p50 lat-cross-p99 tcp-gbps udp-kpps", M, " ")
	name["lat-same-p50"] = "TCP RTT p50, same CPU (µs)"
	name["lat-same-p99"] = "TCP RTT p99, same CPU (µs)"
	name["lat-cross-p50"] = "TCP RTT p50, cross CPU (µs)"
	name["lat-cross-p99"] = "TCP RTT p99, cross CPU (µs)"
	name["tcp-gbps"] = "TCP throughput, 1 flow (Gbit/s)"
	name["udp-kpps"] = "UDP 64 B received (kpps)"
	nmodes = split("offload wire", W, " ")

	print "# vxnet benchmark: latest run"
	print ""
	print "- machine: " machine
	print "- date: " date ", " elapsed " s for the whole run"
	if (load != "") print "- load average (1, 5, 15 min; the VM is shared with other work): " load
	print "- command: `" command "`"
	print "- each data-plane cell: median (min–max) over the rounds, paths interleaved round by round; no round dropped"
	print ""
	print "## Data plane"
	print ""
	print "`offload`: the underlay veths as they are (TSO/GSO, checksum offload: 64 KB frames with partial checksums);"
	print "`wire`: `ethtool -K tx off tso off gso off` on the sending underlay veths (r1, r2, both eth0), every path alike:"
	print "1500-byte frames with complete checksums, as a NIC link carries. Ratios are vxnet / other, medians of this run"
	print "(latency: lower is better; throughput and packet rate: higher is better)."
	print ""
	print "| figure | mode | underlay | routed | kernel-vxlan | vxnet-xdp | vxnet-tc | xdp / kernel-vxlan | xdp / routed | tc / kernel-vxlan | tc / routed |"
	print "|---|---|---|---|---|---|---|---|---|---|---|"
	for (i = 1; i <= nm; i++) for (w = 1; w <= nmodes; w++) {
		line = "| " name[M[i]] " | " W[w]
		for (p = 1; p <= npaths; p++) line = line " | " cell("dp" SUBSEP P[p] SUBSEP W[w] SUBSEP M[i])
		kv = med("dp" SUBSEP "kernel-vxlan" SUBSEP W[w] SUBSEP M[i])
		ro = med("dp" SUBSEP "routed" SUBSEP W[w] SUBSEP M[i])
		x = med("dp" SUBSEP "vxnet-xdp" SUBSEP W[w] SUBSEP M[i])
		t = med("dp" SUBSEP "vxnet-tc" SUBSEP W[w] SUBSEP M[i])
		print line " | " ratio(x, kv) " | " ratio(x, ro) " | " ratio(t, kv) " | " ratio(t, ro) " |"
		# chart data: path, offload med min max, wire med min max
		for (p = 1; p <= npaths; p++) {
			kk = "dp" SUBSEP P[p] SUBSEP W[w] SUBSEP M[i]
			if (stat(kk)) d[M[i], P[p], W[w]] = MED " " MIN " " MAX; else d[M[i], P[p], W[w]] = "0 0 0"
		}
	}
	for (i = 1; i <= nm; i++) {
		f = dat "/" M[i] ".dat"
		for (p = 1; p <= npaths; p++) print P[p], d[M[i], P[p], "offload"], d[M[i], P[p], "wire"] > f
		close(f)
	}
	print ""
	print "¹ vxnet-xdp, offload mode: on a veth underlay the sender'"'"'s TCP and UDP checksums are still partial"
	print "(CHECKSUM_PARTIAL) when the frame reaches the receiving host; XDP cannot carry that state, so the"
	print "decapsulated frame arrives with an unfinished checksum and the container drops it. Not measured:"
	print "XDP decap is for underlays that deliver complete checksums, as a NIC does (the wire rows)."
	print ""

	# egress (issue 13): a container to a server outside the overlay
	if (any_path("egress-")) {
		print "## Egress: a container to a server outside the overlay (issue 13)"
		print ""
		print "c1 on h1 to a server namespace behind the router (198.18.100.2). `egress-host`: no container, the client in h1"
		print "itself (the floor: the rest of the way). `egress-gwbridge`: Docker'"'"'s way out, c1 on a"
		print "veth into the Linux bridge docker_gwbridge on h1, h1 forwarding, iptables MASQUERADE (`-s 172.18.0.0/16 ! -o"
		print "docker_gwbridge`, as Docker writes it). `egress-vxnet`: vxnet (tc decap), egress NAT in BPF to h1'"'"'s address."
		print "The same client, server, CPUs and methods as above."
		print ""
		print "Ratios: of the medians, and the median (min–max) of the ratios round by round (both paths run back to back in"
		print "each round, so a round ratio is less exposed to the machine changing speed between rounds)."
		print ""
		print "| figure | mode | egress-host | egress-gwbridge | egress-vxnet | vxnet / gwbridge | round ratios | host / gwbridge |"
		print "|---|---|---|---|---|---|---|---|"
		for (i = 1; i <= nm; i++) for (w = 1; w <= nmodes; w++) {
			g = "dp" SUBSEP "egress-gwbridge" SUBSEP W[w] SUBSEP M[i]; e = "dp" SUBSEP "egress-vxnet" SUBSEP W[w] SUBSEP M[i]
			hh = "dp" SUBSEP "egress-host" SUBSEP W[w] SUBSEP M[i]
			if (!(g in vals) && !(e in vals) && !(hh in vals)) continue
			rr = round_ratios("egress-vxnet", "egress-gwbridge", W[w], M[i])
			print "| " name[M[i]] " | " W[w] " | " cell(hh) " | " cell(g) " | " cell(e) " | " ratio(med(e), med(g)) " | " rr " | " ratio(med(hh), med(g)) " |"
		}
		print ""
		print "| target (issue 13) | vxnet / gwbridge | met |"
		print "|---|---|---|"
		for (w = 1; w <= nmodes; w++) {
			g = med("dp" SUBSEP "egress-gwbridge" SUBSEP W[w] SUBSEP "lat-same-p50"); e = med("dp" SUBSEP "egress-vxnet" SUBSEP W[w] SUBSEP "lat-same-p50")
			if (g != "" || e != "") printf "| TCP p50 same CPU ≤ 0.8× gwbridge (%s) | %s | %s |\n", W[w], ratio(e, g), (e != "" && g != "" && e / g <= 0.8) ? "yes" : "**no**"
			g = med("dp" SUBSEP "egress-gwbridge" SUBSEP W[w] SUBSEP "udp-kpps"); e = med("dp" SUBSEP "egress-vxnet" SUBSEP W[w] SUBSEP "udp-kpps")
			if (g != "" || e != "") printf "| UDP 64 B rate ≥ 1.3× gwbridge (%s) | %s | %s |\n", W[w], ratio(e, g), (e != "" && g != "" && e / g >= 1.3) ? "yes" : "**no**"
		}
		print ""
	}

	# published ports (issue 13): a client outside to a container on h2
	if (any_path("published-")) {
		print "## Published ports: a client outside to a container on another node (issue 13)"
		print ""
		print "The client in the namespace behind the router (198.18.100.2, where the egress paths'"'"' server is), the servers in c2"
		print "on h2, which publishes tcp 5201 11110 11111 and udp 5201. `published-remote`: vxnet (tc decap), the client"
		print "connects to h1'"'"'s address, h1 sends it through VXLAN (marked) to h2, the answers come back through h1."
		print "`published-local`: the same to h2'"'"'s address. `published-mesh`: Docker'"'"'s routing mesh entered at h1 (h1 DNATs"
		print "to ingress_sbox on docker_gwbridge, ingress_sbox NATs to the task over the kernel-VXLAN ingress network and"
		print "SNATs, so the task sees ingress_sbox, not the client), with iptables DNAT in place of IPVS (this kernel has no"
		print "CONFIG_IP_VS). `published-routed`: no NAT, no encap, the client to c2'"'"'s routed address (the floor)."
		print "The same servers, CPUs and methods as above. Ratios: of the medians, and the median (min–max) of the"
		print "ratios round by round."
		print ""
		print "| figure | mode | published-local | published-remote | published-mesh | published-routed | remote / mesh | round ratios | remote / local | remote / routed |"
		print "|---|---|---|---|---|---|---|---|---|---|"
		for (i = 1; i <= nm; i++) for (w = 1; w <= nmodes; w++) {
			pl = "dp" SUBSEP "published-local" SUBSEP W[w] SUBSEP M[i]; pr = "dp" SUBSEP "published-remote" SUBSEP W[w] SUBSEP M[i]
			pm = "dp" SUBSEP "published-mesh" SUBSEP W[w] SUBSEP M[i]; pd = "dp" SUBSEP "published-routed" SUBSEP W[w] SUBSEP M[i]
			if (!(pl in vals) && !(pr in vals) && !(pm in vals) && !(pd in vals)) continue
			rr = round_ratios("published-remote", "published-mesh", W[w], M[i])
			print "| " name[M[i]] " | " W[w] " | " cell(pl) " | " cell(pr) " | " cell(pm) " | " cell(pd) " | " ratio(med(pr), med(pm)) " | " rr " | " ratio(med(pr), med(pl)) " | " ratio(med(pr), med(pd)) " |"
		}
		print ""
	}

	print "## BPF per-packet cost (BPF_PROG_TEST_RUN)"
	print ""
	print "Each figure: the mean of the kernel-measured duration over the calls of one round, median (min–max) over the"
	print "rounds. One call per run (repeat = 1): the programs rewrite the packet in place, so with repeat > 1 every run"
	print "after the first would see its own output and take a drop path. The floor is a program that only returns, run"
	print "the same way (tc or XDP, as the program); `floor, repeat` is the same floor with the whole count in one call:"
	print "the per-run cost of the harness loop itself, against which the per-call floor also carries two clock reads."
	print "× floor: the program over the floor of its hook in the same round, median (min–max) over the rounds; every"
	print "round runs each program once, a few ms apart, so a change of the speed of the VM between rounds cancels."
	print ""
	print "| program | fixture | ns per packet | × floor | ns above floor |"
	print "|---|---|---|---|---|"
	nc = split("floor-tc floor-xdp floor-tc-repeat encap xdp-decap tc-decap local-forward arp-reply gateway-echo egress egress-reply published-in", C, " ")
	fx["floor-tc"] = "tc: `r0 = TC_ACT_OK; exit`"
	fx["floor-xdp"] = "XDP: `r0 = XDP_PASS; exit`"
	fx["floor-tc-repeat"] = "tc floor, repeat = calls"
	fx["encap"] = "from_container: 138 B TCP c1 -> remote r1 (FIB, adjust_room, headers)"
	fx["xdp-decap"] = "xdp_decap: VXLAN from a node to local c1"
	fx["tc-decap"] = "tc_decap: the same frame at tc ingress"
	fx["local-forward"] = "from_container: c1 -> c2 on the same host (redirect_peer)"
	fx["arp-reply"] = "from_container: ARP request c1 for c2, answered"
	fx["gateway-echo"] = "from_container: ping c1 -> its gateway, answered"
	fx["egress"] = "from_container: 138 B TCP c1 -> 198.18.2.10 outside, translated (flow known)"
	fx["egress-reply"] = "tc_decap: the answer to its NAT port, translated back to c1"
	fx["published-in"] = "tc_decap: a client TCP segment to published 8080 -> c1:80 here"
	for (i = 1; i <= nc; i++) {
		k = "cost" SUBSEP C[i] SUBSEP "-" SUBSEP "ns"
		v = med(k); fl = med("cost" SUBSEP floor_of(C[i]) SUBSEP "-" SUBSEP "ns")
		if (C[i] == "floor-tc-repeat") { r = "–"; ab = "–" }
		else { r = cost_ratio(C[i], floor_of(C[i])); ab = v == "" ? "–" : sprintf("%.0f", v - fl) }
		print "| " C[i] " | " fx[C[i]] " | " cell(k) " | " r " | " ab " |"
		if (C[i] !~ /floor/) printf "%s %s %s\n", C[i], v, (v == "" ? 0 : v - fl) > (dat "/cost.dat")
	}
	close(dat "/cost.dat")
	print ""
	print "A translated packet against an untranslated one on the same hook (issue 13 target: <= 2x), round by round:"
	print "egress / encap " cost_ratio("egress", "encap") ", egress-reply / tc-decap " cost_ratio("egress-reply", "tc-decap") "."
	print ""

	print "## Control plane: programming N remote endpoints"
	print ""
	print "vxnet: `vxnet sync` of a generated state file (1 001 nodes, one network 10.0.0.0/8, N endpoints on the remote"
	print "nodes) into empty maps, end to end (read, parse, validate, compute, write). Map writes alone: `prog_cost"
	print "maps N`, the same N entries into the endpoints map as sync writes them today (lookup + update per entry) and"
	print "as one BPF_MAP_UPDATE_BATCH. Kernel VXLAN (what Docker and Flannel do): the same endpoints as `fdb append MAC"
	print "dev vxlan0 dst NODE self permanent` through `bridge -batch` plus `neigh add IP lladdr MAC dev vxlan0 nud"
	print "permanent` through `ip -batch`, into Docker'"'"'s layout (vxlan0 on br0 in its own namespace). Seconds; sync and kernel:"
	print "the median of " ncp " runs each, alternating, fresh namespaces and maps every run."
	print ""
	print "| N | vxnet sync | map writes, per entry | map writes, batched | kernel FDB | kernel neigh | kernel total | kernel / vxnet sync | kernel / batched writes |"
	print "|---|---|---|---|---|---|---|---|---|"
	nn = split("1000 10000 100000", N, " ")
	for (i = 1; i <= nn; i++) {
		n = N[i]; s = cp["vxnet-sync", n]; u = cp["maps-update", n]; b = cp["maps-batch", n]
		kf = cp["kernel-fdb", n]; kn = cp["kernel-neigh", n]; kt = kf + kn
		printf "| %d | %.3f | %.3f | %.4f | %.3f | %.3f | %.3f | %s | %s |\n", n, s, u, b, kf, kn, kt, ratio(kt, s), ratio(kt, b)
		printf "%d %s %s %s %s\n", n, s, u, b, kt > (dat "/cp.dat")
	}
	close(dat "/cp.dat")
	print ""
	n = 100000; n0 = 1000
	mem = cp["vxnet-memlock", n]; mem0 = cp["vxnet-memlock", n0]; ents = cp["vxnet-max-entries", n]; slab = cp["kernel-slab", n]
	print "Memory per endpoint: vxnet'"'"'s endpoints map (hash, up to " ents " entries) reports " mem0 " bytes (bpftool `bytes_memlock`,"
	printf "the kernel'"'"'s own accounting) with %d endpoints and %d with %d: **%.0f bytes per endpoint** (the slope). Kernel\n", n0, mem, n, (mem - mem0) / (n - n0)
	printf "VXLAN: the slab grew by %.1f MB while its %d FDB + %d neighbour entries were written: **about %.0f bytes per\n", slab / 1048576, n, n, slab / n
	print "endpoint** (/proc/meminfo `Slab:` before and after, noisy)."
	print ""

	# targets of issue 4, from the same run
	print "## Targets (issue 4), medians of this run"
	print ""
	print "| target | vxnet-tc | vxnet-xdp | met |"
	print "|---|---|---|---|"
	targets("lat-same-p50", "TCP p50 same CPU", "0.75", "1.0", -1)
	targets("udp-kpps", "UDP 64 B rate", "1.5", "1.0", 1)
	targets("tcp-gbps", "TCP throughput", "1.1", "1.0", 1)
	n = 100000; kt = cp["kernel-fdb", n] + cp["kernel-neigh", n]
	s = cp["vxnet-sync", n]; b = cp["maps-batch", n]
	printf "| 100 000 endpoints end to end ≥ 4× faster than kernel | %s (%.1f s vs %.1f s) | same | %s |\n", ratio(kt, s), s, kt, (s > 0 && kt / s >= 4) ? "yes" : "**no**"
	printf "| map writes alone (batched) ≥ 20× faster | %s (%.3f s vs %.1f s) | same | %s |\n", ratio(kt, b), b, kt, (b > 0 && kt / b >= 20) ? "yes" : "**no**"
	for (i = 1; i <= nc; i++) {
		if (C[i] ~ /floor/) continue
		r = cost_ratio(C[i], floor_of(C[i]))
		printf "| BPF %s ≤ 3× floor (per-round median) | %s | | %s |\n", C[i], r, (CR != "" && CR <= 3) ? "yes" : "**no**"
	}
}
# targets(M, WHAT, KV, RO, DIR): for each mode, the rows of figure M (named
# WHAT) against kernel-vxlan (bound KV) and routed (bound RO); the bounds as
# written in the names of the rows
function targets(m, what, bkv, bro, dir,    w, op, kv, ro, t, x) {
	op = dir < 0 ? "≤" : "≥"
	for (w = 1; w <= nmodes; w++) {
		kv = med("dp" SUBSEP "kernel-vxlan" SUBSEP W[w] SUBSEP m); ro = med("dp" SUBSEP "routed" SUBSEP W[w] SUBSEP m)
		t = med("dp" SUBSEP "vxnet-tc" SUBSEP W[w] SUBSEP m); x = med("dp" SUBSEP "vxnet-xdp" SUBSEP W[w] SUBSEP m)
		target(what " " op " " bkv "× kernel-vxlan (" W[w] ")", t, x, kv, bkv + 0, dir)
		target(what " " op " " bro "× routed (" W[w] ")", t, x, ro, bro + 0, dir)
	}
}
# target(NAME, tc, xdp, ref, bound, dir): dir -1 means ratio <= bound, 1 means >=
function target(nm, t, x, ref, bound, dir,    ok, rt, rx) {
	rt = ratio(t, ref); rx = x == "" ? "n/a" : ratio(x, ref)
	ok = t != "" && ref != "" && (dir < 0 ? t / ref <= bound : t / ref >= bound)
	okx = x != "" && ref != "" && (dir < 0 ? x / ref <= bound : x / ref >= bound)
	printf "| %s | %s | %s | tc %s, xdp %s |\n", nm, rt, rx, ok ? "yes" : "**no**", x == "" ? "n/a" : okx ? "yes" : "**no**"
}
' "$RAW" >"$OUT/latest.md" || exit 1

# Issue 16's end-to-end targets: vxnet-tc against routed, the ratio of the
# medians and the median (min-max) of the per-round ratios (both paths in every
# round); met, a tie (within 10% of the bound, the VM's noise, and at least
# one round on the right side) or missed, by the ratio of the medians. Only
# when the run measured both paths. With tc-floor in the run (the least a TC
# overlay does here, bench/tc_floor.bpf.c), two more columns: the floor
# against routed and vxnet-tc against the floor, per round.
awk -F'\t' "$SORTN$PER_ROUND"'
function medl(s,    a, n, b, i, m) { n = split(s, a, " "); m = 0
	for (i = 1; i <= n; i++) if (a[i] !~ /fail|na/) b[++m] = a[i] + 0
	if (!m) return ""
	sortn(b, m); return m % 2 ? b[(m + 1) / 2] : (b[m / 2] + b[m / 2 + 1]) / 2 }
# rounds(P, Q, W, M): per_round as "median (min–max)", or a dash
function rounds(p, q, w, m) { return per_round(p, q, w, m) ? sprintf("%.2f× (%.2f–%.2f×)", MEDR, A[1], A[NA]) : "–" }
$1 == "dp" { v[$2, $3, $4, $5] = $6; all[$2, $3, $4] = all[$2, $3, $4] " " $6; if ($5 + 0 > nr) nr = $5 + 0; have[$2] = 1 }
END {
	if (!have["routed"] || !have["vxnet-tc"]) exit
	fl = have["tc-floor"]
	print ""
	print "## Issue 16: vxnet-tc against routed"
	print ""
	print "Ratio of the medians; in brackets the median (min–max) of the per-round ratios. Verdict by the ratio of the"
	print "medians: met, a tie (within 10% of the bound, the noise of this VM, and at least one round on the right side"
	print "of it) or missed."
	if (fl) print "tc-floor: the least a TC VXLAN overlay does on this underlay (bench/tc_floor.bpf.c), per round."
	print ""
	print "| target | mode | ratio | per round | verdict |" (fl ? " tc-floor / routed | vxnet-tc / tc-floor |" : "")
	print "|---|---|---|---|---|" (fl ? "---|---|" : "")
	nt = split("lat-same-p50 udp-kpps tcp-gbps", T, " ")
	bound["lat-same-p50"] = 0.95; dir["lat-same-p50"] = -1; tn["lat-same-p50"] = "TCP RTT p50 same CPU ≤ 0.95× routed"
	bound["udp-kpps"] = 1.05; dir["udp-kpps"] = 1; tn["udp-kpps"] = "UDP 64 B rate ≥ 1.05× routed"
	bound["tcp-gbps"] = 0.93; dir["tcp-gbps"] = 1; tn["tcp-gbps"] = "TCP 1 flow ≥ 0.93× routed"
	nw = split("offload wire", W, " ")
	for (i = 1; i <= nt; i++) for (w = 1; w <= nw; w++) {
		m = T[i]
		if (m == "tcp-gbps" && W[w] != "wire") continue
		t = medl(all["vxnet-tc", W[w], m]); ro = medl(all["routed", W[w], m])
		if (t == "" || ro == "" || ro == 0) continue
		rr = rounds("vxnet-tc", "routed", W[w], m); n = NA
		q = t / ro; b = bound[m]
		# a tie: within 10% of the bound and some round on the right side
		if (dir[m] < 0) vd = q <= b ? "met" : q <= b * 1.1 && n && A[1] <= b ? "tie" : "**missed**"
		else vd = q >= b ? "met" : q >= b / 1.1 && n && A[n] >= b ? "tie" : "**missed**"
		extra = ""
		if (fl) extra = " " rounds("tc-floor", "routed", W[w], m) " | " rounds("vxnet-tc", "tc-floor", W[w], m) " |"
		printf "| %s | %s | %.2f× | %s | %s |%s\n", tn[m], W[w], q, rr, vd, extra
	}
}' "$RAW" >>"$OUT/latest.md" || exit 1

# vxnet monitor listening (issue 14): the -mon / -trace paths against their
# plain path, the ratio of each round (same round, interleaved), median and
# min-max; only when the run measured them.
awk -F'\t' "$SORTN$PER_ROUND"'
$1 == "dp" { v[$2, $3, $4, $5] = $6; if ($5 + 0 > nr) nr = $5 + 0; if ($2 ~ /-(mon|trace)$/ && !(($2) in seen)) { seen[$2]; P[++np] = $2 }
	if (!(($3) in seenm)) { seenm[$3]; W[++nw] = $3 } if (!(($4) in seenk)) { seenk[$4]; K[++nk] = $4 } }
END {
	if (!np) exit
	print ""
	print "## vxnet monitor listening (issue 14): ratio to the plain path, per round"
	print ""
	print "Median (min–max) of the per-round ratios with `vxnet monitor` (-mon: drops; -trace: --trace) on both hosts; latency > 1 and rate < 1 are slower."
	print ""
	print "| path | mode | figure | ratio |"
	print "|---|---|---|---|"
	for (i = 1; i <= np; i++) for (w = 1; w <= nw; w++) for (m = 1; m <= nk; m++) {
		b = P[i]; sub(/-(mon|trace)$/, "", b)
		if (!(n = per_round(P[i], b, W[w], K[m]))) continue
		printf "| %s / %s | %s | %s | %.3f (%.3f–%.3f, %d rounds) |\n", P[i], b, W[w], K[m], MEDR, A[1], A[n], n
	}
}' "$RAW" >>"$OUT/latest.md" || exit 1

# NO_PLOT=1 (bench/run.sh with --paths/--modes/--tests/--dp-only): no chart,
# whose panels would be empty.
[ -n "${NO_PLOT:-}" ] && { rm -f "$OUT/latest.png"; exit 0; }
gnuplot -e "dat='$DAT'; out='$OUT/latest.png'" "$HERE/plot.gp" 2>"$DAT/gnuplot.err" ||
	{ echo "bench: gnuplot failed: $(head -3 "$DAT/gnuplot.err")" >&2; exit 1; }
