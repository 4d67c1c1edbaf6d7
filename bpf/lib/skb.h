/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Packet pointers (and other fields) of an skb. Read through asm so that clang cannot fold the
 * ctx offset into a pointer it reuses across helper calls, which the
 * verifier rejects ("dereference of modified ctx ptr").
 */
#ifndef VXNET_LIB_SKB_H
#define VXNET_LIB_SKB_H

#include <vmlinux.h>
#include <bpf/bpf_helpers.h>

#define SKB_LOAD_PTR(skb, field)                                               \
	({                                                                     \
		long __v;                                                      \
		asm volatile("%0 = *(u32 *)(%1 + %2)"                          \
			     : "=r"(__v)                                       \
			     : "r"(skb), "i"(__builtin_offsetof(struct __sk_buff, field))); \
		__v;                                                           \
	})

static __always_inline void *skb_data(struct __sk_buff *skb)
{
	return (void *)SKB_LOAD_PTR(skb, data);
}

static __always_inline void *skb_data_end(struct __sk_buff *skb)
{
	return (void *)SKB_LOAD_PTR(skb, data_end);
}

/* GSO segment size, 0 for an skb that is not GSO. */
static __always_inline __u32 skb_gso_size(struct __sk_buff *skb)
{
	return (__u32)SKB_LOAD_PTR(skb, gso_size);
}

/* Bring the first len bytes (or the whole frame if shorter) into the linear
 * area for direct access. Invalidates packet pointers: call it first.
 */
static __always_inline int skb_pull_headers(struct __sk_buff *skb, __u32 len)
{
	__u32 linear = (long)skb_data_end(skb) - (long)skb_data(skb);

	if (len > skb->len)
		len = skb->len;
	if (linear >= len)
		return 0;
	return bpf_skb_pull_data(skb, len);
}

#endif /* VXNET_LIB_SKB_H */
