#!/bin/bash
# Networks as `docker network` users know them, against a state file in a
# per-run temp dir: an ID and a creation time, labels (--label), options
# (--opt), --internal as Docker's spelling of --no-egress, `network inspect`
# in docker network inspect's shape, `network ls --filter`, `network update`
# of the record (MTU, labels, subnets); older state files without the new
# fields load and are written back as they were. Bad input: one line, the
# exit code, the state file byte-identical. (What update does to running
# containers and the MTU rail: tests/e2e/test_network_update.sh.)
source "$(dirname "$0")/../lib.sh"
trap 'rm -rf "$TMP"' EXIT

ST=$TMP/state/state.json
source "$(dirname "$0")/state_helpers.sh"
# a pin directory of our own: `network update` syncs a host where vxnet is up
vx() { "$VXNET" --state "$ST" --pin-dir "$TMP/pins" "$@"; local rc=$?; echo $rc >"$TMP/rc"; return $rc; }
# j JQ: network ls -j through jq -c
j() { vx network ls -j | jq -c "$1"; }
# in_file NAME JQ: the file's record of network NAME through jq -c
in_file() { jq -c ".networks[] | select(.name == \"$1\") | $2" "$ST"; }

vx node add h1 198.18.0.1 >/dev/null && vx node add h2 198.18.0.2 >/dev/null ||
	{ fail "meta: node add"; exit 1; }

# --- create: ID, created, labels, options, --internal ----------------------
out_is "create web with labels and an option" web vx network create web --subnet 10.1.0.0/24 \
	--label com.example.team=frontend --label tier=web --label empty -o com.docker.network.driver.mtu=1400
out_is "web's record: labels in the order given, the option, the MTU it names" \
	'[{"com.example.team":"frontend","tier":"web","empty":""},{"com.docker.network.driver.mtu":"1400"},1400]' \
	in_file web '[.labels, .options, .mtu]'
check "web's record: a 64-hex id" bash -c "jq -e '.networks[0].id | test(\"^[0-9a-f]{64}\$\")' '$ST'"
check "web's record: created is RFC 3339 UTC, within a minute of now" bash -c \
	"c=\$(jq -r '.networks[0].created' '$ST'); [ \$((\$(date +%s) - \$(date -d \"\$c\" +%s))) -lt 60 ]"
out_is "create db --internal" db vx network create db --subnet 10.2.0.0/24 --internal --label tier=db
out_is "create old --no-egress" old vx network create old --subnet 10.3.0.0/24 --no-egress
out_is "--internal: egress false in the record" false in_file db .egress
out_is "--no-egress: the same field" false in_file old .egress
out_is "create vni77 with the VNI option" vni77 vx network create vni77 --subnet 10.4.0.0/24 \
	--opt com.docker.network.driver.overlay.vxlanid_list=77
out_is "... its VNI is 77" 77 in_file vni77 .vni
check "two networks, two IDs" test "$(jq -r '.networks[].id' "$ST" | sort -u | wc -l)" = 4

# --- inspect: docker network inspect's shape -------------------------------
vx endpoint add w1 --network web --node h1 >/dev/null && vx endpoint add w2 --network web --node h2 --publish 8080:80 >/dev/null
insp() { vx network inspect "$1" | jq -c "$2"; }
out_is "inspect web: one element" 1 insp web length
out_is "inspect web: Name, Scope, Driver, EnableIPv6, Internal" '["web","global","vxnet",false,false]' \
	insp web '.[0] | [.Name, .Scope, .Driver, .EnableIPv6, .Internal]'
out_is "inspect web: Id and Created as the record has them" "$(in_file web '[.id, .created]')" insp web '.[0] | [.Id, .Created]'
out_is "inspect web: IPAM" '{"Driver":"vxnet","Options":{},"Config":[{"Subnet":"10.1.0.0/24","Gateway":"10.1.0.1"}]}' insp web '.[0].IPAM'
out_is "inspect web: Labels and Options" \
	'[{"com.example.team":"frontend","tier":"web","empty":""},{"com.docker.network.driver.mtu":"1400"}]' \
	insp web '.[0] | [.Labels, .Options]'
out_is "inspect web: every endpoint with address/prefix, MAC, node" \
	'[["w1","10.1.0.2/24","02:42:0a:01:00:02","h1"],["w2","10.1.0.3/24","02:42:0a:01:00:03","h2"]]' \
	insp web '[.[0].Containers[] | [.Name, .IPv4Address, .MacAddress, .Node]]'
out_is "inspect web: Peers are the endpoints' nodes" '[{"Name":"h1","IP":"198.18.0.1"},{"Name":"h2","IP":"198.18.0.2"}]' insp web '.[0].Peers'
out_is "inspect web: VNI and MTU" '[4096,1400]' insp web '.[0] | [.VNI, .MTU]'
out_is "inspect db: Internal" true insp db '.[0].Internal'
web_id=$(in_file web .id | tr -d '"')
out_is "inspect by ID" '"web"' insp "$web_id" '.[0].Name'
out_is "inspect by the start of the ID (as docker)" '"web"' insp "${web_id:0:12}" '.[0].Name'

# --- ls --filter ----------------------------------------------------------
out_is "ls --filter label=tier" "NAME  VNI   MTU   EGRESS  SUBNETS      GATEWAYS  ENDPOINTS
web   4096  1400  on      10.1.0.0/24  10.1.0.1  2
db    4097  auto  off     10.2.0.0/24  10.2.0.1  0" vx network ls --filter label=tier
out_is "ls -f label=tier (as docker)" '["web","db"]' bash -c "'$VXNET' --state '$ST' --pin-dir '$TMP/pins' network ls -j -f label=tier | jq -c '[.[].name]'"
out_is "ls --filter label=tier=db" "NAME  VNI   MTU   EGRESS  SUBNETS      GATEWAYS  ENDPOINTS
db    4097  auto  off     10.2.0.0/24  10.2.0.1  0" vx network ls --filter label=tier=db
out_is "ls --filter label=empty= (an empty value)" '["web"]' bash -c "'$VXNET' --state '$ST' --pin-dir '$TMP/pins' network ls -j --filter label=empty= | jq -c '[.[].name]'"
out_is "ls: two label filters, both must hold" '["web"]' \
	bash -c "'$VXNET' --state '$ST' --pin-dir '$TMP/pins' network ls -j -f label=tier -f label=com.example.team=frontend | jq -c '[.[].name]'"
out_is "ls: label filters none matches: the header only" "NAME  VNI  MTU  EGRESS  SUBNETS  GATEWAYS  ENDPOINTS" \
	vx network ls -f label=tier=cache
out_is "ls: name filters, any may hold" '["db","vni77"]' \
	bash -c "'$VXNET' --state '$ST' --pin-dir '$TMP/pins' network ls -j -f name=db -f name=77 | jq -c '[.[].name]'"
out_is "ls: id=PREFIX" '["web"]' \
	bash -c "'$VXNET' --state '$ST' --pin-dir '$TMP/pins' network ls -j -f id=$(in_file web .id | tr -d '"' | cut -c 1-12) | jq -c '[.[].name]'"
# the existing ls -j has the new fields in the table's order of networks
out_is "ls -j: labels and options of every network" \
	'[["web",{"com.example.team":"frontend","tier":"web","empty":""}],["db",{"tier":"db"}],["old",{}],["vni77",{}]]' \
	j '[.[] | [.name, .labels]]'

# --- update: the record ---------------------------------------------------
before=$(in_file web '[.id, .created]')
out_is "update web --mtu 1300 --label tier=front --rm-label empty --add-subnet 10.11.0.0/24" web \
	vx network update web --mtu 1300 --label tier=front --rm-label empty --add-subnet 10.11.0.0/24
out_is "... MTU, labels (a changed one goes last), the MTU option follows" \
	'[1300,{"com.example.team":"frontend","tier":"front"},{"com.docker.network.driver.mtu":"1300"}]' \
	in_file web '[.mtu, .labels, .options]'
out_is "... the new subnet and its default gateway" '[{"subnet":"10.1.0.0/24","gateway":"10.1.0.1"},{"subnet":"10.11.0.0/24","gateway":"10.11.0.1"}]' \
	in_file web .subnets
out_is "... ID and creation time kept" "$before" in_file web '[.id, .created]'
out_is "update web --add-subnet twice with a gateway for the first" web \
	vx network update web --add-subnet 10.12.0.0/24 --gateway 10.12.0.254 --add-subnet 10.13.0.0/24
out_is "... gateways in order" '["10.12.0.254","10.13.0.1"]' in_file web '[.subnets[2:][].gateway]'
check "an endpoint in the new subnet" vx endpoint add w3 --network web --node h1 --ip 10.11.0.5
out_is "update old --label (no option, no MTU option made)" old vx network update old --label a=b --mtu 1400
out_is "... old has no options" null in_file old .options

# --- older state files: no id, created, labels or options -----------------
cat >"$TMP/old.json" <<'EOF'
{
  "version": 1,
  "nodes": [
    {
      "name": "h1",
      "address": "198.18.0.1"
    }
  ],
  "networks": [
    {
      "name": "blue",
      "vni": 4096,
      "mtu": 0,
      "subnets": [
        {
          "subnet": "10.1.0.0/24",
          "gateway": "10.1.0.1"
        }
      ]
    }
  ],
  "endpoints": []
}
EOF
OLD=$TMP/oldst/state.json; mkdir -p "$TMP/oldst"; cp "$TMP/old.json" "$OLD"
vo() { "$VXNET" --state "$OLD" --pin-dir "$TMP/pins" "$@"; }
out_is "an old state file: inspect shows an empty Id and Created" '["",""]' \
	bash -c "'$VXNET' --state '$OLD' --pin-dir '$TMP/pins' network inspect blue | jq -c '.[0] | [.Id, .Created]'"
check "an old state file: node add writes it" vo node add h2 198.18.0.2
check "... the old network's record is byte-identical" \
	bash -c "diff <(jq '.networks' '$TMP/old.json') <(jq '.networks' '$OLD')"
check "... and its text too (indented as before)" \
	bash -c "grep -A12 '\"networks\"' '$TMP/old.json' | diff - <(grep -A12 '\"networks\"' '$OLD')"
check "update of an old network: labels only, no ID made up" vo network update blue --label x=1
out_is "... no id, no created" '[null,null,{"x":"1"}]' jq -c '.networks[0] | [.id, .created, .labels]' "$OLD"
# every field round-trips: a write of something else keeps web's record as it was
cp "$ST" "$TMP/rt"
check "round trip: node add h3" vx node add h3 198.18.0.3
check "... every network record unchanged" bash -c "diff <(jq -c '.networks' '$TMP/rt') <(jq -c '.networks' '$ST')"
vx node rm h3 >/dev/null

# --- bad input: one line, exit code, nothing written ----------------------
long=$(printf 'k%.0s' {1..129})
bad "label with an empty key" 1 "^vxnet: network n1: --label '=x': key is empty$" network create n1 --subnet 10.9.0.0/24 --label =x
bad "label key with a control character" 1 "^vxnet: network n1: --label 'a\\\\x09b=1': key holds a control character$" \
	network create n1 --subnet 10.9.0.0/24 --label "$(printf 'a\tb=1')"
bad "label value with a newline" 1 "^vxnet: network n1: --label 'a=1\\\\x0a2': value holds a control character$" \
	network create n1 --subnet 10.9.0.0/24 --label "$(printf 'a=1\n2')"
bad "label key of 129 bytes" 1 "^vxnet: network n1: --label 'k+=1': key is longer than 128 bytes$" \
	network create n1 --subnet 10.9.0.0/24 --label "$long=1"
bad "labels over 512 bytes" 1 "^vxnet: network n1: --label: the labels take more than 512 bytes$" \
	network create n1 --subnet 10.9.0.0/24 $(for i in 1 2 3 4 5; do echo "--label k$i=$(printf 'v%.0s' {1..120})"; done)
bad "options over 128 bytes" 1 "^vxnet: network n1: --opt: the options take more than 128 bytes$" \
	network create n1 --subnet 10.9.0.0/24 -o com.docker.network.driver.mtu=1400 -o "x=$(printf 'v%.0s' {1..100})"
bad "update: label with an empty key" 1 "^vxnet: network web: --label '=': key is empty$" network update web --label =
bad "an option vxnet does not know" 1 "^vxnet: network n1: option 'encrypted' is not one vxnet knows \(com.docker.network.driver.mtu, com.docker.network.driver.overlay.vxlanid_list\)$" \
	network create n1 --subnet 10.9.0.0/24 --opt encrypted
bad "an unknown option given a value" 1 "^vxnet: network n1: option 'foo' is not one vxnet knows" \
	network create n1 --subnet 10.9.0.0/24 -o foo=bar
bad "the MTU option with a sign" 1 "^vxnet: network n1: --opt com.docker.network.driver.mtu=\+1400: must be 68..65485$" \
	network create n1 --subnet 10.9.0.0/24 --opt com.docker.network.driver.mtu=+1400
bad "the MTU option not a number" 1 "^vxnet: network n1: --opt com.docker.network.driver.mtu=big: must be 68..65485$" \
	network create n1 --subnet 10.9.0.0/24 --opt com.docker.network.driver.mtu=big
bad "the MTU option against --mtu" 1 "^vxnet: network n1: --opt com.docker.network.driver.mtu=1400: must be 68..65485 and the same as --mtu$" \
	network create n1 --subnet 10.9.0.0/24 --mtu 1300 --opt com.docker.network.driver.mtu=1400
bad "the VNI option taken" 1 "^vxnet: network n1: VNI 77 is already used by network vni77$" \
	network create n1 --subnet 10.9.0.0/24 --opt com.docker.network.driver.overlay.vxlanid_list=77
bad "inspect by an ID prefix of no network" 1 "^vxnet: no such network 0123456789abcdef0$" network inspect 0123456789abcdef0
# two IDs starting alike: a record of a second network with web's ID but its last digit
cp "$ST" "$TMP/save"
jq --arg id "${web_id:0:63}$([ "${web_id:63}" = 0 ] && echo 1 || echo 0)" '.networks[1].id = $id' "$TMP/save" >"$ST"
bad "inspect by an ambiguous ID prefix" 1 "^vxnet: network ID prefix ${web_id:0:20} is ambiguous: networks web and db; give more of it$" \
	network inspect "${web_id:0:20}"
cp "$TMP/save" "$ST"
bad "ls: an unknown filter: exit 2" 2 "^vxnet: network ls: --filter 'driver=vxnet': expected label=KEY, label=KEY=VALUE, name=TEXT or id=PREFIX$" \
	network ls --filter driver=vxnet
bad "ls: label= without a key: exit 2" 2 "^vxnet: network ls: --filter 'label=': expected" network ls -f label=
bad "update with nothing to change: exit 2" 2 "^vxnet: network update web: nothing to change; give --mtu, --label, --rm-label or --add-subnet$" \
	network update web
bad "update of no network" 1 "^vxnet: no such network nope$" network update nope --mtu 1400
bad "update --rm-label of no label" 1 "^vxnet: network web: --rm-label nope: no such label$" network update web --rm-label nope
bad "update --mtu 0" 1 "^vxnet: network web: MTU 0 is outside 68..65485$" network update web --mtu 0
bad "update --mtu too large" 1 "^vxnet: network web: --mtu must be|MTU 65486 is outside 68..65485" network update web --mtu 65486
bad "update --add-subnet overlapping" 1 "^vxnet: network web: subnet 10.1.0.0/16 overlaps subnet 10.1.0.0/24$" \
	network update web --add-subnet 10.1.0.0/16
bad "update --add-subnet with host bits" 1 "10.20.0.5/24 has host bits set; did you mean 10.20.0.0/24" \
	network update web --add-subnet 10.20.0.5/24
bad "update --gateway outside the new subnet" 1 "^vxnet: network web: gateway 10.9.9.9 is outside subnet 10.20.0.0/24$" \
	network update web --add-subnet 10.20.0.0/24 --gateway 10.9.9.9
bad "update: more --gateway than --add-subnet: exit 2" 2 "^vxnet: network update: 1 --gateway for 0 --add-subnet" \
	network update web --gateway 10.9.9.9 --mtu 1400
bad "update: past 16 subnets" 1 "^vxnet: network web: 4 subnets and 13 --add-subnet: at most 16$" \
	network update web $(for i in $(seq 30 42); do echo "--add-subnet 10.$i.0.0/24"; done)

# a state file with bad new fields: one line naming the file and the field
badfile() { # badfile NAME REGEX JSON-NETWORK
	printf '{"version": 1, "networks": [%s]}\n' "$3" >"$TMP/b.json"
	expect_err "$1" "$2" "$VXNET" --state "$TMP/b.json" --pin-dir "$TMP/pins" network ls
}
net='"name": "b", "vni": 5, "subnets": [{"subnet": "10.1.0.0/24", "gateway": "10.1.0.1"}]'
badfile "file: id not hex" "^vxnet: $TMP/b.json: network b: ID 'xyz' is not 64 lowercase hex digits$" "{$net, \"id\": \"xyz\"}"
badfile "file: created not RFC 3339" "^vxnet: $TMP/b.json: network b: created 'yesterday' is not an RFC 3339 time$" "{$net, \"created\": \"yesterday\"}"
badfile "file: labels not an object" "^vxnet: $TMP/b.json: networks\[0\]: 'labels' must be an object, not an array$" "{$net, \"labels\": []}"
badfile "file: a label not a string" "^vxnet: $TMP/b.json: networks\[0\]: labels 'a' must be a string, not an integer$" "{$net, \"labels\": {\"a\": 1}}"
badfile "file: a label key with '='" "^vxnet: $TMP/b.json: networks\[0\]: labels key 'a=b' holds '='$" "{$net, \"labels\": {\"a=b\": \"1\"}}"
badfile "file: an unknown option" "^vxnet: $TMP/b.json: network b: option 'x' is not one vxnet knows" "{$net, \"options\": {\"x\": \"1\"}}"
badfile "file: the MTU option against mtu" "^vxnet: $TMP/b.json: network b: option com.docker.network.driver.mtu=1400: must be the network's MTU \(0\)" \
	"{$net, \"options\": {\"com.docker.network.driver.mtu\": \"1400\"}}"
id=$(in_file web .id | tr -d '"')
badfile "file: two networks, one ID" "^vxnet: $TMP/b.json: network c: ID $id is already network b's$" \
	"{$net, \"id\": \"$id\"}, {\"name\": \"c\", \"vni\": 6, \"id\": \"$id\", \"subnets\": [{\"subnet\": \"10.2.0.0/24\", \"gateway\": \"10.2.0.1\"}]}"
finish
