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
	const char *ifname;   /* inside the namespace; NULL: eth0 */
	const char *name;     /* endpoint name; NULL: NETNS-NETWORK */
	struct vx_store *store;
	const char *pin_dir;
};

/* Attaches and records the endpoint; *ep gets it. On failure one pr_err
 * line "attach: ...", and nothing is left behind: no veth, no record.
 */
int vx_attach(const struct vx_attach_req *req, struct vx_endpoint *ep);
/* Undoes the attach of req->netns to req->network on this host (ip, mac,
 * ifname and name are not used); *ep gets the endpoint removed.
 */
int vx_detach(const struct vx_attach_req *req, struct vx_endpoint *ep);

#endif
