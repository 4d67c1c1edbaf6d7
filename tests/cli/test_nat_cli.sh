#!/bin/bash
# Egress NAT, what userspace does (issue 13): `vxnet up` pins the nat map
# (--nat-entries, kept across a second up, another size refused), reserves
# the NAT ports (--nat-ports) in h1's ip_local_reserved_ports beside what is
# there, puts vxnet_nat_in on lo (and on eth0's tc ingress in XDP mode),
# rolls all of it back when it fails; `vxnet down` takes out exactly what up
# added. A container's host veth gets accept_local at attach and at up.
# `vxnet nat ls` lists translations written into the pinned map with
# bpftool. No traffic: the maps, sysctls, filters and output are checked.
#
#   +-------------- h1 --------------+
#   | lo: tc ingress vxnet_nat_in    |
#   | eth0 198.18.1.2 (tc: decap, or |---- r
#   |   xdp: decap + tc: nat_in)     |
#   | br0 198.18.1.2/32 (a bridge:   |
#   |   no XDP)                      |
#   | vxXXXXXXXX: c1's veth (blue)   |---- c1 10.1.0.x
#   +--------------------------------+
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/../e2e/topo.sh"
T=nat
trap topo_cleanup EXIT
topo_build || { fail "$T: build topology"; exit 1; }
if ! ip -n "$H1" link add br0 type bridge || ! ip -n "$H1" addr add 198.18.1.2/32 dev br0 ||
   ! ip -n "$H1" link set br0 up; then fail "$T: br0"; exit 1; fi
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
snap() { echo "$(reserved)|$(tc_prog lo)|$(tc_prog eth0)|$(nat_id)|$(find "$PIN1" -mindepth 1 -printf '%f\n' 2>/dev/null | sort | tr '\n' ' ')"; }

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

# --- vxnet nat ls over entries written here with bpftool (as the datapath
# writes them: include/vxnet.h); teal shares blue's subnet
check "network create teal" vxs network create teal --subnet 10.1.0.0/24
HEADER="PROTO  NETWORK  INSIDE  OUTSIDE  REMOTE  AGE  FLAGS  IN"
is "nat ls on an empty table: the header only" "$(vx1 nat ls 2>&1)" "$HEADER"
# nat_put DIR PROTO VNI ADDR PORT REMOTE RPORT -> VNI ADDR PORT AGE FLAGS:
# one entry, last seen AGE seconds ago (CLOCK_MONOTONIC, as bpf_ktime_get_ns)
nat_put() {
	python3 - "$PIN1/nat" "$@" <<'EOF'
import socket, struct, subprocess, sys, time
a = sys.argv[1:]
ip = socket.inet_aton
key = struct.pack("<BBHI4s4s", int(a[1]), int(a[2]), 0, int(a[3]), ip(a[4]), ip(a[6])) + \
	struct.pack(">HH", int(a[5]), int(a[7]))
seen = time.clock_gettime_ns(time.CLOCK_MONOTONIC) - int(a[11]) * 1000000000
val = struct.pack("<QI4s", seen, int(a[8]), ip(a[9])) + struct.pack(">H", int(a[10])) + \
	struct.pack("<HI", int(a[12]), 0)
hexs = lambda b: ["%02x" % x for x in b]
sys.exit(subprocess.call(["bpftool", "map", "update", "pinned", a[0], "key", "hex"] + hexs(key) +
			 ["value", "hex"] + hexs(val)))
EOF
}
H=198.18.1.2 S=198.18.100.2
# flows: blue and teal from one address and port (the datapath marks
# REPLIED on the IN entry, and its answers are newer than the OUT entry's
# packets); UDP without its IN entry; ICMP (echo id 16962); a VNI no network
# has, whose IN entry names another port (its flags and age not taken); an
# IN entry alone; blue from port 39999 with the published-port flags
nat_fill() {
	#       dir proto VNI inside port   remote rport -> VNI address port age flags
	nat_put 0 6 4096 10.1.0.2 40000 $S 7000 0 $H 61001 50 0 &&
	nat_put 1 6 0 $H 61001 $S 7000 4096 10.1.0.2 40000 5 2 &&
	nat_put 0 6 4097 10.1.0.2 40000 $S 7000 0 $H 61002 5 1 &&
	nat_put 1 6 0 $H 61002 $S 7000 4097 10.1.0.2 40000 5 2 &&
	nat_put 0 17 4096 10.1.0.3 5353 $S 53 0 $H 61003 100 0 &&
	nat_put 0 1 4096 10.1.0.2 16962 $S 0 0 $H 61004 30 0 &&
	nat_put 1 1 0 $H 61004 $S 0 4096 10.1.0.2 16962 2 2 &&
	nat_put 0 6 999 10.9.0.2 1000 198.18.100.9 80 0 $H 61005 0 0 &&
	nat_put 1 6 0 $H 61005 198.18.100.9 80 999 10.9.0.2 1001 9 2 &&
	nat_put 1 17 0 $H 61006 $S 53 4096 10.1.0.3 5000 0 0 &&
	nat_put 0 6 4096 10.1.0.2 39999 $S 7000 0 $H 61007 1 12
}
check "11 nat entries written with bpftool" nat_fill
# the table without its AGE column (single spaces), and the ages
vx1 nat ls >"$TMP/natls" 2>"$TMP/err"; rc=$?
is "nat ls: exit 0, nothing on stderr" "$rc $(cat "$TMP/err")" "0 "
is "nat ls: one line a flow (OUT entries), sorted by protocol, network, inside, remote; flags of both entries" \
	"$(awk '{ $6 = "-"; print }' "$TMP/natls")" \
"PROTO NETWORK INSIDE OUTSIDE REMOTE - FLAGS IN
icmp blue 10.1.0.2:16962 198.18.1.2:61004 198.18.100.2 - replied yes
tcp blue 10.1.0.2:39999 198.18.1.2:61007 198.18.100.2:7000 - published,via no
tcp blue 10.1.0.2:40000 198.18.1.2:61001 198.18.100.2:7000 - replied yes
tcp teal 10.1.0.2:40000 198.18.1.2:61002 198.18.100.2:7000 - closing,replied yes
tcp vni:999 10.9.0.2:1000 198.18.1.2:61005 198.18.100.9:80 - - other
udp blue 10.1.0.3:5353 198.18.1.2:61003 198.18.100.2:53 - - no"
ages=$(awk 'NR > 1 { printf "%s ", $6 }' "$TMP/natls")
read -r a1 a2 a3 a4 a5 a6 <<<"$ages"
# shellcheck disable=SC2086 # one count each
if is_count $ages && [ "$a1" -ge 2 ] && [ "$a1" -le 7 ] && [ "$a2" -ge 1 ] && [ "$a2" -le 6 ] &&
   [ "$a3" -ge 5 ] && [ "$a3" -le 10 ] && [ "$a4" -ge 5 ] && [ "$a4" -le 10 ] && [ "$a5" -le 5 ] &&
   [ "$a6" -ge 100 ] && [ "$a6" -le 105 ]; then
	ok "nat ls: ages in seconds since the last packet of either entry ($ages)"
else fail "nat ls: ages '$ages', expected about 2 1 5 5 0 100"; fi
if [ "$(head -1 "$TMP/natls")" = "PROTO  NETWORK  INSIDE          OUTSIDE           REMOTE             AGE  FLAGS            IN" ]; then
	ok "nat ls: aligned columns"
else fail "nat ls: header '$(head -1 "$TMP/natls")'"; fi
is "nat ls --network teal" "$(vx1 nat ls --network teal | awk 'NR > 1 { print $1, $2, $3, $4 }')" \
	"tcp teal 10.1.0.2:40000 198.18.1.2:61002"
expect_err "nat ls --network nope: one line" "^vxnet: no such network nope$" vx1 nat ls --network nope

# --- XDP decap: vxnet_nat_in on eth0's tc ingress in place of tc decap
check "up --decap xdp" vx1 up --node h1 --dev eth0 --decap xdp
case $(tc_prog eth0) in vxnet_nat_in:*) ok "xdp: eth0's tc ingress runs vxnet_nat_in" ;; *) fail "xdp: eth0 '$(tc_prog eth0)'" ;; esac
if ip -n "$H1" link show eth0 | grep -q "prog/xdp"; then ok "xdp: eth0 has the XDP program"
else fail "xdp: eth0 has no XDP program"; fi
is "xdp: lo's filter is the new vxnet_nat_in, one of it" "$(tc_prog lo) $(tc_filters lo)" "$(tc_prog eth0) 1"
is "xdp: the translations survived the second up" "$(vx1 nat ls | awk '{ $6 = "-"; print }')" \
	"$(awk '{ $6 = "-"; print }' "$TMP/natls")"

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
expect_err "nat ls while down: one line" "^vxnet: vxnet is not up on this host" vx1 nat ls

# --- ports that were reserved before up stay reserved after down
set_reserved 61001-65535,7100
check "up over already reserved NAT ports" vx1 up --node h1 --dev eth0
is "nothing added" "$(reserved)" 7100,61001-65535
is "host record: restore without VXNET_RESTORE_PORTS" "$(( $(host_field restore) & 2 ))" 0
check "down" vx1 down
is "down leaves ports it did not add" "$(reserved)" 7100,61001-65535
finish
