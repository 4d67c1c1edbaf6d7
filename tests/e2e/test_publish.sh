#!/bin/bash
# Published ports (issue 13, item 2): HOSTPORT on every node's underlay
# address reaches a container's PORT wherever it lives, and the container
# sees the client's own address. Traffic from a client outside every overlay.
#
#   c1 web   10.1.0.2 8080:80 5353:53/udp       c2 plain 10.1.0.3 (publishes nothing)
#   c4 svc-a 10.1.0.5 9090:80                   c5 svc-b 10.1.0.6 9090:80
#                                               c6 svc-c 10.1.0.7 9090:80 (joins later)
#        |                                           |
#   +--- h1 198.18.1.2 ---+   +------- r -------+   +--- h2 198.18.2.2 ---+
#   | vxnet               |---| r1  r2       r3 |---| vxnet               |
#   +---------------------+   +-----------|-----+   +---------------------+
#                                         |
#                                  eth0 198.18.100.2  ${P}out: the client
#
# Every container runs srv.py: TCP 80 and 7777, UDP 53; each TCP line is
# answered "NAME LINE PEER:PORT", each datagram the same way, and logged, so
# both the answer and the container's log say who answered and which client
# address it saw. Client to h2:8080 goes h2 -> VXLAN (marked) -> h1 -> c1,
# c1's answer h1 -> VXLAN -> h2 -> client from 198.18.2.2:8080.
# Usage: test_publish.sh [tc|xdp]   (decap mode; xdp runs on the wire topology)
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/topo.sh"
MODE=${1:-tc}
T="publish-$MODE"
trap topo_cleanup EXIT
CLIENT=${P}out # topo_outside's namespace, 198.18.100.2
HOST1=198.18.1.2 HOST2=198.18.2.2 ME=198.18.100.2

topo_build "$([ "$MODE" = xdp ] && echo wire)" || { fail "$T: build topology"; exit 1; }
topo_outside || { fail "$T: outside client namespace"; exit 1; }
for ns in "$C4" "$C5" "$C6"; do mkns "$ns" || { fail "$T: namespace $ns"; exit 1; }; done

# srv.py NAME LOG: TCP 80 and 7777, UDP 53 on every address. LOG gets
# "tcp PORT PEER", "line PORT PEER TEXT", "udp PORT PEER TEXT"; LOG.ready
# once bound.
cat >"$TMP/srv.py" <<'EOF'
import socket, sys, threading
name, log = sys.argv[1], open(sys.argv[2], "a", buffering=1)
def conn(c, port, peer):
    p = "%s:%d" % peer
    log.write("tcp %d %s\n" % (port, p))
    for line in c.makefile("rb"):
        line = line.decode().rstrip("\n")
        log.write("line %d %s %s\n" % (port, p, line))
        c.sendall(("%s %s %s\n" % (name, line, p)).encode())
    c.close()
def tcp(s, port):
    while True:
        c, peer = s.accept()
        threading.Thread(target=conn, args=(c, port, peer), daemon=True).start()
for port in (80, 7777):
    t = socket.socket()
    t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    t.bind(("0.0.0.0", port))
    t.listen(128)
    threading.Thread(target=tcp, args=(t, port), daemon=True).start()
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u.bind(("0.0.0.0", 53))
open(sys.argv[2] + ".ready", "w").close()
while True:
    d, peer = u.recvfrom(65535)
    p = "%s:%d" % peer
    d = d.decode(errors="replace")
    log.write("udp 53 %s %s\n" % (p, d))
    u.sendto(("%s %s %s" % (name, d, p)).encode(), peer)
EOF
# cli.py tcp ADDR PORT TEXT: one connection, one line; prints the answer.
#   "connect: ERROR" (exit 5) when it cannot connect (refused, timeout).
# cli.py udp ADDR PORT TEXT: one datagram; prints the answer, "refused"
#   (exit 3) on port unreachable, "timeout" (exit 4) without an answer.
# cli.py many ADDR PORT N: N connections one after another, each from its
#   own ephemeral port, one line each; prints each answer ("-" for none).
# cli.py hold ADDR PORT TEXT DIR STEPS: one connection; sends "TEXT-1" and
#   prints the answer, then for i in 2..STEPS waits for the file DIR/goI and
#   sends "TEXT-I" on the same connection; the answer of each on its line.
cat >"$TMP/cli.py" <<'EOF'
import os, socket, sys, time
mode, addr, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
def connect():
    s = socket.socket()
    s.settimeout(3)
    s.connect((addr, port))
    return s, s.makefile("rb")
def ask(s, f, text):
    s.sendall((text + "\n").encode())
    return f.readline().decode().rstrip("\n") or "-"
if mode == "udp":
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(3)
    s.connect((addr, port))
    s.send(sys.argv[4].encode())
    try:
        print(s.recv(65535).decode(), flush=True)
    except ConnectionRefusedError:
        print("refused", flush=True); sys.exit(3)
    except socket.timeout:
        print("timeout", flush=True); sys.exit(4)
elif mode == "tcp":
    try:
        s, f = connect()
    except OSError as e:
        print("connect: %s" % e, flush=True); sys.exit(5)
    print(ask(s, f, sys.argv[4]), flush=True)
elif mode == "many":
    for i in range(int(sys.argv[4])):
        try:
            s, f = connect()
            print(ask(s, f, "many%d" % i), flush=True)
            s.close()
        except OSError as e:
            print("- %s" % e, flush=True)
elif mode == "hold":
    text, go, steps = sys.argv[4], sys.argv[5], int(sys.argv[6])
    s, f = connect()
    s.settimeout(10)
    print(ask(s, f, text + "-1"), flush=True)
    for i in range(2, steps + 1):
        end = time.time() + 60
        while not os.path.exists(os.path.join(go, "go%d" % i)) and time.time() < end:
            time.sleep(0.05)
        print(ask(s, f, "%s-%d" % (text, i)), flush=True)
EOF
srv() { # srv NS NAME: the server in NS, answering as NAME, logging to $TMP/NAME.log
	in_ns "$1" python3 "$TMP/srv.py" "$2" "$TMP/$2.log" >"$TMP/$2.err" 2>&1 &
	wait_for 3 test -e "$TMP/$2.log.ready" || { fail "$T: server $2 did not start: $(cat "$TMP/$2.err")"; exit 1; }
}
cli() { in_ns "$CLIENT" timeout 40 python3 "$TMP/cli.py" "$@"; }
# counters HOSTFN: "published published-reply published-new" of the host
counters() { echo "$(counter "$1" published) $(counter "$1" published-reply) $(counter "$1" published-new)"; }
# three_counts "A B C": three counters were read
three_counts() { local v; read -ra v <<<"$1"; [ "${#v[@]}" = 3 ] && is_count "${v[@]}"; }
# moved BEFORE AFTER: every counter of AFTER is above BEFORE's
moved() {
	local before after i
	read -ra before <<<"$1"; read -ra after <<<"$2"
	[ "${#before[@]}" = 3 ] && [ "${#after[@]}" = 3 ] && is_count "${before[@]}" "${after[@]}" || return 1
	for i in 0 1 2; do [ "${after[$i]}" -gt "${before[$i]}" ] || return 1; done
}

# --- the cluster: blue with egress; sealed without (it cannot publish).
topo_hosts "$MODE" || { fail "$T: vxnet up on h1 and h2"; exit 1; }
vxs network create blue --subnet 10.1.0.0/24 >/dev/null &&
	vx1 attach "$C1" blue --ip 10.1.0.2 --name web --publish 8080:80 --publish 5353:53/udp >/dev/null &&
	vx2 attach "$C2" blue --ip 10.1.0.3 --name plain >/dev/null &&
	vx1 attach "$C4" blue --ip 10.1.0.5 --name svc-a --publish 9090:80 >/dev/null &&
	vx2 attach "$C5" blue --ip 10.1.0.6 --name svc-b --publish 9090:80 >/dev/null &&
	vx1 sync >/dev/null && vx2 sync >/dev/null || { fail "$T: network blue, attaches with --publish, sync"; exit 1; }
srv "$C1" web
srv "$C2" plain
srv "$C4" svc-a
srv "$C5" svc-b

# --- TCP 8080:80 through both nodes: the answer is web's, and web saw the
# client's own address (in the answer and in its log), not a node's.
for via in "h1 $HOST1 vx1" "h2 $HOST2 vx2"; do
	read -r hn addr vx <<<"$via"
	n0=$(counters "$vx")
	a=$(cli tcp "$addr" 8080 "hello-$hn" 2>&1)
	n1=$(counters "$vx")
	case $a in "web hello-$hn $ME:"*)
		ok "$T: TCP to $hn $addr:8080 answered by web (10.1.0.2:80 on h1), which saw the client $ME:${a##*:}" ;;
	*) fail "$T: TCP to $hn $addr:8080: answer '$a', want 'web hello-$hn $ME:PORT'" ;;
	esac
	if grep -qx "line 80 $ME:[0-9]* hello-$hn" "$TMP/web.log" && ! grep -q ' 198\.18\.[12]\.2:' "$TMP/web.log"; then
		ok "$T: web's log shows hello-$hn from $ME, never from a node address"
	else
		fail "$T: web's log: $(tail -n 4 "$TMP/web.log" | tr '\n' '|')"
	fi
	if moved "$n0" "$n1"; then ok "$T: $hn counted published, published-reply, published-new ($n0 -> $n1)"
	else fail "$T: $hn counters published published-reply published-new: $n0 -> $n1"; fi
done

# --- on the wire between r and h1: the client's packets that h2 forwards,
# VXLAN from h2 with the published mark (flags 0x09: I and 0x01) and the
# client's own source; web's answers back to h2 the same way.
in_ns "$R" timeout 10 tcpdump -nn -i r1 -l 'udp port 4789' >"$TMP/wire.cap" 2>/dev/null &
cap=$!
sleep 1
a=$(cli tcp "$HOST2" 8080 wire 2>&1)
sleep 0.5
kill "$cap" 2>/dev/null; wait "$cap" 2>/dev/null
if grep -q "$HOST2\.[0-9]* > $HOST1\.4789: VXLAN, flags \[I\] (0x09), vni 4096" "$TMP/wire.cap" &&
   grep -q "$ME\.${a##*:} > 10\.1\.0\.2\.80: Flags \[S\]" "$TMP/wire.cap" &&
   grep -q "10\.1\.0\.2\.80 > $ME\.${a##*:}: Flags \[S\.\]" "$TMP/wire.cap"; then
	ok "$T: h2 forwards the client's SYN to h1 in marked VXLAN (flags 0x09) from $ME:${a##*:} to 10.1.0.2:80, the SYN-ACK comes back the same way"
else
	fail "$T: capture on r1 for the client $ME:${a##*:}: $(grep -c . "$TMP/wire.cap") lines: $(head -4 "$TMP/wire.cap" | tr '\n' '|')"
fi

# --- UDP 5353:53 through both nodes.
for via in "h1 $HOST1" "h2 $HOST2"; do
	read -r hn addr <<<"$via"
	a=$(cli udp "$addr" 5353 "query-$hn" 2>&1)
	case $a in "web query-$hn $ME:"*)
		if grep -qx "udp 53 $ME:${a##*:} query-$hn" "$TMP/web.log"; then
			ok "$T: UDP to $hn $addr:5353 answered by web's port 53, which saw $ME:${a##*:}"
		else
			fail "$T: UDP to $hn $addr:5353: answer '$a' but web's log: $(grep '^udp' "$TMP/web.log" | tail -n 3 | tr '\n' '|')"
		fi ;;
	*) fail "$T: UDP to $hn $addr:5353: answer '$a', want 'web query-$hn $ME:PORT'" ;;
	esac
done

# --- vxnet nat ls on the entry node while a connection is open: the flow
# as published, from web's 10.1.0.2:80 out as h2's 198.18.2.2:8080; on the
# backend's node (h1) the flow goes back via h2.
rm -f "$TMP"/go*
cli hold "$HOST2" 8080 natls "$TMP" 2 >"$TMP/hold-natls" 2>&1 &
hn=$!
wait_for 8 grep -q . "$TMP/hold-natls"
vx2 nat ls >"$TMP/natls2" 2>&1; rc2=$?
vx1 nat ls >"$TMP/natls1" 2>&1; rc1=$?
touch "$TMP/go2"
wait $hn
cport=$(sed -n '1s/.*://p' "$TMP/hold-natls")
# natrow FILE OUTSIDE FLAGS-REGEX: a tcp blue row of 10.1.0.2:80 with the
# client's port, OUTSIDE and flags, its IN entry there
natrow() {
	awk -v r="$ME:$cport" -v o="$2" -v fl="$3" \
		'$1 == "tcp" && $2 == "blue" && $3 == "10.1.0.2:80" && $4 == o && $5 == r && $7 ~ fl && $8 == "yes" { f = 1 } END { exit !f }' "$1"
}
if [ "$rc2" = 0 ] && is_count "$cport" 2>/dev/null && natrow "$TMP/natls2" "$HOST2:8080" '(^|,)published(,|$)' &&
   [ "$(sed -n 2p "$TMP/hold-natls")" = "web natls-2 $ME:$cport" ]; then
	ok "$T: vxnet nat ls on h2 lists the open flow: tcp blue 10.1.0.2:80 outside $HOST2:8080 remote $ME:$cport, published"
else
	fail "$T: h2 nat ls (rc $rc2) for $ME:$cport: $(head -1 "$TMP/natls2")|$(grep -F "$ME:$cport" "$TMP/natls2" | tr -s ' ' | tr '\n' '|'), client: $(tr '\n' '|' <"$TMP/hold-natls")"
fi
if [ "$rc1" = 0 ] && awk -v r="$ME:$cport" '$1 == "tcp" && $3 == "10.1.0.2:80" && $5 == r && $7 ~ /via/ { f = 1 } END { exit !f }' "$TMP/natls1"; then
	ok "$T: vxnet nat ls on h1 (the backend's node) shows the flow going back via h2"
else
	fail "$T: h1 nat ls (rc $rc1): $(head -1 "$TMP/natls1")|$(grep -F "$ME:$cport" "$TMP/natls1" | tr -s ' ' | tr '\n' '|')"
fi

# --- a service of two backends, svc-a on h1 and svc-b on h2: 40 new
# connections through each node, spread over both.
for via in "h1 $HOST1" "h2 $HOST2"; do
	read -r hn addr <<<"$via"
	cli many "$addr" 9090 40 >"$TMP/many-$hn" 2>&1
	na=$(grep -c "^svc-a many[0-9]* $ME:" "$TMP/many-$hn") nb=$(grep -c "^svc-b many[0-9]* $ME:" "$TMP/many-$hn")
	if [ $((na + nb)) = 40 ] && [ "$na" -ge 5 ] && [ "$nb" -ge 5 ]; then
		ok "$T: 40 connections to $hn $addr:9090: svc-a answered $na, svc-b $nb, each seeing $ME"
	else
		fail "$T: 40 connections to $hn:9090: svc-a $na, svc-b $nb: $(grep -v '^svc-[ab] ' "$TMP/many-$hn" | head -3 | tr '\n' '|')"
	fi
done

# --- an established connection keeps its backend while svc-c joins the
# service and the other backend leaves it; new connections follow the table.
rm -f "$TMP"/go*
cli hold "$HOST2" 9090 keep "$TMP" 3 >"$TMP/hold-keep" 2>&1 &
hk=$!
wait_for 8 grep -q . "$TMP/hold-keep"
first=$(sed -n 1p "$TMP/hold-keep") kb=${first%% *}
case $kb in svc-a) other=svc-b ons=$C5 ovx=vx2 ;; svc-b) other=svc-a ons=$C4 ovx=vx1 ;; *) other= ;; esac
[ -n "$other" ] || fail "$T: long-lived connection to h2:9090: first answer '$first'"
srv "$C6" svc-c
if vx2 attach "$C6" blue --ip 10.1.0.7 --name svc-c --publish 9090:80 >"$TMP/out" 2>&1 && vx1 sync >/dev/null && vx2 sync >/dev/null; then
	touch "$TMP/go2"
	wait_for 8 sh -c "[ \$(wc -l <'$TMP/hold-keep') -ge 2 ]"
	a=$(sed -n 2p "$TMP/hold-keep")
	if [ "$a" = "$kb keep-2 ${first##* }" ]; then ok "$T: after svc-c joined, the established connection still talks to $kb"
	else fail "$T: after svc-c joined: '$a', want '$kb keep-2 ${first##* }'"; fi
	cli many "$HOST1" 9090 40 >"$TMP/many-c" 2>&1
	nc=$(grep -c "^svc-c many" "$TMP/many-c")
	if [ "$nc" -ge 3 ]; then ok "$T: svc-c takes new connections ($nc of 40 through h1)"
	else fail "$T: svc-c answered $nc of 40 new connections: $(cut -d' ' -f1 "$TMP/many-c" | sort | uniq -c | tr '\n' ' ')"; fi
else
	fail "$T: attach svc-c --publish 9090:80 on h2: $(cat "$TMP/out")"
	touch "$TMP/go2"
fi
if [ -n "$other" ] && $ovx detach "$ons" blue >"$TMP/out" 2>&1 && vx1 sync >/dev/null && vx2 sync >/dev/null; then
	touch "$TMP/go3"
	wait $hk
	a=$(sed -n 3p "$TMP/hold-keep")
	if [ "$a" = "$kb keep-3 ${first##* }" ]; then ok "$T: after $other left, the established connection still talks to $kb"
	else fail "$T: after $other left: '$a', want '$kb keep-3 ${first##* }' ($(tails 6 "$TMP/hold-keep"))"; fi
	cli many "$HOST2" 9090 20 >"$TMP/many-d" 2>&1
	if ! grep -q "^$other " "$TMP/many-d" && [ "$(grep -c '^svc-' "$TMP/many-d")" = 20 ]; then
		ok "$T: $other no longer answers: 20 new connections all answered by the others"
	else
		fail "$T: after $other left, 20 new connections: $(cut -d' ' -f1 "$TMP/many-d" | sort | uniq -c | tr '\n' ' ')"
	fi
else
	fail "$T: detach $other: $(cat "$TMP/out" 2>/dev/null)"
	touch "$TMP/go2" "$TMP/go3"
	wait $hk
fi

# --- a vxnet up again on both hosts under two established published
# connections (one entering at web's node, one at the other).
rm -f "$TMP"/go*
cli hold "$HOST1" 8080 reup1 "$TMP" 2 >"$TMP/hold-reup1" 2>&1 &
hr1=$!
cli hold "$HOST2" 8080 reup2 "$TMP" 2 >"$TMP/hold-reup2" 2>&1 &
hr2=$!
wait_for 8 sh -c "grep -q . '$TMP/hold-reup1' && grep -q . '$TMP/hold-reup2'"
check "$T: vxnet up again on h1 and h2 under open connections" \
	sh -c "'$VXNET' --state '$STATE' --pin-dir '$PIN1' -n '$H1' up --node h1 --dev eth0 --decap $MODE &&
	'$VXNET' --state '$STATE' --pin-dir '$PIN2' -n '$H2' up --node h2 --dev eth0 --decap $MODE"
touch "$TMP/go2"
wait $hr1; wait $hr2
for n in 1 2; do
	b=$(sed -n 1p "$TMP/hold-reup$n") a=$(sed -n 2p "$TMP/hold-reup$n")
	case $b in "web reup$n-1 $ME:"*)
		if [ "$a" = "web reup$n-2 ${b##* }" ]; then ok "$T: the connection through h$n:8080 carries on across vxnet up (${b##* })"
		else fail "$T: through h$n:8080 across vxnet up: before '$b', after '$a'"; fi ;;
	*) fail "$T: through h$n:8080 before vxnet up: '$b'" ;;
	esac
done

# --- a port nobody publishes: web listens on 7777, but nothing publishes
# it; the node's own stack refuses it, no container hears of it, and the
# published counters stay.
for via in "h1 $HOST1 vx1" "h2 $HOST2 vx2"; do
	read -r hn addr vx <<<"$via"
	n0=$(counters "$vx")
	a=$(cli tcp "$addr" 7777 unpublished 2>&1)
	n1=$(counters "$vx")
	if [[ $a == "connect: "* ]] && ! grep -q ' 7777 ' "$TMP"/*.log && [ "$n0" = "$n1" ] && three_counts "$n1"; then
		ok "$T: TCP to $hn $addr:7777 (not published) fails ('$a'), no container saw it, published counters unchanged"
	else
		fail "$T: TCP to $hn:7777: '$a', counters $n0 -> $n1, logs: $(grep -h ' 7777 ' "$TMP"/*.log | head -2 | tr '\n' '|')"
	fi
done

# --- not-published: h1 is handed a stale state in which plain (c2 on h2)
# publishes 7070:80; h2 knows better. A client at h1:7070 is forwarded to
# h2, which refuses to deliver it: plain never sees it, h2 counts it.
jq '(.endpoints[] | select(.name == "plain")) += {"publish": [{"proto": "tcp", "host_port": 7070, "port": 80}]}' \
	"$STATE" >"$TMP/stale.json" 2>"$TMP/err"
if grep -q '"host_port": 7070' "$TMP/stale.json" &&
   "$VXNET" --state "$TMP/stale.json" --pin-dir "$PIN1" -n "$H1" sync >"$TMP/out" 2>&1; then
	np0=$(counter vx2 not-published) pn0=$(counter vx1 published-new)
	a=$(cli tcp "$HOST1" 7070 sneak 2>&1)
	np1=$(counter vx2 not-published) pn1=$(counter vx1 published-new)
	if [[ $a == "connect: "* ]] && is_count "$np0" "$np1" "$pn0" "$pn1" && [ "$np1" -gt "$np0" ] && [ "$pn1" -gt "$pn0" ] &&
	   ! grep -q sneak "$TMP/plain.log" && ! grep -q "^tcp 80 $ME" "$TMP/plain.log"; then
		ok "$T: plain (no --publish) not reached through h1's stale 7070 mapping: '$a'; h1 forwarded it (published-new $pn0 -> $pn1), h2 dropped it (not-published $np0 -> $np1)"
	else
		fail "$T: plain through a stale 7070 on h1: '$a', h1 published-new $pn0 -> $pn1, h2 not-published $np0 -> $np1, plain's log: $(tr '\n' '|' <"$TMP/plain.log")"
	fi
	vx1 sync >/dev/null || fail "$T: sync h1 back to the state"
else
	fail "$T: stale state for h1: $(cat "$TMP/err" "$TMP/out" | head -2 | tr '\n' '|')"
fi

# --- refused: a clashing --publish, and --publish on a network without
# egress; one line naming what clashes, nothing changed.
cp "$STATE" "$TMP/state.before"
expect_err "$T: --publish 8080:81 while web publishes 8080:80 is refused naming both" \
	'^vxnet: attach: host port 8080/tcp: published by web \(port 80, network blue\) and clash \(port 81, network blue\)$' \
	vx1 attach "$C3" blue --ip 10.1.0.4 --name clash --publish 8080:81
if cmp -s "$STATE" "$TMP/state.before" && [ "$(in_ns "$C3" ip -o link show | grep -vc ': lo:')" = 0 ]; then
	ok "$T: after the clash the state is unchanged and c3 has no interface"
else
	fail "$T: after the clash: state changed or c3 has links: $(in_ns "$C3" ip -o link show | tr '\n' '|')"
fi
if vxs network create sealed --subnet 10.5.0.0/24 --no-egress >"$TMP/out" 2>&1; then
	cp "$STATE" "$TMP/state.before"
	expect_err "$T: --publish on a --no-egress network is refused" \
		'^vxnet: attach: endpoint dark: network sealed has no egress; it cannot publish ports$' \
		vx1 attach "$C3" sealed --ip 10.5.0.4 --name dark --publish 8181:80
	if cmp -s "$STATE" "$TMP/state.before" && [ "$(in_ns "$C3" ip -o link show | grep -vc ': lo:')" = 0 ]; then
		ok "$T: after the no-egress refusal the state is unchanged and c3 has no interface"
	else
		fail "$T: after the no-egress refusal: state changed or c3 has links: $(in_ns "$C3" ip -o link show | tr '\n' '|')"
	fi
else
	fail "$T: network create sealed --no-egress: $(cat "$TMP/out")"
fi
a=$(cli tcp "$HOST1" 8080 still 2>&1)
case $a in "web still $ME:"*) ok "$T: 8080 still reaches web after the refusals" ;; *) fail "$T: 8080 after the refusals: '$a'" ;; esac
finish
