# Chart of bench/results/latest.md. gnuplot -e "dat='DIR'; out='FILE.png'" bench/plot.gp
# DIR holds report.sh's data: METRIC.dat (path, offload median min max, wire
# median min max), cost.dat (program, ns, ns above floor), cp.dat (N, vxnet
# sync, per-entry writes, batched writes, kernel FDB + neigh; seconds).
set terminal pngcairo size 1500,900 font "DejaVu Sans,9" noenhanced
set output out
set multiplot layout 2,3 title "vxnet benchmark: medians, bars min–max over the rounds (offload / wire mode)"
set style data histograms
set style histogram errorbars gap 1 lw 1
set style fill solid 0.8 border -1
set boxwidth 0.9
set grid ytics
set yrange [0:*]
set xtics rotate by -25 scale 0
set key top left

set title "TCP RTT p50, same CPU (µs, lower is better)"
plot dat.'/lat-same-p50.dat' using 2:3:4:xtic(1) title 'offload' lc rgb '#4477aa', '' using 5:6:7 title 'wire' lc rgb '#ee6677'
set title "TCP RTT p50, cross CPU (µs, lower is better)"
plot dat.'/lat-cross-p50.dat' using 2:3:4:xtic(1) title 'offload' lc rgb '#4477aa', '' using 5:6:7 title 'wire' lc rgb '#ee6677'
set title "TCP throughput, one flow (Gbit/s)"
plot dat.'/tcp-gbps.dat' using 2:3:4:xtic(1) title 'offload' lc rgb '#4477aa', '' using 5:6:7 title 'wire' lc rgb '#ee6677'
set title "UDP 64 B received (kpps)"
plot dat.'/udp-kpps.dat' using 2:3:4:xtic(1) title 'offload' lc rgb '#4477aa', '' using 5:6:7 title 'wire' lc rgb '#ee6677'

set style histogram clustered gap 1
set title "BPF per-packet cost, BPF_PROG_TEST_RUN (ns)"
plot dat.'/cost.dat' using 2:xtic(1) title 'ns per packet' lc rgb '#228833', '' using 3 title 'above the floor' lc rgb '#ccbb44'

set title "Programming N endpoints (s, log scale)"
set logscale y
set yrange [*:*]
plot dat.'/cp.dat' using 2:xtic(1) title 'vxnet sync' lc rgb '#4477aa', '' using 3 title 'map writes, per entry' lc rgb '#66ccee', \
     '' using 4 title 'map writes, batched' lc rgb '#228833', '' using 5 title 'kernel FDB + neigh (batch)' lc rgb '#ee6677'
unset multiplot
