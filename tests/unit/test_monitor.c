// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* BPF_PROG_TEST_RUN tests of vxnet monitor's events (include/vxnet.h,
 * bpf/lib/drop.h): an event only while the monitor map asks for its kind,
 * its fields (type, hook, code, devices, length, the frame's first bytes),
 * what user/lib/monitor.c decodes from it, and lost events counted when
 * the ring is full.
 *
 * Topology and maps: tests/unit/test_datapath.c's (packet.h, fixture.h), in
 * a private network namespace. The events ring is made 4 pages small here
 * (the datapath's is VXNET_EVENTS_SIZE) so that it fills quickly.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <net/if.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "vxnet.h"
#include "vxnet.skel.h"
#include "monitor.h"

#include "packet.h"
#include "fixture.h"

#define RING_SIZE (4 * 4096)
#define MAX_EVENTS 256

static struct vxnet_bpf *skel;
static struct ring_buffer *rb;
static struct vxnet_event got[MAX_EVENTS];
static int ngot;
static int failed;

static int on_event(void *ctx, void *data, size_t size)
{
	(void)ctx;
	if (ngot < MAX_EVENTS && size >= sizeof(struct vxnet_event))
		memcpy(&got[ngot], data, sizeof(struct vxnet_event));
	ngot++;
	return 0;
}

static void set_flags(__u32 flags)
{
	struct vxnet_monitor m = { .flags = flags };
	__u32 zero = 0;

	if (bpf_map__update_elem(skel->maps.monitor, &zero, sizeof(zero), &m, sizeof(m), 0))
		fprintf(stderr, "test_monitor: write monitor: %s\n", strerror(errno));
}

static __u64 lost(void)
{
	struct vxnet_monitor m = {};
	__u32 zero = 0;

	bpf_map__lookup_elem(skel->maps.monitor, &zero, sizeof(zero), &m, sizeof(m), 0);
	return m.lost;
}

static void set_decap(__u8 mode)
{
	struct vxnet_host h = { .decap = mode, .port = PORT };
	__u32 zero = 0;

	bpf_map__update_elem(skel->maps.host, &zero, sizeof(zero), &h, sizeof(h), 0);
}

/* Runs prog once on in (tc: from device ifindex); the verdict, or -1. */
static int run(enum prog p, const struct pkt *in, __u32 ifindex)
{
	struct __sk_buff ctx = { .ifindex = ifindex };
	__u8 out[PKT_MAX];
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = in->b, .data_size_in = in->len,
		    .data_out = out, .data_size_out = sizeof(out), .repeat = 1);

	if (p != XDP_DECAP) {
		opts.ctx_in = &ctx;
		opts.ctx_size_in = sizeof(ctx);
	}
	if (bpf_prog_test_run_opts(prog_fd(skel, p), &opts))
		return -1;
	return opts.retval;
}

/* The events the ring holds now. */
static int drain(void)
{
	ngot = 0;
	ring_buffer__consume(rb);
	return ngot;
}

static void result(const char *name, const char *why)
{
	if (why) {
		printf("not ok %s: %s\n", name, why);
		failed = 1;
	} else {
		printf("ok %s\n", name);
	}
}

/* The one event of the ring, checked; why it is wrong (in why) or NULL. */
static const char *one_event(const struct pkt *in, __u8 type, __u8 hook, __u16 code,
			     __u32 ifindex, __u32 target, char *why, size_t n)
{
	const struct vxnet_event *e = &got[0];
	int k = drain();

	if (k != 1)
		snprintf(why, n, "%d events, expected 1", k);
	else if (e->type != type || e->hook != hook || e->code != code)
		snprintf(why, n, "type %u hook %u code %u, expected %u %u %u", e->type, e->hook,
			 e->code, type, hook, code);
	else if (e->ifindex != ifindex || e->target != target)
		snprintf(why, n, "ifindex %u target %u, expected %u %u", e->ifindex, e->target,
			 ifindex, target);
	else if (!e->ts)
		snprintf(why, n, "no time");
	else
		return NULL;
	return why;
}

/* Its length and bytes: those of frame exp (the input, or what left). */
static const char *same_frame(const struct pkt *exp, char *why, size_t n)
{
	const struct vxnet_event *e = &got[0];
	__u32 cap = exp->len < VXNET_EVENT_CAP ? exp->len : VXNET_EVENT_CAP;

	if (e->len != exp->len || e->cap_len != cap)
		snprintf(why, n, "len %u cap_len %u, expected %u %u", e->len, e->cap_len, exp->len, cap);
	else if (memcmp(e->data, exp->b, cap))
		snprintf(why, n, "captured bytes differ from the frame");
	else
		return NULL;
	return why;
}

/* A ring small enough for the overflow case to fill it. */
static int small_ring(struct vxnet_bpf *s)
{
	return bpf_map__set_max_entries(s->maps.events, RING_SIZE);
}

int main(void)
{
	char why[200];
	__u32 c1h, c2h, ul0;
	struct vx_event_info info;
	const char *w;

	libbpf_set_print(test_libbpf_print);
	if (setup_netns())
		return 1;
	c1h = if_nametoindex("c1h");
	c2h = if_nametoindex("c2h");
	ul0 = if_nametoindex("ul0");
	skel = fixture_load(small_ring);
	if (!skel)
		return 1;
	if (fill_maps(skel, c1h, c2h)) {
		printf("not ok load: filling the maps: %s\n", strerror(errno));
		return 1;
	}
	rb = ring_buffer__new(bpf_map__fd(skel->maps.events), on_event, NULL, NULL);
	if (!rb) {
		printf("not ok load: ring_buffer__new: %s\n", strerror(errno));
		return 1;
	}
	set_decap(VXNET_DECAP_TC);

	/* A spoofed source IP from c1 (10.0.1.99), dropped SPOOF_IP. */
	struct pkt spoof = eth(C2_MAC, C1_MAC, ETH_P_IP,
			       ipv4("10.0.1.99", "10.0.1.3", IPPROTO_UDP, udp(1000, 53, text("spoof"))));
	/* c1 to r1 (remote, node 198.18.2.10): encapsulated. */
	struct pkt to_r1 = eth(R1_MAC, C1_MAC, ETH_P_IP,
			       ipv4("10.0.1.2", "10.0.1.4", IPPROTO_TCP,
				    tcp(40000, 80, TCP_PSH | TCP_ACK, text("GET / HTTP/1.0\r\n\r\n"))));
	/* r1 to c1, from node 198.18.2.10: decapsulated; and from 198.51.100.7,
	 * which is no node: UNKNOWN_HOST.
	 */
	struct pkt r1_c1 = eth(C1_MAC, R1_MAC, ETH_P_IP,
			       ipv4("10.0.1.4", "10.0.1.2", IPPROTO_UDP, udp(53, 1000, text("answer"))));
	struct pkt vx_good = vx_frame("198.18.2.10", 0x08, VNI, r1_c1);
	struct pkt vx_stranger = vx_frame("198.51.100.7", 0x08, VNI, r1_c1);
	/* A 300-byte frame: only its first VXNET_EVENT_CAP bytes are captured. */
	struct pkt big = eth(C2_MAC, C1_MAC, ETH_P_IP,
			     ipv4("10.0.1.99", "10.0.1.3", IPPROTO_UDP, udp(1000, 53, filler(254))));

	/* Nobody listens: drops and forwarded packets make no event. */
	set_flags(0);
	drain();
	run(FROM_CONTAINER, &spoof, c1h);
	run(FROM_CONTAINER, &to_r1, c1h);
	run(TC_DECAP, &vx_good, ul0);
	run(XDP_DECAP, &vx_stranger, 0);
	snprintf(why, sizeof(why), "%d events", drain());
	result("monitor off: a drop, an encap, a decap and an XDP drop make no event",
	       ngot ? why : NULL);

	/* Drops only. */
	set_flags(VXNET_MON_DROPS);
	if (run(FROM_CONTAINER, &spoof, c1h) != TC_ACT_SHOT)
		result("drops: spoofed IP from c1", "not dropped");
	else if ((w = one_event(&spoof, VXNET_EV_DROP, VXNET_HOOK_FROM_CONTAINER,
				VXNET_DROP_SPOOF_IP, c1h, 0, why, sizeof(why))) ||
		 (w = same_frame(&spoof, why, sizeof(why))))
		result("drops: spoofed IP from c1: one drop event, from_container, spoofed-ip, c1h, "
		       "the frame", w);
	else
		result("drops: spoofed IP from c1: one drop event, from_container, spoofed-ip, c1h, "
		       "the frame", NULL);
	monitor_decode(&got[0], PORT, &info);
	result("drops: decoded: not VXLAN, 10.0.1.99:1000 > 10.0.1.3:53 udp",
	       info.vxlan || !info.inner.ipv4 || info.inner.src != ip("10.0.1.99") ||
			       info.inner.dst != ip("10.0.1.3") || info.inner.proto != IPPROTO_UDP ||
			       !info.inner.ports || info.inner.sport != 1000 || info.inner.dport != 53 ?
		       "wrong fields" : NULL);

	run(FROM_CONTAINER, &to_r1, c1h);
	run(TC_DECAP, &vx_good, ul0);
	snprintf(why, sizeof(why), "%d events", drain());
	result("drops: an encap and a decap make no event without --trace", ngot ? why : NULL);

	run(FROM_CONTAINER, &big, c1h);
	w = one_event(&big, VXNET_EV_DROP, VXNET_HOOK_FROM_CONTAINER, VXNET_DROP_SPOOF_IP, c1h, 0,
		      why, sizeof(why)) ?: same_frame(&big, why, sizeof(why));
	result("drops: a 296-byte frame: its length, its first 128 bytes", w);

	run(XDP_DECAP, &vx_stranger, 0);
	w = one_event(&vx_stranger, VXNET_EV_DROP, VXNET_HOOK_XDP_DECAP, VXNET_DROP_UNKNOWN_HOST,
		      1 /* test run: lo */, 0, why, sizeof(why)) ?: same_frame(&vx_stranger, why, sizeof(why));
	result("drops: VXLAN from 198.51.100.7 (no node) in XDP: xdp_decap, unknown-host", w);
	monitor_decode(&got[0], PORT, &info);
	result("drops: decoded: VXLAN vni 42 from 198.51.100.7, inner 10.0.1.4 > 10.0.1.2",
	       !info.vxlan || info.vni != VNI || info.outer.src != ip("198.51.100.7") ||
			       info.outer.dport != PORT || info.inner.src != ip("10.0.1.4") ||
			       info.inner.dst != ip("10.0.1.2") ? "wrong fields" : NULL);

	run(TC_DECAP, &vx_stranger, ul0);
	w = one_event(&vx_stranger, VXNET_EV_DROP, VXNET_HOOK_TC_DECAP, VXNET_DROP_UNKNOWN_HOST,
		      ul0, 0, why, sizeof(why));
	result("drops: the same on the underlay's tc ingress in tc mode: tc_decap", w);
	set_decap(VXNET_DECAP_XDP);
	run(TC_DECAP, &vx_stranger, ul0);
	w = one_event(&vx_stranger, VXNET_EV_DROP, VXNET_HOOK_NAT_IN, VXNET_DROP_UNKNOWN_HOST,
		      ul0, 0, why, sizeof(why));
	result("drops: ... and in XDP mode, where tc on the underlay is nat_in", w);
	set_decap(VXNET_DECAP_TC);

	/* Traces only. */
	set_flags(VXNET_MON_TRACE);
	run(FROM_CONTAINER, &spoof, c1h);
	snprintf(why, sizeof(why), "%d events", drain());
	result("trace: a drop makes no event without drops on", ngot ? why : NULL);

	run(FROM_CONTAINER, &to_r1, c1h);
	w = one_event(&to_r1, VXNET_EV_TRACE, VXNET_HOOK_FROM_CONTAINER, VXNET_STAT_ENCAP, c1h, 0,
		      why, sizeof(why));
	if (!w && got[0].len != to_r1.len + VXNET_ENCAP_LEN)
		w = "len is not the encapsulated frame's";
	result("trace: c1 to r1: one encap event, the frame encapsulated", w);
	monitor_decode(&got[0], PORT, &info);
	result("trace: decoded: outer 198.18.0.1 > 198.18.2.10 vni 42, inner 10.0.1.2:40000 > 10.0.1.4:80 tcp",
	       !info.vxlan || info.vni != VNI || info.outer.src != ip("198.18.0.1") ||
			       info.outer.dst != ip("198.18.2.10") || info.inner.src != ip("10.0.1.2") ||
			       info.inner.dst != ip("10.0.1.4") || info.inner.proto != IPPROTO_TCP ||
			       info.inner.sport != 40000 || info.inner.dport != 80 ? "wrong fields" : NULL);

	run(TC_DECAP, &vx_good, ul0);
	w = one_event(&vx_good, VXNET_EV_TRACE, VXNET_HOOK_TC_DECAP, VXNET_STAT_DECAP, ul0, c1h,
		      why, sizeof(why)) ?: same_frame(&vx_good, why, sizeof(why));
	result("trace: r1 to c1 (tc): one decap event, to c1h, the frame as it came", w);
	run(XDP_DECAP, &vx_good, 0);
	w = one_event(&vx_good, VXNET_EV_TRACE, VXNET_HOOK_XDP_DECAP, VXNET_STAT_DECAP, 1, c1h,
		      why, sizeof(why)) ?: same_frame(&vx_good, why, sizeof(why));
	result("trace: r1 to c1 (XDP): one decap event, to c1h", w);

	struct pkt local = eth(C2_MAC, C1_MAC, ETH_P_IP,
			       ipv4("10.0.1.2", "10.0.1.3", IPPROTO_UDP, udp(1000, 53, text("q"))));
	run(FROM_CONTAINER, &local, c1h);
	w = one_event(&local, VXNET_EV_TRACE, VXNET_HOOK_FROM_CONTAINER, VXNET_STAT_LOCAL, c1h, c2h,
		      why, sizeof(why));
	result("trace: c1 to c2: one local-delivery event, from c1h to c2h", w);

	struct pkt arp_req = eth(BCAST, C1_MAC, ETH_P_ARP, arp(1, C1_MAC, "10.0.1.2", ZERO_MAC, "10.0.1.3"));
	run(FROM_CONTAINER, &arp_req, c1h);
	w = one_event(&arp_req, VXNET_EV_TRACE, VXNET_HOOK_FROM_CONTAINER, VXNET_STAT_ARP_REPLY,
		      c1h, c1h, why, sizeof(why));
	result("trace: an ARP request answered: one arp-reply event back to c1h", w);

	/* A full ring: what does not fit is counted in lost, nothing else. */
	set_flags(VXNET_MON_DROPS);
	drain();
	__u64 lost0 = lost();
	int sent = 2 * RING_SIZE / (int)sizeof(struct vxnet_event);

	for (int i = 0; i < sent; i++)
		run(FROM_CONTAINER, &spoof, c1h);
	int kept = drain();
	__u64 nlost = lost() - lost0;

	snprintf(why, sizeof(why), "%d sent, %d in the ring, %llu lost", sent, kept,
		 (unsigned long long)nlost);
	result("lost: a ring of 16 KiB and twice as many drops as fit: every event is in the "
	       "ring or counted lost", kept + (int)nlost == sent && nlost > 0 && kept > 0 ? NULL : why);
	run(FROM_CONTAINER, &spoof, c1h);
	result("lost: room again once read", drain() == 1 && lost() - lost0 == nlost ? NULL :
	       "no event after the ring was read");

	set_flags(0);
	ring_buffer__free(rb);
	vxnet_bpf__destroy(skel);
	return failed;
}
