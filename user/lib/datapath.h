/* SPDX-License-Identifier: GPL-2.0-only */
/* This host's datapath: the pin directory, the pinned maps and programs, the
 * hooks vxnet attaches to, and bringing it all up and down.
 */
#ifndef VXNET_DATAPATH_H
#define VXNET_DATAPATH_H

#include "kvset.h"
#include "state.h"
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

/* Attach/detach the program prog_fd as vxnet's TC ingress filter on ifindex
 * (creates clsact when missing; replaces vxnet's previous filter atomically).
 */
int dp_tc_attach(int ifindex, int prog_fd);
int dp_tc_detach(int ifindex);

/* MTU of the containers' interfaces: the underlay's minus the VXLAN
 * overhead, or a network's own.
 */
unsigned int dp_default_mtu(const struct vxnet_host *host);
static inline unsigned int dp_network_mtu(const struct vx_network *n, unsigned int default_mtu)
{
	return n->mtu ? n->mtu : default_mtu;
}

/* `vxnet up`: load the programs, pin them and the maps in dir (reusing
 * pinned maps, so a second up swaps programs under running traffic), attach
 * decap to dev and the from-container program to every local veth, then
 * sync the maps to st. Everything that can be checked is checked first.
 */
struct dp_up_opts {
	const char *dir;
	const char *node; /* this host's node in st */
	const char *dev;  /* underlay interface */
	int decap;        /* enum vxnet_decap_mode */
	unsigned int port;
};
int dp_up(const struct dp_up_opts *o, const struct vx_state *st, struct kv_result *res);
/* `vxnet down`: detach everything and remove the pins; host gets the record. */
int dp_down(const char *dir, struct vxnet_host *host);

#endif
