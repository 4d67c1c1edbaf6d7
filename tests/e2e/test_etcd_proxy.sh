#!/bin/bash
# End-to-end: the agent behind etcd's own grpc-proxy (`etcd grpc-proxy
# start`, which serves many watchers from one watch of its own on etcd),
# over TLS with client certificates on both legs. `vxnet up` and reads
# work through the proxy, a write is one line saying to give etcd's
# members (the proxy has no JSON gateway), etcd unchanged. The agent lists and
# watches through the proxy: puts and deletes written on etcd itself reach
# h1's maps by the watch (one watch, no re-list), etcd then serves the
# proxy's watch and not the agent's; the proxy going away is one warning
# with the maps kept, and once it is back the next change arrives. (etcd
# keeps a watch whose client half-closes its request stream; the proxy
# ends it, so the agent keeps its side open.)
#
#   h1 (vxnet up, agent)            p (grpc-proxy)
#   eth0 198.18.1.2                 eth0 198.18.2.2 :23790 (TLS)
#        |                               |
#   +----r1 198.18.1.1 ---- r ---- r2 198.18.2.1----+
#   | etcd https://198.18.1.1:2379, client certs    |
#   +-----------------------------------------------+
source "$(dirname "$0")/../lib.sh"
command -v etcd >/dev/null || { fail "etcd-proxy: etcd-server is not installed (make deps)"; exit 1; }
command -v openssl >/dev/null || { fail "etcd-proxy: openssl is not installed (make deps)"; exit 1; }
H1=${P}h1 R=${P}r PX=${P}p PIN1=/sys/fs/bpf/${P}h1 PKI=$TMP/pki
ETCD_PID= PROXY_PID= A1=
TLS=(--store-ca "$PKI/ca.pem" --store-cert "$PKI/client.pem" --store-key "$PKI/client.key")
vxe() { "$VXNET" --store etcds://198.18.1.1:2379 "${TLS[@]}" --pin-dir "$PIN1" -n "$H1" "$@"; } # etcd itself
vxp() { "$VXNET" --store etcds://198.18.2.2:23790 "${TLS[@]}" --pin-dir "$PIN1" -n "$H1" "$@"; } # the proxy
etcdctl_() {
	ip netns exec "$R" etcdctl --endpoints https://198.18.1.1:2379 --cacert "$PKI/ca.pem" \
		--cert "$PKI/client.pem" --key "$PKI/client.key" "$@"
}
mkcerts() { # a CA; etcd's and the proxy's server certificates; a client one (no CN: etcd 3.4's gateway)
	pki_ca "$PKI" ca &&
	pki_sign "$PKI" server "/CN=etcd" "subjectAltName=IP:198.18.1.1\nextendedKeyUsage=serverAuth,clientAuth\n" &&
	pki_sign "$PKI" proxy "/CN=etcd proxy" "subjectAltName=IP:198.18.2.2\nextendedKeyUsage=serverAuth\n" &&
	pki_sign "$PKI" client "/O=vxnet" "extendedKeyUsage=clientAuth\n"
}
proxy_start() { # ip execs etcd: $! is the proxy
	ip netns exec "$PX" etcd grpc-proxy start --endpoints https://198.18.1.1:2379 \
		--cacert "$PKI/ca.pem" --cert "$PKI/client.pem" --key "$PKI/client.key" \
		--listen-addr 198.18.2.2:23790 --advertise-client-url 198.18.2.2:23790 \
		--cert-file "$PKI/proxy.pem" --key-file "$PKI/proxy.key" --trusted-ca-file "$PKI/ca.pem" \
		--data-dir "$TMP/proxy" >>"$TMP/proxy.log" 2>&1 &
	PROXY_PID=$!
	wait_for 10 ip netns exec "$PX" etcdctl --endpoints https://198.18.2.2:23790 --cacert "$PKI/ca.pem" \
		--cert "$PKI/client.pem" --key "$PKI/client.key" get /vxnet/rev
}
# etcd's count of Watch calls started (its /metrics, on loopback)
etcd_watches() {
	ip netns exec "$R" curl -s http://127.0.0.1:2381/metrics |
		awk '/^grpc_server_started_total\{grpc_method="Watch",/ { n += $2 } END { print n + 0 }'
}
watch_lines() { grep -c '^store .*: watching over' "$TMP/agent.log"; }
put_ep() { # put_ep NAME IP: written on etcd itself, not through the proxy
	local a b c d
	IFS=. read -r a b c d <<<"$2"
	etcdctl_ put "/vxnet/endpoints/$1" "$(printf '{"name":"%s","network":"blue","node":"h2","ip":"%s","mac":"02:42:%02x:%02x:%02x:%02x"}' "$1" "$2" "$a" "$b" "$c" "$d")" >/dev/null
}
cleanup() {
	stop_pid 2 "$A1"
	[ -n "$PROXY_PID" ] && kill -KILL "$PROXY_PID" 2>/dev/null
	[ -n "$ETCD_PID" ] && kill -KILL "$ETCD_PID" 2>/dev/null
	wait 2>/dev/null
	[ -e "$PIN1" ] && vxe down >/dev/null 2>&1
	rm -rf "$PIN1"
	cleanup_netns
	rm -rf "$TMP"
}
trap cleanup EXIT

mkns "$R" && mkns "$H1" && mkns "$PX" || exit 1
ip netns exec "$R" sysctl -qw net.ipv4.ip_forward=1
router_port 1 "$H1" && router_port 2 "$PX" || { fail "etcd-proxy: the underlay"; exit 1; }
mkcerts || { fail "etcd-proxy: certificates: $(tail -3 "$PKI/log" | tr '\n' '|')"; exit 1; }

ip netns exec "$R" etcd --name e1 --data-dir "$TMP/etcd" \
	--listen-client-urls https://198.18.1.1:2379 --advertise-client-urls https://198.18.1.1:2379 \
	--listen-metrics-urls http://127.0.0.1:2381 \
	--listen-peer-urls http://127.0.0.1:2380 --initial-advertise-peer-urls http://127.0.0.1:2380 \
	--initial-cluster e1=http://127.0.0.1:2380 --initial-cluster-token "$P" \
	--cert-file "$PKI/server.pem" --key-file "$PKI/server.key" \
	--trusted-ca-file "$PKI/ca.pem" --client-cert-auth >"$TMP/etcd.log" 2>&1 &
ETCD_PID=$!
wait_for 10 etcdctl_ endpoint health || { fail "etcd-proxy: etcd did not start: $(tails 3 "$TMP/etcd.log")"; exit 1; }
vxe node add h1 198.18.1.2 >/dev/null && vxe node add h2 198.18.3.2 >/dev/null &&
	vxe network create blue --subnet 10.1.0.0/24 >/dev/null &&
	vxe endpoint add e1 --network blue --node h2 --ip 10.1.0.11 >/dev/null &&
	vxe endpoint add e2 --network blue --node h2 --ip 10.1.0.12 >/dev/null || { fail "etcd-proxy: setting up the state failed"; exit 1; }
proxy_start || { fail "etcd-proxy: grpc-proxy did not start: $(waited) $(tails 3 "$TMP/proxy.log")"; exit 1; }
ok "etcd-proxy: etcd grpc-proxy serves etcd over TLS with client certificates"
check "etcd-proxy: vxnet up through the proxy" vxp up --node h1 --dev eth0 --decap tc
vxp endpoint ls >"$TMP/ls" 2>"$TMP/err"
if grep -q '^e1 ' "$TMP/ls" && grep -q '^e2 ' "$TMP/ls" && [ ! -s "$TMP/err" ]; then ok "etcd-proxy: a read through the proxy"
else fail "etcd-proxy: endpoint ls through the proxy: $(tr '\n' '|' <"$TMP/ls") $(tr '\n' '|' <"$TMP/err")"; fi
etcdctl_ get /vxnet/ --prefix -w json | jq -c .kvs >"$TMP/kv0"
expect_err "etcd-proxy: a write through the proxy is one line saying to give etcd's members" \
	"^vxnet: .*etcd at 198\.18\.2\.2:23790 answered HTTP 404: .*no JSON gateway there: .*give etcd's members\)$" \
	vxp endpoint add e9 --network blue --node h2 --ip 10.1.0.19
etcdctl_ get /vxnet/ --prefix -w json | jq -c .kvs >"$TMP/kv1"
check "etcd-proxy: and etcd is unchanged" cmp -s "$TMP/kv0" "$TMP/kv1"

# ---- the agent through the proxy ----
w0=$(etcd_watches)
vxp agent >"$TMP/agent.log" 2>&1 &
A1=$!
if wait_for 10 grep -q 'synced at revision .*: 2 nodes, 1 networks, 2 endpoints' "$TMP/agent.log" &&
	map_has_ip "$PIN1" 10.1.0.11 && map_has_ip "$PIN1" 10.1.0.12; then
	ok "etcd-proxy: the agent lists through the proxy: e1 and e2 in h1's map"
else fail "etcd-proxy: agent's list: $(tail -3 "$TMP/agent.log" | tr '\n' '|')"; fi
wait_for 5 grep -q '^store etcds://198.18.2.2:23790: watching over gRPC (etcdserverpb.Watch/Watch)$' "$TMP/agent.log" &&
	ok "etcd-proxy: the agent watches over gRPC through the proxy" ||
	fail "etcd-proxy: agent's watch: $(tail -3 "$TMP/agent.log" | tr '\n' '|')"
put_ep e3 10.1.0.13
if wait_for 10 map_has_ip "$PIN1" 10.1.0.13 && grep -Eq '^revision [0-9]+: endpoint e3 put' "$TMP/agent.log"; then
	ok "etcd-proxy: a put on etcd reaches h1's map through the proxy's watch"
else fail "etcd-proxy: e3 not in h1's map: $(tail -3 "$TMP/agent.log" | tr '\n' '|')"; fi
etcdctl_ del /vxnet/endpoints/e1 >/dev/null
if wait_for 10 map_lacks_ip "$PIN1" 10.1.0.11 && grep -Eq '^revision [0-9]+: endpoint e1 deleted' "$TMP/agent.log"; then
	ok "etcd-proxy: a delete on etcd reaches h1's map through the proxy's watch"
else fail "etcd-proxy: e1 still in h1's map: $(tail -3 "$TMP/agent.log" | tr '\n' '|')"; fi
# the watch stays: one watch, one list, no warning, 3 s and 5 changes later
for i in 4 5 6 7 8; do put_ep "e$i" "10.1.0.1$i"; sleep 0.6; done
if wait_for 5 map_has_ip "$PIN1" 10.1.0.18 && [ "$(watch_lines)" = 1 ] &&
	[ "$(grep -c 'synced at revision' "$TMP/agent.log")" = 1 ] && ! grep -q warning "$TMP/agent.log"; then
	ok "etcd-proxy: the agent's one watch carries every change (one list, no warning)"
else fail "etcd-proxy: the watch did not stay: $(grep -E 'watching|synced|warning' "$TMP/agent.log" | tail -4 | tr '\n' '|')"; fi
w1=$(etcd_watches)
[ "$((w1 - w0))" = 1 ] && ok "etcd-proxy: etcd serves one Watch call for the agent's (the proxy's)" ||
	fail "etcd-proxy: etcd counted $((w1 - w0)) Watch calls for one agent behind the proxy"

# ---- the proxy goes, and comes back ----
kill -KILL "$PROXY_PID"; wait "$PROXY_PID" 2>/dev/null; PROXY_PID=
if wait_for 10 grep -q 'warning' "$TMP/agent.log"; then
	line=$(grep -m1 warning "$TMP/agent.log")
	case $line in
	"vxnet: warning: agent: watch on 198.18.2.2:23790 ended: "*"; keeping the maps, retrying in "*) map_has_ip "$PIN1" 10.1.0.18 &&
		ok "etcd-proxy: the proxy gone: one warning naming it, the maps kept" ||
		fail "etcd-proxy: the proxy gone: the maps were not kept" ;;
	*) fail "etcd-proxy: the proxy gone: '$line'" ;;
	esac
else fail "etcd-proxy: the proxy gone, no warning: $(tail -3 "$TMP/agent.log" | tr '\n' '|')"; fi
put_ep e9 10.1.0.19
proxy_start || fail "etcd-proxy: grpc-proxy did not restart: $(waited) $(tails 3 "$TMP/proxy.log")"
if wait_for 15 map_has_ip "$PIN1" 10.1.0.19; then
	ok "etcd-proxy: the proxy back: what changed meanwhile reaches h1's map"
else fail "etcd-proxy: e9 not in h1's map after the proxy came back: $(tail -3 "$TMP/agent.log" | tr '\n' '|')"; fi
put_ep e10 10.1.0.20
if wait_for 10 map_has_ip "$PIN1" 10.1.0.20 && grep -Eq '^revision [0-9]+: endpoint e10 put' "$TMP/agent.log"; then
	ok "etcd-proxy: and the next put arrives through the proxy's watch again"
else fail "etcd-proxy: e10 not in h1's map: $(tail -3 "$TMP/agent.log" | tr '\n' '|')"; fi
finish
