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
 *             ifaces[veth ifindex] when attached on this host;
 *             published[{VNI, IP, proto, port}] per published port
 *   service   (the endpoints publishing one host port and protocol, whose
 *             network and node exist) services[{proto, host port}] and
 *             backends[{proto, host port, slot}] for every Maglev slot
 *             (maglev.h; the endpoints sorted by name), each backend's node
 *             the underlay address of the endpoint's node
 *
 * A service's entries depend on all of its endpoints, so they are emitted
 * per service, not per record: emit_all does every service once; for one
 * changed record the caller collects the services the record's endpoints
 * publish, in its old and its new version (emit_record_services,
 * emit_endpoint_services), and emits those before and after the change
 * (emit_services).
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
/* Every record and every service of the state. */
int emit_all(struct emit_ctx *c);

/* Services, as sets of struct vxnet_service_key without values: those
 * endpoint ep publishes, and those of record kind/name of st (an
 * endpoint, or the endpoints of a node or a network, valid or not), added
 * to svc. 0 or -ENOMEM.
 */
int emit_endpoint_services(const struct vx_endpoint *ep, struct kv_set *svc);
int emit_record_services(const struct vx_state *st, enum vx_rec_kind kind, const char *name,
			 struct kv_set *svc);
/* The entries of each service of svc as c->st has it (none when no
 * endpoint publishes it any more). svc must be sorted (no key twice).
 */
int emit_services(struct emit_ctx *c, const struct kv_set *svc);

#endif
