#!/bin/bash
# `vxnet status` tells the truth about container interfaces (issue 15,
# item 3): each row from the state, the ifaces map and the kernel (link
# state, the filters on the veth's tc ingress and their programs), every
# mismatch named by one word, a summary line, the same facts in -j; exit
# 0, and 1 with --check while a mismatch lasts. Things are broken on
# purpose behind vxnet's back, one at a time, and mended. MODE: the decap
# mode (tc, or xdp: test_status_xdp.sh); the veths carry tc in both.
#
#   c1 10.1.0.2 (eth0)   c3 10.1.0.4 (eth0)              c2 10.1.0.3
#        |                    |                              |
#   +--------- h1 -----------------+  eth0 -- r -- eth0  +-- h2 --+
#   | vx veths: vxnet's tc program |                     |        |
#   +------------------------------+                     +--------+
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/topo.sh"
MODE=${1:-tc}
T="status-$MODE"
trap topo_cleanup EXIT
topo_build "$([ "$MODE" = xdp ] && echo wire)" || { fail "$T: build topology"; exit 1; }
topo_vxnet "$MODE" || { fail "$T: vxnet up and attach"; exit 1; }
EP1=h1-${C1}-blue EP3=h1-${C3}-blue
hostif() { jq -r --arg n "$1" '.endpoints[] | select(.name == $n) | .host_ifname' "$STATE"; }
IF1=$(hostif "$EP1") IF3=$(hostif "$EP3")
[ -n "$IF1" ] && [ -n "$IF3" ] || { fail "$T: no host veths in the state"; exit 1; }
PROG=$(bpftool -j prog show pinned "$PIN1/prog_from_container" | jq .id)
tc1() { ip netns exec "$H1" tc "$@"; }

# A program that is not vxnet's, and one named as vxnet's (an old load).
cat >"$TMP/other.c" <<'EOF'
struct __sk_buff;
__attribute__((section("tc"), used)) int other_prog(struct __sk_buff *skb) { return 0; }
__attribute__((section("tc"), used)) int vxnet_from_container(struct __sk_buff *skb) { return 0; }
char _license[] __attribute__((section("license"), used)) = "GPL";
EOF
clang -O2 -target bpf -c "$TMP/other.c" -o "$TMP/other.o" || fail "$T: compile a foreign program"
# put_prog DEV PRIO HANDLE PROGNAME: tc filter replace of PROGNAME from other.o
put_prog() {
	tc1 filter replace dev "$1" ingress prio "$2" handle "$3" bpf da obj "$TMP/other.o" sec tc \
		${4:+program "$4"}
}

# st NAME: vx1 status into $TMP/NAME.txt (exit status in $TMP/NAME.rc) and
# -j into $TMP/NAME.json, --check's exit status into $TMP/NAME.check
st() {
	vx1 status >"$TMP/$1.txt" 2>"$TMP/$1.err"; echo $? >"$TMP/$1.rc"
	vx1 status -j >"$TMP/$1.json" 2>>"$TMP/$1.err"
	vx1 status --check >/dev/null 2>>"$TMP/$1.err"; echo $? >"$TMP/$1.check"
}
# row NAME HOSTIF: the table's row of HOSTIF (its columns split by spaces)
row() { awk -v i="$2" '$1 == i' "$TMP/$1.txt"; }
# row_is NAME HOSTIF REGEX: HOSTIF's row is HOSTIF, spaces, then REGEX
row_is() { row "$1" "$2" | grep -Eq "^$2 +$3\$" || { echo "row '$(row "$1" "$2")'" >&2; return 1; }; }
# status_is NAME HOSTIF WORDS: the row's STATUS column and -j's problems
# are WORDS ("ok": none)
status_is() {
	local t j want=$3
	t=$(row "$1" "$2" | awk '{ print $NF }')
	j=$(jq -r --arg i "$2" '.interfaces[] | select(.host_ifname == $i) | if .problems == [] then "ok" else (.problems | join(",")) end' "$TMP/$1.json")
	[ "$t" = "$want" ] && [ "$j" = "$want" ] || { echo "$2: table '$t', json '$j', want '$want': $(row "$1" "$2")" >&2; return 1; }
}
# summary_is NAME N M: "N container interfaces" and M rows with a mismatch,
# in text and -j; exit 0 always, --check 1 when M > 0
summary_is() {
	local s want
	s=$(grep '^summary: ' "$TMP/$1.txt")
	want="summary: $2 container interface$([ "$2" = 1 ] || echo s), "
	if [ "$3" = 0 ]; then want+="no mismatch"; else want+="$3 with a mismatch"; fi
	[ "$s" = "$want" ] || { echo "summary '$s', want '$want'" >&2; return 1; }
	jq -e --argjson n "$2" --argjson m "$3" '(.interfaces | length) == $n and .mismatches == $m' "$TMP/$1.json" >/dev/null ||
		{ echo "json: $(jq -c '[(.interfaces | length), .mismatches]' "$TMP/$1.json")" >&2; return 1; }
	[ "$(cat "$TMP/$1.rc")" = 0 ] || { echo "status exited $(cat "$TMP/$1.rc")" >&2; return 1; }
	[ "$(cat "$TMP/$1.check")" = $(($3 > 0)) ] || { echo "status --check exited $(cat "$TMP/$1.check")" >&2; return 1; }
	[ ! -s "$TMP/$1.err" ] || { echo "stderr: $(cat "$TMP/$1.err")" >&2; return 1; }
}

# ---- a healthy host ----
st healthy
check "$T: healthy: two interfaces, no mismatch, exit 0, --check 0" summary_is healthy 2 0
check "$T: healthy: c1's row ok" status_is healthy "$IF1" ok
check "$T: healthy: c3's row ok" status_is healthy "$IF3" ok
check "$T: healthy: c1's row: endpoint, network, namespace, eth0, up, vxnet's program $PROG, in the map" \
	row_is healthy "$IF1" "$EP1 +blue +/run/netns/$C1 +eth0 +up +vxnet:$PROG +yes +ok"
if jq -e --arg i "$IF1" --arg e "$EP1" --arg ns "/run/netns/$C1" --argjson p "$PROG" \
	'.interfaces[] | select(.host_ifname == $i) | .endpoint == $e and .network == "blue" and .netns == $ns and
	 .ifname == "eth0" and .ip == "10.1.0.2" and .link == "up" and .in_map and .status == "ok" and
	 .tc_ingress == [{"pref": 1, "handle": 30328, "kind": "bpf", "prog_id": $p, "prog_name": .tc_ingress[0].prog_name, "vxnet": true}]' \
	"$TMP/healthy.json" >/dev/null; then
	ok "$T: healthy -j: c1's endpoint, network, netns, ifname, ip, link, vxnet's filter and program $PROG, in_map"
else fail "$T: healthy -j: $(jq -c --arg i "$IF1" '.interfaces[] | select(.host_ifname == $i)' "$TMP/healthy.json")"; fi
# the kernel agrees: tc lists the same program id on the veth
if tc1 filter show dev "$IF1" ingress | grep -q " id $PROG "; then ok "$T: healthy: tc shows program id $PROG on $IF1"
else fail "$T: healthy: tc filter show: $(tc1 filter show dev "$IF1" ingress | tr '\n' '|')"; fi
# the -j fields of before stay
if jq -e --arg a "$IF1" --arg b "$IF3" '(.container_interfaces | sort) == ([$a, $b] | sort) and (.programs | length) == 5 and has("maps")' \
	"$TMP/healthy.json" >/dev/null; then ok "$T: healthy -j: container_interfaces, programs and maps as before"
else fail "$T: healthy -j: $(jq -c '{container_interfaces, programs: (.programs | length)}' "$TMP/healthy.json")"; fi

# ---- the state unreadable: the rows from the map and the kernel, --check 1 ----
printf '{' >"$TMP/broken.json"
vxb() { "$VXNET" --state "$TMP/broken.json" --pin-dir "$PIN1" -n "$H1" "$@"; }
vxb status >"$TMP/broken.txt" 2>"$TMP/broken.err"; rc=$?
if [ $rc = 0 ] && [ "$(wc -l <"$TMP/broken.err")" = 1 ] && grep -q 'broken.json.*malformed JSON' "$TMP/broken.err" &&
   grep -qx 'summary: 2 container interfaces, no mismatch (state unreadable: endpoints unknown)' "$TMP/broken.txt" &&
   row_is broken "$IF1" "- +- +- +- +up +vxnet:$PROG +yes +ok"; then
	ok "$T: state unreadable: one line saying why, the rows from map and kernel, exit 0"
else fail "$T: state unreadable: rc $rc, stderr '$(cat "$TMP/broken.err")', $(grep -E "^summary|^$IF1" "$TMP/broken.txt" | tr '\n' '|')"; fi
vxb status --check >/dev/null 2>&1; rc=$?
if [ $rc = 1 ]; then ok "$T: state unreadable: --check exits 1"; else fail "$T: state unreadable: --check exited $rc"; fi
check "$T: state unreadable -j: endpoints_known false, no endpoint, no mismatch" \
	sh -c "'$VXNET' --state '$TMP/broken.json' --pin-dir '$PIN1' -n '$H1' status -j 2>/dev/null |
	jq -e '(.endpoints_known | not) and .mismatches == 0 and all(.interfaces[]; .endpoint == null and .in_map)'"

# mended NAME: after a fix, every row ok again
mended() { st "$1" && summary_is "$1" 2 0; }

# filter_broken WHAT NAME PROBLEM JWHAT JQ [c3-ok]: c1's tc filter was just
# broken (WHAT says how): status (files NAME) names c1's row PROBLEM (with
# c3-ok: c3's row still ok), one mismatch, exit 0, --check 1, and -j's
# entry for c1 matches JQ (JWHAT says what it holds); vxnet up puts vxnet's
# program back, no mismatch after it; PROG: the program now pinned.
filter_broken() {
	local what=$1 name=$2 problem=$3 jwhat=$4 jq=$5
	st "$name"
	check "$T: $what: c1 is $problem" status_is "$name" "$IF1" "$problem"
	[ "${6:-}" != c3-ok ] || check "$T: $what: c3 still ok" status_is "$name" "$IF3" ok
	check "$T: $what: one mismatch, exit 0, --check 1" summary_is "$name" 2 1
	check "$T: $what: -j $jwhat" \
		jq -e --arg i "$IF1" ".interfaces[] | select(.host_ifname == \$i) | $jq" "$TMP/$name.json"
	check "$T: $what: vxnet up again puts the program back" vx1 up --node h1 --dev eth0 --decap "$MODE"
	check "$T: $what: after up: no mismatch" mended "$name-up"
	PROG=$(bpftool -j prog show pinned "$PIN1/prog_from_container" | jq .id)
}

# ---- the tc filter deleted ----
tc1 filter del dev "$IF1" ingress prio 1 handle 0x7678 bpf || fail "$T: tc filter del"
filter_broken "filter deleted" nofilter program-missing "has no filter on c1" \
	'.tc_ingress == [] and .status == "mismatch"' c3-ok

# ---- another program in vxnet's place, and one beside it ----
put_prog "$IF1" 1 0x7678 other_prog || fail "$T: replace vxnet's filter with other_prog"
filter_broken "foreign program in vxnet's place" foreign foreign-program "names other_prog, not vxnet's" \
	'.tc_ingress | length == 1 and (.[0].vxnet | not) and (.[0].prog_name | test("other"))'
put_prog "$IF3" 2 7 other_prog || fail "$T: add other_prog beside vxnet's on c3"
st beside
check "$T: a second filter beside vxnet's: c3 is foreign-program" status_is beside "$IF3" foreign-program
check "$T: a second filter: -j lists both, vxnet's first" \
	jq -e --arg i "$IF3" '.interfaces[] | select(.host_ifname == $i) | .tc_ingress | length == 2 and .[0].vxnet and .[0].pref == 1 and (.[1].vxnet | not) and .[1].pref == 2' "$TMP/beside.json"
tc1 filter del dev "$IF3" ingress prio 2 || fail "$T: del the second filter"
check "$T: second filter deleted: no mismatch" mended del2
put_prog "$IF1" 1 0x7678 vxnet_from_container || fail "$T: an older vxnet_from_container in vxnet's place"
st old
check "$T: a from-container program that is not the pinned one: old-program" status_is old "$IF1" old-program
check "$T: vxnet up again" vx1 up --node h1 --dev eth0 --decap "$MODE"
check "$T: after up: no mismatch" mended up3

# ---- link down ----
ip -n "$H1" link set "$IF1" down || fail "$T: set c1's veth down"
st down
check "$T: veth down: c1 is link-down" status_is down "$IF1" link-down
check "$T: veth down: -j link down" jq -e --arg i "$IF1" '.interfaces[] | select(.host_ifname == $i) | .link == "down"' "$TMP/down.json"
ip -n "$H1" link set "$IF1" up
check "$T: veth up again: no mismatch" mended linkup

# ---- the ifaces entry removed, then one that holds another address ----
ifx=$(ip -n "$H1" -j link show "$IF1" | jq '.[0].ifindex')
key=$(printf '%d %d %d %d' $((ifx & 255)) $((ifx >> 8 & 255)) $((ifx >> 16 & 255)) $((ifx >> 24 & 255)))
bpftool map delete pinned "$PIN1/ifaces" key $key || fail "$T: delete c1's ifaces entry"
st nomap
check "$T: map entry deleted: c1 is map-entry-missing" status_is nomap "$IF1" map-entry-missing
check "$T: map entry deleted: -j in_map false" jq -e --arg i "$IF1" '.interfaces[] | select(.host_ifname == $i) | .in_map | not' "$TMP/nomap.json"
check "$T: vxnet sync" vx1 sync
check "$T: after sync: no mismatch" mended sync1
val=$(bpftool -j map lookup pinned "$PIN1/ifaces" key $key | jq -r '.value | map(ltrimstr("0x")) | .[7] = "63" | join(" ")')
bpftool map update pinned "$PIN1/ifaces" key $key value hex $val || fail "$T: give c1's ifaces entry 10.1.0.99"
st mapdiff
check "$T: map entry with another address: map-entry-differs" status_is mapdiff "$IF1" map-entry-differs
check "$T: vxnet sync" vx1 sync
check "$T: after sync: no mismatch" mended sync2

# ---- the endpoint record removed behind vxnet's back ----
cp "$STATE" "$TMP/state.saved"
jq --arg e "$EP1" 'del(.endpoints[] | select(.name == $e))' "$TMP/state.saved" >"$STATE"
st norec
check "$T: record gone: c1's veth is endpoint-missing" status_is norec "$IF1" endpoint-missing
check "$T: record gone: -j no endpoint, still in the map" \
	jq -e --arg i "$IF1" '.interfaces[] | select(.host_ifname == $i) | .endpoint == null and .in_map and .link == "up"' "$TMP/norec.json"
check "$T: vxnet sync" vx1 sync
st norec2
check "$T: record gone, synced: the veth is still endpoint-missing (out of the map)" status_is norec2 "$IF1" endpoint-missing
check "$T: record gone, synced: not in the map" jq -e --arg i "$IF1" '.interfaces[] | select(.host_ifname == $i) | .in_map | not' "$TMP/norec2.json"
check "$T: record gone: one mismatch, --check 1" summary_is norec2 2 1
cp "$TMP/state.saved" "$STATE"
check "$T: record back, vxnet sync" vx1 sync
check "$T: after sync: no mismatch" mended sync3

# ---- the veth deleted ----
ifx3=$(ip -n "$H1" -j link show "$IF3" | jq '.[0].ifindex')
ip -n "$H1" link del "$IF3" || fail "$T: delete c3's veth"
st noveth
check "$T: veth deleted: c3's endpoint is veth-missing" status_is noveth "$IF3" veth-missing
check "$T: veth deleted: its map entry (ifindex $ifx3) is veth-missing and endpoint-missing" \
	grep -Eq "^ifindex $ifx3 +- +- +- +- +missing +- +yes +veth-missing,endpoint-missing\$" "$TMP/noveth.txt"
check "$T: veth deleted: -j, c3's row and the map's" \
	jq -e --arg e "$EP3" --argjson x "$ifx3" '([.interfaces[] | select(.endpoint == $e and .link == null and .ifindex == null and .problems == ["veth-missing"])] | length == 1) and
	 ([.interfaces[] | select(.ifindex == $x and .host_ifname == null and .in_map and .problems == ["veth-missing", "endpoint-missing"])] | length == 1)' "$TMP/noveth.json"
check "$T: veth deleted: three rows, two mismatches, --check 1" summary_is noveth 3 2
check "$T: vxnet sync" vx1 sync
st noveth2
check "$T: veth deleted, synced: the map entry is gone, c3 still veth-missing" summary_is noveth2 2 1
check "$T: detach c3" vx1 detach "$C3" blue
st detached
check "$T: after detach: one interface, no mismatch" summary_is detached 1 0
finish
