/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* VXLAN (RFC 7348): the outer UDP + VXLAN header builders and the
 * classification of underlay frames shared by the XDP and TC decap.
 */
#ifndef VXNET_LIB_VXLAN_H
#define VXNET_LIB_VXLAN_H

#include "lib/config.h"
#include "lib/ipv4.h"
#include "lib/maps.h"

#define VXLAN_FLAG_I 0x08
#define VXLAN_HLEN 8
#define VXNET_SPORT_MIN 32768
#define VXNET_SPORT_MAX 61000

/* The headers of an encapsulated frame, as they sit on the wire from eth
 * on. The leading pad keeps IPv4 and VXLAN 4-byte aligned for the builders.
 */
struct vxnet_encap_hdr {
	__u16 pad;
	struct ethhdr eth;
	struct iphdr ip;
	struct udphdr udp;
	struct vxlanhdr vx;
	struct ethhdr inner;
};

#define VXNET_ENCAP_HDR_LEN (ETH_HLEN + VXNET_ENCAP_LEN)
_Static_assert(__builtin_offsetof(struct vxnet_encap_hdr, inner) + ETH_HLEN -
		       __builtin_offsetof(struct vxnet_encap_hdr, eth) == VXNET_ENCAP_HDR_LEN,
	       "outer headers + inner eth are VXNET_ENCAP_LEN after the outer eth");

#define BPF_F_ADJ_ROOM_ENCAP_L2(len) \
	(((__u64)(len) & BPF_ADJ_ROOM_ENCAP_L2_MASK) << BPF_ADJ_ROOM_ENCAP_L2_SHIFT)

/* Outer IPv4/UDP/VXLAN plus the inner eth, inserted after the outer eth. The
 * encap flags set the inner header offsets and the GSO type
 * (SKB_GSO_UDP_TUNNEL) so that TSO/GSO keeps working on the outer packet.
 * FIXED_GSO keeps gso_size, the inner segment's payload: segmentation
 * repeats the outer headers on every segment, so segments keep the size the
 * sender chose, which container_ipv4 has checked against the network MTU
 * (underlay - 50). Without it bpf_skb_net_grow (net/core/filter.c) takes the
 * 50 bytes off gso_size, so TCP sends 50 bytes less per segment than its MSS,
 * and refuses UDP GSO (SKB_GSO_UDP_L4: gso_size delimits the datagrams) with
 * -ENOTSUPP.
 */
#define VXNET_ENCAP_FLAGS                                                     \
	(BPF_F_ADJ_ROOM_ENCAP_L3_IPV4 | BPF_F_ADJ_ROOM_ENCAP_L4_UDP |          \
	 BPF_F_ADJ_ROOM_ENCAP_L2_ETH | BPF_F_ADJ_ROOM_ENCAP_L2(ETH_HLEN) |     \
	 BPF_F_ADJ_ROOM_FIXED_GSO)

/* jhash's final mix (lib/jhash.h __jhash_final): c from a, b, c. */
static __always_inline __u32 vxnet_rol32(__u32 w, int s)
{
	return (w << s) | (w >> (32 - s));
}

/* Flow hash of an inner IPv4 packet for the outer source port, without the
 * flow dissector: jhash_3words(saddr, daddr, ports ^ proto). ports is the
 * first 4 bytes after the IPv4 header (TCP/UDP ports), 0 when absent.
 */
static __always_inline __u32 vxnet_flow_hash(__be32 saddr, __be32 daddr, __u32 ports, __u8 proto)
{
	__u32 a = 0xdeadbeef + 12 + saddr, b = 0xdeadbeef + 12 + daddr;
	__u32 c = 0xdeadbeef + 12 + (ports ^ proto);

	c ^= b; c -= vxnet_rol32(b, 14);
	a ^= c; a -= vxnet_rol32(c, 11);
	b ^= a; b -= vxnet_rol32(a, 25);
	c ^= b; c -= vxnet_rol32(b, 16);
	a ^= c; a -= vxnet_rol32(c, 4);
	b ^= a; b -= vxnet_rol32(a, 14);
	c ^= b; c -= vxnet_rol32(b, 24);
	return c;
}

/* Source port from the flow hash, as the kernel's udp_flow_src_port(). */
static __always_inline __be16 vxlan_src_port(__u32 hash)
{
	hash ^= hash << 16;
	return bpf_htons((((__u64)hash * (VXNET_SPORT_MAX - VXNET_SPORT_MIN)) >> 32) +
			 VXNET_SPORT_MIN);
}

/* Pure builder: UDP header without checksum for payload_len bytes. */
static __always_inline void udp_build(struct udphdr *udp, __be16 sport, __be16 dport,
				      __u16 payload_len)
{
	udp->source = sport;
	udp->dest = dport;
	udp->len = bpf_htons(sizeof(*udp) + payload_len);
	udp->check = 0;
}

/* Pure builder: VXLAN header with the I flag and a 24-bit VNI. */
static __always_inline void vxlan_build(struct vxlanhdr *vx, __u32 vni)
{
	vx->vx_flags = bpf_htonl(VXLAN_FLAG_I << 24);
	vx->vx_vni = bpf_htonl((vni & 0xffffff) << 8);
}

static __always_inline __u32 vxlan_vni(const struct vxlanhdr *vx)
{
	return bpf_ntohl(vx->vx_vni) >> 8;
}

enum vxnet_rx_verdict {
	VXNET_RX_PASS,  /* not VXLAN for us: hand to the host stack */
	VXNET_RX_DECAP, /* deliver the inner frame to rx.ep */
	VXNET_RX_DROP,  /* drop, for rx.reason */
	VXNET_RX_PUBLISHED_REPLY, /* a backend's answer to a client this host
				   * forwarded: tc translates it (rx.vni) */
};

struct vxnet_rx {
	__u32 outer_len;     /* outer eth + IPv4 + UDP + VXLAN: bytes to strip */
	__u32 ifindex;       /* host-side veth of the destination endpoint */
	__u32 reason;        /* enum vxnet_drop, when VXNET_RX_DROP */
	__u32 vni;
	struct ethhdr inner; /* the inner frame's Ethernet header */
};

static __always_inline int rx_drop(struct vxnet_rx *rx, enum vxnet_drop reason)
{
	rx->reason = reason;
	return VXNET_RX_DROP;
}

/* Whether the node at outer address node speaks for the inner frame's
 * source: a node sends only what its own endpoints send (from_container's
 * anti-spoofing holds on every vxnet node; a kernel-VXLAN host's containers
 * are registered as endpoints of that node). The inner IPv4 source must be
 * an endpoint of that node in this network (never a local endpoint or a
 * gateway: those never come out of a tunnel), and the inner source MAC
 *   - that endpoint's MAC: a frame switched within a subnet, or sent to
 *     another subnet's endpoint on-link (route_needed() is then false), or
 *   - for a frame the sender routed between subnets (route_rewrite()), the
 *     MAC of the destination subnet's gateway (02:42 + its address), which
 *     only a frame between two different subnets can carry.
 * One lookup: the source's endpoint entry; dst is the destination's, found
 * already.
 *
 * A client's packet to a published port, which a node forwards with the
 * client's address, does not pass here: rx_published() takes marked frames.
 */
static __always_inline int rx_source_ok(__u32 vni, __be32 node, const struct ethhdr *ieth,
					const struct iphdr *iip,
					const struct vxnet_endpoint *dst)
{
	const struct vxnet_endpoint *src = ep_lookup(vni, iip->saddr);
	__u8 gw_mac[ETH_ALEN];

	if (!src || src->node.be32 != node || (src->flags & (VXNET_EP_LOCAL | VXNET_EP_GATEWAY)))
		return 0;
	if (mac_equal(ieth->h_source, src->mac))
		return 1;
	if (src->gateway.be32 == dst->gateway.be32) /* same subnet: never routed */
		return 0;
	mac_from_ipv4(gw_mac, dst->gateway.be32);
	return mac_equal(ieth->h_source, gw_mac);
}

/* A marked frame (VXNET_VXLAN_F_PUBLISHED) from the registered host node,
 * in a branch of its own: the client's source is no endpoint, so
 * rx_source_ok() cannot hold for it.
 *  - To a local endpoint: a client's packet to a published port that node
 *    received, allowed only to an endpoint that publishes that protocol
 *    and port (published map; else NOT_PUBLISHED). Its answers go back
 *    through node: the flow's OUT entry says so (VXNET_NAT_F_VIA), made or
 *    refreshed here.
 *  - To no endpoint here: a backend's answer to the client of a published
 *    flow this host forwarded; node must speak for its source (an endpoint
 *    of node, else SPOOF_REMOTE). tc translates it (published_reply()),
 *    which also checks that the flow is one this host forwarded.
 */
static __always_inline int rx_published(struct vxnet_rx *rx, __u32 vni, __be32 node,
					const struct iphdr *iip, const struct vxnet_endpoint *ep,
					void *data_end)
{
	struct vxnet_published_key pk = { .vni = vni, .ip.be32 = iip->daddr,
					  .proto = iip->protocol };
	const __be16 *ports = (const void *)iip + iip->ihl * 4;
	const struct vxnet_endpoint *src;
	struct vxnet_nat_key k;
	struct vxnet_nat v = {}, *o;

	if ((void *)(ports + 2) > data_end || ipv4_is_fragment(iip) ||
	    (iip->protocol != IPPROTO_TCP_ && iip->protocol != IPPROTO_UDP_))
		return rx_drop(rx, VXNET_DROP_NOT_PUBLISHED);
	if (!ep || !(ep->flags & VXNET_EP_LOCAL)) {
		src = ep_lookup(vni, iip->saddr);
		if (!src || src->node.be32 != node ||
		    (src->flags & (VXNET_EP_LOCAL | VXNET_EP_GATEWAY)))
			return rx_drop(rx, VXNET_DROP_SPOOF_REMOTE);
		rx->vni = vni;
		return VXNET_RX_PUBLISHED_REPLY;
	}
	pk.port = ports[1];
	if (!bpf_map_lookup_elem(&published, &pk))
		return rx_drop(rx, VXNET_DROP_NOT_PUBLISHED);
	k = (struct vxnet_nat_key){ .dir = VXNET_NAT_OUT, .proto = iip->protocol, .vni = vni,
				    .addr.be32 = iip->daddr, .remote.be32 = iip->saddr,
				    .port = ports[1], .rport = ports[0] };
	v.last_seen = bpf_ktime_get_ns();
	o = bpf_map_lookup_elem(&nat, &k);
	if (o && o->node.be32 == node && (o->flags & VXNET_NAT_F_VIA)) {
		o->last_seen = v.last_seen;
	} else {
		v.flags = VXNET_NAT_F_VIA | VXNET_NAT_F_PUBLISHED;
		v.node.be32 = node;
		bpf_map_update_elem(&nat, &k, &v, BPF_ANY);
	}
	rx->ifindex = ep->ifindex;
	return VXNET_RX_DECAP;
}

/* Why a frame from node in vni is refused: reason, unless node may not
 * send in vni at all (unmarked frames: not in node_vnis), which tells
 * first: an unregistered host, a VNI we do not serve, or a host without
 * endpoints in it. Out of line: the fast path carries none of it.
 */
static __noinline __u32 rx_refusal(__u32 marked, __be32 node, __u32 vni, __u32 reason)
{
	if (!marked && !node_in_vni(node, vni)) {
		if (!node_known(node))
			reason = VXNET_DROP_UNKNOWN_HOST;
		else if (!bpf_map_lookup_elem(&networks, &vni))
			reason = VXNET_DROP_UNKNOWN_VNI;
		else
			reason = VXNET_DROP_HOST_NOT_IN_VNI;
	}
	return reason;
}

#define rx_refuse(rx, marked, node, vni, reason) \
	rx_drop(rx, rx_refusal(marked, node, vni, reason))

/* Classify an underlay frame in [data, data_end): pass it, drop it (with a
 * reason) or decapsulate it towards a local endpoint. Reads only, but for
 * a published flow's entry (rx_published()).
 */
static __always_inline int vxlan_classify(void *data, void *data_end, struct vxnet_rx *rx)
{
	struct ethhdr *eth, *ieth;
	struct iphdr *ip, *iip;
	struct udphdr *udp;
	struct vxlanhdr *vx;
	const struct vxnet_endpoint *ep;
	__u32 ihl, ip_len, vni, marked;

	eth = eth_hdr(data, data_end);
	if (!eth || eth->h_proto != bpf_htons(ETH_P_IP))
		return VXNET_RX_PASS;
	ip = ipv4_hdr(eth, data_end);
	if (!ip || ip->version != 4 || ip->ihl < 5 || ip->protocol != IPPROTO_UDP_ ||
	    ipv4_is_fragment(ip))
		return VXNET_RX_PASS;
	ihl = ip->ihl * 4;
	udp = (void *)ip + ihl;
	if ((void *)(udp + 1) > data_end || udp->dest != bpf_htons(cfg_port))
		return VXNET_RX_PASS;
	/* VXLAN is for us only at our own address (the outer source of what we
	 * send), not at another address of this host, broadcast or multicast.
	 */
	if (ip->daddr != cfg_local_addr)
		return rx_drop(rx, VXNET_DROP_NOT_FOR_HOST);

	/* Ethernet pads short frames: trust the IPv4 length too, not only
	 * data_end, to tell a truncated VXLAN frame. A bad frame from an
	 * unregistered address counts as UNKNOWN_HOST, as it always has.
	 */
	ip_len = bpf_ntohs(ip->tot_len);
	vx = (void *)(udp + 1);
	if ((void *)(vx + 1) > data_end || ihl + sizeof(*udp) + sizeof(*vx) > ip_len)
		return rx_drop(rx, node_known(ip->saddr) ? VXNET_DROP_MALFORMED
							 : VXNET_DROP_UNKNOWN_HOST);
	if (!(vx->vx_flags & bpf_htonl(VXLAN_FLAG_I << 24)))
		return rx_drop(rx, node_known(ip->saddr) ? VXNET_DROP_BAD_VXLAN
							 : VXNET_DROP_UNKNOWN_HOST);

	/* {host, VNI} (node_vnis) is only present for a registered host with
	 * endpoints in a network we serve. Not looked up for what is
	 * decapsulated: the source endpoint's check (rx_source_ok(): an
	 * endpoint of this VNI on this very host) implies it. Every refusal
	 * first asks it (rx_refuse()), so the reason is the one it gives when
	 * it fails, as when it was looked up first.
	 */
	vni = vxlan_vni(vx);
	marked = vx->vx_flags & bpf_htonl(VXNET_VXLAN_F_PUBLISHED << 24);
	if (marked && !node_known(ip->saddr))
		return rx_drop(rx, VXNET_DROP_UNKNOWN_HOST);

	ieth = (void *)(vx + 1);
	if ((void *)(ieth + 1) > data_end ||
	    ihl + sizeof(*udp) + sizeof(*vx) + sizeof(*ieth) > ip_len)
		return rx_refuse(rx, marked, ip->saddr, vni, VXNET_DROP_MALFORMED);
	if (ieth->h_proto != bpf_htons(ETH_P_IP))
		return rx_refuse(rx, marked, ip->saddr, vni, VXNET_DROP_UNSUPPORTED);
	iip = (void *)(ieth + 1);
	if ((void *)(iip + 1) > data_end ||
	    ihl + sizeof(*udp) + sizeof(*vx) + sizeof(*ieth) + sizeof(*iip) > ip_len ||
	    iip->version != 4 || iip->ihl < 5)
		return rx_refuse(rx, marked, ip->saddr, vni, VXNET_DROP_MALFORMED);

	rx->outer_len = ETH_HLEN + ihl + sizeof(*udp) + sizeof(*vx);
	__builtin_memcpy(&rx->inner, ieth, sizeof(rx->inner));
	ep = ep_find(vni, iip->daddr);
	if (marked)
		return rx_published(rx, vni, ip->saddr, iip, ep, data_end);
	if (!ep)
		return rx_refuse(rx, 0, ip->saddr, vni, VXNET_DROP_NO_ENDPOINT);
	if (!(ep->flags & VXNET_EP_LOCAL))
		return rx_refuse(rx, 0, ip->saddr, vni, VXNET_DROP_NOT_LOCAL);
	if (!rx_source_ok(vni, ip->saddr, ieth, iip, ep))
		return rx_refuse(rx, 0, ip->saddr, vni, VXNET_DROP_SPOOF_REMOTE);

	rx->ifindex = ep->ifindex;
	return VXNET_RX_DECAP;
}

#endif /* VXNET_LIB_VXLAN_H */
