# Shared by the shell tests. Source it, then use the helpers below.
# Every test creates what it needs under a per-run prefix $P and removes it in
# a trap, even when it fails.
set -u
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VXNET=$TOP/build/vxnet
P=vxt$$-                        # per-run prefix: namespaces, pins, temp files
TMP=$(mktemp -d /tmp/${P}XXXX)
FAILS=0

ok() { echo "ok $*"; }
fail() { echo "not ok $*"; FAILS=$((FAILS + 1)); }
check() { # check NAME CMD...: ok when CMD succeeds
	local name=$1; shift
	if "$@" >"$TMP/out" 2>&1; then ok "$name"; else fail "$name: '$*' failed: $(tail -n 3 "$TMP/out" | tr '\n' ' ')"; fi
}
check_not() { # check_not NAME CMD...: ok when CMD fails
	local name=$1; shift
	if "$@" >"$TMP/out" 2>&1; then fail "$name: '$*' succeeded"; else ok "$name"; fi
}
# expect_err NAME REGEX CMD...: CMD must exit non-zero with exactly one line on
# stderr matching REGEX.
expect_err() {
	local name=$1 re=$2; shift 2
	local rc
	"$@" >"$TMP/out" 2>"$TMP/err"; rc=$?
	if [ $rc = 0 ]; then fail "$name: exit 0, expected failure"; return; fi
	if [ "$(wc -l <"$TMP/err")" != 1 ]; then fail "$name: expected one stderr line, got: $(cat "$TMP/err" | head -5 | tr '\n' '|')"; return; fi
	if ! grep -Eq -- "$re" "$TMP/err"; then fail "$name: stderr '$(cat "$TMP/err")' does not match /$re/"; return; fi
	ok "$name"
}
finish() { [ "$FAILS" = 0 ]; }
# tails N FILE...: the last N lines of each FILE, on one line: "file: a|b| file2: c|"
tails() {
	local n=$1 f; shift
	for f in "$@"; do printf '%s: %s ' "${f##*/}" "$(tail -n "$n" -- "$f" 2>&1 | tr '\n' '|')"; done
}

# wait_for SECONDS CMD...: runs CMD until it succeeds, at least once and then
# every 0.1 s for SECONDS of wall-clock time (however long CMD takes). Wait
# for exactly what the test asserts next. The last try's output: waited.
wait_for() {
	local end=$((${EPOCHREALTIME//[^0-9]/} + $1 * 1000000)); shift
	while :; do
		"$@" >"$TMP/wait.out" 2>&1 && return 0
		[ "${EPOCHREALTIME//[^0-9]/}" -lt "$end" ] || return 1
		sleep 0.1
	done
}
waited() { tr '\n' '|' <"$TMP/wait.out" | cut -c 1-400; }

# exited PID: gone or a zombie
exited() { case $(ps -o stat= -p "$1") in '' | Z*) return 0 ;; esac; return 1; }
# stop_pid SECONDS PID: TERM (a clean exit, and bash prints no "Killed") to
# PID and its children, KILL what still runs after SECONDS, then reap PID; no
# PID: nothing to do. The children: the PID of `a_function ... &` is a
# subshell, and the command the function runs is its child.
stop_pid() {
	[ -n "$2" ] || return 0
	local p pids
	pids="$(pgrep -P "$2") $2"
	kill -TERM $pids 2>/dev/null
	for p in $pids; do wait_for "$1" exited "$p" || kill -KILL "$p" 2>/dev/null; done
	wait "$2" 2>/dev/null
}

# is_count VALUE...: each VALUE is a non-negative integer (a counter was read)
is_count() {
	local v
	for v in "$@"; do case $v in '' | *[!0-9]*) echo "not a count: '$v'" >&2; return 1 ;; esac; done
}

# links_sync NS DEV [NS DEV]...: a getlink of each link, which makes the
# kernel take its carrier change now. After both ends of a veth are up,
# linkwatch may take a second or more over it (always about a second when
# the two ends have the same ifindex), and the veth drops what it sends
# until then. vxnet does the same for its veths (user/lib/netlink.c).
links_sync() {
	while [ $# -ge 2 ]; do ip -n "$1" link show dev "$2" >/dev/null || return 1; shift 2; done
}
# router_port N NS: namespace NS behind the router namespace $R's port rN,
# NS's eth0 198.18.N.2/24 with its default route through the router's
# 198.18.N.1
router_port() {
	ip link add "r$1" netns "$R" type veth peer name eth0 netns "$2" &&
	ip -n "$R" addr add "198.18.$1.1/24" dev "r$1" && ip -n "$R" link set "r$1" up &&
	ip -n "$2" addr add "198.18.$1.2/24" dev eth0 && ip -n "$2" link set eth0 up &&
	links_sync "$R" "r$1" "$2" eth0 && ip -n "$2" route add default via "198.18.$1.1"
}
# pki_ca PKI NAME: a self-signed EC CA, PKI/NAME.key and PKI/NAME.pem (a day).
# pki_sign PKI NAME SUBJECT EXTENSIONS: PKI/NAME.key and PKI/NAME.pem signed
# by PKI/ca, EXTENSIONS (printf %b) its extension lines. openssl's words go
# to PKI/log.
pki_ca() {
	mkdir -p "$1" &&
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 \
		-subj "/CN=vxnet test $2 $P" -keyout "$1/$2.key" -out "$1/$2.pem" 2>>"$1/log"
}
pki_sign() {
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj "$3" \
		-keyout "$1/$2.key" -out "$1/$2.csr" 2>>"$1/log" &&
	printf '%b' "$4" >"$1/$2.ext" &&
	openssl x509 -req -in "$1/$2.csr" -CA "$1/ca.pem" -CAkey "$1/ca.key" -CAcreateserial \
		-days 1 -extfile "$1/$2.ext" -out "$1/$2.pem" 2>>"$1/log"
}
# BPF maps. Each helper fails, saying why on stderr, when bpftool fails (wrong
# pin, not a map) or prints entries without BTF-formatted keys: a check for
# "not in the map" can never pass because nothing could be read.
# json_strict: JSON on stdin, printed back; fails, saying which key of which
# object, on a key "" or a key twice in one object (jq would keep only the
# last of those). bpftool names an anonymous struct or union member "".
json_strict() {
	python3 -c '
import json, sys
def strict(pairs):
    keys = [k for k, _ in pairs]
    for k in keys:
        if k == "" or keys.count(k) > 1:
            sys.exit("%s key %s in the object with keys %s" %
                     ("empty" if k == "" else "duplicate", json.dumps(k), json.dumps(keys)))
    return dict(pairs)
json.dump(json.load(sys.stdin, object_pairs_hook=strict), sys.stdout)'
}
# map_dump PIN MAP: the map pinned at PIN/MAP as bpftool's JSON array (read
# with json_strict). An address is {"be32": N, "octets": [a,b,c,d]}
# (include/vxnet.h's union vxnet_addr): .ip.octets == [10,1,0,2].
map_dump() {
	local out
	if ! out=$(bpftool -j map dump pinned "$1/$2" 2>&1); then
		echo "bpftool map dump pinned $1/$2 failed: $out" >&2; return 1
	fi
	if ! out=$(json_strict <<<"$out" 2>&1); then
		echo "bpftool map dump pinned $1/$2: $(tail -n 1 <<<"$out" | cut -c 1-300)" >&2; return 1
	fi
	if ! jq -e 'type == "array" and all(.[]; has("formatted"))' <<<"$out" >/dev/null 2>&1; then
		echo "bpftool map dump pinned $1/$2: not an array of formatted entries: ${out:0:200}" >&2; return 1
	fi
	printf '%s\n' "$out"
}
# map_has PIN MAP COND: an entry's formatted key satisfies jq COND (e.g. '.vni == 5')
map_has() {
	local d
	d=$(map_dump "$1" "$2") || return 2
	jq -e "any(.[]; .formatted.key | $3)" <<<"$d" >/dev/null && return 0
	echo "no key with $3 in $1/$2" >&2; return 1
}
# map_lacks PIN MAP COND: the map could be read and no key satisfies COND
map_lacks() {
	local d
	d=$(map_dump "$1" "$2") || return 2
	jq -e "any(.[]; .formatted.key | $3) | not" <<<"$d" >/dev/null && return 0
	echo "a key with $3 is in $1/$2" >&2; return 1
}
# octets A.B.C.D: the address as bpftool shows an address's octets, [A,B,C,D]
octets() { echo "[${1//./,}]"; }
# ip_le A.B.C.D: the address as a __be32 read little-endian, as bpftool shows be32
ip_le() { local a b c d; IFS=. read -r a b c d <<<"$1"; echo $((a + (b << 8) + (c << 16) + (d << 24))); }
# map_has_ip PIN IP / map_lacks_ip PIN IP: IP in / not in PIN's endpoints map
map_has_ip() { map_has "$1" endpoints ".ip.octets == $(octets "$2")"; }
map_lacks_ip() { map_lacks "$1" endpoints ".ip.octets == $(octets "$2")"; }

# link_gone NS DEV: namespace NS exists and holds no link DEV
link_gone() {
	local err
	if err=$(ip -n "$1" link show "$2" 2>&1); then echo "$2 is still in $1" >&2; return 1; fi
	case $err in *"does not exist"*) return 0 ;; esac
	echo "ip -n $1 link show $2: $err" >&2; return 1
}

# Namespaces made through these are removed by cleanup_netns.
NETNS_MADE=()
mkns() { ip netns add "$1" && NETNS_MADE+=("$1") && ip -n "$1" link set lo up; }
cleanup_netns() {
	local ns pid
	for ns in "${NETNS_MADE[@]}"; do
		for pid in $(ip netns pids "$ns" 2>/dev/null); do kill "$pid" 2>/dev/null; done
		ip netns del "$ns" 2>/dev/null
	done
	NETNS_MADE=()
}
