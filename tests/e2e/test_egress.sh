#!/bin/bash
# Egress NAT (issue 13): what a container sends outside every subnet of its
# network leaves with its host's underlay address (SNAT in BPF, the nat map),
# the replies come back to it, ICMP errors about its flows too.
#
#   c1 blue 10.1.0.2  c4 teal 10.1.0.2                 c2 blue 10.1.0.3
#   c5 sealed 10.5.0.5 (--no-egress)                   c6 sealed 10.5.0.6
#        |                                                  |
#   +--- h1 198.18.1.2 ----+   +------ r -------+   +--- h2 198.18.2.2 ---+
#   | vxnet, NAT ports     |---| r1  r2      r3 |---| vxnet, --nat-ports  |
#   | 61001-65535 (default)|   +----------|-----+   | 62000-62999         |
#   +----------------------+              |         +---------------------+
#                                 eth0 198.18.100.2 (.3 behind mtu 1200)
#                                 $OUTSIDE: the outside server
#
# blue and teal have the same subnet 10.1.0.0/24; c1 and c4 the same address.
# Servers (python: TCP 7000 answers each line with "LINE PEER:PORT", UDP 7001
# each datagram the same way) run in $OUTSIDE and in both hosts' namespaces,
# so every answer says which source address and port the server saw.
# Checked: TCP, UDP and ping from c1 and c2 to the outside server and to both
# hosts' own addresses, seen from the container's host's address and a port
# of its NAT range; c1 and c4 at once (TCP, UDP, one echo id) on two NAT
# ports, answers not crossed; PMTU through r's fragmentation needed; port
# unreachable from the server and from h1 itself; fragments and GRE dropped
# nat-unsupported; --no-egress (no-egress, sealed still reaches c6); a
# destination inside the subnet without endpoint (no-endpoint); counters,
# vxnet nat ls and the nat map; NAT ports running out (nat-exhausted); only
# the flow's remote gets in through its NAT port; the host's own traffic
# untouched; a connection across a second vxnet up (same nat map);
# ip_local_reserved_ports after up, second up and down.
# Usage: test_egress.sh [tc|xdp]   (decap mode; xdp runs on the wire topology)
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/topo.sh"
MODE=${1:-tc}
T="egress-$MODE"
trap topo_cleanup EXIT
NAT1="61001 65535" NAT2="62000 62999" EPH="32768 60999"

topo_build "$([ "$MODE" = xdp ] && echo wire)" || { fail "$T: build topology"; exit 1; }
topo_outside || { fail "$T: outside server namespace"; exit 1; }
for ns in "$C4" "$C5" "$C6"; do mkns "$ns" || { fail "$T: namespace $ns"; exit 1; }; done

# srv.py ADDR LOG: TCP 7000 and UDP 7001 on ADDR; LOG gets "tcp PEER",
# "line PEER TEXT", "bulk PEER BYTES", "udp PEER TEXT" lines; LOG.ready once
# bound. "BULK N" then N bytes on TCP: answered "SHA256 N PEER".
cat >"$TMP/srv.py" <<'EOF'
import hashlib, socket, sys, threading
addr, log = sys.argv[1], open(sys.argv[2], "a", buffering=1)
def conn(c, peer):
    p = "%s:%d" % peer
    log.write("tcp %s\n" % p)
    f = c.makefile("rb")
    for line in f:
        line = line.decode().rstrip("\n")
        if line.startswith("BULK "):
            n, h, got = int(line[5:]), hashlib.sha256(), 0
            while got < n:
                d = f.read1(min(65536, n - got))
                if not d:
                    break
                h.update(d)
                got += len(d)
            log.write("bulk %s %d\n" % (p, got))
            c.sendall(("%s %d %s\n" % (h.hexdigest(), got, p)).encode())
        else:
            log.write("line %s %s\n" % (p, line))
            c.sendall(("%s %s\n" % (line, p)).encode())
    c.close()
def tcp(s):
    while True:
        c, peer = s.accept()
        threading.Thread(target=conn, args=(c, peer), daemon=True).start()
t = socket.socket()
t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
t.bind((addr, 7000))
t.listen(64)
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u.bind((addr, 7001))
threading.Thread(target=tcp, args=(t,), daemon=True).start()
open(sys.argv[2] + ".ready", "w").close()
while True:
    d, peer = u.recvfrom(65535)
    p = "%s:%d" % peer
    log.write("udp %s %s\n" % (p, d.decode(errors="replace")))
    u.sendto(("%s %s" % (d.decode(errors="replace"), p)).encode(), peer)
EOF
# cli.py tcp|udp ADDR PORT TEXT [SPORT]: prints the answer; udp: "refused"
# (exit 3) on ICMP port unreachable, "timeout" (exit 4) without an answer.
# cli.py hold ADDR PORT TEXT SPORT GO: "TEXT-before", then once the file GO
# exists "TEXT-after" on the same connection; prints both answers.
# cli.py bulk ADDR PORT BYTES: sends BYTES random bytes; prints "sent SHA N"
# and the answer; exit 0 only when the server got exactly those bytes.
cat >"$TMP/cli.py" <<'EOF'
import hashlib, os, socket, sys, time
mode, addr, port, arg = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
sport = int(sys.argv[5]) if len(sys.argv) > 5 else 0
kind = socket.SOCK_DGRAM if mode == "udp" else socket.SOCK_STREAM
s = socket.socket(socket.AF_INET, kind)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("", sport))
s.settimeout(5)
if mode == "udp":
    s.connect((addr, port))
    s.send(arg.encode())
    try:
        print(s.recv(65535).decode(), flush=True)
    except ConnectionRefusedError:
        print("refused", flush=True); sys.exit(3)
    except socket.timeout:
        print("timeout", flush=True); sys.exit(4)
    sys.exit(0)
try:
    s.connect((addr, port))
except OSError as e:
    print("connect: %s" % e, flush=True); sys.exit(5)
f = s.makefile("rb")
def ask(text):
    s.sendall((text + "\n").encode())
    print(f.readline().decode().rstrip("\n"), flush=True)
if mode == "tcp":
    ask(arg)
elif mode == "hold":
    ask(arg + "-before")
    end = time.time() + 60
    while not os.path.exists(sys.argv[6]) and time.time() < end:
        time.sleep(0.05)
    ask(arg + "-after")
elif mode == "bulk":
    data = os.urandom(int(arg))
    sha = hashlib.sha256(data).hexdigest()
    s.settimeout(30)
    s.sendall(("BULK %d\n" % len(data)).encode() + data)
    got = f.readline().decode().rstrip("\n")
    print("sent %s %d" % (sha, len(data)))
    print(got)
    sys.exit(0 if got.startswith("%s %d " % (sha, len(data))) else 1)
EOF
# icmp.py ADDR ID TEXT: ICMP echo requests with identifier ID and TEXT as
# data (raw socket, one every 0.2 s) until the reply with ID and TEXT comes;
# prints it. A reply with ID but other data: "crossed ..." (exit 2); none
# within 3 s: exit 1.
cat >"$TMP/icmp.py" <<'EOF'
import socket, struct, sys, time
addr, ident, text = sys.argv[1], int(sys.argv[2]), sys.argv[3].encode()
def csum(b):
    b += b"\0" * (len(b) & 1)
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    s = (s >> 16) + (s & 0xffff)
    return ~(s + (s >> 16)) & 0xffff
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
s.settimeout(0.2)
end, seq = time.time() + 3, 0
while time.time() < end:
    seq += 1
    h = struct.pack("!BBHHH", 8, 0, 0, ident, seq)
    s.sendto(struct.pack("!BBHHH", 8, 0, csum(h + text), ident, seq) + text, (addr, 0))
    try:
        while True:
            d = s.recv(2048)
            icmp = d[(d[0] & 15) * 4:]
            t, _, _, i, q = struct.unpack("!BBHHH", icmp[:8])
            if t != 0 or i != ident:
                continue
            if icmp[8:] != text:
                print("crossed: got %r" % icmp[8:]); sys.exit(2)
            print("reply id %d seq %d %s" % (i, q, icmp[8:].decode())); sys.exit(0)
    except socket.timeout:
        pass
sys.exit(1)
EOF
# udp_frag.py ADDR PORT: one 3000-byte UDP datagram, fragmented by the
# sender (IP_PMTUDISC_DONT); "timeout" (exit 4) without an answer.
cat >"$TMP/udp_frag.py" <<'EOF'
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.IPPROTO_IP, 10, 0)  # IP_MTU_DISCOVER = IP_PMTUDISC_DONT
s.settimeout(3)
s.connect((sys.argv[1], int(sys.argv[2])))
s.send(b"f" * 3000)
try:
    print("answer: %d bytes" % len(s.recv(65535)))
except socket.timeout:
    print("timeout"); sys.exit(4)
EOF
# udp_many.py ADDR PORT SPORT N: N flows at once, one datagram each from
# ports SPORT..SPORT+N-1; prints how many were answered, then the source
# ports the server saw (one a line); an answer with another flow's text
# (crossed): "crossed I got TEXT" lines on stderr, exit 2.
cat >"$TMP/udp_many.py" <<'EOF'
import select, socket, sys, time
addr, port, sport, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
socks = []
for i in range(n):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("", sport + i))
    s.connect((addr, port))
    s.send(b"many%d" % i)
    socks.append(s)
seen, crossed, end = {}, 0, time.time() + 3
while len(seen) < n and time.time() < end:
    r, _, _ = select.select([s for s in socks if s not in seen], [], [], 0.2)
    for s in r:
        try:
            text, peer = s.recv(100).decode().split(" ")
        except OSError:
            seen[s] = "error"
            continue
        seen[s] = peer.rsplit(":", 1)[1]
        if text != "many%d" % socks.index(s):
            crossed += 1
            print("crossed %d got %s %s" % (socks.index(s), text, peer), file=sys.stderr)
print(len([p for p in seen.values() if p != "error"]))
print("\n".join(p for p in seen.values() if p != "error"))
sys.exit(2 if crossed else 0)
EOF
# udp_open.py ADDR PORT SPORT GO: from SPORT, unconnected: asks the server,
# prints "nat PORT" (the NAT port it saw), waits for the file GO, asks
# again, then prints "got PEER TEXT" for every datagram that arrives within
# 2 s, from anyone.
cat >"$TMP/udp_open.py" <<'EOF'
import os, socket, sys, time
addr, port, sport, go = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("", sport))
s.settimeout(3)
s.sendto(b"probe1", (addr, port))
d, _ = s.recvfrom(100)
print("nat %s" % d.decode().rsplit(":", 1)[1], flush=True)
end = time.time() + 20
while not os.path.exists(go) and time.time() < end:
    time.sleep(0.05)
s.sendto(b"probe2", (addr, port))
end = time.time() + 2
while time.time() < end:
    s.settimeout(max(0.01, end - time.time()))
    try:
        d, peer = s.recvfrom(100)
    except socket.timeout:
        break
    print("got %s:%d %s" % (peer[0], peer[1], d.decode(errors="replace")), flush=True)
EOF
srv() { # srv NS ADDR NAME: a server in NS on ADDR, logging to $TMP/NAME.log
	in_ns "$1" python3 "$TMP/srv.py" "$2" "$TMP/$3.log" >"$TMP/$3.err" 2>&1 &
	wait_for 3 test -e "$TMP/$3.log.ready" || { fail "$T: server $3 did not start: $(cat "$TMP/$3.err")"; exit 1; }
}
cli() { local ns=$1; shift; in_ns "$ns" timeout 40 python3 "$TMP/cli.py" "$@"; }
# answered ANSWER TEXT ADDR LO HI: ANSWER is "TEXT ADDR:PORT", LO <= PORT <= HI
answered() {
	local port
	case $1 in "$2 $3:"*) ;; *) echo "answer '$1', want '$2 $3:PORT'" >&2; return 1 ;; esac
	port=${1##*:}
	is_count "$port" || return 1
	[ "$port" -ge "$4" ] && [ "$port" -le "$5" ] || { echo "source port $port is outside $4-$5" >&2; return 1; }
}
reserved() { in_ns "$1" sysctl -n net.ipv4.ip_local_reserved_ports; }
reserved_has() { reserved "$1" | tr ',' '\n' | grep -qx -- "$2"; }

# --- vxnet up: h1 with the default NAT ports, h2 with --nat-ports; h2 had
# a reserved port of its own before.
in_ns "$H2" sysctl -qw net.ipv4.ip_local_reserved_ports=7100
vxs node add h1 198.18.1.2 >/dev/null && vxs node add h2 198.18.2.2 >/dev/null &&
	vx1 up --node h1 --dev eth0 --decap "$MODE" >/dev/null || { fail "$T: vxnet up on h1"; exit 1; }
if vx2 up --node h2 --dev eth0 --decap "$MODE" --nat-ports 62000-62999 >"$TMP/out" 2>&1; then
	ok "$T: vxnet up --nat-ports 62000-62999 on h2"
else
	fail "$T: vxnet up --nat-ports on h2: $(cat "$TMP/out")"
	vx2 up --node h2 --dev eth0 --decap "$MODE" >/dev/null || { fail "$T: vxnet up on h2"; exit 1; }
	NAT2=$NAT1
fi
if reserved_has "$H1" 61001-65535; then ok "$T: h1 reserved the NAT ports 61001-65535 in ip_local_reserved_ports"
else fail "$T: h1 ip_local_reserved_ports is '$(reserved "$H1")'"; fi
if [ "$(reserved "$H2")" = 7100,62000-62999 ]; then ok "$T: h2 reserved 62000-62999 next to its own 7100"
else fail "$T: h2 ip_local_reserved_ports is '$(reserved "$H2")', want 7100,62000-62999"; fi

vxs network create blue --subnet 10.1.0.0/24 >/dev/null &&
	vxs network create teal --subnet 10.1.0.0/24 >/dev/null &&
	vx1 attach "$C1" blue --ip 10.1.0.2 >/dev/null &&
	vx2 attach "$C2" blue --ip 10.1.0.3 >/dev/null &&
	vx1 attach "$C4" teal --ip 10.1.0.2 >/dev/null || { fail "$T: networks blue and teal (one subnet), attaches: $(cat "$TMP/out" 2>/dev/null)"; exit 1; }
if vxs network create sealed --subnet 10.5.0.0/24 --no-egress >"$TMP/out" 2>&1; then
	SEALED=1
	vx1 attach "$C5" sealed --ip 10.5.0.5 >/dev/null && vx2 attach "$C6" sealed --ip 10.5.0.6 >/dev/null ||
		{ fail "$T: attach to sealed"; exit 1; }
else
	SEALED=0
	fail "$T: network create sealed --no-egress: $(cat "$TMP/out")"
fi
vx1 sync >/dev/null && vx2 sync >/dev/null || { fail "$T: sync"; exit 1; }

srv "$OUTSIDE" 0.0.0.0 out
srv "$H1" 198.18.1.2 h1
srv "$H2" 198.18.2.2 h2

# --- TCP, UDP and ping from a container on each host to the outside server
# and to both hosts' own addresses: the server sees the container's host,
# from a port of that host's NAT range. A capture on the outside server
# shows the pings from the hosts' addresses only.
in_ns "$OUTSIDE" timeout 30 tcpdump -nn -i eth0 -l icmp >"$TMP/out-icmp.cap" 2>/dev/null &
capicmp=$!
sleep 1
for src in "c1 $C1 198.18.1.2 $NAT1" "c2 $C2 198.18.2.2 $NAT2"; do
	read -r cn cns node lo hi <<<"$src"
	for dst in "outside 198.18.100.2" "h1 198.18.1.2" "h2 198.18.2.2"; do
		read -r dn daddr <<<"$dst"
		a=$(cli "$cns" tcp "$daddr" 7000 "$cn-$dn" 2>&1)
		if answered "$a" "$cn-$dn" "$node" "$lo" "$hi" 2>"$TMP/err"; then ok "$T: $cn -> $dn $daddr TCP: server sees $node:${a##*:}"
		else fail "$T: $cn -> $dn $daddr TCP: $(cat "$TMP/err")"; fi
		a=$(cli "$cns" udp "$daddr" 7001 "$cn-$dn-udp" 2>&1)
		if answered "$a" "$cn-$dn-udp" "$node" "$lo" "$hi" 2>"$TMP/err"; then ok "$T: $cn -> $dn $daddr UDP: server sees $node:${a##*:}"
		else fail "$T: $cn -> $dn $daddr UDP: $(cat "$TMP/err")"; fi
		check "$T: $cn -> $dn $daddr ping" in_ns "$cns" ping -c 2 -i 0.2 -W 2 "$daddr"
	done
done
sleep 0.5
kill "$capicmp" 2>/dev/null; wait "$capicmp" 2>/dev/null
if grep -q '198.18.1.2 > 198.18.100.2: ICMP echo request' "$TMP/out-icmp.cap" &&
   grep -q '198.18.2.2 > 198.18.100.2: ICMP echo request' "$TMP/out-icmp.cap" && ! grep -q ' 10\.' "$TMP/out-icmp.cap"; then
	ok "$T: the outside server saw the pings from 198.18.1.2 and 198.18.2.2, never from 10.x"
else
	fail "$T: capture on the outside server: $(head -4 "$TMP/out-icmp.cap" | tr '\n' '|')"
fi

# --- blue and teal share 10.1.0.0/24; c1 and c4 both 10.1.0.2, both from
# TCP port 40000 and UDP port 5555 to the same server at once: two NAT ports,
# each answer back to its own container.
rm -f "$TMP/go"
cli "$C1" hold 198.18.100.2 7000 blue 40000 "$TMP/go" >"$TMP/hold-blue" 2>&1 &
hb=$!
cli "$C4" hold 198.18.100.2 7000 teal 40000 "$TMP/go" >"$TMP/hold-teal" 2>&1 &
ht=$!
wait_for 8 sh -c "[ \$(cat '$TMP/hold-blue' '$TMP/hold-teal' | wc -l) -ge 2 ]"
cli "$C1" udp 198.18.100.2 7001 blue-udp 5555 >"$TMP/udp-blue" 2>&1 &
ub=$!
cli "$C4" udp 198.18.100.2 7001 teal-udp 5555 >"$TMP/udp-teal" 2>&1 &
ut=$!
wait $ub; wait $ut
vx1 nat ls >"$TMP/natls" 2>&1; natls_rc=$?
touch "$TMP/go"
wait $hb; wait $ht
b1=$(sed -n 1p "$TMP/hold-blue") b2=$(sed -n 2p "$TMP/hold-blue") t1=$(sed -n 1p "$TMP/hold-teal") t2=$(sed -n 2p "$TMP/hold-teal")
pb=${b1##*:} pt=${t1##*:}
if answered "$b1" blue-before 198.18.1.2 $NAT1 2>"$TMP/err" && answered "$t1" teal-before 198.18.1.2 $NAT1 2>>"$TMP/err" &&
   [ "$b2" = "blue-after 198.18.1.2:$pb" ] && [ "$t2" = "teal-after 198.18.1.2:$pt" ] && [ "$pb" != "$pt" ]; then
	ok "$T: same-address containers in blue and teal, TCP at once: NAT ports $pb and $pt, answers not crossed"
else
	fail "$T: twin TCP: blue '$b1|$b2', teal '$t1|$t2' $(cat "$TMP/err")"
fi
ub=$(cat "$TMP/udp-blue") ut=$(cat "$TMP/udp-teal")
if answered "$ub" blue-udp 198.18.1.2 $NAT1 2>"$TMP/err" && answered "$ut" teal-udp 198.18.1.2 $NAT1 2>>"$TMP/err" &&
   [ "${ub##*:}" != "${ut##*:}" ]; then
	ok "$T: same-address containers in blue and teal, UDP from one port at once: NAT ports ${ub##*:} and ${ut##*:}, answers not crossed"
else
	fail "$T: twin UDP: blue '$ub', teal '$ut' $(cat "$TMP/err")"
fi
# ICMP echo: both send identifier 4242 at once; the server sees two
# identifiers from 198.18.1.2, each container gets its own data back.
in_ns "$OUTSIDE" timeout 10 tcpdump -nn -i eth0 -l 'icmp[icmptype] == icmp-echo' >"$TMP/echo.cap" 2>/dev/null &
capecho=$!
sleep 1
in_ns "$C1" timeout 10 python3 "$TMP/icmp.py" 198.18.100.2 4242 blue-echo >"$TMP/echo-blue" 2>&1 &
eb=$!
in_ns "$C4" timeout 10 python3 "$TMP/icmp.py" 198.18.100.2 4242 teal-echo >"$TMP/echo-teal" 2>&1 &
et=$!
wait $eb; rb=$?
wait $et; rt=$?
sleep 0.5
kill "$capecho" 2>/dev/null; wait "$capecho" 2>/dev/null
ids=$(sed -n 's/.*198\.18\.1\.2 > 198\.18\.100\.2: ICMP echo request, id \([0-9]*\),.*/\1/p' "$TMP/echo.cap" | sort -u | wc -l)
if [ "$rb" = 0 ] && [ "$rt" = 0 ] && [ "$ids" -ge 2 ]; then
	ok "$T: same-address containers ping with one echo id (4242) at once: $ids ids on the wire, each reply to its sender"
else
	fail "$T: twin echo id 4242: blue rc $rb '$(cat "$TMP/echo-blue")', teal rc $rt '$(cat "$TMP/echo-teal")', $ids ids: $(head -3 "$TMP/echo.cap" | tr '\n' '|')"
fi
if grep -qx "tcp 198.18.1.2:$pb" "$TMP/out.log" && grep -qx "tcp 198.18.1.2:$pt" "$TMP/out.log"; then ok "$T: the server saw two connections from 198.18.1.2 ($pb, $pt)"
else fail "$T: server log: $(grep '^tcp' "$TMP/out.log" | tail -3 | tr '\n' '|')"; fi
# vxnet nat ls (while both connections were open): each flow with its
# network, inside and outside address and port, remote, and its way back.
# natline PROTO NETWORK INSIDE OUTSIDE REMOTE [FLAGS-REGEX]: a row of nat ls
# with these columns and its IN entry there (and FLAGS matching).
natline() {
	awk -v p="$1" -v n="$2" -v i="$3" -v o="$4" -v r="$5" -v fl="${6:-.}" \
		'$1 == p && $2 == n && $3 == i && $4 == o && $5 == r && $7 ~ fl && $8 == "yes" { f = 1 } END { exit !f }' "$TMP/natls"
}
natrows() { grep -F "$1" "$TMP/natls" | tr -s ' ' | tr '\n' '|'; }
if [ "$natls_rc" = 0 ] && natline tcp blue 10.1.0.2:40000 "198.18.1.2:$pb" 198.18.100.2:7000 &&
   natline tcp teal 10.1.0.2:40000 "198.18.1.2:$pt" 198.18.100.2:7000; then
	ok "$T: vxnet nat ls lists both TCP flows (10.1.0.2:40000 in blue as 198.18.1.2:$pb, in teal as :$pt, to 198.18.100.2:7000)"
else
	fail "$T: vxnet nat ls (rc $natls_rc): $(head -1 "$TMP/natls")|$(natrows 10.1.0.2:40000)"
fi
# Both had answers ("blue-before ..." came back): FLAGS says replied.
if natline tcp blue 10.1.0.2:40000 "198.18.1.2:$pb" 198.18.100.2:7000 replied &&
   natline tcp teal 10.1.0.2:40000 "198.18.1.2:$pt" 198.18.100.2:7000 replied; then
	ok "$T: vxnet nat ls shows both answered TCP flows as replied"
else
	fail "$T: answered flows not shown as replied: $(natrows 10.1.0.2:40000)"
fi

# --- Path MTU: 198.18.100.3 lies behind r's 1200-byte link. c1's 1450-byte
# segments get r's ICMP fragmentation needed, translated back to c1: its
# route cache learns 1200 and a 300 kB upload arrives intact.
in_ns "$C1" ip route flush cache
ie0=$(counter vx1 nat-icmp-error)
if cli "$C1" bulk 198.18.100.3 7000 300000 >"$TMP/bulk" 2>&1; then
	ok "$T: c1 uploads 300000 bytes across the 1200-byte link, sha256 matches ($(sed -n 2p "$TMP/bulk" | cut -d' ' -f3))"
else
	fail "$T: upload across the 1200-byte link: $(tr '\n' '|' <"$TMP/bulk")"
fi
if in_ns "$C1" ip route get 198.18.100.3 | grep -q 'mtu 1200'; then ok "$T: c1 caches path MTU 1200 to 198.18.100.3 from r's ICMP"
else fail "$T: c1 route cache: $(in_ns "$C1" ip route get 198.18.100.3 | tr '\n' ' ')"; fi
ie1=$(counter vx1 nat-icmp-error)
if is_count "$ie0" "$ie1" && [ "$ie1" -gt "$ie0" ]; then ok "$T: nat-icmp-error counted the fragmentation needed ($ie0 -> $ie1)"
else fail "$T: nat-icmp-error $ie0 -> $ie1"; fi
in_ns "$C1" ip route flush cache
in_ns "$C1" ping -c 2 -i 0.3 -W 2 -M 'do' -s 1300 198.18.100.3 >"$TMP/ping" 2>&1
if grep -Eq 'Frag needed and DF set \(mtu = 1200\)|mtu ?= ?1200' "$TMP/ping"; then ok "$T: c1's 1328-byte DF ping learns mtu 1200 (ICMP echo translated back)"
else fail "$T: c1 ping -M 'do' -s 1300 198.18.100.3: $(tr '\n' ' ' <"$TMP/ping")"; fi

# --- UDP to a closed port: the server's port unreachable reaches the sender.
for src in "c1 $C1 vx1" "c2 $C2 vx2"; do
	read -r cn cns vx <<<"$src"
	ie0=$(counter "$vx" nat-icmp-error)
	a=$(cli "$cns" udp 198.18.100.2 7999 closed 2>&1)
	ie1=$(counter "$vx" nat-icmp-error)
	if [ "$a" = refused ] && is_count "$ie0" "$ie1" && [ "$ie1" -gt "$ie0" ]; then
		ok "$T: $cn UDP to a closed port: connection refused (port unreachable), nat-icmp-error $ie0 -> $ie1"
	else
		fail "$T: $cn UDP to a closed port: '$a', nat-icmp-error $ie0 -> $ie1"
	fi
done

# The host itself answers port unreachable (from lo) for its own address.
ie0=$(counter vx1 nat-icmp-error)
a=$(cli "$C1" udp 198.18.1.2 7999 closed 2>&1)
ie1=$(counter vx1 nat-icmp-error)
if [ "$a" = refused ] && is_count "$ie0" "$ie1" && [ "$ie1" -gt "$ie0" ]; then
	ok "$T: c1 UDP to a closed port of h1's own address: connection refused, nat-icmp-error $ie0 -> $ie1"
else
	fail "$T: c1 UDP to a closed port of 198.18.1.2: '$a', nat-icmp-error $ie0 -> $ie1"
fi

# --- what NAT cannot translate is dropped and counted: a fragmented
# datagram, a protocol other than TCP, UDP and ICMP.
nu0=$(counter vx1 nat-unsupported) l0=$(wc -l <"$TMP/out.log")
a=$(in_ns "$C1" timeout 10 python3 "$TMP/udp_frag.py" 198.18.100.2 7001 2>&1)
nu1=$(counter vx1 nat-unsupported) l1=$(wc -l <"$TMP/out.log")
if [ "$a" = timeout ] && is_count "$nu0" "$nu1" && [ "$nu1" -ge $((nu0 + 2)) ] && [ "$l1" = "$l0" ]; then
	ok "$T: a 3000-byte UDP datagram in fragments is dropped as nat-unsupported ($nu0 -> $nu1)"
else
	fail "$T: fragmented UDP: '$a', nat-unsupported $nu0 -> $nu1, server log $l0 -> $l1 lines"
fi
nu0=$(counter vx1 nat-unsupported)
in_ns "$C1" python3 -c 'import socket; s = socket.socket(socket.AF_INET, socket.SOCK_RAW, 47); s.sendto(b"\0" * 8, ("198.18.100.2", 0))'
nu1=$(counter vx1 nat-unsupported)
if is_count "$nu0" "$nu1" && [ "$nu1" = $((nu0 + 1)) ]; then ok "$T: a GRE packet to outside is dropped as nat-unsupported ($nu0 -> $nu1)"
else fail "$T: GRE to outside: nat-unsupported $nu0 -> $nu1"; fi

# --- --no-egress: sealed's containers reach each other, not outside.
if [ "$SEALED" = 1 ]; then
	ne0=$(counter vx1 no-egress) nn0=$(counter vx1 nat-new) l0=$(wc -l <"$TMP/out.log")
	check_not "$T: c5 (sealed, --no-egress) cannot ping the outside server" in_ns "$C5" ping -c 2 -i 0.2 -W 1 198.18.100.2
	a=$(cli "$C5" udp 198.18.100.2 7001 sealed 2>&1)
	if [ "$a" = timeout ]; then ok "$T: c5's UDP to the outside server gets no answer"; else fail "$T: c5's UDP to outside: '$a'"; fi
	ne1=$(counter vx1 no-egress) nn1=$(counter vx1 nat-new) l1=$(wc -l <"$TMP/out.log")
	if is_count "$ne0" "$ne1" && [ "$ne1" -ge $((ne0 + 3)) ] && [ "$nn1" = "$nn0" ] && [ "$l1" = "$l0" ]; then
		ok "$T: sealed's egress dropped as no-egress ($ne0 -> $ne1), no translation, nothing reached the server"
	else
		fail "$T: no-egress $ne0 -> $ne1, nat-new $nn0 -> $nn1, server log $l0 -> $l1 lines"
	fi
	check "$T: c5 (sealed) reaches c6 on the other host" in_ns "$C5" ping -c 2 -i 0.2 -W 2 10.5.0.6
fi

# --- inside the subnet, nobody there: dropped as no-endpoint, not egress.
nep0=$(counter vx1 no-endpoint) eg0=$(counter vx1 egress) nn0=$(counter vx1 nat-new)
check_not "$T: c1 cannot ping 10.1.0.99 (in its subnet, no endpoint)" in_ns "$C1" ping -c 2 -i 0.2 -W 1 10.1.0.99
nep1=$(counter vx1 no-endpoint) eg1=$(counter vx1 egress) nn1=$(counter vx1 nat-new)
if is_count "$nep0" "$nep1" && [ "$nep1" -ge $((nep0 + 2)) ] && [ "$eg1" = "$eg0" ] && [ "$nn1" = "$nn0" ]; then
	ok "$T: 10.1.0.99 counted as no-endpoint ($nep0 -> $nep1), egress and nat-new unmoved"
else
	fail "$T: to 10.1.0.99: no-endpoint $nep0 -> $nep1, egress $eg0 -> $eg1, nat-new $nn0 -> $nn1"
fi

# --- counters and the nat map for one new UDP flow.
eg0=$(counter vx1 egress) er0=$(counter vx1 egress-reply) nn0=$(counter vx1 nat-new)
a=$(cli "$C1" udp 198.18.100.2 7001 counted 5601 2>&1)
eg1=$(counter vx1 egress) er1=$(counter vx1 egress-reply) nn1=$(counter vx1 nat-new)
if answered "$a" counted 198.18.1.2 $NAT1 2>"$TMP/err" && is_count "$eg0" "$er0" "$nn0" "$eg1" "$er1" "$nn1" &&
   [ "$eg1" -ge $((eg0 + 1)) ] && [ "$er1" -ge $((er0 + 1)) ] && [ "$nn1" = $((nn0 + 1)) ]; then
	ok "$T: one UDP exchange: egress $eg0 -> $eg1, egress-reply $er0 -> $er1, nat-new $nn0 -> $nn1"
else
	fail "$T: one UDP exchange '$a': egress $eg0 -> $eg1, egress-reply $er0 -> $er1, nat-new $nn0 -> $nn1 $(cat "$TMP/err")"
fi
vx1 nat ls >"$TMP/natls" 2>&1
if natline udp blue 10.1.0.2:5601 "198.18.1.2:${a##*:}" 198.18.100.2:7001; then
	ok "$T: vxnet nat ls lists the UDP flow 10.1.0.2:5601 as 198.18.1.2:${a##*:} to 198.18.100.2:7001"
else
	fail "$T: vxnet nat ls: $(head -1 "$TMP/natls")|$(natrows 10.1.0.2:5601)"
fi
check "$T: the nat map holds c1's flow out (key dir 0, udp, 10.1.0.2, 198.18.100.2)" \
	map_has "$PIN1" nat ".dir == 0 and .proto == 17 and .addr.octets == $(octets 10.1.0.2) and .remote.octets == $(octets 198.18.100.2)"
e=$(counter vx2 egress) r=$(counter vx2 egress-reply) n=$(counter vx2 nat-new)
if is_count "$e" "$r" "$n" && [ "$e" -gt 0 ] && [ "$r" -gt 0 ] && [ "$n" -gt 0 ]; then ok "$T: h2 counted egress $e, egress-reply $r, nat-new $n"
else fail "$T: h2 egress '$e', egress-reply '$r', nat-new '$n'"; fi

# --- NAT ports run out: h2 up again with 64 of them; 100 new UDP flows
# from c2 to one server port at once. Those that got a port were answered
# from a port of the range, each its own; the others were dropped and counted
# as nat-exhausted, one each.
if vx2 up --node h2 --dev eth0 --decap "$MODE" --nat-ports 62000-62063 >"$TMP/out" 2>&1; then
	if [ "$(reserved "$H2")" = 7100,62000-62063 ]; then ok "$T: h2 up again with --nat-ports 62000-62063: reserved 7100,62000-62063"
	else fail "$T: h2 up with 62000-62063: ip_local_reserved_ports '$(reserved "$H2")'"; fi
	ex0=$(counter vx2 nat-exhausted)
	in_ns "$C2" timeout 20 python3 "$TMP/udp_many.py" 198.18.100.2 7001 20000 100 >"$TMP/many" 2>"$TMP/many.err"
	ex1=$(counter vx2 nat-exhausted)
	got=$(head -1 "$TMP/many") ports=$(tail -n +2 "$TMP/many")
	inrange=$(awk '$1 >= 62000 && $1 <= 62063' <<<"$ports" | wc -l) distinct=$(sort -u <<<"$ports" | grep -c .)
	if [ ! -s "$TMP/many.err" ] && is_count "$got" "$ex0" "$ex1" && [ "$got" -gt 0 ] && [ "$got" -le 64 ] && [ "$inrange" = "$got" ] &&
	   [ "$distinct" = "$got" ] && [ $((ex1 - ex0)) = $((100 - got)) ]; then
		ok "$T: 100 flows, 64 NAT ports: $got answered from distinct ports of 62000-62063, nat-exhausted $ex0 -> $ex1"
	else
		fail "$T: 100 flows, 64 NAT ports: '$got' answered, $inrange in range, $distinct distinct, nat-exhausted $ex0 -> $ex1 $(head -4 "$TMP/many.err" | tr '\n' '|')"
	fi
else
	fail "$T: vxnet up --nat-ports 62000-62063 on h2: $(cat "$TMP/out")"
fi

# --- a translation lets in only its own remote: datagrams to c1's NAT
# port from another host, or from the server's address but another port, do
# not reach c1; the server's next answer does.
rm -f "$TMP/go"
in_ns "$C1" timeout 30 python3 "$TMP/udp_open.py" 198.18.100.2 7001 5700 "$TMP/go" >"$TMP/open" 2>&1 &
op=$!
wait_for 5 grep -q '^nat ' "$TMP/open"
np=$(sed -n 's/^nat //p' "$TMP/open")
er0=$(counter vx1 egress-reply)
if is_count "$np"; then
	in_ns "$H2" python3 -c 'import socket, sys; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.sendto(b"intruder-h2", ("198.18.1.2", int(sys.argv[1])))' "$np"
	in_ns "$OUTSIDE" python3 -c 'import socket, sys; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("198.18.100.2", 7002)); s.sendto(b"intruder-7002", ("198.18.1.2", int(sys.argv[1])))' "$np"
	sleep 0.5
fi
touch "$TMP/go"
wait $op
er1=$(counter vx1 egress-reply)
if is_count "$np" && [ "$(grep -c '^got ' "$TMP/open")" = 1 ] && grep -q "^got 198.18.100.2:7001 probe2 198.18.1.2:$np$" "$TMP/open" &&
   [ "$er1" = $((er0 + 1)) ]; then
	ok "$T: c1's NAT port $np lets in only 198.18.100.2:7001's answer, not h2's nor 198.18.100.2:7002's datagram (egress-reply +1)"
else
	fail "$T: c1's open UDP socket behind NAT port '$np': $(tr '\n' '|' <"$TMP/open"), egress-reply $er0 -> $er1"
fi

# --- the host's own traffic: untouched by vxnet's NAT (its own source port
# from the ephemeral range, no egress-reply).
er0=$(counter vx1 egress-reply) eg0=$(counter vx1 egress)
a=$(cli "$H1" tcp 198.18.100.2 7000 host 2>&1)
if answered "$a" host 198.18.1.2 $EPH 2>"$TMP/err"; then ok "$T: h1's own TCP to the outside server from 198.18.1.2:${a##*:}"
else fail "$T: h1's own TCP: $(cat "$TMP/err")"; fi
a=$(cli "$H1" udp 198.18.100.2 7001 hostudp 2>&1)
if answered "$a" hostudp 198.18.1.2 $EPH 2>"$TMP/err"; then ok "$T: h1's own UDP to the outside server from 198.18.1.2:${a##*:}"
else fail "$T: h1's own UDP: $(cat "$TMP/err")"; fi
check "$T: h1 pings the outside server" in_ns "$H1" ping -c 2 -i 0.2 -W 2 198.18.100.2
check "$T: h1's own 300000-byte upload to 198.18.100.3 (PMTU)" cli "$H1" bulk 198.18.100.3 7000 300000
er1=$(counter vx1 egress-reply) eg1=$(counter vx1 egress)
if [ "$er1" = "$er0" ] && [ "$eg1" = "$eg0" ]; then ok "$T: the host's own traffic moved neither egress nor egress-reply"
else fail "$T: host traffic moved egress $eg0 -> $eg1, egress-reply $er0 -> $er1"; fi

# --- a second `vxnet up` under an established connection: same nat map,
# the connection keeps its NAT port and carries on.
rm -f "$TMP/go"
cli "$C1" hold 198.18.100.2 7000 reup 40001 "$TMP/go" >"$TMP/hold-reup" 2>&1 &
hr=$!
wait_for 8 sh -c "[ \$(wc -l <'$TMP/hold-reup') -ge 1 ]"
id0=$(bpftool -j map show pinned "$PIN1/nat" 2>/dev/null | jq '.id')
check "$T: vxnet up again on h1 under an open connection" vx1 up --node h1 --dev eth0 --decap "$MODE"
id1=$(bpftool -j map show pinned "$PIN1/nat" 2>/dev/null | jq '.id')
touch "$TMP/go"
wait $hr
r1=$(sed -n 1p "$TMP/hold-reup") r2=$(sed -n 2p "$TMP/hold-reup")
if answered "$r1" reup-before 198.18.1.2 $NAT1 2>"$TMP/err" && [ "$r2" = "reup-after 198.18.1.2:${r1##*:}" ]; then
	ok "$T: c1's connection carries on across vxnet up, NAT port ${r1##*:} kept"
else
	fail "$T: connection across vxnet up: '$r1' then '$r2' $(cat "$TMP/err")"
fi
if is_count "$id0" && [ "$id0" = "$id1" ]; then ok "$T: the pinned nat map is the same map after up (id $id0)"
else fail "$T: nat map id $id0 -> $id1"; fi
a=$(cli "$C1" udp 198.18.100.2 7001 after-up 2>&1)
if answered "$a" after-up 198.18.1.2 $NAT1 2>"$TMP/err"; then ok "$T: a new flow after the second up is translated"
else fail "$T: new flow after up: $(cat "$TMP/err")"; fi
if reserved_has "$H1" 61001-65535; then ok "$T: the NAT ports are still reserved after the second up"
else fail "$T: after the second up, ip_local_reserved_ports '$(reserved "$H1")'"; fi

# --- vxnet down gives the ports back, and only them.
vx1 down >/dev/null 2>&1
vx2 down >/dev/null 2>&1
if ! reserved_has "$H1" 61001-65535; then ok "$T: h1's NAT ports no longer reserved after down ('$(reserved "$H1")')"
else fail "$T: h1 after down: ip_local_reserved_ports '$(reserved "$H1")'"; fi
if [ "$(reserved "$H2")" = 7100 ]; then ok "$T: h2 after down: its own 7100 reserved, 62000-62999 not"
else fail "$T: h2 after down: ip_local_reserved_ports '$(reserved "$H2")', want 7100"; fi
finish
