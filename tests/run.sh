#!/bin/bash
# Runs every test: BPF unit tests (build/tests/*), CLI tests (tests/cli/*.sh),
# end-to-end namespace tests (tests/e2e/*.sh) and the CNI plugin tests
# (tests/cni/*.sh). Each prints one line per
# check, "ok NAME" or "not ok NAME: why"; a test program that exits non-zero
# without a "not ok" line, or that checks nothing, counts as one failure.
# Ends with "N passed, N failed".
# Usage: tests/run.sh [PATTERN]   (only tests whose path contains PATTERN)
cd "$(dirname "$0")/.." || exit 1
pass=0 failn=0
pattern=${1:-}
[ "$(id -u)" = 0 ] || { echo "vxnet tests need root"; echo "0 passed, 1 failed"; exit 1; }
for t in build/tests/* tests/cli/test_*.sh tests/fuzz/test_*.sh tests/e2e/test_*.sh tests/cni/test_*.sh; do
	[ -e "$t" ] || continue # a glob that matched nothing
	case "$t" in *"$pattern"*) ;; *) continue ;; esac
	if [ ! -x "$t" ]; then # would never run: a check skipped without a word
		echo "not ok $t: not executable (chmod +x)"
		failn=$((failn + 1))
		continue
	fi
	echo "== $t"
	out=$(mktemp)
	timeout 900 "$t" 2>&1 | tee "$out"
	rc=${PIPESTATUS[0]}
	p=$(grep -c '^ok ' "$out")
	f=$(grep -c '^not ok ' "$out")
	if [ "$rc" = 124 ]; then
		echo "not ok $t: timed out after 900 s"
		f=$((f + 1))
	elif [ "$rc" != 0 ] && [ "$f" = 0 ]; then
		echo "not ok $t: exited with $rc"
		f=1
	elif [ "$p" = 0 ] && [ "$f" = 0 ]; then
		echo "not ok $t: exited $rc without a single check"
		f=1
	fi
	pass=$((pass + p)) failn=$((failn + f))
	rm -f "$out"
done
echo "$pass passed, $failn failed"
[ "$failn" = 0 ] && [ "$pass" -gt 0 ]
