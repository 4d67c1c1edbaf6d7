// SPDX-License-Identifier: GPL-2.0-only
/* vxnet nat ls: the egress translations in the pinned nat map, one line a
 * flow (its OUT entry), with the network's name from the state.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>

#include "cli.h"
#include "datapath.h"
#include "kvset.h"
#include "log.h"
#include "maps.h"

/* One OUT entry and what the table shows of it. */
struct flow {
	const struct vxnet_nat_key *k;
	const struct vxnet_nat *v;
	const char *network; /* NULL: no network has its VNI */
};

static const char *proto_name(__u8 proto, char *buf, size_t len)
{
	switch (proto) {
	case IPPROTO_TCP: return "tcp";
	case IPPROTO_UDP: return "udp";
	case IPPROTO_ICMP: return "icmp";
	}
	snprintf(buf, len, "%u", proto);
	return buf;
}

/* Protocol, network (name, then VNI), inside address and port, remote
 * address and port: the whole OUT key, so the order is total.
 */
static int flow_cmp(const void *a, const void *b)
{
	const struct flow *x = a, *y = b;
	int c = (x->k->proto > y->k->proto) - (x->k->proto < y->k->proto);

	if (!c)
		c = strcmp(x->network ?: "\x7f", y->network ?: "\x7f");
#define CMP(f) if (!c) c = (f(x->k) > f(y->k)) - (f(x->k) < f(y->k))
#define VNI(k) ((k)->vni)
#define ADDR(k) ntohl((k)->addr.be32)
#define PORT(k) ntohs((k)->port)
#define REMOTE(k) ntohl((k)->remote.be32)
#define RPORT(k) ntohs((k)->rport)
	CMP(VNI);
	CMP(ADDR);
	CMP(PORT);
	CMP(REMOTE);
	CMP(RPORT);
	return c;
}

static void addr_port(__be32 addr, __be16 port, int with_port, char *buf, size_t len)
{
	char a[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &addr, a, sizeof(a));
	if (with_port)
		snprintf(buf, len, "%s:%u", a, ntohs(port));
	else
		snprintf(buf, len, "%s", a);
}

/* The flow's IN entry (the answers' way back), NULL when it is not in the
 * map; *state: "yes", "no", or "other" when its key translates back to
 * another flow.
 */
static const struct vxnet_nat *in_entry(const struct kv_set *all, const struct flow *f,
					const char **state)
{
	struct vxnet_nat_key in = { .dir = VXNET_NAT_IN, .proto = f->k->proto, .addr = f->v->addr,
				    .remote = f->k->remote, .port = f->v->port, .rport = f->k->rport };
	ptrdiff_t i = kv_find(all, &in);
	const struct vxnet_nat *v = i < 0 ? NULL : kv_val(all, i);

	*state = "no";
	if (!v)
		return NULL;
	if (v->vni != f->k->vni || v->addr.be32 != f->k->addr.be32 || v->port != f->k->port) {
		*state = "other";
		return NULL;
	}
	*state = "yes";
	return v;
}

static const char *flags_text(__u16 flags, char *buf, size_t len)
{
	static const char *const names[] = { "closing", "replied", "published", "via" };
	size_t off = 0;

	buf[0] = '\0';
	for (unsigned int b = 0; b < sizeof(names) / sizeof(names[0]) && off < len; b++)
		if (flags & 1u << b)
			off += snprintf(buf + off, len - off, "%s%s", off ? "," : "", names[b]);
	return buf[0] ? buf : "-";
}

/* A flow's row: flags and last packet of both entries (the datapath marks
 * REPLIED, and times the answers, on the IN entry).
 */
static int flow_row(struct cli_table *t, const struct kv_set *all, const struct flow *f, __u64 now)
{
	int port = f->k->proto != IPPROTO_ICMP;
	char proto[8], net[VX_NAME_MAX], inside[24], outside[24], remote[24], age[24], flags[48];
	const char *state;
	const struct vxnet_nat *in = in_entry(all, f, &state);
	__u64 seen = f->v->last_seen;
	__u16 fl = f->v->flags;

	if (in) {
		seen = in->last_seen > seen ? in->last_seen : seen;
		fl |= in->flags;
	}

	if (f->network)
		snprintf(net, sizeof(net), "%s", f->network);
	else
		snprintf(net, sizeof(net), "vni:%u", f->k->vni); /* its network is gone */
	addr_port(f->k->addr.be32, f->k->port, 1, inside, sizeof(inside));
	addr_port(f->v->addr.be32, f->v->port, 1, outside, sizeof(outside));
	addr_port(f->k->remote.be32, f->k->rport, port, remote, sizeof(remote));
	snprintf(age, sizeof(age), "%llu",
		 (unsigned long long)(now > seen ? (now - seen) / 1000000000 : 0));
	return cli_table_row(t, proto_name(f->k->proto, proto, sizeof(proto)), net,
			     inside, outside, remote, age, flags_text(fl, flags, sizeof(flags)), state);
}

/* The OUT entries of all (of network, when not NULL), sorted; *n of them. */
static struct flow *out_flows(const struct kv_set *all, const struct vx_state *st,
			      const struct vx_network *network, size_t *n)
{
	struct flow *f = calloc(all->n + 1, sizeof(*f));

	*n = 0;
	for (size_t i = 0; f && i < all->n; i++) {
		const struct vxnet_nat_key *k = kv_key(all, i);
		const struct vx_network *net;

		if (k->dir != VXNET_NAT_OUT || (network && k->vni != network->vni))
			continue;
		net = state_find_network_vni(st, k->vni);
		f[(*n)++] = (struct flow){ .k = k, .v = kv_val(all, i), .network = net ? net->name : NULL };
	}
	if (f)
		qsort(f, *n, sizeof(*f), flow_cmp);
	return f;
}

/* The pinned nat map, whole, sorted by key; one error line on failure. */
static int read_nat(struct kv_set *all)
{
	const char *dir = vx_opts.pin_dir;
	struct vxnet_host host;
	int fd, err;

	if (dp_read_host(dir, &host))
		return -ENOENT;
	fd = dp_open_pin(dir, VXNET_PIN_NAT);
	if (fd < 0) {
		pr_err("nat ls: open %s/%s: %s", dir, VXNET_PIN_NAT, strerror(-fd));
		return fd;
	}
	kv_init(all, sizeof(struct vxnet_nat_key), sizeof(struct vxnet_nat));
	err = kv_dump(fd, all) ?: kv_sort(all);
	if (err)
		pr_err("nat ls: read %s/%s: %s", dir, VXNET_PIN_NAT, strerror(-err));
	close(fd);
	return err;
}

static int nat_ls(void *arg)
{
	const char *network = *(const char **)arg;
	const struct vx_network *net = NULL;
	struct cli_table t = {};
	struct flow *flows = NULL;
	struct kv_set all = {};
	struct timespec ts;
	struct vx_state st;
	size_t n = 0;
	int ret = 1;

	if (cli_read_state(&st))
		return 1;
	if (network && !(net = state_find_network(&st, network))) {
		pr_err("no such network %s", network);
		goto cleanup;
	}
	if (read_nat(&all))
		goto cleanup;
	clock_gettime(CLOCK_MONOTONIC, &ts); /* bpf_ktime_get_ns()'s clock */
	flows = out_flows(&all, &st, net, &n);
	if (!flows || cli_table_init(&t, 8, "PROTO", "NETWORK", "INSIDE", "OUTSIDE", "REMOTE",
				     "AGE", "FLAGS", "IN")) {
		pr_err("nat ls: out of memory");
		goto cleanup;
	}
	for (size_t i = 0; i < n; i++) {
		if (flow_row(&t, &all, &flows[i], ts.tv_sec * 1000000000ull + ts.tv_nsec)) {
			pr_err("nat ls: out of memory");
			goto cleanup;
		}
	}
	cli_table_print(&t, stdout);
	ret = 0;
cleanup:
	free(flows);
	kv_free(&all);
	cli_table_free(&t);
	state_free(&st);
	return ret;
}

static const struct cli_opt ls_opts[] = {
	{ "network", "N", CLI_STR, 0, "only the translations of network N" },
	{},
};

const struct cli_verb nat_verbs[] = {
	{ "ls list",
	  "Lists the egress translations of this host: protocol, network, inside address:port\n"
	  "(ICMP: echo id), outside (this host's address:NAT port), remote, seconds since the\n"
	  "last packet either way, flags of both entries (closing, replied, published, via),\n"
	  "whether the answers' entry (IN) is there.",
	  ls_opts, sizeof(const char *), NULL, nat_ls },
	{},
};
