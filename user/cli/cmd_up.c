// SPDX-License-Identifier: GPL-2.0-only
/* `vxnet up` and `vxnet down` (the work is dp_up and dp_down). */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "datapath.h"
#include "log.h"

static int parse_up(int argc, char **argv, struct dp_up_opts *a)
{
	static const struct option opts[] = {
		{ "node", required_argument, NULL, 'N' },
		{ "dev", required_argument, NULL, 'd' },
		{ "decap", required_argument, NULL, 'D' },
		{ "port", required_argument, NULL, 'P' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	char *end;
	int c;

	/* TC decap by default, chosen by measurement (README, "Decapsulation
	 * modes"): with the underlay's GRO it decapsulates whole aggregates,
	 * and it keeps the NIC's checksum verdict, which XDP loses.
	 */
	*a = (struct dp_up_opts){ .dir = vx_opts.pin_dir, .decap = VXNET_DECAP_TC, .port = VXNET_DEFAULT_PORT };
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'N': a->node = optarg; break;
		case 'd': a->dev = optarg; break;
		case 'D':
			if (!strcmp(optarg, "xdp"))
				a->decap = VXNET_DECAP_XDP;
			else if (!strcmp(optarg, "tc"))
				a->decap = VXNET_DECAP_TC;
			else {
				pr_err("up: --decap must be xdp or tc, not '%s'", optarg);
				return -EINVAL;
			}
			break;
		case 'P':
			errno = 0;
			a->port = strtoul(optarg, &end, 10);
			if (errno || *end || !*optarg || a->port < 1 || a->port > 65535) {
				pr_err("up: --port must be 1..65535, not '%s'", optarg);
				return -EINVAL;
			}
			break;
		case 'h':
			printf("usage: vxnet up --node NAME --dev IFACE [--decap xdp|tc] [--port N]\n");
			exit(0);
		default:
			return -EINVAL;
		}
	}
	if (optind < argc) {
		pr_err("up: unexpected argument '%s'", argv[optind]);
		return -EINVAL;
	}
	if (!a->node || !a->dev) {
		pr_err("up: --node NAME and --dev IFACE are required");
		return -EINVAL;
	}
	return 0;
}

int cmd_up(int argc, char **argv)
{
	struct vx_state st;
	struct dp_up_opts a;
	struct kv_result res;
	int err;

	if (parse_up(argc, argv, &a))
		return 2;
	err = cli_read_state(&st);
	if (err)
		return 1;
	err = dp_up(&a, &st, &res);
	if (!err)
		pr_info("vxnet up: node %s on %s (%s decap, port %u), %u entries written",
			a.node, a.dev, a.decap == VXNET_DECAP_XDP ? "xdp" : "tc", a.port,
			res.added + res.changed);
	state_free(&st);
	return err ? 1 : 0;
}

int cmd_down(int argc, char **argv)
{
	struct vxnet_host host;

	if (argc > 1) {
		pr_err("down: unexpected argument '%s'; usage: vxnet down", argv[1]);
		return 2;
	}
	if (dp_down(vx_opts.pin_dir, &host))
		return 1;
	pr_info("vxnet down: node %s detached and unpinned", host.node);
	return 0;
}
