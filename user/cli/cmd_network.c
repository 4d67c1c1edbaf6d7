// SPDX-License-Identifier: GPL-2.0-only
/* vxnet network create|rm|ls|inspect: overlay networks, one VNI each, with
 * one or more IPv4 subnets and their gateways.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "log.h"

static const char network_usage[] =
	"usage: vxnet network create NAME --subnet CIDR [--subnet CIDR ...] [--gateway IP ...]\n"
	"                            [--vni N] [--mtu N]\n"
	"       vxnet network rm NAME\n"
	"       vxnet network ls\n"
	"       vxnet network inspect NAME\n";
static const char create_usage[] =
	"usage: vxnet network create NAME --subnet CIDR [--subnet CIDR ...] [--gateway IP ...]\n"
	"                            [--vni N] [--mtu N]\n"
	"Creates overlay network NAME.\n"
	"  --subnet CIDR   an IPv4 subnet of the network (repeat for more, up to 16)\n"
	"  --gateway IP    gateway of the matching --subnet, in order (default: its first host)\n"
	"  --vni N         VXLAN network identifier, 1..16777215 (default: lowest free >= 4096)\n"
	"  --mtu N         MTU of the endpoints, 68..65485 (default: underlay MTU - 50)\n";
static const char rm_usage[] =
	"usage: vxnet network rm NAME\n"
	"Removes network NAME; it must have no endpoints.\n";
static const char ls_usage[] =
	"usage: vxnet network ls\n"
	"Lists the networks: name, VNI, MTU, subnets, gateways, number of endpoints.\n";
static const char inspect_usage[] =
	"usage: vxnet network inspect NAME\n"
	"Prints network NAME and its endpoints as JSON.\n";

#define NAME_RULE "[A-Za-z0-9][A-Za-z0-9_.-]{0,62}"

struct create_arg {
	struct vx_network n;
	int auto_vni;
};

static int create_fn(struct vx_state *st, void *arg)
{
	struct create_arg *a = arg;

	if (state_find_network(st, a->n.name)) {
		pr_err("network %s already exists", a->n.name);
		return -EEXIST;
	}
	if (a->auto_vni && vni_alloc(st, &a->n.vni)) {
		pr_err("network %s: no free VNI left from %d up", a->n.name, VX_VNI_MIN_AUTO);
		return -ENOSPC;
	}
	if (!state_add_network(st, &a->n)) {
		pr_err("network create: out of memory");
		return -ENOMEM;
	}
	return 0;
}

static int network_create(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "subnet", required_argument, NULL, 's' },
		{ "gateway", required_argument, NULL, 'g' },
		{ "vni", required_argument, NULL, 'i' },
		{ "mtu", required_argument, NULL, 'm' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	const char *subnets[VX_MAX_SUBNETS], *gateways[VX_MAX_SUBNETS];
	const char *vni = NULL, *mtu = NULL;
	int nsub = 0, ngw = 0, c, ret, err;
	struct create_arg a = {};
	struct vx_network *n = &a.n;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			if (nsub == VX_MAX_SUBNETS) {
				pr_err("network create: at most %d --subnet options", VX_MAX_SUBNETS);
				return 2;
			}
			subnets[nsub++] = optarg;
			break;
		case 'g':
			if (ngw == VX_MAX_SUBNETS) {
				pr_err("network create: at most %d --gateway options", VX_MAX_SUBNETS);
				return 2;
			}
			gateways[ngw++] = optarg;
			break;
		case 'i': vni = optarg; break;
		case 'm': mtu = optarg; break;
		case 'h': fputs(create_usage, stdout); return 0;
		default: return cli_opt_error("network create", c, argv);
		}
	}
	if (argc - optind != 1) {
		pr_err("network create: %s; see vxnet network create --help",
		       argc - optind ? "expected one NAME" : "missing NAME");
		return 2;
	}
	if (!nsub) {
		pr_err("network create: --subnet is required; see vxnet network create --help");
		return 2;
	}
	if (ngw > nsub) {
		pr_err("network create: %d --gateway for %d --subnet; give one per subnet, in order", ngw, nsub);
		return 2;
	}
	if (!valid_name(argv[optind])) {
		pr_err("invalid network name '%s' (must match %s)", argv[optind], NAME_RULE);
		return 1;
	}
	strcpy(n->name, argv[optind]);
	if (vni) {
		err = cli_parse_u32(vni, VX_VNI_MAX, &n->vni);
		if (err == -EINVAL) {
			pr_err("network %s: VNI '%s' is not a number", n->name, vni);
			return 1;
		}
		if (err || n->vni < 1) {
			pr_err("network %s: VNI %s is outside 1..%u", n->name, vni, VX_VNI_MAX);
			return 1;
		}
	} else {
		a.auto_vni = 1;
	}
	if (mtu) {
		err = cli_parse_u32(mtu, VX_MTU_MAX, &n->mtu);
		if (err == -EINVAL) {
			pr_err("network %s: MTU '%s' is not a number", n->name, mtu);
			return 1;
		}
		if (err || n->mtu < VX_MTU_MIN) {
			pr_err("network %s: MTU %s is outside %d..%d", n->name, mtu, VX_MTU_MIN, VX_MTU_MAX);
			return 1;
		}
	}
	for (int i = 0; i < nsub; i++) {
		struct vx_subnet *s = &n->subnets[i];

		err = parse_cidr(subnets[i], &s->addr, &s->prefix);
		if (err == -EDOM) {
			char m[20];

			format_cidr(s->addr, s->prefix, m);
			pr_err("network %s: subnet %s has host bits set; did you mean %s", n->name, subnets[i], m);
			return 1;
		}
		if (err) {
			pr_err("network %s: '%s' is not an IPv4 CIDR subnet", n->name, subnets[i]);
			return 1;
		}
		if (i < ngw) {
			if (parse_ipv4(gateways[i], &s->gateway)) {
				pr_err("network %s: gateway '%s' is not an IPv4 address", n->name, gateways[i]);
				return 1;
			}
		} else {
			s->gateway = htonl(ntohl(s->addr) + 1);
		}
		n->nsubnets++;
	}
	ret = cli_store_update(create_fn, &a);
	if (!ret)
		pr_info("%s", n->name);
	return ret;
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

static int network_rm(int argc, char **argv)
{
	return cli_update_named("network rm", rm_usage, rm_fn, argc, argv);
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

static int network_ls(int argc, char **argv)
{
	struct cli_table t = {};
	struct vx_state st;
	int ret;

	ret = cli_parse_plain("network ls", ls_usage, argc, argv, 0, 0);
	if (ret >= 0)
		return ret;
	if (cli_read_state(&st))
		return 1;
	ret = 1;
	if (cli_table_init(&t, 6, "NAME", "VNI", "MTU", "SUBNETS", "GATEWAYS", "ENDPOINTS")) {
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
		if (cli_table_row(&t, n->name, vni, mtu, subs, gws, cnt)) {
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

static int network_inspect(int argc, char **argv)
{
	const struct vx_network *n;
	struct vx_state st;
	char *text = NULL;
	int ret;

	ret = cli_parse_plain("network inspect", inspect_usage, argc, argv, 1, 1);
	if (ret >= 0)
		return ret;
	if (cli_read_state(&st))
		return 1;
	ret = 1;
	n = state_find_network(&st, argv[optind]);
	if (!n) {
		pr_err("no such network %s", argv[optind]);
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

int cmd_network(int argc, char **argv)
{
	static const struct cli_verb verbs[] = {
		{ "create add", network_create },
		{ "rm remove del", network_rm },
		{ "ls list", network_ls },
		{ "inspect show", network_inspect },
		{},
	};

	return cli_dispatch("network", verbs, network_usage, "create, rm, ls or inspect", argc, argv);
}
