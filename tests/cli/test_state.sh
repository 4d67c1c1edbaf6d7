#!/bin/bash
# vxnet node/network/endpoint against a state file in a per-run temp dir: the
# good paths round-trip through the file; every bad input fails with exit 1
# (2 for usage), one "vxnet: " line naming the problem, and leaves the state
# file byte-identical; 20 concurrent writers all land.
source "$(dirname "$0")/../lib.sh"
trap 'rm -rf "$TMP"' EXIT

ST=$TMP/state/state.json
source "$(dirname "$0")/state_helpers.sh"

# --- good paths ---------------------------------------------------------
expect_err "ls on a missing state file fails" "^vxnet: state file $ST does not exist; create it with vxnet node add" vx node ls
[ -e "$ST" ] && fail "ls created the state file" || ok "ls creates nothing"
out_is "node add h1 (creates the directory)" h1 vx node add h1 198.18.0.1
out_is "node add h2" h2 vx node add h2 198.18.0.2
check "state file is JSON version 1" grep -q '"version": 1' "$ST"
out_is "node ls" "NAME  ADDRESS     ENDPOINTS
h1    198.18.0.1  0
h2    198.18.0.2  0" vx node ls
out_is "network create blue (VNI 4096)" blue vx network create blue --subnet 10.1.0.0/24
out_is "network create red (VNI 4097, two subnets, gateway, mtu)" red \
	vx network create red --subnet 10.2.0.0/24 --subnet 10.3.0.0/16 --gateway 10.2.0.254 --mtu 1400
out_is "network create green reuses blue's subnet, VNI given" green \
	vx network create green --vni 77 --subnet 10.1.0.0/24
out_is "network create yellow --no-egress" yellow vx network create yellow --vni 78 --subnet 10.4.0.0/24 --no-egress
out_is "network ls" "NAME    VNI   MTU   EGRESS  SUBNETS                  GATEWAYS             ENDPOINTS
blue    4096  auto  on      10.1.0.0/24              10.1.0.1             0
red     4097  1400  on      10.2.0.0/24,10.3.0.0/16  10.2.0.254,10.3.0.1  0
green   77    auto  on      10.1.0.0/24              10.1.0.1             0
yellow  78    auto  off     10.4.0.0/24              10.4.0.1             0" vx network ls
# egress is written only when off: records of networks with egress stay as they were
check "the state file has \"egress\": false for yellow only" \
	test "$(grep -c '"egress"' "$ST")" = 1 -a "$(grep -c '"egress": false' "$ST")" = 1
# network inspect: docker network inspect's shape; Id and Created are checked on their own
inspect() { vx network inspect "$1" | jq -c '.[0] | del(.Id, .Created)'; }
out_is "network inspect yellow" '{"Name":"yellow","Scope":"global","Driver":"vxnet","EnableIPv6":false,'\
'"IPAM":{"Driver":"vxnet","Options":{},"Config":[{"Subnet":"10.4.0.0/24","Gateway":"10.4.0.1"}]},'\
'"Internal":true,"Attachable":true,"Ingress":false,"ConfigFrom":{"Network":""},"ConfigOnly":false,'\
'"Containers":{},"Options":{},"Labels":{},"Peers":[],"VNI":78,"MTU":null}' inspect yellow
check "network inspect yellow: a 64-hex Id, an RFC 3339 Created" \
	bash -c "'$VXNET' --state '$ST' network inspect yellow | jq -e '.[0] | (.Id | test(\"^[0-9a-f]{64}\$\")) and (.Created | test(\"^20[0-9-]{8}T[0-9:]{8}[.][0-9]{9}Z\$\"))'"
out_is "endpoint add c1" c1 vx endpoint add c1 --network blue --node h1 --ip 10.1.0.2
out_is "endpoint add c2 (address from IPAM)" c2 vx endpoint add c2 --network blue --node h2
out_is "endpoint add c3 (given MAC)" c3 \
	vx endpoint add c3 --network red --node h2 --ip 10.3.4.5 --mac 02:00:00:00:00:AA
out_is "endpoint add g1 (same address in another network)" g1 \
	vx endpoint add g1 --network green --node h1 --ip 10.1.0.2 --mac 02:00:00:00:00:01
out_is "endpoint ls" "NAME  NETWORK  NODE  IP        MAC                HOST_IFNAME
c1    blue     h1    10.1.0.2  02:42:0a:01:00:02  -
c2    blue     h2    10.1.0.3  02:42:0a:01:00:03  -
c3    red      h2    10.3.4.5  02:00:00:00:00:aa  -
g1    green    h1    10.1.0.2  02:00:00:00:00:01  -" vx endpoint ls
out_is "endpoint ls --network red" "NAME  NETWORK  NODE  IP        MAC                HOST_IFNAME
c3    red      h2    10.3.4.5  02:00:00:00:00:aa  -" vx endpoint ls --network red
out_is "network inspect blue" '{"Name":"blue","Scope":"global","Driver":"vxnet","EnableIPv6":false,'\
'"IPAM":{"Driver":"vxnet","Options":{},"Config":[{"Subnet":"10.1.0.0/24","Gateway":"10.1.0.1"}]},'\
'"Internal":false,"Attachable":true,"Ingress":false,"ConfigFrom":{"Network":""},"ConfigOnly":false,'\
'"Containers":{"c1":{"Name":"c1","EndpointID":"c1","MacAddress":"02:42:0a:01:00:02","IPv4Address":"10.1.0.2/24",'\
'"IPv6Address":"","Node":"h1","NetNS":"","Interface":"","HostInterface":"","ContainerID":"","Publish":[]},'\
'"c2":{"Name":"c2","EndpointID":"c2","MacAddress":"02:42:0a:01:00:03","IPv4Address":"10.1.0.3/24",'\
'"IPv6Address":"","Node":"h2","NetNS":"","Interface":"","HostInterface":"","ContainerID":"","Publish":[]}},'\
'"Options":{},"Labels":{},"Peers":[{"Name":"h1","IP":"198.18.0.1"},{"Name":"h2","IP":"198.18.0.2"}],'\
'"VNI":4096,"MTU":null}' inspect blue
check "state file is readable by --store file:PATH" "$VXNET" --store "file:$ST" network inspect red
check "--help on a verb" vx network create --help

# --- bad input: exit 1, one line, nothing written ------------------------
bad "node name invalid" 1 "invalid node name '-h3'" node add -- -h3 198.18.0.3
bad "node name too long" 1 "invalid node name 'a{64}'" node add "$(printf 'a%.0s' {1..64})" 198.18.0.3
bad "node name with a space" 1 "invalid node name 'h 3'" node add "h 3" 198.18.0.3
bad "node address malformed" 1 "node h3: '198.18.0.256' is not an IPv4 address" node add h3 198.18.0.256
bad "node address short" 1 "node h3: '198.18.0' is not an IPv4 address" node add h3 198.18.0
bad "node duplicate name" 1 "node h1 already exists" node add h1 198.18.0.9
bad "node duplicate address" 1 "node h3: address 198.18.0.1 is already used by node h1" node add h3 198.18.0.1
bad "node rm unknown" 1 "no such node h9" node rm h9

bad "network duplicate name" 1 "network blue already exists" network create blue --subnet 10.9.0.0/24
bad "network name invalid" 1 "invalid network name 'b/lue'" network create b/lue --subnet 10.9.0.0/24
bad "network CIDR malformed" 1 "network n1: '10.9.0.0/33' is not an IPv4 CIDR subnet" network create n1 --subnet 10.9.0.0/33
bad "network CIDR without prefix" 1 "network n1: '10.9.0.0' is not an IPv4 CIDR subnet" network create n1 --subnet 10.9.0.0
bad "network CIDR host bits" 1 "10\.1\.0\.5/24 has host bits set; did you mean 10\.1\.0\.0/24" network create n1 --subnet 10.1.0.5/24
bad "network VNI 0" 1 "network n1: VNI 0 is outside 1\.\.16777215" network create n1 --vni 0 --subnet 10.9.0.0/24
bad "network VNI too big" 1 "network n1: VNI 16777216 is outside 1\.\.16777215" network create n1 --vni 16777216 --subnet 10.9.0.0/24
bad "network VNI not a number" 1 "network n1: VNI 'x1' is not a number" network create n1 --vni x1 --subnet 10.9.0.0/24
bad "network VNI taken" 1 "network n1: VNI 4097 is already used by network red" network create n1 --vni 4097 --subnet 10.9.0.0/24
bad "network subnets overlap" 1 "network n1: subnet 10.9.1.0/24 overlaps subnet 10.9.0.0/16" \
	network create n1 --subnet 10.9.0.0/16 --subnet 10.9.1.0/24
bad "network gateway outside subnet" 1 "network n1: gateway 10.8.0.1 is outside subnet 10.9.0.0/24" \
	network create n1 --subnet 10.9.0.0/24 --gateway 10.8.0.1
bad "network gateway is broadcast" 1 "network n1: gateway 10.9.0.255 is the broadcast address of 10.9.0.0/24" \
	network create n1 --subnet 10.9.0.0/24 --gateway 10.9.0.255
bad "network gateway malformed" 1 "network n1: gateway '10.9.0.x' is not an IPv4 address" \
	network create n1 --subnet 10.9.0.0/24 --gateway 10.9.0.x
bad "network MTU too small" 1 "network n1: MTU 67 is outside 68\.\.65485" network create n1 --subnet 10.9.0.0/24 --mtu 67
bad "network MTU too big" 1 "network n1: MTU 65486 is outside 68\.\.65485" network create n1 --subnet 10.9.0.0/24 --mtu 65486
bad "network rm with endpoints" 1 "^vxnet: network blue has 2 endpoints; detach them first$" network rm blue
bad "network rm unknown" 1 "no such network nope" network rm nope
bad "network inspect unknown" 1 "no such network nope" network inspect nope

bad "endpoint duplicate name" 1 "endpoint c1 already exists" endpoint add c1 --network blue --node h1 --ip 10.1.0.9
bad "endpoint name invalid" 1 "invalid endpoint name '\.c'" endpoint add .c --network blue --node h1 --ip 10.1.0.9
bad "endpoint unknown network" 1 "endpoint c9: no such network nope" endpoint add c9 --network nope --node h1 --ip 10.1.0.9
bad "endpoint unknown node" 1 "endpoint c9: no such node h9" endpoint add c9 --network blue --node h9 --ip 10.1.0.9
bad "endpoint address malformed" 1 "endpoint c9: '10\.1\.0\.' is not an IPv4 address" endpoint add c9 --network blue --node h1 --ip 10.1.0.
bad "endpoint address outside subnets" 1 "endpoint c9: address 10\.2\.0\.9 is outside the subnets of network blue \(10\.1\.0\.0/24\)" \
	endpoint add c9 --network blue --node h1 --ip 10.2.0.9
bad "endpoint address taken" 1 "endpoint c9: address 10\.1\.0\.2 is already used by endpoint c1 in network blue" \
	endpoint add c9 --network blue --node h1 --ip 10.1.0.2
bad "endpoint address is the network address" 1 "endpoint c9: address 10\.1\.0\.0 is the network address of 10\.1\.0\.0/24" \
	endpoint add c9 --network blue --node h1 --ip 10.1.0.0
bad "endpoint address is the broadcast address" 1 "endpoint c9: address 10\.1\.0\.255 is the broadcast address of 10\.1\.0\.0/24" \
	endpoint add c9 --network blue --node h1 --ip 10.1.0.255
bad "endpoint address is the gateway" 1 "endpoint c9: address 10\.2\.0\.254 is the gateway of 10\.2\.0\.0/24 in network red" \
	endpoint add c9 --network red --node h1 --ip 10.2.0.254
bad "endpoint MAC malformed" 1 "endpoint c9: '02:00:00:00:00' is not a MAC address" \
	endpoint add c9 --network blue --node h1 --ip 10.1.0.9 --mac 02:00:00:00:00
bad "endpoint MAC multicast" 1 "endpoint c9: MAC 03:00:00:00:00:01 has the multicast bit set" \
	endpoint add c9 --network blue --node h1 --ip 10.1.0.9 --mac 03:00:00:00:00:01
bad "endpoint MAC taken in the network" 1 "endpoint c9: MAC 02:42:0a:01:00:02 is already used by endpoint c1 in network blue" \
	endpoint add c9 --network blue --node h1 --ip 10.1.0.9 --mac 02:42:0a:01:00:02
bad "endpoint rm unknown" 1 "no such endpoint c9" endpoint rm c9
bad "endpoint ls unknown network" 1 "no such network nope" endpoint ls --network nope

# --- usage errors: exit 2 ------------------------------------------------
bad "node add missing ADDRESS" 2 "node add: missing arguments" node add h3
bad "node add extra argument" 2 "node add: too many arguments" node add h3 198.18.0.3 x
bad "network create without --subnet" 2 "network create: --subnet is required" network create n1
bad "network create more gateways than subnets" 2 "network create: 2 --gateway for 1 --subnet" \
	network create n1 --subnet 10.9.0.0/24 --gateway 10.9.0.1 --gateway 10.9.0.2
bad "network create unknown option" 2 "network create: unknown option '--foo'" network create n1 --subnet 10.9.0.0/24 --foo
bad "network create option without value" 2 "network create: option '--subnet' needs a value" network create n1 --subnet
bad "network create --no-egress takes no value" 2 "network create: option '--no-egress' takes no value" \
	network create n1 --subnet 10.9.0.0/24 --no-egress=no
bad "endpoint add without --network" 2 "endpoint add: --network is required" endpoint add c9 --node h1 --ip 10.1.0.9
bad "unknown verb" 2 "node: unknown verb 'frob'" node frob

# --- a hand-edited state file is reported, not used ----------------------
cp "$ST" "$TMP/good.json"
# A missing comma on line 5 (after "name": "h1").
sed -i '5s/"h1",/"h1"/' "$ST"
bad "malformed JSON gives file:line:column" 1 "^vxnet: $ST:6:[0-9]+: malformed JSON: " node ls
bad "malformed JSON refuses writes" 1 "^vxnet: $ST:6:[0-9]+: malformed JSON: " node add h3 198.18.0.3
printf '{"version": 1, "nodes": [], "colour": "blue"}\n' >"$ST"
bad "unknown top-level key" 1 "$ST: top level: unknown key 'colour'" node ls
printf '{"version": 1, "nodes": [{"name": "h1", "address": 7}]}\n' >"$ST"
bad "wrong type" 1 "$ST: nodes\[0\]: 'address' must be a string, not an integer" node ls
printf '{"version": 2}\n' >"$ST"
bad "unsupported version" 1 "$ST: top level: unsupported version 2" node ls
printf '{"version": 1, "nodes": [{"name": "h1", "address": "198.18.0.1"}],
 "networks": [{"name": "blue", "vni": 4096, "subnets": [{"subnet": "10.1.0.0/24", "gateway": "10.1.0.1"}]}],
 "endpoints": [{"name": "c1", "network": "nope", "node": "h1", "ip": "10.1.0.2", "mac": "02:42:0a:01:00:02"}]}\n' >"$ST"
bad "dangling reference in the file" 1 "$ST: endpoint c1: no such network nope" endpoint ls
bad "dangling reference refuses writes" 1 "$ST: endpoint c1: no such network nope" node add h3 198.18.0.3
printf '{"version": 1, "networks": [{"name": "blue", "vni": 4096, "subnets": [{"subnet": "10.1.0.5/24", "gateway": "10.1.0.1"}]}]}\n' >"$ST"
bad "host bits in the file" 1 "$ST: networks\[0\]\.subnets\[0\]: subnet 10\.1\.0\.5/24 has host bits set; did you mean 10\.1\.0\.0/24" network ls
printf '{"version": 1, "networks": [{"name": "blue", "vni": 4096, "egress": "no", "subnets": [{"subnet": "10.1.0.0/24", "gateway": "10.1.0.1"}]}]}\n' >"$ST"
bad "egress not a boolean" 1 "$ST: networks\[0\]: 'egress' must be true or false, not a string" network ls
printf '{"version": 1, "nodes": [{"name": "h1", "address": "198.18.0.1"}], "networks": [{"name": "blue", "vni": 4096, "egress": true, "subnets": [{"subnet": "10.1.0.0/24", "gateway": "10.1.0.1"}]}]}\n' >"$ST"
out_is "\"egress\": true reads as on" "on" sh -c "'$VXNET' --state '$ST' network ls | awk 'NR == 2 { print \$4 }'"
vx node add h9 198.18.0.9 >/dev/null
check "a write leaves \"egress\": true out (absent is on)" test "$(grep -c egress "$ST")" = 0
# A state of 3000 endpoints over 2 networks and 3 nodes (eI in blue 10.1.x.y
# for even I, in red 10.2.x.y for odd I; the same MACs in both networks),
# changed by "I FIELD VALUE" edits: each problem is found and named as in a
# small state.
big_state() { # big_state FILE [EDIT...]
	local file=$1; shift
	awk -v edits="$*" 'BEGIN {
		q = "\""; n = split(edits, w, " ")
		for (k = 1; k + 2 <= n; k += 3) set[w[k] " " w[k + 1]] = w[k + 2]
		printf "{%sversion%s: 1, %snodes%s: [", q, q, q, q
		for (k = 0; k < 3; k++)
			printf "%s{%sname%s: %sh%d%s, %saddress%s: %s198.18.0.%d%s}", k ? "," : "", q, q, q, k, q, q, q, q, k + 1, q
		printf "], %snetworks%s: [", q, q
		printf "{%sname%s: %sred%s, %svni%s: 2, %ssubnets%s: [{%ssubnet%s: %s10.2.0.0/16%s, %sgateway%s: %s10.2.0.1%s}]},", q, q, q, q, q, q, q, q, q, q, q, q, q, q, q, q
		printf "{%sname%s: %sblue%s, %svni%s: 1, %ssubnets%s: [{%ssubnet%s: %s10.1.0.0/16%s, %sgateway%s: %s10.1.0.1%s}]}", q, q, q, q, q, q, q, q, q, q, q, q, q, q, q, q
		printf "], %sendpoints%s: [", q, q
		for (i = 0; i < 3000; i++) {
			a = 2 + int(i / 2)
			f["name"] = "e" i; f["network"] = i % 2 ? "red" : "blue"; f["node"] = "h" i % 3
			f["ip"] = (i % 2 ? "10.2." : "10.1.") int(a / 256) "." a % 256
			f["mac"] = sprintf("02:42:0a:00:%02x:%02x", int(a / 256), a % 256)
			for (k in f) if ((i " " k) in set) f[k] = set[i " " k]
			printf "%s\n{", i ? "," : ""
			printf "%sname%s: %s%s%s, %snetwork%s: %s%s%s, ", q, q, q, f["name"], q, q, q, q, f["network"], q
			printf "%snode%s: %s%s%s, %sip%s: %s%s%s, ", q, q, q, f["node"], q, q, q, q, f["ip"], q
			printf "%smac%s: %s%s%s}", q, q, q, f["mac"], q
		}
		print "]}"
	}' >"$file"
}
big_state "$ST"
n=$(vx endpoint ls | tail -n +2 | wc -l)
if [ "$n" = 3000 ]; then ok "3000 endpoints read and validated"; else fail "3000 endpoints: endpoint ls shows $n"; fi
big_state "$ST" 2001 name e7 2999 name e12
bad "duplicate names: the first in name order is named" 1 "$ST: endpoint e12 already exists" endpoint ls
big_state "$ST" 2999 ip 10.2.0.2 2000 ip 10.1.0.9
bad "duplicate addresses: the first by network and address is named" 1 \
	"$ST: endpoint e2000: address 10\.1\.0\.9 is already used by endpoint e14 in network blue" endpoint ls
big_state "$ST" 2998 mac 02:42:0a:00:00:05
bad "duplicate MAC in a network" 1 \
	"$ST: endpoint e2998: MAC 02:42:0a:00:00:05 is already used by endpoint e6 in network blue" endpoint ls
big_state "$ST" 1234 node h9
bad "unknown node in a large state" 1 "$ST: endpoint e1234: no such node h9" endpoint ls
big_state "$ST" 2500 mac 02:42
bad "bad value: the record is located" 1 "$ST: endpoints\[2500\]: 'mac' is not a MAC address: '02:42'" endpoint ls
cp "$TMP/good.json" "$ST"

# --- removal ---------------------------------------------------------------
out_is "endpoint rm c3" c3 vx endpoint rm c3
out_is "network rm red" red vx network rm red
out_is "node rm h2 removes its endpoint" "h2 (1 endpoint removed)" vx node rm h2
out_is "node rm h1 removes its endpoints" "h1 (2 endpoints removed)" vx node rm h1
out_is "endpoint ls is empty" "NAME  NETWORK  NODE  IP  MAC  HOST_IFNAME" vx endpoint ls
out_is "network rm blue once empty" blue vx network rm blue
out_is "VNI 4096 is free again" n2 vx network create n2 --subnet 10.5.0.0/24
check "n2 got VNI 4096" grep -q '"vni": 4096' "$ST"

# --- concurrent writers --------------------------------------------------
for i in $(seq 1 20); do
	vx node add "p$i" "198.19.0.$i" >/dev/null 2>"$TMP/par$i.err" &
done
wait
n=$(vx node ls | tail -n +2 | grep -c '^p')
if [ "$n" = 20 ]; then ok "20 parallel node add all land"; else fail "20 parallel node add: $n landed: $(cat "$TMP"/par*.err | head -3)"; fi
check "no temp files left behind" bash -c "! ls '$TMP/state' | grep -q tmp"

finish
