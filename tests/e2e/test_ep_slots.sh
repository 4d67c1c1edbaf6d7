#!/bin/bash
# A container's veth deleted without `vxnet detach` (its namespace went
# away, someone ran ip link del) leaves its traffic counters behind: its
# ep_slots slot claimed on every CPU it sent on (each CPU's slot value is
# tagged with the owning ifindex), or its ep_stats entry when another veth
# had the slot. A later container whose host veth lands on the same slot
# (ifindex % 4096) would count in the slower ep_stats hash forever. A full
# sync (here `vxnet sync`; `up`, attach, detach and the agent's resync
# too) frees the counters of every ifindex that is no longer an attached
# iface, and only those.
#
#   c1 10.1.0.2  ifindex I         (veth deleted second)
#   c2 10.1.0.3  ifindex I + 4096  (same slot, in ep_stats; veth deleted first)
#   c3 10.1.0.4  its own slot      (stays)
#   c4 10.1.0.5  ifindex I + 8192  (after both: gets the slot)
#        |
#   +--- h1: vxnet, tc ---+  eth0 -- r -- eth0  h2 (vxnet up, idle)
#
# Each container pings its gateway 10.1.0.1 (vxnet answers) from every
# CPU, so that a slot is taken, or found taken, on all of them.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/topo.sh"
T=ep-slots
trap topo_cleanup EXIT
topo_build && mkns "$C4" || { fail "$T: build topology"; exit 1; }
topo_hosts tc && vxs network create blue --subnet 10.1.0.0/24 >/dev/null &&
	vx1 attach "$C1" blue --ip 10.1.0.2 >/dev/null && vx1 attach "$C3" blue --ip 10.1.0.4 >/dev/null ||
	{ fail "$T: vxnet up and attach c1, c3"; exit 1; }
NCPU=$(nproc)
hostif() { jq -r --arg n "h1-$1-blue" '.endpoints[] | select(.name == $n) | .host_ifname' "$STATE"; }
ifindex() { ip -n "$H1" -j link show "$1" | jq '.[0].ifindex'; }
# ping_all NS: 2 pings to the gateway from each CPU
ping_all() {
	local cpu
	for ((cpu = 0; cpu < NCPU; cpu++)); do
		taskset -c "$cpu" ip netns exec "$1" ping -c 2 -i 0.1 -W 2 10.1.0.1 >/dev/null || return 1
	done
}
# owners IFINDEX: on how many CPUs IFINDEX owns its ep_slots slot
owners() {
	map_dump "$PIN1" ep_slots |
		jq --argjson i "$1" '[.[] | select(.formatted.key == ($i % 4096)) | .formatted.values[].value | select(.ifindex == $i)] | length'
}
# slot_tx IFINDEX: tx_packets of IFINDEX in its ep_slots slot, CPUs summed
slot_tx() {
	map_dump "$PIN1" ep_slots |
		jq --argjson i "$1" '[.[] | select(.formatted.key == ($i % 4096)) | .formatted.values[].value | select(.ifindex == $i) | .s.tx_packets] | add // 0'
}
# spilled IFINDEX: IFINDEX has an ep_stats entry (a dump that fails is a
# failed check, whichever way the caller asks)
spilled() {
	local d
	d=$(map_dump "$PIN1" ep_stats) || { fail "$T: ep_stats: no dump"; return 1; }
	jq -e --argjson i "$1" 'any(.[]; .formatted.key == $i)' <<<"$d" >/dev/null
}
yes_no() { "$@" && echo yes || echo no; }
# next_ifindex N: H1's next ifindex made N (they are handed out cyclically
# per namespace): veth pairs in one group, deleted at once, use up the ones
# before it (the names are H1's own)
next_ifindex() {
	local last need i
	ip -n "$H1" link add bprobe group 77 type veth peer name bprobe2 group 77 || return 1
	last=$(ip -n "$H1" -j link show group 77 | jq '[.[].ifindex] | max')
	need=$(($1 - last - 1))
	[ "$need" -ge 0 ] || { echo "H1's ifindexes already at $last" >&2; return 1; }
	{
		for ((i = 0; i < need / 2; i++)); do echo "link add ba$i group 77 type veth peer name bb$i group 77"; done
		[ $((need % 2)) = 0 ] || echo "link add bodd group 77 type veth peer name bodd netns $R"
	} | ip -n "$H1" -batch - && ip -n "$H1" link del group 77
}
# attach_at NS IP IFINDEX: NS attached on h1 with IP, its host veth at IFINDEX
attach_at() {
	next_ifindex "$3" || { fail "$T: make H1's next ifindex $3"; exit 1; }
	check "$T: attach ${1#"$P"} on h1" vx1 attach "$1" blue --ip "$2"
	[ "$(ifindex "$(hostif "$1")")" = "$3" ] || { fail "$T: ${1#"$P"}'s veth is not at ifindex $3"; exit 1; }
}

IF1=$(hostif "$C1") IF3=$(hostif "$C3")
I1=$(ifindex "$IF1") I3=$(ifindex "$IF3")
is_count "$I1" "$I3" || { fail "$T: ifindexes of c1's and c3's veths ('$I1', '$I3')"; exit 1; }
ping_all "$C1" && ping_all "$C3" || { fail "$T: c1 and c3 ping their gateway"; exit 1; }
n=$(owners "$I1")
[ "$n" = "$NCPU" ] && ok "$T: c1 ($IF1, ifindex $I1) owns slot $((I1 % 4096)) on all $NCPU CPUs" ||
	fail "$T: c1 owns its slot on '$n' of $NCPU CPUs"
tx1=$(slot_tx "$I1") tx3=$(slot_tx "$I3")

# ---- c2 on c1's slot: counted in ep_stats; its veth deleted, a sync ----
I2=$((I1 + 4096))
attach_at "$C2" 10.1.0.3 "$I2"
IF2=$(hostif "$C2")
ping_all "$C2" || fail "$T: c2 pings its gateway"
spilled "$I2" && [ "$(owners "$I2")" = 0 ] && ok "$T: c2 ($IF2, ifindex $I2) counts in ep_stats: c1 has the slot" ||
	fail "$T: c2: ep_stats entry $(yes_no spilled "$I2"), owns the slot on '$(owners "$I2")' CPUs"
ip -n "$H1" link del "$IF2" || { fail "$T: delete $IF2"; exit 1; }
check "$T: vxnet sync" vx1 sync
n=$(owners "$I1") tx=$(slot_tx "$I1")
if ! spilled "$I2" && [ "$n" = "$NCPU" ] && [ "$tx" = "$tx1" ]; then
	ok "$T: sync freed the gone c2's ep_stats entry, left c1's slot alone (tx_packets $tx)"
else fail "$T: after sync: c2's ep_stats entry $(yes_no spilled "$I2"); c1 owns its slot on '$n' CPUs, tx '$tx' (was $tx1)"; fi

# ---- c1's veth deleted, a sync ----
ip -n "$H1" link del "$IF1" || { fail "$T: delete $IF1"; exit 1; }
n=$(owners "$I1")
[ "$n" = "$NCPU" ] && ok "$T: c1's veth deleted: its slot is still claimed until a sync" ||
	fail "$T: after ip link del, c1 owns its slot on '$n' CPUs"
check "$T: vxnet sync" vx1 sync
n=$(owners "$I1")
if [ "$n" = 0 ] && ! spilled "$I1"; then ok "$T: sync freed the gone c1's slot $((I1 % 4096)) (no CPU's value owned by $I1), no ep_stats entry for it"
else fail "$T: after sync, ifindex $I1 still owns its slot on '$n' CPUs (or has an ep_stats entry)"; fi
# the cost: the walk reads ep_slots' 4096 slots in a few batches, not one
# bpf(2) per slot (4 100 calls a sync before); strace counts them
if strace -f -qq -e trace=bpf -o "$TMP/sync.strace" "$VXNET" --state "$STATE" --pin-dir "$PIN1" -n "$H1" sync >/dev/null 2>&1; then
	n=$(wc -l <"$TMP/sync.strace")
	[ "$n" -lt 500 ] && ok "$T: vxnet sync makes $n bpf(2) calls (fewer than 500)" ||
		fail "$T: vxnet sync makes $n bpf(2) calls, $(grep -c BPF_MAP_LOOKUP_ELEM "$TMP/sync.strace") of them lookups"
else fail "$T: strace vxnet sync: $(tail -n 2 "$TMP/sync.strace" | tr '\n' '|')"; fi
n=$(owners "$I3") tx=$(slot_tx "$I3")
[ "$n" = "$NCPU" ] && [ "$tx" = "$tx3" ] && ok "$T: sync left c3's slot alone (owned on $n CPUs, tx_packets $tx)" ||
	fail "$T: c3's slot after sync: owned on '$n' CPUs, tx_packets '$tx', was $tx3"

# ---- c4 on the same slot: counted there ----
I4=$((I1 + 8192))
attach_at "$C4" 10.1.0.5 "$I4"
IF4=$(hostif "$C4")
ping_all "$C4" || fail "$T: c4 pings its gateway"
n=$(owners "$I4") tx=$(slot_tx "$I4")
if [ "$n" = "$NCPU" ] && [ "$tx" -ge $((2 * NCPU)) ] && ! spilled "$I4"; then
	ok "$T: c4 ($IF4, ifindex $I4) counts in c1's old slot $((I4 % 4096)) on all CPUs ($tx packets sent), not in ep_stats"
else
	fail "$T: c4 (ifindex $I4): owns slot $((I4 % 4096)) on '$n' of $NCPU CPUs, tx there '$tx', ep_stats entry: $(yes_no spilled "$I4")"
fi
# the user's view: one line per endpoint with traffic, c4's at its ifindex, none for c1's or c2's
dump=$(vx1 map dump ep_slots 2>&1)
if [ "$(grep -c "^ifindex=$I4 .*endpoint=h1-$C4-blue " <<<"$dump")" = 1 ] && ! grep -Eq "^ifindex=($I1|$I2) " <<<"$dump"; then
	ok "$T: vxnet map dump ep_slots: c4 at ifindex $I4, nothing at $I1 or $I2"
else
	fail "$T: vxnet map dump ep_slots: $(tr '\n' '|' <<<"$dump" | cut -c 1-400)"
fi
finish
