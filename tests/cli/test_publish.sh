#!/bin/bash
# Published ports in the state (issue 13): `endpoint add --publish`, the
# "publish" list of a record in the state file, endpoint ls and network
# inspect, and what is refused: malformed --publish (exit 2), ports out of
# range, the NAT port range, the VXLAN port, a network without egress, a
# host port or container port published twice by one endpoint, two endpoints on one host port
# that are not one service (other network or other container port). Each
# refusal is one "vxnet: " line and leaves the state file byte-identical.
# A state file without "publish" reads and writes unchanged.
source "$(dirname "$0")/../lib.sh"
trap 'rm -rf "$TMP"' EXIT

ST=$TMP/state.json
source "$(dirname "$0")/state_helpers.sh"

vx node add h1 198.18.0.1 >/dev/null && vx node add h2 198.18.0.2 >/dev/null &&
	vx network create red --subnet 10.1.0.0/24 >/dev/null &&
	vx network create blue --subnet 10.2.0.0/24 >/dev/null &&
	vx network create dark --subnet 10.3.0.0/24 --no-egress >/dev/null &&
	vx endpoint add plain --network red --node h1 >/dev/null || fail "setup"
cp "$ST" "$TMP/old"
out_is "endpoint ls without publications has no PORTS column" \
	"NAME   NETWORK  NODE  IP        MAC                HOST_IFNAME
plain  red      h1    10.1.0.2  02:42:0a:01:00:02  -" vx endpoint ls
check_not "a state without publications has no \"publish\" key" grep -q publish "$ST"

# --- good paths ---------------------------------------------------------
out_is "endpoint add web1 --publish 8080:80 --publish 53/udp" web1 \
	vx endpoint add web1 --network red --node h1 --publish 8080:80 --publish 53/udp
out_is "endpoint add web2 on h2, same service" web2 \
	vx endpoint add web2 --network red --node h2 --publish 8080:80/tcp
out_is "endpoint add db1, another host port" db1 \
	vx endpoint add db1 --network blue --node h2 --publish 5432
out_is "endpoint add dns1, 8080/udp is not 8080/tcp" dns1 \
	vx endpoint add dns1 --network blue --node h1 --publish 8080:53/udp
out_is "endpoint ls shows PORTS" \
	"NAME   NETWORK  NODE  IP        MAC                HOST_IFNAME  PORTS
plain  red      h1    10.1.0.2  02:42:0a:01:00:02  -            -
web1   red      h1    10.1.0.3  02:42:0a:01:00:03  -            8080:80/tcp,53:53/udp
web2   red      h2    10.1.0.4  02:42:0a:01:00:04  -            8080:80/tcp
db1    blue     h2    10.2.0.2  02:42:0a:02:00:02  -            5432:5432/tcp
dns1   blue     h1    10.2.0.3  02:42:0a:02:00:03  -            8080:53/udp" vx endpoint ls
out_is "endpoint ls --network blue" \
	"NAME  NETWORK  NODE  IP        MAC                HOST_IFNAME  PORTS
db1   blue     h2    10.2.0.2  02:42:0a:02:00:02  -            5432:5432/tcp
dns1  blue     h1    10.2.0.3  02:42:0a:02:00:03  -            8080:53/udp" vx endpoint ls --network blue
out_is "the file's record of web1" \
	'[{"proto":"tcp","host_port":8080,"port":80},{"proto":"udp","host_port":53,"port":53}]' \
	jq -c '.endpoints[] | select(.name == "web1") | .publish' "$ST"
out_is "plain has no \"publish\" in the file" null jq -c '.endpoints[] | select(.name == "plain") | .publish' "$ST"
out_is "network inspect red shows the publications" \
	'[[],["8080:80/tcp","53:53/udp"],["8080:80/tcp"]]' \
	bash -c "'$VXNET' --state '$ST' network inspect red | jq -c '[.[0].Containers[].Publish]'"
check "the largest port and 16 publications" vx endpoint add many --network blue --node h1 \
	$(for p in $(seq 1 15); do echo "--publish $((9000 + p)):$p"; done) --publish 61000:65535/udp
check "the state file still reads" vx endpoint ls
check "endpoint rm many" vx endpoint rm many

# --- malformed --publish: usage errors -------------------------------------
for v in "" ":" "80:" ":80" "8080:80/sctp" "8080:80/" "80/TCP" "a:80" "80:b" "1:2:3" "-1" "8080/tcp:80" " 80"; do
	bad "--publish '$v' is malformed" 2 "^vxnet: endpoint x: --publish '$v' is not \[HOSTPORT:\]PORT\[/tcp\|/udp\]$" \
		endpoint add x --network red --node h1 --publish "$v"
done
for v in 0 65536 0:80 80:0 70000:80 8080:123456; do
	bad "--publish '$v' is out of range" 2 "^vxnet: endpoint x: --publish '$v': ports are 1\.\.65535$" \
		endpoint add x --network red --node h1 --publish "$v"
done
bad "17 --publish" 2 "^vxnet: endpoint add: at most 16 --publish options$" \
	endpoint add x --network red --node h1 $(for p in $(seq 1 17); do echo "--publish $p"; done)

# --- refused by validation ---------------------------------------------------
bad "host port in the NAT port range" 1 "^vxnet: endpoint x: host port 61001/tcp is in the NAT port range 61001-65535$" \
	endpoint add x --network red --node h1 --publish 61001:80
bad "host port 65535/udp in the NAT port range" 1 "^vxnet: endpoint x: host port 65535/udp is in the NAT port range 61001-65535$" \
	endpoint add x --network red --node h1 --publish 65535:80/udp
bad "host port 4789/udp is the VXLAN port" 1 "^vxnet: endpoint x: host port 4789/udp is the VXLAN port$" \
	endpoint add x --network red --node h1 --publish 4789/udp
check "4789/tcp is fine" vx endpoint add x --network red --node h1 --publish 4789/tcp
check "endpoint rm x" vx endpoint rm x
bad "a network without egress publishes nothing" 1 "^vxnet: endpoint x: network dark has no egress; it cannot publish ports$" \
	endpoint add x --network dark --node h1 --publish 8081:80
bad "one host port twice in an endpoint" 1 "^vxnet: endpoint x: host port 9000/tcp is published twice$" \
	endpoint add x --network red --node h1 --publish 9000:80 --publish 9000:81
bad "one container port twice in an endpoint" 1 "^vxnet: endpoint x: port 80/tcp is published twice \(host ports 9000 and 9001\)$" \
	endpoint add x --network red --node h1 --publish 9000:80 --publish 9001:80
check "one port as tcp and udp" vx endpoint add x --network red --node h1 --publish 9000:80 --publish 9000:80/udp
check "endpoint rm x" vx endpoint rm x
bad "same host port, other network" 1 "^vxnet: host port 8080/tcp: published by web1 \(port 80, network red\) and x \(port 80, network blue\)$" \
	endpoint add x --network blue --node h1 --publish 8080:80
bad "same host port, other container port" 1 "^vxnet: host port 8080/tcp: published by web1 \(port 80, network red\) and x \(port 81, network red\)$" \
	endpoint add x --network red --node h2 --publish 8080:81
bad "same host port, other network and port" 1 "^vxnet: host port 5432/tcp: published by db1 \(port 5432, network blue\) and x \(port 80, network red\)$" \
	endpoint add x --network red --node h1 --publish 5432:80

# --- the state file's records --------------------------------------------------
# edit JQ: the state file changed by jq, as a hand edit would.
edit() { jq "$1" "$ST" >"$TMP/edited" && cp "$TMP/edited" "$ST"; }
cp "$ST" "$TMP/good"
edit '(.endpoints[] | select(.name == "db1") | .publish) = [{"proto":"tcp","host_port":8080,"port":80}]'
bad "a hand-made clash in the file" 1 "^vxnet: $ST: host port 8080/tcp: published by web1 \(port 80, network red\) and db1 \(port 80, network blue\)$" endpoint ls
cp "$TMP/good" "$ST"
edit '(.endpoints[] | select(.name == "db1") | .publish[0].proto) = "sctp"'
bad "a protocol not tcp or udp" 1 "'proto' must be tcp or udp, not 'sctp'" endpoint ls
cp "$TMP/good" "$ST"
edit '(.endpoints[] | select(.name == "db1") | .publish[0].port) = 65536'
bad "a port over 65535" 1 "publish\[0\]: 'port' 65536 is out of range" endpoint ls
cp "$TMP/good" "$ST"
edit '(.endpoints[] | select(.name == "db1") | .publish[0].host_port) = 0'
bad "host port 0" 1 "endpoint db1: published port 0:5432/tcp: ports are 1\.\.65535" endpoint ls
cp "$TMP/good" "$ST"
edit '(.endpoints[] | select(.name == "db1") | .publish) = {}'
bad "publish not an array" 1 "'publish' must be an array, not an object" endpoint ls
cp "$TMP/good" "$ST"
edit '(.endpoints[] | select(.name == "db1") | .publish[0].extra) = 1'
bad "an unknown key in a publication" 1 "unknown key 'extra'" endpoint ls
cp "$TMP/good" "$ST"

# --- unpublishing and old states ------------------------------------------------
check "endpoint rm web1, web2 and dns1, db1" bash -c "'$VXNET' --state '$ST' endpoint rm web1 >/dev/null &&
	'$VXNET' --state '$ST' endpoint rm web2 >/dev/null && '$VXNET' --state '$ST' endpoint rm dns1 >/dev/null &&
	'$VXNET' --state '$ST' endpoint rm db1 >/dev/null"
check "a write of the old state leaves it byte-identical" bash -c \
	"'$VXNET' --state '$ST' endpoint add tmp --network red --node h1 >/dev/null && '$VXNET' --state '$ST' endpoint rm tmp >/dev/null &&
	cmp '$ST' '$TMP/old'"
finish
