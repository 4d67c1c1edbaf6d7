/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Underlay next hop for the outer header (encap) or a translated packet
 * (egress): the FIB's answer, cached per destination in nexthops.
 */
#ifndef VXNET_LIB_FIB_H
#define VXNET_LIB_FIB_H

#include "lib/config.h"
#include "lib/eth.h"
#include "lib/maps.h"

#define AF_INET 2

/* Look up the route from saddr to daddr entering at ifindex, for an IPv4
 * packet of tot_len bytes (the largest one the skb puts on the wire: a GSO
 * skb's segments, an encapsulated packet's outer length). The kernel checks
 * tot_len against the route's MTU (ip_mtu_from_fib_result(): a locked
 * route MTU, a learned path MTU, else the device's) and returns
 * FRAG_NEEDED with it in mtu_result; on SUCCESS too, mtu_result is that
 * MTU (bpf_fib_set_fwd_params()). tot_len 0 would check the skb as it
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

/* Where a packet from this host's address to daddr leaves. */
struct fib_hop {
	__u32 ifindex;
	__be32 nh;    /* next hop's address, for bpf_redirect_neigh (NO_NEIGH) */
	__u16 mtu;    /* the route's MTU (FRAG_NEEDED) */
	__u8 smac[ETH_ALEN];
	__u8 dmac[ETH_ALEN];
};

/* The route from cfg_local_addr to daddr for an IPv4 packet of tot_len
 * bytes (fib_lookup_v4()'s code), and its next hop in hop. A route found
 * with its neighbour (SUCCESS) is kept in this CPU's slot of nexthops for
 * VXNET_NH_TTL_NS: until then the same answer comes from the cache, tot_len
 * compared with the route's MTU as the kernel compares it (FRAG_NEEDED
 * when larger). Anything else (no neighbour yet, not forwarded, no route)
 * is looked up every time, as is an address whose slot another one took
 * since. The expiry, not a notification from userspace, keeps the cache
 * correct: a route or neighbour change is followed within
 * VXNET_NH_TTL_NS plus a tick of the coarse clock, whoever made it.
 * Not inlined: the lookup's parameters would take stack in every caller.
 */
static __noinline int nexthop_v4(struct __sk_buff *skb, __be32 daddr, __u32 tot_len,
				 struct fib_hop *hop)
{
	union { /* one after the other: the stack is shared with decap's chain */
		__u32 slot;
		struct bpf_fib_lookup p;
	} u = { .slot = vxnet_nh_slot(daddr) };
	struct vxnet_nexthop *c = bpf_map_lookup_elem(&nexthops, &u.slot);
	__u64 jiffy = bpf_jiffies64(), now;
	int rc;

	if (!c)
		return BPF_FIB_LKUP_RET_NOT_FWDED; /* never: an array's slot */
	/* The coarse clock moves only at a tick, as jiffies do: an entry found
	 * unexpired in this jiffy still is. bpf_jiffies64() is one load (the
	 * verifier inlines it); the coarse clock is a helper call, made once
	 * per tick and slot on this CPU.
	 */
	if (c->addr.be32 == daddr && c->checked != jiffy) {
		now = bpf_ktime_get_coarse_ns();
		if (now < c->expires)
			c->checked = jiffy;
	}
	if (c->addr.be32 == daddr && c->checked == jiffy) {
		hop->mtu = c->mtu;
		if (tot_len > c->mtu)
			return BPF_FIB_LKUP_RET_FRAG_NEEDED;
		hop->ifindex = c->ifindex;
		hop->nh = daddr;
		mac_copy(hop->smac, c->smac);
		mac_copy(hop->dmac, c->dmac);
		return BPF_FIB_LKUP_RET_SUCCESS;
	}

	rc = fib_lookup_v4(skb, &u.p, cfg_underlay_ifindex, cfg_local_addr, daddr, tot_len);
	hop->ifindex = u.p.ifindex;
	hop->nh = u.p.ipv4_dst;
	hop->mtu = u.p.mtu_result;
	mac_copy(hop->smac, u.p.smac);
	mac_copy(hop->dmac, u.p.dmac);
	if (rc != BPF_FIB_LKUP_RET_SUCCESS || !hop->mtu)
		return rc;
	/* this CPU's copy: written in place, nobody else reads it */
	c->expires = bpf_ktime_get_coarse_ns() + VXNET_NH_TTL_NS;
	c->checked = jiffy;
	c->ifindex = hop->ifindex;
	c->addr.be32 = daddr;
	c->mtu = hop->mtu;
	mac_copy(c->smac, hop->smac);
	mac_copy(c->dmac, hop->dmac);
	return rc;
}

#endif /* VXNET_LIB_FIB_H */
