/* SPDX-License-Identifier: GPL-2.0-only */
/* This host's datapath as later commands see it: the pin directory, the
 * pinned maps and programs, and the hooks vxnet attaches to.
 */
#ifndef VXNET_DATAPATH_H
#define VXNET_DATAPATH_H

#include "vxnet.h"
#include "state.h"

/* TC filters vxnet owns: one handle/priority, so a second `up` replaces them. */
#define VX_TC_HANDLE 0x7678
#define VX_TC_PRIO 1

/* Mounts bpffs on /sys/fs/bpf when missing and creates dir; checks dir is on
 * bpffs. One pr_err line on failure.
 */
int dp_prepare_pin_dir(const char *dir);
/* fd of a pinned object DIR/NAME, or negative errno (no message). */
int dp_open_pin(const char *dir, const char *name);
/* Reads the host record; prints "vxnet is not up ..." when nothing is pinned. */
int dp_read_host(const char *dir, struct vxnet_host *host);

/* Attach/detach the program prog_fd as vxnet's TC ingress filter on ifindex
 * (creates clsact when missing; replaces vxnet's previous filter atomically).
 */
int dp_tc_attach(int ifindex, int prog_fd);
int dp_tc_detach(int ifindex);

struct dp_sync_result {
	unsigned int added, changed, removed;
};

/* Makes the pinned maps equal to the state for this host: writes only the
 * differences. The state must already be valid.
 */
int dp_sync(const struct vx_state *st, const char *dir,
	    struct dp_sync_result *res);

/* One endpoint's entries on this host, as dp_sync writes them: the
 * endpoints entry (k, e), its {node, VNI} pair (nv) and, for an endpoint
 * attached on this host, its ifaces entry (ifindex, f). 0: remote (or not
 * attached by vxnet), 1: local, -ENOENT: its network or node is missing,
 * -ENODEV: local but its interface is gone (k, nv still filled).
 */
int dp_endpoint_entry(const struct vx_state *st, const struct vxnet_host *host,
		      const struct vx_endpoint *ep, struct vxnet_ep_key *k,
		      struct vxnet_endpoint *e, struct vxnet_node_vni *nv,
		      __u32 *ifindex, struct vxnet_iface *f);

/* Per-network MTU on this host: the network's, or underlay MTU - 50. */
unsigned int dp_network_mtu(const struct vx_network *n, const struct vxnet_host *host);

#endif
