#!/bin/bash
# Safety rails (issue 15, item 1): what a Docker user gets wrong must not
# break a host or hand one address to two containers.
#  - `up --node N --dev D` refuses (one line, nothing pinned or attached)
#    when N's address is not an address of D: another host's node, or the
#    underlay on another interface.
#  - `endpoint rm` of an attached endpoint refuses and names `vxnet detach`
#    (the state byte-identical); `--force` detaches it on its own host
#    (veth, the container's address, record, maps) and refuses on another
#    host. The issue's repro: rm, then the next attach got the same address.
#  - a packet over the tunnel's MTU (the underlay route's MTU - 50, here a
#    network of MTU 9000 whose host's underlay went down to 1500) is never
#    dropped silently: with DF, ICMP "fragmentation needed" with mtu 1450
#    back to the container (frag-needed); without, counted too-big.
#
#   c1 10.1.0.2  c3  c4               c2 10.1.0.3
#   c5 10.5.0.2 (jumbo, MTU 9000)     c6 10.5.0.3 (jumbo)
#        |                                 |
#   +--- h1 ----------+   +---- r ----+   +--- h2 ---------+
#   | eth0 198.18.1.2 |---r1        r2---| eth0 198.18.2.2 |
#   +-----------------+   +-----------+   +----------------+
#   for jumbo: every underlay link at MTU 9050, then h1's eth0 and r1
#   back to 1500 (the tunnel from h1: 1450)
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/topo.sh"
T=rails
trap topo_cleanup EXIT
topo_build && mkns "$C4" && mkns "$C5" && mkns "$C6" || { fail "$T: build topology"; exit 1; }
vxs node add h1 198.18.1.2 >/dev/null && vxs node add h2 198.18.2.2 >/dev/null &&
	vxs network create blue --subnet 10.1.0.0/24 >/dev/null || { fail "$T: initial state"; exit 1; }

ping_ok() { in_ns "$1" ping -c 1 -W 2 "$2" >/dev/null; }
# hooks NS: vxnet's tc filters and XDP programs on eth0 and lo of NS
hooks() { ip netns exec "$1" sh -c 'tc filter show dev eth0 ingress; tc filter show dev lo ingress; ip -d link show eth0 | grep -o "prog/xdp id [0-9]*"'; }
st_sum() { sha256sum <"$STATE"; }

# ---- up refuses a node whose address is not on --dev ----
expect_err "$T: up --node h2 on h1 (h2's address is not h1's): one line naming --node h1" \
	"^vxnet: up: node h2's address 198\.18\.2\.2 is not on this host; eth0 has 198\.18\.1\.2, node h1's \(--node h1\)$" \
	vx1 up --node h2 --dev eth0
check_not "$T: refused up pinned nothing" test -e "$PIN1"
is_hooks=$(hooks "$H1")
if [ -z "$is_hooks" ]; then ok "$T: refused up attached nothing to eth0 or lo"; else fail "$T: hooks after a refused up: $is_hooks"; fi
expect_err "$T: up --dev lo (h1's address is on eth0): one line naming --dev eth0" \
	"^vxnet: up: node h1's address 198\.18\.1\.2 is on eth0, not on lo \(--dev eth0\)$" \
	vx1 up --node h1 --dev lo
check_not "$T: refused up --dev lo pinned nothing" test -e "$PIN1"
expect_err "$T: up --dev nope0 (no such interface): one line" "^vxnet: up: unknown interface nope0$" \
	vx1 up --node h1 --dev nope0
check_not "$T: refused up --dev nope0 pinned nothing" test -e "$PIN1"
ip -n "$H1" link add rd0 type bridge && ip -n "$H1" link set rd0 up
expect_err "$T: up on a bridge without h1's address: one line naming --dev eth0" \
	"^vxnet: up: node h1's address 198\.18\.1\.2 is on eth0, not on rd0 \(--dev eth0\)$" \
	vx1 up --node h1 --dev rd0
check_not "$T: refused up on rd0 pinned nothing" test -e "$PIN1"
check "$T: up h1 and h2 as they should be" sh -c "'$VXNET' --state '$STATE' --pin-dir '$PIN1' -n '$H1' up --node h1 --dev eth0 >/dev/null &&
	'$VXNET' --state '$STATE' --pin-dir '$PIN2' -n '$H2' up --node h2 --dev eth0 >/dev/null"
rec=$(map_dump "$PIN1" host | jq -c '.[0].formatted.value') pins=$(ls "$PIN1") hk=$(hooks "$H1")
expect_err "$T: up --node h2 on h1 while h1 is up: one line" "node h2's address 198\.18\.2\.2 is not on this host" \
	vx1 up --node h2 --dev eth0
if [ -n "$rec" ] && [ -n "$hk" ] && [ "$(map_dump "$PIN1" host | jq -c '.[0].formatted.value')" = "$rec" ] && [ "$(ls "$PIN1")" = "$pins" ] &&
   [ "$(hooks "$H1")" = "$hk" ]; then
	ok "$T: refused up left h1's host record, pins and programs as they were"
else
	fail "$T: refused up changed h1: $(map_dump "$PIN1" host | jq -c '.[0].formatted.value') vs $rec"
fi

# ---- endpoint rm of an attached endpoint ----
check "$T: attach c1 on h1 and c2 on h2" sh -c "'$VXNET' --state '$STATE' --pin-dir '$PIN1' -n '$H1' attach '$C1' blue >/dev/null &&
	'$VXNET' --state '$STATE' --pin-dir '$PIN2' -n '$H2' attach '$C2' blue >/dev/null &&
	'$VXNET' --state '$STATE' --pin-dir '$PIN1' -n '$H1' sync >/dev/null"
c1ip=$(jq -r --arg n "h1-${C1}-blue" '.endpoints[] | select(.name == $n) | .ip' "$STATE")
c1if=$(jq -r --arg n "h1-${C1}-blue" '.endpoints[] | select(.name == $n) | .host_ifname' "$STATE")
check "$T: c1 ($c1ip) reaches c2" ping_ok "$C1" 10.1.0.3
sum=$(st_sum)
expect_err "$T: endpoint rm of attached c1: one line pointing at vxnet detach and --force" \
	"^vxnet: endpoint rm h1-${C1}-blue: attached to ${C1} on node h1; use vxnet detach ${C1} blue there, or endpoint rm --force$" \
	vxs endpoint rm "h1-${C1}-blue"
if [ "$(st_sum)" = "$sum" ]; then ok "$T: refused endpoint rm: state byte-identical"; else fail "$T: refused endpoint rm changed the state"; fi
# the issue's repro: the next attach was given c1's address
check "$T: attach c3 after the refused rm" vx1 attach "$C3" blue
c3ip=$(jq -r --arg n "h1-${C3}-blue" '.endpoints[] | select(.name == $n) | .ip' "$STATE")
if [ -n "$c3ip" ] && [ "$c3ip" != "$c1ip" ]; then ok "$T: c3 got $c3ip, not c1's $c1ip"; else fail "$T: c3 got '$c3ip', c1 holds $c1ip"; fi
check "$T: c1 still reaches c2" ping_ok "$C1" 10.1.0.3
# c3 as vxnet-cni records it (a container ID): the pointer is the runtime's DEL
cp "$STATE" "$TMP/state.before-cni"
jq --arg n "h1-${C3}-blue" '(.endpoints[] | select(.name == $n)).container_id = "0123456789abcdef0123"' \
	"$TMP/state.before-cni" >"$STATE"
sum=$(st_sum)
expect_err "$T: endpoint rm of a vxnet-cni endpoint: one line pointing at the CNI DEL and --force" \
	"^vxnet: endpoint rm h1-${C3}-blue: attached by vxnet-cni \(container 0123456789ab on node h1\); its runtime's CNI DEL detaches it, or use endpoint rm --force on h1$" \
	vxs endpoint rm "h1-${C3}-blue"
if [ "$(st_sum)" = "$sum" ]; then ok "$T: refused rm of the CNI endpoint: state byte-identical"; else fail "$T: refused CNI rm changed the state"; fi
# ... and as the Docker plugin names its endpoints: docker network disconnect
jq --arg n "h1-${C3}-blue" '(.endpoints[] | select(.name == $n)) |= (.name = "docker-0123456789ab" |
	.container_id = "0123456789abcdef0123")' "$TMP/state.before-cni" >"$STATE"
sum=$(st_sum)
expect_err "$T: endpoint rm of a Docker endpoint: one line pointing at docker network disconnect and --force" \
	"^vxnet: endpoint rm docker-0123456789ab: a Docker endpoint on node h1; docker network disconnect detaches its container, or use endpoint rm --force on h1$" \
	vxs endpoint rm docker-0123456789ab
if [ "$(st_sum)" = "$sum" ]; then ok "$T: refused rm of the Docker endpoint: state byte-identical"; else fail "$T: refused Docker rm changed the state"; fi
cp "$TMP/state.before-cni" "$STATE"
check "$T: c1's record is still listed" sh -c "'$VXNET' --state '$STATE' endpoint ls | grep -q '^h1-${C1}-blue '"

sum=$(st_sum)
expect_err "$T: endpoint rm --force on h2 of h1's container: one line, refused" \
	"^vxnet: endpoint rm --force h1-${C1}-blue: its container is on node h1, not on this host \(h2\); run it on h1, or vxnet node rm h1 if that host is gone$" \
	vx2 endpoint rm --force "h1-${C1}-blue"
if [ "$(st_sum)" = "$sum" ]; then ok "$T: refused --force on another host: state byte-identical"; else fail "$T: --force on h2 changed the state"; fi
expect_err "$T: endpoint rm --force where vxnet is not up: one line, refused" \
	"^vxnet: endpoint rm --force h1-${C1}-blue: vxnet is not up on this host, so it cannot detach the container of node h1; run it on h1 with vxnet up$" \
	"$VXNET" --state "$STATE" --pin-dir "/sys/fs/bpf/${P}none" endpoint rm --force "h1-${C1}-blue"
if [ "$(st_sum)" = "$sum" ]; then ok "$T: refused --force without vxnet up: state byte-identical"; else fail "$T: --force without up changed the state"; fi
check "$T: c1 still reaches c2 after the refusals" ping_ok "$C1" 10.1.0.3

check "$T: endpoint rm --force c1 on h1" vx1 endpoint rm --force "h1-${C1}-blue"
check_not "$T: --force: c1's record is gone" sh -c "jq -e --arg n 'h1-${C1}-blue' 'any(.endpoints[]; .name == \$n)' '$STATE' >/dev/null"
check "$T: --force: c1's host veth $c1if is gone" link_gone "$H1" "$c1if"
check "$T: --force: c1 has no eth0 (nor its address) any more" link_gone "$C1" eth0
check_not "$T: --force: no $c1ip left in c1" sh -c "ip -n '$C1' -4 addr | grep -q ' $c1ip/'"
check "$T: --force: h1's endpoints map lacks $c1ip" map_lacks_ip "$PIN1" "$c1ip"
check "$T: --force: h2 after sync lacks it too" sh -c "'$VXNET' --state '$STATE' --pin-dir '$PIN2' -n '$H2' sync >/dev/null"
check "$T: --force: h2's endpoints map lacks $c1ip" map_lacks_ip "$PIN2" "$c1ip"
expect_err "$T: detach c1 after --force: not attached" "is not attached to network blue" vx1 detach "$C1" blue
check "$T: attach c4: gets the freed address" vx1 attach "$C4" blue --ip "$c1ip"
check "$T: h2 synced with c4" vx2 sync
check "$T: c4 ($c1ip) reaches c2" ping_ok "$C4" 10.1.0.3
# a container that is gone (its namespace deleted: the veth with it) leaves
# a stale record; --force removes it and its map entries
c3if=$(jq -r --arg n "h1-${C3}-blue" '.endpoints[] | select(.name == $n) | .host_ifname' "$STATE")
ip netns del "$C3"
# the kernel tears the namespace's links down asynchronously (cleanup_net)
if wait_for 10 link_gone "$H1" "$c3if"; then ok "$T: c3's namespace deleted: its host veth $c3if went with it"
else fail "$T: c3's namespace deleted, but its host veth $c3if is still there after 10 s: $(waited)"; fi
expect_err "$T: endpoint rm of c3's stale record: still refused, pointing at detach" \
	"^vxnet: endpoint rm h1-${C3}-blue: attached to ${C3} on node h1; use vxnet detach ${C3} blue there, or endpoint rm --force$" \
	vxs endpoint rm "h1-${C3}-blue"
check "$T: endpoint rm --force of c3's stale record" vx1 endpoint rm --force "h1-${C3}-blue"
check_not "$T: --force: c3's record is gone" sh -c "jq -e --arg n 'h1-${C3}-blue' 'any(.endpoints[]; .name == \$n)' '$STATE' >/dev/null"
check "$T: --force: h1's endpoints map lacks $c3ip" map_lacks_ip "$PIN1" "$c3ip"
check "$T: endpoint rm of a record with no container still works" \
	sh -c "'$VXNET' --state '$STATE' endpoint add ${P}x --network blue --node h2 >/dev/null && '$VXNET' --state '$STATE' endpoint rm --force ${P}x >/dev/null && '$VXNET' --state '$STATE' endpoint rm ${P}y 2>&1 | grep -q 'no such endpoint'"

# ---- over the tunnel's MTU: never a silent drop ----
# jumbo's MTU 9000 is right while the underlay carries 9050; then h1's
# side of it goes back to 1500, as a misconfigured or changed underlay.
mtu_all() { ip -n "$R" link set r1 mtu "$1" && ip -n "$R" link set r2 mtu "$1" &&
	ip -n "$H1" link set eth0 mtu "$1" && ip -n "$H2" link set eth0 mtu "$1"; }
check "$T: underlay at MTU 9050" mtu_all 9050
check "$T: network jumbo, MTU 9000, c5 on h1 and c6 on h2" sh -c "
	'$VXNET' --state '$STATE' --pin-dir '$PIN1' -n '$H1' network create jumbo --subnet 10.5.0.0/24 --mtu 9000 >/dev/null &&
	'$VXNET' --state '$STATE' --pin-dir '$PIN1' -n '$H1' attach '$C5' jumbo --ip 10.5.0.2 >/dev/null &&
	'$VXNET' --state '$STATE' --pin-dir '$PIN2' -n '$H2' attach '$C6' jumbo --ip 10.5.0.3 >/dev/null &&
	'$VXNET' --state '$STATE' --pin-dir '$PIN1' -n '$H1' sync >/dev/null"
mtu=$(ip -n "$C5" -j link show eth0 | jq '.[0].mtu')
if [ "$mtu" = 9000 ]; then ok "$T: c5's MTU is 9000"; else fail "$T: c5's MTU is $mtu"; fi
check "$T: 2000-byte DF ping c5 -> c6 while the underlay carries it" in_ns "$C5" ping -c 1 -W 2 -M do -s 2000 10.5.0.3
check "$T: h1's underlay (eth0, r1) down to MTU 1500" sh -c "ip -n '$H1' link set eth0 mtu 1500 && ip -n '$R' link set r1 mtu 1500"
in_ns "$C5" ip route flush cache
fn0=$(counter vx1 frag-needed) icmp0=$(counter vx1 icmp-frag-needed) nr0=$(counter vx1 no-route)
in_ns "$C5" ping -c 2 -i 0.3 -W 1 -M do -s 2000 10.5.0.3 >"$TMP/ping" 2>&1
if grep -Eq 'Frag needed and DF set \(mtu = 1450\)|mtu ?= ?1450' "$TMP/ping"; then
	ok "$T: 2000-byte DF ping over the 1450 tunnel: c5 got '$(grep -m1 -o 'From.*' "$TMP/ping")'"
else
	fail "$T: 2000-byte DF ping said: $(tr '\n' ' ' <"$TMP/ping" | cut -c 1-300)"
fi
fn1=$(counter vx1 frag-needed) icmp1=$(counter vx1 icmp-frag-needed) nr1=$(counter vx1 no-route)
if is_count "$fn0" "$fn1" "$icmp0" "$icmp1" && [ "$fn1" -gt "$fn0" ] && [ "$icmp1" -gt "$icmp0" ]; then
	ok "$T: counted: frag-needed $fn0 -> $fn1, icmp-frag-needed $icmp0 -> $icmp1"
else
	fail "$T: frag-needed $fn0 -> $fn1, icmp-frag-needed $icmp0 -> $icmp1"
fi
if is_count "$nr0" "$nr1" && [ "$nr1" = "$nr0" ]; then ok "$T: no-route did not move ($nr1)"; else fail "$T: no-route $nr0 -> $nr1"; fi
if in_ns "$C5" ip route get 10.5.0.3 | grep -q 'mtu 1450'; then ok "$T: c5 caches path MTU 1450 to c6"
else fail "$T: c5's route to c6: $(in_ns "$C5" ip route get 10.5.0.3 | tr '\n' ' ')"; fi
in_ns "$C5" ip route flush cache
tb0=$(counter vx1 too-big)
check_not "$T: 2000-byte ping without DF does not cross" in_ns "$C5" ping -c 2 -i 0.2 -W 1 -M dont -s 2000 10.5.0.3
tb1=$(counter vx1 too-big)
if is_count "$tb0" "$tb1" && [ "$tb1" -ge $((tb0 + 2)) ]; then ok "$T: counted too-big ($tb0 -> $tb1)"; else fail "$T: too-big $tb0 -> $tb1"; fi
check "$T: a 1300-byte DF ping still crosses" in_ns "$C5" ping -c 1 -W 2 -M do -s 1300 10.5.0.3
check "$T: c1's network (MTU 1450 from the start) still fine: c4 -> c2" ping_ok "$C4" 10.1.0.3

finish
