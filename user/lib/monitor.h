/* SPDX-License-Identifier: GPL-2.0-only */
/* vxnet monitor's library: listening to the datapath's events ring (the
 * pinned events and monitor maps, include/vxnet.h), decoding an event's
 * frame and naming what it concerns from the state.
 */
#ifndef VXNET_MONITOR_H
#define VXNET_MONITOR_H

#include <stdint.h>

#include "state.h"
#include "vxnet.h"

/* ---- listening ---- */

struct vx_monitor;
/* Called for every event the ring holds; ev is valid during the call. */
typedef void (*vx_event_fn)(void *arg, const struct vxnet_event *ev);

/* Opens the pinned monitor and events maps of dir and switches event
 * output on for flags (enum vxnet_monitor_flags): one listener at a time
 * (-EBUSY when another live vxnet monitor has it). 0 or a negative errno
 * after one pr_err line.
 */
int monitor_open(const char *dir, uint32_t flags, vx_event_fn fn, void *arg,
		 struct vx_monitor **out);
/* Waits up to timeout_ms (VXNET_EVENTS_POLL_MS: the datapath wakes the
 * reader only when the ring is a quarter full) and hands every event the
 * ring holds to fn. The number of events handled, or a negative errno
 * (-EINTR: a signal).
 */
int monitor_poll(struct vx_monitor *m, int timeout_ms);
/* Events the datapath lost to a full ring since the last call (the first
 * call: since monitor_open).
 */
uint64_t monitor_lost(struct vx_monitor *m);
/* Switches event output off (flags 0) and closes everything. */
void monitor_close(struct vx_monitor *m);

/* ---- decoding ---- */

/* One Ethernet frame's headers, as far as they were captured. */
struct vx_frame {
	int eth;               /* an Ethernet header (all below need it) */
	uint8_t dmac[6], smac[6];
	uint16_t ethertype;    /* host order */
	int ipv4;              /* an IPv4 header follows */
	uint32_t src, dst;     /* network order */
	uint8_t proto, ttl;
	uint16_t ip_len;       /* IPv4 total length, host order */
	int fragment;          /* a non-first fragment: no ports */
	int ports;             /* TCP or UDP ports below */
	uint16_t sport, dport; /* host order */
	int icmp;              /* ICMP type and code below */
	uint8_t icmp_type, icmp_code;
	int arp;               /* an ARP packet for IPv4 over Ethernet */
	uint16_t arp_op;
	uint32_t arp_spa, arp_tpa;
};

struct vx_event_info {
	int vxlan;             /* the frame is VXLAN: outer, vni, inner */
	struct vx_frame outer; /* vxlan only */
	uint32_t vni;
	uint8_t vx_flags;
	struct vx_frame inner; /* the frame itself when not vxlan */
};

/* Decodes ev's captured bytes. port: the VXLAN port (struct vxnet_host). */
void monitor_decode(const struct vxnet_event *ev, uint16_t port, struct vx_event_info *out);

/* "from_container", "xdp_decap", ...; "drop", "trace"; "?" when unknown. */
const char *monitor_hook_name(unsigned int hook);
const char *monitor_type_name(unsigned int type);
/* The drop reason's or the trace point's name (vxnet stats' names). */
const char *monitor_code_name(const struct vxnet_event *ev);
/* Index of name in vxnet stats' drop names, or -1. */
int monitor_drop_reason(const char *name);

/* ---- names ---- */

/* What an event concerns, by name (NULL when unknown): the endpoint of
 * this host the program ran for (a container's sender, a decapsulated
 * frame's receiver), the one at the other end, their network.
 */
struct vx_event_names {
	const struct vx_endpoint *endpoint;
	const struct vx_endpoint *peer;
	const struct vx_network *network;
};

/* The endpoint whose host veth has ifindex on node (this host), or NULL. */
const struct vx_endpoint *monitor_endpoint_of_ifindex(const struct vx_state *st,
						      const char *node, uint32_t ifindex);
void monitor_names(const struct vx_state *st, const char *node, const struct vxnet_event *ev,
		   const struct vx_event_info *info, struct vx_event_names *out);

#endif
