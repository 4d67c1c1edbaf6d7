// SPDX-License-Identifier: GPL-2.0-only
/* What each record of the state puts into this host's maps (emit.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "datapath.h"
#include "emit.h"
#include "log.h"
#include "maglev.h"

void emit_init(struct emit_ctx *c, const struct vx_state *st, const struct vxnet_host *host)
{
	*c = (struct emit_ctx){ .st = st, .host = host, .default_mtu = dp_default_mtu(host) };
	for (int m = 0; m < DP_MAP_NSYNCED; m++)
		kv_init(&c->out[m], dp_maps[m].key_size, dp_maps[m].value_size);
}

void emit_free(struct emit_ctx *c)
{
	for (int m = 0; m < DP_MAP_NSYNCED; m++)
		kv_free(&c->out[m]);
}

static const struct vx_node *find_node(const struct emit_ctx *c, const char *name)
{
	return c->ix ? state_index_node(c->ix, name) : state_find_node(c->st, name);
}

static const struct vx_network *find_network(const struct emit_ctx *c, const char *name)
{
	return c->ix ? state_index_network(c->ix, name) : state_find_network(c->st, name);
}

int emit_node(struct emit_ctx *c, const struct vx_node *n)
{
	struct vxnet_node v = {};

	return kv_add(&c->out[DP_MAP_NODES], &n->addr, &v);
}

/* Its subnets (the LPM key of one: 32 bits of VNI, then the prefix; the
 * address with its host bits zero, as state_validate wants them) and their
 * gateways' endpoints entries.
 */
static int emit_subnet(struct emit_ctx *c, const struct vx_network *n, const struct vx_subnet *sn)
{
	struct vxnet_subnet_key sk = { .prefixlen = 32 + sn->prefix, .vni = n->vni,
				       .addr.be32 = sn->addr & prefix_mask(sn->prefix) };
	struct vxnet_subnet sv = { .gateway.be32 = sn->gateway };
	struct vxnet_ep_key k = { .vni = n->vni, .ip.be32 = sn->gateway };
	struct vxnet_endpoint e = { .flags = VXNET_EP_GATEWAY, .gateway = k.ip };

	default_mac(k.ip.be32, e.mac);
	return kv_add(&c->out[DP_MAP_SUBNETS], &sk, &sv) ?:
	       kv_add(&c->out[DP_MAP_ENDPOINTS], &k, &e);
}

int emit_network(struct emit_ctx *c, const struct vx_network *n)
{
	struct vxnet_network v = { .mtu = dp_network_mtu(n, c->default_mtu),
				   .flags = n->no_egress ? VXNET_NET_NO_EGRESS : 0 };
	int err = kv_add(&c->out[DP_MAP_NETWORKS], &n->vni, &v);

	for (int i = 0; i < n->nsubnets && !err; i++)
		err = emit_subnet(c, n, &n->subnets[i]);
	return err;
}

static __u32 local_ifindex(const struct emit_ctx *c, const struct vx_endpoint *ep,
			   const struct vxnet_ep_key *k)
{
	if (c->ifindex)
		return c->ifindex(c, ep, k);
	return if_nametoindex(ep->host_ifname);
}

/* Whether host_ifname is the veth vxnet makes for this endpoint: "vx" and
 * the crc32 of its name (attach.c). Anything else, say another endpoint's
 * veth written into a record by hand, is not forwarded to.
 */
static int own_veth(const struct vx_endpoint *ep)
{
	char want[IFNAMSIZ];

	snprintf(want, sizeof(want), "vx%08lx", crc32(0, (const unsigned char *)ep->name, strlen(ep->name)));
	return !strcmp(ep->host_ifname, want);
}

/* published[{VNI, IP, proto, port}] = host port, for each port it publishes. */
static int emit_published(struct emit_ctx *c, const struct vx_endpoint *ep,
			  const struct vx_network *n)
{
	int err = 0;

	for (int i = 0; i < ep->npublish && !err; i++) {
		const struct vx_publish *p = &ep->publish[i];
		struct vxnet_published_key k = { .vni = n->vni, .ip.be32 = ep->ip,
						 .proto = p->proto, .port = htons(p->port) };
		struct vxnet_published v = { .hostport = htons(p->host_port) };

		err = kv_add(&c->out[DP_MAP_PUBLISHED], &k, &v);
	}
	return err;
}

int emit_endpoint(struct emit_ctx *c, const struct vx_endpoint *ep)
{
	const struct vx_network *n = find_network(c, ep->network);
	const struct vx_node *node = find_node(c, ep->node);
	const struct vx_subnet *sn;
	struct vxnet_node_vni nv;
	struct vxnet_node nv_val = {};
	struct vxnet_ep_key k;
	struct vxnet_endpoint e;
	struct vxnet_iface f;
	int err;

	if (!n || !node)
		return 0; /* a dangling reference: state_validate rejects it */
	sn = network_subnet_of(n, ep->ip);
	k = (struct vxnet_ep_key){ .vni = n->vni, .ip.be32 = ep->ip };
	e = (struct vxnet_endpoint){ .node.be32 = node->addr,
				     .gateway.be32 = sn ? sn->gateway : 0 };
	memcpy(e.mac, ep->mac, 6);
	/* The host may send VXLAN in this VNI. */
	nv = (struct vxnet_node_vni){ .node.be32 = node->addr, .vni = n->vni };
	err = kv_add(&c->out[DP_MAP_NODE_VNIS], &nv, &nv_val) ?: emit_published(c, ep, n);
	if (err || strcmp(ep->node, c->host->node) || !ep->host_ifname[0])
		return err ?: kv_add(&c->out[DP_MAP_ENDPOINTS], &k, &e);

	if (!own_veth(ep)) {
		if (!c->quiet)
			pr_warn("endpoint %s: interface %s is not the veth vxnet made for it; not forwarding to it",
				ep->name, ep->host_ifname);
		return 0;
	}
	e.ifindex = local_ifindex(c, ep, &k);
	if (!e.ifindex) {
		if (!c->quiet)
			pr_warn("endpoint %s: interface %s is missing; not forwarding to it",
				ep->name, ep->host_ifname);
		return 0;
	}
	e.flags = VXNET_EP_LOCAL;
	f = (struct vxnet_iface){ .vni = n->vni, .ip.be32 = ep->ip, .gateway = e.gateway,
				  .mtu = dp_network_mtu(n, c->default_mtu) };
	memcpy(f.mac, ep->mac, 6);
	return kv_add(&c->out[DP_MAP_IFACES], &e.ifindex, &f) ?:
	       kv_add(&c->out[DP_MAP_ENDPOINTS], &k, &e);
}

/* The endpoints that depend on a node's or a network's record. */
static int emit_dependents(struct emit_ctx *c, enum vx_rec_kind kind, const char *name)
{
	int err = 0;

	for (size_t i = 0; i < c->st->nendpoints && !err; i++) {
		const struct vx_endpoint *ep = &c->st->endpoints[i];

		if (!strcmp(kind == VX_REC_NODE ? ep->node : ep->network, name))
			err = emit_endpoint(c, ep);
	}
	return err;
}

int emit_record(struct emit_ctx *c, enum vx_rec_kind kind, const char *name)
{
	const struct vx_endpoint *ep;
	const struct vx_network *n;
	const struct vx_node *node;

	switch (kind) {
	case VX_REC_NODE:
		node = state_find_node(c->st, name);
		return node ? emit_node(c, node) ?: emit_dependents(c, kind, name) : 0;
	case VX_REC_NETWORK:
		n = state_find_network(c->st, name);
		return n ? emit_network(c, n) ?: emit_dependents(c, kind, name) : 0;
	case VX_REC_ENDPOINT:
		ep = state_find_endpoint(c->st, name);
		return ep ? emit_endpoint(c, ep) : 0;
	}
	return 0;
}

/* ---- services: published ports and their Maglev tables ---- */

/* One backend of a service: an endpoint publishing its host port. */
struct svc_member {
	struct vxnet_service_key key;
	const struct vx_endpoint *ep;
	const struct vx_publish *p;
	const struct vx_network *n;
	const struct vx_node *node;
};

/* By service, then by endpoint name: Maglev's input order. */
static int member_cmp(const void *a, const void *b)
{
	const struct svc_member *x = a, *y = b;
	int c = memcmp(&x->key, &y->key, sizeof(x->key));

	return c ? c : strcmp(x->ep->name, y->ep->name);
}

static struct vxnet_service_key service_key(const struct vx_publish *p)
{
	return (struct vxnet_service_key){ .proto = p->proto, .port = htons(p->host_port) };
}

/* m[0..n-1], one service's backends sorted by name: services[key] = n and
 * the backend of every slot.
 */
static int emit_table(struct emit_ctx *c, const struct svc_member *m, size_t n)
{
	struct vxnet_service sv = { .backends = n };
	uint32_t table[MAGLEV_M];
	const char **names;
	int err;

	names = malloc(n * sizeof(*names));
	if (!names)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		names[i] = m[i].ep->name;
	err = maglev_fill(names, n, table);
	free(names);
	for (uint32_t s = 0; s < MAGLEV_M && !err; s++) {
		const struct svc_member *b = &m[table[s]];
		struct vxnet_backend_key k = { .proto = m->key.proto, .port = m->key.port, .slot = s };
		struct vxnet_backend v = { .vni = b->n->vni, .ip.be32 = b->ep->ip,
					   .port = htons(b->p->port), .node.be32 = b->node->addr };

		err = kv_add(&c->out[DP_MAP_BACKENDS], &k, &v);
	}
	return err ?: kv_add(&c->out[DP_MAP_SERVICES], &m->key, &sv);
}

/* Appends to *m the publications of ep (of service key only, when not
 * NULL) whose network and node exist.
 */
static int add_members(struct emit_ctx *c, const struct vx_endpoint *ep,
		       const struct vxnet_service_key *key, struct svc_member **m, size_t *n,
		       size_t *cap)
{
	const struct vx_network *net;
	const struct vx_node *node;

	if (!ep->npublish || !(net = find_network(c, ep->network)) || !(node = find_node(c, ep->node)))
		return 0;
	for (int i = 0; i < ep->npublish; i++) {
		struct vxnet_service_key k = service_key(&ep->publish[i]);

		if (key && memcmp(&k, key, sizeof(k)))
			continue;
		if (*n == *cap) {
			size_t want = *cap ? 2 * *cap : 16;
			struct svc_member *p = realloc(*m, want * sizeof(*p));

			if (!p)
				return -ENOMEM;
			*m = p;
			*cap = want;
		}
		(*m)[(*n)++] = (struct svc_member){ .key = k, .ep = ep, .p = &ep->publish[i],
						    .n = net, .node = node };
	}
	return 0;
}

/* The tables of the services in m[0..n-1], sorted by member_cmp. */
static int emit_tables(struct emit_ctx *c, struct svc_member *m, size_t n)
{
	int err = 0;

	for (size_t i = 0, j; i < n && !err; i = j) {
		for (j = i + 1; j < n && !memcmp(&m[j].key, &m[i].key, sizeof(m->key)); j++)
			;
		err = emit_table(c, m + i, j - i);
	}
	return err;
}

int emit_services(struct emit_ctx *c, const struct kv_set *svc)
{
	struct svc_member *m = NULL;
	size_t n = 0, cap = 0;
	int err = 0;

	for (size_t k = 0; k < svc->n && !err; k++) {
		size_t first = n;

		for (size_t i = 0; i < c->st->nendpoints && !err; i++)
			err = add_members(c, &c->st->endpoints[i], kv_key(svc, k), &m, &n, &cap);
		if (!err && n > first) {
			qsort(m + first, n - first, sizeof(*m), member_cmp);
			err = emit_table(c, m + first, n - first);
		}
	}
	free(m);
	return err;
}

int emit_endpoint_services(const struct vx_endpoint *ep, struct kv_set *svc)
{
	int err = 0;

	for (int i = 0; i < ep->npublish && !err; i++) {
		struct vxnet_service_key k = service_key(&ep->publish[i]);

		err = kv_add(svc, &k, NULL);
	}
	return err;
}

int emit_record_services(const struct vx_state *st, enum vx_rec_kind kind, const char *name,
			 struct kv_set *svc)
{
	int err = 0;

	for (size_t i = 0; i < st->nendpoints && !err; i++) {
		const struct vx_endpoint *ep = &st->endpoints[i];
		const char *ref = kind == VX_REC_NODE ? ep->node :
				  kind == VX_REC_NETWORK ? ep->network : ep->name;

		if (!strcmp(ref, name))
			err = emit_endpoint_services(ep, svc);
	}
	return err;
}

/* Every service of the state: the publications sorted once. */
static int emit_all_services(struct emit_ctx *c)
{
	struct svc_member *m = NULL;
	size_t n = 0, cap = 0;
	int err = 0;

	for (size_t i = 0; i < c->st->nendpoints && !err; i++)
		err = add_members(c, &c->st->endpoints[i], NULL, &m, &n, &cap);
	if (!err) {
		qsort(m, n, sizeof(*m), member_cmp);
		err = emit_tables(c, m, n);
	}
	free(m);
	return err;
}

int emit_all(struct emit_ctx *c)
{
	int err = 0;

	c->ix = state_index_new(c->st);
	if (!c->ix)
		return -ENOMEM;
	for (size_t i = 0; i < c->st->nnodes && !err; i++)
		err = emit_node(c, &c->st->nodes[i]);
	for (size_t i = 0; i < c->st->nnetworks && !err; i++)
		err = emit_network(c, &c->st->networks[i]);
	for (size_t i = 0; i < c->st->nendpoints && !err; i++)
		err = emit_endpoint(c, &c->st->endpoints[i]);
	err = err ?: emit_all_services(c);
	state_index_free(c->ix);
	c->ix = NULL;
	return err;
}
