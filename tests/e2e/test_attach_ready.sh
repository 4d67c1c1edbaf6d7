#!/bin/bash
# A container can send as soon as vxnet attach (or up) returns. A veth drops
# what it sends until the kernel's linkwatch has taken its carrier change
# (dev_activate gives it its queue), and linkwatch postpones that up to a
# second when the veth's ifindex is its peer's, more behind other links'
# events and RTNL. On h2 of topo.sh:
#
#   c8 eth0 (ifindex N) ---- vx... (ifindex N) h2 ---- r ---- h1 -- c1 10.1.0.2
#   10.1.0.8                                    c2 10.1.0.3
#
# c8's namespace is made to hand out N next, h2's next ifindex: attach
# returns with both ends operationally up (read from a link dump, which
# does not hurry linkwatch as a getlink of the link would), and c8 reaches
# c2 and c1 at the first ping. The same after down and up, which take the
# host end down and up again.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/topo.sh"
T=attach-ready
C8=${P}c8
trap topo_cleanup EXIT
topo_build || { fail "$T: build topology"; exit 1; }
topo_vxnet tc || { fail "$T: vxnet up and attach"; exit 1; }
mkns "$C8" || { fail "$T: namespace c8"; exit 1; }

# dumped NS IFNAME FIELD: a field (operstate, ifindex) of the link, from a dump
dumped() { ip -n "$1" -j link show | jq -r --arg n "$2" ".[] | select(.ifname == \$n) | .$3"; }
# both_up WHEN: c8's two ends are up, said with their ifindexes
both_up() {
	local h c
	h=$(dumped "$H2" "$HOST8" operstate) c=$(dumped "$C8" eth0 operstate)
	if [ "$h" = UP ] && [ "$c" = UP ]; then ok "$T: $1: c8's eth0 and h2's $HOST8 are up"
	else fail "$T: $1: operstate of h2's $HOST8 '$h', of c8's eth0 '$c'"; fi
}

N=$(next_ifindex "$H2") && advance_ifindex "$C8" "$N" || fail "$T: make c8 hand out h2's next ifindex"
check "$T: attach c8" vx2 attach "$C8" blue --ip 10.1.0.8
HOST8=$(jq -r --arg n "h2-$C8-blue" '.endpoints[] | select(.name == $n) | .host_ifname' "$STATE")
both_up "at attach's return"
hi=$(dumped "$H2" "$HOST8" ifindex) ci=$(dumped "$C8" eth0 ifindex)
if [ "$hi" = "$N" ] && [ "$ci" = "$N" ]; then ok "$T: c8's eth0 and its host veth share ifindex $N"
else fail "$T: ifindexes: h2's $HOST8 '$hi', c8's eth0 '$ci', not both $N"; fi
check "$T: c8 pings c2 (same host) at once" pings "$C8" 10.1.0.3 3
check "$T: h1 syncs" vx1 sync
check "$T: c8 pings c1 (across the underlay)" pings "$C8" 10.1.0.2 3

check "$T: vxnet down on h2" vx2 down
check "$T: vxnet up on h2" vx2 up --node h2 --dev eth0 --decap tc
both_up "at up's return"
check "$T: c8 pings c2 after down and up" pings "$C8" 10.1.0.3 3
finish
