// SPDX-License-Identifier: GPL-2.0-only
/* The tables of maps.h. */
#include <string.h>
#include <unistd.h>

#include "datapath.h"
#include "log.h"
#include "maps.h"

const struct dp_map dp_maps[DP_MAP_COUNT] = {
	[DP_MAP_NODES] = { VXNET_PIN_NODES, sizeof(__be32), sizeof(struct vxnet_node),
			   "underlay address -> a registered host" },
	[DP_MAP_NETWORKS] = { VXNET_PIN_NETWORKS, sizeof(__u32), sizeof(struct vxnet_network),
			      "VNI -> network MTU, egress off" },
	[DP_MAP_SUBNETS] = { VXNET_PIN_SUBNETS, sizeof(struct vxnet_subnet_key),
			     sizeof(struct vxnet_subnet), "{VNI, subnet} (LPM) -> its gateway" },
	[DP_MAP_NODE_VNIS] = { VXNET_PIN_NODE_VNIS, sizeof(struct vxnet_node_vni),
			       sizeof(struct vxnet_node), "{host, VNI} with endpoints there" },
	[DP_MAP_IFACES] = { VXNET_PIN_IFACES, sizeof(__u32), sizeof(struct vxnet_iface),
			    "host veth ifindex -> the local endpoint behind it" },
	[DP_MAP_ENDPOINTS] = { VXNET_PIN_ENDPOINTS, sizeof(struct vxnet_ep_key),
			       sizeof(struct vxnet_endpoint), "{VNI, IP} -> endpoint or gateway" },
	[DP_MAP_BACKENDS] = { VXNET_PIN_BACKENDS, sizeof(struct vxnet_backend_key),
			      sizeof(struct vxnet_backend),
			      "{proto, host port, slot} -> a published port's backend (Maglev)" },
	[DP_MAP_SERVICES] = { VXNET_PIN_SERVICES, sizeof(struct vxnet_service_key),
			      sizeof(struct vxnet_service), "{proto, host port} -> its backends" },
	[DP_MAP_PUBLISHED] = { VXNET_PIN_PUBLISHED, sizeof(struct vxnet_published_key),
			       sizeof(struct vxnet_published),
			       "{VNI, IP, proto, port} of a backend -> its host port" },
	[DP_MAP_STATS] = { VXNET_PIN_STATS, sizeof(__u32), sizeof(struct vxnet_counter),
			   "per-CPU counters by event" },
	[DP_MAP_DROPS] = { VXNET_PIN_DROPS, sizeof(__u32), sizeof(struct vxnet_counter),
			   "per-CPU drops by reason" },
	[DP_MAP_DROPS_HOOK] = { VXNET_PIN_DROPS_HOOK, sizeof(__u32), sizeof(struct vxnet_counter),
				"per-CPU drops by hook * 64 + reason" },
	[DP_MAP_HOST] = { VXNET_PIN_HOST, sizeof(__u32), sizeof(struct vxnet_host),
			  "this host's datapath (vxnet up)" },
	[DP_MAP_NAT] = { VXNET_PIN_NAT, sizeof(struct vxnet_nat_key), sizeof(struct vxnet_nat),
			 "egress translations, two entries a flow (LRU)" },
	[DP_MAP_EP_STATS] = { VXNET_PIN_EP_STATS, sizeof(__u32), sizeof(struct vxnet_ep_stats),
			      "per-CPU traffic of local endpoints whose ep_slots slot is taken" },
	[DP_MAP_EP_SLOTS] = { VXNET_PIN_EP_SLOTS, sizeof(__u32), sizeof(struct vxnet_ep_slot),
			      "per-CPU traffic of each local endpoint, at ifindex % 4096" },
	[DP_MAP_MONITOR] = { VXNET_PIN_MONITOR, sizeof(__u32), sizeof(struct vxnet_monitor),
			     "vxnet monitor: who listens for which events, events lost" },
	[DP_MAP_EVENTS] = { VXNET_PIN_EVENTS, 0, 0, "ring of drop and trace events (vxnet monitor)" },
	[DP_MAP_NEXTHOPS] = { VXNET_PIN_NEXTHOPS, sizeof(__u32), sizeof(struct vxnet_nexthop),
			      "per-CPU underlay next hops by slot of the address (100 ms)" },
	[DP_MAP_GENS] = { VXNET_PIN_GENS, sizeof(__u32), sizeof(__u32),
			  "generations of ifaces and endpoints, bumped after each change" },
	[DP_MAP_IFACE_SLOTS] = { VXNET_PIN_IFACE_SLOTS, sizeof(__u32),
				 sizeof(struct vxnet_iface_slot),
				 "per-CPU copies of ifaces records, at ifindex % 4096" },
	[DP_MAP_EP_CACHE] = { VXNET_PIN_EP_CACHE, sizeof(__u32), sizeof(struct vxnet_ep_cached),
			      "per-CPU copies of endpoints records, by slot of {VNI, IP}" },
};

const struct dp_prog dp_progs[DP_PROG_COUNT] = {
	{ VXNET_PIN_PROG_FROM_CONTAINER, "vxnet_from_container" },
	{ VXNET_PIN_PROG_XDP_DECAP, "vxnet_xdp_decap" },
	{ VXNET_PIN_PROG_TC_DECAP, "vxnet_tc_decap" },
	{ VXNET_PIN_PROG_GRO_SINK, "vxnet_gro_sink" },
	{ VXNET_PIN_PROG_NAT_IN, "vxnet_nat_in" },
};

void dp_close_maps(int *fds, int n)
{
	for (int i = 0; i < n; i++) {
		if (fds[i] >= 0)
			close(fds[i]);
		fds[i] = -1;
	}
}

int dp_open_synced_maps(const char *dir, const char *who, int fds[DP_MAP_NSYNCED])
{
	for (int m = 0; m < DP_MAP_NSYNCED; m++)
		fds[m] = -1;
	for (int m = 0; m < DP_MAP_NSYNCED; m++) {
		fds[m] = dp_open_pin(dir, dp_maps[m].name);
		if (fds[m] < 0) {
			int err = fds[m];

			pr_err("%s: open %s/%s: %s", who, dir, dp_maps[m].name, strerror(-err));
			dp_close_maps(fds, DP_MAP_NSYNCED);
			return err;
		}
	}
	return 0;
}
