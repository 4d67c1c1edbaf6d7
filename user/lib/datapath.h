/* SPDX-License-Identifier: GPL-2.0-only */
/* This host's datapath: the pin directory, the pinned maps and programs, the
 * hooks vxnet attaches to, and bringing it all up and down.
 */
#ifndef VXNET_DATAPATH_H
#define VXNET_DATAPATH_H

#include "kvset.h"
#include "state.h"
#include "store.h"
#include "vxnet.h"

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

/* After a change to a map the datapath keeps copies of (enum vxnet_gen:
 * ifaces): bumps its generation in DIR/gens, so that no copy made before
 * is used again. 0 when nothing is pinned there (nothing to invalidate),
 * else a negative errno; quiet.
 */
int dp_gen_bump(const char *dir, enum vxnet_gen which);
/* The same on the gens map's fd. */
int dp_gen_bump_fd(int gens_fd, enum vxnet_gen which);

/* One writer at a time per pin directory: every command and the agent hold
 * this lock while they change the maps, the hooks or the pins of dir. An
 * flock on dir itself (bpffs holds no regular files), so it lives and dies
 * with the datapath: after a down removed dir, a waiter gets -ENOENT. Nests
 * within a process: only the outermost dp_unlock releases it.
 * dp_lock: one pr_err line on failure ("vxnet is not up ..." without dir).
 * dp_lock_create (for up): makes dir first (dp_prepare_pin_dir).
 */
int dp_lock(const char *dir);
int dp_lock_create(const char *dir);
void dp_unlock(void);

/* Attach/detach the program prog_fd as vxnet's TC ingress filter on ifindex
 * (creates clsact when missing; replaces vxnet's previous filter atomically).
 */
int dp_tc_attach(int ifindex, int prog_fd);
int dp_tc_detach(int ifindex);
/* Whether ifindex has vxnet's TC ingress filter. */
int dp_tc_ours(int ifindex);
/* Detaches the XDP program of ifindex if it is vxnet's (any version). */
void dp_xdp_detach_ours(int ifindex);

/* A container's host-side veth: never up without vxnet's program. _attach
 * puts prog_fd on it, then brings it up; _detach takes it down, then
 * removes the program. Quiet; a negative errno.
 */
int dp_veth_attach(int ifindex, int prog_fd);
int dp_veth_detach(int ifindex);
/* net.ipv4.conf.IFNAME.accept_local = 1 on a container's host-side veth:
 * egress to one of this host's own addresses is translated to the host's
 * address and handed to its stack from the veth, which would otherwise
 * drop it as a martian (a local source). Quiet; a negative errno.
 */
int dp_veth_accept_local(const char *ifname);

/* Whether IPv4 address addr (network order) is an address of interface dev
 * in this namespace: 1, 0, or a negative errno. other (IFNAMSIZ bytes, or
 * NULL) gets another interface that has it, "" when none; dev_addr (or
 * NULL) dev's first IPv4 address, 0 when it has none.
 */
int dp_addr_where(const char *dev, uint32_t addr, char *other, uint32_t *dev_addr);

/* MTU of the containers' interfaces: the underlay's minus the VXLAN
 * overhead, or a network's own when the underlay carries it (a larger one
 * is clamped: reconcile_warn_mtu says so).
 */
unsigned int dp_default_mtu(const struct vxnet_host *host);
static inline unsigned int dp_network_mtu(const struct vx_network *n, unsigned int default_mtu)
{
	return n->mtu && n->mtu < default_mtu ? n->mtu : default_mtu;
}

/* `vxnet up`: load the programs, pin them and the maps in dir (reusing
 * pinned maps, so a second up swaps programs under running traffic; the
 * nat map, the egress translations, too), reserve the NAT ports, attach
 * decap to dev and vxnet_nat_in to lo (and in XDP mode to dev's tc
 * ingress; take vxnet's hooks off the previous up's device), sync
 * the maps to the state, then put the from-container program on every local
 * endpoint's veth (this node's endpoints with a host_ifname) and bring it
 * up. All of it under dp_lock, the state read from store under it too.
 * Everything that can be checked is checked first; a failure before the
 * host record is written puts back what up changed (hooks, pins, host
 * record, forwarding, reserved ports, the pin directory).
 */
struct dp_up_opts {
	const char *dir;
	const char *node; /* this host's node in the state */
	const char *dev;  /* underlay interface */
	int decap;        /* enum vxnet_decap_mode */
	unsigned int port;
	/* Egress NAT: the nat map's size (0: the pinned map's, else
	 * VXNET_NAT_ENTRIES; a pinned map of another size is refused) and
	 * the ports it takes, reserved in ip_local_reserved_ports (ports.h).
	 */
	unsigned int nat_entries;
	unsigned int nat_port_min, nat_port_max;
};
int dp_up(const struct dp_up_opts *o, struct vx_store *store, struct kv_result *res);
/* `vxnet down`: takes the local endpoints' veths down (those of st, when
 * not NULL, and those in the ifaces map; their records stay), detaches
 * everything, turns the underlay's forwarding off again when up turned it
 * on, takes the NAT ports out of the reserved ones when up put them there,
 * and removes the pins (the nat map's translations with them); host gets
 * the record.
 */
int dp_down(const char *dir, const struct vx_state *st, struct vxnet_host *host);

#endif
