#!/bin/bash
# The fuzzing pass: each libFuzzer target of tests/fuzz for FUZZ_SECONDS
# (default 4; `make fuzz` passes its own, default 10), then the packet
# fuzzer for as long. Each target first runs every file of its seed corpus
# tests/fuzz/corpus/TARGET unchanged (valid inputs and the regression cases
# of earlier findings), then mutates them; what it learns stays in
# build/fuzz/corpus/TARGET for the next run, a failing input lands in
# build/fuzz/artifacts/ and the whole output in build/fuzz/logs/TARGET.log.
# One "ok fuzz TARGET" or "not ok fuzz TARGET: ..." line per target; the
# packet fuzzer prints its own (ok packets PROGRAM ...). Builds the fuzz
# programs (make fuzz-build) if one is missing; the packet fuzzer needs
# root, as does tests/run.sh.
source "$(dirname "$0")/../lib.sh"
trap 'rm -rf "$TMP"' EXIT

SECS=${FUZZ_SECONDS:-4}
FZ=$TOP/build/fuzz
SEEDS=$TOP/tests/fuzz/corpus
TARGETS=(state record addr etcd_codec etcd_gateway etcd_pb cli)

for t in "${TARGETS[@]}" packets; do
	[ -x "$FZ/fuzz_$t" ] && continue
	echo "# building the fuzz programs (make fuzz-build)"
	if ! make -C "$TOP" --no-print-directory fuzz-build >"$TMP/build" 2>&1; then
		fail "fuzz build: $(tail -n 5 "$TMP/build" | tr '\n' '|')"
		exit 1
	fi
	break
done
mkdir -p "$FZ/artifacts" "$FZ/logs"

# fuzz_target NAME: runs build/fuzz/fuzz_NAME for SECS seconds.
fuzz_target() {
	local t=$1 log=$FZ/logs/$1.log rc runs why input
	mkdir -p "$FZ/corpus/$t"
	"$FZ/fuzz_$t" -max_total_time="$SECS" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
		-artifact_prefix="$FZ/artifacts/$t-" "$FZ/corpus/$t" "$SEEDS/$t" >"$log" 2>&1
	rc=$?
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
	if [ $rc = 0 ] && [ -n "$runs" ]; then
		ok "fuzz $t: ${runs} runs in ${SECS} s, $(ls "$SEEDS/$t" | wc -l) seeds, nothing found"
		return
	fi
	why=$(grep -a -m1 -E '^fuzz: CHECK|^SUMMARY|ERROR: ' "$log" | cut -c 1-300)
	input=$(grep -a -o 'Test unit written to .*' "$log" | sed 's/Test unit written to //')
	fail "fuzz $t: exit $rc: ${why:-no report}; input ${input:-none}; log $log"
}

for t in "${TARGETS[@]}"; do
	fuzz_target "$t"
done

if [ "$(id -u)" = 0 ]; then
	"$FZ/fuzz_packets" -S -t "$SECS" -n 5000000 -c "$SEEDS/packets" -a "$FZ/artifacts" \
		>"$FZ/logs/packets.log" 2>&1
	rc=$?
	cat "$FZ/logs/packets.log"
	if [ $rc != 0 ] && ! grep -q '^not ok' "$FZ/logs/packets.log"; then
		fail "fuzz packets: exited $rc; log $FZ/logs/packets.log"
	fi
else
	echo "# fuzz packets: skipped, needs root"
fi
finish
