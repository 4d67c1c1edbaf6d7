// SPDX-License-Identifier: GPL-2.0-only
/* vxnet network create|update|rm|ls|inspect: overlay networks, one VNI
 * each, with one or more IPv4 subnets and their gateways, an ID, a creation
 * time, labels and options.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "cli.h"
#include "datapath.h"
#include "log.h"
#include "sync.h"

#define MAX_LABEL_ARGS 32
#define MAX_OPT_ARGS 8
#define MAX_FILTERS 16

struct create_arg {
	struct vx_network n; /* --subnet fills subnets and nsubnets */
	uint32_t gateways[VX_MAX_SUBNETS];
	int ngateways, has_vni, has_mtu;
	const char *labels[MAX_LABEL_ARGS], *opts[MAX_OPT_ARGS];
	int nlabels, nopts;
	int mtu_from_opt; /* the MTU is --opt's, not --mtu's */
};

/* "KEY=VALUE" or "KEY" (an empty value, as Docker's --label) of option
 * --opt into buf; a key given twice keeps the last value. 0, or 1 after
 * one line.
 */
static int add_kv(const char *net, const char *opt, const char *arg, char *buf, size_t cap,
		  uint16_t *len)
{
	char key[VX_LABEL_KEY_MAX + 1], esc[512];
	size_t kl = strcspn(arg, "=");
	const char *value = arg[kl] ? arg + kl + 1 : "";
	const char *kwhy = lbl_check_key(arg, kl), *vwhy = lbl_check_value(value);

	if (kwhy || vwhy) {
		pr_err("network %s: --%s '%s': %s %s", net, opt, log_printable(arg, esc, sizeof(esc)),
		       kwhy ? "key" : "value", kwhy ?: vwhy);
		return 1;
	}
	snprintf(key, sizeof(key), "%.*s", (int)kl, arg);
	if (lbl_set(buf, cap, len, key, value)) {
		pr_err("network %s: --%s: the %s take more than %zu bytes", net, opt,
		       strcmp(opt, "opt") ? "labels" : "options", cap);
		return 1;
	}
	return 0;
}

/* The MTU rail: a network MTU this host's underlay does not carry (its
 * MTU - 50) is refused here, when vxnet is up on this host (elsewhere
 * `vxnet up` and `vxnet sync` warn and clamp). opt names what gave the
 * MTU, up to its value ("--mtu "). 0, or 1 after one line.
 */
static int check_mtu_fits(const char *net, const char *opt, uint32_t mtu)
{
	struct vxnet_host host;
	char dev[IF_NAMESIZE] = "?";
	unsigned int max;

	if (!mtu || dp_sync_host(vx_opts.pin_dir, &host))
		return 0;
	max = dp_default_mtu(&host);
	if (mtu <= max)
		return 0;
	if_indextoname(host.ifindex, dev);
	pr_err("network %s: %s%u is more than this host's underlay carries (%s MTU %u - %d = %u)",
	       net, opt, mtu, dev, max + VXNET_ENCAP_LEN, VXNET_ENCAP_LEN, max);
	return 1;
}

/* An option's number: decimal digits only, within lo..hi; 0 or -EINVAL. */
static int option_number(const char *v, unsigned long lo, unsigned long hi, uint32_t *out)
{
	size_t n = strspn(v, "0123456789");
	unsigned long u;

	if (!n || v[n] || n > 9)
		return -EINVAL;
	u = strtoul(v, NULL, 10);
	if (u < lo || u > hi)
		return -EINVAL;
	*out = u;
	return 0;
}

/* --opt: the options vxnet understands set what they name (the MTU, the
 * VNI) and are kept as given; state_validate refuses any other.
 */
static int create_options(struct create_arg *a)
{
	struct vx_network *n = &a->n;
	uint32_t u = 0;
	const char *v;

	for (int i = 0; i < a->nopts; i++)
		if (add_kv(n->name, "opt", a->opts[i], n->options, sizeof(n->options), &n->options_len))
			return 1;
	if ((v = lbl_get(n->options, n->options_len, VX_OPT_MTU))) {
		if (option_number(v, VX_MTU_MIN, VX_MTU_MAX, &u) || (a->has_mtu && u != n->mtu)) {
			pr_err("network %s: --opt %s=%s: must be %d..%d%s", n->name, VX_OPT_MTU, v,
			       VX_MTU_MIN, VX_MTU_MAX, a->has_mtu ? " and the same as --mtu" : "");
			return 1;
		}
		a->mtu_from_opt = !a->has_mtu;
		n->mtu = u;
		a->has_mtu = 1;
	}
	if ((v = lbl_get(n->options, n->options_len, VX_OPT_VNI))) {
		if (option_number(v, 1, VX_VNI_MAX, &u) || (a->has_vni && u != n->vni)) {
			pr_err("network %s: --opt %s=%s: must be one VNI, 1..%u%s", n->name, VX_OPT_VNI,
			       v, VX_VNI_MAX, a->has_vni ? ", the same as --vni" : "");
			return 1;
		}
		n->vni = u;
		a->has_vni = 1;
	}
	return 0;
}

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
	for (int i = 0; i < a->nlabels; i++)
		if (add_kv(n->name, "label", a->labels[i], n->labels, sizeof(n->labels), &n->labels_len))
			return 1;
	if (create_options(a) ||
	    check_mtu_fits(n->name, a->mtu_from_opt ? "--opt " VX_OPT_MTU "=" : "--mtu ", n->mtu))
		return 1;
	if (network_stamp(n)) {
		pr_err("network create %s: no random bytes for its ID: %s", n->name, strerror(errno));
		return 1;
	}
	return cli_store_update(create_fn, a, n->name);
}

/* ---- update ---- */

struct update_arg {
	char name[VX_NAME_MAX];
	uint32_t mtu;
	int has_mtu;
	const char *labels[MAX_LABEL_ARGS], *rm_labels[MAX_LABEL_ARGS];
	int nlabels, nrm_labels;
	struct vx_subnet add[VX_MAX_SUBNETS];
	uint32_t gateways[VX_MAX_SUBNETS];
	int nadd, ngateways;
};

static int update_fn(struct vx_state *st, void *arg)
{
	struct update_arg *a = arg;
	struct vx_network *n = state_find_network(st, a->name);

	if (!n) {
		pr_err("no such network %s", a->name);
		return -ENOENT;
	}
	if (a->has_mtu) {
		char v[12];

		n->mtu = a->mtu;
		snprintf(v, sizeof(v), "%u", a->mtu);
		/* the option given at create names the MTU: it follows */
		if (lbl_get(n->options, n->options_len, VX_OPT_MTU) &&
		    lbl_set(n->options, sizeof(n->options), &n->options_len, VX_OPT_MTU, v))
			return -ENOSPC;
	}
	for (int i = 0; i < a->nrm_labels; i++) {
		if (lbl_del(n->labels, &n->labels_len, a->rm_labels[i])) {
			pr_err("network %s: --rm-label %s: no such label", n->name, a->rm_labels[i]);
			return -ENOENT;
		}
	}
	for (int i = 0; i < a->nlabels; i++)
		if (add_kv(n->name, "label", a->labels[i], n->labels, sizeof(n->labels), &n->labels_len))
			return -EINVAL;
	if (n->nsubnets + a->nadd > VX_MAX_SUBNETS) {
		pr_err("network %s: %d subnets and %d --add-subnet: at most %d", n->name, n->nsubnets,
		       a->nadd, VX_MAX_SUBNETS);
		return -E2BIG;
	}
	for (int i = 0; i < a->nadd; i++) {
		struct vx_subnet *s = &n->subnets[n->nsubnets++];

		*s = a->add[i];
		s->gateway = i < a->ngateways ? a->gateways[i] : htonl(ntohl(s->addr) + 1);
	}
	return 0; /* the store validates the whole state before it writes */
}

/* Changes the network's record, then, when vxnet is up on this host, syncs
 * this host's maps and containers at once; other hosts follow at their
 * next `vxnet sync`, or at once through `vxnet agent`.
 */
static int network_update(void *arg)
{
	struct update_arg *a = arg;
	struct vx_store *store = NULL;
	struct vxnet_host host;
	struct kv_result res;
	int err;

	if (!a->has_mtu && !a->nlabels && !a->nrm_labels && !a->nadd) {
		pr_err("network update %s: nothing to change; give --mtu, --label, --rm-label or --add-subnet",
		       a->name);
		return 2;
	}
	if (a->ngateways > a->nadd) {
		pr_err("network update: %d --gateway for %d --add-subnet; give one per subnet, in order",
		       a->ngateways, a->nadd);
		return 2;
	}
	if (a->has_mtu && !a->mtu) {
		pr_err("network %s: MTU 0 is outside %d..%d", a->name, VX_MTU_MIN, VX_MTU_MAX);
		return 1;
	}
	if (check_mtu_fits(a->name, "--mtu ", a->mtu))
		return 1;
	err = cli_open_store(&store) ?: store_update(store, update_fn, a);
	if (!err && !dp_sync_host(vx_opts.pin_dir, &host))
		err = dp_sync_store_reconcile(store, vx_opts.pin_dir, &res);
	store_close(store);
	if (!err)
		pr_info("%s", a->name);
	return err ? 1 : 0;
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

struct ls_arg {
	int json;
	const char *filters[MAX_FILTERS];
	int nfilters;
};

/* Whether n passes the filters (as `docker network ls --filter`): every
 * label=KEY (the label is set) and label=KEY=VALUE (set to VALUE); one of
 * the name=TEXT (the name holds TEXT) and one of the id=PREFIX given.
 */
static int filter_match(const struct vx_network *n, const struct ls_arg *a)
{
	int names = 0, name_ok = 0, ids = 0, id_ok = 0;

	for (int i = 0; i < a->nfilters; i++) {
		const char *f = a->filters[i];

		if (!strncmp(f, "label=", 6)) {
			char key[VX_LABEL_KEY_MAX + 1];
			size_t kl = strcspn(f + 6, "=");
			const char *v;

			snprintf(key, sizeof(key), "%.*s", (int)kl, f + 6);
			v = lbl_get(n->labels, n->labels_len, key);
			if (!v || (f[6 + kl] && strcmp(v, f + 6 + kl + 1)))
				return 0;
		} else if (!strncmp(f, "name=", 5)) {
			names++;
			name_ok |= !!strstr(n->name, f + 5);
		} else if (!strncmp(f, "id=", 3)) {
			ids++;
			id_ok |= n->id[0] && !strncmp(n->id, f + 3, strlen(f + 3));
		}
	}
	return (!names || name_ok) && (!ids || id_ok);
}

/* The filters' syntax; 0, or 2 after one line. */
static int check_filters(const struct ls_arg *a)
{
	for (int i = 0; i < a->nfilters; i++) {
		const char *f = a->filters[i];
		size_t kl = strcspn(f, "=");

		if (f[kl] && ((kl == 5 && !strncmp(f, "label", 5) && f[6] && f[6] != '=') ||
			      (kl == 4 && !strncmp(f, "name", 4)) || (kl == 2 && !strncmp(f, "id", 2))))
			continue;
		pr_err("network ls: --filter '%s': expected label=KEY, label=KEY=VALUE, name=TEXT or id=PREFIX",
		       f);
		return 2;
	}
	return 0;
}

/* -j: [{"name", "id", "created", "vni", "mtu" (null: auto), "egress",
 * "subnets": [{"subnet", "gateway"}], "labels", "options", "endpoints"}]
 */
static int network_ls_json(const struct vx_state *st, const struct ls_arg *la)
{
	json_t *a = json_array();
	int err = !a;

	for (size_t i = 0; !err && i < st->nnetworks; i++) {
		const struct vx_network *n = &st->networks[i];
		json_t *subs = json_array();

		if (!filter_match(n, la)) {
			json_decref(subs);
			continue;
		}
		for (int k = 0; subs && k < n->nsubnets; k++) {
			char cidr[20], gw[16];

			format_cidr(n->subnets[k].addr, n->subnets[k].prefix, cidr);
			format_ipv4(n->subnets[k].gateway, gw);
			json_array_append_new(subs, json_pack("{s:s,s:s}", "subnet", cidr, "gateway", gw));
		}
		err = json_array_append_new(a, json_pack("{s:s,s:s,s:s,s:I,s:o,s:b,s:o,s:o,s:o,s:I}",
			"name", n->name, "id", n->id, "created", n->created,
			"vni", (json_int_t)n->vni, "mtu", n->mtu ? json_integer(n->mtu) : json_null(),
			"egress", !n->no_egress, "subnets", subs,
			"labels", state_labels_to_json(n->labels, n->labels_len),
			"options", state_labels_to_json(n->options, n->options_len),
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
	const struct ls_arg *a = arg;
	struct cli_table t = {};
	struct vx_state st;
	int ret = check_filters(a);

	if (ret || cli_read_state(&st))
		return ret ?: 1;
	ret = 1;
	if (a->json) {
		ret = network_ls_json(&st, a);
		goto cleanup;
	}
	if (cli_table_init(&t, 7, "NAME", "VNI", "MTU", "EGRESS", "SUBNETS", "GATEWAYS", "ENDPOINTS")) {
		pr_err("network ls: out of memory");
		goto cleanup;
	}
	for (size_t i = 0; i < st.nnetworks; i++) {
		const struct vx_network *n = &st.networks[i];
		char vni[12], mtu[12], cnt[24], subs[20 * VX_MAX_SUBNETS], gws[20 * VX_MAX_SUBNETS];

		if (!filter_match(n, a))
			continue;
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

/* The network called ref, else the one whose ID starts with ref (as
 * docker network inspect finds one); NULL after one line.
 */
static const struct vx_network *find_by_name_or_id(const struct vx_state *st, const char *ref)
{
	const struct vx_network *n = state_find_network(st, ref), *other = NULL;
	size_t len = strlen(ref);

	for (size_t i = 0; !n && len && len <= VX_ID_LEN && i < st->nnetworks; i++) {
		if (strncmp(st->networks[i].id, ref, len))
			continue;
		if (other) {
			pr_err("network ID prefix %s is ambiguous: networks %s and %s; give more of it",
			       ref, other->name, st->networks[i].name);
			return NULL;
		}
		other = &st->networks[i];
	}
	if (!n && !other)
		pr_err("no such network %s", ref);
	return n ?: other;
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
	n = find_by_name_or_id(&st, name);
	if (!n)
		goto cleanup;
	text = state_network_inspect(&st, n);
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
	  "MTU of the endpoints, 68..65485 (default: underlay MTU - 50); refused when\n"
	  "more than this host's underlay MTU - 50 (vxnet up here)",
	  CLI_COUNTED, .count = ARG(has_mtu), .label = "MTU" },
	{ "no-egress", NULL, CLI_FLAG, ARG(n.no_egress),
	  "containers reach only the network, nothing outside it (Docker's --internal);\n"
	  "default: the rest is translated to the host's address (egress NAT)" },
	{ "internal", NULL, CLI_FLAG, ARG(n.no_egress), "the same as --no-egress, as Docker spells it" },
	{ "label", "KEY=VALUE", CLI_STR, ARG(labels),
	  "a label of the network (repeat for more; KEY alone: an empty value)",
	  .many = MAX_LABEL_ARGS, .count = ARG(nlabels) },
	{ "opt", "KEY=VALUE", CLI_STR, ARG(opts),
	  "a driver option, kept and shown: " VX_OPT_MTU " (as --mtu)\n"
	  "or " VX_OPT_VNI " (as --vni); others are refused",
	  .many = MAX_OPT_ARGS, .count = ARG(nopts), .letter = 'o' },
	{},
};
#undef ARG

#define ARG(field) offsetof(struct update_arg, field)
static const struct cli_opt update_opts[] = {
	{ .meta = "NAME", .type = CLI_NAME, .off = ARG(name) },
	{ "mtu", "N", CLI_U32, ARG(mtu),
	  "the endpoints' MTU, 68..65485, on running containers too (refused when more\n"
	  "than this host's underlay MTU - 50)",
	  CLI_COUNTED, .count = ARG(has_mtu), .label = "MTU" },
	{ "label", "KEY=VALUE", CLI_STR, ARG(labels), "sets a label (repeat for more)",
	  .many = MAX_LABEL_ARGS, .count = ARG(nlabels) },
	{ "rm-label", "KEY", CLI_STR, ARG(rm_labels), "removes a label (repeat for more)",
	  .many = MAX_LABEL_ARGS, .count = ARG(nrm_labels) },
	{ "add-subnet", "CIDR", CLI_CIDR, ARG(add),
	  "adds an IPv4 subnet; running containers get a route to it",
	  .many = VX_MAX_SUBNETS, .count = ARG(nadd) },
	{ "gateway", "IP", CLI_IPV4, ARG(gateways),
	  "gateway of the matching --add-subnet, in order (default: its first host)",
	  .many = VX_MAX_SUBNETS, .count = ARG(ngateways), .label = "gateway" },
	{},
};
#undef ARG

/* rm and inspect: the name at offset 0 of a const char *. */
static const struct cli_opt name_opts[] = {
	{ .meta = "NAME", .type = CLI_STR },
	{},
};

static const struct cli_opt ls_opts[] = {
	{ "json", NULL, CLI_FLAG, offsetof(struct ls_arg, json),
	  "print a JSON array: name, id, created, vni, mtu, egress, subnets, labels,\n"
	  "options, endpoints", .letter = 'j' },
	{ "filter", "FILTER", CLI_STR, offsetof(struct ls_arg, filters),
	  "only networks with label=KEY, label=KEY=VALUE, a name holding name=TEXT or\n"
	  "an ID starting id=PREFIX (repeat: every label, any name, any id)",
	  .many = MAX_FILTERS, .count = offsetof(struct ls_arg, nfilters), .letter = 'f' },
	{},
};

const struct cli_verb network_verbs[] = {
	{ "create add", "Creates overlay network NAME.",
	  create_opts, sizeof(struct create_arg), NULL, network_create },
	{ "update", "Changes network NAME: MTU, labels, subnets; running containers follow.",
	  update_opts, sizeof(struct update_arg), NULL, network_update },
	{ "rm remove del", "Removes network NAME; it must have no endpoints.",
	  name_opts, sizeof(const char *), NULL, network_rm },
	{ "ls list", "Lists the networks: name, VNI, MTU, egress, subnets, gateways, number of endpoints.",
	  ls_opts, sizeof(struct ls_arg), NULL, network_ls },
	{ "inspect show", "Prints network NAME (or ID, or the start of one) as JSON in the shape of docker network inspect: ID, created, IPAM, labels, options, every endpoint.",
	  name_opts, sizeof(const char *), NULL, network_inspect },
	{},
};
