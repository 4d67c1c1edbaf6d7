/* SPDX-License-Identifier: GPL-2.0-only */
/* The one list of the datapath's pinned maps and programs. Loader, status,
 * sync and the agent iterate these tables; a new map is one row here plus
 * its definition in bpf/lib/maps.h and its structs in include/vxnet.h (and,
 * when the state fills it, what emit.c writes into it).
 */
#ifndef VXNET_MAPS_H
#define VXNET_MAPS_H

#include "vxnet.h"

/* Maps filled from the state come first, in write order: what others point
 * at before what points at it, so no entry refers to a missing one.
 */
enum dp_map_id {
	DP_MAP_NODES,
	DP_MAP_NETWORKS,
	DP_MAP_SUBNETS, /* before the endpoints: an address inside is never egress */
	DP_MAP_NODE_VNIS,
	DP_MAP_IFACES,
	DP_MAP_ENDPOINTS,
	DP_MAP_BACKENDS, /* a service's slots: after the endpoints they name */
	DP_MAP_SERVICES, /* after its slots: a service found has them */
	DP_MAP_PUBLISHED,
	DP_MAP_NSYNCED, /* the maps above are the state's; those below are not */
	DP_MAP_STATS = DP_MAP_NSYNCED,
	DP_MAP_DROPS,
	DP_MAP_DROPS_HOOK, /* drops by hook and reason (per-CPU) */
	DP_MAP_HOST,
	DP_MAP_NAT,     /* the datapath's own: egress translations, kept across up */
	DP_MAP_EP_STATS, /* per-endpoint traffic, by host veth ifindex (per-CPU) */
	DP_MAP_EP_SLOTS, /* the same in a per-CPU array, by ifindex % VXNET_EP_SLOTS */
	DP_MAP_MONITOR, /* vxnet monitor's switch and lost events */
	DP_MAP_EVENTS,  /* the events ring (no keys, no values) */
	DP_MAP_NEXTHOPS, /* the datapath's own cache of underlay next hops (per-CPU) */
	DP_MAP_GENS,    /* generations of the maps the datapath keeps copies of */
	DP_MAP_IFACE_SLOTS, /* the datapath's own copies of ifaces records (per-CPU) */
	DP_MAP_EP_CACHE, /* the same of endpoints records (per-CPU) */
	DP_MAP_COUNT,
};

struct dp_map {
	const char *name; /* pin name, and the map's name in bpf/lib/maps.h */
	unsigned int key_size, value_size;
	const char *holds;
};

extern const struct dp_map dp_maps[DP_MAP_COUNT];

struct dp_prog {
	const char *pin;  /* pin name under the pin directory */
	const char *name; /* the program's name in bpf/vxnet.bpf.c */
};

enum { DP_PROG_COUNT = 5 };
extern const struct dp_prog dp_progs[DP_PROG_COUNT];

/* Opens the pinned maps of the state (DP_MAP_NODES .. DP_MAP_NSYNCED - 1)
 * into fds; on failure one pr_err line "WHO: open DIR/NAME: reason" and
 * nothing is left open.
 */
int dp_open_synced_maps(const char *dir, const char *who, int fds[DP_MAP_NSYNCED]);
void dp_close_maps(int *fds, int n);

#endif
