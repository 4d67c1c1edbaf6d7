// SPDX-License-Identifier: GPL-2.0-only
/* `vxnet attach` / `vxnet detach` (the work is vx_attach and vx_detach). */
#include <arpa/inet.h>
#include <stdio.h>

#include "attach.h"
#include "cli.h"
#include "log.h"

struct attach_arg {
	struct vx_attach_req req;
	uint32_t ip;
	uint8_t mac[6];
	int has_ip, has_mac;
	struct vx_publish publish[VX_MAX_PUBLISH];
	int npublish;
};

static int attach(void *arg)
{
	struct attach_arg *a = arg;
	char ipbuf[INET_ADDRSTRLEN];
	struct vx_endpoint ep;
	int err;

	a->req.pin_dir = vx_opts.pin_dir;
	if (a->has_ip)
		a->req.ip = &a->ip;
	if (a->has_mac)
		a->req.mac = a->mac;
	a->req.publish = a->publish;
	a->req.npublish = a->npublish;
	err = cli_open_store(&a->req.store) ?: vx_attach(&a->req, &ep);
	if (!err) {
		inet_ntop(AF_INET, &ep.ip, ipbuf, sizeof(ipbuf));
		pr_info("%s: %s %s on %s (host side %s)", ep.name, ep.ifname, ipbuf, ep.network,
			ep.host_ifname);
	}
	store_close(a->req.store);
	return err ? 1 : 0;
}

static int detach(void *arg)
{
	struct attach_arg *a = arg;
	struct vx_endpoint ep;
	int err;

	a->req.pin_dir = vx_opts.pin_dir;
	err = cli_open_store(&a->req.store) ?: vx_detach(&a->req, &ep);
	if (!err)
		pr_info("%s: detached from %s", ep.name, a->req.network);
	store_close(a->req.store);
	return err ? 1 : 0;
}

#define ARG(field) offsetof(struct attach_arg, field)
static const struct cli_opt attach_opts[] = {
	{ .meta = "NETNS", .type = CLI_STR, .off = ARG(req.netns),
	  .help = "the container's network namespace: a name under /run/netns, or a path" },
	{ .meta = "NETWORK", .type = CLI_STR, .off = ARG(req.network), .help = "the network to join" },
	{ "ip", "IP", CLI_IPV4, ARG(ip), "its IPv4 address (default: the first free address)",
	  CLI_COUNTED, .count = ARG(has_ip) },
	{ "mac", "MAC", CLI_MAC, ARG(mac), "its MAC address (default: 02:42 then the address bytes)",
	  CLI_COUNTED, .count = ARG(has_mac) },
	{ "ifname", "IF", CLI_STR, ARG(req.ifname), "its interface in NETNS (default: the next free ethN, eth0 first)" },
	{ "name", "NAME", CLI_STR, ARG(req.name), "the endpoint's name (default: NODE-NETNS-NETWORK, NODE this host's)" },
	{ "publish", VX_PUBLISH_SYNTAX, CLI_PUBLISH, ARG(publish),
	  "HOSTPORT (default PORT) on every node reaches its PORT (default tcp);\n"
	  "endpoints of one network publishing the same form a service",
	  .many = VX_MAX_PUBLISH, .count = ARG(npublish) },
	{},
};

static const struct cli_opt detach_opts[] = {
	{ .meta = "NETNS", .type = CLI_STR, .off = ARG(req.netns),
	  .help = "the container's network namespace: a name under /run/netns, or a path" },
	{ .meta = "NETWORK", .type = CLI_STR, .off = ARG(req.network), .help = "the network to leave" },
	{},
};

const struct cli_verb attach_verb = {
	"attach",
	"Plugs namespace NETNS into NETWORK: a veth, its address, routes and MAC, the endpoint in the store.",
	attach_opts, sizeof(struct attach_arg), NULL, attach,
};

const struct cli_verb detach_verb = {
	"detach", "Undoes the attach of NETNS to NETWORK on this host.",
	detach_opts, sizeof(struct attach_arg), NULL, detach,
};
