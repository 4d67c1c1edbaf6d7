/* SPDX-License-Identifier: GPL-2.0-only */
/* A network's properties on this host's running containers: what `vxnet
 * attach` set up from the network record (attach.c) and a later `network
 * update` may change, applied again from the record. For each endpoint of
 * this node that vxnet attached (a netns and a host veth in its record):
 * the MTU of its interface inside the container, and a route via its
 * subnet's gateway to each other subnet of the network (a new subnet's
 * route is added; routes are never removed). The host side of the veth
 * keeps VX_HOST_VETH_MTU: vxnet checks the tunnel MTU in BPF.
 *
 * The MTU is dp_network_mtu's: the network's, clamped to what this host's
 * underlay carries (its MTU - 50); reconcile_warn_mtu says so, one line a
 * network. sync.c calls these on every full sync and on each change of a
 * network record (the agent); the MTU is lowered before the maps are
 * written and raised after, so that no packet the interface lets through
 * is one the maps call too big.
 */
#ifndef VXNET_RECONCILE_H
#define VXNET_RECONCILE_H

#include "state.h"
#include "vxnet.h"

enum reconcile_phase {
	RECONCILE_LOWER, /* before the maps: only lower MTUs */
	RECONCILE_ALL,   /* after the maps: MTUs and routes */
};

/* The endpoints of network (NULL: every network) on this host: one line
 * on stdout, prefixed by who, per interface changed ("sync: endpoint c1:
 * eth0 in /run/netns/c1: MTU 1450 -> 1300, 1 route added"). Quiet for an
 * endpoint whose namespace or veth is gone (sync warns about a missing
 * veth); one warning line per interface that cannot be changed. Returns
 * how many interfaces changed.
 */
int reconcile_host(const struct vx_state *st, const struct vxnet_host *host, const char *network,
		   enum reconcile_phase phase, const char *who);
/* One warning per network (network NULL: every one) whose MTU this host's
 * underlay does not carry, naming both numbers; its endpoints here get the
 * underlay's. Returns how many.
 */
int reconcile_warn_mtu(const struct vx_state *st, const struct vxnet_host *host,
		       const char *network, const char *who);

#endif
