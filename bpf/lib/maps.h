/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* The datapath's maps. Names and types are the loader's interface (see
 * include/vxnet.h); no pinning attribute: the loader sets pin paths itself.
 */
#ifndef VXNET_LIB_MAPS_H
#define VXNET_LIB_MAPS_H

#include <vmlinux.h>
#include <bpf/bpf_helpers.h>
#include <vxnet.h>

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, VXNET_MAX_ENDPOINTS);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct vxnet_ep_key);
	__type(value, struct vxnet_endpoint);
} endpoints SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, VXNET_MAX_IFACES);
	__type(key, __u32);
	__type(value, struct vxnet_iface);
} ifaces SEC(".maps");

/* ifaces' records by slot, per CPU, and the generation that says which
 * copies are current (include/vxnet.h, iface_lookup()).
 */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, VXNET_IFACE_SLOTS);
	__type(key, __u32);
	__type(value, struct vxnet_iface_slot);
} iface_slots SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, VXNET_EP_CACHE_SLOTS);
	__type(key, __u32);
	__type(value, struct vxnet_ep_cached);
} ep_cache SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, VXNET_GEN_COUNT);
	__type(key, __u32);
	__type(value, __u32);
} gens SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, VXNET_MAX_NODES);
	__type(key, union vxnet_addr); /* a __be32 */
	__type(value, struct vxnet_node);
} nodes SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, VXNET_MAX_NODE_VNIS);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct vxnet_node_vni);
	__type(value, struct vxnet_node);
} node_vnis SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, VXNET_MAX_NETWORKS);
	__type(key, __u32);
	__type(value, struct vxnet_network);
} networks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, VXNET_COUNTER_SLOTS);
	__type(key, __u32);
	__type(value, struct vxnet_counter);
} stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, VXNET_COUNTER_SLOTS);
	__type(key, __u32);
	__type(value, struct vxnet_counter);
} drops SEC(".maps");

/* Drops by hook and reason: hook * VXNET_COUNTER_SLOTS + reason. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, VXNET_DROPS_HOOK_SLOTS);
	__type(key, __u32);
	__type(value, struct vxnet_counter);
} drops_hook SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, VXNET_MAX_SUBNETS);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct vxnet_subnet_key);
	__type(value, struct vxnet_subnet);
} subnets SEC(".maps");

/* Its size is the loader's (vxnet up --nat-entries). */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, VXNET_NAT_ENTRIES);
	__type(key, struct vxnet_nat_key);
	__type(value, struct vxnet_nat);
} nat SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, VXNET_MAX_SERVICES);
	__type(key, struct vxnet_service_key);
	__type(value, struct vxnet_service);
} services SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, VXNET_MAX_SERVICES * VXNET_SERVICE_SLOTS);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct vxnet_backend_key);
	__type(value, struct vxnet_backend);
} backends SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, VXNET_MAX_PUBLISHED);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct vxnet_published_key);
	__type(value, struct vxnet_published);
} published SEC(".maps");

/* Per-endpoint traffic (struct vxnet_ep_stats), created on first use. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, VXNET_MAX_IFACES);
	__type(key, __u32);
	__type(value, struct vxnet_ep_stats);
} ep_stats SEC(".maps");

/* Underlay next hops (struct vxnet_nexthop, lib/fib.h): per CPU, by
 * vxnet_nh_slot() of the address.
 */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, VXNET_NH_ENTRIES);
	__type(key, __u32);
	__type(value, struct vxnet_nexthop);
} nexthops SEC(".maps");

/* Per-endpoint traffic by ifindex % VXNET_EP_SLOTS (struct vxnet_ep_slot). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, VXNET_EP_SLOTS);
	__type(key, __u32);
	__type(value, struct vxnet_ep_slot);
} ep_slots SEC(".maps");

/* vxnet monitor's switch (struct vxnet_monitor) and its ring of events. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct vxnet_monitor);
} monitor SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, VXNET_EVENTS_SIZE);
} events SEC(".maps");

/* Written by userspace only; here so that it has BTF and gets pinned. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct vxnet_host);
} host SEC(".maps");

static __always_inline struct vxnet_endpoint *ep_lookup(__u32 vni, __be32 ip)
{
	struct vxnet_ep_key key = { .vni = vni, .ip.be32 = ip };

	return bpf_map_lookup_elem(&endpoints, &key);
}

/* The ifaces record of host veth ifindex, or NULL: this CPU's copy in its
 * iface_slots slot when that is of the current generation, else from
 * ifaces, copied into the slot if it is free or out of date (a slot that
 * another ifindex holds at the current generation stays its: this one is
 * then looked up every time). The generation is read before ifaces, and
 * userspace bumps it after writing ifaces: a copy made from a record
 * older than a change carries an older generation than the one the change
 * left, and is not used again. *net_flags: the copy's net_flags (its
 * network's flags with VXNET_SLOT_NET_COPIED), or 0 when there is no copy
 * to read them from (the caller looks networks up). networks is read
 * after the generation too, and its writers bump the same one.
 */
static __always_inline const struct vxnet_iface *iface_lookup(__u32 ifindex, __u32 *net_flags)
{
	__u32 which = VXNET_GEN_IFACES, slot = ifindex % VXNET_IFACE_SLOTS;
	const struct vxnet_iface *ifc;
	const struct vxnet_network *net;
	struct vxnet_iface_slot *s;
	__u32 *g, gen;

	*net_flags = 0;
	g = bpf_map_lookup_elem(&gens, &which);
	s = bpf_map_lookup_elem(&iface_slots, &slot);
	if (!g || !s) /* never: arrays' slots */
		return bpf_map_lookup_elem(&ifaces, &ifindex);
	gen = *(volatile __u32 *)g;
	if (s->ifindex == ifindex && s->gen == gen) {
		*net_flags = s->net_flags;
		return &s->ifc;
	}
	ifc = bpf_map_lookup_elem(&ifaces, &ifindex);
	if (!ifc || (s->ifindex && s->ifindex != ifindex && s->gen == gen))
		return ifc;
	s->ifc = *ifc;
	net = bpf_map_lookup_elem(&networks, &ifc->vni);
	s->net_flags = VXNET_SLOT_NET_COPIED | (net ? net->flags : VXNET_NET_NO_EGRESS);
	s->ifindex = ifindex;
	s->gen = gen;
	*net_flags = s->net_flags;
	return &s->ifc;
}

/* Where ip lies in network vni, which has no endpoint there: inside one of
 * its subnets (VXNET_EPC_MISS_INSIDE: nobody there) or outside every one
 * (VXNET_EPC_MISS_OUTSIDE: egress). Out of line: its key stays off the
 * frames of ep_find()'s callers.
 */
static __noinline __u32 subnet_where(__u32 vni, __be32 ip)
{
	struct vxnet_subnet_key sk = { .prefixlen = 64, .vni = vni, .addr.be32 = ip };

	return bpf_map_lookup_elem(&subnets, &sk) ? VXNET_EPC_MISS_INSIDE : VXNET_EPC_MISS_OUTSIDE;
}

/* ep_find() and, when where is not NULL (a constant at each call: inlined
 * away otherwise), for an address without endpoint *where: subnet_where()'s
 * answer, remembered in the copy with the absence (the copy's found), so
 * that a flow to outside asks subnets once per generation and CPU.
 * subnets' writers bump the endpoints generation too.
 */
static __always_inline const struct vxnet_endpoint *ep_find_in(__u32 vni, __be32 ip, __u32 *where)
{
	__u32 which = VXNET_GEN_ENDPOINTS, slot = vxnet_ep_cache_slot(vni, ip);
	const struct vxnet_endpoint *ep;
	struct vxnet_ep_cached *c;
	__u32 *g, gen;

	g = bpf_map_lookup_elem(&gens, &which);
	c = bpf_map_lookup_elem(&ep_cache, &slot);
	if (!g || !c) { /* never: arrays' slots */
		ep = ep_lookup(vni, ip);
		goto uncached;
	}
	gen = *(volatile __u32 *)g;
	if (c->ip.be32 == ip && c->vni == vni && c->gen == gen) {
		if (c->found == VXNET_EPC_FOUND)
			return &c->ep;
		if (where) {
			if (c->found == VXNET_EPC_MISS) /* an absence ARP or decap copied */
				c->found = subnet_where(vni, ip);
			*where = c->found;
		}
		return NULL;
	}
	ep = ep_lookup(vni, ip);
	if (c->ip.be32 && (c->ip.be32 != ip || c->vni != vni) && c->gen == gen)
		goto uncached;
	if (ep)
		c->ep = *ep;
	c->found = ep ? VXNET_EPC_FOUND : where ? subnet_where(vni, ip) : VXNET_EPC_MISS;
	c->vni = vni;
	c->ip.be32 = ip;
	c->gen = gen;
	if (ep)
		return &c->ep;
	if (where)
		*where = c->found;
	return NULL;
uncached:
	if (!ep && where)
		*where = subnet_where(vni, ip);
	return ep;
}

/* The endpoints record of {vni, ip}, or NULL, as ep_lookup(), through
 * this CPU's copy in ep_cache when it is of the current generation (as
 * iface_lookup()); the copy also remembers that there is none. At most
 * one ep_find() or ep_find_in() per packet: a second one could take the
 * slot the first one's answer points into (after a bump between the two);
 * every other lookup goes to the hash (ep_lookup()).
 */
static __always_inline const struct vxnet_endpoint *ep_find(__u32 vni, __be32 ip)
{
	return ep_find_in(vni, ip, NULL);
}

/* Whether node is a registered host (may send us VXLAN). */
static __always_inline int node_known(__be32 node)
{
	return bpf_map_lookup_elem(&nodes, &node) != NULL;
}

/* Whether the host at node has an endpoint in the network vni. */
static __always_inline int node_in_vni(__be32 node, __u32 vni)
{
	struct vxnet_node_vni key = { .node.be32 = node, .vni = vni };

	return bpf_map_lookup_elem(&node_vnis, &key) != NULL;
}

#endif /* VXNET_LIB_MAPS_H */
