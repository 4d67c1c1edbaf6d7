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

/* An IPv4 address in a map's key or value (and the key of the nodes map):
 * the datapath reads and writes be32 (__be32, network order); octets, the
 * same four bytes, is there for the maps' BTF only, so that `bpftool map
 * dump` shows the address as four octets beside the integer:
 * "ip": {"be32": 33554698, "octets": [10,1,0,2]}. A named union, not an
 * anonymous one: bpftool names an anonymous member "", twice in a struct
 * with two addresses. Costs nothing: the size and layout are the __be32's.
 */
union vxnet_addr {
	__be32 be32;
	__u8 octets[4];
};

#define VXNET_DEFAULT_PORT 4789
#define VXNET_ENCAP_LEN 50 /* outer eth 14 + ipv4 20 + udp 8 + vxlan 8 */
#define VXNET_MAX_ENDPOINTS 131072
#define VXNET_MAX_NODES 4096
#define VXNET_MAX_NETWORKS 4096
#define VXNET_MAX_IFACES 4096
#define VXNET_MAX_NODE_VNIS 65536
#define VXNET_NODE_NAME_LEN 64
#define VXNET_MAX_SUBNETS 65536
/* Egress NAT: default size of the nat map (`vxnet up --nat-entries`) and
 * the default NAT port range (`--nat-ports`), above Linux's default
 * ephemeral range (32768-60999) and reserved at up in
 * net.ipv4.ip_local_reserved_ports, so that no socket of the host is given
 * one of them.
 */
#define VXNET_NAT_ENTRIES 65536
#define VXNET_NAT_PORT_MIN 61001
#define VXNET_NAT_PORT_MAX 65535

/* Pin names under the pin directory (default /sys/fs/bpf/vxnet). */
#define VXNET_PIN_ENDPOINTS "endpoints"
#define VXNET_PIN_IFACES "ifaces"
#define VXNET_PIN_NODES "nodes"
#define VXNET_PIN_NETWORKS "networks"
#define VXNET_PIN_NODE_VNIS "node_vnis"
#define VXNET_PIN_STATS "stats"
#define VXNET_PIN_DROPS "drops"
#define VXNET_PIN_DROPS_HOOK "drops_hook"
#define VXNET_PIN_HOST "host"
#define VXNET_PIN_SUBNETS "subnets"
#define VXNET_PIN_NAT "nat"
#define VXNET_PIN_SERVICES "services"
#define VXNET_PIN_BACKENDS "backends"
#define VXNET_PIN_PUBLISHED "published"
#define VXNET_PIN_EP_STATS "ep_stats"
#define VXNET_PIN_NEXTHOPS "nexthops"
#define VXNET_PIN_MONITOR "monitor"
#define VXNET_PIN_EVENTS "events"
#define VXNET_PIN_PROG_FROM_CONTAINER "prog_from_container"
#define VXNET_PIN_PROG_XDP_DECAP "prog_xdp_decap"
#define VXNET_PIN_PROG_TC_DECAP "prog_tc_decap"
#define VXNET_PIN_PROG_GRO_SINK "prog_gro_sink"
#define VXNET_PIN_PROG_NAT_IN "prog_nat_in"

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
	union vxnet_addr ip;
};

enum vxnet_ep_flags {
	VXNET_EP_LOCAL = 1 << 0,   /* lives on this host behind ifindex */
	VXNET_EP_GATEWAY = 1 << 1, /* a subnet gateway: answers ARP and ping */
};

struct vxnet_endpoint {
	__u8 mac[6];
	__u16 flags;   /* enum vxnet_ep_flags */
	__u32 ifindex; /* host-side veth, local endpoints only */
	union vxnet_addr node;    /* underlay address of the endpoint's host */
	union vxnet_addr gateway; /* gateway of the endpoint's subnet (a gateway: itself) */
};

/* ifaces: host-side veth ifindex -> the endpoint behind it, for ARP answers,
 * anti-spoofing, the network (VNI) of whatever the container sends, the
 * gateway of its subnet (routing between subnets, ICMP errors' source) and
 * the network's MTU (a copy of networks[vni].mtu, so that encap needs no
 * networks lookup; 0: no limit known).
 */
struct vxnet_iface {
	__u32 vni;
	union vxnet_addr ip;
	__u8 mac[6];
	__u16 mtu;
	union vxnet_addr gateway;
};

/* iface_slots: the datapath's own per-CPU copy of ifaces records, at
 * ifindex % VXNET_IFACE_SLOTS, each tagged with the ifindex it is for and
 * the generation of ifaces (gens[VXNET_GEN_IFACES]) it was copied under;
 * taken by the first packet of an ifindex whose slot is free or holds an
 * older generation, else that ifindex is looked up in ifaces every time.
 * Whoever changes ifaces bumps its generation afterwards
 * (dp_gen_bump()): from then on no copy made before is used. A copy also
 * carries its network's flags from networks (egress on or off), so that
 * from_container needs no networks lookup: writers of networks bump the
 * same generation, and so does up once the programs are swapped (an older
 * build's programs copy records without the flags).
 */
#define VXNET_IFACE_SLOTS 4096
#define VXNET_PIN_IFACE_SLOTS "iface_slots"

/* gens: one __u32 per map the datapath keeps copies of, bumped by
 * userspace after each change to that map (VXNET_GEN_IFACES also after
 * each change to networks, whose flags iface_slots' copies carry;
 * VXNET_GEN_ENDPOINTS after each change to subnets, which ep_cache's
 * copies of an absence answer).
 */
enum vxnet_gen {
	VXNET_GEN_IFACES,
	VXNET_GEN_ENDPOINTS,
	VXNET_GEN_COUNT,
};
#define VXNET_PIN_GENS "gens"

/* ep_cache: the same for endpoints records, per CPU, by vxnet_ep_cache_slot()
 * of {VNI, IP}, tagged with the key and gens[VXNET_GEN_ENDPOINTS]: the
 * destination of a packet from a container (and of an ARP request), and
 * of a decapsulated frame; an address that is no endpoint is remembered
 * as such (egress destinations).
 */
#define VXNET_EP_CACHE_BITS 12
#define VXNET_EP_CACHE_SLOTS (1u << VXNET_EP_CACHE_BITS)
#define VXNET_PIN_EP_CACHE "ep_cache"

struct vxnet_iface_slot {
	__u32 ifindex; /* 0: free */
	__u32 gen;     /* gens[VXNET_GEN_IFACES] when it was copied */
	struct vxnet_iface ifc;
	__u32 net_flags; /* VXNET_SLOT_NET_COPIED | networks[ifc.vni].flags
			  * (VXNET_NET_NO_EGRESS: no such network) when it
			  * was copied; without VXNET_SLOT_NET_COPIED (a copy
			  * of an older build's): not known */
};
#define VXNET_SLOT_NET_COPIED (1u << 31)

struct vxnet_ep_cached {
	__u32 vni;  /* the key it is for (ip 0: free) */
	union vxnet_addr ip;
	__u32 gen;  /* gens[VXNET_GEN_ENDPOINTS] when it was copied */
	__u32 found; /* enum vxnet_ep_cached_found; ep only with _FOUND */
	struct vxnet_endpoint ep;
	__u32 pad2;
};

/* What an ep_cache copy says about its key. The absence of an endpoint
 * also says, once a container sent there (ep_find_in()), whether the
 * address lies in a subnet of the network (subnets), which decides
 * no-endpoint or egress: subnets' writers bump gens[VXNET_GEN_ENDPOINTS]
 * too.
 */
enum vxnet_ep_cached_found {
	VXNET_EPC_MISS = 0,         /* no such endpoint (subnets not asked) */
	VXNET_EPC_FOUND = 1,        /* ep is the record */
	VXNET_EPC_MISS_OUTSIDE = 2, /* no such endpoint, outside every subnet */
	VXNET_EPC_MISS_INSIDE = 3,  /* no such endpoint, inside a subnet */
};

/* The slot of {vni, ip} (ip in network order) in ep_cache. */
static inline __u32 vxnet_ep_cache_slot(__u32 vni, __u32 ip)
{
	return ((ip ^ (vni << 20)) * 2654435761u) >> (32 - VXNET_EP_CACHE_BITS);
}

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
	union vxnet_addr node;
	__u32 vni;
};

/* networks: VNI -> network properties. mtu: of the containers' interfaces
 * (underlay MTU - VXNET_ENCAP_LEN); larger packets are not encapsulated.
 */
enum vxnet_network_flags {
	VXNET_NET_NO_EGRESS = 1 << 0, /* `network create --no-egress`: nothing
				       * leaves the overlay (Docker's --internal) */
};

struct vxnet_network {
	__u32 mtu;
	__u32 flags; /* enum vxnet_network_flags */
};

/* subnets: an LPM trie of every subnet of every network: {VNI, subnet}
 * -> its gateway. A destination with no endpoint is dropped (no-endpoint)
 * when it lies in a subnet of the sender's network; outside all of them it
 * is egress, translated to this host's address (the nat map).
 */
struct vxnet_subnet_key {
	__u32 prefixlen; /* 32 (the VNI) + the subnet's prefix length */
	__u32 vni;
	union vxnet_addr addr; /* network address */
};

struct vxnet_subnet {
	union vxnet_addr gateway;
	__u32 pad;
};

/* nat: the connection-tracking and translation table of egress, an LRU hash
 * (size set at `vxnet up`). Every translated flow has two entries:
 *   OUT {OUT, proto, vni, container addr, remote, container port, remote port}
 *       -> {addr: this host's address, port: the NAT port}
 *   IN  {IN, proto, 0, this host's address, remote, NAT port, remote port}
 *       -> {vni, addr: container address, port: container port}
 * For ICMP echo the port is the echo identifier and the remote port 0. The
 * network is in the OUT key, so two containers with one address in two
 * networks are two flows with two NAT ports. NAT ports come from the range
 * reserved at up (struct vxnet_host nat_port_min..max).
 */
enum vxnet_nat_dir {
	VXNET_NAT_OUT = 0,
	VXNET_NAT_IN = 1,
};

struct vxnet_nat_key {
	__u8 dir;      /* enum vxnet_nat_dir */
	__u8 proto;    /* IPPROTO_TCP, IPPROTO_UDP, IPPROTO_ICMP */
	__u16 pad;
	__u32 vni;     /* OUT: the container's network; IN: 0 */
	union vxnet_addr addr;   /* OUT: the container's address; IN: this host's */
	union vxnet_addr remote; /* the address outside */
	__be16 port;   /* OUT: the container's port or echo id; IN: the NAT port */
	__be16 rport;  /* the remote port; ICMP: 0 */
};

enum vxnet_nat_flags {
	VXNET_NAT_F_CLOSING = 1 << 0,   /* TCP FIN or RST seen: expires soon */
	VXNET_NAT_F_REPLIED = 1 << 1,   /* a reply came back (IN entry used) */
	VXNET_NAT_F_PUBLISHED = 1 << 2, /* a client's flow to a published port */
	VXNET_NAT_F_VIA = 1 << 3,       /* OUT on the backend's host: answers go
					 * back untranslated through node, the
					 * node the client reached */
};

struct vxnet_nat {
	__u64 last_seen; /* bpf_ktime_get_coarse_ns() of the last packet */
	__u32 vni;       /* IN: the container's network; OUT: 0 */
	union vxnet_addr addr; /* OUT: this host's address; IN: the container's */
	__be16 port;           /* OUT: the NAT port; IN: the container's port or id */
	__u16 flags;           /* enum vxnet_nat_flags */
	union vxnet_addr node; /* IN of a published flow: the backend's host;
				* OUT with VXNET_NAT_F_VIA: the client's node */
};

/* Published ports (`vxnet attach --publish HOSTPORT:PORT/PROTO`): HOSTPORT
 * on every node's underlay address reaches PORT of the endpoints that
 * publish it, wherever they live, and the container sees the client's
 * address. The node a client reaches picks a backend (a Maglev table of
 * VXNET_SERVICE_SLOTS slots per service, the same on every node), keeps
 * the choice in the nat map (a published flow is an IN and an OUT entry
 * like egress, VXNET_NAT_F_PUBLISHED), and translates the destination; a
 * backend on another host gets the packet through the tunnel with
 * VXNET_VXLAN_F_PUBLISHED set in the VXLAN flags, untranslated source. Its
 * host remembers the node (an OUT entry with VXNET_NAT_F_VIA) and sends
 * the answers back through it, marked too, where they are translated.
 *
 * services: {proto, host port} -> the number of backends.
 * backends: {proto, host port, slot} -> the backend of that slot.
 * published: {VNI, IP, proto, port} of an endpoint that publishes that
 *            port -> the host port: a marked frame may only go to one.
 */
#define VXNET_MAX_SERVICES 1024
#define VXNET_SERVICE_SLOTS 251 /* a prime, Maglev's M */
#define VXNET_MAX_PUBLISHED 65536
#define VXNET_VXLAN_F_PUBLISHED 0x01 /* a reserved bit of the VXLAN flags */

struct vxnet_service_key {
	__u8 proto; /* IPPROTO_TCP or IPPROTO_UDP */
	__u8 pad;
	__be16 port; /* the host port */
};

struct vxnet_service {
	__u32 backends;
	__u32 pad;
};

struct vxnet_backend_key {
	__u8 proto;
	__u8 pad;
	__be16 port; /* the host port */
	__u32 slot;  /* 0 .. VXNET_SERVICE_SLOTS - 1 */
};

struct vxnet_backend {
	__u32 vni;
	union vxnet_addr ip;
	__be16 port; /* the container's port */
	__u16 pad;
	union vxnet_addr node; /* the backend's host */
};

struct vxnet_published_key {
	__u32 vni;
	union vxnet_addr ip;
	__u8 proto;
	__u8 pad;
	__be16 port; /* the container's port */
};

struct vxnet_published {
	__be16 hostport;
	__u16 pad;
	__u32 pad2;
};

/* How long an idle translation keeps its NAT port against a new flow that
 * wants it, in seconds (the LRU may evict it earlier when the map is full).
 */
#define VXNET_NAT_TIMEOUT_TCP 7440
#define VXNET_NAT_TIMEOUT_CLOSING 10
#define VXNET_NAT_TIMEOUT_UDP 180
#define VXNET_NAT_TIMEOUT_ICMP 30

/* host: single-entry array describing this host's datapath, written by
 * `vxnet up`, read by every later command.
 */
enum vxnet_decap_mode {
	VXNET_DECAP_XDP = 0,
	VXNET_DECAP_TC = 1,
};

enum vxnet_host_restore {
	VXNET_RESTORE_FWD = 1 << 0,   /* up turned IPv4 forwarding on the
				       * underlay on: down turns it off */
	VXNET_RESTORE_PORTS = 1 << 1, /* up added the NAT port range to
				       * ip_local_reserved_ports: down takes
				       * it out */
};

struct vxnet_host {
	char node[VXNET_NODE_NAME_LEN];
	union vxnet_addr addr; /* this host's underlay address (VTEP) */
	__u32 ifindex;    /* underlay device */
	__u16 port;       /* VXLAN UDP port, host order */
	__u8 decap;       /* enum vxnet_decap_mode */
	__u8 restore;     /* enum vxnet_host_restore: what down puts back */
	__u16 nat_port_min; /* egress NAT port range, host order */
	__u16 nat_port_max;
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
	VXNET_STAT_EGRESS,         /* from a container to outside, translated */
	VXNET_STAT_EGRESS_REPLY,   /* to this host's NAT port, translated back */
	VXNET_STAT_NAT_NEW,        /* new egress translations (NAT port taken) */
	VXNET_STAT_NAT_ICMP_ERROR, /* ICMP errors about a translated flow */
	VXNET_STAT_PUBLISHED,      /* a client's packets to a published port,
				    * sent on to the backend */
	VXNET_STAT_PUBLISHED_REPLY, /* a backend's answers, sent to the client */
	VXNET_STAT_PUBLISHED_NEW,  /* new published flows (a backend chosen) */
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
	VXNET_DROP_NO_EGRESS,       /* to outside the network, egress off */
	VXNET_DROP_NAT_EXHAUSTED,   /* no free NAT port for a new egress flow */
	VXNET_DROP_NAT_FAILED,      /* translation write failed, or the
				     * translated flow's container is gone */
	VXNET_DROP_NAT_UNSUPPORTED, /* egress that cannot be translated: not
				     * TCP, UDP or ICMP echo, or a fragment */
	VXNET_DROP_NO_BACKEND,      /* a published port without a backend */
	VXNET_DROP_NOT_PUBLISHED,   /* a marked (published) VXLAN frame to an
				     * endpoint that publishes no such port, or
				     * an answer for no published flow */
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

/* Events for `vxnet monitor`: the datapath writes a struct vxnet_event to
 * the events ring buffer (BPF_MAP_TYPE_RINGBUF, VXNET_EVENTS_SIZE bytes)
 * for every drop and, when asked, every packet it forwards, but only
 * while the monitor map says someone listens: with flags 0 a drop costs
 * one array lookup more (inlined by the verifier) and a forwarded packet
 * one lookup per trace point. A full ring loses the event and counts it
 * in lost.
 *
 * monitor: single-entry array, written by `vxnet monitor` (flags on start,
 * 0 on exit), lost added to by the datapath.
 */
enum vxnet_monitor_flags {
	VXNET_MON_DROPS = 1 << 0, /* an event for every drop */
	VXNET_MON_TRACE = 1 << 1, /* an event at every trace point (encap, decap, ...) */
};

struct vxnet_monitor {
	__u32 flags; /* enum vxnet_monitor_flags; 0: nobody listens */
	__u32 pid;   /* the listening vxnet monitor, for the curious */
	__u64 lost;  /* events the ring had no room for (atomic adds) */
};

#define VXNET_EVENTS_SIZE (256 * 1024) /* a power of 2, >= the page size */
#define VXNET_EVENTS_POLL_MS 100       /* the reader wakes up this often: the
					* datapath wakes it only when the ring
					* is a quarter full (a wakeup costs) */
#define VXNET_EVENT_CAP 128            /* bytes of the frame an event holds:
					* outer headers, inner eth, IPv4, ports */

enum vxnet_event_type {
	VXNET_EV_DROP = 1,
	VXNET_EV_TRACE = 2,
};

/* Where the program ran: which of the entry programs, and so what the
 * frame is (a container's frame, or what came in on the underlay).
 */
enum vxnet_hook {
	VXNET_HOOK_FROM_CONTAINER = 1, /* tc ingress of a container's host veth */
	VXNET_HOOK_XDP_DECAP = 2,      /* XDP on the underlay */
	VXNET_HOOK_TC_DECAP = 3,       /* tc ingress of the underlay, tc decap mode */
	VXNET_HOOK_NAT_IN = 4,         /* tc ingress of the underlay (XDP mode) or lo */
	VXNET_HOOK_GRO_SINK = 5,       /* tc ingress of VXNET_GRO_DEV */
	VXNET_HOOK__MAX,
};

/* drops_hook: per-CPU struct vxnet_counter at hook * VXNET_COUNTER_SLOTS +
 * reason (enum vxnet_hook, enum vxnet_drop), counted with drops.
 */
#define VXNET_HOOK_SLOTS 8
_Static_assert(VXNET_HOOK__MAX <= VXNET_HOOK_SLOTS, "hook slots");
#define VXNET_DROPS_HOOK_SLOTS (VXNET_HOOK_SLOTS * VXNET_COUNTER_SLOTS)

/* One event. A drop: code is the enum vxnet_drop, data the frame as it was
 * when dropped. A trace: code is the enum vxnet_stat of the trace point
 * (VXNET_STAT_ENCAP: the frame encapsulated, outer headers first;
 * VXNET_STAT_DECAP: the frame as it came in, before decapsulation;
 * VXNET_STAT_LOCAL, _ARP_REPLY, _GW_ECHO, _ICMP_FRAG_NEEDED, _EGRESS,
 * _EGRESS_REPLY, _PUBLISHED, _PUBLISHED_REPLY: the frame as sent on).
 */
struct vxnet_event {
	__u64 ts;      /* bpf_ktime_get_ns(): CLOCK_MONOTONIC */
	__u8 type;     /* enum vxnet_event_type */
	__u8 hook;     /* enum vxnet_hook */
	__u16 code;    /* enum vxnet_drop or enum vxnet_stat */
	__u32 ifindex; /* the device the program ran on (a host veth: the sender) */
	__u32 target;  /* the host veth the frame goes to (local delivery,
			* decap, translated answers), else 0 */
	__u32 len;     /* the frame's length */
	__u32 cap_len; /* how much of it is in data */
	__u32 pad;
	__u8 data[VXNET_EVENT_CAP];
};

/* The layouts of the previous release's pinned maps (pinned_map_fits()
 * compares sizes): union vxnet_addr must not change them.
 */
_Static_assert(sizeof(struct vxnet_ep_key) == 8, "ep key");
_Static_assert(sizeof(struct vxnet_endpoint) == 20, "endpoint");
_Static_assert(sizeof(struct vxnet_iface) == 20, "iface");
_Static_assert(sizeof(struct vxnet_iface_slot) == 32, "iface slot");
_Static_assert(sizeof(struct vxnet_ep_cached) == 40, "ep cache");
_Static_assert(sizeof(struct vxnet_node_vni) == 8, "node_vni");
_Static_assert(sizeof(struct vxnet_subnet_key) == 12, "subnet key");
_Static_assert(sizeof(struct vxnet_subnet) == 8, "subnet");
_Static_assert(sizeof(struct vxnet_nat_key) == 20, "nat key");
_Static_assert(sizeof(struct vxnet_nat) == 24, "nat");
_Static_assert(sizeof(struct vxnet_backend) == 16, "backend");
_Static_assert(sizeof(struct vxnet_published_key) == 12, "published key");
_Static_assert(sizeof(struct vxnet_host) == 80, "host");
_Static_assert(sizeof(union vxnet_addr) == 4, "nodes key");

/* ep_slots / ep_stats: per-CPU traffic of each local endpoint, by its
 * host-side veth ifindex (__u32, the key of ifaces): in its ep_slots slot
 * (below) on each CPU where it owns it, else in its ep_stats entry (made
 * on its first packet there). Detach frees both, and so does every full
 * sync for an ifindex no longer in ifaces (a veth deleted without detach):
 * a later endpoint that gets the same ifindex starts from zero. Sum the
 * CPUs' values, of both
 * (metrics_read_ep_stats()).
 *   tx: every frame the endpoint sent (seen by vxnet_from_container on its
 *       veth, with an ifaces entry), whatever became of it (forwarded,
 *       answered, or dropped: the drops map says why);
 *   rx: every frame vxnet handed to it: local delivery from a neighbour,
 *       decapsulated from another host, egress answers and published
 *       ports translated to it, and the answers vxnet makes itself (ARP
 *       replies, gateway echo replies, ICMP "fragmentation needed").
 * Bytes are the frame's length at that point (L2, inner frame).
 */
struct vxnet_ep_stats {
	__u64 tx_packets;
	__u64 tx_bytes;
	__u64 rx_packets;
	__u64 rx_bytes;
};

/* ep_slots: the same counters in a per-CPU array, at ifindex %
 * VXNET_EP_SLOTS, each CPU's value owned by the ifindex it counts (0:
 * free; taken by the first packet). ep_stats keeps those whose slot
 * another ifindex owns on that CPU. An endpoint's traffic: the sum of
 * both over CPUs where the owner is its ifindex.
 */
#define VXNET_EP_SLOTS 4096
#define VXNET_PIN_EP_SLOTS "ep_slots"

struct vxnet_ep_slot {
	__u32 ifindex;
	__u32 pad;
	struct vxnet_ep_stats s;
};

/* nexthops: the datapath's own cache of the underlay's route from this
 * host's address to an address (a node, or egress's destination): a
 * per-CPU array, direct-mapped (the slot vxnet_nh_slot(addr), the entry
 * tagged with addr), filled from bpf_fib_lookup() when it found the route
 * and its neighbour, and looked up again once expires
 * (bpf_ktime_get_coarse_ns) has passed: VXNET_NH_TTL_NS after it was
 * filled, or when another address takes the slot. Pinned, not synced:
 * a route or neighbour change reaches the datapath at the latest
 * VXNET_NH_TTL_NS (plus a clock tick) later.
 */
#define VXNET_NH_BITS 12
#define VXNET_NH_ENTRIES (1u << VXNET_NH_BITS)
#define VXNET_NH_TTL_NS (100ULL * 1000 * 1000)

struct vxnet_nexthop {
	__u64 expires;  /* bpf_ktime_get_coarse_ns() after which it is looked up again */
	__u64 checked;  /* the jiffy (bpf_jiffies64()) it was last found unexpired in */
	__u32 ifindex;  /* underlay device the route leaves by */
	union vxnet_addr addr; /* the destination it is for (0: none) */
	__u16 mtu;      /* the route's MTU (ip_mtu_from_fib_result()) */
	__u8 smac[6];
	__u8 dmac[6];   /* the next hop's */
	__u8 pad[2];
};

/* The slot of addr (network order) in nexthops: a multiplicative hash. */
static inline __u32 vxnet_nh_slot(__u32 addr)
{
	return (addr * 2654435761u) >> (32 - VXNET_NH_BITS);
}
_Static_assert(sizeof(struct vxnet_nexthop) == 40, "nexthop");

#endif /* VXNET_H */
