// SPDX-License-Identifier: GPL-2.0-only
/* vxnet node add|rm|ls: the hosts of the cluster and their underlay
 * addresses (the VXLAN tunnel endpoints).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "log.h"

static const char node_usage[] =
	"usage: vxnet node add NAME ADDRESS\n"
	"       vxnet node rm NAME\n"
	"       vxnet node ls\n";
static const char add_usage[] =
	"usage: vxnet node add NAME ADDRESS\n"
	"Registers host NAME with its underlay IPv4 ADDRESS (its VXLAN tunnel endpoint).\n";
static const char rm_usage[] =
	"usage: vxnet node rm NAME\n"
	"Removes host NAME and every endpoint on it.\n";
static const char ls_usage[] =
	"usage: vxnet node ls\n"
	"Lists the hosts: name, underlay address, number of endpoints.\n";

#define NAME_RULE "[A-Za-z0-9][A-Za-z0-9_.-]{0,62}"

static int add_fn(struct vx_state *st, void *arg)
{
	if (!state_add_node(st, arg)) {
		pr_err("node add: out of memory");
		return -ENOMEM;
	}
	return 0;
}

static int node_add(int argc, char **argv)
{
	struct vx_node n = {};
	int ret;

	ret = cli_parse_plain("node add", add_usage, argc, argv, 2, 2);
	if (ret >= 0)
		return ret;
	if (!valid_name(argv[optind])) {
		pr_err("invalid node name '%s' (must match %s)", argv[optind], NAME_RULE);
		return 1;
	}
	strcpy(n.name, argv[optind]);
	if (parse_ipv4(argv[optind + 1], &n.addr)) {
		pr_err("node %s: '%s' is not an IPv4 address", n.name, argv[optind + 1]);
		return 1;
	}
	ret = cli_store_update(add_fn, &n);
	if (!ret)
		pr_info("%s", n.name);
	return ret;
}

struct rm_arg {
	const char *name;
	size_t removed;
};

static int rm_fn(struct vx_state *st, void *arg)
{
	struct rm_arg *a = arg;
	struct vx_node *n = state_find_node(st, a->name);

	if (!n) {
		pr_err("no such node %s", a->name);
		return -ENOENT;
	}
	for (size_t i = st->nendpoints; i-- > 0;) {
		if (strcmp(st->endpoints[i].node, a->name))
			continue;
		state_del_endpoint(st, &st->endpoints[i]);
		a->removed++;
	}
	state_del_node(st, n);
	return 0;
}

static int node_rm(int argc, char **argv)
{
	struct rm_arg a = {};
	int ret;

	ret = cli_parse_plain("node rm", rm_usage, argc, argv, 1, 1);
	if (ret >= 0)
		return ret;
	a.name = argv[optind];
	ret = cli_store_update(rm_fn, &a);
	if (!ret)
		pr_info("%s (%zu endpoint%s removed)", a.name, a.removed, a.removed == 1 ? "" : "s");
	return ret;
}

static int node_ls(int argc, char **argv)
{
	struct cli_table t = {};
	struct vx_state st;
	int ret;

	ret = cli_parse_plain("node ls", ls_usage, argc, argv, 0, 0);
	if (ret >= 0)
		return ret;
	if (cli_read_state(&st))
		return 1;
	ret = 1;
	if (cli_table_init(&t, 3, "NAME", "ADDRESS", "ENDPOINTS")) {
		pr_err("node ls: out of memory");
		goto cleanup;
	}
	for (size_t i = 0; i < st.nnodes; i++) {
		char a[16], cnt[24];

		format_ipv4(st.nodes[i].addr, a);
		snprintf(cnt, sizeof(cnt), "%zu", state_count_endpoints(&st, NULL, st.nodes[i].name));
		if (cli_table_row(&t, st.nodes[i].name, a, cnt)) {
			pr_err("node ls: out of memory");
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

int cmd_node(int argc, char **argv)
{
	static const struct cli_verb verbs[] = {
		{ "add", node_add },
		{ "rm remove del", node_rm },
		{ "ls list", node_ls },
		{},
	};

	return cli_dispatch("node", verbs, node_usage, "add, rm or ls", argc, argv);
}
