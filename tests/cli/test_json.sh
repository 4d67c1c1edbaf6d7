#!/bin/bash
# -j of node ls, network ls and endpoint ls against a state file in a
# per-run temp dir: one JSON document each that jq parses, with the field
# names README's CLI reference lists, holding the facts of the table (row
# by row); and the observability verbs' bad input without a datapath: one
# line, the exit code, the state untouched.
source "$(dirname "$0")/../lib.sh"
trap 'rm -rf "$TMP"' EXIT

ST=$TMP/state/state.json
vx() { "$VXNET" --state "$ST" --pin-dir "$TMP/pins" "$@"; }

vx node add h1 198.18.0.1 >/dev/null && vx node add h2 198.18.0.2 >/dev/null &&
vx network create blue --subnet 10.1.0.0/24 --mtu 1400 >/dev/null &&
vx network create red --subnet 10.2.0.0/24 --subnet 10.3.0.0/24 --gateway 10.2.0.254 --no-egress --label tier=db >/dev/null &&
vx endpoint add e1 --network blue --node h1 --publish 8080:80 --publish 53/udp >/dev/null &&
vx endpoint add e2 --network red --node h2 --ip 10.3.0.9 --mac 02:00:00:00:00:09 >/dev/null &&
vx endpoint add e3 --network blue --node h2 >/dev/null || { fail "json: build the state"; exit 1; }

# json_is NAME JQ CMD...: CMD prints one line of JSON for which JQ is true
json_is() {
	local name=$1 q=$2; shift 2
	if ! "$@" >"$TMP/j" 2>"$TMP/err"; then fail "$name: '$*' failed: $(head -1 "$TMP/err")"; return; fi
	if [ "$(wc -l <"$TMP/j")" != 1 ]; then fail "$name: not one line: $(head -c 200 "$TMP/j")"; return; fi
	if jq -e "$q" "$TMP/j" >/dev/null 2>&1; then ok "$name"; else fail "$name: $(head -c 300 "$TMP/j")"; fi
}

# table_vs_json NAME TABLE JSON: the same lines
same() {
	if [ "$2" = "$3" ]; then ok "$1"; else fail "$1: table '$(tr '\n' '|' <<<"$2")' json '$(tr '\n' '|' <<<"$3")'"; fi
}

json_is "node ls -j: fields" \
	'. == [{"name":"h1","address":"198.18.0.1","endpoints":1},{"name":"h2","address":"198.18.0.2","endpoints":2}]' \
	vx node ls -j
same "node ls -j: the table's rows" "$(vx node ls | tail -n +2 | awk '{ print $1, $2, $3 }')" \
	"$(vx node ls --json | jq -r '.[] | "\(.name) \(.address) \(.endpoints)"')"

json_is "network ls -j: fields" '(.[1] | del(.id, .created)) == {"name":"red","vni":4097,"mtu":null,"egress":false,
	"subnets":[{"subnet":"10.2.0.0/24","gateway":"10.2.0.254"},{"subnet":"10.3.0.0/24","gateway":"10.3.0.1"}],
	"labels":{"tier":"db"},"options":{},"endpoints":1} and .[0].mtu == 1400 and .[0].egress == true and
	(.[1].id | test("^[0-9a-f]{64}$")) and .[0].id != .[1].id and
	(.[1].created | test("^20[0-9][0-9]-[01][0-9]-[0-3][0-9]T[0-9:]{8}\\.[0-9]{9}Z$"))' vx network ls -j
same "network ls -j: the table's rows" "$(vx network ls | tail -n +2 | awk '{ print $1, $2, $3, $4, $5, $6, $7 }')" \
	"$(vx network ls -j | jq -r '.[] | [.name, .vni, (.mtu // "auto"), (if .egress then "on" else "off" end),
		([.subnets[].subnet] | join(",")), ([.subnets[].gateway] | join(",")), .endpoints] | join(" ")')"

json_is "endpoint ls -j: fields" '.[0] == {"name":"e1","network":"blue","node":"h1","ip":"10.1.0.2",
	"mac":"02:42:0a:01:00:02","host_ifname":null,"container_id":null,"publish":["8080:80/tcp","53:53/udp"]}
	and .[1].mac == "02:00:00:00:00:09" and .[1].publish == [] and length == 3' vx endpoint ls -j
same "endpoint ls -j: the table's rows" "$(vx endpoint ls | tail -n +2 | awk '{ print $1, $2, $3, $4, $5, $6, $7 }')" \
	"$(vx endpoint ls -j | jq -r '.[] | [.name, .network, .node, .ip, .mac, (.host_ifname // "-"),
		(if .publish == [] then "-" else (.publish | join(",")) end)] | join(" ")')"
json_is "endpoint ls -j --network red: only red's" '. | length == 1 and .[0].name == "e2"' vx endpoint ls -j --network red
vx endpoint rm e2 >/dev/null
json_is "endpoint ls -j --network red, none left: []" '. == []' vx endpoint ls -j --network red

# Bad input: one line, the exit code, the state unchanged.
cp "$ST" "$TMP/before"
bad() { # bad NAME RC REGEX ARGS...
	local name=$1 want=$2 re=$3 rc; shift 3
	expect_err "$name" "$re" vx "$@"
	vx "$@" >/dev/null 2>&1; rc=$?
	[ "$rc" = "$want" ] || fail "$name: exit $rc, expected $want"
	cmp -s "$ST" "$TMP/before" || fail "$name: state file changed"
}
bad "map dump of no map: exit 2" 2 "^vxnet: map dump: no map 'frob'; one of nodes, networks, " map dump frob
bad "map dump without a name: exit 2" 2 "^vxnet: map dump: missing arguments: NAME" map dump
bad "map dump with vxnet down" 1 "^vxnet: map dump: nothing pinned at $TMP/pins/endpoints; run vxnet up first" map dump endpoints
bad "agent --metrics-listen without a port: exit 2" 2 "^vxnet: agent: --metrics-listen '10.0.0.1' is not ADDR:PORT" agent --metrics-listen 10.0.0.1
bad "agent --metrics-listen port 0: exit 2" 2 "^vxnet: agent: --metrics-listen '10.0.0.1:0' is not ADDR:PORT" agent --metrics-listen 10.0.0.1:0
bad "agent --metrics-listen a name: exit 2" 2 "^vxnet: agent: --metrics-listen 'localhost:9100' is not ADDR:PORT" agent --metrics-listen localhost:9100
bad "metrics with vxnet down" 1 "^vxnet: vxnet is not up on this host" metrics
bad "stats --endpoint with vxnet down" 1 "^vxnet: vxnet is not up on this host" stats --endpoint e1
bad "endpoint ls -s with vxnet down" 1 "^vxnet: vxnet is not up on this host" endpoint ls -s
bad "node ls -x: exit 2" 2 "^vxnet: node ls: unknown option '-x'" node ls -x
finish
