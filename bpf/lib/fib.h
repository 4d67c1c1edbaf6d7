/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Underlay next hop for the outer header: one FIB lookup per packet. */
#ifndef VXNET_LIB_FIB_H
#define VXNET_LIB_FIB_H

#include "lib/eth.h"

#define AF_INET 2

/* Look up the route from saddr to daddr entering at ifindex, for an IPv4
 * packet of tot_len bytes (the largest one the skb puts on the wire: a GSO
 * skb's segments, an encapsulated packet's outer length). The kernel checks
 * tot_len against the route's MTU (ip_mtu_from_fib_result(): a locked
 * route MTU, a learned path MTU, else the device's) and returns
 * FRAG_NEEDED with it in mtu_result. tot_len 0 would check the skb as it
 * is against the device's MTU instead (is_skb_forwardable(): the size
 * before encapsulation, 4 bytes of VLAN slack, the route ignored), and let
 * what the device cannot send be dropped by it, silently. Returns a
 * BPF_FIB_LKUP_RET_* code.
 */
static __always_inline int fib_lookup_v4(struct __sk_buff *skb, struct bpf_fib_lookup *p,
					 __u32 ifindex, __be32 saddr, __be32 daddr, __u32 tot_len)
{
	__builtin_memset(p, 0, sizeof(*p));
	p->family = AF_INET;
	p->ifindex = ifindex;
	p->ipv4_src = saddr;
	p->ipv4_dst = daddr;
	p->tot_len = tot_len < 0xffff ? tot_len : 0xffff;
	return bpf_fib_lookup(skb, p, sizeof(*p), 0);
}

#endif /* VXNET_LIB_FIB_H */
