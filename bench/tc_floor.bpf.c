// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* The least a TC VXLAN overlay does on bench/topo.sh's underlay, for the
 * bench path tc-floor: what any overlay built on these hooks and helpers
 * costs, with none of vxnet's lookups, checks or counters. Everything is
 * compiled in for one host (bench/topo.sh floor_build):
 *
 *   FLOOR_LOCAL, FLOOR_REMOTE  this host's and the other host's underlay
 *                              address (host order)
 *   FLOOR_SMAC, FLOOR_DMAC     this host's eth0 and its router's MAC
 *   FLOOR_UNDERLAY, FLOOR_VETH ifindex of eth0 and of the container's
 *                              host-side veth
 *   FLOOR_VNI                  the VNI
 *
 *   floor_encap  tc ingress of the container's host-side veth: every IPv4
 *                frame, VXLAN to FLOOR_REMOTE out of eth0, as
 *                container_encap does it (bpf_skb_adjust_room with the
 *                encap flags, one bpf_skb_store_bytes, bpf_redirect).
 *   floor_decap  tc ingress of eth0: every VXLAN frame to the container,
 *                as tc_decap_to does it (bpf_skb_adjust_room,
 *                bpf_skb_store_bytes of the inner MACs,
 *                bpf_redirect_peer).
 * floor_build also gives each host a VXLAN device on port 4789, as vxnet's
 * GRO device, so that the underlay's GRO merges VXLAN in wire mode.
 * Not safe for anything but the bench: it trusts every frame.
 */
#include <vmlinux.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "lib/drop.h"
#include "lib/ipv4.h"
#include "lib/vxlan.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

#define FLOOR_SPORT 49152
#define FLOOR_PORT 4789

SEC("tc")
int floor_encap(struct __sk_buff *skb)
{
	static const __u8 smac[ETH_ALEN] = FLOOR_SMAC, dmac[ETH_ALEN] = FLOOR_DMAC;
	struct vxnet_encap_hdr h;
	__u32 len;

	if (bpf_skb_load_bytes(skb, 0, &h.inner, ETH_HLEN) ||
	    h.inner.h_proto != bpf_htons(ETH_P_IP))
		return TC_ACT_OK;
	if (bpf_skb_adjust_room(skb, VXNET_ENCAP_LEN, BPF_ADJ_ROOM_MAC, VXNET_ENCAP_FLAGS))
		return TC_ACT_SHOT;
	len = skb->len;
	__builtin_memcpy(h.eth.h_dest, dmac, ETH_ALEN);
	__builtin_memcpy(h.eth.h_source, smac, ETH_ALEN);
	h.eth.h_proto = bpf_htons(ETH_P_IP);
	ipv4_build_outer(&h.ip, 0, len - ETH_HLEN - sizeof(h.ip), bpf_htonl(FLOOR_LOCAL),
			 bpf_htonl(FLOOR_REMOTE));
	udp_build(&h.udp, bpf_htons(FLOOR_SPORT), bpf_htons(FLOOR_PORT),
		  len - ETH_HLEN - sizeof(h.ip) - sizeof(h.udp));
	vxlan_build(&h.vx, FLOOR_VNI);
	if (bpf_skb_store_bytes(skb, 0, &h.eth, VXNET_ENCAP_HDR_LEN, 0))
		return TC_ACT_SHOT;
	return bpf_redirect(FLOOR_UNDERLAY, 0);
}

SEC("tc")
int floor_decap(struct __sk_buff *skb)
{
	struct vxnet_encap_hdr h;

	if (bpf_skb_load_bytes(skb, 0, &h.eth, VXNET_ENCAP_HDR_LEN) ||
	    h.eth.h_proto != bpf_htons(ETH_P_IP) || h.ip.protocol != IPPROTO_UDP ||
	    h.ip.ihl != 5 || h.udp.dest != bpf_htons(FLOOR_PORT))
		return TC_ACT_OK;
	if (bpf_skb_adjust_room(skb, -VXNET_ENCAP_LEN, BPF_ADJ_ROOM_MAC, BPF_F_ADJ_ROOM_FIXED_GSO) ||
	    bpf_skb_store_bytes(skb, 0, &h.inner, 2 * ETH_ALEN, 0))
		return TC_ACT_SHOT;
	return bpf_redirect_peer(FLOOR_VETH, 0);
}
