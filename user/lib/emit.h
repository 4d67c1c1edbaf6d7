/* SPDX-License-Identifier: GPL-2.0-only */
/* One definition of what the maps hold: for each record of the state, the
 * map entries it decides on this host. `vxnet sync` emits for every record
 * and applies the difference with the maps; the agent emits for the old and
 * the new version of a changed record (and the records that depend on it)
 * and applies that difference (sync.c).
 *
 *   node      nodes[address]
 *   network   networks[VNI]; endpoints[{VNI, gateway}] per subnet
 *   endpoint  node_vnis[{node address, VNI}];
 *             endpoints[{VNI, IP}] (unless attached here and its veth is gone
 *             or is not the one vxnet names for it: "vx" + crc32 of its name);
 *             ifaces[veth ifindex] when attached on this host
 */
#ifndef VXNET_EMIT_H
#define VXNET_EMIT_H

#include "kvset.h"
#include "maps.h"
#include "state.h"

struct emit_ctx {
	const struct vx_state *st;
	struct vx_state_index *ix;     /* optional: O(1) name lookups */
	const struct vxnet_host *host;
	unsigned int default_mtu;      /* underlay MTU - VXLAN overhead */
	/* The ifindex of a local endpoint's veth, 0 when it is gone; NULL:
	 * the veth's current ifindex (if_nametoindex).
	 */
	__u32 (*ifindex)(const struct emit_ctx *c, const struct vx_endpoint *ep,
			 const struct vxnet_ep_key *k);
	void *arg;                     /* for ifindex */
	int quiet;                     /* no warning for a missing veth */
	struct kv_set out[DP_MAP_NSYNCED];
};

/* Fills c for st on this host, with empty output sets. */
void emit_init(struct emit_ctx *c, const struct vx_state *st, const struct vxnet_host *host);
void emit_free(struct emit_ctx *c);

int emit_node(struct emit_ctx *c, const struct vx_node *n);
int emit_network(struct emit_ctx *c, const struct vx_network *n);
int emit_endpoint(struct emit_ctx *c, const struct vx_endpoint *ep);
/* The record kind/name of c->st (none when absent) and the endpoints that
 * depend on it: a node's or a network's endpoints.
 */
int emit_record(struct emit_ctx *c, enum vx_rec_kind kind, const char *name);
/* Every record of the state. */
int emit_all(struct emit_ctx *c);

#endif
