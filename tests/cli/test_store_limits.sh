#!/bin/bash
# What vxnet reads from etcd is bounded and checked: a fake etcd gateway
# (python3, on loopback in a namespace of its own) answers /v3/kv/range with
# what a real etcd never sends; each answer gets one line and exit 1.
# The watch's line limit needs an agent: test_etcd_tls.sh.
#
#   namespace $NS: lo 127.0.0.1
#     fake gateway :23790 (a good answer), :23791.. (one bad answer each)
#     vxnet -n $NS --store etcd://127.0.0.1:PORT node ls
source "$(dirname "$0")/../lib.sh"
NS=${P}lim
SRV=
cleanup() {
	[ -n "$SRV" ] && kill "$SRV" 2>/dev/null
	wait 2>/dev/null
	cleanup_netns
	rm -rf "$TMP"
}
trap cleanup EXIT
mkns "$NS" || { fail "limits: namespace"; exit 1; }

# One answer per port; keys and values base64 as the gateway sends them.
cat >"$TMP/fake.py" <<'EOF'
import base64, json, sys, threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

def b64(s): return base64.b64encode(s.encode()).decode()
rev = {"key": b64("/vxnet/rev"), "value": "", "mod_revision": "7"}
node = {"key": b64("/vxnet/nodes/h1"), "value": b64('{"name":"h1","address":"198.18.0.1"}'),
        "mod_revision": "6"}
header = {"revision": "7"}
answers = {
    23790: {"header": header, "kvs": [node, rev]},                     # good
    23791: {"header": header, "kvs": [node, rev], "pad": "x" * (65 << 20)},  # 65 MiB
    23792: {"header": {"revision": "12x"}, "kvs": [node, rev]},        # not a number
    23793: {"header": header, "kvs": [node, dict(rev, mod_revision="-3")]},  # negative
    23794: {"header": header, "kvs": [node]},                          # no /vxnet/rev
    23795: {"header": header, "more": True},                           # more, no keys
    23796: {"header": {"revision": "99999999999999999999"}, "kvs": [node, rev]},  # > int64
}
bodies = {p: json.dumps(a).encode() for p, a in answers.items()}

class H(BaseHTTPRequestHandler):
    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        body = bodies[self.server.server_address[1]]
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        try:
            self.wfile.write(body)
        except OSError:
            pass  # vxnet hung up: that is the point
    def log_message(self, *a): pass

for p in bodies:
    s = ThreadingHTTPServer(("127.0.0.1", p), H)
    threading.Thread(target=s.serve_forever, daemon=True).start()
print("ready", flush=True)
threading.Event().wait()
EOF
ip netns exec "$NS" python3 "$TMP/fake.py" >"$TMP/fake.log" 2>&1 & SRV=$!
if wait_for 10 grep -q ready "$TMP/fake.log"; then ok "limits: fake gateway up"
else fail "limits: fake gateway: $(cat "$TMP/fake.log")"; exit 1; fi

vxp() { local port=$1; shift; "$VXNET" -n "$NS" --store "etcd://127.0.0.1:$port" "$@"; }
# bad1 NAME REGEX CMD...: exit 1, exactly one stderr line matching REGEX
bad1() {
	local name=$1 re=$2 rc; shift 2
	"$@" >"$TMP/out" 2>"$TMP/err"; rc=$?
	if [ $rc != 1 ]; then fail "$name: exit $rc, expected 1: $(head -3 "$TMP/err" | tr '\n' '|')"
	elif [ "$(wc -l <"$TMP/err")" != 1 ]; then fail "$name: expected one stderr line: $(head -4 "$TMP/err" | cut -c 1-200 | tr '\n' '|')"
	elif ! grep -Eq -- "$re" "$TMP/err"; then fail "$name: '$(cut -c 1-300 "$TMP/err")' does not match /$re/"
	else ok "$name"; fi
}

out=$(vxp 23790 node ls 2>"$TMP/err")
if [ "$out" = "$(printf 'NAME  ADDRESS     ENDPOINTS\nh1    198.18.0.1  0')" ] && [ ! -s "$TMP/err" ]; then
	ok "limits: a good answer reads (and loopback gets no plain-HTTP warning)"
else
	fail "limits: good answer: '$out' / $(cat "$TMP/err")"
fi
bad1 "limits: an answer over 64 MiB" \
	'^vxnet: store etcd://127.0.0.1:23791: etcd at 127.0.0.1:23791: answer larger than 64 MiB$' vxp 23791 node ls
bad1 "limits: a revision that is not a number" \
	"^vxnet: store etcd://127.0.0.1:23792: etcd at 127.0.0.1:23792 sent a malformed 'revision' \(not a non-negative 64-bit integer\)$" \
	vxp 23792 node ls
bad1 "limits: a negative mod_revision" \
	"^vxnet: store etcd://127.0.0.1:23793: etcd at 127.0.0.1:23793 sent a malformed 'mod_revision'" vxp 23793 node ls
bad1 "limits: a revision past int64" \
	"^vxnet: store etcd://127.0.0.1:23796: etcd at 127.0.0.1:23796 sent a malformed 'revision'" vxp 23796 node ls
bad1 "limits: no /vxnet/rev is no state, not an empty one" \
	'^vxnet: store etcd://127.0.0.1:23794: no vxnet state in etcd \(no key /vxnet/rev\); create it with vxnet node add NAME ADDRESS$' \
	vxp 23794 node ls
bad1 "limits: \"more\" without keys" \
	'^vxnet: store etcd://127.0.0.1:23795: etcd at 127.0.0.1:23795 sent "more" without keys$' vxp 23795 node ls
finish
