/* SPDX-License-Identifier: GPL-2.0-only */
/* The cluster store: a small interface with one backend today (a JSON file,
 * locked while changed, written atomically) and etcd next.
 */
#ifndef VXNET_STORE_H
#define VXNET_STORE_H

#include "state.h"

struct vx_store;

struct vx_store_ops {
	int (*read)(struct vx_store *s, struct vx_state *st);
	/* Lock, read, call fn on the state, validate, write, unlock. fn prints
	 * its own one-line error and returns a negative errno to abort: then
	 * nothing is written.
	 */
	int (*update)(struct vx_store *s,
		      int (*fn)(struct vx_state *st, void *arg), void *arg);
	void (*close)(struct vx_store *s);
};

struct vx_store {
	const struct vx_store_ops *ops;
	char *location; /* file path, or endpoints for etcd */
};

/* url: "file:PATH", or a plain PATH. */
int store_open(const char *url, struct vx_store **out);

static inline int store_read(struct vx_store *s, struct vx_state *st)
{
	return s->ops->read(s, st);
}

static inline int store_update(struct vx_store *s,
			       int (*fn)(struct vx_state *st, void *arg),
			       void *arg)
{
	return s->ops->update(s, fn, arg);
}

static inline void store_close(struct vx_store *s)
{
	if (s)
		s->ops->close(s);
}

#endif
