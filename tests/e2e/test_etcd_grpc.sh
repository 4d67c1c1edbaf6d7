#!/bin/bash
# End-to-end: the etcd store's list over etcd's native gRPC API. etcd runs
# with its JSON gateway switched off (--enable-grpc-gateway=false), so what
# vxnet reads can only have come through gRPC (HTTP/2 h2c): the CLI's read,
# the agent's list into its maps, and the validation of every record read
# that way (a hostile record refused by the CLI with one line naming its
# key, left out by the agent), and a member whose answer is not a
# RangeResponse vxnet can use (tests/e2e/grpc_answer.py): one line saying so.
#
#   h1 (vxnet up, agent) eth0 198.18.1.2 -- r1 198.18.1.1 [r: etcd :2379]
source "$(dirname "$0")/../lib.sh"
command -v etcd >/dev/null || { fail "etcd-grpc: etcd-server is not installed (make deps)"; exit 1; }
H1=${P}h1 R=${P}r PIN1=/sys/fs/bpf/${P}h1
URL=etcd://198.18.1.1:2379
ETCD_PID= A1= BAD_PID=
vx1() { "$VXNET" --store "$URL" --store-allow-plain --pin-dir "$PIN1" -n "$H1" "$@"; }
etcdctl_() { ip netns exec "$R" etcdctl --endpoints 198.18.1.1:2379 "$@"; }
etcd_start() { # etcd_start [ARGS]: one member; ip execs etcd, so $! is etcd
	ip netns exec "$R" etcd --name e1 --data-dir "$TMP/etcd" \
		--listen-client-urls http://198.18.1.1:2379 --advertise-client-urls http://198.18.1.1:2379 \
		--listen-peer-urls http://127.0.0.1:2380 --initial-advertise-peer-urls http://127.0.0.1:2380 \
		--initial-cluster e1=http://127.0.0.1:2380 --initial-cluster-token "$P" "$@" >>"$TMP/etcd.log" 2>&1 &
	ETCD_PID=$!
	wait_for 10 etcdctl_ endpoint health
}
etcd_stop() { [ -n "$ETCD_PID" ] && kill -TERM "$ETCD_PID" 2>/dev/null; wait "$ETCD_PID" 2>/dev/null; ETCD_PID=; }
cleanup() {
	stop_pid 2 "$A1"
	[ -n "$BAD_PID" ] && kill -KILL "$BAD_PID" 2>/dev/null
	[ -n "$ETCD_PID" ] && kill -KILL "$ETCD_PID" 2>/dev/null
	wait 2>/dev/null
	[ -e "$PIN1" ] && vx1 down >/dev/null 2>&1
	rm -rf "$PIN1"
	cleanup_netns
	rm -rf "$TMP"
}
trap cleanup EXIT

mkns "$R" && mkns "$H1" || exit 1
ip link add r1 netns "$R" type veth peer name eth0 netns "$H1"
ip -n "$R" addr add 198.18.1.1/24 dev r1 && ip -n "$R" link set r1 up
ip -n "$H1" addr add 198.18.1.2/24 dev eth0 && ip -n "$H1" link set eth0 up

# The state, written through the gateway as usual; then the gateway goes.
etcd_start || { fail "etcd-grpc: etcd did not start: $(tail -3 "$TMP/etcd.log")"; exit 1; }
vx1 node add h1 198.18.1.2 >/dev/null && vx1 node add h2 198.18.2.2 >/dev/null &&
	vx1 network create blue --subnet 10.1.0.0/24 >/dev/null &&
	vx1 endpoint add e1 --network blue --node h2 --ip 10.1.0.11 >/dev/null &&
	vx1 endpoint add e2 --network blue --node h2 --ip 10.1.0.12 >/dev/null &&
	vx1 up --node h1 --dev eth0 --decap tc >/dev/null || { fail "etcd-grpc: setting up the state failed"; exit 1; }
etcd_stop
etcd_start --enable-grpc-gateway=false || { fail "etcd-grpc: etcd without gateway did not start"; exit 1; }
check_not "etcd-grpc: the JSON gateway is off" ip netns exec "$R" curl -sf -X POST http://198.18.1.1:2379/v3/kv/range -d '{"key":"L3Z4bmV0L3Jldg=="}'

vx1 node ls >"$TMP/ls" 2>"$TMP/err"
if grep -Eq '^h2 +198\.18\.2\.2 +2$' "$TMP/ls" && [ ! -s "$TMP/err" ]; then ok "etcd-grpc: node ls reads the store over gRPC"
else fail "etcd-grpc: node ls without the gateway: $(tr '\n' '|' <"$TMP/ls") $(tr '\n' '|' <"$TMP/err")"; fi

# A hostile record: refused by the CLI (one line, its key), left out by the agent.
etcdctl_ put /vxnet/endpoints/evil '{"name":"e1","network":"blue","node":"h2","ip":"10.1.0.66","mac":"02:42:0a:01:00:42"}' >/dev/null
expect_err "etcd-grpc: a record whose name is not its key's fails the read, naming the key" \
	"etcd /vxnet/endpoints/evil: record name 'e1' does not match its key" vx1 node ls
etcdctl_ put /vxnet/endpoints/junk '{"name":"junk",' >/dev/null
etcdctl_ put /vxnet/endpoints/e3 '{"name":"e3","network":"blue","node":"h2","ip":"10.1.0.13","mac":"02:42:0a:01:00:0d"}' >/dev/null

vx1 agent >"$TMP/agent.log" 2>&1 &
A1=$!
if wait_for 10 grep -q 'synced at revision .*: 2 nodes, 1 networks, 3 endpoints' "$TMP/agent.log"; then
	ok "etcd-grpc: the agent lists over gRPC: 3 good endpoints, the 2 bad left out"
else fail "etcd-grpc: agent's list: $(tail -5 "$TMP/agent.log" | tr '\n' '|')"; fi
grep -q "etcd /vxnet/endpoints/evil (skipped): record name 'e1' does not match its key" "$TMP/agent.log" &&
	grep -q "etcd /vxnet/endpoints/junk (skipped)" "$TMP/agent.log" &&
	ok "etcd-grpc: the agent names each record it leaves out" ||
	fail "etcd-grpc: agent's lines for the bad records: $(grep -i skipped "$TMP/agent.log" | tr '\n' '|')"
map_has_ip "$PIN1" 10.1.0.11 && map_has_ip "$PIN1" 10.1.0.12 && map_has_ip "$PIN1" 10.1.0.13 &&
	map_lacks_ip "$PIN1" 10.1.0.66 && ok "etcd-grpc: h1's map holds e1, e2, e3 and not evil's address" ||
	fail "etcd-grpc: h1's endpoints map: $(map_dump "$PIN1" endpoints | jq -c '[.[].formatted.value.ip]')"

# A member answering Range with a message vxnet cannot use: one line naming
# the problem (the protobuf is read by protobuf-c, user/lib/etcd_rpc.proto).
vxbad() { "$VXNET" --store etcd://198.18.1.1:2479 --store-allow-plain --pin-dir "$PIN1" -n "$H1" "$@"; }
bad_answer() { # bad_answer NAME REGEX HEX: the member answers HEX
	rm -f "$TMP/bad.log"
	ip netns exec "$R" /usr/bin/python3 "$(dirname "$0")/grpc_answer.py" 198.18.1.1 2479 "$3" >"$TMP/bad.log" 2>&1 &
	BAD_PID=$!
	if wait_for 10 grep -q ready "$TMP/bad.log"; then expect_err "$1" "$2" vxbad node ls
	else fail "$1: grpc_answer.py did not start: $(tr '\n' '|' <"$TMP/bad.log")"; fi
	kill -KILL "$BAD_PID" 2>/dev/null; wait "$BAD_PID" 2>/dev/null; BAD_PID=
}
bad_answer "etcd-grpc: a truncated Range answer is one line" \
	'^vxnet: store etcd://198.18.1.1:2479: etcd at 198.18.1.1:2479 sent a malformed Range answer: not a RangeResponse message$' \
	0a0218ff
bad_answer "etcd-grpc: a negative revision in the header is one line" \
	'sent a malformed Range answer: a negative revision$' 0a0b18ffffffffffffffffff01
bad_answer "etcd-grpc: a kv with a negative mod_revision is one line" \
	'sent a malformed Range answer: a negative revision$' 120e0a017818ffffffffffffffffff01
bad_answer "etcd-grpc: a kv without a key is one line" \
	'sent a malformed Range answer: a key-value without a key$' 12021805
finish
