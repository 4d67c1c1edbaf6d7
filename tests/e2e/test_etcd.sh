#!/bin/bash
# End-to-end: three hosts share a 3-member etcd cluster; `vxnet agent` on each
# host keeps its maps equal to etcd, through member loss, etcd outages and
# agent crashes.
#
#   c1 10.1.0.2        c2 10.1.0.3        c3 10.1.0.4       (+ d1 d2 d3, c5)
#        |                  |                  |
#   +--- h1 ----+      +--- h2 ----+      +--- h3 ----+
#   | agent     |      | agent     |      | agent     |
#   | eth0 .1.2 |      | eth0 .2.2 |      | eth0 .3.2 |
#   +----|------+      +----|------+      +----|------+
#        r1 198.18.1.1      r2 198.18.2.1      r3 198.18.3.1
#   +------------------------ router r ----------------------------+
#   | etcd e1 198.18.1.1:2379  e2 198.18.2.1:2379  e3 198.18.3.1:2379 |
#   +--------------------------------------------------------------+
#
# etcd (Debian's etcd-server) listens only on the router's underlay
# addresses; everything lives under the per-run prefix and goes in the trap.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/topo.sh"
command -v etcd >/dev/null || { fail "etcd: etcd-server is not installed (make deps)"; exit 1; }

H3=${P}h3 C5=${P}c5 D1=${P}d1 D2=${P}d2 D3=${P}d3
PIN3=/sys/fs/bpf/${P}h3
EPS=198.18.1.1:2379,198.18.2.1:2379,198.18.3.1:2379
STORE=etcd://$EPS
# Plain HTTP on purpose (the test's own underlay; TLS: test_etcd_tls.sh):
# without this, every command would add vxnet's one-line warning about it.
export VXNET_STORE_ALLOW_PLAIN=1
CLUSTER=e1=http://198.18.1.1:2380,e2=http://198.18.2.1:2380,e3=http://198.18.3.1:2380
declare -A ETCD_PID AGENT_PID

vx1() { "$VXNET" --store "$STORE" --pin-dir "$PIN1" -n "$H1" "$@"; }
vx2() { "$VXNET" --store "$STORE" --pin-dir "$PIN2" -n "$H2" "$@"; }
vx3() { "$VXNET" --store "$STORE" --pin-dir "$PIN3" -n "$H3" "$@"; }
vxs() { "$VXNET" --store "$STORE" -n "$H1" "$@"; }
etcdctl_() { in_ns "$R" etcdctl --endpoints "$EPS" "$@"; }

etcd_start() { # etcd_start N: member eN on 198.18.N.1
	local n=$1 ip=198.18.$1.1
	# ip execs etcd: $! is etcd's pid
	ip netns exec "$R" etcd --name "e$n" --data-dir "$TMP/etcd-e$n" \
		--listen-client-urls "http://$ip:2379" --advertise-client-urls "http://$ip:2379" \
		--listen-peer-urls "http://$ip:2380" --initial-advertise-peer-urls "http://$ip:2380" \
		--initial-cluster "$CLUSTER" --initial-cluster-token "$P" --initial-cluster-state new \
		--max-txn-ops 4096 >>"$TMP/etcd-e$n.log" 2>&1 &
	ETCD_PID[$n]=$!
}
etcd_stop() { # etcd_stop N [SIGNAL]
	[ -n "${ETCD_PID[$1]:-}" ] || return 0
	kill -"${2:-TERM}" "${ETCD_PID[$1]}" 2>/dev/null
	wait "${ETCD_PID[$1]}" 2>/dev/null
	ETCD_PID[$1]=
}
etcd_healthy() { etcdctl_ endpoint health >/dev/null 2>&1; }

agent_start() { # agent_start N
	local pin=/sys/fs/bpf/${P}h$1
	"$VXNET" --store "$STORE" --pin-dir "$pin" -n "${P}h$1" agent >>"$TMP/agent$1.log" 2>&1 &
	AGENT_PID[$1]=$!
}
agent_stop() { # agent_stop N [SIGNAL]
	[ -n "${AGENT_PID[$1]:-}" ] || return 0
	kill -"${2:-TERM}" "${AGENT_PID[$1]}" 2>/dev/null
	wait "${AGENT_PID[$1]}" 2>/dev/null
	local rc=$?
	AGENT_PID[$1]=
	return $rc
}

cleanup() {
	local n
	for n in 1 2 3; do agent_stop $n KILL; done
	for n in 1 2 3; do etcd_stop $n KILL; done
	[ -e "$PIN3" ] && vx3 down >/dev/null 2>&1
	rm -rf "$PIN3"
	# topo_cleanup's "down" needs the store only for nothing: it reads the pins.
	topo_cleanup
}
trap cleanup EXIT

ping1() { in_ns "$1" ping -c 1 -W 1 "$2"; }
ep_ip() { vxs endpoint ls | awk -v n="$1" '$1 == n { print $4 }'; }

# store_rev: the revision of the store's last change (each one bumps /vxnet/rev)
store_rev() { etcdctl_ get /vxnet/rev -w json | jq -e '.kvs[0].mod_revision'; }
# changes_at REV: how many records REV put or deleted (the agent logs a line each)
changes_at() {
	local at before
	at=$(etcdctl_ get /vxnet/ --prefix --rev "$1" -w json) &&
	before=$(etcdctl_ get /vxnet/ --prefix --rev $(($1 - 1)) -w json) || return 1
	jq -en --argjson at "$at" --argjson before "$before" --argjson r "$1" '
		def recs: [.kvs[]? | .key |= @base64d | select(.key | test("^/vxnet/(nodes|networks|endpoints)/"))];
		($at | recs) as $a | ($a | map(.key)) as $ak |
		([$a[] | select(.mod_revision == $r)] | length) +
		([$before | recs[] | .key | select(. as $k | $ak | index($k) | not)] | length)'
}
# agent_caught_up N: agent N's maps hold the store as of its last change: its
# log has a full sync at or after that revision, or a line for each record
# changed at it (each line is written once the maps hold the change).
agent_caught_up() {
	local rev n
	rev=$(store_rev) && n=$(changes_at "$rev") || return 1
	awk -v r="$rev" -v n="$n" '$1 == "synced" && $3 == "revision" && $4 + 0 >= r { full = 1 }
		$1 == "revision" && $2 + 0 == r { c++ }
		END { if (!full && c < n) { printf "agent at revision %d has %d of %d changes\n", r, c, n; exit 1 } }' \
		"$TMP/agent$1.log"
}
# sync_is_noop NAME: once every agent is caught up, `vxnet sync` on each host
# (the agent's store, pins and namespace) finds nothing to do: the agents'
# incremental updates made the maps exactly what a full sync makes.
sync_is_noop() {
	local n out
	for n in 1 2 3; do
		if ! wait_for 15 agent_caught_up $n; then
			fail "etcd: $1: agent $n did not catch up: $(waited) $(tails 3 "$TMP/agent$n.log")"
			continue
		fi
		out=$(vx$n sync 2>&1)
		if [ "$out" = "synced: 0 added, 0 changed, 0 removed" ]; then ok "etcd: $1: vxnet sync on h$n changes nothing"
		else fail "etcd: $1: vxnet sync on h$n: '$(tr '\n' '|' <<<"$out")'"; fi
	done
}

# ---- topology: topo.sh's two hosts plus h3 on its own segment ----
topo_build || { fail "etcd: build topology"; exit 1; }
mkns "$H3" && mkns "$C5" && mkns "$D1" && mkns "$D2" && mkns "$D3" || { fail "etcd: namespaces"; exit 1; }
router_port 3 "$H3" || { fail "etcd: h3's link to the router"; exit 1; }
in_ns "$H3" sysctl -qw net.ipv6.conf.all.disable_ipv6=1

# ---- etcd: three members on the router ----
for n in 1 2 3; do etcd_start $n; done
if wait_for 30 etcd_healthy; then ok "etcd: 3-member cluster healthy on the router's underlay addresses"
else fail "etcd: cluster did not come up: $(waited) $(tails 2 "$TMP"/etcd-e[123].log)"; exit 1; fi

# ---- bad URLs and an unreachable store: one line, exit 1 ----
expect_err "etcd: unknown scheme" 'store consul://x:1: unsupported store type' "$VXNET" --store consul://x:1 node ls
expect_err "etcd: no endpoint" 'store etcd://: empty etcd endpoint' "$VXNET" --store etcd:// node ls
expect_err "etcd: bad port" "endpoint '198.18.1.1:http': port must be 1..65535" "$VXNET" --store etcd://198.18.1.1:http node ls
expect_err "etcd: missing port" "endpoint '198.18.1.1' needs HOST:PORT" "$VXNET" --store etcd://198.18.1.1 node ls
expect_err "etcd: path in URL" 'unexpected path' "$VXNET" --store etcd://198.18.1.1:2379/v3 node ls
expect_err "etcd: nobody listening" 'store etcd://198.18.1.1:2999: cannot reach etcd at 198.18.1.1:2999: .*(refused|connect)' \
	"$VXNET" --store etcd://198.18.1.1:2999 -n "$H1" node ls
expect_err "etcd: unreachable address" 'cannot reach etcd at 198.18.7.7:2379' \
	"$VXNET" --store etcd://198.18.7.7:2379 -n "$H1" node add hx 198.18.9.9

# ---- cluster state in etcd, datapath up, agents ----
if { vxs node add h1 198.18.1.2 && vxs node add h2 198.18.2.2 &&
     vxs node add h3 198.18.3.2 && vxs network create blue --subnet 10.1.0.0/24; } >"$TMP/out" 2>&1; then
	ok "etcd: nodes and network written through the etcd store"
else
	fail "etcd: write the state: $(tail -n 2 "$TMP/out" | tr '\n' '|')"; exit 1
fi
# the record as the state file's, with its random ID and creation time
if [ "$(etcdctl_ get /vxnet/networks/blue --print-value-only | jq -c 'del(.id, .created)')" = \
     '{"name":"blue","vni":4096,"mtu":0,"subnets":[{"subnet":"10.1.0.0/24","gateway":"10.1.0.1"}]}' ] &&
   etcdctl_ get /vxnet/networks/blue --print-value-only |
	jq -e '(.id | test("^[0-9a-f]{64}$")) and (.created | test("^20[0-9-]{8}T"))' >/dev/null; then
	ok "etcd: /vxnet/networks/blue holds the network's JSON record"
else
	fail "etcd: /vxnet/networks/blue is '$(etcdctl_ get /vxnet/networks/blue --print-value-only)'"
fi
check "etcd: vxnet up h1" vx1 up --node h1 --dev eth0 --decap tc
check "etcd: vxnet up h2" vx2 up --node h2 --dev eth0 --decap tc
check "etcd: vxnet up h3" vx3 up --node h3 --dev eth0 --decap tc
expect_err "etcd: agent without vxnet up" 'run vxnet up first' \
	"$VXNET" --store "$STORE" --pin-dir "/sys/fs/bpf/${P}none" -n "$H1" agent
for n in 1 2 3; do agent_start $n; done
for n in 1 2 3; do
	if wait_for 10 grep -q '^synced at revision' "$TMP/agent$n.log"; then ok "etcd: agent on h$n listed and synced"
	else fail "etcd: agent on h$n did not sync: $(tails 3 "$TMP/agent$n.log")"; fi
done

# ---- an attach on one host is reachable from the other two, no vxnet sync ----
check "etcd: attach c1 on h1" vx1 attach "$C1" blue --ip 10.1.0.2
check "etcd: attach c2 on h2" vx2 attach "$C2" blue --ip 10.1.0.3
check "etcd: attach c3 on h3" vx3 attach "$C3" blue --ip 10.1.0.4
for pair in "$C1 10.1.0.3" "$C1 10.1.0.4" "$C2 10.1.0.2" "$C2 10.1.0.4" "$C3 10.1.0.2" "$C3 10.1.0.3"; do
	set -- $pair
	if wait_for 10 ping1 "$1" "$2"; then ok "etcd: ${1#$P} reaches $2 through the agents"
	else fail "etcd: ${1#$P} cannot reach $2"; fi
done
if wait_for 5 grep -Eq "^revision [0-9]+: endpoint h3-${P}c3-blue put: [1-9][0-9]* added" "$TMP/agent1.log"; then
	ok "etcd: agent on h1 logged c3's endpoint as one change"
else
	fail "etcd: agent1 log: $(tails 3 "$TMP/agent1.log")"
fi
if [ "$(grep -c 'synced at revision' "$TMP/agent1.log")" = 1 ]; then
	ok "etcd: changes applied as single updates (no resync)"
else
	fail "etcd: agent1 resynced: $(grep 'synced' "$TMP/agent1.log" | tr '\n' '|')"
fi

# ---- concurrent attaches from three hosts to one subnet: distinct addresses ----
vx1 attach "$D1" blue >"$TMP/d1.out" 2>&1 & a1=$!
vx2 attach "$D2" blue >"$TMP/d2.out" 2>&1 & a2=$!
vx3 attach "$D3" blue >"$TMP/d3.out" 2>&1 & a3=$!
if wait $a1 && wait $a2 && wait $a3; then ok "etcd: three concurrent attaches succeeded"
else fail "etcd: concurrent attach: $(cat "$TMP"/d?.out | tr '\n' '|')"; fi
ips="$(ep_ip "h1-${P}d1-blue") $(ep_ip "h2-${P}d2-blue") $(ep_ip "h3-${P}d3-blue")"
if [ "$(echo $ips | tr ' ' '\n' | grep -c .)" = 3 ] && [ "$(echo $ips | tr ' ' '\n' | sort -u | wc -l)" = 3 ]; then
	ok "etcd: concurrent attaches got distinct addresses ($ips)"
else
	fail "etcd: concurrent attaches got '$ips'"
fi
ip_d3=$(ep_ip "h3-${P}d3-blue") ip_d2=$(ep_ip "h2-${P}d2-blue")
if wait_for 10 ping1 "$D1" "$ip_d3" && wait_for 10 ping1 "$D3" "$ip_d2"; then ok "etcd: concurrently attached containers reach each other"
else fail "etcd: d1 -> $ip_d3 or d3 -> $ip_d2 failed"; fi
bad_addr=
for i in 1 2 3; do # each container's address is on its own interface
	want=$(ep_ip "h$i-${P}d$i-blue")
	got=$(ip -n "${P}d$i" -4 -o addr show dev eth0 | awk '{print $4}')
	[ -n "$want" ] && [ "$got" = "$want/24" ] || bad_addr="$bad_addr d$i has '$got', store says '$want';"
done
if [ -z "$bad_addr" ]; then ok "etcd: d1 d2 d3 each have the address the store gave them"; else fail "etcd:$bad_addr"; fi
sync_is_noop "after the attaches"

# ---- one etcd member killed: nothing changes ----
etcd_stop 1 KILL
check "etcd: ping c1 -> c2 with member e1 killed" in_ns "$C1" ping -c 3 -i 0.2 -W 2 10.1.0.3
check "etcd: attach c5 on h3 with member e1 killed" vx3 attach "$C5" blue --ip 10.1.0.50
if wait_for 10 ping1 "$C1" 10.1.0.50 && wait_for 5 ping1 "$C2" 10.1.0.50; then
	ok "etcd: c5 reachable from h1 and h2 with member e1 killed"
else
	fail "etcd: c5 not reachable with e1 killed: $(tails 2 "$TMP/agent1.log" "$TMP/agent2.log")"
fi
check "etcd: c5 is in h1's map before the detach" map_has_ip "$PIN1" 10.1.0.50
check "etcd: detach c5" vx3 detach "$C5" blue
if wait_for 10 map_lacks_ip "$PIN1" 10.1.0.50; then
	ok "etcd: c5's entry left h1's map after the detach"
else
	fail "etcd: c5 in h1's map after the detach: $(waited)"
fi
etcd_start 1
wait_for 30 etcd_healthy || fail "etcd: e1 did not rejoin: $(waited)"

# ---- all of etcd stopped: established traffic keeps flowing ----
in_ns "$C2" iperf3 -s -1 -D -B 10.1.0.3 --logfile "$TMP/iperf-s1.log"
sleep 0.5
in_ns "$C1" timeout 30 iperf3 -c 10.1.0.3 -t 6 -i 1 -J >"$TMP/iperf1.json" 2>&1 &
client=$!
sleep 1.5
for n in 1 2 3; do etcd_stop $n; done
check "etcd: ping c3 -> c1 with etcd down" in_ns "$C3" ping -c 3 -i 0.2 -W 2 10.1.0.2
expect_err "etcd: CLI with all of etcd down" 'cannot reach etcd' vxs node ls
if wait $client && [ "$(jq '[.intervals[].sum.bytes] | min' "$TMP/iperf1.json")" -gt 1000000 ]; then
	ok "etcd: TCP flow kept going while etcd stopped (worst second $(jq '[.intervals[].sum.bytes] | min' "$TMP/iperf1.json") bytes)"
else
	fail "etcd: TCP flow across the etcd stop: $(jq -c '[.intervals[].sum.bytes]' "$TMP/iperf1.json" 2>/dev/null)"
fi
if wait_for 5 grep -q 'keeping the maps, retrying' "$TMP/agent1.log"; then ok "etcd: agent logs the outage and retries"
else fail "etcd: agent1 did not log the outage: $(tails 2 "$TMP/agent1.log")"; fi
[ -n "${AGENT_PID[1]}" ] && kill -0 "${AGENT_PID[1]}" && ok "etcd: agent still running without etcd" || fail "etcd: agent1 exited"

# ---- etcd and agents restarted: reconverge ----
for n in 1 2 3; do etcd_start $n; done
wait_for 30 etcd_healthy || fail "etcd: cluster did not restart: $(waited)"
for n in 1 2 3; do agent_stop $n; agent_start $n; done
check "etcd: attach c5 on h3 after the restart" vx3 attach "$C5" blue --ip 10.1.0.50
if wait_for 10 ping1 "$C1" 10.1.0.50 && wait_for 5 ping1 "$C2" 10.1.0.50; then ok "etcd: reconverged after etcd and agents restarted"
else fail "etcd: c5 unreachable after restart"; fi

# ---- an agent killed with SIGKILL: traffic goes on, the restart catches up ----
in_ns "$C2" iperf3 -s -1 -D -B 10.1.0.3 --logfile "$TMP/iperf-s2.log"
sleep 0.5
in_ns "$C1" timeout 30 iperf3 -c 10.1.0.3 -t 6 -i 1 -J >"$TMP/iperf2.json" 2>&1 &
client=$!
sleep 1
agent_stop 1 KILL
check "etcd: detach c3 while h1's agent is dead" vx3 detach "$C3" blue
sleep 0.5
if map_has_ip "$PIN1" 10.1.0.4 2>"$TMP/err"; then ok "etcd: h1's map is stale while its agent is dead"
else fail "etcd: h1's map without its agent: $(cat "$TMP/err")"; fi
agent_start 1
if wait_for 10 map_lacks_ip "$PIN1" 10.1.0.4; then
	ok "etcd: restarted agent removed c3 from h1's map"
else
	fail "etcd: c3 in h1's map after the agent restart: $(waited)"
fi
if wait $client && [ "$(jq '[.intervals[].sum.bytes] | min' "$TMP/iperf2.json")" -gt 1000000 ]; then
	ok "etcd: TCP flow across the agent SIGKILL and restart (worst second $(jq '[.intervals[].sum.bytes] | min' "$TMP/iperf2.json") bytes)"
else
	fail "etcd: TCP flow across the agent restart: $(jq -c '[.intervals[].sum.bytes]' "$TMP/iperf2.json" 2>/dev/null)"
fi

# ---- network update through etcd: the record round-trips with its labels,
# h2's agent applies the MTU and the new subnet's route to c2 ----
check "etcd: network update blue --mtu 1400 --label env=etcd --add-subnet 10.8.0.0/24 on h1" \
	vx1 network update blue --mtu 1400 --label env=etcd --add-subnet 10.8.0.0/24
if [ "$(etcdctl_ get /vxnet/networks/blue --print-value-only | jq -c '[.mtu, .labels, .subnets[1].subnet]')" = \
     '[1400,{"env":"etcd"},"10.8.0.0/24"]' ]; then ok "etcd: /vxnet/networks/blue holds the MTU, label and subnet"
else fail "etcd: /vxnet/networks/blue is '$(etcdctl_ get /vxnet/networks/blue --print-value-only)'"; fi
out_inspect=$(vxs network inspect blue | jq -c '.[0] | [.Labels, .MTU, (.Id | length)]')
[ "$out_inspect" = '[{"env":"etcd"},1400,64]' ] && ok "etcd: network inspect through etcd: labels, MTU, ID" ||
	fail "etcd: network inspect through etcd: $out_inspect"
c2_mtu() { [ "$(ip -n "$C2" -j link show eth0 | jq '.[0].mtu')" = 1400 ]; }
c2_route() { ip -n "$C2" route show 10.8.0.0/24 | grep -q 'via 10.1.0.1 dev eth0'; }
if wait_for 10 c2_mtu && wait_for 5 c2_route; then ok "etcd: c2 on h2 got MTU 1400 and a route to 10.8.0.0/24 through its agent"
else fail "etcd: c2 after the update: mtu $(ip -n "$C2" -j link show eth0 | jq '.[0].mtu'), routes $(ip -n "$C2" route | tr '\n' '|') $(tails 2 "$TMP/agent2.log")"; fi
check "etcd: network update blue --mtu 1450 (back)" vx1 network update blue --mtu 1450

# ---- network and node changes while the agents run; then the agents'
# incremental updates (attaches, detaches, these) must equal a full sync ----
check "etcd: network create red while the agents run" vxs network create red --subnet 10.9.0.0/24
check "etcd: network create green while the agents run" vxs network create green --subnet 10.7.0.0/24
check "etcd: node add h4 while the agents run" vxs node add h4 198.18.4.2
check "etcd: network rm green while the agents run" vxs network rm green
sync_is_noop "after detaches, restarts, network and node changes"

# ---- SIGTERM: clean exit, datapath untouched ----
before=$(map_dump "$PIN2" endpoints) && before=$(jq -c 'sort_by(.key)' <<<"$before") || fail "etcd: h2's endpoints before SIGTERM"
if agent_stop 2 TERM; then ok "etcd: agent exits 0 on SIGTERM"; else fail "etcd: agent exit status on SIGTERM"; fi
grep -q 'agent: stopped' "$TMP/agent2.log" && ok "etcd: agent logged its stop" || fail "etcd: no stop line"
after=$(map_dump "$PIN2" endpoints) && after=$(jq -c 'sort_by(.key)' <<<"$after") || fail "etcd: h2's endpoints after SIGTERM"
if [ "$before" = "$after" ] && [ -n "$before" ]; then ok "etcd: SIGTERM left h2's maps as they were"; else fail "etcd: h2's maps changed at agent stop"; fi
check "etcd: c1 -> c2 after h2's agent stopped" in_ns "$C1" ping -c 2 -i 0.2 -W 2 10.1.0.3
finish
