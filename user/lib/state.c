// SPDX-License-Identifier: GPL-2.0-only
/* The cluster state model (state.h): records, lookups, appends, removals. */
#include <errno.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "state.h"

void state_init(struct vx_state *st)
{
	memset(st, 0, sizeof(*st));
}

void state_free(struct vx_state *st)
{
	free(st->nodes);
	free(st->networks);
	free(st->endpoints);
	state_init(st);
}

struct vx_node *state_find_node(const struct vx_state *st, const char *name)
{
	for (size_t i = 0; i < st->nnodes; i++)
		if (!strcmp(st->nodes[i].name, name))
			return &st->nodes[i];
	return NULL;
}

struct vx_network *state_find_network(const struct vx_state *st, const char *name)
{
	for (size_t i = 0; i < st->nnetworks; i++)
		if (!strcmp(st->networks[i].name, name))
			return &st->networks[i];
	return NULL;
}

struct vx_network *state_find_network_vni(const struct vx_state *st, uint32_t vni)
{
	for (size_t i = 0; i < st->nnetworks; i++)
		if (st->networks[i].vni == vni)
			return &st->networks[i];
	return NULL;
}

struct vx_endpoint *state_find_endpoint(const struct vx_state *st, const char *name)
{
	for (size_t i = 0; i < st->nendpoints; i++)
		if (!strcmp(st->endpoints[i].name, name))
			return &st->endpoints[i];
	return NULL;
}

struct vx_endpoint *state_find_endpoint_ip(const struct vx_state *st, const char *network, uint32_t ip)
{
	for (size_t i = 0; i < st->nendpoints; i++)
		if (st->endpoints[i].ip == ip && !strcmp(st->endpoints[i].network, network))
			return &st->endpoints[i];
	return NULL;
}

size_t state_count_endpoints(const struct vx_state *st, const char *network, const char *node)
{
	size_t n = 0;

	for (size_t i = 0; i < st->nendpoints; i++) {
		if (network && strcmp(st->endpoints[i].network, network))
			continue;
		if (node && strcmp(st->endpoints[i].node, node))
			continue;
		n++;
	}
	return n;
}

/* Grow *arr (of elements sz bytes) to hold one more; NULL on ENOMEM. */
static void *grow(void **arr, size_t *len, size_t *cap, size_t sz)
{
	if (*len == *cap) {
		size_t ncap = *cap ? *cap * 2 : 8;
		void *p = realloc(*arr, ncap * sz);

		if (!p)
			return NULL;
		*arr = p;
		*cap = ncap;
	}
	return (char *)*arr + (*len)++ * sz;
}

static void remove_at(void *arr, size_t *len, size_t idx, size_t sz)
{
	char *a = arr;

	memmove(a + idx * sz, a + (idx + 1) * sz, (*len - idx - 1) * sz);
	(*len)--;
}

struct vx_node *state_add_node(struct vx_state *st, const struct vx_node *n)
{
	struct vx_node *p = grow((void **)&st->nodes, &st->nnodes, &st->cap_nodes, sizeof(*n));

	if (p)
		*p = *n;
	return p;
}

struct vx_network *state_add_network(struct vx_state *st, const struct vx_network *n)
{
	struct vx_network *p = grow((void **)&st->networks, &st->nnetworks, &st->cap_networks, sizeof(*n));

	if (p)
		*p = *n;
	return p;
}

struct vx_endpoint *state_add_endpoint(struct vx_state *st, const struct vx_endpoint *e)
{
	struct vx_endpoint *p = grow((void **)&st->endpoints, &st->nendpoints, &st->cap_endpoints, sizeof(*e));

	if (p)
		*p = *e;
	return p;
}

void state_del_node(struct vx_state *st, struct vx_node *n)
{
	remove_at(st->nodes, &st->nnodes, n - st->nodes, sizeof(*n));
}

void state_del_network(struct vx_state *st, struct vx_network *n)
{
	remove_at(st->networks, &st->nnetworks, n - st->networks, sizeof(*n));
}

void state_del_endpoint(struct vx_state *st, struct vx_endpoint *e)
{
	remove_at(st->endpoints, &st->nendpoints, e - st->endpoints, sizeof(*e));
}

/* The array of one kind of record, for the functions that take any kind. */
struct rec_array {
	void **recs;
	size_t *len, *cap;
	size_t size;
};

/* Records are found by their name, their first member. */
_Static_assert(offsetof(struct vx_node, name) == 0, "name first");
_Static_assert(offsetof(struct vx_network, name) == 0, "name first");
_Static_assert(offsetof(struct vx_endpoint, name) == 0, "name first");

static int rec_array(struct vx_state *st, enum vx_rec_kind kind, struct rec_array *a)
{
	switch (kind) {
	case VX_REC_NODE:
		*a = (struct rec_array){ (void **)&st->nodes, &st->nnodes, &st->cap_nodes,
					 sizeof(*st->nodes) };
		return 0;
	case VX_REC_NETWORK:
		*a = (struct rec_array){ (void **)&st->networks, &st->nnetworks, &st->cap_networks,
					 sizeof(*st->networks) };
		return 0;
	case VX_REC_ENDPOINT:
		*a = (struct rec_array){ (void **)&st->endpoints, &st->nendpoints, &st->cap_endpoints,
					 sizeof(*st->endpoints) };
		return 0;
	}
	return -EINVAL;
}

/* The first record called name, as state_find_* find it, or NULL. */
static void *rec_find(const struct rec_array *a, const char *name)
{
	char *recs = *a->recs;

	for (size_t i = 0; i < *a->len; i++)
		if (!strcmp(recs + i * a->size, name))
			return recs + i * a->size;
	return NULL;
}

int state_apply(struct vx_state *st, enum vx_rec_kind kind, const char *name, const void *rec)
{
	struct rec_array a;
	char *p;
	int err;

	err = rec_array(st, kind, &a);
	if (err)
		return err;
	p = rec_find(&a, name);
	if (!rec) {
		if (p)
			remove_at(*a.recs, a.len, (p - (char *)*a.recs) / a.size, a.size);
		return 0;
	}
	if (!p)
		p = grow(a.recs, a.len, a.cap, a.size);
	if (!p)
		return -ENOMEM;
	memmove(p, rec, a.size);
	return 0;
}

const char *publish_proto(uint8_t proto)
{
	return proto == IPPROTO_TCP ? "tcp" : proto == IPPROTO_UDP ? "udp" : "?";
}

int publish_proto_of(const char *name)
{
	return !strcmp(name, "tcp") ? IPPROTO_TCP : !strcmp(name, "udp") ? IPPROTO_UDP : -1;
}

/* A port: 1 to 5 digits; -EINVAL when malformed, -ERANGE outside 1..65535. */
static int parse_port(const char *s, size_t len, uint16_t *port)
{
	unsigned long v = 0;

	if (!len || len > 5)
		return len ? -ERANGE : -EINVAL;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		v = v * 10 + (s[i] - '0');
	}
	if (v < 1 || v > 65535)
		return -ERANGE;
	*port = v;
	return 0;
}

int parse_publish(const char *s, struct vx_publish *p)
{
	const char *slash = strchr(s, '/'), *colon = strchr(s, ':');
	size_t end = slash ? (size_t)(slash - s) : strlen(s);
	int proto = IPPROTO_TCP, err;

	for (size_t i = 0; i < end; i++) /* digits and at most one colon */
		if ((s[i] < '0' || s[i] > '9') && s[i] != ':')
			return -EINVAL;
	if (slash && (proto = publish_proto_of(slash + 1)) < 0)
		return -EINVAL;
	if (colon && (colon > s + end || strchr(colon + 1, ':')))
		return -EINVAL;
	*p = (struct vx_publish){ .proto = proto };
	if (!colon) {
		err = parse_port(s, end, &p->port);
		p->host_port = p->port;
		return err;
	}
	err = parse_port(s, colon - s, &p->host_port);
	if (err == -EINVAL)
		return err;
	return parse_port(colon + 1, s + end - colon - 1, &p->port) ?: err;
}

void format_publish(const struct vx_publish *p, char buf[24])
{
	snprintf(buf, 24, "%u:%u/%s", p->host_port, p->port, publish_proto(p->proto));
}
