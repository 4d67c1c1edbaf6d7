// SPDX-License-Identifier: GPL-2.0-only
/* Opening a store by its URL (store.h), and what the backends share. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "store.h"

int store_open(const char *url, struct vx_store **out)
{
	*out = NULL;
	if (!strncmp(url, "etcd://", 7))
		return store_etcd_open(url, out);
	if (strncmp(url, "file:", 5) && (strstr(url, "://") || !strncmp(url, "etcd:", 5))) {
		pr_err("store %s: unsupported store type (use file:PATH or etcd://HOST:PORT[,HOST:PORT...])", url);
		return -EPROTONOSUPPORT;
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
