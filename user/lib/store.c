// SPDX-License-Identifier: GPL-2.0-only
/* Opening a store by its URL (store.h), and what the backends share. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "store.h"

/* The first etcd-only option set, for the error about a file store. */
static const char *etcd_option(const struct vx_store_opts *o)
{
	return o->ca ? "--store-ca" : o->cert ? "--store-cert" : o->key ? "--store-key" :
	       o->user ? "--store-user" : o->password_file ? "--store-password-file" : NULL;
}

int store_open(const char *url, const struct vx_store_opts *o, struct vx_store **out)
{
	static const struct vx_store_opts none;

	*out = NULL;
	if (!o)
		o = &none;
	if (!strncmp(url, "etcd://", 7) || !strncmp(url, "etcds://", 8))
		return store_etcd_open(url, o, out);
	if (strncmp(url, "file:", 5) && (strstr(url, "://") || !strncmp(url, "etcd:", 5) ||
					 !strncmp(url, "etcds:", 6))) {
		pr_err("store %s: unsupported store type (use file:PATH, etcd://HOST:PORT[,HOST:PORT...] or etcds://...)", url);
		return -EPROTONOSUPPORT;
	}
	if (etcd_option(o)) {
		pr_err("store %s: %s is for etcd stores only (etcds://...)", url, etcd_option(o));
		return -EINVAL;
	}
	return store_file_open(url, out);
}

struct vx_store_event *store_event_add(struct vx_store_events *b)
{
	if (b->n == b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 16;
		void *p = realloc(b->v, cap * sizeof(*b->v));

		if (!p)
			return NULL;
		b->v = p;
		b->cap = cap;
	}
	memset(&b->v[b->n], 0, sizeof(b->v[0]));
	return &b->v[b->n++];
}

int store_event_diff(void *arg, enum vx_rec_kind kind, const char *name, const char *json,
		     const void *rec)
{
	static const size_t size[] = {
		[VX_REC_NODE] = sizeof(struct vx_node),
		[VX_REC_NETWORK] = sizeof(struct vx_network),
		[VX_REC_ENDPOINT] = sizeof(struct vx_endpoint),
	};
	struct vx_store_event *ev = store_event_add(arg);

	if (!ev)
		return -ENOMEM;
	ev->kind = kind;
	snprintf(ev->name, sizeof(ev->name), "%s", name);
	ev->deleted = !rec;
	if (rec)
		memcpy(&ev->rec, rec, size[kind]);
	return 0;
}
