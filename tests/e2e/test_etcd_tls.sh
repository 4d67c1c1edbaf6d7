#!/bin/bash
# End-to-end: the etcd store over TLS with client certificates and etcd's
# authentication; what the agents take from it is validated record by record.
#
#   c1 10.1.0.2                             c2 10.1.0.3   (+ c3 on h1)
#        |                                       |
#   +--- h1 -----+     +------ r -------+    +--- h2 -----+
#   | agent      |     | etcd           |    | agent      |
#   | (options)  |-----| https .1.1:2379|----| (environ-  |
#   | 198.18.1.2 |     | http  .2.1:2379|    |  ment)     |
#   +------------+     | http 127.0.0.1 |    | 198.18.2.2 |
#                      +----------------+    +------------+
#
# One etcd member (Debian's etcd-server) on the router: HTTPS with client
# certificates on 198.18.1.1, plain HTTP on 198.18.2.1 and loopback (for the
# plain-HTTP warning); authentication on, user vxnet with readwrite on
# /vxnet/. The CA and certificates are made here with openssl; etcd 3.4's
# gateway refuses client certificates with a CN, so the client's has none.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/topo.sh"
command -v etcd >/dev/null || { fail "etcd-tls: etcd-server is not installed (make deps)"; exit 1; }
command -v openssl >/dev/null || { fail "etcd-tls: openssl is not installed (make deps)"; exit 1; }

PKI=$TMP/pki
URL=etcds://198.18.1.1:2379
ETCD_PID= A1= A2=
STORE_OPTS=(--store-ca "$PKI/ca.pem" --store-cert "$PKI/client.pem" --store-key "$PKI/client.key"
	--store-user vxnet --store-password-file "$PKI/vxnet.pw")
# h1 gives the options, h2 the environment (as the systemd unit does)
vx1() { "$VXNET" --store "$URL" "${STORE_OPTS[@]}" --pin-dir "$PIN1" -n "$H1" "$@"; }
vx2() {
	VXNET_STORE_CA=$PKI/ca.pem VXNET_STORE_CERT=$PKI/client.pem VXNET_STORE_KEY=$PKI/client.key \
	VXNET_STORE_USER=vxnet VXNET_STORE_PASSWORD_FILE=$PKI/vxnet.pw \
		"$VXNET" --store "$URL" --pin-dir "$PIN2" -n "$H2" "$@"
}
vxs() { "$VXNET" --store "$URL" "${STORE_OPTS[@]}" -n "$H1" "$@"; }
# etcdctl as root, over TLS with the client certificate
etcdr() {
	in_ns "$R" etcdctl --endpoints https://198.18.1.1:2379 --cacert "$PKI/ca.pem" \
		--cert "$PKI/client.pem" --key "$PKI/client.key" ${AUTH_ON:+--user "root:$ROOT_PW"} "$@"
}
ROOT_PW=root-$P AUTH_ON=

mkcerts() { # a CA, etcd's certificate, a client certificate without CN, another CA
	pki_ca "$PKI" ca && pki_ca "$PKI" other-ca &&
	pki_sign "$PKI" server "/CN=etcd" "subjectAltName=IP:198.18.1.1,IP:198.18.2.1,IP:127.0.0.1\nextendedKeyUsage=serverAuth,clientAuth\n" &&
	pki_sign "$PKI" client "/O=vxnet" "extendedKeyUsage=clientAuth\n" &&
	echo "vxnet-pw-$P" >"$PKI/vxnet.pw" && echo "not-the-password" >"$PKI/bad.pw"
}
etcd_start() { # etcd_start [ARGS]: more options for etcd
	# ip execs etcd: $! is etcd's pid
	ip netns exec "$R" etcd --name e1 --data-dir "$TMP/etcd" \
		--listen-client-urls https://198.18.1.1:2379,http://198.18.2.1:2379,http://127.0.0.1:2379 \
		--advertise-client-urls https://198.18.1.1:2379 \
		--listen-peer-urls http://127.0.0.1:2380 --initial-advertise-peer-urls http://127.0.0.1:2380 \
		--initial-cluster e1=http://127.0.0.1:2380 --initial-cluster-token "$P" \
		--cert-file "$PKI/server.pem" --key-file "$PKI/server.key" \
		--trusted-ca-file "$PKI/ca.pem" --client-cert-auth \
		--max-txn-ops 4096 --max-request-bytes 33554432 "$@" >>"$TMP/etcd.log" 2>&1 &
	ETCD_PID=$!
}
etcd_stop() { [ -n "$ETCD_PID" ] && kill -"${1:-TERM}" "$ETCD_PID" 2>/dev/null; wait "$ETCD_PID" 2>/dev/null; ETCD_PID=; }
etcd_healthy() { etcdr endpoint health >/dev/null 2>&1; }
cleanup() {
	[ -n "$A1" ] && kill -KILL "$A1" 2>/dev/null
	[ -n "$A2" ] && kill -KILL "$A2" 2>/dev/null
	etcd_stop KILL
	wait 2>/dev/null
	topo_cleanup
}
trap cleanup EXIT

# bad1 NAME REGEX CMD...: exit status 1 and exactly one stderr line matching REGEX
bad1() {
	local name=$1 re=$2 rc; shift 2
	"$@" >"$TMP/out" 2>"$TMP/err"; rc=$?
	if [ $rc != 1 ]; then fail "$name: exit $rc, expected 1: $(head -3 "$TMP/err" | tr '\n' '|')"
	elif [ "$(wc -l <"$TMP/err")" != 1 ]; then fail "$name: expected one stderr line: $(head -4 "$TMP/err" | tr '\n' '|')"
	elif ! grep -Eq -- "$re" "$TMP/err"; then fail "$name: '$(cat "$TMP/err")' does not match /$re/"
	else ok "$name"; fi
}
logged() { grep -Eq -- "$2" "$TMP/agent$1.log"; }
# iface_ip PIN IP: some veth of PIN's ifaces map belongs to IP
iface_ip() {
	local d
	d=$(map_dump "$1" ifaces) || return 2
	jq -e --argjson ip "$(octets "$2")" 'any(.[]; .formatted.value.ip.octets == $ip)' <<<"$d" >/dev/null
}
ping1() { in_ns "$1" ping -c 1 -W 1 "$2"; }
maps() { # every synced map of PIN, sorted
	local m d
	for m in endpoints ifaces nodes node_vnis networks; do
		d=$(map_dump "$1" "$m") || return 1
		jq -c --arg m "$m" 'sort_by(.key)[] | {map: $m, key, value}' <<<"$d" || return 1
	done
}

# ---- certificates, etcd with TLS and authentication ----
topo_build || { fail "etcd-tls: build topology"; exit 1; }
mkcerts || { fail "etcd-tls: certificates: $(tail -3 "$PKI/log" | tr '\n' '|')"; exit 1; }
etcd_start
wait_for 30 etcd_healthy || { fail "etcd-tls: etcd did not come up: $(waited) $(tails 3 "$TMP/etcd.log")"; exit 1; }
if { etcdr user add root --new-user-password "$ROOT_PW" && etcdr user grant-role root root &&
     etcdr user add vxnet --new-user-password "vxnet-pw-$P" && etcdr role add vxnet &&
     etcdr role grant-permission vxnet --prefix=true readwrite /vxnet/ &&
     etcdr user grant-role vxnet vxnet && etcdr auth enable; } >"$TMP/out" 2>&1; then
	AUTH_ON=1
	ok "etcd-tls: etcd with TLS, client certificates and authentication (user vxnet: readwrite on /vxnet/)"
else
	fail "etcd-tls: etcd auth setup: $(tail -3 "$TMP/out" | tr '\n' '|')"; exit 1
fi

# ---- a prefix vxnet never wrote is not an empty cluster ----
bad1 "etcd-tls: read before any write: no /vxnet/rev" \
	"^vxnet: store $URL: no vxnet state in etcd \(no key /vxnet/rev\); create it with vxnet node add NAME ADDRESS$" vxs node ls

# ---- the right CA, certificate and user: writes and reads ----
if { vxs node add h1 198.18.1.2 && vxs node add h2 198.18.2.2 &&
     vxs network create blue --subnet 10.1.0.0/24; } >"$TMP/out" 2>"$TMP/err" && [ ! -s "$TMP/err" ]; then
	ok "etcd-tls: node add, network create over TLS as user vxnet (nothing on stderr)"
else
	fail "etcd-tls: writes: $(cat "$TMP/err" "$TMP/out" | tail -3 | tr '\n' '|')"; exit 1
fi
[ "$(etcdr get /vxnet/networks/blue --print-value-only 2>/dev/null | jq -r .vni)" = 4096 ] &&
	ok "etcd-tls: /vxnet/networks/blue in etcd" || fail "etcd-tls: /vxnet/networks/blue not in etcd"
out=$(vx2 node ls 2>&1)
if [ "$(echo "$out" | awk 'NR > 1 { print $1 }' | tr '\n' ' ')" = "h1 h2 " ]; then ok "etcd-tls: node ls with the options from the environment"
else fail "etcd-tls: node ls from the environment: $(tr '\n' '|' <<<"$out")"; fi

# ---- reads over gRPC: TLS (ALPN h2), client certificate, token from Auth/Authenticate ----
etcd_stop
etcd_start --enable-grpc-gateway=false
wait_for 30 etcd_healthy || { fail "etcd-tls: etcd without its gateway did not come up: $(tails 3 "$TMP/etcd.log")"; exit 1; }
out=$(vx2 node ls 2>&1)
if [ "$(echo "$out" | awk 'NR > 1 { print $1 }' | tr '\n' ' ')" = "h1 h2 " ]; then
	ok "etcd-tls: node ls over gRPC alone (gateway off): TLS, client certificate, user vxnet"
else fail "etcd-tls: node ls over gRPC: $(tr '\n' '|' <<<"$out")"; fi
etcd_stop
etcd_start
wait_for 30 etcd_healthy || { fail "etcd-tls: etcd did not come back: $(tails 3 "$TMP/etcd.log")"; exit 1; }

# ---- wrong CA, no client certificate, wrong password: one line, exit 1 ----
bad1 "etcd-tls: another CA" "^vxnet: store $URL: cannot verify etcd at 198.18.1.1:2379: .*--store-ca" \
	"$VXNET" --store "$URL" --store-ca "$PKI/other-ca.pem" --store-cert "$PKI/client.pem" --store-key "$PKI/client.key" \
	--store-user vxnet --store-password-file "$PKI/vxnet.pw" -n "$H1" node ls
bad1 "etcd-tls: no client certificate" "^vxnet: store $URL: etcd at 198.18.1.1:2379 dropped the TLS connection \(no client certificate: does it want one\? --store-cert, --store-key\)" \
	"$VXNET" --store "$URL" --store-ca "$PKI/ca.pem" --store-user vxnet --store-password-file "$PKI/vxnet.pw" -n "$H1" node ls
bad1 "etcd-tls: wrong password" "^vxnet: store $URL: authentication as vxnet failed: .*invalid user ID or password" \
	"$VXNET" --store "$URL" --store-ca "$PKI/ca.pem" --store-cert "$PKI/client.pem" --store-key "$PKI/client.key" \
	--store-user vxnet --store-password-file "$PKI/bad.pw" -n "$H1" node ls
bad1 "etcd-tls: no user while etcd wants one" "user name is empty \(etcd has authentication on: --store-user, --store-password-file\)" \
	"$VXNET" --store "$URL" --store-ca "$PKI/ca.pem" --store-cert "$PKI/client.pem" --store-key "$PKI/client.key" -n "$H1" node ls
bad1 "etcd-tls: a CA for plain etcd://" "^vxnet: store etcd://198.18.1.1:2379: --store-ca needs an etcds:// URL \(TLS\)$" \
	"$VXNET" --store etcd://198.18.1.1:2379 --store-ca "$PKI/ca.pem" -n "$H1" node ls
bad1 "etcd-tls: a user without a password file" "--store-user and --store-password-file go together" \
	"$VXNET" --store "$URL" --store-user vxnet -n "$H1" node ls

# ---- plain etcd:// to another host: one warning, once ----
PLAIN=etcd://198.18.2.1:2379,198.18.2.1:2379
"$VXNET" --store "$PLAIN" --store-user vxnet --store-password-file "$PKI/vxnet.pw" -n "$H1" node ls >"$TMP/out" 2>"$TMP/err"
rc=$?
if [ $rc = 0 ] && [ "$(wc -l <"$TMP/err")" = 1 ] && grep -q '^h2 ' "$TMP/out" &&
   grep -q "^vxnet: warning: store $PLAIN: plain HTTP to 198.18.2.1:2379: .* use etcds:// and --store-ca" "$TMP/err"; then
	ok "etcd-tls: plain etcd:// to 198.18.2.1 (listed twice) works with one warning line"
else
	fail "etcd-tls: plain etcd://: exit $rc, stderr '$(tr '\n' '|' <"$TMP/err")'"
fi
"$VXNET" --store "$PLAIN" --store-allow-plain --store-user vxnet --store-password-file "$PKI/vxnet.pw" -n "$H1" node ls >"$TMP/out" 2>"$TMP/err"
[ $? = 0 ] && [ ! -s "$TMP/err" ] && ok "etcd-tls: --store-allow-plain: no warning" ||
	fail "etcd-tls: --store-allow-plain: $(tr '\n' '|' <"$TMP/err")"
in_ns "$R" "$VXNET" --store etcd://127.0.0.1:2379 --store-user vxnet --store-password-file "$PKI/vxnet.pw" node ls >"$TMP/out" 2>"$TMP/err"
[ $? = 0 ] && [ ! -s "$TMP/err" ] && ok "etcd-tls: plain etcd:// on loopback: no warning" ||
	fail "etcd-tls: etcd:// on loopback: $(tr '\n' '|' <"$TMP/err")"

# ---- datapath, agents (h1: options, h2: environment), attach ----
check "etcd-tls: vxnet up h1" vx1 up --node h1 --dev eth0 --decap tc
check "etcd-tls: vxnet up h2 (options from the environment)" vx2 up --node h2 --dev eth0 --decap tc
vx1 agent >"$TMP/agent1.log" 2>&1 & A1=$!
vx2 agent >"$TMP/agent2.log" 2>&1 & A2=$!
for n in 1 2; do
	if wait_for 10 logged $n '^synced at revision'; then ok "etcd-tls: agent on h$n listed over TLS and synced"
	else fail "etcd-tls: agent on h$n did not sync: $(tails 3 "$TMP/agent$n.log")"; fi
done
check "etcd-tls: attach c1 on h1" vx1 attach "$C1" blue --ip 10.1.0.2
check "etcd-tls: attach c2 on h2" vx2 attach "$C2" blue --ip 10.1.0.3
if wait_for 10 ping1 "$C1" 10.1.0.3 && wait_for 10 ping1 "$C2" 10.1.0.2; then
	ok "etcd-tls: c1 and c2 reach each other through the agents (no sync)"
else
	fail "etcd-tls: c1 <-> c2: $(tails 2 "$TMP/agent1.log" "$TMP/agent2.log")"
fi

# ---- records written by hand: invalid ones skipped with their key ----
blue=$(etcdr get /vxnet/networks/blue --print-value-only)
veth1=$(vxs endpoint ls | awk -v n="h1-${P}c1-blue" '$1 == n { print $6 }')
etcdr put /vxnet/endpoints/bad-ip '{"name":"bad-ip","network":"blue","node":"h2","ip":"10.9.9.9","mac":"02:42:0a:09:09:09"}' >/dev/null
etcdr put /vxnet/endpoints/evil "{\"name\":\"evil\",\"network\":\"blue\",\"node\":\"h1\",\"ip\":\"10.1.0.66\",\"mac\":\"02:42:0a:01:00:42\",\"host_ifname\":\"$veth1\"}" >/dev/null
etcdr put /vxnet/networks/blue '{"name":"blue","vni":4096,"mtu":0,"subnets":[{"subnet":"10.5.0.0/24","gateway":"10.5.0.1"}]}' >/dev/null
etcdr put /vxnet/endpoints/ok9 '{"name":"ok9","network":"blue","node":"h2","ip":"10.1.0.9","mac":"02:42:0a:01:00:09"}' >/dev/null
for n in 1 2; do
	if wait_for 10 logged $n '^vxnet: etcd /vxnet/endpoints/bad-ip \(skipped\): endpoint bad-ip: address 10\.9\.9\.9 is outside the subnets of network blue \(10\.1\.0\.0/24\)$'; then
		ok "etcd-tls: agent h$n: an endpoint with a bad address is logged with its key and skipped"
	else
		fail "etcd-tls: agent h$n: bad-ip: $(tails 4 "$TMP/agent$n.log")"
	fi
	if wait_for 10 logged $n '^vxnet: etcd /vxnet/networks/blue \(skipped\): endpoint .* is outside the subnets of network blue \(10\.5\.0\.0/24\)$'; then
		ok "etcd-tls: agent h$n: a change that strands blue's endpoints is logged with its key and skipped"
	else
		fail "etcd-tls: agent h$n: blue: $(tails 4 "$TMP/agent$n.log")"
	fi
	if wait_for 10 map_has_ip "/sys/fs/bpf/${P}h$n" 10.1.0.9; then ok "etcd-tls: agent h$n: a valid record written by hand still applies"
	else fail "etcd-tls: agent h$n: ok9 not in the map: $(waited)"; fi
done
if wait_for 10 logged 1 "^vxnet: warning: endpoint evil: interface $veth1 is not the veth vxnet made for it; not forwarding to it$"; then
	ok "etcd-tls: agent h1: an endpoint carrying c1's veth ($veth1) is logged and not forwarded to"
else
	fail "etcd-tls: agent h1: evil: $(tails 4 "$TMP/agent1.log")"
fi
map_lacks_ip "$PIN1" 10.9.9.9 && map_lacks_ip "$PIN2" 10.9.9.9 && ok "etcd-tls: bad-ip is in no map" ||
	fail "etcd-tls: bad-ip reached a map"
if map_lacks_ip "$PIN1" 10.1.0.66 && ! iface_ip "$PIN1" 10.1.0.66 && iface_ip "$PIN1" 10.1.0.2; then
	ok "etcd-tls: c1's veth still belongs to c1 in h1's ifaces map; evil has no entry"
else
	fail "etcd-tls: h1's ifaces/endpoints after evil: $(map_dump "$PIN1" ifaces | jq -c '[.[].formatted.value.ip.octets]')"
fi
check "etcd-tls: blue's old entries kept: c1 -> c2" ping1 "$C1" 10.1.0.3
check "etcd-tls: c2 -> c1" ping1 "$C2" 10.1.0.2

# ---- etcd restarts and forgets its tokens: the agents authenticate again
# and list again; the list keeps blue's last good version too ----
n1=$(grep -c '^synced at revision' "$TMP/agent1.log") n2=$(grep -c '^synced at revision' "$TMP/agent2.log")
b1=$(grep -c '/vxnet/networks/blue (skipped)' "$TMP/agent1.log")
etcd_stop
etcd_start
wait_for 30 etcd_healthy || fail "etcd-tls: etcd did not restart: $(waited)"
for n in 1 2; do
	was=$([ $n = 1 ] && echo "$n1" || echo "$n2")
	if wait_for 20 bash -c "[ \$(grep -c '^synced at revision' '$TMP/agent$n.log') -gt $was ]"; then
		ok "etcd-tls: agent h$n listed again after etcd's restart (new token)"
	else
		fail "etcd-tls: agent h$n after etcd's restart: $(tails 3 "$TMP/agent$n.log")"
	fi
done
[ "$(grep -c '/vxnet/networks/blue (skipped)' "$TMP/agent1.log")" -gt "$b1" ] &&
	ok "etcd-tls: agent h1's list after the restart skipped blue's bad version again" ||
	fail "etcd-tls: agent h1's list after the restart: $(tails 4 "$TMP/agent1.log")"
if map_has_ip "$PIN1" 10.1.0.3 && map_has_ip "$PIN2" 10.1.0.2 && ping1 "$C1" 10.1.0.3 >/dev/null; then
	ok "etcd-tls: after the restart's list blue's endpoints are still forwarded to"
else
	fail "etcd-tls: blue's endpoints after the restart's list: $(tails 3 "$TMP/agent1.log")"
fi

# ---- a restarted agent: its first list leaves out bad records (logged with
# their keys) and syncs the rest ----
etcdr put /vxnet/networks/blue "$blue" >/dev/null || fail "etcd-tls: restore blue"
kill -TERM "$A1"; wait "$A1"; A1=
vx1 agent >"$TMP/agent1.log" 2>&1 & A1=$!
if wait_for 10 logged 1 '^synced at revision [0-9]+: 2 nodes, 1 networks, 4 endpoints; 0 added, 0 changed, 0 removed' &&
   logged 1 '^vxnet: etcd /vxnet/endpoints/bad-ip \(skipped\): endpoint bad-ip: address 10\.9\.9\.9 is outside'; then
	ok "etcd-tls: a restarted agent's list skips bad-ip (logged with its key) and changes nothing"
else
	fail "etcd-tls: agent restart over bad records: $(tails 5 "$TMP/agent1.log")"
fi
bad1 "etcd-tls: the CLI refuses the store while it holds a bad record" \
	"^vxnet: $URL: endpoint bad-ip: address 10\.9\.9\.9 is outside the subnets of network blue" vxs endpoint ls
etcdr del /vxnet/endpoints/bad-ip >/dev/null && etcdr del /vxnet/endpoints/evil >/dev/null ||
	fail "etcd-tls: delete the hand-written records"
check "etcd-tls: the CLI reads the store again" vxs endpoint ls

# ---- one watch event over 16 MiB: said once, listed again, maps kept ----
big=$(python3 -c 'import base64, json
v = "{\"name\":\"big\",\"address\":\"" + "x" * (17 << 20) + "\"}"
print(json.dumps({"key": base64.b64encode(b"/vxnet/nodes/big").decode(), "value": base64.b64encode(v.encode()).decode()}))' >"$TMP/big.json" &&
	in_ns "$R" curl -sS --cacert "$PKI/ca.pem" --cert "$PKI/client.pem" --key "$PKI/client.key" \
		https://198.18.1.1:2379/v3/auth/authenticate -d "{\"name\":\"root\",\"password\":\"$ROOT_PW\"}" | jq -r .token) &&
	in_ns "$R" curl -sS --cacert "$PKI/ca.pem" --cert "$PKI/client.pem" --key "$PKI/client.key" -H "Authorization: $big" \
		https://198.18.1.1:2379/v3/kv/put --data-binary @"$TMP/big.json" | jq -e .header >/dev/null ||
	fail "etcd-tls: put a 17 MiB record"
maps "$PIN2" >"$TMP/maps.before" 2>/dev/null
if wait_for 15 logged 2 'watch on 198\.18\.1\.1:2379: an event longer than 16 MiB; keeping the maps' &&
   wait_for 15 logged 2 "^vxnet: etcd /vxnet/nodes/big \(skipped\): record: 'address' is longer than"; then
	ok "etcd-tls: agent h2: an oversized watch event is refused in one line, the record skipped at the next list"
else
	fail "etcd-tls: agent h2 and the 17 MiB record: $(tails 4 "$TMP/agent2.log" | cut -c 1-600)"
fi
maps "$PIN2" >"$TMP/maps.after" 2>/dev/null
cmp -s "$TMP/maps.before" "$TMP/maps.after" && ok "etcd-tls: h2's maps unchanged by the oversized record" ||
	fail "etcd-tls: h2's maps changed: $(diff "$TMP/maps.before" "$TMP/maps.after" | head -3 | tr '\n' '|')"
etcdr del /vxnet/nodes/big >/dev/null || fail "etcd-tls: delete the 17 MiB record"

# ---- after all that, the watch still follows changes ----
check "etcd-tls: attach c3 on h1" vx1 attach "$C3" blue --ip 10.1.0.4
if wait_for 10 ping1 "$C2" 10.1.0.4; then ok "etcd-tls: c2 reaches c3: h2's agent follows the watch"
else fail "etcd-tls: c2 -> c3: $(tails 3 "$TMP/agent2.log")"; fi

# ---- /vxnet/rev gone: reads fail, sync changes nothing ----
maps "$PIN1" >"$TMP/maps.before" || fail "etcd-tls: h1's maps before"
etcdr del /vxnet/rev >/dev/null || fail "etcd-tls: delete /vxnet/rev"
bad1 "etcd-tls: sync with no /vxnet/rev" "^vxnet: store $URL: no vxnet state in etcd \(no key /vxnet/rev\)" vx1 sync
bad1 "etcd-tls: up with no /vxnet/rev" "^vxnet: store $URL: no vxnet state in etcd \(no key /vxnet/rev\)" vx1 up --node h1 --dev eth0 --decap tc
maps "$PIN1" >"$TMP/maps.after" || fail "etcd-tls: h1's maps after"
cmp -s "$TMP/maps.before" "$TMP/maps.after" && ok "etcd-tls: sync and up with no /vxnet/rev left h1's maps as they were" ||
	fail "etcd-tls: h1's maps changed: $(diff "$TMP/maps.before" "$TMP/maps.after" | head -3 | tr '\n' '|')"
check "etcd-tls: c1 -> c2 at the end" ping1 "$C1" 10.1.0.3
finish
