#!/bin/bash
# End-to-end: the life of a host's datapath and the commands that change it.
# down and up under TCP; containers cut off while vxnet is down; a failed up
# that leaves the running datapath as it was; up on another device; the
# underlay's forwarding put back by down; concurrent attaches; the agent's
# resync timer and its pickup of new pins; a detach whose store write fails;
# etcd transactions whose reply is lost; attach's checks of NETNS.
#
#   c1 10.1.0.2  c3 10.1.0.4  d1..d6 10.1.0.11-16               c2 10.1.0.3
#   /proc/PID/ns/net of two processes (first free)              e1 10.1.0.21
#        |           |           |                                   |
#   +-------------------- h1 ----------------------+  +-- r ---+  +--- h2 ----+
#   | vxnet (state file), tc on the vx* veths      |  | etcd   |  | vxnet     |
#   | eth0 198.18.1.2 -----------------------------+--+ r1  r2 +--+ eth0 .2.2 |
#   | nx0, nx1: bridges without ports (no native   |  | proxy  |  +-----------+
#   |   XDP), underlays that carry no traffic,     |  +--------+
#   |   with h1's address too (/32: up wants it)   |
#   +----------------------------------------------+
#
#   state: $TMP/fs/state.json, on a 4 MB tmpfs filled up to make a write fail
#   etcd (h2's second life) on 198.18.1.1:2379; a proxy on :23790 forwards
#   to it and, on demand, loses a transaction's reply or fails it
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/topo.sh"
command -v etcd >/dev/null || { fail "lifecycle: etcd-server is not installed (make deps)"; exit 1; }

export VXNET_STORE_ALLOW_PLAIN=1 # etcd on the test's own underlay
FS=$TMP/fs
STATE=$FS/state.json
PINX=/sys/fs/bpf/${P}x PINE=/sys/fs/bpf/${P}h2e
E1=${P}e1
D=() SLEEPS=() AGENT= ETCD= PROXY=
for i in 1 2 3 4 5 6; do D[$i]=${P}d$i; done
ESTORE=etcd://198.18.1.1:2379
vxx() { "$VXNET" --state "$STATE" --pin-dir "$PINX" -n "$H1" "$@"; }     # h1, a second pin dir
vxe() { "$VXNET" --store "$ESTORE" --pin-dir "$PINE" -n "$H2" "$@"; }    # h2 on etcd
vxp() { "$VXNET" --store "etcd://198.18.1.1:23790,198.18.1.1:2379" --pin-dir "$PINE" -n "$H2" "$@"; }
vxf() { "$VXNET" --store "etcd://198.18.1.1:23790" --pin-dir "$PINE" -n "$H2" "$@"; }
etcdctl_() { nsenter --net=/run/netns/"$R" etcdctl --endpoints 198.18.1.1:2379 "$@"; }

cleanup() {
	local p
	for p in $AGENT "${SLEEPS[@]}"; do kill -KILL "$p" 2>/dev/null; done
	[ -e "$PINE" ] && vxe down >/dev/null 2>&1
	for p in $PROXY $ETCD; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	[ -e "$PINX" ] && rm -rf "$PINX"
	[ -e "$PIN1" ] && vx1 down >/dev/null 2>&1
	[ -e "$PIN2" ] && vx2 down >/dev/null 2>&1
	umount "$FS" 2>/dev/null
	topo_cleanup
}
trap cleanup EXIT

# ---- helpers: links, hooks, forwarding, the host record ----
hostif() { jq -r --arg n "$1" '.endpoints[] | select(.name == $n) | .host_ifname' "$STATE"; }
# link_json NS DEV: ip's JSON for DEV; fails, saying why, when there is none
link_json() {
	local j
	j=$(ip -n "$1" -j link show "$2" 2>&1) && jq -e '.[0]' <<<"$j" >/dev/null 2>&1 ||
		{ echo "ip -n $1 link show $2: $j" >&2; return 2; }
	printf '%s\n' "$j"
}
ifindex() { local j; j=$(link_json "$1" "$2") && jq -e '.[0].ifindex' <<<"$j"; }
# link_is NS DEV up|down: the link exists and is administratively up / down
link_is() {
	local j flags
	j=$(link_json "$1" "$2") || return 2
	flags=$(jq -c '.[0].flags' <<<"$j")
	case $3 in
	up) jq -e 'index("UP")' <<<"$flags" >/dev/null || { echo "$2 is down: $flags" >&2; return 1; } ;;
	down) jq -e 'index("UP") | not' <<<"$flags" >/dev/null || { echo "$2 is up: $flags" >&2; return 1; } ;;
	esac
}
# tc_has NS DEV yes|no: DEV has / has no vxnet TC ingress filter
tc_has() {
	local out
	out=$(tc -n "$1" filter show dev "$2" ingress 2>&1) || { echo "tc on $2: $out" >&2; return 2; }
	if grep -q 'vxnet_' <<<"$out"; then [ "$3" = yes ]; else [ "$3" = no ]; fi ||
		{ echo "vxnet filter on $2: expected $3: $out" >&2; return 1; }
}
# xdp_has NS DEV yes|no
xdp_has() {
	local j x
	j=$(link_json "$1" "$2") || return 2
	x=$(jq '.[0] | has("xdp")' <<<"$j")
	[ "$x" = "$([ "$3" = yes ] && echo true || echo false)" ] || { echo "xdp on $2: $x" >&2; return 1; }
}
fwd() { nsenter --net=/run/netns/"$1" cat "/proc/sys/net/ipv4/conf/$2/forwarding"; }
fwd_is() { local v; v=$(fwd "$1" "$2") && [ "$v" = "$3" ] || { echo "forwarding of $2 is '$v'" >&2; return 1; }; }
fwd_set() { nsenter --net=/run/netns/"$1" sysctl -qw "net.ipv4.conf.$2.forwarding=$3"; }
# host_rec PIN: the host record's underlay ifindex and decap mode
host_rec() { local d; d=$(map_dump "$1" host) && jq -ce '.[0].formatted.value | [.ifindex, .decap]' <<<"$d"; }
rec_is() { local r; r=$(host_rec "$1") && [ "$r" = "$2" ] || { echo "host record $r, not $2" >&2; return 1; }; }
# echo requests h1's kernel received (it answered each)
h1_echos() { in_ns "$H1" awk '/^Icmp:/ { if (c) print $c; else for (i = 1; i <= NF; i++) if ($i == "InEchos") c = i }' /proc/net/snmp; }
echos_are() {
	local v
	v=$(h1_echos) && is_count "$v" "$1" || return 2
	[ "$v" = "$1" ] || { echo "h1 received $((v - $1)) echo requests" >&2; return 1; }
}
no_neigh() {
	local n
	n=$(ip -n "$1" neigh show "$2" 2>&1) || { echo "ip -n $1 neigh: $n" >&2; return 2; }
	! grep -q lladdr <<<"$n" || { echo "$1 learnt $2: $n" >&2; return 1; }
}
ping_ok() { in_ns "$1" ping -c 2 -i 0.2 -W 2 "$2"; }

topo_build || { fail "lifecycle: build topology"; exit 1; }
mkdir -p "$FS" && mount -t tmpfs -o size=4m "${P}fs" "$FS" || { fail "lifecycle: tmpfs for the state"; exit 1; }
ip -n "$H1" link add nx0 type bridge && ip -n "$H1" link add nx1 type bridge &&
	ip -n "$H1" addr add 198.18.1.2/32 dev nx0 && ip -n "$H1" addr add 198.18.1.2/32 dev nx1 &&
	ip -n "$H1" link set nx0 up && ip -n "$H1" link set nx1 up || { fail "lifecycle: bridge devices"; exit 1; }
check "lifecycle: h1's eth0 does not forward before vxnet up" fwd_is "$H1" eth0 0
topo_vxnet tc || { fail "lifecycle: vxnet up and attach: $(cat "$TMP/out" 2>/dev/null)"; exit 1; }
C1IF=$(hostif "h1-${P}c1-blue") C3IF=$(hostif "h1-${P}c3-blue")
check "lifecycle: up turned on forwarding on eth0" fwd_is "$H1" eth0 1

# ---- down and up: containers cut off while down, traffic after up ----
# A container that routes h1's underlay address onto its link would reach
# h1 itself through a veth without vxnet's program.
in_ns "$C1" ip route add 198.18.1.2/32 dev eth0
e0=$(h1_echos)
check_not "down/up: while up, c1 cannot reach h1's underlay address" ping_ok "$C1" 198.18.1.2
check "down/up: while up, h1 received no echo request from c1" echos_are "$e0"
tcp_transfer "down/up: TCP c1 -> c2 before down" "$C2" 10.1.0.3 "$C1"
check "down/up: vxnet down on h1" vx1 down
check "down/up: down took c1's veth down" link_is "$H1" "$C1IF" down
check "down/up: down took c3's veth down" link_is "$H1" "$C3IF" down
check "down/up: no vxnet program on c1's veth" tc_has "$H1" "$C1IF" no
check "down/up: c1 and c3 stay in the state" jq -e '[.endpoints[] | select(.node == "h1")] | length == 2' "$STATE"
check "down/up: down turned eth0's forwarding off again (off before up)" fwd_is "$H1" eth0 0
ip -n "$C1" neigh flush dev eth0
e0=$(h1_echos)
check_not "down/up: while down, c1 cannot reach h1's underlay address" ping_ok "$C1" 198.18.1.2
check "down/up: while down, h1 received no echo request from c1" echos_are "$e0"
check "down/up: while down, h1 did not answer c1's ARP" no_neigh "$C1" 198.18.1.2
check "down/up: vxnet up on h1 again" vx1 up --node h1 --dev eth0 --decap tc
for v in "$C1IF" "$C3IF"; do
	check "down/up: $v has vxnet's program again" tc_has "$H1" "$v" yes
	check "down/up: $v is up again" link_is "$H1" "$v" up
done
check "down/up: ping c1 -> c2 after down and up" ping_ok "$C1" 10.1.0.3
check "down/up: ping c1 -> c3 after down and up" ping_ok "$C1" 10.1.0.4
tcp_transfer "down/up: TCP c1 -> c2 after up" "$C2" 10.1.0.3 "$C1"
in_ns "$C1" ip route del 198.18.1.2/32 dev eth0

# ---- a failed up changes nothing ----
rec0=$(host_rec "$PIN1")
expect_err "failed up: --decap xdp on nx0 (no native XDP): one line" 'up: attach XDP to nx0' \
	vx1 up --node h1 --dev nx0 --decap xdp
check "failed up: h1's host record unchanged ($rec0)" rec_is "$PIN1" "$rec0"
check "failed up: eth0 keeps vxnet's tc decap" tc_has "$H1" eth0 yes
check "failed up: nx0's forwarding still off" fwd_is "$H1" nx0 0
check "failed up: ping c1 -> c2 still works" ping_ok "$C1" 10.1.0.3
expect_err "failed first up (a new pin dir): one line" 'up: attach XDP to nx0' \
	vxx up --node h1 --dev nx0 --decap xdp
check "failed first up: its pin dir is gone" test ! -e "$PINX"
check "failed first up: h1's datapath untouched" rec_is "$PIN1" "$rec0"

# ---- up on another device takes vxnet's hooks off the old one ----
check "move: up on nx1 (tc)" vx1 up --node h1 --dev nx1 --decap tc
check "move: eth0 lost vxnet's tc filter" tc_has "$H1" eth0 no
check "move: nx1 has it" tc_has "$H1" nx1 yes
check "move: eth0's forwarding off again" fwd_is "$H1" eth0 0
check "move: nx1 forwards" fwd_is "$H1" nx1 1
check "move: up on eth0 (xdp)" vx1 up --node h1 --dev eth0 --decap xdp
check "move: eth0 has XDP" xdp_has "$H1" eth0 yes
check "move: nx1 lost vxnet's tc filter" tc_has "$H1" nx1 no
check "move: nx1's forwarding off again" fwd_is "$H1" nx1 0
check "move: up on nx1 (tc) again" vx1 up --node h1 --dev nx1 --decap tc
check "move: eth0 lost vxnet's XDP" xdp_has "$H1" eth0 no
check "move: back on eth0 (tc)" vx1 up --node h1 --dev eth0 --decap tc
check "move: nx1 lost vxnet's tc filter again" tc_has "$H1" nx1 no
check "move: ping c1 -> c2" ping_ok "$C1" 10.1.0.3

# ---- down keeps forwarding that was on before up ----
check "forwarding: down" vx1 down
fwd_set "$H1" eth0 1
check "forwarding: up with eth0 already forwarding" vx1 up --node h1 --dev eth0 --decap tc
check "forwarding: down" vx1 down
check "forwarding: down left eth0 forwarding (on before up)" fwd_is "$H1" eth0 1
fwd_set "$H1" eth0 0
check "forwarding: up" vx1 up --node h1 --dev eth0 --decap tc

# ---- one writer at a time: the pin directory's lock ----
for i in 1 2 3 4 5 6; do mkns "${D[$i]}" || { fail "concurrent: namespaces"; exit 1; }; done
# waits_for_lock NAME CMD...: CMD succeeds, but only after a 2 s holder of
# h1's pin directory lock let go
waits_for_lock() {
	local name=$1 holder t0 ms; shift
	flock "$PIN1" sleep 2 & holder=$!
	sleep 0.3
	t0=${EPOCHREALTIME//[^0-9]/}
	if ! "$@" >"$TMP/out" 2>&1; then fail "$name: '$*' failed: $(tail -n 2 "$TMP/out" | tr '\n' ' ')"
	else
		ms=$(((${EPOCHREALTIME//[^0-9]/} - t0) / 1000))
		if [ "$ms" -ge 1200 ]; then ok "$name (waited $ms ms)"; else fail "$name: done after $ms ms, while the lock was held"; fi
	fi
	wait "$holder"
}
waits_for_lock "lock: vxnet sync waits for the writer holding h1's lock" vx1 sync
waits_for_lock "lock: attach waits for it" vx1 attach "${D[1]}" blue --ip 10.1.0.11
waits_for_lock "lock: detach waits for it" vx1 detach "${D[1]}" blue
waits_for_lock "lock: up waits for it" vx1 up --node h1 --dev eth0 --decap tc

# ---- concurrent attaches and detaches on one host ----
# concurrently VERB: vxnet VERB on d1..d6 at once; prints how many failed
concurrently() {
	local pids=() i bad=0
	for i in 1 2 3 4 5 6; do
		vx1 "$1" "${D[$i]}" blue ${2:+--ip 10.1.0.1$i} >"$TMP/conc$i.out" 2>&1 & pids[$i]=$!
	done
	for i in 1 2 3 4 5 6; do wait "${pids[$i]}" || bad=$((bad + 1)); done
	echo $bad
}
for round in 1 2; do
	bad=$(concurrently attach ip)
	if [ "$bad" = 0 ]; then ok "concurrent $round: six attaches at once succeed"
	else fail "concurrent $round: $bad attaches failed: $(tails 1 "$TMP"/conc?.out)"; fi
	for i in 1 2 3 4 5 6; do
		ifx=$(ifindex "$H1" "$(hostif "h1-${D[$i]}-blue")")
		check "concurrent $round: d$i in h1's endpoints map" map_has_ip "$PIN1" "10.1.0.1$i"
		check "concurrent $round: d$i's veth in h1's ifaces map" map_has "$PIN1" ifaces ". == ${ifx:-0}"
	done
	check "concurrent $round: c1 reaches d6" ping_ok "$C1" 10.1.0.16
	bad=$(concurrently detach)
	if [ "$bad" = 0 ]; then ok "concurrent $round: six detaches at once succeed"
	else fail "concurrent $round: $bad detaches failed: $(tails 1 "$TMP"/conc?.out)"; fi
	for i in 1 2 3 4 5 6; do
		check "concurrent $round: d$i left h1's endpoints map" map_lacks_ip "$PIN1" "10.1.0.1$i"
	done
done

# ---- the agent: resync timer, new pins ----
"$VXNET" --state "$STATE" --pin-dir "$PIN1" -n "$H1" agent --resync 1 >"$TMP/agent1.log" 2>&1 & AGENT=$!
if wait_for 10 grep -q '^synced at revision' "$TMP/agent1.log"; then ok "agent: started with --resync 1"
else fail "agent: did not start: $(tails 3 "$TMP/agent1.log")"; fi
# c2's endpoints key: VNI 4096 and 10.1.0.3, as the map stores them
check "agent: bpftool deletes c2's entry from h1's map" \
	bpftool map delete pinned "$PIN1/endpoints" key hex 00 10 00 00 0a 01 00 03
if wait_for 5 map_has_ip "$PIN1" 10.1.0.3 && wait_for 5 grep -q 'resync at revision .* 1 added' "$TMP/agent1.log"; then
	ok "agent: the resync timer put c2's entry back"
else
	fail "agent: c2's entry not back: $(waited) $(tails 3 "$TMP/agent1.log")"
fi
kill "$AGENT"; wait "$AGENT"; AGENT=
"$VXNET" --state "$STATE" --pin-dir "$PIN1" -n "$H1" agent --resync 0 >"$TMP/agent2.log" 2>&1 & AGENT=$!
if wait_for 10 grep -q '^synced at revision' "$TMP/agent2.log"; then ok "agent: started with --resync 0"
else fail "agent: did not start: $(tails 3 "$TMP/agent2.log")"; fi
check "agent: vxnet down while the agent runs" vx1 down
check "agent: vxnet up again" vx1 up --node h1 --dev eth0 --decap tc
if wait_for 10 grep -q 'are new maps' "$TMP/agent2.log"; then ok "agent: noticed the new pins"
else fail "agent: did not notice the new pins: $(tails 3 "$TMP/agent2.log")"; fi
check "agent: endpoint e9 added on h2 while the agent runs" \
	vxs endpoint add "${P}e9" --network blue --node h2 --ip 10.1.0.99
if wait_for 10 map_has_ip "$PIN1" 10.1.0.99; then ok "agent: wrote e9 into the new maps, no restart"
else fail "agent: e9 not in the new maps: $(waited) $(tails 3 "$TMP/agent2.log")"; fi
kill "$AGENT"; wait "$AGENT"; AGENT=
vxs endpoint rm "${P}e9" >/dev/null && vx1 sync >/dev/null

# ---- a detach whose store write fails keeps the veth ----
dd if=/dev/zero of="$FS/fill" bs=64k >/dev/null 2>&1
expect_err "store fails: detach c3 with the state's filesystem full: one line" 'No space left on device' \
	vx1 detach "$C3" blue
check "store fails: c3's veth is still there and up" link_is "$H1" "$C3IF" up
check "store fails: c3 still in the state" jq -e 'any(.endpoints[]; .ip == "10.1.0.4")' "$STATE"
check "store fails: c1 still reaches c3" ping_ok "$C1" 10.1.0.4
rm -f "$FS/fill"
check "store fails: detach c3 once the state can be written" vx1 detach "$C3" blue
check "store fails: then c3's veth is gone" link_gone "$H1" "$C3IF"
check "store fails: and its map entry" map_lacks_ip "$PIN1" 10.1.0.4

# ---- NETNS: /proc/PID/ns/net names, a path too long ----
for i in 1 2; do unshare -n sleep 600 & SLEEPS+=($!); done
own=$(readlink /proc/self/ns/net)
for s in "${SLEEPS[@]}"; do wait_for 5 test "$(readlink "/proc/$s/ns/net")" != "$own"; done
for s in "${SLEEPS[@]}"; do check "netns: attach /proc/$s/ns/net" vx1 attach "/proc/$s/ns/net" blue; done
check "netns: default names h1-pid${SLEEPS[0]}-blue and h1-pid${SLEEPS[1]}-blue" \
	jq -e --arg a "h1-pid${SLEEPS[0]}-blue" --arg b "h1-pid${SLEEPS[1]}-blue" \
	'[.endpoints[].name] | index($a) != null and index($b) != null' "$STATE"
for s in "${SLEEPS[@]}"; do check "netns: detach /proc/$s/ns/net" vx1 detach "/proc/$s/ns/net" blue; done
long=/$(printf 'n%.0s' $(seq 299))
expect_err "netns: attach with a 300-character path: one line" \
	'attach: network namespace path is too long \(300 characters, at most 255\)' vx1 attach "$long" blue
expect_err "netns: detach with a 300-character path: one line" \
	'detach: network namespace path is too long' vx1 detach "$long" blue

# ---- etcd: a lost reply, a failed transaction ----
check "etcd: vxnet down on h2 (the state file's)" vx2 down
nsenter --net=/run/netns/"$R" etcd --name e1 --data-dir "$TMP/etcd" \
	--listen-client-urls http://198.18.1.1:2379 --advertise-client-urls http://198.18.1.1:2379 \
	--listen-peer-urls http://198.18.1.1:2380 --initial-advertise-peer-urls http://198.18.1.1:2380 \
	--initial-cluster e1=http://198.18.1.1:2380 --initial-cluster-token "$P" \
	--initial-cluster-state new >"$TMP/etcd.log" 2>&1 & ETCD=$!
cat >"$TMP/proxy.py" <<'EOF'
# An etcd gateway proxy: forwards every POST; for /v3/kv/txn, the mode file
# says "pass", "lose" (forward, then close without a reply; back to pass) or
# "fail" (answer HTTP 400 without forwarding).
import http.server, socket, sys, urllib.error, urllib.request

host, port, upstream, modefile = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))

class Proxy(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def reply(self, code, body):
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        mode = open(modefile).read().strip() if self.path == "/v3/kv/txn" else "pass"
        if mode == "fail":
            print("failed a transaction", flush=True)
            return self.reply(400, b'{"error":"injected failure","message":"injected failure","code":3}')
        req = urllib.request.Request(upstream + self.path, data=body,
                                     headers={"Content-Type": "application/json"})
        try:
            with opener.open(req, timeout=10) as r:
                code, data = r.status, r.read()
        except urllib.error.HTTPError as e:
            code, data = e.code, e.read()
        if mode == "lose":
            open(modefile, "w").write("pass\n")
            print("lost the reply of a transaction", flush=True)
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        self.reply(code, data)

    def log_message(self, *args):
        pass

http.server.ThreadingHTTPServer((host, port), Proxy).serve_forever()
EOF
echo pass >"$TMP/proxy.mode"
nsenter --net=/run/netns/"$R" python3 "$TMP/proxy.py" 198.18.1.1 23790 http://198.18.1.1:2379 \
	"$TMP/proxy.mode" >"$TMP/proxy.log" 2>&1 & PROXY=$!
if wait_for 30 etcdctl_ endpoint health; then ok "etcd: etcd answers"
else fail "etcd: no etcd: $(waited) $(tails 2 "$TMP/etcd.log")"; exit 1; fi
check "etcd: h2 and blue in etcd, vxnet up on h2" eval 'vxe node add h2 198.18.2.2 && vxe network create blue --subnet 10.1.0.0/24 && vxe up --node h2 --dev eth0 --decap tc'
if wait_for 10 vxf node ls; then ok "etcd: the proxy answers"
else fail "etcd: no proxy: $(waited) $(tails 2 "$TMP/proxy.log")"; exit 1; fi
mkns "$E1" || { fail "etcd: namespace e1"; exit 1; }
echo lose >"$TMP/proxy.mode"
check "etcd: attach e1 through a member that loses the transaction's reply" vxp attach "$E1" blue --ip 10.1.0.21
check "etcd: the proxy lost a reply" grep -q 'lost the reply' "$TMP/proxy.log"
check "etcd: e1 has one record" eval "[ \"\$(etcdctl_ get /vxnet/endpoints/ --prefix --keys-only | grep -c '^/vxnet/endpoints/')\" = 1 ]"
EIF=$(etcdctl_ get "/vxnet/endpoints/h2-$E1-blue" --print-value-only | jq -r .host_ifname)
check "etcd: e1's veth is up" link_is "$H2" "$EIF" up
check "etcd: e1 in h2's map" map_has_ip "$PINE" 10.1.0.21
echo fail >"$TMP/proxy.mode"
expect_err "etcd: detach e1 when the transaction fails: one line" 'injected failure' vxf detach "$E1" blue
check "etcd: after the failed detach, e1's veth is still up" link_is "$H2" "$EIF" up
check "etcd: and e1's record is still there" eval "etcdctl_ get /vxnet/endpoints/h2-$E1-blue --print-value-only | grep -q 10.1.0.21"
echo lose >"$TMP/proxy.mode"
check "etcd: detach e1 through a member that loses the reply" vxp detach "$E1" blue
check "etcd: the proxy lost a second reply" eval "[ \"\$(grep -c 'lost the reply' \"$TMP/proxy.log\")\" = 2 ]"
check "etcd: e1's veth is gone" link_gone "$H2" "$EIF"
check "etcd: e1's record is gone" eval "[ -z \"\$(etcdctl_ get /vxnet/endpoints/ --prefix --keys-only)\" ]"
check "etcd: e1 left h2's map" map_lacks_ip "$PINE" 10.1.0.21
finish
