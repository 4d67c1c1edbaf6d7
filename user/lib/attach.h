/* SPDX-License-Identifier: GPL-2.0-only */
/* The per-container step: a veth into a network namespace, its address,
 * routes and MAC, vxnet's TC program on the host side, the endpoint record
 * in the store, and this host's maps. `vxnet attach`/`detach` call it; so
 * will the CNI and Docker plugins.
 */
#ifndef VXNET_ATTACH_H
#define VXNET_ATTACH_H

#include <stdint.h>

#include "state.h"
#include "store.h"

struct vx_attach_req {
	const char *netns;    /* a name under /run/netns, or a path */
	const char *network;
	const uint32_t *ip;   /* network order; NULL: the first free address */
	const uint8_t *mac;   /* NULL: 02:42 and the address */
	const char *ifname;   /* inside the namespace; NULL: the next free ethN */
	const char *name;     /* endpoint name; NULL: NODE-NETNS-NETWORK */
	struct vx_store *store;
	const char *pin_dir;
	const char *container_id; /* CNI_CONTAINERID, kept in the record; NULL: none */
	const struct vx_publish *publish; /* npublish published ports */
	int npublish;
};

/* Attaches and records the endpoint; *ep gets it. The namespace's lo goes
 * up. On failure one pr_err line "attach: ...", and nothing is left
 * behind: no veth, no record.
 */
int vx_attach(const struct vx_attach_req *req, struct vx_endpoint *ep);
/* Undoes the attach of req->netns to req->network on this host (ip, mac,
 * ifname and name are not used); *ep gets the endpoint removed.
 */
int vx_detach(const struct vx_attach_req *req, struct vx_endpoint *ep);
/* Undoes the attach recorded for container req->container_id's interface
 * req->ifname on this host (and network req->network when not NULL),
 * without its namespace: the record, then the host veth. -ENOENT, with
 * nothing more printed, when there is no such record; *ep gets the
 * endpoint. While vxnet is down (no pins: the line dp_read_host prints)
 * this host is the one holding the record's host veth, and no maps are
 * synced.
 */
int vx_detach_container(const struct vx_attach_req *req, struct vx_endpoint *ep);
/* The endpoint recorded for container_id's interface ifname on node
 * (network: NULL, any), or NULL.
 */
const struct vx_endpoint *vx_find_container(const struct vx_state *st, const char *container_id,
					    const char *ifname, const char *node,
					    const char *network);

/* Docker's half of an attach: endpoint name (a record on this host, made
 * by the caller) gets a veth whose host side carries vxnet's program and
 * whose other side, peer (IFNAMSIZ bytes: "vp" and the host side's
 * digits), stays in this namespace, down, with the endpoint's MAC and the
 * network's MTU, for the runtime to move into sandbox (kept in the record's
 * netns) and configure. The record gets the host side's name; the maps are
 * synced and the host side goes up. On failure one pr_err line and no veth.
 */
int vx_attach_veth(struct vx_store *store, const char *pin_dir, const char *name,
		   const char *sandbox, struct vx_endpoint *ep, char *peer);
/* Undoes vx_attach_veth: the record of endpoint name stays, without its
 * host interface and sandbox; the maps are synced and the veth removed.
 * A record without a veth: 0, nothing done. While vxnet is down (the line
 * dp_read_host prints) the record must name a veth on this host, and no
 * maps are synced.
 */
int vx_detach_veth(struct vx_store *store, const char *pin_dir, const char *name);

#endif
