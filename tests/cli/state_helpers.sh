# Sourced by the CLI tests of a state file (test_state, test_publish), after
# tests/lib.sh and with ST set: vxnet on that file and its checks.

# vx ARGS...: vxnet on the test's state file; its exit code is kept in $TMP/rc.
vx() { "$VXNET" --state "$ST" "$@"; local rc=$?; echo $rc >"$TMP/rc"; return $rc; }

# bad NAME RC REGEX ARGS...: `vx ARGS` exits RC with one stderr line matching
# REGEX, and the state file is unchanged.
bad() {
	local name=$1 want=$2 re=$3; shift 3
	cp "$ST" "$TMP/before"
	expect_err "$name" "$re" vx "$@"
	if [ "$(cat "$TMP/rc")" != "$want" ]; then fail "$name: exit $(cat "$TMP/rc"), expected $want"; fi
	if ! cmp -s "$ST" "$TMP/before"; then fail "$name: state file changed"; fi
}

# out_is NAME EXPECTED CMD...: CMD succeeds and prints exactly EXPECTED.
out_is() {
	local name=$1 want=$2; shift 2
	local got
	if ! got=$("$@" 2>&1); then fail "$name: '$*' failed: $got"; return; fi
	if [ "$got" = "$want" ]; then ok "$name"; else fail "$name: got '$got', expected '$want'"; fi
}
