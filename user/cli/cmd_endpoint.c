// SPDX-License-Identifier: GPL-2.0-only
/* vxnet endpoint add|rm|ls: addresses of a network declared on a node, with
 * no container plumbing (that is `vxnet attach`).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "log.h"

static const char endpoint_usage[] =
	"usage: vxnet endpoint add NAME --network N --node NODE [--ip IP] [--mac MAC]\n"
	"       vxnet endpoint rm NAME\n"
	"       vxnet endpoint ls [--network N]\n";
static const char add_usage[] =
	"usage: vxnet endpoint add NAME --network N --node NODE [--ip IP] [--mac MAC]\n"
	"Declares endpoint NAME of network N on host NODE.\n"
	"  --ip IP     its IPv4 address, in one of the network's subnets\n"
	"              (default: the first free address)\n"
	"  --mac MAC   its MAC address (default: 02:42 then the four address bytes)\n";
static const char rm_usage[] =
	"usage: vxnet endpoint rm NAME\n"
	"Removes endpoint NAME from the state.\n";
static const char ls_usage[] =
	"usage: vxnet endpoint ls [--network N]\n"
	"Lists the endpoints, or those of network N.\n";

#define NAME_RULE "[A-Za-z0-9][A-Za-z0-9_.-]{0,62}"

struct add_arg {
	struct vx_endpoint e;
	int auto_ip, auto_mac;
};

static int add_fn(struct vx_state *st, void *arg)
{
	struct add_arg *a = arg;
	struct vx_endpoint *e = &a->e;
	const struct vx_network *n;

	if (state_find_endpoint(st, e->name)) {
		pr_err("endpoint %s already exists", e->name);
		return -EEXIST;
	}
	n = state_find_network(st, e->network);
	if (!n) {
		pr_err("endpoint %s: no such network %s", e->name, e->network);
		return -ENOENT;
	}
	if (!state_find_node(st, e->node)) {
		pr_err("endpoint %s: no such node %s", e->name, e->node);
		return -ENOENT;
	}
	if (a->auto_ip && ipam_alloc(st, n, &e->ip)) {
		pr_err("endpoint %s: network %s has no free address", e->name, n->name);
		return -ENOSPC;
	}
	if (a->auto_mac)
		default_mac(e->ip, e->mac);
	if (!state_add_endpoint(st, e)) {
		pr_err("endpoint add: out of memory");
		return -ENOMEM;
	}
	return 0;
}

/* A reference to a network or node: a name that could exist. */
static int copy_ref(const char *what, const char *endpoint, const char *s, char dst[VX_NAME_MAX])
{
	if (!valid_name(s)) {
		pr_err("endpoint %s: no such %s '%s'", endpoint, what, s);
		return -EINVAL;
	}
	strcpy(dst, s);
	return 0;
}

static int endpoint_add(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "network", required_argument, NULL, 'N' },
		{ "node", required_argument, NULL, 'o' },
		{ "ip", required_argument, NULL, 'i' },
		{ "mac", required_argument, NULL, 'm' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	const char *network = NULL, *node = NULL, *ip = NULL, *mac = NULL;
	struct add_arg a = {};
	struct vx_endpoint *e = &a.e;
	int c, ret;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case 'N': network = optarg; break;
		case 'o': node = optarg; break;
		case 'i': ip = optarg; break;
		case 'm': mac = optarg; break;
		case 'h': fputs(add_usage, stdout); return 0;
		default: return cli_opt_error("endpoint add", c, argv);
		}
	}
	if (argc - optind != 1) {
		pr_err("endpoint add: %s; see vxnet endpoint add --help",
		       argc - optind ? "expected one NAME" : "missing NAME");
		return 2;
	}
	if (!network || !node) {
		pr_err("endpoint add: --%s is required; see vxnet endpoint add --help",
		       network ? "node" : "network");
		return 2;
	}
	if (!valid_name(argv[optind])) {
		pr_err("invalid endpoint name '%s' (must match %s)", argv[optind], NAME_RULE);
		return 1;
	}
	strcpy(e->name, argv[optind]);
	if (copy_ref("network", e->name, network, e->network) ||
	    copy_ref("node", e->name, node, e->node))
		return 1;
	if (ip && parse_ipv4(ip, &e->ip)) {
		pr_err("endpoint %s: '%s' is not an IPv4 address", e->name, ip);
		return 1;
	}
	a.auto_ip = !ip;
	if (mac && parse_mac(mac, e->mac)) {
		pr_err("endpoint %s: '%s' is not a MAC address (expected xx:xx:xx:xx:xx:xx)", e->name, mac);
		return 1;
	}
	a.auto_mac = !mac;
	ret = cli_store_update(add_fn, &a);
	if (!ret)
		pr_info("%s", e->name);
	return ret;
}

static int rm_fn(struct vx_state *st, void *arg)
{
	const char *name = arg;
	struct vx_endpoint *e = state_find_endpoint(st, name);

	if (!e) {
		pr_err("no such endpoint %s", name);
		return -ENOENT;
	}
	state_del_endpoint(st, e);
	return 0;
}

static int endpoint_rm(int argc, char **argv)
{
	return cli_update_named("endpoint rm", rm_usage, rm_fn, argc, argv);
}

static int endpoint_ls(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "network", required_argument, NULL, 'N' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	struct cli_table t = {};
	const char *network = NULL;
	struct vx_state st;
	int c, ret;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case 'N': network = optarg; break;
		case 'h': fputs(ls_usage, stdout); return 0;
		default: return cli_opt_error("endpoint ls", c, argv);
		}
	}
	if (argc - optind) {
		pr_err("endpoint ls: too many arguments; see vxnet endpoint ls --help");
		return 2;
	}
	if (cli_read_state(&st))
		return 1;
	ret = 1;
	if (network && !state_find_network(&st, network)) {
		pr_err("no such network %s", network);
		goto cleanup;
	}
	if (cli_table_init(&t, 6, "NAME", "NETWORK", "NODE", "IP", "MAC", "HOST_IFNAME")) {
		pr_err("endpoint ls: out of memory");
		goto cleanup;
	}
	for (size_t i = 0; i < st.nendpoints; i++) {
		const struct vx_endpoint *e = &st.endpoints[i];
		char ip[16], mac[18];

		if (network && strcmp(e->network, network))
			continue;
		format_ipv4(e->ip, ip);
		format_mac(e->mac, mac);
		if (cli_table_row(&t, e->name, e->network, e->node, ip, mac,
				  e->host_ifname[0] ? e->host_ifname : "-")) {
			pr_err("endpoint ls: out of memory");
			goto cleanup;
		}
	}
	cli_table_print(&t, stdout);
	ret = 0;
cleanup:
	cli_table_free(&t);
	state_free(&st);
	return ret;
}

int cmd_endpoint(int argc, char **argv)
{
	static const struct cli_verb verbs[] = {
		{ "add create", endpoint_add },
		{ "rm remove del", endpoint_rm },
		{ "ls list", endpoint_ls },
		{},
	};

	return cli_dispatch("endpoint", verbs, endpoint_usage, "add, rm or ls", argc, argv);
}
