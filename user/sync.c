// SPDX-License-Identifier: GPL-2.0-only
/* `vxnet sync`: make this host's maps equal to the state, writing only the
 * differences. The desired content of each map is computed in full first,
 * so a bad state changes nothing.
 */
#include <endian.h>
#include <errno.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>

#include "cli.h"
#include "datapath.h"
#include "log.h"

/* A map's desired content: entries of key_size + value_size bytes. */
struct kv_set {
	size_t n, cap, ksz, vsz;
	unsigned char *data;
};

static int kv_add(struct kv_set *s, const void *key, const void *val)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 64;
		void *p = realloc(s->data, cap * (s->ksz + s->vsz));

		if (!p)
			return -ENOMEM;
		s->data = p;
		s->cap = cap;
	}
	memcpy(s->data + s->n * (s->ksz + s->vsz), key, s->ksz);
	if (s->vsz)
		memcpy(s->data + s->n * (s->ksz + s->vsz) + s->ksz, val, s->vsz);
	s->n++;
	return 0;
}

static size_t cmp_ksz;
static int cmp_key(const void *a, const void *b)
{
	return memcmp(a, b, cmp_ksz);
}

/* memcmp's order for the keys of 4 and 8 bytes (all but none today), read
 * as big-endian numbers: no call per comparison.
 */
static int cmp_key4(const void *a, const void *b)
{
	uint32_t x, y;

	memcpy(&x, a, 4);
	memcpy(&y, b, 4);
	x = be32toh(x);
	y = be32toh(y);
	return (x > y) - (x < y);
}

static int cmp_key8(const void *a, const void *b)
{
	uint64_t x, y;

	memcpy(&x, a, 8);
	memcpy(&y, b, 8);
	x = be64toh(x);
	y = be64toh(y);
	return (x > y) - (x < y);
}

/* Sorts s by key and keeps one entry per key (the first added). */
static void kv_unique(struct kv_set *s)
{
	size_t esz = s->ksz + s->vsz, n = 0;

	if (!s->n)
		return;
	cmp_ksz = s->ksz;
	qsort(s->data, s->n, esz, s->ksz == 8 ? cmp_key8 : s->ksz == 4 ? cmp_key4 : cmp_key);
	for (size_t i = 1; i < s->n; i++) {
		if (memcmp(s->data + n * esz, s->data + i * esz, s->ksz))
			memmove(s->data + ++n * esz, s->data + i * esz, esz);
	}
	s->n = n + 1;
}

/* Reads the whole map into cur, a batch of entries per system call. */
static int kv_dump(int fd, struct kv_set *cur)
{
	const __u32 batch = 8192;
	unsigned char *keys, *vals, token[8];
	int err = 0, done = 0, first = 1;

	keys = malloc((size_t)batch * cur->ksz);
	vals = malloc((size_t)batch * cur->vsz);
	while (keys && vals && !err && !done) {
		__u32 count = batch;

		if (bpf_map_lookup_batch(fd, first ? NULL : token, token, keys, vals, &count, NULL)) {
			if (errno != ENOENT) /* ENOENT: this was the last batch */
				err = -errno;
			done = 1;
		}
		first = 0;
		for (__u32 i = 0; i < count && !err; i++)
			err = kv_add(cur, keys + i * cur->ksz, vals + i * cur->vsz);
	}
	if (!keys || !vals)
		err = -ENOMEM;
	free(keys);
	free(vals);
	return err;
}

/* Makes the map hold exactly want: reads it, compares in memory, then deletes
 * and writes only the differences, each as one batch.
 */
static int kv_apply(int fd, struct kv_set *want, struct dp_sync_result *res)
{
	struct kv_set cur = { .ksz = want->ksz, .vsz = want->vsz };
	struct kv_set del = { .ksz = want->ksz }, upd = { .ksz = want->ksz, .vsz = want->vsz };
	size_t esz = want->ksz + want->vsz, i = 0, j = 0;
	unsigned char *keys = NULL, *vals = NULL;
	int err;

	err = kv_dump(fd, &cur);
	kv_unique(want);
	kv_unique(&cur);
	while (!err && (i < want->n || j < cur.n)) {
		unsigned char *w = want->data + i * esz, *c = cur.data + j * esz;
		int d = i == want->n ? 1 : j == cur.n ? -1 : memcmp(w, c, want->ksz);

		if (d > 0) {
			err = kv_add(&del, c, NULL);
			j++;
			continue;
		}
		if (d < 0)
			res->added++;
		else if (memcmp(w + want->ksz, c + want->ksz, want->vsz))
			res->changed++;
		if (d < 0 || memcmp(w + want->ksz, c + want->ksz, want->vsz))
			err = kv_add(&upd, w, w + want->ksz);
		i++;
		j += d == 0;
	}
	if (!err && del.n) {
		__u32 count = del.n;

		/* ENOENT: another writer (an agent) removed a key meanwhile; the
		 * batch stops there, so delete the rest one by one.
		 */
		if (bpf_map_delete_batch(fd, del.data, &count, NULL) && errno != ENOENT)
			err = -errno;
		res->removed += count;
		for (size_t k = count + 1; !err && k < del.n; k++) {
			if (!bpf_map_delete_elem(fd, del.data + k * del.ksz))
				res->removed++;
			else if (errno != ENOENT)
				err = -errno;
		}
	}
	if (!err && upd.n) {
		__u32 count = upd.n;

		keys = malloc(upd.n * upd.ksz);
		vals = malloc(upd.n * upd.vsz);
		if (!keys || !vals)
			err = -ENOMEM;
		for (size_t k = 0; !err && k < upd.n; k++) {
			memcpy(keys + k * upd.ksz, upd.data + k * esz, upd.ksz);
			memcpy(vals + k * upd.vsz, upd.data + k * esz + upd.ksz, upd.vsz);
		}
		if (!err && bpf_map_update_batch(fd, keys, vals, &count, NULL))
			err = -errno;
	}
	free(keys);
	free(vals);
	free(cur.data);
	free(del.data);
	free(upd.data);
	return err;
}

/* dp_endpoint_entry with the endpoint's network n and node already found. */
static int endpoint_entry(const struct vx_network *n, const struct vx_node *node,
			  const struct vxnet_host *host, const struct vx_endpoint *ep,
			  struct vxnet_ep_key *k, struct vxnet_endpoint *e,
			  struct vxnet_node_vni *nv, __u32 *ifindex, struct vxnet_iface *f)
{
	const struct vx_subnet *sn;

	if (!n || !node)
		return -ENOENT;
	sn = network_subnet_of(n, ep->ip);
	*k = (struct vxnet_ep_key){ .vni = n->vni, .ip = ep->ip };
	*e = (struct vxnet_endpoint){ .node = node->addr, .gateway = sn ? sn->gateway : 0 };
	*nv = (struct vxnet_node_vni){ .node = node->addr, .vni = n->vni };
	memcpy(e->mac, ep->mac, 6);
	if (strcmp(ep->node, host->node) || !ep->host_ifname[0])
		return 0;
	*f = (struct vxnet_iface){ .vni = n->vni, .ip = ep->ip, .gateway = e->gateway,
				   .mtu = dp_network_mtu(n, host) };
	memcpy(f->mac, ep->mac, 6);
	e->ifindex = *ifindex = if_nametoindex(ep->host_ifname);
	if (!e->ifindex)
		return -ENODEV;
	e->flags = VXNET_EP_LOCAL;
	return 1;
}

int dp_endpoint_entry(const struct vx_state *st, const struct vxnet_host *host,
		      const struct vx_endpoint *ep, struct vxnet_ep_key *k,
		      struct vxnet_endpoint *e, struct vxnet_node_vni *nv,
		      __u32 *ifindex, struct vxnet_iface *f)
{
	return endpoint_entry(state_find_network(st, ep->network), state_find_node(st, ep->node),
			      host, ep, k, e, nv, ifindex, f);
}

/* Desired maps for this host. */
struct desired {
	struct kv_set endpoints, ifaces, nodes, networks, node_vnis;
};

static int build_desired(const struct vx_state *st, const struct vxnet_host *host,
			 struct desired *d)
{
	struct vx_state_index *ix;
	int err = 0;

	d->endpoints = (struct kv_set){ .ksz = sizeof(struct vxnet_ep_key), .vsz = sizeof(struct vxnet_endpoint) };
	d->ifaces = (struct kv_set){ .ksz = sizeof(__u32), .vsz = sizeof(struct vxnet_iface) };
	d->nodes = (struct kv_set){ .ksz = sizeof(__be32), .vsz = sizeof(struct vxnet_node) };
	d->networks = (struct kv_set){ .ksz = sizeof(__u32), .vsz = sizeof(struct vxnet_network) };
	d->node_vnis = (struct kv_set){ .ksz = sizeof(struct vxnet_node_vni), .vsz = sizeof(struct vxnet_node) };
	ix = state_index_new(st);
	if (!ix)
		return -ENOMEM;

	for (size_t i = 0; i < st->nnodes && !err; i++) {
		struct vxnet_node v = {};

		err = kv_add(&d->nodes, &st->nodes[i].addr, &v);
	}
	for (size_t i = 0; i < st->nnetworks && !err; i++) {
		const struct vx_network *n = &st->networks[i];
		struct vxnet_network v = { .mtu = dp_network_mtu(n, host) };

		err = kv_add(&d->networks, &n->vni, &v);
		for (int j = 0; j < n->nsubnets && !err; j++) {
			struct vxnet_ep_key k = { .vni = n->vni, .ip = n->subnets[j].gateway };
			struct vxnet_endpoint e = { .flags = VXNET_EP_GATEWAY, .gateway = k.ip };

			default_mac(k.ip, e.mac);
			err = kv_add(&d->endpoints, &k, &e);
		}
	}
	for (size_t i = 0; i < st->nendpoints && !err; i++) {
		const struct vx_endpoint *ep = &st->endpoints[i];
		struct vxnet_ep_key k;
		struct vxnet_endpoint e;
		struct vxnet_iface f;
		struct vxnet_node_vni nv;
		struct vxnet_node nv_val = {};
		__u32 ifindex;
		int r;

		r = endpoint_entry(state_index_network(ix, ep->network),
				   state_index_node(ix, ep->node), host, ep, &k, &e, &nv,
				   &ifindex, &f);
		if (r == -ENOENT)
			continue; /* dangling reference: state_validate rejects it */
		/* The host may send VXLAN in this VNI (deduplicated below). */
		err = kv_add(&d->node_vnis, &nv, &nv_val);
		if (err)
			break;
		if (r == -ENODEV) {
			pr_warn("endpoint %s: interface %s is missing; not forwarding to it",
				ep->name, ep->host_ifname);
			continue;
		}
		if (r == 1)
			err = kv_add(&d->ifaces, &ifindex, &f);
		if (!err)
			err = kv_add(&d->endpoints, &k, &e);
	}
	kv_unique(&d->node_vnis);
	state_index_free(ix);
	return err;
}

int dp_sync(const struct vx_state *st, const char *dir, struct dp_sync_result *res)
{
	static const char *const names[] = { VXNET_PIN_NODES, VXNET_PIN_NETWORKS,
					     VXNET_PIN_NODE_VNIS, VXNET_PIN_IFACES,
					     VXNET_PIN_ENDPOINTS };
	struct desired d = {};
	struct vxnet_host host;
	struct kv_set *sets[] = { &d.nodes, &d.networks, &d.node_vnis, &d.ifaces, &d.endpoints };
	int fds[] = { -1, -1, -1, -1, -1 };
	const int nsets = sizeof(sets) / sizeof(sets[0]);
	int err;

	*res = (struct dp_sync_result){};
	err = dp_read_host(dir, &host);
	if (err)
		return err;
	err = build_desired(st, &host, &d);
	if (err) {
		pr_err("sync: %s", strerror(-err));
		goto cleanup;
	}
	for (int i = 0; i < nsets; i++) {
		fds[i] = dp_open_pin(dir, names[i]);
		if (fds[i] < 0) {
			err = fds[i];
			pr_err("open %s/%s: %s", dir, names[i], strerror(-err));
			goto cleanup;
		}
	}
	/* Order: what others point at first, so no entry refers to a missing one. */
	for (int i = 0; i < nsets; i++) {
		err = kv_apply(fds[i], sets[i], res);
		if (err) {
			pr_err("sync: write %s/%s: %s", dir, names[i], strerror(-err));
			goto cleanup;
		}
	}
cleanup:
	for (int i = 0; i < nsets; i++) {
		if (fds[i] >= 0)
			close(fds[i]);
		free(sets[i]->data);
	}
	return err;
}

int cmd_sync(int argc, char **argv)
{
	struct dp_sync_result res;
	struct vx_store *store = NULL;
	struct vx_state st;
	int err;

	if (argc > 1) {
		pr_err("sync: unexpected argument '%s'; usage: vxnet sync", argv[1]);
		return 2;
	}
	state_init(&st);
	err = cli_open_store(&store);
	if (!err)
		err = store_read(store, &st);
	if (!err)
		err = dp_sync(&st, vx_opts.pin_dir, &res);
	if (!err)
		pr_info("synced: %u added, %u changed, %u removed", res.added, res.changed, res.removed);
	state_free(&st);
	store_close(store);
	return err ? 1 : 0;
}
