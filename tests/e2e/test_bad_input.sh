#!/bin/bash
# Bad input to the host commands (up, attach, detach, sync): one clear line on
# stderr, a non-zero exit, and nothing changed: state file, links on the host
# and in the container, pins and map contents.
# Topology: see topo.sh (only h1 runs vxnet here).
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/topo.sh"
OLDPIN=
trap '[ -n "$OLDPIN" ] && rm -rf "$OLDPIN"; topo_cleanup' EXIT

topo_build || { fail "bad input: build topology"; exit 1; }
vxs node add h1 198.18.1.2 >/dev/null && vxs network create blue --subnet 10.1.0.0/24 >/dev/null ||
	{ fail "bad input: initial state"; exit 1; }

snapshot() { # everything a failed command must leave as it was; fails when
	# something could not be read (then two snapshots would match by accident)
	local - m d
	set -o pipefail
	{
		cat "$STATE" &&
		# links by name, MAC and MTU (not carrier state, which settles on its own)
		ip -n "$H1" -o link show | sed -E 's/^[0-9]+: //; s/<[^>]*>//; s/ state [A-Z]+//; s/ link-netns.*//' &&
		ip -n "$C1" -o link show | sed -E 's/<[^>]*>//; s/ state [A-Z]+//' &&
		ip -n "$C1" -o addr show
	} >"$TMP/snap.$1" 2>"$TMP/snap.err" || return 1
	[ -e "$PIN1" ] || return 0 # before vxnet up: no pins
	ls "$PIN1" >>"$TMP/snap.$1" 2>"$TMP/snap.err" || return 1
	for m in endpoints ifaces nodes networks; do # ls shows which exist
		[ -e "$PIN1/$m" ] || continue
		d=$(map_dump "$PIN1" "$m" 2>"$TMP/snap.err") || return 1
		jq -c 'sort_by(.key)[]' <<<"$d" >>"$TMP/snap.$1" || return 1
	done
}
bad() { # bad NAME REGEX CMD...: fails with one matching line, changes nothing
	local name=$1
	snapshot before || { fail "$name: snapshot before: $(tr '\n' ' ' <"$TMP/snap.err")"; return; }
	expect_err "$@"
	snapshot after || { fail "$name: snapshot after: $(tr '\n' ' ' <"$TMP/snap.err")"; return; }
	if cmp -s "$TMP/snap.before" "$TMP/snap.after"; then ok "$name: nothing changed"; else fail "$name: something changed: $(diff "$TMP/snap.before" "$TMP/snap.after" | head -4 | tr '\n' '|')"; fi
}

bad "attach before up" "vxnet is not up on this host" vx1 attach "$C1" blue
bad "sync before up" "vxnet is not up on this host" vx1 sync
bad "up with unknown node" "unknown node h9" vx1 up --node h9 --dev eth0
bad "up with unknown interface" "unknown interface nope0" vx1 up --node h1 --dev nope0
bad "up with bad decap" "--decap must be xdp or tc" vx1 up --node h1 --dev eth0 --decap ebpf
bad "up with bad port" "--port must be 1..65535" vx1 up --node h1 --dev eth0 --port 70000
bad "up without --dev" "--node NAME and --dev IFACE are required" vx1 up --node h1
bad "up on a pin dir outside bpffs" "not on a bpf filesystem" "$VXNET" --state "$STATE" --pin-dir "$TMP/notbpffs" -n "$H1" up --node h1 --dev eth0
rmdir "$TMP/notbpffs" 2>/dev/null
# pins of an older build: a stats map of another size, as before 64 slots
OLDPIN=/sys/fs/bpf/${P}oldbuild
mkdir -p "$OLDPIN" && bpftool map create "$OLDPIN/stats" type percpu_array key 4 value 16 entries 8 name stats ||
	fail "up over an older build's pins: cannot make the old stats map"
bad "up over an older build's pins" "pinned map .*/stats was made by another vxnet build .*run vxnet down first" \
	"$VXNET" --state "$STATE" --pin-dir "$OLDPIN" -n "$H1" up --node h1 --dev eth0
if [ "$(ls "$OLDPIN")" = stats ] && [ -z "$(ip netns exec "$H1" tc filter show dev eth0 ingress)" ]; then
	ok "up over an older build's pins: no pin and no hook added"
else
	fail "up over an older build's pins left: $(ls "$OLDPIN" | tr '\n' ' ') $(ip netns exec "$H1" tc filter show dev eth0 ingress | head -2)"
fi
rm -f "$OLDPIN/stats"; rmdir "$OLDPIN"
printf '{"version": 1,\n "nodes": [\n  {"name": "h1" "address": "198.18.1.2"}]}\n' >"$TMP/broken.json"
bad "up with a malformed state file" "broken.json:[0-9]+:[0-9]+: malformed JSON" "$VXNET" --state "$TMP/broken.json" -n "$H1" --pin-dir "$PIN1" up --node h1 --dev eth0 < /dev/null
bad "up without root" "ermission denied" setpriv --reuid 65534 --regid 65534 --clear-groups "$VXNET" --state "$STATE" --pin-dir "$PIN1" up --node h1 --dev eth0
check "up h1" vx1 up --node h1 --dev eth0 --decap tc

bad "attach to an unknown network" "unknown network red" vx1 attach "$C1" red
bad "attach an unknown namespace" "network namespace ${P}nope" vx1 attach "${P}nope" blue
bad "attach with an IP outside the subnet" "10.2.0.5.*(outside|not in)" vx1 attach "$C1" blue --ip 10.2.0.5
bad "attach with the gateway's IP" "10.1.0.1" vx1 attach "$C1" blue --ip 10.1.0.1
bad "attach with a malformed IP" "invalid IPv4 address '10.1.0.300'" vx1 attach "$C1" blue --ip 10.1.0.300
bad "attach with a bad MAC" "invalid MAC address 'zz:00'" vx1 attach "$C1" blue --mac zz:00
bad "attach with a multicast MAC" "01:00:5e:00:00:01" vx1 attach "$C1" blue --mac 01:00:5e:00:00:01
bad "attach with a bad --ifname" "invalid interface name" vx1 attach "$C1" blue --ifname waytoolongifname0
check "attach c1" vx1 attach "$C1" blue --ip 10.1.0.2
bad "attach c1 twice" "already attached to network blue" vx1 attach "$C1" blue
bad "attach c3 with c1's IP" "10.1.0.2.*(taken|in use|already)" vx1 attach "$C3" blue --ip 10.1.0.2
check "endpoint add c9 (remote)" vxs endpoint add c9 --network blue --node h1 --ip 10.1.0.9
bad "attach with an existing endpoint name" "endpoint c9 already exists" vx1 attach "$C3" blue --name c9
bad "detach what is not attached" "not attached to network blue" vx1 detach "$C3" blue
bad "detach from an unknown network" "unknown network red" vx1 detach "$C1" red
bad "unknown command" "unknown command 'frobnicate'" "$VXNET" frobnicate

# Another VXLAN device holds the port: up works, without its GRO device, and
# says why in one line; once the port is free, up takes it again.
ip -n "$H1" link del vxnet-gro # so that vxdock gets the port first
ip -n "$H1" link add vxdock type vxlan id 42 dstport 4789 && ip -n "$H1" link set vxdock up ||
	fail "a kernel VXLAN device on port 4789 in h1"
if vx1 up --node h1 --dev eth0 --decap tc >"$TMP/out" 2>"$TMP/err" && [ "$(wc -l <"$TMP/err")" = 1 ] &&
   grep -q 'no GRO for VXLAN on eth0 .*another VXLAN device has the port' "$TMP/err" &&
   vx1 status | grep -q 'no GRO (vxnet-gro absent)' && link_gone "$H1" vxnet-gro 2>/dev/null; then
	ok "up beside another VXLAN device on the port: one warning, no vxnet-gro"
else
	fail "up beside another VXLAN device: $(cat "$TMP/err") / $(vx1 status | grep decap)"
fi
ip -n "$H1" link del vxdock
if vx1 up --node h1 --dev eth0 --decap tc >/dev/null 2>"$TMP/err" && [ ! -s "$TMP/err" ] &&
   vx1 status | grep -q 'GRO through vxnet-gro'; then
	ok "up with the port free again: vxnet-gro is back"
else
	fail "up with the port free: $(cat "$TMP/err") / $(vx1 status | grep decap)"
fi
finish
