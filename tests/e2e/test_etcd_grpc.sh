#!/bin/bash
# End-to-end: the etcd store's list and the agent's watch over etcd's
# native gRPC API. etcd runs with its JSON gateway switched off
# (--enable-grpc-gateway=false), so what vxnet reads can only have come
# through gRPC (HTTP/2 h2c): the CLI's read, the agent's list into its maps,
# its watch (puts, deletes, a hostile record left out), and the validation
# of every record read that way (a hostile record refused by the CLI with
# one line naming its key, left out by the agent). A fake member
# (tests/e2e/grpc_answer.py) answers Range with a message vxnet cannot use
# (one line saying so), and the agent's Watch with frames split across
# reads, a compaction, a cancel, an unusable message, an oversized frame
# and bytes that are not gRPC (one line each, the maps kept). A member
# that speaks only HTTP/1.1 (grpc_answer.py --http1, relaying to etcd's
# gateway): the agent lists and watches through the gateway and says so.
#
#   h1 (vxnet up, agent) eth0 198.18.1.2 -- r1 198.18.1.1 [r: etcd :2379]
source "$(dirname "$0")/../lib.sh"
command -v etcd >/dev/null || { fail "etcd-grpc: etcd-server is not installed (make deps)"; exit 1; }
H1=${P}h1 R=${P}r PIN1=/sys/fs/bpf/${P}h1
URL=etcd://198.18.1.1:2379
ETCD_PID= A1= A2= BAD_PID=
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
	stop_pid 2 "$A2"
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
router_port 1 "$H1" || { fail "etcd-grpc: h1's link to the router"; exit 1; }

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
	fail "etcd-grpc: h1's endpoints map: $(map_dump "$PIN1" endpoints | jq -c '[.[].formatted.key.ip.octets]')"

# ---- the agent's watch over gRPC (no gateway: nothing else could carry it) ----
etcdctl_ put /vxnet/endpoints/e4 '{"name":"e4","network":"blue","node":"h2","ip":"10.1.0.14","mac":"02:42:0a:01:00:0e"}' >/dev/null
# (the watch's line for it, not a list's, and no watch failure meanwhile:
# a failed watch would list again and find the put that way)
if wait_for 10 map_has_ip "$PIN1" 10.1.0.14 && grep -Eq '^revision [0-9]+: endpoint e4 put' "$TMP/agent.log" &&
	! grep -q 'keeping the maps' "$TMP/agent.log"; then ok "etcd-grpc: a put reaches h1's map over the gRPC watch"
else fail "etcd-grpc: e4 not in h1's map: $(tail -3 "$TMP/agent.log" | tr '\n' '|')"; fi
watches=$(ip netns exec "$R" curl -s http://198.18.1.1:2379/metrics |
	awk '/^grpc_server_started_total\{grpc_method="Watch",/ { n += $2 } END { print n + 0 }')
grep -q "^store $URL: watching over gRPC (etcdserverpb.Watch/Watch)$" "$TMP/agent.log" && [ "${watches:-0}" -ge 1 ] &&
	ok "etcd-grpc: the agent says it watches over gRPC, and etcd counts $watches Watch call(s)" ||
	fail "etcd-grpc: transport: etcd's Watch calls ${watches:-none}; agent: $(grep watching "$TMP/agent.log" | tr '\n' '|')"
etcdctl_ del /vxnet/endpoints/e2 >/dev/null
if wait_for 10 map_lacks_ip "$PIN1" 10.1.0.12 && grep -Eq '^revision [0-9]+: endpoint e2 deleted' "$TMP/agent.log"; then ok "etcd-grpc: a delete reaches h1's map over the gRPC watch"
else fail "etcd-grpc: e2 still in h1's map: $(tail -3 "$TMP/agent.log" | tr '\n' '|')"; fi
etcdctl_ put /vxnet/endpoints/evil2 '{"name":"e1","network":"blue","node":"h2","ip":"10.1.0.67","mac":"02:42:0a:01:00:43"}' >/dev/null
etcdctl_ put /vxnet/endpoints/e5 '{"name":"e5","network":"blue","node":"h2","ip":"10.1.0.15","mac":"02:42:0a:01:00:0f"}' >/dev/null
if wait_for 10 map_has_ip "$PIN1" 10.1.0.15 && map_lacks_ip "$PIN1" 10.1.0.67 &&
	grep -Eq '^revision [0-9]+: endpoint e5 put' "$TMP/agent.log" &&
	grep -q "etcd /vxnet/endpoints/evil2 (skipped): record name 'e1' does not match its key" "$TMP/agent.log"; then
	ok "etcd-grpc: a hostile record over the gRPC watch is left out, naming its key; the next change goes on"
else fail "etcd-grpc: evil2/e5 over the watch: $(tail -4 "$TMP/agent.log" | tr '\n' '|')"; fi
# etcd restarts under the watch: the agent says so in one line, lists
# again once etcd is back, and a put made then reaches the maps
etcd_stop
if wait_for 5 grep -Eq "warning: agent: watch (on 198.18.1.1:2379 ended|failed): " "$TMP/agent.log"; then
	ok "etcd-grpc: etcd stopped under the gRPC watch: the agent says the watch ended"
else fail "etcd-grpc: etcd stopped, the agent's watch did not notice: $(tail -2 "$TMP/agent.log" | tr '\n' '|')"; fi
n=$(grep -c 'synced at revision' "$TMP/agent.log")
etcd_start --enable-grpc-gateway=false || fail "etcd-grpc: etcd did not restart"
etcdctl_ put /vxnet/endpoints/r1 '{"name":"r1","network":"blue","node":"h2","ip":"10.1.0.31","mac":"02:42:0a:01:00:1f"}' >/dev/null
if wait_for 10 map_has_ip "$PIN1" 10.1.0.31 && [ "$(grep -c 'synced at revision' "$TMP/agent.log")" -gt "$n" ]; then
	ok "etcd-grpc: etcd back: the agent lists again and a put reaches h1's map"
else fail "etcd-grpc: after etcd's restart: $(tail -3 "$TMP/agent.log" | tr '\n' '|')"; fi
etcdctl_ del /vxnet/endpoints/r1 >/dev/null
stop_pid 2 "$A1"; A1=

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
# ---- a fake member's Watch answers (grpc_answer.py RANGE WATCH) ----
# Its Range answer is what etcd answers now (etcdctl's protobuf output is
# the RangeResponse itself): the agent lists e1, e3, e4, e5, then watches.
etcdctl_ get /vxnet/ --prefix -w protobuf >"$TMP/range.pb"
RANGE=$(python3 -c 'import sys; print(open(sys.argv[1], "rb").read().hex())' "$TMP/range.pb")
REV=$(etcdctl_ get /vxnet/rev -w json | jq -r .header.revision)
frames() { local m; for m; do printf '00%08x%s' $((${#m} / 2)) "$m"; done; } # frames MSGHEX...
put_msg() { # put_msg KEY REV JSON: a WatchResponse with one put, in hex
	python3 -c '
import sys
def v(n):
    o = b""
    while True:
        b, n = n & 0x7f, n >> 7
        o += bytes([b | (0x80 if n else 0)])
        if not n:
            return o
f = lambda num, b: bytes([num << 3 | 2]) + v(len(b)) + b
kv = f(1, sys.argv[1].encode()) + b"\x18" + v(int(sys.argv[2])) + f(5, sys.argv[3].encode())
print(f(11, f(2, kv)).hex())' "$@"
}
fake_watch() { # fake_watch WATCH: the fake member up, an agent on it
	rm -f "$TMP/bad.log" "$TMP/agent2.log"
	ip netns exec "$R" /usr/bin/python3 "$(dirname "$0")/grpc_answer.py" 198.18.1.1 2479 "$RANGE" "$1" >"$TMP/bad.log" 2>&1 &
	BAD_PID=$!
	wait_for 10 grep -q ready "$TMP/bad.log" || { echo "grpc_answer.py: $(tr '\n' '|' <"$TMP/bad.log")"; return 1; }
	vxbad agent >"$TMP/agent2.log" 2>&1 &
	A2=$!
	wait_for 10 grep -q 'synced at revision' "$TMP/agent2.log"
}
fake_stop() {
	stop_pid 2 "$A2"; A2=
	kill -KILL "$BAD_PID" 2>/dev/null; wait "$BAD_PID" 2>/dev/null; BAD_PID=
}
bad_watch() { # bad_watch NAME WARNING WATCH: the agent's first warning is WARNING, the maps kept
	local line
	if fake_watch "$3" && wait_for 10 grep -q 'warning' "$TMP/agent2.log"; then
		line=$(grep -m1 warning "$TMP/agent2.log")
		[ "$line" = "vxnet: warning: agent: $2" ] && map_has_ip "$PIN1" 10.1.0.11 && map_has_ip "$PIN1" 10.1.0.15 &&
			ok "$1" || fail "$1: '$line'; maps: $(map_dump "$PIN1" endpoints | jq -c '[.[].formatted.key.ip.octets]')"
	else fail "$1: $(tail -3 "$TMP/agent2.log" | tr '\n' '|')"; fi
	fake_stop
}
E8=$(put_msg /vxnet/endpoints/e8 $((REV + 1)) '{"name":"e8","network":"blue","node":"h2","ip":"10.1.0.18","mac":"02:42:0a:01:00:12"}')
E9=$(put_msg /vxnet/endpoints/e9 $((REV + 2)) '{"name":"e9","network":"blue","node":"h2","ip":"10.1.0.19","mac":"02:42:0a:01:00:13"}')
W=$(frames 1801 "$E8" "$E9") # created, e8, e9: cut inside e8's frame, e9's frame whole after it
CUT=$((10 + 20 + 40))
if fake_watch "${W:0:$CUT},${W:$CUT}" && wait_for 10 map_has_ip "$PIN1" 10.1.0.18 && wait_for 5 map_has_ip "$PIN1" 10.1.0.19 &&
	grep -q "^store etcd://198.18.1.1:2479: watching over gRPC (etcdserverpb.Watch/Watch)$" "$TMP/agent2.log" &&
	! grep -q warning "$TMP/agent2.log"; then
	ok "etcd-grpc: a frame split across reads, and two frames in one read, reach the maps"
else fail "etcd-grpc: split frames: $(tail -3 "$TMP/agent2.log" | tr '\n' '|')"; fi
fake_stop
if fake_watch "$(frames 1801 20012805)" && wait_for 10 grep -q 'resyncing' "$TMP/agent2.log" &&
	wait_for 10 eval '[ "$(grep -c "synced at revision" "$TMP/agent2.log")" -ge 2 ]' &&
	[ "$(grep -m1 warning "$TMP/agent2.log")" = "vxnet: warning: agent: watch revision compacted (oldest kept: 5); resyncing" ] &&
	map_has_ip "$PIN1" 10.1.0.11; then
	ok "etcd-grpc: a compaction under the gRPC watch: one line, the agent lists again, the maps kept"
else fail "etcd-grpc: compaction: $(tail -3 "$TMP/agent2.log" | tr '\n' '|')"; fi
fake_stop
bad_watch "etcd-grpc: a Watch canceled by etcd is one line naming the reason, the maps kept" \
	"watch canceled by etcd: permission denied; keeping the maps, retrying in 200 ms" \
	"$(frames 1801 "20013211$(printf 'permission denied' | od -An -tx1 | tr -d ' \n')")"
bad_watch "etcd-grpc: an unusable Watch message is one line, the maps kept" \
	"watch on 198.18.1.1:2479: etcd sent a malformed watch answer: not a WatchResponse message; keeping the maps, retrying in 200 ms" \
	"$(frames 1801 0a0218ff)"
bad_watch "etcd-grpc: a Watch event without a revision is one line, the maps kept" \
	"watch on 198.18.1.1:2479: etcd sent a malformed watch answer: an event without a revision; keeping the maps, retrying in 200 ms" \
	"$(frames 5a0712050a03782f79)"
bad_watch "etcd-grpc: an oversized Watch frame is one line, the maps kept" \
	"watch on 198.18.1.1:2479: an event longer than 16 MiB; keeping the maps, retrying in 200 ms" \
	"$(frames 1801)007fffffff00000000"
bad_watch "etcd-grpc: bytes that are not gRPC on the Watch stream are one line, the maps kept" \
	"watch on 198.18.1.1:2479: etcd sent bytes that are not a gRPC message; keeping the maps, retrying in 200 ms" \
	"$(printf 'HTTP/1.1 200 OK\r\n\r\n' | od -An -tx1 | tr -d ' \n')"

# ---- a member that speaks only HTTP/1.1: the JSON gateway, for list and watch ----
etcd_stop
etcd_start || { fail "etcd-grpc: etcd with its gateway did not start"; exit 1; }
rm -f "$TMP/bad.log"
ip netns exec "$R" /usr/bin/python3 "$(dirname "$0")/grpc_answer.py" 198.18.1.1 2479 --http1 198.18.1.1:2379 >"$TMP/bad.log" 2>&1 &
BAD_PID=$!
wait_for 10 grep -q ready "$TMP/bad.log" || fail "etcd-grpc: the HTTP/1.1 relay did not start: $(tr '\n' '|' <"$TMP/bad.log")"
vxbad agent --metrics-listen 198.18.1.2:9417 >"$TMP/agent2.log" 2>&1 &
A2=$!
etcdctl_ put /vxnet/endpoints/e6 '{"name":"e6","network":"blue","node":"h2","ip":"10.1.0.16","mac":"02:42:0a:01:00:10"}' >/dev/null
wait_for 10 grep -q 'synced at revision' "$TMP/agent2.log"
etcdctl_ put /vxnet/endpoints/e7 '{"name":"e7","network":"blue","node":"h2","ip":"10.1.0.17","mac":"02:42:0a:01:00:11"}' >/dev/null
if wait_for 10 map_has_ip "$PIN1" 10.1.0.17 &&
	grep -q "^store etcd://198.18.1.1:2479: watching over the JSON gateway (/v3/watch): etcd does not answer gRPC$" "$TMP/agent2.log" &&
	! grep -q warning "$TMP/agent2.log"; then
	ok "etcd-grpc: a member without gRPC: the agent watches through the gateway, says so, and a put reaches its map"
else fail "etcd-grpc: gateway fallback: $(tail -3 "$TMP/agent2.log" | tr '\n' '|')"; fi
transport() { ip netns exec "$R" curl -sf --max-time 5 http://198.18.1.2:9417/metrics >"$TMP/a2.prom" &&
	grep -qxF "vxnet_agent_watch_transport{transport=\"$1\"} 1" "$TMP/a2.prom"; }
if wait_for 5 transport gateway; then ok "etcd-grpc: ... and its /metrics says so: vxnet_agent_watch_transport{transport=\"gateway\"} 1"
else fail "etcd-grpc: the gateway agent's transport metric: $(grep '^vxnet_agent_watch' "$TMP/a2.prom" | tr '\n' '|')"; fi
fake_stop
finish
