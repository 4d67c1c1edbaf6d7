#!/usr/bin/env python3
# Interleaved A/B of two (or more) builds' BPF per-packet cost:
#   bench/prog_cost_ab.py ROUNDS CALLS A/build/bench/prog_cost B/build/bench/prog_cost ...
# Each round runs every build's `prog_cost progs CALLS 1` once, the order
# rotating from round to round; then, per program: the first quartile of
# its ns per build, the median and first quartile of the per-round ratios
# to the first build, and the median of its per-round ratio to the floor
# (floor-xdp for XDP programs, floor-tc for the others).
import statistics as st
import subprocess
import sys


def run(binary, calls):
    out = subprocess.run([binary, "progs", calls, "1"], capture_output=True, text=True,
                         check=True).stdout
    return {l.split()[1]: float(l.split()[3]) for l in out.splitlines() if l.startswith("prog ")}


def q1(x):
    return st.quantiles(x, n=4)[0] if len(x) > 1 else x[0]


def main():
    if len(sys.argv) < 5:
        sys.exit("usage: prog_cost_ab.py ROUNDS CALLS BUILD_A BUILD_B ...")
    rounds, calls, bins = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
    res = [[] for _ in bins]
    for r in range(rounds):
        for i in [(r + j) % len(bins) for j in range(len(bins))]:
            res[i].append(run(bins[i], calls))
    names = [n for n in res[0][0] if n != "floor-tc-repeat"]
    for i, b in enumerate(bins):
        print(f"== {b}")
        print(f"  {'program':18} {'ns q1':>7} {'/A med':>7} {'/A q1':>7} {'x floor':>8}")
        for n in names:
            v = [d[n] for d in res[i]]
            rat = [d[n] / a[n] for d, a in zip(res[i], res[0])]
            floor = "floor-xdp" if "xdp" in n else "floor-tc"
            fl = [d[n] / d[floor] for d in res[i]]
            print(f"  {n:18} {q1(v):7.1f} {st.median(rat):7.3f} {q1(rat):7.3f} {st.median(fl):8.2f}")


if __name__ == "__main__":
    main()
