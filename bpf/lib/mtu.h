/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Path MTU: whether a container's IPv4 packet fits the network MTU (the
 * underlay's minus the VXLAN overhead) once encapsulated.
 */
#ifndef VXNET_LIB_MTU_H
#define VXNET_LIB_MTU_H

#include "lib/eth.h"
#include "lib/ipv4.h"
#include "lib/maps.h"
#include "lib/skb.h"

/* Whether the IPv4 packet in skb (header length ihl bytes, protocol proto)
 * fits in mtu. A GSO skb (gso_size != 0; gso_segs alone does not make one)
 * is up to 64 KB and will be cut into segments of gso_size payload bytes
 * (for TCP the MSS) behind copies of the IPv4 and L4 headers: those must
 * fit. bpf_skb_check_mtu() does not do: it checks GSO segments against the
 * device MTU without the encapsulation's len_diff.
 */
static __always_inline int skb_ipv4_fits(struct __sk_buff *skb, __u32 mtu, __u32 ihl, __u8 proto)
{
	__u32 gso_size = skb_gso_size(skb);
	__u32 l4 = 0;
	__u8 doff;

	if (!mtu)
		return 1;
	if (!gso_size)
		return skb->len - ETH_HLEN <= mtu;
	if (proto == IPPROTO_TCP_) {
		if (bpf_skb_load_bytes(skb, ETH_HLEN + ihl + 12, &doff, 1))
			doff = 5 << 4; /* unreadable: a header without options */
		l4 = (doff >> 4) * 4;
	} else if (proto == IPPROTO_UDP_) {
		l4 = sizeof(struct udphdr);
	}
	return gso_size + ihl + l4 <= mtu;
}

#endif /* VXNET_LIB_MTU_H */
