#!/bin/bash
# End-to-end: observability (issue 14). A real Prometheus server scrapes
# h1's agent (--metrics-listen) and its HTTP API returns the drop counter
# this test caused, with its labels; `vxnet metrics` and /metrics pass
# `promtool check metrics`; -j of status, stats and endpoint ls -s hold the
# facts of their tables; stats --endpoint and map dump name things.
#
#   c1 10.1.0.2   c3 10.1.0.4                       c2 10.1.0.3
#        |            |                                  |
#   +----------- h1 ----------+   +------ r ------+   +--- h2 ---+
#   | agent --metrics-listen  |   | prometheus    |   |          |
#   |   198.18.1.2:$MPORT     |---| 198.18.1.1:9090|--|198.18.2.2|
#   +-------------------------+   +---------------+   +----------+
#
# Prometheus (Debian's prometheus) runs in r on the router's address, its
# storage in $TMP, scraping every second.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/topo.sh"
A1= A2= PROM= ETCD=
MPORT=9417 PROMADDR=198.18.1.1:9090
cleanup() {
	stop_pid 5 "$A1"
	stop_pid 5 "$A2"
	stop_pid 5 "$PROM"
	stop_pid 5 "$ETCD"
	topo_cleanup
}
trap cleanup EXIT

for b in prometheus promtool jq curl etcd etcdctl; do
	command -v $b >/dev/null || { fail "metrics: $b is not installed (make deps)"; exit 1; }
done
topo_build || { fail "metrics: build topology"; exit 1; }
topo_vxnet tc || { fail "metrics: vxnet up and attach"; exit 1; }
EP1=h1-${P}c1-blue

# --- vxnet metrics: the exposition format, for the textfile collector ---
if vx1 metrics >"$TMP/m.prom" 2>"$TMP/err" && [ ! -s "$TMP/err" ]; then ok "metrics: vxnet metrics runs"
else fail "metrics: vxnet metrics: $(head -2 "$TMP/err")"; fi
if promtool check metrics <"$TMP/m.prom" >"$TMP/lint" 2>&1; then ok "metrics: vxnet metrics passes promtool check metrics"
else fail "metrics: promtool check metrics: $(head -5 "$TMP/lint" | tr '\n' '|')"; fi
for fam in vxnet_datapath_packets_total vxnet_datapath_bytes_total vxnet_datapath_drops_total \
	vxnet_datapath_dropped_bytes_total vxnet_endpoint_sent_packets_total vxnet_endpoint_received_bytes_total \
	vxnet_network_sent_packets_total vxnet_map_entries vxnet_map_max_entries vxnet_node_info \
	vxnet_monitor_listening vxnet_monitor_events_lost_total; do
	if grep -q "^# HELP $fam " "$TMP/m.prom" && grep -q "^# TYPE $fam " "$TMP/m.prom"; then ok "metrics: $fam has HELP and TYPE"
	else fail "metrics: $fam: no HELP or TYPE"; fi
done
if grep -qx "vxnet_map_max_entries{map=\"endpoints\"} 131072" "$TMP/m.prom" &&
   grep -qE '^vxnet_map_entries\{map="endpoints"\} [1-9]' "$TMP/m.prom"; then
	ok "metrics: endpoints map fill and capacity"
else
	fail "metrics: endpoints map: $(grep 'map="endpoints"' "$TMP/m.prom" | tr '\n' '|')"
fi

# --- the agent serves /metrics; Prometheus scrapes it ---
"$VXNET" --state "$STATE" --pin-dir "$PIN1" -n "$H1" agent --metrics-listen 198.18.1.2:$MPORT \
	>"$TMP/agent1.log" 2>&1 & A1=$!
if wait_for 10 grep -q '^synced at revision' "$TMP/agent1.log"; then ok "metrics: agent on h1 synced"
else fail "metrics: agent did not sync: $(tails 3 "$TMP/agent1.log")"; fi
scrape() { in_ns "$R" curl -sf --max-time 5 "http://198.18.1.2:$MPORT/metrics"; }
if wait_for 10 scrape && scrape >"$TMP/a.prom"; then ok "metrics: agent answers GET /metrics"
else fail "metrics: GET /metrics: $(waited)"; fi
if promtool check metrics <"$TMP/a.prom" >"$TMP/lint" 2>&1; then ok "metrics: /metrics passes promtool check metrics"
else fail "metrics: /metrics promtool: $(head -5 "$TMP/lint" | tr '\n' '|')"; fi
if grep -qE '^vxnet_agent_full_syncs_total\{cause="start"\} 1$' "$TMP/a.prom" &&
   grep -qE '^vxnet_agent_full_sync_duration_seconds_count 1$' "$TMP/a.prom" &&
   grep -qE '^vxnet_agent_store_revision [1-9]' "$TMP/a.prom" &&
   grep -qE '^vxnet_agent_seconds_since_last_sync [0-9]' "$TMP/a.prom"; then
	ok "metrics: agent families (one full sync at start, revision, time since it)"
else
	fail "metrics: agent families: $(grep '^vxnet_agent' "$TMP/a.prom" | head -8 | tr '\n' '|')"
fi
has1() { scrape >"$TMP/a1.prom" && grep -qxF "$1" "$TMP/a1.prom"; }
if wait_for 10 has1 'vxnet_agent_watch_transport{transport="inotify"} 1'; then
	ok "metrics: h1's agent follows the state file over inotify (vxnet_agent_watch_transport)"
else fail "metrics: h1's watch transport: $(grep '^vxnet_agent_watch' "$TMP/a1.prom" | tr '\n' '|')"; fi
code=$(in_ns "$R" curl -s -o /dev/null -w '%{http_code}' "http://198.18.1.2:$MPORT/nope")
[ "$code" = 404 ] && ok "metrics: another path is 404" || fail "metrics: /nope answered $code"

mkdir -p "$TMP/prom"
cat >"$TMP/prom.yml" <<EOF
global:
  scrape_interval: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: vxnet
    static_configs:
      - targets: ['198.18.1.2:$MPORT']
EOF
# ip netns exec execs prometheus: $! is the server
ip netns exec "$R" prometheus --config.file="$TMP/prom.yml" --storage.tsdb.path="$TMP/prom" \
	--web.listen-address=$PROMADDR >"$TMP/prom.log" 2>&1 & PROM=$!
# query PROMQL: the result vector of an instant query, as JSON
query() { in_ns "$R" curl -sf --max-time 5 -G "http://$PROMADDR/api/v1/query" --data-urlencode "query=$1" | jq -ce '.data.result'; }
target_up() { [ "$(query 'up{job="vxnet"}' | jq -r '.[0].value[1]')" = 1 ]; }
if wait_for 30 target_up; then ok "metrics: prometheus scrapes the agent (up == 1)"
else fail "metrics: prometheus target not up: $(waited) $(tails 3 "$TMP/prom.log")"; fi

# The drop: c1 pings 10.1.0.77, in blue's subnet with no endpoint: vxnet
# drops its ARP requests, no-endpoint.
before=$(counter vx1 no-endpoint)
in_ns "$C1" ping -c 2 -i 0.3 -W 1 10.1.0.77 >/dev/null 2>&1
sleep 1
after=$(counter vx1 no-endpoint)
if [ "$after" -gt "$before" ]; then ok "metrics: ping to 10.1.0.77 dropped no-endpoint ($before -> $after)"
else fail "metrics: no-endpoint did not move ($before -> $after)"; fi
want() {
	local r
	r=$(query 'vxnet_datapath_drops_total{reason="no-endpoint"}') || return 1
	echo "$r"
	# one series a hook; together the reason's count
	jq -e --arg v "$after" --arg i "198.18.1.2:$MPORT" 'length == 5 and
		(map(.value[1] | tonumber) | add) == ($v | tonumber) and
		(map(.metric.hook) | sort) == ["from_container", "gro_sink", "nat_in", "tc_decap", "xdp_decap"] and
		all(.[]; .metric.job == "vxnet" and .metric.instance == $i and
		.metric.reason == "no-endpoint" and .metric.__name__ == "vxnet_datapath_drops_total")' \
		<<<"$r" >/dev/null
}
if wait_for 20 want; then ok "metrics: prometheus API returns vxnet_datapath_drops_total{reason=\"no-endpoint\"}, a series a hook, summing to $after, with job, instance, reason and hook"
else fail "metrics: prometheus query: $(waited)"; fi
ep_sent() {
	local r
	r=$(query "vxnet_endpoint_sent_packets_total{endpoint=\"$EP1\"}") || return 1
	echo "$r"
	jq -e '.[0].metric.network == "blue" and .[0].metric.node == "h1" and (.[0].value[1] | tonumber) >= 2' <<<"$r" >/dev/null
}
if wait_for 20 ep_sent; then ok "metrics: prometheus has c1's sent packets with network, endpoint and node labels"
else fail "metrics: per-endpoint query: $(waited)"; fi

# --- -j: the same facts as the tables ---
vx1 status >"$TMP/st.txt" && vx1 status -j >"$TMP/st.json" || fail "metrics: status / status -j failed"
if jq -e '.node == "h1" and .address == "198.18.1.2" and .decap == "tc" and .underlay.name == "eth0" and .port == 4789' \
	"$TMP/st.json" >/dev/null && grep -q '^node h1, address 198.18.1.2, underlay eth0 .*port 4789' "$TMP/st.txt"; then
	ok "metrics: status -j: node, address, decap, underlay, port as the table"
else
	fail "metrics: status -j: $(head -c 300 "$TMP/st.json")"
fi
tifs=$(awk '/^container interfaces/ { t = 1; next } /^summary:/ { t = 0 } t && $1 != "HOST_IF" && $(NF - 1) == "yes" { print $1 }' \
	"$TMP/st.txt" | sort | tr '\n' ' ')
jifs=$(jq -r '.container_interfaces[]' "$TMP/st.json" | sort | tr '\n' ' ')
[ -n "$tifs" ] && [ "$tifs" = "$jifs" ] && ok "metrics: status -j: the container interfaces of the table ($tifs)" ||
	fail "metrics: status interfaces: table '$tifs' json '$jifs'"
tmaps=$(awk '/^maps:/ { m = 1; next } m { print $1, $2, $4 }' "$TMP/st.txt")
jmaps=$(jq -r '.maps[] | "\(.name) \(.entries) \(.max_entries)"' "$TMP/st.json")
[ "$tmaps" = "$jmaps" ] && ok "metrics: status -j: maps, entries and max_entries as the table" ||
	fail "metrics: status maps: table '$(tr '\n' '|' <<<"$tmaps")' json '$(tr '\n' '|' <<<"$jmaps")'"
vx1 stats >"$TMP/s.txt" && vx1 stats -j >"$TMP/s.json" || fail "metrics: stats / stats -j failed"
for n in no-endpoint spoofed-ip; do
	t=$(awk -v n=$n '$1 == n { print $2 "/" $3; exit }' "$TMP/s.txt")
	j=$(jq -r --arg n $n '.drops[$n] | "\(.packets)/\(.bytes)"' "$TMP/s.json")
	[ "$t" = "$j" ] && ok "metrics: stats -j: drop $n as the table ($t)" || fail "metrics: stats $n: table $t json $j"
done
t=$(awk '/^COUNTER/ { c = 1; next } /^$/ { c = 0 } c { n++ } END { print n }' "$TMP/s.txt")
j=$(jq '.counters | length' "$TMP/s.json")
[ "$t" = "$j" ] && ok "metrics: stats -j: $j counters as the table" || fail "metrics: stats counters: table $t json $j"

in_ns "$C1" ping -c 3 -i 0.2 -W 2 10.1.0.3 >/dev/null || fail "metrics: c1 -> c2 ping"
vx1 endpoint ls -s >"$TMP/e.txt" && vx1 endpoint ls -s -j >"$TMP/e.json" || fail "metrics: endpoint ls -s failed"
t=$(awk -v e="$EP1" '$1 == e { print $(NF - 3) }' "$TMP/e.txt")
j=$(jq -r --arg e "$EP1" '.[] | select(.name == $e) | .sent.packets' "$TMP/e.json")
if is_count "$t" && [ "$t" -ge 5 ] && [ "$j" -ge "$t" ]; then ok "metrics: endpoint ls -s: c1 sent $t packets (json $j)"
else fail "metrics: endpoint ls -s: table '$t' json '$j': $(grep "$EP1" "$TMP/e.txt")"; fi
t=$(awk -v e="h2-${P}c2-blue" '$1 == e { print $(NF - 3) }' "$TMP/e.txt")
j=$(jq -c --arg e "h2-${P}c2-blue" '.[] | select(.name == $e) | .sent' "$TMP/e.json")
[ "$t" = - ] && [ "$j" = null ] && ok "metrics: endpoint ls -s: c2 (on h2) has no traffic on h1 (- / null)" ||
	fail "metrics: endpoint ls -s for c2 on h1: table '$t' json '$j'"
vx2 stats --endpoint "h2-${P}c2-blue" -j >"$TMP/es.json"
if jq -e --arg e "h2-${P}c2-blue" '.endpoint == $e and .network == "blue" and .node == "h2" and .received.packets >= 3 and .sent.packets >= 3' \
	"$TMP/es.json" >/dev/null; then ok "metrics: stats --endpoint c2 on h2: sent and received the pings"
else fail "metrics: stats --endpoint c2: $(cat "$TMP/es.json")"; fi
expect_err "metrics: stats --endpoint of an endpoint on another host" "^vxnet: stats: endpoint h2-${P}c2-blue is not attached on this host" \
	vx1 stats --endpoint "h2-${P}c2-blue"
expect_err "metrics: stats --endpoint unknown" "^vxnet: stats: no such endpoint nope$" vx1 stats --endpoint nope

# --- map dump: names, dotted addresses, MACs ---
vx1 map dump endpoints >"$TMP/md.txt" 2>"$TMP/err" || fail "metrics: map dump endpoints: $(cat "$TMP/err")"
if grep -q "vni=4096 network=blue ip=10.1.0.2 endpoint=$EP1 -> mac=02:42:0a:01:00:02 flags=local" "$TMP/md.txt"; then
	ok "metrics: map dump endpoints names c1 with its address and MAC"
else
	fail "metrics: map dump endpoints: $(grep 10.1.0.2 "$TMP/md.txt")"
fi
vx1 map dump endpoints -j >"$TMP/md.json"
if jq -e --arg e "$EP1" 'any(.[]; .key.ip == "10.1.0.2" and .key.endpoint == $e and .value.mac == "02:42:0a:01:00:02" and .value.node == "h1")' \
	"$TMP/md.json" >/dev/null && [ "$(jq length "$TMP/md.json")" = "$(wc -l <"$TMP/md.txt")" ]; then
	ok "metrics: map dump -j: the same entries"
else
	fail "metrics: map dump -j: $(head -c 300 "$TMP/md.json")"
fi
n=$(vx1 map dump drops -j | jq -r '.[] | select(.key.reason == "no-endpoint") | .value.packets')
[ "$n" = "$(counter vx1 no-endpoint)" ] && ok "metrics: map dump drops sums the CPUs as stats ($n)" ||
	fail "metrics: map dump drops no-endpoint '$n'"
if vx1 map dump ep_stats | grep -q "endpoint=$EP1 -> sent.packets="; then ok "metrics: map dump ep_stats names c1"
else fail "metrics: map dump ep_stats: $(vx1 map dump ep_stats 2>&1 | head -3 | tr '\n' '|')"; fi
if vx1 map dump monitor | grep -qx 'index=0 -> flags=- pid=0 lost=0'; then ok "metrics: map dump monitor: nobody listens"
else fail "metrics: map dump monitor: $(vx1 map dump monitor 2>&1 | head -2 | tr '\n' '|')"; fi
expect_err "metrics: map dump of the events ring" "^vxnet: map dump: .*/events is a ring buffer, no entries to dump$" vx1 map dump events
for m in nodes networks subnets node_vnis ifaces backends services published stats host nat; do
	check "metrics: map dump $m" vx1 map dump $m -j
done
expect_err "metrics: map dump of an unknown map" "^vxnet: map dump: no map 'frob'; one of nodes, " vx1 map dump frob
expect_err "metrics: agent --metrics-listen malformed" "^vxnet: agent: --metrics-listen '1.2.3.4' is not ADDR:PORT" \
	vx1 agent --metrics-listen 1.2.3.4
expect_err "metrics: a second agent on the same address" "^vxnet: metrics: listen on 198.18.1.2:$MPORT: Address already in use" \
	vx1 agent --metrics-listen 198.18.1.2:$MPORT
# --- the agent's change and rejection counters, with an etcd store ---
# A single etcd member in r; h2's agent follows it. A valid endpoint put
# through etcdctl is a change applied; one outside blue's subnets is left
# out, counted as rejected.
export VXNET_STORE_ALLOW_PLAIN=1
EURL=etcd://198.18.2.1:2379
ip netns exec "$R" etcd --name e1 --data-dir "$TMP/etcd" --listen-client-urls http://198.18.2.1:2379 \
	--advertise-client-urls http://198.18.2.1:2379 --listen-peer-urls http://127.0.0.1:2380 \
	--initial-advertise-peer-urls http://127.0.0.1:2380 --initial-cluster e1=http://127.0.0.1:2380 \
	>"$TMP/etcd.log" 2>&1 & ETCD=$!
ve() { "$VXNET" --store "$EURL" -n "$H2" "$@"; }
etcd_up() { ve node ls >/dev/null 2>&1 || ve node add h1 198.18.1.2 >/dev/null; }
if wait_for 20 etcd_up && ve node add h2 198.18.2.2 >/dev/null && ve network create blue --subnet 10.1.0.0/24 >/dev/null &&
   ve endpoint add x1 --network blue --node h1 --ip 10.1.0.50 >/dev/null; then
	ok "metrics: etcd store for h2's agent"
else
	fail "metrics: etcd store: $(tails 3 "$TMP/etcd.log")"
fi
"$VXNET" --store "$EURL" --pin-dir "$PIN2" -n "$H2" agent --metrics-listen 198.18.2.2:$MPORT \
	>"$TMP/agent2.log" 2>&1 & A2=$!
scrape2() { in_ns "$R" curl -sf --max-time 5 "http://198.18.2.2:$MPORT/metrics"; }
has2() { scrape2 >"$TMP/b.prom" && grep -qxF "$1" "$TMP/b.prom"; }
if wait_for 10 grep -q '^synced at revision' "$TMP/agent2.log"; then ok "metrics: agent on h2 (etcd) synced"
else fail "metrics: agent on h2 did not sync: $(tails 3 "$TMP/agent2.log")"; fi
rec=$(in_ns "$R" etcdctl --endpoints 198.18.2.1:2379 get --print-value-only /vxnet/endpoints/x1)
in_ns "$R" etcdctl --endpoints 198.18.2.1:2379 put /vxnet/endpoints/x2 "${rec//x1/x2}" >/dev/null
in_ns "$R" etcdctl --endpoints 198.18.2.1:2379 put /vxnet/endpoints/x3 "$(sed 's/x1/x3/; s/10\.1\.0\.50/10.99.0.3/' <<<"$rec")" >/dev/null
# x2 is a copy of x1 with its address: refused too (two endpoints, one IP)
in_ns "$R" etcdctl --endpoints 198.18.2.1:2379 put /vxnet/endpoints/x4 "$(sed 's/x1/x4/; s/10\.1\.0\.50/10.1.0.51/; s/0a:01:00:32/0a:01:00:33/' <<<"$rec")" >/dev/null
if wait_for 10 has2 'vxnet_agent_records_rejected_total{kind="endpoint"} 2' &&
   has2 'vxnet_agent_changes_applied_total{kind="endpoint",op="put"} 1'; then
	ok "metrics: h2's agent: 2 endpoint records rejected (a copied address, outside the subnets), 1 put applied"
else
	fail "metrics: h2's agent counters: $(grep -E '^vxnet_agent_(records|changes)' "$TMP/b.prom" | tr '\n' '|') $(tails 3 "$TMP/agent2.log")"
fi
if wait_for 10 has2 'vxnet_agent_watch_transport{transport="grpc"} 1'; then
	ok "metrics: h2's agent watches etcd over gRPC (vxnet_agent_watch_transport)"
else fail "metrics: h2's watch transport: $(grep '^vxnet_agent_watch' "$TMP/b.prom" | tr '\n' '|')"; fi
if promtool check metrics <"$TMP/b.prom" >"$TMP/lint" 2>&1; then ok "metrics: h2's /metrics passes promtool check metrics"
else fail "metrics: h2 promtool: $(head -5 "$TMP/lint" | tr '\n' '|')"; fi
stop_pid 5 "$A2"; A2=
stop_pid 5 "$ETCD"; ETCD=

finish
