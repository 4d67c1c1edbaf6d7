// SPDX-License-Identifier: GPL-2.0-only
/* `vxnet attach` / `vxnet detach` (the work is vx_attach and vx_detach). */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "attach.h"
#include "cli.h"
#include "log.h"

struct attach_args {
	struct vx_attach_req req;
	uint8_t mac[6];
};

static int parse_attach(int argc, char **argv, struct attach_args *a, int detach)
{
	static const struct option opts[] = {
		{ "ip", required_argument, NULL, 'i' },
		{ "mac", required_argument, NULL, 'm' },
		{ "ifname", required_argument, NULL, 'f' },
		{ "name", required_argument, NULL, 'N' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	const char *usage = detach ? "vxnet detach NETNS NETWORK"
				   : "vxnet attach NETNS NETWORK [--ip IP] [--mac MAC] [--ifname IF] [--name NAME]";
	int c;

	a->req.pin_dir = vx_opts.pin_dir;
	while ((c = getopt_long(argc, argv, "h", detach ? opts + 4 : opts, NULL)) != -1) {
		switch (c) {
		case 'i':
			if (parse_ipv4(optarg, &a->req.ip)) {
				pr_err("attach: invalid IPv4 address '%s'", optarg);
				return -EINVAL;
			}
			break;
		case 'm':
			if (parse_mac(optarg, a->mac)) {
				pr_err("attach: invalid MAC address '%s'", optarg);
				return -EINVAL;
			}
			a->req.mac = a->mac;
			break;
		case 'f': a->req.ifname = optarg; break;
		case 'N': a->req.name = optarg; break;
		case 'h': printf("usage: %s\n", usage); exit(0);
		default: return -EINVAL;
		}
	}
	if (argc - optind != 2) {
		pr_err("%s: usage: %s", detach ? "detach" : "attach", usage);
		return -EINVAL;
	}
	a->req.netns = argv[optind];
	a->req.network = argv[optind + 1];
	return 0;
}

int cmd_attach(int argc, char **argv)
{
	struct attach_args a = {};
	struct vx_endpoint ep;
	char ipbuf[INET_ADDRSTRLEN];
	int err;

	if (parse_attach(argc, argv, &a, 0))
		return 2;
	err = cli_open_store(&a.req.store) ?: vx_attach(&a.req, &ep);
	if (!err) {
		inet_ntop(AF_INET, &ep.ip, ipbuf, sizeof(ipbuf));
		pr_info("%s: %s %s on %s (host side %s)", ep.name, ep.ifname, ipbuf, ep.network,
			ep.host_ifname);
	}
	store_close(a.req.store);
	return err ? 1 : 0;
}

int cmd_detach(int argc, char **argv)
{
	struct attach_args a = {};
	struct vx_endpoint ep;
	int err;

	if (parse_attach(argc, argv, &a, 1))
		return 2;
	err = cli_open_store(&a.req.store) ?: vx_detach(&a.req, &ep);
	if (!err)
		pr_info("%s: detached from %s", ep.name, a.req.network);
	store_close(a.req.store);
	return err ? 1 : 0;
}
