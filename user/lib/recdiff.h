/* SPDX-License-Identifier: GPL-2.0-only */
/* The one record diff: which records of a state were put (added or changed)
 * or deleted since an earlier version of it. A record changed when its
 * compact JSON (state_record_to_json, the etcd store's value) changed. The
 * etcd store turns the diff into a transaction, the file store into the
 * events of its watch.
 */
#ifndef VXNET_RECDIFF_H
#define VXNET_RECDIFF_H

#include <stddef.h>

#include "state.h"

#define VX_REC_KINDS 3

struct rec_text {
	char name[VX_NAME_MAX]; /* a copy: the state may change afterwards */
	char *json;
	const void *rec;        /* in the state, valid while it is unchanged */
};

/* The records of a state, kind by kind, sorted by name. */
struct rec_snap {
	struct rec_text *r[VX_REC_KINDS];
	size_t n[VX_REC_KINDS];
};

/* 0 or -ENOMEM (then out holds nothing to free). */
int rec_snap(const struct vx_state *st, struct rec_snap *out);
void rec_snap_free(struct rec_snap *s);

/* Called for each record put (json and rec: its new version, rec from
 * new's state) or deleted (json and rec NULL); returns 0 to go on.
 */
typedef int (*recdiff_fn)(void *arg, enum vx_rec_kind kind, const char *name,
			  const char *json, const void *rec);

/* Walks old and new kind by kind (nodes, networks, endpoints), in name
 * order within a kind. 0, or the first non-zero fn returned.
 */
int recdiff(const struct rec_snap *old, const struct rec_snap *new, recdiff_fn fn, void *arg);

#endif
