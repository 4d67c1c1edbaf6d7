// SPDX-License-Identifier: GPL-2.0-only
/* `vxnet up` and `vxnet down` (the work is dp_up and dp_down). */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "datapath.h"
#include "log.h"

struct up_arg {
	struct dp_up_opts o;
	const char *nat_ports; /* "LO-HI" */
};

#define NAT_PORTS_MIN 1024 /* below: the ports servers bind by number */
#define NAT_PORTS_COUNT 64 /* at least */

/* --nat-ports LO-HI into o; 0, or 2 after one usage line. */
static int parse_nat_ports(const char *s, struct dp_up_opts *o)
{
	unsigned long lo, hi;
	char *end;

	if (!isdigit((unsigned char)*s))
		goto malformed;
	lo = strtoul(s, &end, 10);
	if (*end != '-' || !isdigit((unsigned char)end[1]))
		goto malformed;
	hi = strtoul(end + 1, &end, 10);
	if (*end)
		goto malformed;
	if (lo < NAT_PORTS_MIN || hi > 65535) {
		pr_err("up: --nat-ports %s: the ports must be within %d..65535", s, NAT_PORTS_MIN);
		return 2;
	}
	if (lo > hi || hi - lo + 1 < NAT_PORTS_COUNT) {
		pr_err("up: --nat-ports %s: a range of at least %d ports, LO-HI", s, NAT_PORTS_COUNT);
		return 2;
	}
	o->nat_port_min = lo;
	o->nat_port_max = hi;
	return 0;
malformed:
	pr_err("up: --nat-ports must be LO-HI, e.g. %d-%d, not '%.32s'", VXNET_NAT_PORT_MIN,
	       VXNET_NAT_PORT_MAX, s);
	return 2;
}

static int up(void *arg)
{
	struct up_arg *u = arg;
	struct dp_up_opts *o = &u->o;
	struct vx_store *store = NULL;
	struct kv_result res;
	int err;

	if (u->nat_ports && (err = parse_nat_ports(u->nat_ports, o)))
		return err;
	o->dir = vx_opts.pin_dir;
	err = cli_open_store(&store) ?: dp_up(o, store, &res);
	store_close(store);
	if (!err)
		pr_info("vxnet up: node %s on %s (%s decap, port %u, NAT ports %u-%u), %u entries written",
			o->node, o->dev, o->decap == VXNET_DECAP_XDP ? "xdp" : "tc", o->port,
			o->nat_port_min, o->nat_port_max, res.added + res.changed);
	return err ? 1 : 0;
}

/* Without the state (the store is unreachable), down still takes down the
 * veths in the ifaces map.
 */
static int down(void *arg)
{
	struct vxnet_host host;
	struct vx_state st;
	int have_state, err;

	have_state = !cli_read_state(&st);
	if (!have_state)
		pr_warn("down: without the state, only the interfaces in the maps go down");
	err = dp_down(vx_opts.pin_dir, have_state ? &st : NULL, &host);
	if (have_state)
		state_free(&st);
	if (err)
		return 1;
	pr_info("vxnet down: node %s detached and unpinned; its containers' interfaces are down",
		host.node);
	return 0;
}

static const struct cli_choice decap_modes[] = {
	{ "xdp", VXNET_DECAP_XDP },
	{ "tc", VXNET_DECAP_TC },
	{},
};

_Static_assert(sizeof(((struct dp_up_opts *)0)->port) == sizeof(uint32_t), "--port is a CLI_U32");
_Static_assert(sizeof(((struct dp_up_opts *)0)->nat_entries) == sizeof(uint32_t),
	       "--nat-entries is a CLI_U32");
#define ARG(field) offsetof(struct up_arg, field)
#define STR_(x) #x
#define STR(x) STR_(x)
static const struct cli_opt up_opts[] = {
	{ "node", "NAME", CLI_STR, ARG(o.node), "this host's node in the state", CLI_REQUIRED },
	{ "dev", "IFACE", CLI_STR, ARG(o.dev), "the underlay interface", CLI_REQUIRED },
	{ "decap", NULL, CLI_ENUM, ARG(o.decap), "where VXLAN packets are decapsulated (default: tc)",
	  .choices = decap_modes },
	{ "port", "N", CLI_U32, ARG(o.port), "VXLAN UDP port (default: " STR(VXNET_DEFAULT_PORT) ")",
	  .min = 1, .max = 65535 },
	{ "nat-ports", "LO-HI", CLI_STR, ARG(nat_ports),
	  "source ports of egress NAT, reserved in net.ipv4.ip_local_reserved_ports\n"
	  "(default: " STR(VXNET_NAT_PORT_MIN) "-" STR(VXNET_NAT_PORT_MAX) "; at least "
	  STR(NAT_PORTS_COUNT) " ports, from " STR(NAT_PORTS_MIN) ")" },
	{ "nat-entries", "N", CLI_U32, ARG(o.nat_entries),
	  "size of the NAT table, two entries a flow (default: " STR(VXNET_NAT_ENTRIES) ",\n"
	  "or what the pinned table has; another size needs vxnet down first)",
	  .min = 256, .max = 1u << 24 },
	{},
};

/* TC decap by default, chosen by measurement (README, "Decapsulation
 * modes"): with the underlay's GRO it decapsulates whole aggregates, and it
 * keeps the NIC's checksum verdict, which XDP loses.
 */
static const struct up_arg up_defaults = {
	.o = { .decap = VXNET_DECAP_TC, .port = VXNET_DEFAULT_PORT,
	       .nat_port_min = VXNET_NAT_PORT_MIN, .nat_port_max = VXNET_NAT_PORT_MAX },
};

const struct cli_verb up_verb = {
	"up", "Loads and attaches the datapath for node NAME on IFACE and syncs the maps to the state.",
	up_opts, sizeof(struct up_arg), &up_defaults, up,
};

const struct cli_verb down_verb = { "down",
	"Detaches the datapath from this host, takes its containers' interfaces down and removes its pins.",
	.run = down };
