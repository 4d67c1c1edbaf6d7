// SPDX-License-Identifier: GPL-2.0-only
/* vxnet node add|rm|ls: the hosts of the cluster and their underlay
 * addresses (the VXLAN tunnel endpoints).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <jansson.h>

#include "cli.h"
#include "log.h"

static int add_fn(struct vx_state *st, void *arg)
{
	if (!state_add_node(st, arg)) {
		pr_err("node add: out of memory");
		return -ENOMEM;
	}
	return 0;
}

static int node_add(void *arg)
{
	struct vx_node *n = arg;

	return cli_store_update(add_fn, n, n->name);
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

static int node_rm(void *arg)
{
	struct rm_arg *a = arg;
	int ret = cli_store_update(rm_fn, a, NULL);

	if (!ret)
		pr_info("%s (%zu endpoint%s removed)", a->name, a->removed, a->removed == 1 ? "" : "s");
	return ret;
}

/* -j: [{"name", "address", "endpoints"}] */
static int node_ls_json(const struct vx_state *st)
{
	json_t *a = json_array();
	int err = !a;

	for (size_t i = 0; !err && i < st->nnodes; i++) {
		char addr[16];

		format_ipv4(st->nodes[i].addr, addr);
		err = json_array_append_new(a, json_pack("{s:s,s:s,s:I}", "name", st->nodes[i].name,
			"address", addr,
			"endpoints", (json_int_t)state_count_endpoints(st, NULL, st->nodes[i].name)));
	}
	err = err || json_dumpf(a, stdout, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(a);
	if (err) {
		pr_err("node ls: out of memory");
		return 1;
	}
	putchar('\n');
	return 0;
}

static int node_ls(void *arg)
{
	struct cli_table t = {};
	struct vx_state st;
	int ret = 1;

	if (cli_read_state(&st))
		return 1;
	if (*(int *)arg) {
		ret = node_ls_json(&st);
		goto cleanup;
	}
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

static const struct cli_opt add_opts[] = {
	{ .meta = "NAME", .type = CLI_NAME, .off = offsetof(struct vx_node, name),
	  .help = "the host's name, " VX_NAME_RULE },
	{ .meta = "ADDRESS", .type = CLI_IPV4, .off = offsetof(struct vx_node, addr),
	  .help = "its underlay IPv4 address" },
	{},
};

static const struct cli_opt rm_opts[] = {
	{ .meta = "NAME", .type = CLI_STR, .off = offsetof(struct rm_arg, name) },
	{},
};

static const struct cli_opt ls_opts[] = {
	{ "json", NULL, CLI_FLAG, 0, "print a JSON array: name, address, endpoints", .letter = 'j' },
	{},
};

const struct cli_verb node_verbs[] = {
	{ "add", "Registers host NAME with its underlay IPv4 ADDRESS (its VXLAN tunnel endpoint).",
	  add_opts, sizeof(struct vx_node), NULL, node_add },
	{ "rm remove del", "Removes host NAME and every endpoint on it.",
	  rm_opts, sizeof(struct rm_arg), NULL, node_rm },
	{ "ls list", "Lists the hosts: name, underlay address, number of endpoints.",
	  ls_opts, sizeof(int), NULL, node_ls },
	{},
};
