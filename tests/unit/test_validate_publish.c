// SPDX-License-Identifier: GPL-2.0-only
/* Published ports in the validation the agent uses for records arriving
 * one by one (etcd's list and watch): state_validate_record refuses an
 * endpoint whose host port another endpoint publishes in another network
 * or to another container port, and a network without egress whose
 * endpoints publish; state_drop_invalid keeps the first of two clashing
 * endpoints (a service of two stays whole) and drops the later ones, one
 * line each, leaving a state state_validate accepts. Pure computation: no
 * root, nothing left behind; the lines go to /dev/null unless
 * VXNET_TEST_DEBUG is set.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "state.h"

static int fails;

static void check(int cond, const char *what)
{
	printf("%s %s\n", cond ? "ok" : "not ok", what);
	fails += !cond;
}

static void source(void *arg, enum vx_rec_kind kind, const char *name, char *buf, size_t size)
{
	snprintf(buf, size, "etcd %s", name);
}

/* Endpoint name in red (10.1.0.x) or blue (10.2.0.x) on h1, publishing
 * host_port/tcp to port.
 */
static struct vx_endpoint endpoint(const char *name, int blue, int x, int host_port, int port)
{
	struct vx_endpoint e = { .ip = htonl(0x0a000000 | (blue ? 2 : 1) << 16 | x), .npublish = 1 };

	snprintf(e.name, sizeof(e.name), "%s", name);
	snprintf(e.network, sizeof(e.network), "%s", blue ? "blue" : "red");
	snprintf(e.node, sizeof(e.node), "h1");
	default_mac(e.ip, e.mac);
	e.publish[0] = (struct vx_publish){ .proto = IPPROTO_TCP, .host_port = host_port, .port = port };
	return e;
}

static int fill(struct vx_state *st)
{
	struct vx_node n = { .name = "h1", .addr = htonl(0xc6120001) };
	struct vx_network red = { .name = "red", .vni = 1, .nsubnets = 1,
				  .subnets = { { htonl(0x0a010000), 24, htonl(0x0a010001) } } };
	struct vx_network blue = { .name = "blue", .vni = 2, .nsubnets = 1,
				   .subnets = { { htonl(0x0a020000), 24, htonl(0x0a020001) } } };
	struct vx_endpoint eps[] = {
		endpoint("web1", 0, 2, 8080, 80),
		endpoint("web2", 0, 3, 8080, 80),  /* web1's service */
		endpoint("db1", 1, 2, 8080, 5432), /* another network */
		endpoint("x", 0, 4, 8080, 81),     /* another container port */
		endpoint("dns", 1, 3, 8080, 53),   /* 8080/udp: no clash */
	};

	eps[4].publish[0].proto = IPPROTO_UDP;
	if (!state_add_node(st, &n) || !state_add_network(st, &red) || !state_add_network(st, &blue))
		return -1;
	for (size_t i = 0; i < sizeof(eps) / sizeof(eps[0]); i++)
		if (!state_add_endpoint(st, &eps[i]))
			return -1;
	return 0;
}

int main(void)
{
	struct vx_state st;
	long gone;

	if (!getenv("VXNET_TEST_DEBUG"))
		freopen("/dev/null", "w", stderr);
	state_init(&st);
	if (fill(&st)) {
		printf("not ok out of memory\n");
		return 1;
	}
	check(state_validate(&st, "test") != 0, "state_validate refuses the clashes");
	check(state_validate_record(&st, VX_REC_ENDPOINT, "db1", "test") != 0,
	      "record db1 (8080/tcp in blue, red's web1 has it) refused");
	check(state_validate_record(&st, VX_REC_ENDPOINT, "x", "test") != 0,
	      "record x (8080/tcp to port 81, web1's is 80) refused");
	check(state_validate_record(&st, VX_REC_ENDPOINT, "dns", "test") == 0,
	      "record dns (8080/udp) accepted");
	gone = state_drop_invalid(&st, source, NULL);
	check(gone == 2 && st.nendpoints == 3 && !strcmp(st.endpoints[0].name, "web1") &&
	      !strcmp(st.endpoints[1].name, "web2") && !strcmp(st.endpoints[2].name, "dns"),
	      "state_drop_invalid drops db1 and x, keeps web1 and web2 (a service) and dns");
	check(state_validate(&st, "test") == 0, "what is left validates");
	check(state_validate_record(&st, VX_REC_ENDPOINT, "web2", "test") == 0,
	      "record web2 (web1's service) accepted");
	st.networks[0].no_egress = 1;
	check(state_validate_record(&st, VX_REC_NETWORK, "red", "test") != 0,
	      "record red without egress refused: its endpoints publish");
	gone = state_drop_invalid(&st, source, NULL);
	check(gone == 2 && st.nendpoints == 1, "state_drop_invalid drops red's publishing endpoints");
	state_free(&st);
	return fails ? 1 : 0;
}
