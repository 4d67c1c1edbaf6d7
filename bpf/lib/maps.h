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
	struct vxnet_ep_key key = { .vni = vni, .ip = ip };

	return bpf_map_lookup_elem(&endpoints, &key);
}

/* Whether node is a registered host (may send us VXLAN). */
static __always_inline int node_known(__be32 node)
{
	return bpf_map_lookup_elem(&nodes, &node) != NULL;
}

/* Whether the host at node has an endpoint in the network vni. */
static __always_inline int node_in_vni(__be32 node, __u32 vni)
{
	struct vxnet_node_vni key = { .node = node, .vni = vni };

	return bpf_map_lookup_elem(&node_vnis, &key) != NULL;
}

#endif /* VXNET_LIB_MAPS_H */
