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
