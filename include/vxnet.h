/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* What the BPF programs and the vxnet loader share: map keys and values,
 * counter and drop-reason enums, pin names. Fixed-width types only, explicit
 * padding, no pointers: these structs are the maps' BTF.
 */
#ifndef VXNET_H
#define VXNET_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#define VXNET_DEFAULT_PORT 4789
#define VXNET_ENCAP_LEN 50 /* outer eth 14 + ipv4 20 + udp 8 + vxlan 8 */
#define VXNET_MAX_ENDPOINTS 131072
#define VXNET_MAX_NODES 4096
#define VXNET_MAX_NETWORKS 4096
#define VXNET_MAX_IFACES 4096
#define VXNET_MAX_NODE_VNIS 65536
#define VXNET_NODE_NAME_LEN 64

/* Pin names under the pin directory (default /sys/fs/bpf/vxnet). */
#define VXNET_PIN_ENDPOINTS "endpoints"
#define VXNET_PIN_IFACES "ifaces"
#define VXNET_PIN_NODES "nodes"
#define VXNET_PIN_NETWORKS "networks"
#define VXNET_PIN_NODE_VNIS "node_vnis"
#define VXNET_PIN_STATS "stats"
#define VXNET_PIN_DROPS "drops"
#define VXNET_PIN_HOST "host"
#define VXNET_PIN_PROG_FROM_CONTAINER "prog_from_container"
#define VXNET_PIN_PROG_XDP_DECAP "prog_xdp_decap"
#define VXNET_PIN_PROG_TC_DECAP "prog_tc_decap"
#define VXNET_PIN_PROG_GRO_SINK "prog_gro_sink"

/* With tc decap: a kernel VXLAN device in external mode on the VXLAN port,
 * there only so that the underlay's GRO aggregates VXLAN (its UDP socket
 * carries the tunnel GRO handler). vxnet_gro_sink drops whatever reaches it.
 */
#define VXNET_GRO_DEV "vxnet-gro"

/* endpoints: one entry per endpoint (and one per subnet gateway) of every
 * network in the cluster, keyed by network and IPv4 address.
 */
struct vxnet_ep_key {
	__u32 vni;
	__be32 ip;
};

enum vxnet_ep_flags {
	VXNET_EP_LOCAL = 1 << 0,   /* lives on this host behind ifindex */
	VXNET_EP_GATEWAY = 1 << 1, /* a subnet gateway: answers ARP and ping */
};

struct vxnet_endpoint {
	__u8 mac[6];
	__u16 flags;   /* enum vxnet_ep_flags */
	__u32 ifindex; /* host-side veth, local endpoints only */
	__be32 node;   /* underlay address of the endpoint's host */
	__be32 gateway; /* gateway of the endpoint's subnet (a gateway: itself) */
};

/* ifaces: host-side veth ifindex -> the endpoint behind it, for ARP answers,
 * anti-spoofing, the network (VNI) of whatever the container sends, the
 * gateway of its subnet (routing between subnets, ICMP errors' source) and
 * the network's MTU (a copy of networks[vni].mtu, so that encap needs no
 * networks lookup; 0: no limit known).
 */
struct vxnet_iface {
	__u32 vni;
	__be32 ip;
	__u8 mac[6];
	__u16 mtu;
	__be32 gateway;
};

/* nodes: underlay address -> a host that may send us VXLAN. */
struct vxnet_node {
	__u32 flags;
	__u32 pad;
};

/* node_vnis: {host, VNI} for every host with an endpoint in the network:
 * VXLAN from a registered host for a VNI it has no endpoint in is dropped.
 * The value is struct vxnet_node (all zero today).
 */
struct vxnet_node_vni {
	__be32 node;
	__u32 vni;
};

/* networks: VNI -> network properties. mtu: of the containers' interfaces
 * (underlay MTU - VXNET_ENCAP_LEN); larger packets are not encapsulated.
 */
struct vxnet_network {
	__u32 mtu;
	__u32 pad;
};

/* host: single-entry array describing this host's datapath, written by
 * `vxnet up`, read by every later command.
 */
enum vxnet_decap_mode {
	VXNET_DECAP_XDP = 0,
	VXNET_DECAP_TC = 1,
};

struct vxnet_host {
	char node[VXNET_NODE_NAME_LEN];
	__be32 addr;      /* this host's underlay address (VTEP) */
	__u32 ifindex;    /* underlay device */
	__u16 port;       /* VXLAN UDP port, host order */
	__u8 decap;       /* enum vxnet_decap_mode */
	__u8 fwd_restore; /* 1: up turned IPv4 forwarding on the underlay on;
			   * down turns it off again */
	__u32 pad2;
};

/* stats: per-CPU packet and byte counters by event. */
enum vxnet_stat {
	VXNET_STAT_FROM_CONTAINER, /* frames seen on a container veth */
	VXNET_STAT_LOCAL,          /* delivered to an endpoint on this host */
	VXNET_STAT_ENCAP,          /* encapsulated towards another host */
	VXNET_STAT_DECAP,          /* decapsulated from another host */
	VXNET_STAT_ARP_REPLY,      /* ARP requests answered */
	VXNET_STAT_PASS,           /* underlay frames not for vxnet, passed */
	VXNET_STAT_ICMP_FRAG_NEEDED, /* ICMP "fragmentation needed" sent to a container */
	VXNET_STAT_DECAP_GRO,      /* of DECAP: GRO aggregates (several segments) */
	VXNET_STAT_GW_ECHO,        /* ICMP echo requests to a gateway answered */
	VXNET_STAT__MAX,
};

/* drops: per-CPU counters by reason. Every drop in the datapath has one. */
enum vxnet_drop {
	VXNET_DROP_MALFORMED,       /* truncated or malformed headers */
	VXNET_DROP_UNKNOWN_IFACE,   /* veth not registered in ifaces */
	VXNET_DROP_SPOOF_MAC,       /* source MAC is not the endpoint's */
	VXNET_DROP_SPOOF_IP,        /* source IP is not the endpoint's */
	VXNET_DROP_NO_ENDPOINT,     /* destination IP unknown in the network */
	VXNET_DROP_UNSUPPORTED,     /* ethertype / ARP op vxnet does not carry */
	VXNET_DROP_UNKNOWN_HOST,    /* VXLAN from an unregistered address */
	VXNET_DROP_UNKNOWN_VNI,     /* VXLAN for a VNI we do not serve */
	VXNET_DROP_NOT_LOCAL,       /* VXLAN to an endpoint not on this host */
	VXNET_DROP_BAD_VXLAN,       /* VXLAN header without the I flag */
	VXNET_DROP_FIB,             /* no underlay route to the remote host */
	VXNET_DROP_ENCAP,           /* adjust_room / header write failed */
	VXNET_DROP_DECAP,           /* decapsulation failed */
	VXNET_DROP_TTL_EXCEEDED,    /* routed between subnets with TTL <= 1 */
	VXNET_DROP_TOO_BIG,         /* larger than the network MTU, DF clear */
	VXNET_DROP_FRAG_NEEDED,     /* larger than the network MTU, DF set:
				     * answered with ICMP frag needed */
	VXNET_DROP_HOST_NOT_IN_VNI, /* VXLAN from a host without endpoints in the VNI */
	VXNET_DROP_KERNEL_TUNNEL,   /* VXLAN that decap passed reached the GRO
				     * device's socket (a reassembled fragment) */
	VXNET_DROP_SPOOF_REMOTE,    /* VXLAN whose inner source IP is not an
				     * endpoint of the sending node in that VNI,
				     * or whose source MAC is neither that
				     * endpoint's nor a routing gateway's */
	VXNET_DROP_NOT_FOR_HOST,    /* VXLAN whose outer destination is not this
				     * host's underlay address */
	VXNET_DROP__MAX,
};

/* Slots in the stats and drops maps: more than the enums use, so that a
 * release adding a counter or a drop reason reuses the pinned maps of the
 * one before it (`vxnet up` over old pins) instead of failing on their size.
 */
#define VXNET_COUNTER_SLOTS 64
_Static_assert(VXNET_STAT__MAX <= VXNET_COUNTER_SLOTS, "stats slots");
_Static_assert(VXNET_DROP__MAX <= VXNET_COUNTER_SLOTS, "drops slots");

struct vxnet_counter {
	__u64 packets;
	__u64 bytes;
};

#endif /* VXNET_H */
