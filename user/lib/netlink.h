/* SPDX-License-Identifier: GPL-2.0-only */
/* The links, addresses and routes of `vxnet attach`, through libnl-route. */
#ifndef VXNET_NETLINK_H
#define VXNET_NETLINK_H

#include <stddef.h>
#include <stdint.h>

#include "state.h"

/* A veth pair: host_name stays here (MTU VX_HOST_VETH_MTU, down: the caller
 * brings it up once vxnet's program is on it), peer_name is created inside
 * the network namespace netns_fd (-1: here, down, for a runtime to move)
 * with mtu.
 */
#define VX_HOST_VETH_MTU 65535
int nl_veth_create(const char *host_name, const char *peer_name, int netns_fd,
		   unsigned int mtu);
int nl_link_delete(const char *name);
/* A kernel VXLAN device in external (collect_md) mode on UDP port, down. */
int nl_vxlan_external_create(const char *name, uint16_t port);
int nl_link_set_up(const char *name);
/* Sets link name's MAC address (in our namespace). */
int nl_link_set_mac(const char *name, const uint8_t mac[6]);
/* Sets link ifindex of our namespace up (1) or down (0). Up: once both
 * ends of a veth are, it can send when this returns (link_sync_pair).
 */
int nl_link_set_state(int ifindex, int up);
/* Whether a link of that name exists in the namespace netns_fd (-1: ours). */
int nl_link_exists(int netns_fd, const char *name);

/* The first name PREFIX0, PREFIX1, ... (as Docker names eth0, eth1) that
 * is no link in namespace netns_fd and that taken (when not NULL) does not
 * claim, into buf (len bytes). 0 or a negative errno (-ENOSPC: none free
 * among the first 1024).
 */
int nl_next_ifname(int netns_fd, const char *prefix, int (*taken)(const char *name, void *arg),
		   void *arg, char *buf, size_t len);

/* One TC filter of a hook, as `tc filter show` lists it. */
struct nl_tc_filter {
	uint32_t prio, handle;
	char kind[16];     /* "bpf", "u32", "matchall", ... */
	uint32_t prog_id;  /* a bpf filter's eBPF program (0: classic BPF or another kind) */
	char prog_name[256]; /* the name tc shows (TCA_BPF_NAME: the object's, or the program's) */
};
/* The filters on ifindex's clsact ingress hook (egress: 0), up to max of
 * them into out: how many there are (more than max: only max filled), or a
 * negative errno. No clsact qdisc: 0.
 */
int nl_tc_filters(int ifindex, int ingress, struct nl_tc_filter *out, int max);
/* Whether link ifindex of our namespace is up (1), down (0), or a negative
 * errno (-ENODEV: no such link).
 */
int nl_link_is_up(int ifindex);

struct nl_container_if {
	const char *tmp_name; /* the peer's name as created */
	const char *ifname;   /* final name, e.g. eth0 */
	uint8_t mac[6];
	unsigned int mtu;
	uint32_t ip, gateway; /* network order */
	uint8_t prefix;
	/* the network's other subnets, routed via the gateway */
	int nroutes;
	struct { uint32_t addr; uint8_t prefix; } routes[VX_MAX_SUBNETS];
};

/* What a network's change asks of an attached container's interface: its
 * MTU, and a route via gateway to each other subnet of the network.
 */
struct nl_peer_update {
	unsigned int mtu;
	int lower_only; /* only lower the MTU, add no route (before the maps) */
	uint32_t gateway;
	int nroutes;
	struct { uint32_t addr; uint8_t prefix; } routes[VX_MAX_SUBNETS];
};
/* What nl_peer_update changed: the MTU it found (old_mtu, when it set
 * another) and how many routes it added.
 */
struct nl_peer_result {
	unsigned int old_mtu; /* 0: the MTU was left as it was */
	int routes_added;
};
/* Applies u to the peer of host veth host_ifname, inside netns_fd (the
 * peer must still point back at the host veth); routes it has stay; *r
 * says what changed. -ENODEV when the veth or its peer is gone; quiet.
 */
int nl_peer_update(int netns_fd, const char *host_ifname, const struct nl_peer_update *u,
		   struct nl_peer_result *r);

/* Inside netns_fd: lo up (a new namespace has it down), then c's link:
 * rename, set MAC, up, address, default route via the gateway (unless the
 * namespace has one already) and a route via the gateway to each other
 * subnet of the network, GRO on (NAPI, so XDP can redirect into the veth),
 * IPv6 off as on Docker's overlay.
 */
int nl_setup_container_if(int netns_fd, const struct nl_container_if *c);

#endif
