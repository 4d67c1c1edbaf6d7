/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Metrics: per-CPU {packets, bytes} by event (stats) and by drop reason
 * (drops). Every drop goes through vxnet_drop(): it counts the reason and
 * returns the verdict the caller hands back to the kernel.
 */
#ifndef VXNET_LIB_DROP_H
#define VXNET_LIB_DROP_H

#include "lib/maps.h"

#define TC_ACT_OK 0
#define TC_ACT_SHOT 2
#define TC_ACT_REDIRECT 7

static __always_inline void vxnet_counter_add(void *map, __u32 idx, __u64 bytes)
{
	struct vxnet_counter *c = bpf_map_lookup_elem(map, &idx);

	if (c) {
		c->packets++;
		c->bytes += bytes;
	}
}

static __always_inline void vxnet_stat(enum vxnet_stat stat, __u64 bytes)
{
	vxnet_counter_add(&stats, stat, bytes);
}

static __always_inline int vxnet_drop(enum vxnet_drop reason, __u64 bytes, int verdict)
{
	vxnet_counter_add(&drops, reason, bytes);
	return verdict;
}

static __always_inline int tc_drop(struct __sk_buff *skb, enum vxnet_drop reason)
{
	return vxnet_drop(reason, skb->len, TC_ACT_SHOT);
}

static __always_inline int xdp_drop(struct xdp_md *ctx, enum vxnet_drop reason)
{
	return vxnet_drop(reason, ctx->data_end - ctx->data, XDP_DROP);
}

#endif /* VXNET_LIB_DROP_H */
