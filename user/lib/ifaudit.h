/* SPDX-License-Identifier: GPL-2.0-only */
/* The container interfaces of this host as three sources tell them: the
 * state (this node's endpoints that have a host veth), the ifaces map, and
 * the kernel (the vx* links, their link state and the TC filters on their
 * ingress). Each interface gets one row and the mismatches between the
 * three, for `vxnet status`.
 */
#ifndef VXNET_IFAUDIT_H
#define VXNET_IFAUDIT_H

#include <net/if.h>

#include "netlink.h"
#include "state.h"
#include "vxnet.h"

/* What is wrong with a row; its name in vx_if_problem_names. */
enum vx_if_problem {
	VX_IF_VETH_MISSING,     /* the endpoint's veth (or a map entry's link) is not on this host */
	VX_IF_LINK_DOWN,        /* the veth is down while vxnet is up */
	VX_IF_PROGRAM_MISSING,  /* vxnet's filter is not on the veth's ingress */
	VX_IF_FOREIGN_PROGRAM,  /* another filter on the veth's ingress, or in vxnet's place */
	VX_IF_OLD_PROGRAM,      /* vxnet's filter runs a from-container program that is not the pinned one */
	VX_IF_MAP_MISSING,      /* the endpoint's veth has no ifaces entry */
	VX_IF_MAP_DIFFERS,      /* the ifaces entry holds another address or MAC than the endpoint */
	VX_IF_ENDPOINT_MISSING, /* a map entry or a vx* veth without an endpoint of this node */
	VX_IF__MAX
};
extern const char *const vx_if_problem_names[VX_IF__MAX];

#define VX_IF_MAX_FILTERS 8

struct vx_if_row {
	char host_ifname[IFNAMSIZ]; /* "" for a map entry whose link is gone */
	unsigned int ifindex;       /* 0: no such link (a map entry's: its key, link or not) */
	const struct vx_endpoint *ep; /* this node's endpoint on it, or NULL */
	int link_up;                /* 1 up, 0 down, -1 no link */
	int in_map;
	struct vxnet_iface map;     /* the ifaces entry, when in_map */
	int nfilters;               /* on ingress (filters[] holds up to VX_IF_MAX_FILTERS) */
	struct nl_tc_filter filters[VX_IF_MAX_FILTERS];
	int vxnet_filter;           /* index in filters of vxnet's handle and priority, or -1 */
	unsigned int problems;      /* 1 << enum vx_if_problem */
};

struct vx_if_audit {
	struct vx_if_row *rows;
	size_t n;
	__u32 prog_id;        /* the pinned from-container program (0: not found) */
	char prog_name[16];
	int have_state;       /* 0: the state could not be read, endpoints unknown */
	size_t nbad;          /* rows with a problem */
};

/* Fills a from the pins in pin_dir, this host's node, st (NULL: not
 * readable; no endpoint judgement) and the kernel. 0 or -ENOMEM.
 */
int vx_if_audit(const char *pin_dir, const char *node, const struct vx_state *st,
		struct vx_if_audit *a);
void vx_if_audit_free(struct vx_if_audit *a);

#endif
