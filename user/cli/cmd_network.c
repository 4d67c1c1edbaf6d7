// SPDX-License-Identifier: GPL-2.0-only
/* vxnet network create|rm|ls|inspect: overlay networks, one VNI each, with
 * one or more IPv4 subnets and their gateways.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <jansson.h>

#include "cli.h"
#include "log.h"

struct create_arg {
	struct vx_network n; /* --subnet fills subnets and nsubnets */
	uint32_t gateways[VX_MAX_SUBNETS];
	int ngateways, has_vni, has_mtu;
};

static int create_fn(struct vx_state *st, void *arg)
{
	struct create_arg *a = arg;

	if (state_find_network(st, a->n.name)) {
		pr_err("network %s already exists", a->n.name);
		return -EEXIST;
	}
	if (!a->has_vni && vni_alloc(st, &a->n.vni)) {
		pr_err("network %s: no free VNI left from %d up", a->n.name, VX_VNI_MIN_AUTO);
		return -ENOSPC;
	}
	if (!state_add_network(st, &a->n)) {
		pr_err("network create: out of memory");
		return -ENOMEM;
	}
	return 0;
}

static int network_create(void *arg)
{
	struct create_arg *a = arg;
	struct vx_network *n = &a->n;

	if (a->ngateways > n->nsubnets) {
		pr_err("network create: %d --gateway for %d --subnet; give one per subnet, in order",
		       a->ngateways, n->nsubnets);
		return 2;
	}
	if (a->has_mtu && !n->mtu) { /* 0 in the state is "auto" */
		pr_err("network %s: MTU 0 is outside %d..%d", n->name, VX_MTU_MIN, VX_MTU_MAX);
		return 1;
	}
	for (int i = 0; i < n->nsubnets; i++) {
		struct vx_subnet *s = &n->subnets[i];

		s->gateway = i < a->ngateways ? a->gateways[i] : htonl(ntohl(s->addr) + 1);
	}
	return cli_store_update(create_fn, a, n->name);
}

static int rm_fn(struct vx_state *st, void *arg)
{
	const char *name = arg;
	struct vx_network *n = state_find_network(st, name);
	size_t eps;

	if (!n) {
		pr_err("no such network %s", name);
		return -ENOENT;
	}
	eps = state_count_endpoints(st, name, NULL);
	if (eps) {
		pr_err("network %s has %zu endpoint%s; detach %s first", name, eps,
		       eps == 1 ? "" : "s", eps == 1 ? "it" : "them");
		return -EBUSY;
	}
	state_del_network(st, n);
	return 0;
}

static int network_rm(void *arg)
{
	const char *name = *(const char **)arg;

	return cli_store_update(rm_fn, (void *)name, name);
}

/* Comma-joined subnets, or their gateways. */
static void join_subnets(const struct vx_network *n, int gateways, char *buf, size_t len)
{
	size_t off = 0;

	buf[0] = '\0';
	for (int i = 0; i < n->nsubnets && off < len; i++) {
		char s[20];

		if (gateways)
			format_ipv4(n->subnets[i].gateway, s);
		else
			format_cidr(n->subnets[i].addr, n->subnets[i].prefix, s);
		off += snprintf(buf + off, len - off, "%s%s", i ? "," : "", s);
	}
}

/* -j: [{"name", "vni", "mtu" (null: auto), "egress", "subnets": [{"subnet",
 * "gateway"}], "endpoints"}]
 */
static int network_ls_json(const struct vx_state *st)
{
	json_t *a = json_array();
	int err = !a;

	for (size_t i = 0; !err && i < st->nnetworks; i++) {
		const struct vx_network *n = &st->networks[i];
		json_t *subs = json_array();

		for (int k = 0; subs && k < n->nsubnets; k++) {
			char cidr[20], gw[16];

			format_cidr(n->subnets[k].addr, n->subnets[k].prefix, cidr);
			format_ipv4(n->subnets[k].gateway, gw);
			json_array_append_new(subs, json_pack("{s:s,s:s}", "subnet", cidr, "gateway", gw));
		}
		err = json_array_append_new(a, json_pack("{s:s,s:I,s:o,s:b,s:o,s:I}", "name", n->name,
			"vni", (json_int_t)n->vni, "mtu", n->mtu ? json_integer(n->mtu) : json_null(),
			"egress", !n->no_egress, "subnets", subs,
			"endpoints", (json_int_t)state_count_endpoints(st, n->name, NULL)));
	}
	err = err || json_dumpf(a, stdout, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(a);
	if (err) {
		pr_err("network ls: out of memory");
		return 1;
	}
	putchar('\n');
	return 0;
}

static int network_ls(void *arg)
{
	struct cli_table t = {};
	struct vx_state st;
	int ret = 1;

	if (cli_read_state(&st))
		return 1;
	if (*(int *)arg) {
		ret = network_ls_json(&st);
		goto cleanup;
	}
	if (cli_table_init(&t, 7, "NAME", "VNI", "MTU", "EGRESS", "SUBNETS", "GATEWAYS", "ENDPOINTS")) {
		pr_err("network ls: out of memory");
		goto cleanup;
	}
	for (size_t i = 0; i < st.nnetworks; i++) {
		const struct vx_network *n = &st.networks[i];
		char vni[12], mtu[12], cnt[24], subs[20 * VX_MAX_SUBNETS], gws[20 * VX_MAX_SUBNETS];

		snprintf(vni, sizeof(vni), "%u", n->vni);
		if (n->mtu)
			snprintf(mtu, sizeof(mtu), "%u", n->mtu);
		else
			snprintf(mtu, sizeof(mtu), "auto");
		snprintf(cnt, sizeof(cnt), "%zu", state_count_endpoints(&st, n->name, NULL));
		join_subnets(n, 0, subs, sizeof(subs));
		join_subnets(n, 1, gws, sizeof(gws));
		if (cli_table_row(&t, n->name, vni, mtu, n->no_egress ? "off" : "on", subs, gws, cnt)) {
			pr_err("network ls: out of memory");
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

static int network_inspect(void *arg)
{
	const char *name = *(const char **)arg;
	const struct vx_network *n;
	struct vx_state st;
	char *text = NULL;
	int ret = 1;

	if (cli_read_state(&st))
		return 1;
	n = state_find_network(&st, name);
	if (!n) {
		pr_err("no such network %s", name);
		goto cleanup;
	}
	text = state_network_to_json_text(&st, n);
	if (!text) {
		pr_err("network inspect: out of memory");
		goto cleanup;
	}
	printf("%s\n", text);
	ret = 0;
cleanup:
	free(text);
	state_free(&st);
	return ret;
}

#define ARG(field) offsetof(struct create_arg, field)
static const struct cli_opt create_opts[] = {
	{ .meta = "NAME", .type = CLI_NAME, .off = ARG(n.name) },
	{ "subnet", "CIDR", CLI_CIDR, ARG(n.subnets),
	  "an IPv4 subnet of the network (repeat for more, up to 16)",
	  CLI_REQUIRED, .many = VX_MAX_SUBNETS, .count = ARG(n.nsubnets) },
	{ "gateway", "IP", CLI_IPV4, ARG(gateways),
	  "gateway of the matching --subnet, in order (default: its first host)",
	  .many = VX_MAX_SUBNETS, .count = ARG(ngateways), .label = "gateway" },
	{ "vni", "N", CLI_U32, ARG(n.vni),
	  "VXLAN network identifier, 1..16777215 (default: lowest free >= 4096)",
	  CLI_COUNTED, .count = ARG(has_vni), .label = "VNI" },
	{ "mtu", "N", CLI_U32, ARG(n.mtu),
	  "MTU of the endpoints, 68..65485 (default: underlay MTU - 50)",
	  CLI_COUNTED, .count = ARG(has_mtu), .label = "MTU" },
	{ "no-egress", NULL, CLI_FLAG, ARG(n.no_egress),
	  "containers reach only the network, nothing outside it (Docker's --internal);\n"
	  "default: the rest is translated to the host's address (egress NAT)" },
	{},
};

/* rm and inspect: the name at offset 0 of a const char *. */
static const struct cli_opt name_opts[] = {
	{ .meta = "NAME", .type = CLI_STR },
	{},
};

static const struct cli_opt ls_opts[] = {
	{ "json", NULL, CLI_FLAG, 0,
	  "print a JSON array: name, vni, mtu, egress, subnets, endpoints", .letter = 'j' },
	{},
};

const struct cli_verb network_verbs[] = {
	{ "create add", "Creates overlay network NAME.",
	  create_opts, sizeof(struct create_arg), NULL, network_create },
	{ "rm remove del", "Removes network NAME; it must have no endpoints.",
	  name_opts, sizeof(const char *), NULL, network_rm },
	{ "ls list", "Lists the networks: name, VNI, MTU, egress, subnets, gateways, number of endpoints.",
	  ls_opts, sizeof(int), NULL, network_ls },
	{ "inspect show", "Prints network NAME and its endpoints as JSON.",
	  name_opts, sizeof(const char *), NULL, network_inspect },
	{},
};
