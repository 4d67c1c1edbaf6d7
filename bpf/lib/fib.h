/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Underlay next hop for the outer header: one FIB lookup per packet. */
#ifndef VXNET_LIB_FIB_H
#define VXNET_LIB_FIB_H

#include "lib/eth.h"

#define AF_INET 2

/* Look up the route from saddr to daddr entering at ifindex. tot_len stays
 * 0: with it set the kernel checks the MTU and every GSO skb would come
 * back FRAG_NEEDED. Returns a BPF_FIB_LKUP_RET_* code.
 */
static __always_inline int fib_lookup_v4(struct __sk_buff *skb, struct bpf_fib_lookup *p,
					 __u32 ifindex, __be32 saddr, __be32 daddr)
{
	__builtin_memset(p, 0, sizeof(*p));
	p->family = AF_INET;
	p->ifindex = ifindex;
	p->ipv4_src = saddr;
	p->ipv4_dst = daddr;
	return bpf_fib_lookup(skb, p, sizeof(*p), 0);
}

#endif /* VXNET_LIB_FIB_H */
