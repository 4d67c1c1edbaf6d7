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

/* A local endpoint's first packet: its ep_stats entry, zero. Not inlined:
 * the zero value would take stack in every caller's frame.
 */
static __noinline void ep_stats_create(__u32 ifindex)
{
	struct vxnet_ep_stats z = {};

	bpf_map_update_elem(&ep_stats, &ifindex, &z, BPF_NOEXIST);
}

/* Traffic of the local endpoint behind host veth ifindex: sent (tx) by it
 * or handed (rx) to it.
 */
static __always_inline void ep_count(__u32 ifindex, int rx, __u64 bytes)
{
	struct vxnet_ep_stats *s = bpf_map_lookup_elem(&ep_stats, &ifindex);

	if (!s) {
		ep_stats_create(ifindex);
		s = bpf_map_lookup_elem(&ep_stats, &ifindex);
		if (!s)
			return;
	}
	if (rx) {
		s->rx_packets++;
		s->rx_bytes += bytes;
	} else {
		s->tx_packets++;
		s->tx_bytes += bytes;
	}
}

#define ep_tx(ifindex, bytes) ep_count(ifindex, 0, bytes)
#define ep_rx(ifindex, bytes) ep_count(ifindex, 1, bytes)

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
