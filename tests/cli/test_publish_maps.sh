#!/bin/bash
# Published ports, what userspace writes into the maps (issue 13): `attach
# --publish` and `endpoint add --publish` (a foreign endpoint), then sync on
# both hosts: services {proto, host port} -> backends, backends {proto, host
# port, slot} for all 251 Maglev slots (VNI, address, container port, the
# backend's node), published {VNI, IP, proto, port} -> host port; the same
# tables on h1 and h2; a backend removed or detached shrinks the service, the
# last one takes it out. A clashing or malformed --publish on attach leaves
# no veth and no record. No traffic: maps (bpftool) and the state.
#
#   +------ h1 ------+          +------ h2 ------+
#   | c1 red 10.1.0.2|--- r ----| c2 red 10.1.0.3|
#   |  8080:80/tcp   |          |  8080:80/tcp   |
#   |  5353:53/udp   |          | web3 10.1.0.9  |
#   +----------------+          |  (endpoint add)|
#                               +----------------+
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/../e2e/topo.sh"
T=publish
trap topo_cleanup EXIT
topo_build && topo_hosts tc || { fail "$T: build topology, up"; exit 1; }

is() { # is NAME GOT WANT
	if [ "$2" = "$3" ]; then ok "$1"; else fail "$1: '$2', expected '$3'"; fi
}
# port_le P: a __be16 port as bpftool shows it on a little-endian host
port_le() { echo $((($1 & 255) << 8 | $1 >> 8)); }
# svc PIN PROTO PORT: the backends count of a service, or "none"
svc() {
	map_dump "$1" services | jq -r --argjson p "$2" --argjson h "$(port_le "$3")" \
		'[.[] | select(.formatted.key.proto == $p and .formatted.key.port == $h) | .formatted.value.backends] | if length == 0 then "none" else .[0] end'
}
# slots PIN PROTO PORT: "IP:NODE:PORT COUNT" per backend of a service's slots
slots() {
	map_dump "$1" backends | jq -r --argjson p "$2" --argjson h "$(port_le "$3")" \
		'.[] | select(.formatted.key.proto == $p and .formatted.key.port == $h) | .formatted.value | "\(.ip.be32):\(.node.be32):\(.port)"' |
		sort | uniq -c | awk '{print $2, $1}' | tr '\n' ' '
}
count() { map_dump "$1" "$2" | jq length; }

check "network create red" vxs network create red --subnet 10.1.0.0/24
check "attach c1 on h1 --publish 8080:80 --publish 5353:53/udp" \
	vx1 attach "$C1" red --ip 10.1.0.2 --publish 8080:80 --publish 5353:53/udp
check "attach c2 on h2 --publish 8080:80" vx2 attach "$C2" red --ip 10.1.0.3 --publish 8080:80
check "endpoint add web3 on h2 --publish 8080:80" vxs endpoint add web3 --network red --node h2 --ip 10.1.0.9 --publish 8080:80
check "sync h1 and h2" sh -c "'$VXNET' --state '$STATE' --pin-dir '$PIN1' -n '$H1' sync >/dev/null &&
	'$VXNET' --state '$STATE' --pin-dir '$PIN2' -n '$H2' sync >/dev/null"

c1=$(ip_le 10.1.0.2) c2=$(ip_le 10.1.0.3) w3=$(ip_le 10.1.0.9)
h1=$(ip_le 198.18.1.2) h2=$(ip_le 198.18.2.2) p80=$(port_le 80) p53=$(port_le 53)
is "h1: services 8080/tcp has 3 backends" "$(svc "$PIN1" 6 8080)" 3
is "h1: services 5353/udp has 1 backend" "$(svc "$PIN1" 17 5353)" 1
is "h1: two services" "$(count "$PIN1" services)" 2
is "h1: backends holds 2 x 251 slots" "$(count "$PIN1" backends)" 502
got=$(slots "$PIN1" 6 8080)
# n_of BACKEND: its slots in $got
n_of() { [[ $got =~ (^| )$1\ ([0-9]+) ]] && echo "${BASH_REMATCH[2]}" || echo 0; }
n1=$(n_of "$c1:$h1:$p80") n2=$(n_of "$c2:$h2:$p80") n3=$(n_of "$w3:$h2:$p80")
in_range() { local n; for n; do [ "$n" -ge 83 ] && [ "$n" -le 84 ] || return 1; done; }
if [ $((n1 + n2 + n3)) = 251 ] && in_range "$n1" "$n2" "$n3"; then
	ok "h1: 8080/tcp's slots: c1 (node h1) $n1, c2 (node h2) $n2, web3 (node h2) $n3, port 80"
else
	fail "h1: 8080/tcp's slots: '$got'"
fi
is "h1: 5353/udp's slots are c1's, port 53" "$(slots "$PIN1" 17 5353)" "$c1:$h1:$p53 251 "
is "h1: published holds 4 entries" "$(count "$PIN1" published)" 4
is "h1: published: c1's 80/tcp -> 8080, its 53/udp -> 5353" \
	"$(map_dump "$PIN1" published | jq -c --argjson ip "$c1" '[.[] | select(.formatted.key.ip.be32 == $ip) | [.formatted.key.proto, .formatted.key.port, .formatted.value.hostport]] | sort')" \
	"[[6,$p80,$(port_le 8080)],[17,$p53,$(port_le 5353)]]"
is "h1 and h2 hold the same tables" \
	"$(map_dump "$PIN1" backends | jq -c '[.[].formatted] | sort_by(.key.proto, .key.port, .key.slot)' | md5sum)" \
	"$(map_dump "$PIN2" backends | jq -c '[.[].formatted] | sort_by(.key.proto, .key.port, .key.slot)' | md5sum)"
check "endpoint ls shows the ports" sh -c "'$VXNET' --state '$STATE' endpoint ls | grep -q 'web3 .* 8080:80/tcp'"

# --- refused at attach: nothing left behind
veths() { ip -n "$H1" -o link show | grep -c ' vx'; }
before=$(veths)
expect_err "attach c3 --publish 8080:81 clashes" \
	"^vxnet: attach: host port 8080/tcp: published by [a-z0-9-]+ \(port 80, network red\) and [a-z0-9-]+ \(port 81, network red\)$" \
	vx1 attach "$C3" red --publish 8080:81
is "  no veth left, no record" "$(veths):$(vxs endpoint ls | grep -c "$C3")" "$before:0"
expect_err "attach c3 --publish 8080:x is malformed" \
	"^vxnet: attach: --publish '8080:x' is not \[HOSTPORT:\]PORT\[/tcp\|/udp\]$" vx1 attach "$C3" red --publish 8080:x
vx1 attach "$C3" red --publish 8080:x >/dev/null 2>&1
is "  exit 2" "$?" 2

# --- backends go
check "endpoint rm web3, sync h1" sh -c "'$VXNET' --state '$STATE' endpoint rm web3 >/dev/null &&
	'$VXNET' --state '$STATE' --pin-dir '$PIN1' -n '$H1' sync >/dev/null"
is "h1: 8080/tcp has 2 backends" "$(svc "$PIN1" 6 8080)" 2
is "h1: no slot is web3's" "$(slots "$PIN1" 6 8080 | grep -c "$w3:")" 0
check "detach c1 on h1" vx1 detach "$C1" red
is "h1: 8080/tcp has 1 backend (c2)" "$(svc "$PIN1" 6 8080)" 1
is "h1: 8080/tcp's slots are c2's" "$(slots "$PIN1" 6 8080)" "$c2:$h2:$p80 251 "
is "h1: 5353/udp is gone" "$(svc "$PIN1" 17 5353)" none
is "h1: backends holds 251 slots" "$(count "$PIN1" backends)" 251
is "h1: published holds c2's entry" "$(count "$PIN1" published)" 1
check "detach c2 on h2, sync h1" sh -c "'$VXNET' --state '$STATE' --pin-dir '$PIN2' -n '$H2' detach '$C2' red >/dev/null &&
	'$VXNET' --state '$STATE' --pin-dir '$PIN1' -n '$H1' sync >/dev/null"
is "h1: services, backends, published empty" \
	"$(count "$PIN1" services):$(count "$PIN1" backends):$(count "$PIN1" published)" 0:0:0
is "h2: services, backends, published empty" \
	"$(count "$PIN2" services):$(count "$PIN2" backends):$(count "$PIN2" published)" 0:0:0
finish
