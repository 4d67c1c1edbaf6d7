#!/bin/bash
# vxnet docker-plugin driven over its socket as dockerd drives it (curl
# --unix-socket, libnetwork's remote API): every call's JSON answer, errors
# as {"Err": one line} with the state file unchanged, IPAM reservations in
# the store (two hosts never hand out one address), Join's veth with the TC
# program on its host side, the container side moved into a namespace as
# Docker moves it and pinging across hosts, ProgramExternalConnectivity's
# port bindings (docker run -p) as published ports and Revoke taking them
# away, Leave, DeleteEndpoint,
# DeleteNetwork (created vs adopted), SIGTERM and a restart (nothing kept in
# memory), a stale socket after SIGKILL.
#
#   c1 (gets vpXXXXXXXX as eth0)                 c2 (the same, from h2)
#        |  vxXXXXXXXX (TC from_container)            |
#   +---- h1: vxnet up, plugin on $SOCK1 ----+  +- r -+  +---- h2: plugin on $SOCK2 ----+
#   | Docker network NET1 -> vxnet dblue     |--|     |--| NET2 -> dblue (adopted)      |
#   |   10.5.0.0/24 gw .1, 10.6.0.0/24       |  +-----+  |                              |
#   +----------------------------------------+           +------------------------------+
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/../e2e/topo.sh"
T=docker
SOCK1=$TMP/run1/plugins/vxnet.sock SOCK2=$TMP/run2/vxnet.sock
PID1='' PID2=''
cleanup() {
	local p
	for p in $PID1 $PID2; do kill "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
	topo_cleanup
}
trap cleanup EXIT
topo_build || { fail "$T: build topology"; exit 1; }
topo_hosts tc || { fail "$T: vxnet up"; exit 1; }

# start N: the plugin of host N (1 or 2) in the background, in its namespace
# (exec: $PIDN is vxnet's own PID); waits for its line on stdout.
start() {
	local n=$1 pin=$PIN1 ns=$H1 sock=$SOCK1
	[ "$n" = 2 ] && pin=$PIN2 ns=$H2 sock=$SOCK2
	: >"$TMP/p$n.log"
	(exec "$VXNET" --state "$STATE" --pin-dir "$pin" -n "$ns" docker-plugin --socket "$sock" \
		--data-dir "$TMP/data$n" >>"$TMP/p$n.log" 2>&1) &
	if [ "$n" = 1 ]; then PID1=$!; else PID2=$!; fi
	wait_for 5 grep -q "listening on $sock" "$TMP/p$n.log"
}
if ! start 1 || ! start 2; then fail "$T: plugins listen: $(tails 3 "$TMP/p1.log" "$TMP/p2.log")"; exit 1; fi
ok "plugins listen (socket directory made)"

# call N PATH [JSON]: POST to host N's plugin; body in $TMP/res, status in $TMP/code.
call() {
	local sock=$SOCK1
	[ "$1" = 2 ] && sock=$SOCK2
	curl -s --unix-socket "$sock" -X POST -H 'Content-Type: application/json' \
		-d "${3:-{\}}" -o "$TMP/res" -w '%{http_code}' "http://plugin$2" >"$TMP/code" 2>"$TMP/curl.err"
}
# good NAME N PATH JSON FILTER: status 200 and the answer satisfies FILTER.
good() {
	local name=$1 filter=$5
	call "$2" "$3" "$4"
	if [ "$(cat "$TMP/code")" != 200 ]; then
		fail "$name: status $(cat "$TMP/code"): $(head -c 300 "$TMP/res")"
	elif jq -e "$filter" "$TMP/res" >/dev/null 2>&1; then ok "$name"
	else fail "$name: $filter on $(head -c 400 "$TMP/res")"; fi
}
# bad NAME N PATH JSON REGEX [STATUS]: status 500 (or STATUS), {"Err": one
# line matching REGEX} and nothing else, the state file unchanged.
bad() {
	local name=$1 re=$5 want=${6:-500} err
	cp "$STATE" "$TMP/before"
	call "$2" "$3" "$4"
	err=$(jq -r 'if (keys == ["Err"]) then .Err else empty end' "$TMP/res" 2>/dev/null)
	if [ "$(cat "$TMP/code")" != "$want" ]; then fail "$name: status $(cat "$TMP/code"): $(head -c 300 "$TMP/res")"
	elif [ -z "$err" ] || [ "$(printf '%s\n' "$err" | wc -l)" != 1 ]; then fail "$name: not one Err line: $(head -c 300 "$TMP/res")"
	elif ! grep -Eq -- "$re" <<<"$err"; then fail "$name: Err '$err' does not match /$re/"
	elif ! cmp -s "$STATE" "$TMP/before"; then fail "$name: state changed"
	else ok "$name ($err)"; fi
}
st() { jq -c "$1" "$STATE"; }
st_is() { # st_is NAME FILTER EXPECTED
	local got; got=$(st "$2")
	if [ "$got" = "$3" ]; then ok "$1"; else fail "$1: $2 is $got, expected $3"; fi
}

NET1=$(printf 'n1%062d' 0) NET2=$(printf 'n2%062d' 0)
EP1=$(printf 'e1%062d' 1) EP2=$(printf 'e2%062d' 2) EP3=$(printf 'e3%062d' 3)
CREATE='{"NetworkID":"%s","Options":{"com.docker.network.enable_ipv6":false,"com.docker.network.generic":{"vxnet.network":"dblue","vxnet.vni":"5000","com.docker.network.driver.mtu":"1400"}},"IPv4Data":[{"AddressSpace":"vxnet","Pool":"10.5.0.0/24","Gateway":"10.5.0.1/24","AuxAddresses":{}},{"AddressSpace":"vxnet","Pool":"10.6.0.0/24","Gateway":"10.6.0.1/24"}],"IPv6Data":[]}'
POOL='{"AddressSpace":"vxnet","Pool":"10.5.0.0/24","SubPool":"","Options":{},"V6":false}'

# --- handshake and capabilities -------------------------------------------
good "Activate" 1 /Plugin.Activate '{}' '.Implements == ["NetworkDriver","IpamDriver"]'
good "NetworkDriver.GetCapabilities: local scope" 1 /NetworkDriver.GetCapabilities '{}' \
	'.Scope == "local" and .ConnectivityScope == "local"'
good "IpamDriver.GetCapabilities" 1 /IpamDriver.GetCapabilities '{}' '. == {"RequiresMACAddress": false}'
good "IpamDriver.GetDefaultAddressSpaces" 1 /IpamDriver.GetDefaultAddressSpaces '{}' \
	'(.LocalDefaultAddressSpace | length > 0) and (.GlobalDefaultAddressSpace | length > 0)'
for c in DiscoverNew DiscoverDelete AllocateNetwork FreeNetwork; do
	good "$c answers {}" 1 /NetworkDriver.$c "{\"NetworkID\":\"$NET1\"}" '. == {}'
done
bad "unknown call: 404" 1 /NetworkDriver.Frob '{}' '^vxnet: docker: unknown call /NetworkDriver.Frob$' 404
bad "malformed JSON" 1 /IpamDriver.RequestPool '{"Pool":' '^vxnet: docker: IpamDriver.RequestPool: malformed JSON request$'

# --- IPAM pools and the gateway ---------------------------------------------
good "RequestPool: PoolID is the subnet" 1 /IpamDriver.RequestPool "$POOL" \
	'.PoolID == "10.5.0.0/24" and .Pool == "10.5.0.0/24"'
bad "RequestPool without a subnet" 1 /IpamDriver.RequestPool '{"AddressSpace":"vxnet","Pool":""}' 'no subnet given'
bad "RequestPool V6" 1 /IpamDriver.RequestPool '{"Pool":"fd00::/64","V6":true}' 'no IPv6'
bad "RequestPool with host bits" 1 /IpamDriver.RequestPool '{"Pool":"10.5.0.1/24"}' "invalid IPv4 pool '10.5.0.1/24'"
good "gateway before the network exists: .1" 1 /IpamDriver.RequestAddress \
	'{"PoolID":"10.5.0.0/24","Address":"","Options":{"RequestAddressType":"com.docker.network.gateway"}}' \
	'.Address == "10.5.0.1/24"'
bad "RequestAddress before the network exists" 1 /IpamDriver.RequestAddress \
	'{"PoolID":"10.5.0.0/24","Address":"","Options":{}}' 'no vxnet network has subnet 10.5.0.0/24'

# --- CreateNetwork: created on h1, adopted on h2 --------------------------
# shellcheck disable=SC2059 # the JSON is the format
good "CreateNetwork NET1 on h1" 1 /NetworkDriver.CreateNetwork "$(printf "$CREATE" "$NET1")" '. == {}'
st_is "network dblue in the store (VNI, MTU, subnets, gateways)" \
	'.networks[] | select(.name == "dblue") | [.vni, .mtu, [.subnets[] | .subnet, .gateway]]' \
	'[5000,1400,["10.5.0.0/24","10.5.0.1","10.6.0.0/24","10.6.0.1"]]'
# shellcheck disable=SC2059
good "CreateNetwork NET2 on h2 adopts dblue" 2 /NetworkDriver.CreateNetwork "$(printf "$CREATE" "$NET2")" '. == {}'
st_is "still one dblue" '[.networks[] | select(.name == "dblue")] | length' 1
bad "CreateNetwork: dblue with other subnets" 2 /NetworkDriver.CreateNetwork \
	'{"NetworkID":"n3","Options":{"com.docker.network.generic":{"vxnet.network":"dblue"}},"IPv4Data":[{"Pool":"10.7.0.0/24","Gateway":"10.7.0.1/24"}]}' \
	'^vxnet: docker: network dblue exists with other subnets or gateways$'
bad "CreateNetwork: bad VNI" 1 /NetworkDriver.CreateNetwork \
	'{"NetworkID":"n3","Options":{"com.docker.network.generic":{"vxnet.vni":"0"}},"IPv4Data":[{"Pool":"10.7.0.0/24"}]}' \
	"invalid VNI '0'"
bad "CreateNetwork: no subnet" 1 /NetworkDriver.CreateNetwork '{"NetworkID":"n3","IPv4Data":[]}' 'no IPv4 subnet'
bad "CreateNetwork: a VNI in use" 1 /NetworkDriver.CreateNetwork \
	'{"NetworkID":"n3","Options":{"com.docker.network.generic":{"vxnet.vni":"5000"}},"IPv4Data":[{"Pool":"10.7.0.0/24"}]}' \
	'5000'
good "gateway once the network exists" 2 /IpamDriver.RequestAddress \
	'{"PoolID":"10.6.0.0/24","Address":"","Options":{"RequestAddressType":"com.docker.network.gateway"}}' \
	'.Address == "10.6.0.1/24"'
bad "a different gateway once the network exists" 2 /IpamDriver.RequestAddress \
	'{"PoolID":"10.6.0.0/24","Address":"10.6.0.254","Options":{"RequestAddressType":"com.docker.network.gateway"}}' \
	'^vxnet: docker: RequestAddress: network dblue has gateway 10.6.0.1 in 10.6.0.0/24$'

# --- addresses: reserved in the store, never twice --------------------------
good "RequestAddress on h1: the first free one" 1 /IpamDriver.RequestAddress \
	'{"PoolID":"10.5.0.0/24","Address":"","Options":{}}' '.Address == "10.5.0.2/24"'
good "RequestAddress on h2: the next one" 2 /IpamDriver.RequestAddress \
	'{"PoolID":"10.5.0.0/24","Address":"","Options":{}}' '.Address == "10.5.0.3/24"'
st_is "both reserved in the store, on their nodes, without a veth" \
	'[.endpoints[] | select(.network == "dblue") | [.ip, .node, (.host_ifname // "")]]' \
	'[["10.5.0.2","h1",""],["10.5.0.3","h2",""]]'
bad "RequestAddress of a reserved address" 2 /IpamDriver.RequestAddress \
	'{"PoolID":"10.5.0.0/24","Address":"10.5.0.2","Options":{}}' 'address 10.5.0.2 is in use in network dblue'
bad "RequestAddress outside the pool" 1 /IpamDriver.RequestAddress \
	'{"PoolID":"10.5.0.0/24","Address":"10.9.0.2","Options":{}}' 'outside subnet 10.5.0.0/24'
good "RequestAddress of a given address" 1 /IpamDriver.RequestAddress \
	'{"PoolID":"10.6.0.0/24","Address":"10.6.0.9","Options":{}}' '.Address == "10.6.0.9/24"'
good "ReleaseAddress" 1 /IpamDriver.ReleaseAddress '{"PoolID":"10.6.0.0/24","Address":"10.6.0.9"}' '. == {}'
st_is "the reservation went" '[.endpoints[] | select(.ip == "10.6.0.9")] | length' 0

# --- endpoints ----------------------------------------------------------------
bad "CreateEndpoint on an unknown network" 1 /NetworkDriver.CreateEndpoint \
	"{\"NetworkID\":\"nx\",\"EndpointID\":\"$EP1\",\"Interface\":{\"Address\":\"10.5.0.2/24\"}}" 'unknown network nx'
bad "CreateEndpoint on an address h2 reserved" 1 /NetworkDriver.CreateEndpoint \
	"{\"NetworkID\":\"$NET1\",\"EndpointID\":\"$EP1\",\"Interface\":{\"Address\":\"10.5.0.3/24\"}}" \
	'address 10.5.0.3 is in use by endpoint ipam-'
good "CreateEndpoint EP1 on h1: the MAC chosen" 1 /NetworkDriver.CreateEndpoint \
	"{\"NetworkID\":\"$NET1\",\"EndpointID\":\"$EP1\",\"Options\":{},\"Interface\":{\"Address\":\"10.5.0.2/24\",\"AddressIPv6\":\"\",\"MacAddress\":\"\"}}" \
	'.Interface.MacAddress == "02:42:0a:05:00:02"'
st_is "EP1's record took the reservation's place" \
	"[.endpoints[] | select(.ip == \"10.5.0.2\") | [.name, .node, .container_id]]" "[[\"docker-${EP1:0:12}\",\"h1\",\"$EP1\"]]"
good "CreateEndpoint EP2 on h2 with Docker's MAC: no MAC answered" 2 /NetworkDriver.CreateEndpoint \
	"{\"NetworkID\":\"$NET2\",\"EndpointID\":\"$EP2\",\"Interface\":{\"Address\":\"10.5.0.3/24\",\"MacAddress\":\"02:00:00:00:05:03\"}}" \
	'. == {} or .Interface == null'
good "EndpointOperInfo" 1 /NetworkDriver.EndpointOperInfo "{\"NetworkID\":\"$NET1\",\"EndpointID\":\"$EP1\"}" '.Value == {}'

# --- Join: the veth, moved as Docker moves it, pings across ----------------
bad "Join an unknown endpoint" 1 /NetworkDriver.Join \
	"{\"NetworkID\":\"$NET1\",\"EndpointID\":\"$EP3\",\"SandboxKey\":\"/var/run/docker/netns/x\"}" 'unknown endpoint'
good "Join EP1" 1 /NetworkDriver.Join \
	"{\"NetworkID\":\"$NET1\",\"EndpointID\":\"$EP1\",\"SandboxKey\":\"/var/run/docker/netns/c1\",\"Options\":{}}" \
	'(.InterfaceName.SrcName | test("^vp[0-9a-f]{8}$")) and .InterfaceName.DstPrefix == "eth" and .Gateway == "10.5.0.1" and .StaticRoutes == [{"Destination":"10.6.0.0/24","RouteType":0,"NextHop":"10.5.0.1"}]'
SRC1=$(jq -r .InterfaceName.SrcName "$TMP/res")
HOST1=vx${SRC1#vp}
check "h1: $SRC1 with the MAC and the MTU, down" \
	bash -c "ip -n $H1 -o link show $SRC1 | grep -q 'mtu 1400 .*state DOWN.*link/ether 02:42:0a:05:00:02'"
check "h1: $HOST1 up" bash -c "ip -n $H1 -o link show $HOST1 | grep -q '<.*,UP'"
check "h1: $HOST1 carries vxnet's TC program" bash -c "tc -n $H1 filter show dev $HOST1 ingress | grep -q 'vxnet_from_con'"
check "h1: $HOST1 accepts local sources (accept_local 1, for egress to the host)" \
	bash -c "[ \$(ip netns exec $H1 sysctl -n net.ipv4.conf.$HOST1.accept_local) = 1 ]"
st_is "the record has the host side and the sandbox" \
	"[.endpoints[] | select(.container_id == \"$EP1\") | .host_ifname, .netns]" "[\"$HOST1\",\"/var/run/docker/netns/c1\"]"
bad "Join twice" 1 /NetworkDriver.Join \
	"{\"NetworkID\":\"$NET1\",\"EndpointID\":\"$EP1\",\"SandboxKey\":\"/var/run/docker/netns/c1\"}" 'already has interface'

# the restart: SIGTERM, the socket goes, a new plugin picks up from the store
kill -TERM "$PID1"; wait "$PID1"; rc=$?; PID1=
if [ "$rc" = 0 ] && [ ! -e "$SOCK1" ]; then ok "SIGTERM: exit 0, socket removed"; else fail "SIGTERM: exit $rc, socket $(ls "$SOCK1" 2>&1)"; fi
start 1 || fail "restart on h1: $(tails 3 "$TMP/p1.log")"
good "Join EP2 on h2" 2 /NetworkDriver.Join \
	"{\"NetworkID\":\"$NET2\",\"EndpointID\":\"$EP2\",\"SandboxKey\":\"/var/run/docker/netns/c2\"}" \
	'.Gateway == "10.5.0.1" and .InterfaceName.DstPrefix == "eth"'
SRC2=$(jq -r .InterfaceName.SrcName "$TMP/res")
# what Docker does with SrcName: into the sandbox, renamed, addressed, up
dock() { # dock HOSTNS SRC CNS IP
	ip -n "$1" link set "$2" netns "$3" &&
	ip -n "$3" link set "$2" name eth0 &&
	ip -n "$3" addr add "$4"/24 dev eth0 && ip -n "$3" link set eth0 up &&
	ip -n "$3" link set lo up && ip -n "$3" route add default via 10.5.0.1
}
check "c1 and c2 take the interfaces" bash -c "$(declare -f dock); dock $H1 $SRC1 $C1 10.5.0.2 && dock $H2 $SRC2 $C2 10.5.0.3"
check "c2 has Docker's MAC" bash -c "ip -n $C2 link show eth0 | grep -q 02:00:00:00:05:03"
check "c1 pings c2 across hosts" in_ns "$C1" ping -c 2 -W 2 -i 0.2 10.5.0.3
check "c2 pings c1's gateway-routed address back" in_ns "$C2" ping -c 1 -W 2 10.5.0.2

# --- External connectivity: docker run -p as published ports ----------------
# libnetwork's ProgramExternalConnectivity passes the sandbox's labels as
# Options; its port bindings (types.PortBinding) under
# com.docker.network.portmap, a binding once per host address family
port_le() { echo $((($1 & 255) << 8 | $1 >> 8)); }
svc_backends() { # svc_backends PIN PROTO PORT: the service's backends, or none
	map_dump "$1" services | jq -r --argjson p "$2" --argjson h "$(port_le "$3")" \
		'[.[] | select(.formatted.key.proto == $p and .formatted.key.port == $h) | .formatted.value.backends] | if length == 0 then "none" else .[0] end'
}
binding() { # binding PROTO PORT HOSTIP HOSTPORT HOSTPORTEND
	printf '{"Proto":%s,"IP":"","Port":%s,"HostIP":"%s","HostPort":%s,"HostPortEnd":%s}' "$@"
}
ext() { # ext NET EP BINDING...: a ProgramExternalConnectivity request
	local net=$1 ep=$2 pm; shift 2
	pm=$(IFS=,; echo "$*")
	printf '{"NetworkID":"%s","EndpointID":"%s","Options":{"com.docker.network.endpoint.exposedports":[{"Proto":6,"Port":80}],"com.docker.network.portmap":[%s]}}' "$net" "$ep" "$pm"
}
PROG=/NetworkDriver.ProgramExternalConnectivity REVOKE=/NetworkDriver.RevokeExternalConnectivity
D1=docker-${EP1:0:12} D2=docker-${EP2:0:12}
good "Program EP1: -p 8080:80 -p 5353:53/udp (8080 for 0.0.0.0 and ::)" 1 "$PROG" \
	"$(ext "$NET1" "$EP1" "$(binding 6 80 "" 8080 8080)" "$(binding 17 53 "" 5353 5353)" "$(binding 6 80 :: 8080 8080)")" '. == {}'
st_is "EP1's record publishes them, once each" "[.endpoints[] | select(.container_id == \"$EP1\") | .publish]" \
	'[[{"proto":"tcp","host_port":8080,"port":80},{"proto":"udp","host_port":5353,"port":53}]]'
is_svc() { # is_svc NAME PIN PROTO PORT WANT
	local got; got=$(svc_backends "$2" "$3" "$4")
	if [ "$got" = "$5" ]; then ok "$1"; else fail "$1: $got, expected $5"; fi
}
is_svc "h1: 8080/tcp has 1 backend" "$PIN1" 6 8080 1
is_svc "h1: 5353/udp has 1 backend" "$PIN1" 17 5353 1
cp "$STATE" "$TMP/before-again"
good "Program EP1 again: the same" 1 "$PROG" \
	"$(ext "$NET1" "$EP1" "$(binding 6 80 "" 8080 8080)" "$(binding 17 53 "" 5353 5353)")" '. == {}'
check "  the state file unchanged" cmp -s "$STATE" "$TMP/before-again"
bad "Program EP2: 8080 to another container port" 2 "$PROG" "$(ext "$NET2" "$EP2" "$(binding 6 81 "" 8080 8080)")" \
	"^vxnet: docker: host port 8080/tcp: published by $D1 \(port 80, network dblue\) and $D2 \(port 81, network dblue\)$"
bad "Program EP2: sctp" 2 "$PROG" "$(ext "$NET2" "$EP2" "$(binding 132 80 "" 8080 8080)")" \
	'^vxnet: docker: ProgramExternalConnectivity: port 80: protocol 132 is not tcp or udp$'
bad "Program EP2: -p 80 (no host port)" 2 "$PROG" "$(ext "$NET2" "$EP2" "$(binding 6 80 "" 0 0)")" \
	'^vxnet: docker: ProgramExternalConnectivity: port 80/tcp needs a host port \(-p HOSTPORT:80\): vxnet does not choose one$'
bad "Program EP2: a host port range" 2 "$PROG" "$(ext "$NET2" "$EP2" "$(binding 6 80 "" 8000 8010)")" \
	'^vxnet: docker: ProgramExternalConnectivity: host port range 8000-8010 is not supported \(one host port per -p\)$'
bad "Program EP2: -p 127.0.0.1:8080:80" 2 "$PROG" "$(ext "$NET2" "$EP2" "$(binding 6 80 127.0.0.1 8080 8080)")" \
	"^vxnet: docker: ProgramExternalConnectivity: host address 127.0.0.1 is not supported"
bad "Program EP2: a host port in the NAT range" 2 "$PROG" "$(ext "$NET2" "$EP2" "$(binding 6 80 "" 62000 62000)")" \
	"^vxnet: docker: endpoint $D2: host port 62000/tcp is in the NAT port range 61001-65535$"
bad "Program an unknown endpoint" 1 "$PROG" "$(ext "$NET1" "$EP3" "$(binding 6 80 "" 8080 8080)")" \
	"^vxnet: docker: ProgramExternalConnectivity: unknown endpoint $EP3$"
good "Program EP2 on h2: 8080:80 joins the service" 2 "$PROG" "$(ext "$NET2" "$EP2" "$(binding 6 80 "" 8080 8080)")" '. == {}'
is_svc "h2: 8080/tcp has 2 backends" "$PIN2" 6 8080 2
good "Revoke EP1" 1 "$REVOKE" "{\"NetworkID\":\"$NET1\",\"EndpointID\":\"$EP1\"}" '. == {}'
st_is "EP1 publishes nothing" "[.endpoints[] | select(.container_id == \"$EP1\") | .publish]" '[null]'
is_svc "h1: 8080/tcp has 1 backend (EP2)" "$PIN1" 6 8080 1
is_svc "h1: 5353/udp is gone" "$PIN1" 17 5353 none
good "Revoke EP2 on h2" 2 "$REVOKE" "{\"NetworkID\":\"$NET2\",\"EndpointID\":\"$EP2\"}" '. == {}'
is_svc "h2: 8080/tcp is gone" "$PIN2" 6 8080 none
good "Revoke an unknown endpoint: nothing to do" 1 "$REVOKE" "{\"NetworkID\":\"$NET1\",\"EndpointID\":\"$EP3\"}" '. == {}'
good "Program without port bindings" 1 "$PROG" "{\"NetworkID\":\"$NET1\",\"EndpointID\":\"$EP1\",\"Options\":{}}" '. == {}'

# --- Leave, DeleteEndpoint, ReleaseAddress, DeleteNetwork -------------------
good "Leave EP1 (after the restart)" 1 /NetworkDriver.Leave "{\"NetworkID\":\"$NET1\",\"EndpointID\":\"$EP1\"}" '. == {}'
check_not "h1: $HOST1 is gone" ip -n "$H1" link show "$HOST1"
check_not "c1: its eth0 went with it" ip -n "$C1" link show eth0
st_is "EP1's record stays, without a veth" \
	"[.endpoints[] | select(.container_id == \"$EP1\") | (.host_ifname // \"\")]" '[""]'
bad "DeleteNetwork is refused nothing; CreateEndpoint again is" 1 /NetworkDriver.CreateEndpoint \
	"{\"NetworkID\":\"$NET1\",\"EndpointID\":\"$EP3\",\"Interface\":{\"Address\":\"10.5.0.2/24\"}}" 'in use by endpoint docker-'
good "DeleteEndpoint EP1" 1 /NetworkDriver.DeleteEndpoint "{\"NetworkID\":\"$NET1\",\"EndpointID\":\"$EP1\"}" '. == {}'
good "ReleaseAddress after DeleteEndpoint" 1 /IpamDriver.ReleaseAddress '{"PoolID":"10.5.0.0/24","Address":"10.5.0.2"}' '. == {}'
st_is "EP1's record is gone" "[.endpoints[] | select(.ip == \"10.5.0.2\")] | length" 0
good "DeleteNetwork NET1 while h2 has an endpoint" 1 /NetworkDriver.DeleteNetwork "{\"NetworkID\":\"$NET1\"}" '. == {}'
st_is "dblue stays while EP2 is on it" '[.networks[] | select(.name == "dblue")] | length' 1
good "DeleteEndpoint EP2 without Leave" 2 /NetworkDriver.DeleteEndpoint "{\"NetworkID\":\"$NET2\",\"EndpointID\":\"$EP2\"}" '. == {}'
check_not "h2: EP2's veth is gone" ip -n "$C2" link show eth0
good "DeleteNetwork NET2 (adopted)" 2 /NetworkDriver.DeleteNetwork "{\"NetworkID\":\"$NET2\"}" '. == {}'
st_is "dblue stays: h2 adopted it" '[.networks[] | select(.name == "dblue")] | length' 1
good "DeleteNetwork twice" 2 /NetworkDriver.DeleteNetwork "{\"NetworkID\":\"$NET2\"}" '. == {}'

# a network named from its pool, created and deleted by the same host
good "CreateNetwork without vxnet.network" 1 /NetworkDriver.CreateNetwork \
	'{"NetworkID":"n4","Options":{"com.docker.network.generic":{}},"IPv4Data":[{"Pool":"10.8.0.0/24","Gateway":"10.8.0.1/24"}]}' '. == {}'
st_is "named docker-10.8.0.0-24, gateway .1" '[.networks[] | select(.name == "docker-10.8.0.0-24") | .subnets[0].gateway]' '["10.8.0.1"]'
good "DeleteNetwork n4 (created, no endpoints)" 1 /NetworkDriver.DeleteNetwork '{"NetworkID":"n4"}' '. == {}'
st_is "docker-10.8.0.0-24 is gone" '[.networks[] | select(.name == "docker-10.8.0.0-24")] | length' 0

# --internal: libnetwork's com.docker.network.internal option is a network without egress
good "CreateNetwork --internal" 1 /NetworkDriver.CreateNetwork \
	'{"NetworkID":"n5","Options":{"com.docker.network.internal":true,"com.docker.network.generic":{"vxnet.network":"dint"}},"IPv4Data":[{"Pool":"10.9.0.0/24","Gateway":"10.9.0.1/24"}]}' '. == {}'
st_is "dint has egress off" '[.networks[] | select(.name == "dint") | .egress]' '[false]'
st_is "dblue has egress on (no key)" '[.networks[] | select(.name == "dblue") | has("egress")]' '[false]'
bad "CreateNetwork --internal cannot adopt a network with egress" 2 /NetworkDriver.CreateNetwork \
	'{"NetworkID":"n6","Options":{"com.docker.network.internal":true,"com.docker.network.generic":{"vxnet.network":"dblue"}},"IPv4Data":[{"Pool":"10.5.0.0/24","Gateway":"10.5.0.1/24"},{"Pool":"10.6.0.0/24","Gateway":"10.6.0.1/24"}]}' \
	'^vxnet: docker: network dblue exists with egress on; --internal cannot adopt it$'
good "DeleteNetwork n5" 1 /NetworkDriver.DeleteNetwork '{"NetworkID":"n5"}' '. == {}'
st_is "dint is gone" '[.networks[] | select(.name == "dint")] | length' 0

# --- Leave and DeleteEndpoint while vxnet is down on h1 ----------------------
NET3=$(printf 'n3%062d' 0)
# shellcheck disable=SC2059
good "CreateNetwork NET3 on h1 adopts the dblue NET1 left" 1 /NetworkDriver.CreateNetwork "$(printf "$CREATE" "$NET3")" '. == {}'
good "h1: CreateEndpoint EP3" 1 /NetworkDriver.CreateEndpoint \
	"{\"NetworkID\":\"$NET3\",\"EndpointID\":\"$EP3\",\"Interface\":{\"Address\":\"10.5.0.7/24\"}}" '.Interface.MacAddress == "02:42:0a:05:00:07"'
good "h1: Join EP3" 1 /NetworkDriver.Join "{\"NetworkID\":\"$NET3\",\"EndpointID\":\"$EP3\",\"SandboxKey\":\"/x\"}" '.Gateway == "10.5.0.1"'
HOST3=vx$(jq -r '.InterfaceName.SrcName | ltrimstr("vp")' "$TMP/res")
check "vxnet down on h1" vx1 down
good "Leave EP3 while vxnet is down" 1 /NetworkDriver.Leave "{\"NetworkID\":\"$NET3\",\"EndpointID\":\"$EP3\"}" '. == {}'
check_not "h1: $HOST3 is gone" ip -n "$H1" link show "$HOST3"
good "DeleteEndpoint EP3 while vxnet is down" 1 /NetworkDriver.DeleteEndpoint "{\"NetworkID\":\"$NET3\",\"EndpointID\":\"$EP3\"}" '. == {}'
st_is "EP3's record is gone" "[.endpoints[] | select(.container_id == \"$EP3\")] | length" 0
bad "RequestAddress while vxnet is down" 1 /IpamDriver.RequestAddress \
	'{"PoolID":"10.5.0.0/24","Address":"","Options":{}}' 'vxnet is not up'

# --- a stale socket after SIGKILL; a live one is not taken ----------------
kill -KILL "$PID2"; wait "$PID2" 2>/dev/null; PID2=
check "SIGKILL leaves the socket" test -S "$SOCK2"
if start 2; then ok "restart over a stale socket"; else fail "restart over a stale socket: $(tails 3 "$TMP/p2.log")"; fi
good "the restarted plugin answers" 2 /Plugin.Activate '{}' '.Implements | length == 2'
expect_err "a second plugin on a live socket" "another plugin is listening" \
	vx2 docker-plugin --socket "$SOCK2" --data-dir "$TMP/data2"
good "the first one still answers" 2 /Plugin.Activate '{}' '.Implements | length == 2'
finish
