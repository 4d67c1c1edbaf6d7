/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Routing between the subnets of one network (VNI), done where the packet
 * enters: vxnet plays the subnets' gateways, which have no interface of
 * their own.
 */
#ifndef VXNET_LIB_ROUTE_H
#define VXNET_LIB_ROUTE_H

#include "lib/eth.h"
#include "lib/ipv4.h"

/* Whether the frame eth from the endpoint behind ifc to ep is routed: ep is
 * in another subnet (another gateway) and the frame is not addressed to
 * ep's MAC, i.e. it was sent to the sender's gateway. Within a subnet frames
 * are switched whatever MAC they carry; a frame to another subnet already
 * addressed to ep's MAC (an on-link route in the container) is switched too.
 */
static __always_inline int route_needed(const struct ethhdr *eth, const struct vxnet_iface *ifc,
					const struct vxnet_endpoint *ep)
{
	return ep->gateway.be32 != ifc->gateway.be32 && !mac_equal(eth->h_dest, ep->mac);
}

/* Forward as the router would: TTL - 1 (the caller checked TTL > 1), from
 * the MAC of the destination subnet's gateway (02:42 + its address, the
 * MAC the destination resolves for its gateway, so replies and the
 * receiver's neighbour table agree) to the endpoint's MAC.
 */
static __always_inline void route_rewrite(struct ethhdr *eth, struct iphdr *ip,
					  const struct vxnet_endpoint *ep)
{
	ipv4_dec_ttl(ip);
	mac_from_ipv4(eth->h_source, ep->gateway.be32);
	mac_copy(eth->h_dest, ep->mac);
}

#endif /* VXNET_LIB_ROUTE_H */
