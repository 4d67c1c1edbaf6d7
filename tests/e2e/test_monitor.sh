#!/bin/bash
# vxnet monitor (issue 14): every drop as an event with its reason, hook,
# endpoint, network and addresses, traces of a ping through both hosts,
# filters, events lost while the reader stands still; the per-endpoint
# counters (ep_stats) and the maps' octets in bpftool.
#
#   c1 10.1.0.2 (blue)  c3 10.1.0.4 (blue)          c2 10.1.0.3 (blue)
#   c4 10.5.0.2 (quiet, --no-egress)                     |
#        |       |       |                               |
#   +------------ h1 ----------+   +---- r ----+   +---- h2 ---------+
#   | vxnet monitor            | eth0   r1  r2   eth0  vxnet monitor |
#   | 198.18.1.2               |      .1    .1      198.18.2.2       |
#   +--------------------------+   +-----------+   +-----------------+
#
# The drops: c1 with a source address that is not its own (spoofed-ip), c4
# to blue's 10.1.0.2, outside its network with egress off (no-egress),
# VXLAN from the router, which is no node (unknown-host). Topology: topo.sh.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/topo.sh"
MODE=${1:-tc}
T="monitor-$MODE"
DECAP_HOOK=${MODE}_decap
C4=${P}c4
EP1=h1-${C1}-blue EP2=h2-${C2}-blue EP3=h1-${C3}-blue EP4=h1-${C4}-quiet
MON=
cleanup() {
	stop_pid 2 "$MON"
	topo_cleanup
}
trap cleanup EXIT
topo_build "$([ "$MODE" = xdp ] && echo wire)" || { fail "$T: build topology"; exit 1; }
mkns "$C4" && topo_vxnet "$MODE" &&
	vxs network create quiet --subnet 10.5.0.0/24 --no-egress >/dev/null &&
	vx1 attach "$C4" quiet --ip 10.5.0.2 >/dev/null && vx1 sync >/dev/null ||
	{ fail "$T: networks and attaches"; exit 1; }
# neighbours known, so that the cases below send one frame each
in_ns "$C1" ping -c 1 -W 2 10.1.0.3 >/dev/null
in_ns "$C4" ping -c 1 -W 2 10.5.0.1 >/dev/null
in_ns "$C1" ip addr add 10.1.0.99/32 dev eth0

# mon_start 1|2 OUT ARGS...: vxnet monitor ARGS on h1 or h2 into OUT, in
# the background ($MON), once it listens (its flags in the monitor map).
mon_start() {
	local pin=$PIN1 ns=$H1 out=$2
	[ "$1" = 2 ] && pin=$PIN2 ns=$H2
	shift 2
	"$VXNET" --state "$STATE" --pin-dir "$pin" -n "$ns" monitor "$@" >"$out" 2>&1 &
	MON=$!
	wait_for 3 listening "$pin" || fail "$T: monitor $* on $ns does not listen: $(waited) $(tails 3 "$out")"
}
mon_stop() { stop_pid 2 "$MON"; MON=; }
listening() { local d; d=$(map_dump "$1" monitor) && jq -e '.[0].formatted.value.flags != 0' <<<"$d" >/dev/null; }
mon_flags() { bpftool -j map dump pinned "$1/monitor" | jq '.[0].formatted.value.flags'; }
# lines OUT REGEX N: OUT has N lines matching REGEX (waits up to 3 s for them)
has_lines() { [ "$(grep -Ec -- "$2" "$1")" -ge "$3" ]; }
# jcount OUT FILTER: JSON events of OUT that FILTER (jq, boolean) selects
jcount() { jq -c "select($2)" "$1" 2>/dev/null | wc -l; }
has_json() { [ "$(jcount "$1" "$2")" -ge "$3" ]; }

# The three drops, one frame each.
spoof() { in_ns "$C1" ping -c 1 -W 1 -I 10.1.0.99 10.1.0.3 >/dev/null 2>&1; }
no_egress() { in_ns "$C4" ping -c 1 -W 1 10.1.0.2 >/dev/null 2>&1; }
# VXLAN from the router (198.18.1.1, no node) to h1, VNI 4096 (blue):
# c2 to c1, ICMP echo request (as test_hostile.sh builds it)
stranger() {
	local hex=08000000001000000242 # VXLAN flags I, VNI 4096; inner eth to c1 ...
	hex+=0a01000202420a0100030800 # ... from c2, IPv4
	hex+=4500001c00004000400100000a0100030a010002 # 10.1.0.3 -> 10.1.0.2 ICMP
	hex+=0800f7ff00000000 # echo request
	printf "$(echo "$hex" | sed 's/../\\x&/g')" >"$TMP/pkt"
	in_ns "$R" bash -c "cat '$TMP/pkt' > /dev/udp/198.18.1.2/4789"
}

# --- drops, text ------------------------------------------------------------
out=$TMP/text
mon_start 1 "$out"
spoof; no_egress; stranger
re_spoof="drop spoofed-ip from_container endpoint $EP1 network blue( peer $EP2)?: 10\.1\.0\.99 > 10\.1\.0\.3 icmp echo-request"
re_noeg="drop no-egress from_container endpoint $EP4 network quiet: 10\.5\.0\.2 > 10\.1\.0\.2 icmp echo-request"
re_strg="drop unknown-host $DECAP_HOOK endpoint $EP1 network blue peer $EP2: 10\.1\.0\.3 > 10\.1\.0\.2 icmp echo-request ttl 64 \| outer 198\.18\.1\.1:[0-9]+ > 198\.18\.1\.2:4789 udp ttl [0-9]+ vni 4096"
wait_for 3 has_lines "$out" "$re_noeg|$re_strg" 2
mon_stop
for c in "spoofed source IP from c1:$re_spoof" "c4 (no egress) to blue:$re_noeg" "VXLAN from the router, no node:$re_strg"; do
	name=${c%%:*} re=${c#*:}
	n=$(grep -Ec -- "$re" "$out")
	if [ "$n" = 1 ]; then ok "$T: text: $name: one drop event"
	else fail "$T: text: $name: $n lines match /$re/: $(tr '\n' '|' <"$out" | cut -c 1-600)"; fi
done
n=$(grep -c ' drop ' "$out")
if [ "$n" = 3 ]; then ok "$T: text: three frames, three drop events"
else fail "$T: text: $n drop events: $(tr '\n' '|' <"$out" | cut -c 1-600)"; fi
flags=$(mon_flags "$PIN1")
if [ "$flags" = 0 ]; then ok "$T: the monitor switched the events off when it stopped"
else fail "$T: monitor flags $flags after it stopped"; fi

# --- drops, JSON (-j) and the frame's bytes (-x) ----------------------------
out=$TMP/json
mon_start 1 "$out" -j -x
spoof; no_egress; stranger
wait_for 3 has_json "$out" '.type == "drop"' 3
mon_stop
check_json() { # NAME FILTER: exactly one event of out matches FILTER
	local n
	n=$(jcount "$out" "$2")
	if [ "$n" = 1 ]; then ok "$T: -j: $1"
	else fail "$T: -j: $1: $n events match: $(tr '\n' '|' <"$out" | cut -c 1-800)"; fi
}
check_json "spoofed-ip from c1, its addresses and frame" \
	".type == \"drop\" and .reason == \"spoofed-ip\" and .hook == \"from_container\" and .endpoint == \"$EP1\" and .network == \"blue\" and .inner.src == \"10.1.0.99\" and .inner.dst == \"10.1.0.3\" and .inner.proto == \"icmp\" and .inner.smac == \"02:42:0a:01:00:02\" and .len == 98 and (.data | startswith(\"02420a010003\"))"
check_json "no-egress from c4 to 10.1.0.2" \
	".reason == \"no-egress\" and .endpoint == \"$EP4\" and .network == \"quiet\" and .inner.src == \"10.5.0.2\" and .inner.dst == \"10.1.0.2\" and .outer == null"
check_json "unknown-host: outer 198.18.1.1 to 198.18.1.2:4789 vni 4096, inner c2 to c1" \
	".reason == \"unknown-host\" and .hook == \"$DECAP_HOOK\" and .endpoint == \"$EP1\" and .peer == \"$EP2\" and .network == \"blue\" and .outer.src == \"198.18.1.1\" and .outer.dst == \"198.18.1.2\" and .outer.dport == 4789 and .outer.vni == 4096 and .inner.src == \"10.1.0.3\" and .inner.dst == \"10.1.0.2\""
n=$(jq -c . "$out" 2>/dev/null | wc -l)
if [ "$n" = 3 ] && [ "$n" = "$(wc -l <"$out")" ]; then ok "$T: -j: three lines, each a JSON object"
else fail "$T: -j: $n JSON objects in $(wc -l <"$out") lines"; fi

# --- a ping's path: encap on h1, decap on h2 (and back) ---------------------
out1=$TMP/trace1 out2=$TMP/trace2
mon_start 1 "$out1" --trace -j
mon1=$MON
mon_start 2 "$out2" --trace -j
check "$T: c1 pings c2 once" in_ns "$C1" ping -c 1 -W 2 10.1.0.3
wait_for 3 has_json "$out1" '.point == "decap"' 1
stop_pid 2 "$mon1"
mon_stop
check_trace() { # NAME OUT FILTER
	local n
	n=$(jcount "$2" "$3")
	if [ "$n" = 1 ]; then ok "$T: --trace: $1"
	else fail "$T: --trace: $1: $n events match: $(tr '\n' '|' <"$2" | cut -c 1-800)"; fi
}
check_trace "h1: the request encapsulated from c1 to h2" "$out1" \
	".type == \"trace\" and .point == \"encap\" and .hook == \"from_container\" and .endpoint == \"$EP1\" and .peer == \"$EP2\" and .inner.icmp_type == 8 and .outer.src == \"198.18.1.2\" and .outer.dst == \"198.18.2.2\" and .outer.vni == 4096"
check_trace "h2: the request decapsulated to c2" "$out2" \
	".point == \"decap\" and .hook == \"$DECAP_HOOK\" and .endpoint == \"$EP2\" and .peer == \"$EP1\" and .inner.icmp_type == 8 and .outer.src == \"198.18.1.2\""
check_trace "h2: the reply encapsulated from c2" "$out2" \
	".point == \"encap\" and .endpoint == \"$EP2\" and .inner.icmp_type == 0"
check_trace "h1: the reply decapsulated to c1" "$out1" \
	".point == \"decap\" and .endpoint == \"$EP1\" and .inner.icmp_type == 0"
n=$(jcount "$out1" '.type == "drop"')$(jcount "$out2" '.type == "drop"')
if [ "$n" = 00 ]; then ok "$T: --trace: no drop on the way"; else fail "$T: --trace: drops: $n"; fi

# --- filters ------------------------------------------------------------------
filter() { # NAME ARGS -- FILTER: after the three drops and a ping c1 to c3
	local name=$1 want=$2 n; shift 2
	out=$TMP/filter
	mon_start 1 "$out" -j "$@"
	spoof; no_egress; stranger
	in_ns "$C1" ping -c 1 -W 2 10.1.0.4 >/dev/null
	sleep 0.5
	mon_stop
	n=$(jcount "$out" "$want")
	if [ "$n" -ge 1 ] && [ "$n" = "$(wc -l <"$out")" ]; then ok "$T: filter $name: $n events, all of them $want"
	else fail "$T: filter $name: $n of $(wc -l <"$out") events are $want: $(tr '\n' '|' <"$out" | cut -c 1-600)"; fi
}
filter "--endpoint c4" ".endpoint == \"$EP4\" and .reason == \"no-egress\"" --endpoint "$EP4"
filter "--network blue" '.network == "blue" and .type == "drop"' --network blue
filter "--reason unknown-host" '.reason == "unknown-host"' --reason unknown-host --trace
filter "--type trace" '.type == "trace"' --type trace --endpoint "$EP3"
expect_err "$T: --reason of no such name refused" 'monitor: unknown drop reason .nope.' vx1 monitor --reason nope
expect_err "$T: --endpoint of no such endpoint refused" 'monitor: unknown endpoint nobody' vx1 monitor --endpoint nobody

# --- events lost while the reader is stopped ----------------------------------
drops_total() { vx1 stats -j | jq '[.drops[].packets] | add'; }
out=$TMP/lost
mon_start 1 "$out" -j
d0=$(drops_total)
kill -STOP "$MON"
in_ns "$C4" python3 -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(5000):
    s.sendto(b"x" * 16, ("10.1.0.2", 9))'
d1=$(drops_total)
kill -CONT "$MON"
wait_for 3 has_json "$out" '.type == "lost"' 1
sleep 0.3
mon_stop
lost=$(jq -s '[.[] | select(.type == "lost") | .lost] | add // 0' "$out")
seen=$(jcount "$out" '.type == "drop"')
if is_count "$lost" "$seen" "$d0" "$d1" && [ "$lost" -gt 0 ] && [ $((lost + seen)) = $((d1 - d0)) ]; then
	ok "$T: lost: 5000 drops while the reader stood still: $seen events read, $lost lost, $((d1 - d0)) dropped"
else
	fail "$T: lost: $seen events read, lost '$lost', drops $d0 -> $d1: $(tail -n 2 "$out" | tr '\n' '|')"
fi
mon_start 1 "$out"
expect_err "$T: a second monitor is refused while one listens" \
	"monitor: another vxnet monitor \\(pid $MON\\) listens on $PIN1" vx1 monitor
mon_stop

# --- vxnet up turns off the gate of a monitor killed with SIGKILL -------------
out=$TMP/killed
mon_start 1 "$out"
check "$T: vxnet up keeps a live monitor's gate" vx1 up --node h1 --dev eth0 --decap "$MODE"
flags=$(mon_flags "$PIN1")
if [ "$flags" != 0 ] && kill -0 "$MON" 2>/dev/null; then ok "$T: up: the live monitor still listens (flags $flags)"
else fail "$T: up: flags $flags with the monitor alive"; fi
kill -KILL "$MON"; wait "$MON" 2>/dev/null; MON=
flags=$(mon_flags "$PIN1")
if [ "$flags" != 0 ]; then ok "$T: a monitor killed with SIGKILL leaves the gate on (flags $flags)"
else fail "$T: flags $flags after SIGKILL: nothing to test"; fi
check "$T: vxnet up after the SIGKILL" vx1 up --node h1 --dev eth0 --decap "$MODE"
flags=$(mon_flags "$PIN1")
if [ "$flags" = 0 ]; then ok "$T: vxnet up turned the dead monitor's gate off"
else fail "$T: monitor flags $flags after vxnet up"; fi
mon_start 1 "$out"
flags=$(mon_flags "$PIN1")
[ "$flags" != 0 ] && ok "$T: a new monitor listens after that" || fail "$T: new monitor: flags $flags"
mon_stop

# --- per-endpoint counters (ep_stats) ------------------------------------------
ifx3=$(jq -r --arg n "$EP3" '.. | objects | select(.name? == $n) | .host_ifname // empty' "$STATE" | head -n 1)
idx3=$(ip -n "$H1" -j link show "$ifx3" 2>/dev/null | jq '.[0].ifindex')
in_ns "$C3" ping -c 3 -i 0.2 -W 2 10.1.0.2 >/dev/null
# c3's traffic: its slot of ep_slots on the CPUs where it owns it (value
# .ifindex), and its ep_stats entry if another ifindex had the slot
ep_slot_tx() { bpftool -j map dump pinned "$PIN1/ep_slots" | jq "[.[] | .formatted.values[].value | select(.ifindex == $1) | .s.tx_packets] | add // 0"; }
ep_entry() { # a dump that fails is a failed check, whichever way it is asked
	local d
	d=$(map_dump "$PIN1" ep_stats) || { fail "$T: ep_stats: no dump"; return 1; }
	jq -e --argjson i "$1" 'any(.[]; .formatted.key == $i)' <<<"$d" >/dev/null
}
tx3=$(( $(ep_slot_tx "$idx3") + $(bpftool -j map dump pinned "$PIN1/ep_stats" | jq "[.[] | select(.formatted.key == $idx3) | .formatted.values[].value.tx_packets] | add // 0") ))
if is_count "$tx3" && [ "$tx3" -ge 3 ]; then ok "$T: ep_slots/ep_stats: c3 ($ifx3, ifindex $idx3) sent $tx3 packets"
else fail "$T: ep_slots/ep_stats: c3's tx_packets '$tx3' (ifindex '$idx3')"; fi
check "$T: detach c3" vx1 detach "$C3" blue
if ! ep_entry "$idx3" && [ "$(bpftool -j map dump pinned "$PIN1/ep_slots" | jq "[.[] | .formatted.values[].value | select(.ifindex == $idx3)] | length")" = 0 ]; then
	ok "$T: ep_slots/ep_stats: detach freed c3's slot and entry"
else fail "$T: ep_slots/ep_stats: c3's slot or entry (ifindex $idx3) still there after detach"; fi

# --- maps with addresses as octets --------------------------------------------
# An address is a named union (include/vxnet.h's union vxnet_addr): bpftool
# prints "ip": {"be32": N, "octets": [10,1,0,2]}, no member named "".
if eps=$(map_dump "$PIN1" endpoints) && ifs=$(map_dump "$PIN1" ifaces) &&
	jq -e '[.[] | .formatted.key.ip.octets] | index([[10,1,0,2]]) != null' <<<"$eps" >/dev/null &&
	jq -e '[.[] | .formatted.value | [.ip.octets, .gateway.octets]] |
		index([[[10,1,0,2], [10,1,0,1]]]) != null' <<<"$ifs" >/dev/null; then
	ok "$T: bpftool -j map dump: endpoints shows 10.1.0.2 as [10,1,0,2], ifaces c1's address and gateway"
else
	fail "$T: no key with ip.octets [10,1,0,2]: $(bpftool -j map dump pinned "$PIN1/endpoints" | head -c 300)"
fi
# Every map pinned on h1 that bpftool dumps (not the events ring), read with
# a parser that refuses a key "" or a key twice in one object (json_strict).
bad= n=0
for m in $(ls "$PIN1"); do
	case $m in prog_* | events) continue ;; esac
	n=$((n + 1))
	if ! out=$(bpftool -j map dump pinned "$PIN1/$m" 2>&1); then
		bad+="$m: bpftool: ${out:0:200}; "
	elif ! why=$(json_strict <<<"$out" 2>&1 >/dev/null); then
		bad+="$m: $(tail -n 1 <<<"$why" | cut -c 1-200); "
	fi
done
if [ -z "$bad" ] && [ "$n" -ge 20 ]; then
	ok "$T: bpftool -j map dump of each of h1's $n maps: no empty and no duplicate key"
else
	fail "$T: bpftool -j map dump of h1's $n maps: ${bad:-fewer than 20 maps}"
fi

finish
