/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Metrics: per-CPU {packets, bytes} by event (stats) and by drop reason
 * (drops) and by hook and reason (drops_hook). Every drop goes through
 * vxnet_drop(): it counts the reason and
 * returns the verdict the caller hands back to the kernel; tc_drop() and
 * xdp_drop() also tell vxnet monitor (events ring), when it listens.
 * Trace points (tc_trace, xdp_trace) tell it what was forwarded.
 */
#ifndef VXNET_LIB_DROP_H
#define VXNET_LIB_DROP_H

#include "lib/config.h"
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

/* The counters of ifindex in ep_stats, made on its first packet there. */
static __always_inline struct vxnet_ep_stats *ep_stats_spill(__u32 ifindex)
{
	struct vxnet_ep_stats *s = bpf_map_lookup_elem(&ep_stats, &ifindex);

	if (!s) {
		ep_stats_create(ifindex);
		s = bpf_map_lookup_elem(&ep_stats, &ifindex);
	}
	return s;
}

/* Traffic of the local endpoint behind host veth ifindex: sent (tx) by it
 * or handed (rx) to it. In its ep_slots slot on this CPU, taken if free;
 * in ep_stats if another ifindex has it (per-CPU values: no race).
 */
static __always_inline void ep_count(__u32 ifindex, int rx, __u64 bytes)
{
	__u32 slot = ifindex % VXNET_EP_SLOTS;
	struct vxnet_ep_slot *e = bpf_map_lookup_elem(&ep_slots, &slot);
	struct vxnet_ep_stats *s;

	if (!e)
		return;
	if (e->ifindex != ifindex) {
		if (e->ifindex)
			goto spill;
		e->ifindex = ifindex;
	}
	s = &e->s;
	goto count;
spill:
	s = ep_stats_spill(ifindex);
	if (!s)
		return;
count:
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

/* Which tc program runs on skb, for the drop counters: known by its
 * device and the decap mode the loader set (cfg_decap_tc), without a map
 * lookup.
 */
static __always_inline __u8 tc_drop_hook(const struct __sk_buff *skb, enum vxnet_drop reason)
{
	if (reason == VXNET_DROP_KERNEL_TUNNEL)
		return VXNET_HOOK_GRO_SINK;
	if (skb->ifindex == 1) /* lo */
		return VXNET_HOOK_NAT_IN;
	if (skb->ifindex != cfg_underlay_ifindex)
		return VXNET_HOOK_FROM_CONTAINER;
	return cfg_decap_tc ? VXNET_HOOK_TC_DECAP : VXNET_HOOK_NAT_IN;
}

/* A drop of reason at hook (enum vxnet_hook): counted in drops and in
 * drops_hook.
 */
static __always_inline int vxnet_drop(__u32 hook, enum vxnet_drop reason, __u64 bytes,
				      int verdict)
{
	vxnet_counter_add(&drops, reason, bytes);
	vxnet_counter_add(&drops_hook, hook * VXNET_COUNTER_SLOTS + reason, bytes);
	return verdict;
}

/* Whether vxnet monitor listens for events of kind flag (enum
 * vxnet_monitor_flags). The verifier inlines the array lookup: with nobody
 * listening this is all a drop or trace point costs.
 */
static __always_inline int monitor_wants(__u32 flag)
{
	__u32 zero = 0;
	struct vxnet_monitor *m = bpf_map_lookup_elem(&monitor, &zero);

	return m && (m->flags & flag);
}

static __always_inline void monitor_lost(void)
{
	__u32 zero = 0;
	struct vxnet_monitor *m = bpf_map_lookup_elem(&monitor, &zero);

	if (m)
		__sync_fetch_and_add(&m->lost, 1);
}

/* Which tc program runs on skb, for an event: known by its device and the
 * host map's decap mode (slow path only: the monitor listens).
 */
static __always_inline __u8 tc_hook(const struct __sk_buff *skb, __u32 type, __u32 code)
{
	struct vxnet_host *h;
	__u32 zero = 0;

	if (type == VXNET_EV_DROP && code == VXNET_DROP_KERNEL_TUNNEL)
		return VXNET_HOOK_GRO_SINK;
	if (skb->ifindex == 1) /* lo */
		return VXNET_HOOK_NAT_IN;
	if (skb->ifindex != cfg_underlay_ifindex)
		return VXNET_HOOK_FROM_CONTAINER;
	h = bpf_map_lookup_elem(&host, &zero);
	return h && h->decap == VXNET_DECAP_TC ? VXNET_HOOK_TC_DECAP : VXNET_HOOK_NAT_IN;
}

/* cap (1 .. VXNET_EVENT_CAP - 1) as the verifier must see it, 1 .. CAP:
 * clang drops a C mask it knows changes nothing, so the mask is asm.
 */
static __always_inline __u32 cap_bound(__u32 cap)
{
	__u64 c = cap;

	asm volatile("%0 += -1; %0 &= %1; %0 += 1" : "+r"(c) : "i"(VXNET_EVENT_CAP - 1));
	return c;
}

/* Whether to wake the reader up: not for every event (the wakeup is an
 * irq_work, a self-IPI: about 10 us of this CPU's time in a VM, measured
 * with bench/prog_cost), only once the ring is a quarter full; vxnet
 * monitor reads it every VXNET_EVENTS_POLL_MS anyway.
 */
static __always_inline __u64 event_wakeup(void)
{
	return bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA) > VXNET_EVENTS_SIZE / 4 ?
		       BPF_RB_FORCE_WAKEUP : BPF_RB_NO_WAKEUP;
}

static __always_inline struct vxnet_event *event_new(__u32 type, __u32 code, __u32 target)
{
	struct vxnet_event *ev = bpf_ringbuf_reserve(&events, sizeof(*ev), 0);

	if (!ev) {
		monitor_lost();
		return NULL;
	}
	ev->ts = bpf_ktime_get_ns();
	ev->type = type;
	ev->code = code;
	ev->target = target;
	ev->pad = 0;
	return ev;
}

/* ev's copy of the first VXNET_EVENT_CAP bytes of a len-byte frame, read
 * with LOAD (bpf_skb_load_bytes or bpf_xdp_load_bytes) from CTX; the rest of
 * data is not cleared: cap_len says how much is the frame's. A macro, not a
 * function: the two helpers take different contexts.
 */
#define EVENT_COPY(LOAD, CTX, ev, len)                                                      \
	do {                                                                                \
		__u32 cap_ = (len);                                                         \
		if (cap_ >= VXNET_EVENT_CAP)                                                \
			cap_ = LOAD(CTX, 0, (ev)->data, VXNET_EVENT_CAP) ? 0 : VXNET_EVENT_CAP; \
		else if (cap_)                                                              \
			cap_ = LOAD(CTX, 0, (ev)->data, cap_bound(cap_)) ? 0 : cap_;        \
		(ev)->cap_len = cap_;                                                       \
	} while (0)

/* An event about skb: type, code (enum vxnet_drop or vxnet_stat), the host
 * veth it goes to (target, or 0) and its first bytes (EVENT_COPY).
 */
static __always_inline struct vxnet_event *tc_event_fill(struct __sk_buff *skb, __u32 type,
							 __u32 code, __u32 target)
{
	struct vxnet_event *ev = event_new(type, code, target);

	if (!ev)
		return NULL;
	ev->hook = tc_hook(skb, type, code);
	ev->ifindex = skb->ifindex;
	ev->len = skb->len;
	EVENT_COPY(bpf_skb_load_bytes, skb, ev, skb->len);
	return ev;
}

static __noinline int tc_event(struct __sk_buff *skb, __u32 type, __u32 code, __u32 target)
{
	struct vxnet_event *ev = tc_event_fill(skb, type, code, target);

	if (ev)
		bpf_ringbuf_submit(ev, event_wakeup());
	return 0;
}

static __always_inline struct vxnet_event *xdp_event_fill(struct xdp_md *ctx, __u32 type,
							  __u32 code, __u32 target)
{
	struct vxnet_event *ev = event_new(type, code, target);
	__u32 len = ctx->data_end - ctx->data;

	if (!ev)
		return NULL;
	ev->hook = VXNET_HOOK_XDP_DECAP;
	ev->ifindex = ctx->ingress_ifindex;
	ev->len = len;
	EVENT_COPY(bpf_xdp_load_bytes, ctx, ev, len);
	return ev;
}

static __noinline int xdp_event(struct xdp_md *ctx, __u32 type, __u32 code, __u32 target)
{
	struct vxnet_event *ev = xdp_event_fill(ctx, type, code, target);

	if (ev)
		bpf_ringbuf_submit(ev, event_wakeup());
	return 0;
}

/* A drop event for skb, when the monitor listens, without counting it (the
 * caller counts it later: container_too_big).
 */
static __always_inline void tc_drop_event(struct __sk_buff *skb, enum vxnet_drop reason)
{
	if (monitor_wants(VXNET_MON_DROPS))
		tc_event(skb, VXNET_EV_DROP, reason, 0);
}

static __always_inline int tc_drop(struct __sk_buff *skb, enum vxnet_drop reason)
{
	tc_drop_event(skb, reason);
	return vxnet_drop(tc_drop_hook(skb, reason), reason, skb->len,
			  TC_ACT_SHOT);
}

static __always_inline int xdp_drop(struct xdp_md *ctx, enum vxnet_drop reason)
{
	if (monitor_wants(VXNET_MON_DROPS))
		xdp_event(ctx, VXNET_EV_DROP, reason, 0);
	return vxnet_drop(VXNET_HOOK_XDP_DECAP, reason, ctx->data_end - ctx->data, XDP_DROP);
}

/* Trace points: skb (ctx) forwarded as stat, towards host veth target (0:
 * none, it leaves the host), when the monitor asks for traces.
 */
static __always_inline void tc_trace(struct __sk_buff *skb, enum vxnet_stat stat, __u32 target)
{
	if (monitor_wants(VXNET_MON_TRACE))
		tc_event(skb, VXNET_EV_TRACE, stat, target);
}

static __always_inline void xdp_trace(struct xdp_md *ctx, enum vxnet_stat stat, __u32 target)
{
	if (monitor_wants(VXNET_MON_TRACE))
		xdp_event(ctx, VXNET_EV_TRACE, stat, target);
}

/* The decap trace: the frame as it came in (outer headers and all) is
 * copied before decapsulating, and the event goes out only once that
 * worked: *_trace_done(ev, 1) submits it, (ev, 0) forgets it (the drop
 * event tells what happened instead).
 */
static __always_inline struct vxnet_event *tc_trace_begin(struct __sk_buff *skb,
							  enum vxnet_stat stat, __u32 target)
{
	return monitor_wants(VXNET_MON_TRACE) ? tc_event_fill(skb, VXNET_EV_TRACE, stat, target) :
						NULL;
}

static __always_inline struct vxnet_event *xdp_trace_begin(struct xdp_md *ctx,
							   enum vxnet_stat stat, __u32 target)
{
	return monitor_wants(VXNET_MON_TRACE) ? xdp_event_fill(ctx, VXNET_EV_TRACE, stat, target) :
						NULL;
}

static __always_inline void trace_done(struct vxnet_event *ev, int sent)
{
	if (!ev)
		return;
	if (sent)
		bpf_ringbuf_submit(ev, event_wakeup());
	else
		bpf_ringbuf_discard(ev, BPF_RB_NO_WAKEUP);
}

#endif /* VXNET_LIB_DROP_H */
