/* SPDX-License-Identifier: GPL-2.0-only */
/* The cluster store: a small interface with two backends, a JSON file
 * (locked while changed, written atomically, watched through inotify;
 * store_file.c) and etcd (one key per record under /vxnet/, changes in one
 * transaction; store_etcd.c). store.c picks one by the URL.
 */
#ifndef VXNET_STORE_H
#define VXNET_STORE_H

#include <stdint.h>

#include "state.h"

struct vx_store;

/* One change seen by a watch: a record put (rec holds it) or deleted. */
struct vx_store_event {
	int64_t revision;
	int deleted;
	enum vx_rec_kind kind;
	char name[VX_NAME_MAX];
	union {
		struct vx_node node;
		struct vx_network network;
		struct vx_endpoint endpoint;
	} rec;
};

/* Gets the events of one store revision (one transaction) at a time;
 * returns 0 to go on.
 */
typedef int (*vx_watch_fn)(void *arg, const struct vx_store_event *ev, size_t n);

struct vx_store_ops {
	int (*read)(struct vx_store *s, struct vx_state *st);
	/* Lock, read, call fn on the state, validate, write, unlock. fn prints
	 * its own one-line error and returns a negative errno to abort: then
	 * nothing is written.
	 */
	int (*update)(struct vx_store *s,
		      int (*fn)(struct vx_state *st, void *arg), void *arg);
	void (*close)(struct vx_store *s);
	/* For the agent. The state as of one revision and that revision.
	 * Every record is validated as state_validate would: one the CLI
	 * would refuse is reported (one line naming it) and left out.
	 */
	int (*list)(struct vx_store *s, struct vx_state *st, int64_t *rev);
	/* Calls fn with every change after revision rev (the one list gave),
	 * one revision at a time, until stop(arg) says so (-ECANCELED), the
	 * revision is gone (-ESTALE: list again) or the store fails (another
	 * negative errno). A change to a record that would make the state
	 * invalid is reported (one line) and not passed on: the record stays
	 * as it was. Otherwise quiet: the caller logs error().
	 */
	int (*watch)(struct vx_store *s, int64_t rev, vx_watch_fn fn,
		     int (*stop)(void *arg), void *arg);
	/* Why the last list or watch failed, in one line. */
	const char *(*error)(struct vx_store *s);
	/* What the watch follows the store over ("inotify"; "grpc", or
	 * "gateway" where etcd does not answer gRPC), NULL before any watch.
	 */
	const char *(*transport)(struct vx_store *s);
};

struct vx_store {
	const struct vx_store_ops *ops;
	char *location; /* file path, or endpoints for etcd */
};

/* How to reach an etcd store safely; every field is optional (NULL, 0).
 * The TLS files need an etcds:// URL; none of them applies to a file.
 */
struct vx_store_opts {
	const char *ca;            /* verify etcd's certificate against these CAs (PEM) */
	const char *cert, *key;    /* a client certificate and its key (PEM), together */
	const char *user;          /* etcd authentication, with password_file */
	const char *password_file; /* its first line is the password */
	int allow_plain;           /* no warning for plain etcd:// off this host */
};

/* url: "file:PATH", a plain PATH, "etcd://HOST:PORT[,HOST:PORT...]" or
 * "etcds://..." (HTTPS); o may be NULL. Prints one line on failure.
 *
 * Opening never creates anything, and a store that does not exist yet (no
 * file; no /vxnet/rev key under the etcd prefix) is an error for read and
 * list: only update may start from nothing, and it creates the store.
 */
int store_open(const char *url, const struct vx_store_opts *o, struct vx_store **out);

/* The backends' own open: url as store_open got it. */
int store_file_open(const char *url, struct vx_store **out);
int store_etcd_open(const char *url, const struct vx_store_opts *o, struct vx_store **out);

/* A batch of events growing one at a time (the backends' watches). */
struct vx_store_events {
	struct vx_store_event *v;
	size_t n, cap;
};

/* Appends a zeroed event; NULL on ENOMEM. */
struct vx_store_event *store_event_add(struct vx_store_events *b);
/* recdiff's callback (recdiff.h): one event per record put or deleted,
 * appended to arg, a struct vx_store_events; 0 or -ENOMEM.
 */
int store_event_diff(void *arg, enum vx_rec_kind kind, const char *name, const char *json,
		     const void *rec);

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

static inline int store_list(struct vx_store *s, struct vx_state *st, int64_t *rev)
{
	return s->ops->list(s, st, rev);
}

static inline int store_watch(struct vx_store *s, int64_t rev, vx_watch_fn fn,
			      int (*stop)(void *arg), void *arg)
{
	return s->ops->watch(s, rev, fn, stop, arg);
}

static inline const char *store_error(struct vx_store *s)
{
	return s->ops->error(s);
}

static inline const char *store_transport(struct vx_store *s)
{
	return s->ops->transport(s);
}

static inline void store_close(struct vx_store *s)
{
	if (s)
		s->ops->close(s);
}

#endif
