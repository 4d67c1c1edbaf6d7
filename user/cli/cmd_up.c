// SPDX-License-Identifier: GPL-2.0-only
/* `vxnet up` and `vxnet down` (the work is dp_up and dp_down). */
#include <stdio.h>

#include "cli.h"
#include "datapath.h"
#include "log.h"

static int up(void *arg)
{
	struct dp_up_opts *o = arg;
	struct vx_store *store = NULL;
	struct kv_result res;
	int err;

	o->dir = vx_opts.pin_dir;
	err = cli_open_store(&store) ?: dp_up(o, store, &res);
	store_close(store);
	if (!err)
		pr_info("vxnet up: node %s on %s (%s decap, port %u), %u entries written",
			o->node, o->dev, o->decap == VXNET_DECAP_XDP ? "xdp" : "tc", o->port,
			res.added + res.changed);
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
#define ARG(field) offsetof(struct dp_up_opts, field)
#define STR_(x) #x
#define STR(x) STR_(x)
static const struct cli_opt up_opts[] = {
	{ "node", "NAME", CLI_STR, ARG(node), "this host's node in the state", CLI_REQUIRED },
	{ "dev", "IFACE", CLI_STR, ARG(dev), "the underlay interface", CLI_REQUIRED },
	{ "decap", NULL, CLI_ENUM, ARG(decap), "where VXLAN packets are decapsulated (default: tc)",
	  .choices = decap_modes },
	{ "port", "N", CLI_U32, ARG(port), "VXLAN UDP port (default: " STR(VXNET_DEFAULT_PORT) ")",
	  .min = 1, .max = 65535 },
	{},
};

/* TC decap by default, chosen by measurement (README, "Decapsulation
 * modes"): with the underlay's GRO it decapsulates whole aggregates, and it
 * keeps the NIC's checksum verdict, which XDP loses.
 */
static const struct dp_up_opts up_defaults = {
	.decap = VXNET_DECAP_TC,
	.port = VXNET_DEFAULT_PORT,
};

const struct cli_verb up_verb = {
	"up", "Loads and attaches the datapath for node NAME on IFACE and syncs the maps to the state.",
	up_opts, sizeof(struct dp_up_opts), &up_defaults, up,
};

const struct cli_verb down_verb = { "down",
	"Detaches the datapath from this host, takes its containers' interfaces down and removes its pins.",
	.run = down };
