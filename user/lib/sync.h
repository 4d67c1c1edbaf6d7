/* SPDX-License-Identifier: GPL-2.0-only */
/* Making this host's maps equal to the state: in full (`vxnet sync`, the
 * agent's start), or for one changed record (the agent's watch). Both emit
 * (emit.h) and write only the differences (kv_apply).
 */
#ifndef VXNET_SYNC_H
#define VXNET_SYNC_H

#include "kvset.h"
#include "maps.h"
#include "state.h"
#include "store.h"

struct dp_sync {
	const char *dir;
	const char *who;  /* starts error lines: "sync", "agent" */
	struct vxnet_host host;
	__u32 host_map_id; /* of the pinned host map, when opened */
	int fds[DP_MAP_NSYNCED];
	/* What the maps hold as of the last sync: every emitted entry, with
	 * how many records emitted it (node_vnis entries are shared).
	 */
	struct kv_set want[DP_MAP_NSYNCED];
	/* Whether a full sync and a network's change also apply the networks'
	 * properties to this host's containers (reconcile.h): on unless
	 * cleared after dp_sync_open. Set by dp_sync_open.
	 */
	int reconcile;
	unsigned int nfull; /* full syncs so far: the first warns (sync_warn_mtu) */
};

/* Reads the host record and opens the maps; one pr_err line on failure. */
int dp_sync_open(struct dp_sync *s, const char *dir, const char *who);
void dp_sync_close(struct dp_sync *s);
/* 1 when the pins of s->dir are no longer the maps s holds (vxnet down,
 * then up again) or the host record changed: close and open again. Quiet.
 */
int dp_sync_stale(const struct dp_sync *s);
/* The maps as st wants them, in full. The state must already be valid.
 * Then frees the traffic counters (ep_slots, ep_stats) of every ifindex
 * that has no ifaces entry: a veth deleted without vxnet detach.
 */
int dp_sync_full(struct dp_sync *s, const struct vx_state *st, struct kv_result *res);
/* Applies one change to st (the copy the last sync used) and rewrites the
 * entries that the record, and the records depending on it, decide.
 */
int dp_sync_event(struct dp_sync *s, struct vx_state *st, const struct vx_store_event *ev,
		  struct kv_result *res);

/* This host's record, quietly: -ENOENT (or another negative errno) when
 * vxnet is not up here.
 */
int dp_sync_host(const char *dir, struct vxnet_host *host);

/* open, full, close, holding dp_lock: `vxnet sync` and the commands that
 * end with one. dp_sync (`vxnet up`) applies the networks' properties to
 * this host's containers too (reconcile.h), dp_sync_store (attach,
 * detach) does not: dp_sync_store_reconcile (`vxnet sync`, `network
 * update`) does. Each warns about a network whose MTU this host's
 * underlay does not carry (its endpoints here get the underlay's).
 */
int dp_sync(const struct vx_state *st, const char *dir, struct kv_result *res);
/* dp_sync of the state read from store under dp_lock: when writers
 * overlap, the last to sync writes the newest state (a state read before
 * the lock could undo a later writer's entries).
 */
int dp_sync_store(struct vx_store *store, const char *dir, struct kv_result *res);
int dp_sync_store_reconcile(struct vx_store *store, const char *dir, struct kv_result *res);

#endif
