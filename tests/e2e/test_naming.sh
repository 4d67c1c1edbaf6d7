#!/bin/bash
# Names and defaults as Docker has them (issue 15, item 4): without
# --ifname an attach takes the next free ethN in the container (eth0, eth1
# for a second network, ...); lo goes up in a namespace vxnet sets up; the
# default endpoint name is NODE-NETNS-NETWORK, so two hosts whose namespaces
# share a name both attach to one network; --name is honoured; a clash or
# a default name too long says which option fixes it, and changes nothing.
#
#   c5 (lo down when made)  eth0 blue 10.1.0.5, eth1 red 10.9.0.5, eth2 green
#   c1 "c1" on h1 10.1.0.10              h2's own "c1" ($TMP/h2ns/c1) 10.1.0.11
#   c2 on h2: eth0 red 10.9.0.3, eth1 blue 10.1.0.3
#   c7 with an eth0 already (a veth of its own): vxnet's interface is eth1
#   c8 whose host veth name (vx + CRC-32 of h1-c8-blue) a leftover link on h1 holds
#        |                                          |
#   +---- h1 ----+ eth0 -- r -- eth0 +---- h2 ----+      (topo.sh)
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/topo.sh"
T=naming
C5=${P}c5 C6=${P}c6 C7=${P}c7 C8=${P}c8 C1B=${P}c1b
H2NS=$TMP/h2ns/${P}c1 # h2's namespace named like h1's c1 (a bind mount of c1b)
LONG=${P}$(printf 'l%.0s' $(seq 50))
cleanup() {
	umount "$H2NS" 2>/dev/null
	topo_cleanup
}
trap cleanup EXIT

topo_build || { fail "$T: build topology"; exit 1; }
# c5 as a runtime leaves a new namespace: lo down (mkns brings it up)
ip netns add "$C5" && NETNS_MADE+=("$C5") || { fail "$T: namespace c5"; exit 1; }
mkns "$C6" && mkns "$C7" && mkns "$C8" && mkns "$C1B" && mkns "$LONG" || { fail "$T: namespaces"; exit 1; }
mkdir -p "$TMP/h2ns" && touch "$H2NS" && mount --bind "/run/netns/$C1B" "$H2NS" ||
	{ fail "$T: h2's namespace c1"; exit 1; }
topo_hosts tc &&
	vxs network create blue --subnet 10.1.0.0/24 >/dev/null &&
	vxs network create red --subnet 10.9.0.0/24 >/dev/null &&
	vxs network create green --subnet 10.7.0.0/24 >/dev/null || { fail "$T: hosts and networks"; exit 1; }

# ep_is NAME NETWORK NODE IFNAME: the state has endpoint NAME so
ep_is() {
	jq -e --arg n "$1" --arg w "$2" --arg h "$3" --arg i "$4" \
		'any(.endpoints[]; .name == $n and .network == $w and .node == $h and .ifname == $i)' "$STATE" >/dev/null ||
		{ echo "no endpoint $1 ($2, $3, $4): $(jq -c '[.endpoints[] | [.name, .network, .node, .ifname]]' "$STATE")" >&2; return 1; }
}
# has_addr NS IF CIDR: interface IF of namespace NS holds CIDR and is up
has_addr() { ip -n "$1" -o addr show dev "$2" | grep -q " $3 " && ip -n "$1" link show "$2" | grep -q '[<,]UP[,>]'; }
pingok() { in_ns "$1" ping -c 2 -i 0.2 -W 2 "$2"; }
syncboth() { vx1 sync >/dev/null && vx2 sync >/dev/null; }

snapshot() { # the state, h1's links, NS's links and addresses
	{ cat "$STATE"; ip -n "$H1" -o link show | sed -E 's/^[0-9]+: //; s/<[^>]*>//; s/ state [A-Z]+//';
	  ip -n "$2" -o link show; ip -n "$2" -o addr show; } >"$TMP/snap.$1" 2>&1
}
bad() { # bad NAME NS REGEX CMD...: one line matching REGEX, nothing changed
	local name=$1 ns=$2; shift 2
	snapshot before "$ns"
	expect_err "$name" "$@"
	snapshot after "$ns"
	if cmp -s "$TMP/snap.before" "$TMP/snap.after"; then ok "$name: nothing changed"
	else fail "$name: something changed: $(diff "$TMP/snap.before" "$TMP/snap.after" | head -4 | tr '\n' '|')"; fi
}

# ---- a container on three networks: eth0, eth1, eth2; lo up ----
check "$T: attach c5 blue (no --ifname, no --name)" vx1 attach "$C5" blue --ip 10.1.0.5
check "$T: c5's endpoint is h1-c5-blue on eth0" ep_is "h1-$C5-blue" blue h1 eth0
check "$T: c5's lo is up (vxnet set up the namespace)" sh -c "ip -n $C5 link show lo | grep -q '[<,]UP[,>]'"
check "$T: c5 pings 127.0.0.1" in_ns "$C5" ping -c 1 -W 1 127.0.0.1
check "$T: attach c5 red (a second network, no --ifname)" vx1 attach "$C5" red --ip 10.9.0.5
check "$T: c5's red endpoint h1-c5-red is eth1" ep_is "h1-$C5-red" red h1 eth1
check "$T: c5 has eth1 10.9.0.5/24, up" has_addr "$C5" eth1 10.9.0.5/24
check "$T: attach c5 green (a third network)" vx1 attach "$C5" green
check "$T: c5's green endpoint h1-c5-green is eth2" ep_is "h1-$C5-green" green h1 eth2
check "$T: c5 has eth2 10.7.0.2/24, up" has_addr "$C5" eth2 10.7.0.2/24
check "$T: c5 still has eth0 10.1.0.5/24" has_addr "$C5" eth0 10.1.0.5/24

# c2 on h2: red first, so blue is its eth1
check "$T: attach c2 red on h2" vx2 attach "$C2" red --ip 10.9.0.3
check "$T: attach c2 blue on h2 (eth1)" vx2 attach "$C2" blue --ip 10.1.0.3
check "$T: c2's blue endpoint h2-c2-blue is eth1" ep_is "h2-$C2-blue" blue h2 eth1
syncboth || fail "$T: sync"
check "$T: c5 reaches c2 on red (eth1 to eth0, across hosts)" pingok "$C5" 10.9.0.3
check "$T: c5 reaches c2 on blue (eth0 to eth1, across hosts)" pingok "$C5" 10.1.0.3
check "$T: c2 reaches c5 on blue" pingok "$C2" 10.1.0.5

# a freed name is taken again: detach red, attach red: eth1 again
check "$T: detach c5 red" vx1 detach "$C5" red
check "$T: c5's eth1 is gone" sh -c "! ip -n $C5 link show eth1 2>/dev/null"
check "$T: attach c5 red again" vx1 attach "$C5" red --ip 10.9.0.5
check "$T: red is c5's eth1 again (the first free)" ep_is "h1-$C5-red" red h1 eth1
syncboth || fail "$T: sync"
check "$T: c5 reaches c2 on red again" pingok "$C5" 10.9.0.3

# ---- one namespace name on two hosts, one network ----
check "$T: attach c1 on h1 to blue" vx1 attach "$C1" blue --ip 10.1.0.10
check "$T: attach h2's own ${P}c1 to blue" vx2 attach "$H2NS" blue --ip 10.1.0.11
check "$T: two endpoints: h1-c1-blue" ep_is "h1-$C1-blue" blue h1 eth0
check "$T: and h2-c1-blue" ep_is "h2-$C1-blue" blue h2 eth0
syncboth || fail "$T: sync"
check "$T: h1's c1 reaches h2's c1" pingok "$C1" 10.1.0.11
check "$T: h2's c1 reaches h1's c1" pingok "$C1B" 10.1.0.10

# ---- --name honoured; clashes name the option that fixes them ----
check "$T: attach c3 --name web1" vx1 attach "$C3" blue --name web1 --ip 10.1.0.20
check "$T: c3's endpoint is web1" ep_is web1 blue h1 eth0
check "$T: endpoint add c9 on h2 (no veth)" vxs endpoint add c9 --network blue --node h2 --ip 10.1.0.99
bad "$T: attach --name c9, c9 on h2" "$C6" \
	"^vxnet: attach: endpoint c9 already exists on node h2 \(use another --name\)$" vx1 attach "$C6" blue --name c9
check "$T: endpoint add h1-c6-blue on h2 (c6's default name taken)" \
	vxs endpoint add "h1-$C6-blue" --network blue --node h2 --ip 10.1.0.98
bad "$T: attach c6 whose default name is taken" "$C6" \
	"^vxnet: attach: endpoint h1-$C6-blue already exists on node h2 \(use --name\)$" vx1 attach "$C6" blue
check "$T: attach c6 --name c6x works" vx1 attach "$C6" blue --name c6x
bad "$T: attach with a default name too long" "$LONG" \
	"^vxnet: attach: the default endpoint name h1-$LONG-blue is too long \($((${#LONG} + 8)) characters, at most 63; use --name\)$" \
	vx1 attach "$LONG" blue
check "$T: the long-named namespace attaches with --name" vx1 attach "$LONG" blue --name longns
check "$T: longns is on eth0" ep_is longns blue h1 eth0

# ---- attached already; a leftover host veth of the same name ----
bad "$T: attach c5 blue twice" "$C5" \
	"^vxnet: attach: $C5 is already attached to network blue as endpoint h1-$C5-blue \(vxnet detach first\)$" \
	vx1 attach "$C5" blue
LEFT=vx$(python3 -c "import zlib, sys; print('%08x' % zlib.crc32(sys.argv[1].encode()))" "h1-$C8-blue")
ip -n "$H1" link add "$LEFT" type veth peer name lz0 || fail "$T: a leftover $LEFT on h1"
bad "$T: attach c8, whose host veth name is taken" "$C8" \
	"^vxnet: attach: host interface $LEFT already exists \(vxnet status shows whose; delete it, or use --name\)$" \
	vx1 attach "$C8" blue
check "$T: vxnet status shows the leftover $LEFT as endpoint-missing" \
	sh -c "'$VXNET' --state '$STATE' --pin-dir '$PIN1' -n '$H1' status | grep -Eq '^$LEFT +- .*[ ,]endpoint-missing\$'"
check "$T: attach c8 --name c8x works beside the leftover" vx1 attach "$C8" blue --name c8x

# ---- an interface already in the container ----
ip -n "$C7" link add eth0 type veth peer name x0 || fail "$T: an eth0 in c7"
bad "$T: attach c7 --ifname eth0 (taken)" "$C7" \
	"^vxnet: attach: $C7 already has an interface eth0 \(use another --ifname, or none for the next free ethN\)$" \
	vx1 attach "$C7" blue --ifname eth0
check "$T: attach c7 without --ifname" vx1 attach "$C7" blue --ip 10.1.0.7
check "$T: c7's vxnet interface is eth1" ep_is "h1-$C7-blue" blue h1 eth1
check "$T: c7 has eth1 10.1.0.7/24" has_addr "$C7" eth1 10.1.0.7/24
check "$T: c7 reaches c5" pingok "$C7" 10.1.0.5
check "$T: attach c7 red --ifname net1 (--ifname honoured)" vx1 attach "$C7" red --ifname net1
check "$T: c7's red endpoint is net1" ep_is "h1-$C7-red" red h1 net1
finish
