/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Path MTU: whether a container's IPv4 packet fits the network MTU (the
 * underlay's minus the VXLAN overhead), and the size the underlay's route
 * must carry once it is encapsulated.
 */
#ifndef VXNET_LIB_MTU_H
#define VXNET_LIB_MTU_H

#include "lib/eth.h"
#include "lib/ipv4.h"
#include "lib/maps.h"
#include "lib/skb.h"

/* The IPv4 length of the largest packet skb puts on the wire (header
 * length ihl bytes, protocol proto). A GSO skb (gso_size != 0; gso_segs
 * alone does not make one) is up to 64 KB and will be cut into segments of
 * gso_size payload bytes (for TCP the MSS) behind copies of the IPv4 and L4
 * headers: one of those. bpf_skb_check_mtu() does not do: it checks GSO
 * segments against the device MTU without the encapsulation's len_diff.
 */
static __always_inline __u32 skb_ipv4_wire_len(struct __sk_buff *skb, __u32 ihl, __u8 proto)
{
	__u32 gso_size = skb_gso_size(skb);
	__u32 l4 = 0;
	__u8 doff;

	if (!gso_size)
		return skb->len - ETH_HLEN;
	if (proto == IPPROTO_TCP_) {
		if (bpf_skb_load_bytes(skb, ETH_HLEN + ihl + 12, &doff, 1))
			doff = 5 << 4; /* unreadable: a header without options */
		l4 = (doff >> 4) * 4;
	} else if (proto == IPPROTO_UDP_) {
		l4 = sizeof(struct udphdr);
	}
	return gso_size + ihl + l4;
}

/* The tunnel's MTU towards a node, from the underlay route's (the FIB's
 * mtu_result): what is left for the inner IPv4 packet. Never below IPv4's
 * minimum (RFC 791: 68), for an underlay too narrow to be one.
 */
static __always_inline __u32 tunnel_mtu(__u32 route_mtu)
{
	return route_mtu >= 68 + VXNET_ENCAP_LEN ? route_mtu - VXNET_ENCAP_LEN : 68;
}

#endif /* VXNET_LIB_MTU_H */
