#!/bin/bash
# A container's veth deleted without `vxnet detach` (its namespace went
# away, someone ran ip link del) leaves its ep_slots slot claimed on every
# CPU it sent on: each CPU's slot value is tagged with the owning ifindex.
# A later container whose host veth lands on the same slot (ifindex %
# 4096) would count in the slower ep_stats hash forever. A full sync
# (here `vxnet sync`; `up`, attach, detach and the agent's resync too)
# frees the counters of every ifindex that is no longer an attached iface.
#
#   c1 10.1.0.2 (veth deleted)  c3 10.1.0.4   c2 10.1.0.3 (later, same slot)
#        |                          |             |
#   +------------------------------ h1 ---------------+   r   h2 (idle)
#   | vxnet tc: c1's veth ifindex I, c2's I + 4096     |
#   +--------------------------------------------------+
#
# Each container pings its gateway 10.1.0.1 (vxnet answers) from every
# CPU, so that the slot is taken on all of them.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/topo.sh"
T=ep-slots
trap topo_cleanup EXIT
topo_build || { fail "$T: build topology"; exit 1; }
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
# spilled IFINDEX: IFINDEX has an ep_stats entry
spilled() { map_dump "$PIN1" ep_stats | jq -e --argjson i "$1" 'any(.[]; .formatted.key == $i)' >/dev/null; }

IF1=$(hostif "$C1") IF3=$(hostif "$C3")
I1=$(ifindex "$IF1") I3=$(ifindex "$IF3")
is_count "$I1" "$I3" || { fail "$T: ifindexes of c1's and c3's veths ('$I1', '$I3')"; exit 1; }
ping_all "$C1" && ping_all "$C3" || { fail "$T: c1 and c3 ping their gateway"; exit 1; }
n=$(owners "$I1")
[ "$n" = "$NCPU" ] && ok "$T: c1 ($IF1, ifindex $I1) owns slot $((I1 % 4096)) on all $NCPU CPUs" ||
	fail "$T: c1 owns its slot on '$n' of $NCPU CPUs"
tx3=$(slot_tx "$I3")

# ---- c1's veth deleted behind vxnet's back, then the reconciling step ----
ip -n "$H1" link del "$IF1" || { fail "$T: delete $IF1"; exit 1; }
n=$(owners "$I1")
[ "$n" = "$NCPU" ] && ok "$T: veth deleted: its slot is still claimed until a sync" ||
	fail "$T: after ip link del, c1 owns its slot on '$n' CPUs"
check "$T: vxnet sync" vx1 sync
n=$(owners "$I1")
if [ "$n" = 0 ] && ! spilled "$I1"; then ok "$T: sync freed the gone veth's slot $((I1 % 4096)) (no CPU's value owned by $I1) and has no ep_stats entry for it"
else fail "$T: after sync, ifindex $I1 still owns its slot on '$n' CPUs (or has an ep_stats entry)"; fi
n=$(owners "$I3") tx=$(slot_tx "$I3")
[ "$n" = "$NCPU" ] && [ "$tx" = "$tx3" ] && ok "$T: sync left c3's slot alone (owned on $n CPUs, tx_packets $tx)" ||
	fail "$T: c3's slot after sync: owned on '$n' CPUs, tx_packets '$tx', was $tx3"

# ---- a new container on the same slot: H1's next ifindex made I1 + 4096 ----
# (ifindexes are handed out cyclically per namespace: veth pairs in one
# group, deleted at once, use up the ones between; names are H1's own)
ip -n "$H1" link add bprobe group 77 type veth peer name bprobe2 group 77 || { fail "$T: probe link"; exit 1; }
last=$(ip -n "$H1" -j link show group 77 | jq '[.[].ifindex] | max')
need=$((I1 + 4096 - last - 1))
[ "$need" -ge 0 ] || { fail "$T: H1's ifindexes already past $((I1 + 4096))"; exit 1; }
{
	for ((i = 0; i < need / 2; i++)); do echo "link add ba$i group 77 type veth peer name bb$i group 77"; done
	[ $((need % 2)) = 0 ] || echo "link add bodd group 77 type veth peer name bodd netns $R"
} | ip -n "$H1" -batch - && ip -n "$H1" link del group 77 || { fail "$T: use up $need ifindexes"; exit 1; }
check "$T: attach c2 on h1" vx1 attach "$C2" blue --ip 10.1.0.3
IF2=$(hostif "$C2") I2=$(ifindex "$(hostif "$C2")")
[ "$I2" = $((I1 + 4096)) ] || { fail "$T: c2's veth got ifindex '$I2', not $((I1 + 4096)): cannot share c1's slot"; exit 1; }
ping_all "$C2" || fail "$T: c2 pings its gateway"
n=$(owners "$I2") tx=$(slot_tx "$I2")
if [ "$n" = "$NCPU" ] && [ "$tx" -ge $((2 * NCPU)) ] && ! spilled "$I2"; then
	ok "$T: c2 ($IF2, ifindex $I2) counts in c1's old slot $((I2 % 4096)) on all CPUs ($tx packets sent), not in ep_stats"
else
	fail "$T: c2 (ifindex $I2): owns slot $((I2 % 4096)) on '$n' of $NCPU CPUs, tx there '$tx', ep_stats entry: $(spilled "$I2" && echo yes || echo no)"
fi
# the user's view: one line per endpoint with traffic, c2's at its ifindex, none for c1's
dump=$(vx1 map dump ep_slots 2>&1)
if [ "$(grep -c "^ifindex=$I2 .*endpoint=h1-$C2-blue " <<<"$dump")" = 1 ] && ! grep -q "^ifindex=$I1 " <<<"$dump"; then
	ok "$T: vxnet map dump ep_slots: c2 at ifindex $I2, nothing at $I1"
else
	fail "$T: vxnet map dump ep_slots: $(tr '\n' '|' <<<"$dump" | cut -c 1-400)"
fi
finish
