#!/bin/bash
# Egress NAT, what userspace does (issue 13): `vxnet up` pins the nat map
# (--nat-entries, kept across a second up, another size refused), reserves
# the NAT ports (--nat-ports) in h1's ip_local_reserved_ports beside what is
# there, puts vxnet_nat_in on lo (and on eth0's tc ingress in XDP mode),
# rolls all of it back when it fails; `vxnet down` takes out exactly what up
# added. A container's host veth gets accept_local at attach and at up. No
# traffic: the maps, sysctls and filters are checked.
#
#   +-------------- h1 --------------+
#   | lo: tc ingress vxnet_nat_in    |
#   | eth0 198.18.1.2 (tc: decap, or |---- r
#   |   xdp: decap + tc: nat_in)     |
#   | br0 (a bridge: no XDP)       |
#   | vxXXXXXXXX: c1's veth (blue)   |---- c1 10.1.0.x
#   +--------------------------------+
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/../e2e/topo.sh"
T=nat
trap topo_cleanup EXIT
topo_build || { fail "$T: build topology"; exit 1; }
ip -n "$H1" link add br0 type bridge && ip -n "$H1" link set br0 up || { fail "$T: br0"; exit 1; }
vxs node add h1 198.18.1.2 >/dev/null || { fail "$T: node add"; exit 1; }

reserved() { ip netns exec "$H1" cat /proc/sys/net/ipv4/ip_local_reserved_ports; }
set_reserved() { ip netns exec "$H1" sysctl -qw net.ipv4.ip_local_reserved_ports="$1"; }
# the program (name:id) vxnet's filter runs on DEV's tc ingress in h1, or "none"
tc_prog() {
	local p
	p=$(ip netns exec "$H1" tc filter show dev "$1" ingress 2>/dev/null |
		sed -n 's/.*handle 0x7678 \([a-z_]*\):\[\([0-9]*\)\].*/\1:\2/p')
	echo "${p:-none}"
}
tc_filters() { ip netns exec "$H1" tc filter show dev "$1" ingress 2>/dev/null | grep -c handle; }
nat_id() { bpftool -j map show pinned "$PIN1/nat" 2>/dev/null | jq -r '.id'; }
nat_size() { bpftool -j map show pinned "$PIN1/nat" 2>/dev/null | jq -r '.max_entries'; }
host_field() { map_dump "$PIN1" host | jq -r ".[0].formatted.value.$1"; }
# snap: what a refused up must leave as it found it
snap() { echo "$(reserved)|$(tc_prog lo)|$(tc_prog eth0)|$(nat_id)|$(ls "$PIN1" 2>/dev/null | tr '\n' ' ')"; }

# bad NAME RC REGEX ARGS...: `vx1 ARGS` exits RC, one stderr line matching
# REGEX, and changes nothing.
bad() {
	local name=$1 want=$2 re=$3 before rc; shift 3
	before=$(snap)
	vx1 "$@" >"$TMP/out" 2>"$TMP/err"; rc=$?
	if [ "$rc" != "$want" ]; then fail "$name: exit $rc, expected $want: $(head -2 "$TMP/err" | tr '\n' '|')"
	elif [ "$(wc -l <"$TMP/err")" != 1 ] || ! grep -Eq -- "$re" "$TMP/err"; then
		fail "$name: stderr '$(head -3 "$TMP/err" | tr '\n' '|')' is not one line matching /$re/"
	elif [ "$(snap)" != "$before" ]; then fail "$name: changed '$before' to '$(snap)'"
	else ok "$name ($(cat "$TMP/err"))"; fi
}
is() { # is NAME GOT WANT
	if [ "$2" = "$3" ]; then ok "$1"; else fail "$1: '$2', expected '$3'"; fi
}

set_reserved 7100
# --- bad --nat-ports and --nat-entries: nothing pinned, nothing reserved
bad "up --nat-ports malformed" 2 "^vxnet: up: --nat-ports must be LO-HI, e.g. 61001-65535, not '62000'$" \
	up --node h1 --dev eth0 --nat-ports 62000
bad "up --nat-ports with junk" 2 "not '62000-63000x'" up --node h1 --dev eth0 --nat-ports 62000-63000x
bad "up --nat-ports below 1024" 2 "^vxnet: up: --nat-ports 1000-2000: the ports must be within 1024\.\.65535$" \
	up --node h1 --dev eth0 --nat-ports 1000-2000
bad "up --nat-ports above 65535" 2 "the ports must be within 1024\.\.65535" up --node h1 --dev eth0 --nat-ports 65000-65536
bad "up --nat-ports reversed" 2 "^vxnet: up: --nat-ports 63000-62000: a range of at least 64 ports, LO-HI$" \
	up --node h1 --dev eth0 --nat-ports 63000-62000
bad "up --nat-ports of 63 ports" 2 "a range of at least 64 ports" up --node h1 --dev eth0 --nat-ports 62000-62062
bad "up --nat-entries too small" 1 "^vxnet: up: --nat-entries must be 256\.\.16777216, not '10'$" \
	up --node h1 --dev eth0 --nat-entries 10

# --- up: the map, the ports beside h1's own 7100, the hooks
check "up --nat-entries 4096 (tc decap)" vx1 up --node h1 --dev eth0 --nat-entries 4096
is "nat map pinned with 4096 entries" "$(nat_size)" 4096
is "ip_local_reserved_ports: 7100 kept, 61001-65535 added" "$(reserved)" 7100,61001-65535
is "host record: NAT ports 61001-65535" "$(host_field nat_port_min)-$(host_field nat_port_max)" 61001-65535
is "host record: restore has VXNET_RESTORE_PORTS (2)" "$(( $(host_field restore) & 2 ))" 2
case $(tc_prog lo) in vxnet_nat_in:*) ok "lo: tc ingress runs vxnet_nat_in" ;; *) fail "lo: tc ingress '$(tc_prog lo)'" ;; esac
case $(tc_prog eth0) in vxnet_tc_decap:*) ok "eth0: tc ingress runs vxnet_tc_decap" ;; *) fail "eth0: '$(tc_prog eth0)'" ;; esac
if vx1 status | grep -q "^egress NAT: ports 61001-65535 in ip_local_reserved_ports (vxnet up added them)$" &&
   vx1 status | grep -q "^  prog_nat_in .*vxnet_nat_in$" && vx1 status | grep -q "^  nat *0 / 4096 entries"; then
	ok "status shows the NAT ports, prog_nat_in and the nat map"
else fail "status: $(vx1 status | tr '\n' '|')"; fi

# --- a second up: the same map and ports, lo's filter replaced, not doubled
id=$(nat_id)
check "up again (no --nat-entries)" vx1 up --node h1 --dev eth0
is "the nat map is the same map (id $id), its size kept" "$(nat_id) $(nat_size)" "$id 4096"
is "the ports unchanged" "$(reserved)" 7100,61001-65535
is "lo has one vxnet filter" "$(tc_filters lo)" 1
bad "up with another --nat-entries over the pinned table" 1 \
	"^vxnet: up: the NAT table $PIN1/nat has 4096 entries, --nat-entries asks for 8192; vxnet down first" \
	up --node h1 --dev eth0 --nat-entries 8192

# --- a container's host veth accepts local sources (egress to the host's
# own address comes up its stack from there); up sets it on existing veths
check "network create blue, attach c1" sh -c "'$VXNET' --state '$STATE' network create blue --subnet 10.1.0.0/24 >/dev/null &&
	'$VXNET' --state '$STATE' --pin-dir '$PIN1' -n '$H1' attach '$C1' blue >/dev/null"
VETH=$(vxs endpoint ls | awk 'NR == 2 { print $6 }')
accept_local() { ip netns exec "$H1" sysctl -n "net.ipv4.conf.$VETH.accept_local"; }
is "attach: $VETH has accept_local 1" "$(accept_local)" 1
ip netns exec "$H1" sysctl -qw "net.ipv4.conf.$VETH.accept_local=0"
check "up again" vx1 up --node h1 --dev eth0
is "up: $VETH has accept_local 1 again" "$(accept_local)" 1

# --- XDP decap: vxnet_nat_in on eth0's tc ingress in place of tc decap
check "up --decap xdp" vx1 up --node h1 --dev eth0 --decap xdp
case $(tc_prog eth0) in vxnet_nat_in:*) ok "xdp: eth0's tc ingress runs vxnet_nat_in" ;; *) fail "xdp: eth0 '$(tc_prog eth0)'" ;; esac
if ip -n "$H1" link show eth0 | grep -q "prog/xdp"; then ok "xdp: eth0 has the XDP program"
else fail "xdp: eth0 has no XDP program"; fi
is "xdp: lo's filter is the new vxnet_nat_in, one of it" "$(tc_prog lo) $(tc_filters lo)" "$(tc_prog eth0) 1"

# --- another range: the old one (up added it) goes, h1's 7100 stays
check "up --nat-ports 62000-62999" vx1 up --node h1 --dev eth0 --decap xdp --nat-ports 62000-62999
is "ports: 7100,62000-62999" "$(reserved)" 7100,62000-62999
is "host record: NAT ports 62000-62999" "$(host_field nat_port_min)-$(host_field nat_port_max)" 62000-62999

# --- a failing up (br0 has no native XDP) puts everything back
bad "up on a device without native XDP rolls back (ports, hooks, pins)" 1 "^vxnet: up: attach XDP to br0: " \
	up --node h1 --dev br0 --decap xdp --nat-ports 63000-63999
check "the datapath still runs on eth0 after the failed up" sh -c "'$VXNET' --state '$STATE' --pin-dir '$PIN1' -n '$H1' status | grep -q 'underlay eth0'"

# --- down: only what up added goes
check "down" vx1 down
is "down: 7100 stays, 62000-62999 out" "$(reserved)" 7100
is "down: lo has no vxnet filter" "$(tc_prog lo)" none
is "down: eth0 has no vxnet filter" "$(tc_prog eth0)" none
check_not "down: the pins are gone" test -e "$PIN1"

# --- ports that were reserved before up stay reserved after down
set_reserved 61001-65535,7100
check "up over already reserved NAT ports" vx1 up --node h1 --dev eth0
is "nothing added" "$(reserved)" 7100,61001-65535
is "host record: restore without VXNET_RESTORE_PORTS" "$(( $(host_field restore) & 2 ))" 0
check "down" vx1 down
is "down leaves ports it did not add" "$(reserved)" 7100,61001-65535
finish
