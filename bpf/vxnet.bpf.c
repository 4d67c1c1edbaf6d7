// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* vxnet datapath: three entry points, each a pipeline read top to bottom.
 *
 *   vxnet_from_container  tc ingress, host side of every container veth:
 *                         answer ARP and pings to the gateways, route
 *                         between subnets, deliver locally
 *                         or VXLAN-encapsulate (answering "fragmentation
 *                         needed" for what does not fit), or send what
 *                         leaves the network out through this host's
 *                         address (egress NAT).
 *   vxnet_xdp_decap       XDP on the underlay: decapsulate VXLAN for local
 *                         endpoints, pass everything else to the host.
 *   vxnet_tc_decap        the same on tc ingress, for drivers without XDP;
 *                         and egress NAT's answers, translated back, and
 *                         clients of published ports.
 *   vxnet_nat_in          egress NAT's answers and published ports on tc
 *                         ingress of the underlay in XDP mode and of the
 *                         loopback device.
 *   vxnet_gro_sink        tc ingress of the GRO device (VXNET_GRO_DEV):
 *                         drops what the kernel's tunnel would decapsulate.
 */
#include <vmlinux.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "lib/config.h"
#include "lib/maps.h"
#include "lib/drop.h"
#include "lib/eth.h"
#include "lib/arp.h"
#include "lib/ipv4.h"
#include "lib/vxlan.h"
#include "lib/fib.h"
#include "lib/skb.h"
#include "lib/route.h"
#include "lib/mtu.h"
#include "lib/icmp.h"
#include "lib/nat.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* Longest header chain decap reads: eth, IPv4 with options, UDP, VXLAN,
 * inner eth, IPv4 with options and ports (of a published flow).
 */
#define VXNET_DECAP_HDRS (ETH_HLEN + 60 + 8 + VXLAN_HLEN + ETH_HLEN + 60 + 4)

/* ARP request from a container: answer it for any endpoint or gateway of
 * its network by turning it around on the same veth.
 */
static __noinline int container_arp(struct __sk_buff *skb, const struct vxnet_iface *ifc)
{
	void *data = skb_data(skb);
	void *data_end = skb_data_end(skb);
	struct arp_eth_ipv4 *arp;
	const struct vxnet_endpoint *ep;
	struct ethhdr *eth;

	eth = eth_hdr(data, data_end);
	if (!eth)
		return tc_drop(skb, VXNET_DROP_MALFORMED);
	arp = arp_hdr(eth, data_end);
	if (!arp)
		return tc_drop(skb, VXNET_DROP_MALFORMED);
	if (!arp_is_eth_ipv4(arp))
		return tc_drop(skb, VXNET_DROP_UNSUPPORTED);
	if (!mac_equal(eth->h_source, ifc->mac) || !mac_equal(arp->sha, ifc->mac))
		return tc_drop(skb, VXNET_DROP_SPOOF_MAC);
	if (arp->spa != ifc->ip.be32)
		return tc_drop(skb, VXNET_DROP_SPOOF_IP);
	if (!arp_is_request(arp))
		return tc_drop(skb, VXNET_DROP_UNSUPPORTED);

	ep = ep_find(ifc->vni, arp->tpa);
	if (!ep)
		return tc_drop(skb, VXNET_DROP_NO_ENDPOINT);

	arp_make_reply(eth, arp, ep->mac);
	vxnet_stat(VXNET_STAT_ARP_REPLY, skb->len);
	ep_rx(skb->ifindex, skb->len);
	tc_trace(skb, VXNET_STAT_ARP_REPLY, skb->ifindex);
	return bpf_redirect(skb->ifindex, 0);
}

/* Encapsulate towards node and send out of the underlay. h.inner holds
 * the original Ethernet header, which becomes the inner one; h.vx the
 * VXLAN header and h.udp.source the flow's source port; wire_len the IPv4
 * length of the largest inner packet (skb_ipv4_wire_len()). Not inlined:
 * its headers and FIB lookup would share a stack frame with egress.
 * Returns the verdict, or, when the underlay's route to node cannot carry
 * wire_len + VXNET_ENCAP_LEN, minus the tunnel's MTU (tunnel_mtu()), the
 * skb untouched: the caller answers or counts it (container_too_big()),
 * where the device would have dropped it without a word.
 */
static __noinline int container_encap(struct __sk_buff *skb, struct vxnet_encap_hdr *h,
				      __u8 tos, __be32 node, __u32 wire_len)
{
	struct bpf_redir_neigh nh = {};
	struct fib_hop hop;
	__u32 inner_len = skb->len;
	__u32 len;
	int rc;

	rc = nexthop_v4(skb, node, wire_len + VXNET_ENCAP_LEN, &hop);
	if (rc == BPF_FIB_LKUP_RET_FRAG_NEEDED)
		return -(int)tunnel_mtu(hop.mtu);
	if (rc != BPF_FIB_LKUP_RET_SUCCESS && rc != BPF_FIB_LKUP_RET_NO_NEIGH)
		return tc_drop(skb, VXNET_DROP_FIB);

	if (bpf_skb_adjust_room(skb, VXNET_ENCAP_LEN, BPF_ADJ_ROOM_MAC, VXNET_ENCAP_FLAGS))
		return tc_drop(skb, VXNET_DROP_ENCAP);

	len = skb->len;
	if (rc == BPF_FIB_LKUP_RET_SUCCESS)
		mac_copy(h->eth.h_dest, hop.dmac);
	mac_copy(h->eth.h_source, hop.smac);
	h->eth.h_proto = bpf_htons(ETH_P_IP);
	ipv4_build_outer(&h->ip, tos, len - ETH_HLEN - sizeof(h->ip), cfg_local_addr, node);
	udp_build(&h->udp, h->udp.source, bpf_htons(cfg_port),
		  len - ETH_HLEN - sizeof(h->ip) - sizeof(h->udp));
	if (bpf_skb_store_bytes(skb, 0, &h->eth, VXNET_ENCAP_HDR_LEN, 0))
		return tc_drop(skb, VXNET_DROP_ENCAP);

	vxnet_stat(VXNET_STAT_ENCAP, inner_len);
	tc_trace(skb, VXNET_STAT_ENCAP, 0);
	if (rc == BPF_FIB_LKUP_RET_NO_NEIGH) {
		nh.nh_family = AF_INET;
		nh.ipv4_nh = hop.nh;
		return bpf_redirect_neigh(hop.ifindex, &nh, sizeof(nh), 0);
	}
	return bpf_redirect(hop.ifindex, 0);
}

/* IPv4 from a container too big for mtu: the network's, or the tunnel's
 * towards its destination, or egress's route. With DF set, answered as the
 * sender's gateway would (RFC 1191), with ICMP "fragmentation needed" and
 * mtu, from the gateway of the sender's subnet: the skb itself becomes the
 * reply and goes back into the container; the original counts as dropped
 * FRAG_NEEDED. Without DF, dropped TOO_BIG. Reads the header from the skb
 * (the caller has validated it): its callers' frames keep nothing for it.
 */
static __noinline int container_too_big(struct __sk_buff *skb, const struct vxnet_iface *ifc,
					__u32 mtu)
{
	struct vxnet_icmp_err e = {};
	__u32 orig_len = skb->len;
	__u32 quote_len;
	__u32 len;
	__u8 gw_mac[ETH_ALEN];

	if (bpf_skb_load_bytes(skb, ETH_HLEN, e.quote, sizeof(struct iphdr)))
		return tc_drop(skb, VXNET_DROP_MALFORMED);
	if (!ipv4_df((const struct iphdr *)e.quote))
		return tc_drop(skb, VXNET_DROP_TOO_BIG);
	quote_len = (e.quote[0] & 0xf) * 4 + 8;
	if (quote_len < ICMP_QUOTE_MIN || quote_len > ICMP_QUOTE_MAX)
		return tc_drop(skb, VXNET_DROP_MALFORMED);
	if (!ifc->gateway.be32) /* nothing to send it from: loader predates it */
		return tc_drop(skb, VXNET_DROP_FRAG_NEEDED);
	if (bpf_skb_load_bytes(skb, ETH_HLEN, e.quote, quote_len))
		return tc_drop(skb, VXNET_DROP_MALFORMED);
	tc_drop_event(skb, VXNET_DROP_FRAG_NEEDED); /* the frame, before it is the answer */

	mac_from_ipv4(gw_mac, ifc->gateway.be32);
	icmp_build_frag_needed(&e, ifc->mac, gw_mac, ifc->gateway.be32, ifc->ip.be32, mtu,
			       quote_len);
	len = VXNET_ICMP_HDRS_LEN + quote_len;
	if (bpf_skb_change_tail(skb, len, 0) || bpf_skb_store_bytes(skb, 0, &e.eth, len, 0))
		return vxnet_drop(VXNET_HOOK_FROM_CONTAINER, VXNET_DROP_FRAG_NEEDED, orig_len,
				  TC_ACT_SHOT);

	vxnet_stat(VXNET_STAT_ICMP_FRAG_NEEDED, len);
	ep_rx(skb->ifindex, len);
	tc_trace(skb, VXNET_STAT_ICMP_FRAG_NEEDED, skb->ifindex);
	return vxnet_drop(VXNET_HOOK_FROM_CONTAINER, VXNET_DROP_FRAG_NEEDED, orig_len,
			  bpf_redirect(skb->ifindex, 0));
}

/* IPv4 from a container to a gateway of its network (ep): an ICMP echo
 * request is answered from the gateway as Docker's bridge answers it, the
 * skb turned around on the same veth; anything else for the gateway has
 * no endpoint. Echo requests with IPv4 options or fragmented are not
 * answered (dropped NO_ENDPOINT, as before).
 */
static __noinline int container_gw_ipv4(struct __sk_buff *skb,
					     const struct vxnet_endpoint *ep)
{
	void *data_end;
	struct icmphdr *icmp;
	struct ethhdr *eth;
	struct iphdr *ip;

	ip = skb_ipv4(skb, &eth, &data_end);
	if (!ip)
		return tc_drop(skb, VXNET_DROP_MALFORMED);
	if (ip->protocol != IPPROTO_ICMP_ || ip->ihl != 5 || ipv4_is_fragment(ip))
		return tc_drop(skb, VXNET_DROP_NO_ENDPOINT);
	icmp = (void *)(ip + 1);
	if ((void *)(icmp + 1) > data_end || bpf_ntohs(ip->tot_len) < sizeof(*ip) + sizeof(*icmp))
		return tc_drop(skb, VXNET_DROP_MALFORMED);
	if (icmp->type != ICMP_ECHO_ || icmp->code != 0)
		return tc_drop(skb, VXNET_DROP_NO_ENDPOINT);

	icmp_make_echo_reply(eth, ip, icmp, ep->mac);
	vxnet_stat(VXNET_STAT_GW_ECHO, skb->len);
	ep_rx(skb->ifindex, skb->len);
	tc_trace(skb, VXNET_STAT_GW_ECHO, skb->ifindex);
	return bpf_redirect(skb->ifindex, 0);
}

/* Out of this host towards daddr, translated to this host's address and
 * port (the flow f), as a router that masquerades: TTL - 1 (the
 * caller checked it), the next hop's MACs, then to the FIB's device, or up
 * the host's stack for what the FIB does not forward (rc: nexthop_v4()'s).
 */
static __always_inline int egress_send(struct __sk_buff *skb, int rc, const struct fib_hop *hop,
				       const struct nat_flow *f, __be16 port, enum vxnet_stat stat)
{
	void *data_end;
	struct bpf_redir_neigh nh = {};
	struct ethhdr *eth;
	struct iphdr *ip;

	ip = skb_ipv4(skb, &eth, &data_end);
	if (!ip)
		return tc_drop(skb, VXNET_DROP_NAT_FAILED);
	ipv4_dec_ttl(ip);
	if (rc == BPF_FIB_LKUP_RET_SUCCESS)
		mac_copy(eth->h_dest, hop->dmac);
	if (rc != BPF_FIB_LKUP_RET_NOT_FWDED)
		mac_copy(eth->h_source, hop->smac);
	if (nat_rewrite_out(skb, ip, data_end, f, port))
		return tc_drop(skb, VXNET_DROP_NAT_FAILED);
	vxnet_stat(stat, skb->len);
	tc_trace(skb, stat, 0);

	switch (rc) {
	case BPF_FIB_LKUP_RET_NOT_FWDED:
		bpf_skb_change_type(skb, 0 /* PACKET_HOST */);
		return TC_ACT_OK;
	case BPF_FIB_LKUP_RET_NO_NEIGH:
		nh.nh_family = AF_INET;
		nh.ipv4_nh = hop->nh;
		return bpf_redirect_neigh(hop->ifindex, &nh, sizeof(nh), 0);
	default:
		return bpf_redirect(hop->ifindex, 0);
	}
}

/* Through the tunnel to t->node with the published-port mark, the frame as
 * it is: the backend's answer back to the node the client came through
 * (t->gateway 0); or routed to the backend t (TTL - 1, from its gateway's
 * MAC to its own): a client's packet to its backend's host. Not bigger than
 * the network's MTU (else TOO_BIG). stat counts it once it is on its way.
 * Returns the verdict, or container_encap()'s minus the tunnel's MTU when
 * the underlay's route cannot carry it.
 */
static __noinline int published_encap(struct __sk_buff *skb, const struct nat_target *t,
				      enum vxnet_stat stat)
{
	void *data_end;
	struct vxnet_encap_hdr h = {};
	struct vxnet_network *net;
	__u32 *l4, ports = 0, len, wire;
	struct ethhdr *eth;
	struct iphdr *ip;
	int rc;

	ip = skb_ipv4(skb, &eth, &data_end);
	if (!ip)
		return tc_drop(skb, VXNET_DROP_MALFORMED);
	net = bpf_map_lookup_elem(&networks, &t->vni);
	wire = skb_ipv4_wire_len(skb, ip->ihl * 4, ip->protocol);
	if (net && net->mtu && wire > net->mtu)
		return tc_drop(skb, VXNET_DROP_TOO_BIG);
	if (t->gateway)
		ipv4_dec_ttl(ip);
	l4 = (void *)ip + ip->ihl * 4;
	if ((void *)(l4 + 1) <= data_end)
		ports = *l4;

	__builtin_memcpy(&h.inner, eth, sizeof(h.inner));
	if (t->gateway) {
		mac_copy(h.inner.h_dest, t->mac);
		mac_from_ipv4(h.inner.h_source, t->gateway);
	}
	h.udp.source = vxlan_src_port(vxnet_flow_hash(ip->saddr, ip->daddr, ports, ip->protocol));
	vxlan_build(&h.vx, t->vni);
	h.vx.vx_flags |= bpf_htonl(VXNET_VXLAN_F_PUBLISHED << 24);
	len = skb->len;
	rc = container_encap(skb, &h, ip->tos, t->node, wire);
	if (rc == TC_ACT_REDIRECT)
		vxnet_stat(stat, len);
	return rc;
}

/* IPv4 from a container to an address that is no endpoint of its network:
 * inside one of the network's subnets there is nobody (no-endpoint; where:
 * ep_find_in()'s answer);
 * outside all of them it is egress, unless the network has it off
 * (net_flags: the copy of its flags iface_lookup() gave, or 0: look them
 * up): routed
 * by the host's table from this host's address and a NAT port (nat.h), as
 * a router that masquerades would (TTL - 1, "fragmentation needed" when the
 * way out is narrower). What the FIB does not forward (one of this host's
 * own addresses; no route at all: the kernel's lookup tells neither apart)
 * goes up the host's stack, from the veth, which accepts a local source
 * address: it delivers it, or answers "unreachable", translated back by
 * vxnet_nat_in on the loopback device. The answer of a published flow goes
 * back to the port it was published on: from here, or through the node
 * the client came through (EGRESS_VIA and *out the node: the caller sends
 * it there, so that the tunnel's stack frames do not add to this one's).
 * Too big for the way out: EGRESS_TOO_BIG and *out the route's MTU, for
 * the caller's container_too_big(), likewise.
 */
#define EGRESS_VIA (-1)
#define EGRESS_TOO_BIG (-2)

static __noinline int container_egress(struct __sk_buff *skb, const struct vxnet_iface *ifc,
				       __u32 net_flags, __u32 where, __u32 *out)
{
	struct vxnet_network *net;
	struct nat_out_res r = {};
	struct vxnet_nat_key k;
	struct fib_hop hop;
	struct nat_flow f = {};
	void *data_end;
	struct ethhdr *eth;
	struct iphdr *ip;
	__be32 saddr, daddr;
	int rc, reason;

	skb_pull_headers(skb, NAT_OUT_HDRS);
	ip = skb_ipv4(skb, &eth, &data_end);
	if (!ip)
		return tc_drop(skb, VXNET_DROP_MALFORMED);
	saddr = ip->saddr;
	daddr = ip->daddr;
	if (!ipv4_is_unicast(daddr) || where != VXNET_EPC_MISS_OUTSIDE)
		return tc_drop(skb, VXNET_DROP_NO_ENDPOINT);
	if (!nat_ipv4_csum_ok(ip, data_end))
		return tc_drop(skb, VXNET_DROP_MALFORMED);
	if (!(net_flags & VXNET_SLOT_NET_COPIED)) { /* no copy of the veth's record */
		net = bpf_map_lookup_elem(&networks, &ifc->vni);
		net_flags = net ? net->flags : VXNET_NET_NO_EGRESS;
	}
	if (net_flags & VXNET_NET_NO_EGRESS)
		return tc_drop(skb, VXNET_DROP_NO_EGRESS);
	if (ip->ttl <= 1)
		return tc_drop(skb, VXNET_DROP_TTL_EXCEEDED);
	if (nat_parse(ip, data_end, &f, ICMP_ECHO_))
		return tc_drop(skb, VXNET_DROP_NAT_UNSUPPORTED);

	nat_out_key(&k, ifc->vni, saddr, daddr, &f);
	reason = nat_out(&k, &f, &r);
	if (reason)
		return tc_drop(skb, reason);
	if (r.flags & VXNET_NAT_F_VIA) {
		*out = r.node;
		return EGRESS_VIA;
	}

	rc = nexthop_v4(skb, daddr, skb_ipv4_wire_len(skb, ip->ihl * 4, ip->protocol), &hop);
	if (rc == BPF_FIB_LKUP_RET_FRAG_NEEDED) {
		*out = hop.mtu;
		return EGRESS_TOO_BIG;
	}
	if (rc != BPF_FIB_LKUP_RET_SUCCESS && rc != BPF_FIB_LKUP_RET_NO_NEIGH &&
	    rc != BPF_FIB_LKUP_RET_NOT_FWDED)
		return tc_drop(skb, VXNET_DROP_FIB);
	return egress_send(skb, rc, &hop, &f, r.port,
			   r.flags & VXNET_NAT_F_PUBLISHED ? VXNET_STAT_PUBLISHED_REPLY :
							     VXNET_STAT_EGRESS);
}

/* A backend's answer to a client this host forwarded (VXNET_RX_PUBLISHED_
 * REPLY), still encapsulated: decapsulated, then out to the client from
 * the published port, if the flow is one of this host's (its OUT entry,
 * made when the client's first packet came: else NOT_PUBLISHED).
 */
static __noinline int published_reply(struct __sk_buff *skb, const struct vxnet_rx *rx)
{
	struct vxnet_nat_key k;
	struct fib_hop hop;
	struct nat_flow f = {};
	void *data_end;
	struct vxnet_nat *o;
	struct ethhdr *eth;
	struct iphdr *ip;
	__be32 saddr, daddr;
	__be16 port;
	int rc;

	if (bpf_skb_adjust_room(skb, -(__s32)(rx->outer_len), BPF_ADJ_ROOM_MAC,
				BPF_F_ADJ_ROOM_FIXED_GSO))
		return tc_drop(skb, VXNET_DROP_DECAP);
	skb_pull_headers(skb, NAT_OUT_HDRS);
	ip = skb_ipv4(skb, &eth, &data_end);
	if (!ip || !ipv4_valid(ip, skb->len - ETH_HLEN) || !nat_ipv4_csum_ok(ip, data_end))
		return tc_drop(skb, VXNET_DROP_MALFORMED);
	if (nat_parse(ip, data_end, &f, ICMP_ECHO_) || f.proto == IPPROTO_ICMP_)
		return tc_drop(skb, VXNET_DROP_NOT_PUBLISHED);
	saddr = ip->saddr;
	daddr = ip->daddr;
	nat_out_key(&k, rx->vni, saddr, daddr, &f);
	o = bpf_map_lookup_elem(&nat, &k);
	if (!o || (o->flags & (VXNET_NAT_F_PUBLISHED | VXNET_NAT_F_VIA)) != VXNET_NAT_F_PUBLISHED)
		return tc_drop(skb, VXNET_DROP_NOT_PUBLISHED);
	nat_touch(o, &f, bpf_ktime_get_coarse_ns(), 0);
	port = o->port;
	if (ip->ttl <= 1)
		return tc_drop(skb, VXNET_DROP_TTL_EXCEEDED);

	rc = nexthop_v4(skb, daddr, skb_ipv4_wire_len(skb, ip->ihl * 4, ip->protocol), &hop);
	if (rc == BPF_FIB_LKUP_RET_FRAG_NEEDED) /* the backend is on another host */
		return tc_drop(skb, VXNET_DROP_TOO_BIG);
	if (rc != BPF_FIB_LKUP_RET_SUCCESS && rc != BPF_FIB_LKUP_RET_NO_NEIGH &&
	    rc != BPF_FIB_LKUP_RET_NOT_FWDED)
		return tc_drop(skb, VXNET_DROP_FIB);
	return egress_send(skb, rc, &hop, &f, port, VXNET_STAT_PUBLISHED_REPLY);
}

/* A packet nat_in() translated, on to its container: here, or, for a
 * published flow's backend on another host, through the tunnel.
 */
static __always_inline int nat_forward(struct __sk_buff *skb, const struct nat_target *t,
				       enum vxnet_stat stat)
{
	int rc;

	if (!t->node)
		return nat_deliver(skb, t, stat);
	rc = published_encap(skb, t, stat);
	return rc >= 0 ? rc : tc_drop(skb, VXNET_DROP_TOO_BIG);
}

/* What reaches this host's own address from outside or from itself (tc
 * decap's pass path, vxnet_nat_in): an answer or a client for a container,
 * or the host's (-1).
 */
static __always_inline int host_in(struct __sk_buff *skb)
{
	enum vxnet_stat stat = VXNET_STAT_EGRESS_REPLY;
	struct nat_target t;
	int rc;

	rc = nat_in(skb, &t, &stat);
	if (rc < 0)
		return -rc;
	if (!rc)
		return -1;
	return nat_forward(skb, &t, stat);
}

/* IPv4 from a container: anti-spoofing, routing between subnets, then local
 * delivery or, if it fits the network MTU, encap; what the underlay's
 * route cannot carry once encapsulated is answered or counted as what does
 * not fit the network MTU. The order of the checks is the kernel's
 * ip_forward(): TTL, then MTU, then the rewrite.
 */
static __always_inline int container_ipv4(struct __sk_buff *skb, const struct vxnet_iface *ifc,
					  __u32 net_flags)
{
	void *data_end;
	struct vxnet_encap_hdr h = {};
	const struct vxnet_endpoint *ep;
	struct ethhdr *eth;
	struct iphdr *ip;
	__u32 mtu, hash, wire = 0;
	struct nat_target via_t = {};
	int routed, rc;
	__u32 out, where = VXNET_EPC_MISS;

	ip = skb_ipv4(skb, &eth, &data_end);
	if (!ip || !ipv4_valid(ip, skb->len - ETH_HLEN))
		return tc_drop(skb, VXNET_DROP_MALFORMED);
	if (!mac_equal(eth->h_source, ifc->mac))
		return tc_drop(skb, VXNET_DROP_SPOOF_MAC);
	if (ip->saddr != ifc->ip.be32)
		return tc_drop(skb, VXNET_DROP_SPOOF_IP);

	ep = ep_find_in(ifc->vni, ip->daddr, &where);
	if (!ep) {
		rc = container_egress(skb, ifc, net_flags, where, &out);
		if (rc >= 0)
			return rc;
		if (rc == EGRESS_TOO_BIG)
			return container_too_big(skb, ifc, out);
		via_t.vni = ifc->vni;
		via_t.node = out;
		rc = published_encap(skb, &via_t, VXNET_STAT_PUBLISHED_REPLY);
		return rc >= 0 ? rc : container_too_big(skb, ifc, -rc);
	}
	if (ep->flags & VXNET_EP_GATEWAY)
		return container_gw_ipv4(skb, ep);

	routed = route_needed(eth, ifc, ep);
	if (routed && ip->ttl <= 1)
		return tc_drop(skb, VXNET_DROP_TTL_EXCEEDED);

	if (!(ep->flags & VXNET_EP_LOCAL)) {
		mtu = ifc->mtu;
		wire = skb_ipv4_wire_len(skb, ip->ihl * 4, ip->protocol);
		if (mtu && wire > mtu)
			return container_too_big(skb, ifc, mtu);
	}

	if (routed)
		route_rewrite(eth, ip, ep);

	if (ep->flags & VXNET_EP_LOCAL) {
		mac_copy(eth->h_dest, ep->mac);
		vxnet_stat(VXNET_STAT_LOCAL, skb->len);
		ep_rx(ep->ifindex, skb->len);
		tc_trace(skb, VXNET_STAT_LOCAL, ep->ifindex);
		return bpf_redirect_peer(ep->ifindex, 0);
	}

	/* The socket's hash when it set one (TCP, connected UDP); else our
	 * own over addresses, protocol and ports: bpf_get_hash_recalc() would
	 * run the flow dissector, a third of encap's cost.
	 */
	hash = skb->hash;
	if (!hash) {
		__u32 *l4 = (void *)ip + ip->ihl * 4;
		__u32 ports = 0;

		if ((void *)(l4 + 1) <= data_end && !ipv4_is_fragment(ip))
			ports = *l4;
		hash = vxnet_flow_hash(ip->saddr, ip->daddr, ports, ip->protocol);
	}

	__builtin_memcpy(&h.inner, eth, sizeof(h.inner));
	mac_copy(h.inner.h_dest, ep->mac);
	h.udp.source = vxlan_src_port(hash);
	vxlan_build(&h.vx, ifc->vni);
	rc = container_encap(skb, &h, ip->tos, ep->node.be32, wire);
	return rc >= 0 ? rc : container_too_big(skb, ifc, -rc);
}

SEC("tc")
int vxnet_from_container(struct __sk_buff *skb)
{
	const struct vxnet_iface *ifc;
	__u32 ifindex = skb->ifindex, net_flags;

	vxnet_stat(VXNET_STAT_FROM_CONTAINER, skb->len);
	ifc = iface_lookup(ifindex, &net_flags);
	if (!ifc)
		return tc_drop(skb, VXNET_DROP_UNKNOWN_IFACE);
	ep_tx(ifindex, skb->len);
	if (skb->vlan_present) /* tag stripped into metadata: not carried */
		return tc_drop(skb, VXNET_DROP_UNSUPPORTED);
	skb_pull_headers(skb, ETH_HLEN + sizeof(struct arp_eth_ipv4));

	switch (bpf_ntohs(skb->protocol)) {
	case ETH_P_ARP:
		return container_arp(skb, ifc);
	case ETH_P_IP:
		return container_ipv4(skb, ifc, net_flags);
	default:
		return tc_drop(skb, VXNET_DROP_UNSUPPORTED);
	}
}

/* Strips outer_len bytes and sends the frame to host veth ifindex; ev: the
 * decap trace event of the frame as it came (xdp_trace_begin), sent once
 * decapsulated, or NULL. Scalars, not the struct vxnet_rx: were its address
 * passed to xdp_decap_traced, the caller would keep it zeroed on the stack
 * for every frame (prog_cost: xdp-decap 5-8% slower than without the
 * monitor's gate).
 */
static __always_inline int xdp_decap_to(struct xdp_md *ctx, __u32 outer_len, __u32 ifindex,
					struct vxnet_event *ev)
{
	void *data, *data_end;

	if (bpf_xdp_adjust_head(ctx, outer_len)) {
		trace_done(ev, 0);
		return xdp_drop(ctx, VXNET_DROP_DECAP);
	}
	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;
	if (!eth_hdr(data, data_end)) {
		trace_done(ev, 0);
		return xdp_drop(ctx, VXNET_DROP_DECAP);
	}
	trace_done(ev, 1);

	vxnet_stat(VXNET_STAT_DECAP, data_end - data);
	ep_rx(ifindex, data_end - data);
	return bpf_redirect(ifindex, 0);
}

/* The same while vxnet monitor traces: out of line, so that the path
 * without a listener is the one above with ev NULL (nothing to check).
 */
static __noinline int xdp_decap_traced(struct xdp_md *ctx, __u32 outer_len, __u32 ifindex)
{
	return xdp_decap_to(ctx, outer_len, ifindex,
			    xdp_trace_begin(ctx, VXNET_STAT_DECAP, ifindex));
}

SEC("xdp")
int vxnet_xdp_decap(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct vxnet_rx rx;

	switch (vxlan_classify(data, data_end, &rx)) {
	case VXNET_RX_PASS:
		vxnet_stat(VXNET_STAT_PASS, data_end - data);
		return XDP_PASS;
	case VXNET_RX_DROP:
		return xdp_drop(ctx, rx.reason);
	case VXNET_RX_PUBLISHED_REPLY: /* translated in tc (vxnet_nat_in) */
		return XDP_PASS;
	}

	if (monitor_wants(VXNET_MON_TRACE))
		return xdp_decap_traced(ctx, rx.outer_len, rx.ifindex);
	return xdp_decap_to(ctx, rx.outer_len, rx.ifindex, NULL);
}

/* Decapsulates to rx->ifindex: removes what follows the outer MAC header:
 * outer IPv4, UDP, VXLAN and the inner eth, whose addresses then replace
 * the outer ones. A GRO aggregate (see VXNET_GRO_DEV) keeps its gso_size:
 * that is already the inner segment size. adjust_room zeroes gso_segs:
 * read it first. ev: the decap trace event of the frame as it came
 * (tc_trace_begin), sent once decapsulated, or NULL.
 */
static __always_inline int tc_decap_to(struct __sk_buff *skb, const struct vxnet_rx *rx,
				       struct vxnet_event *ev)
{
	__u32 segs = skb->gso_segs;

	if (bpf_skb_adjust_room(skb, -(__s32)(rx->outer_len), BPF_ADJ_ROOM_MAC,
				BPF_F_ADJ_ROOM_FIXED_GSO)) {
		trace_done(ev, 0);
		return tc_drop(skb, VXNET_DROP_DECAP);
	}
	if (bpf_skb_store_bytes(skb, 0, &rx->inner, 2 * ETH_ALEN, 0)) {
		trace_done(ev, 0);
		return tc_drop(skb, VXNET_DROP_DECAP);
	}
	trace_done(ev, 1);

	vxnet_stat(VXNET_STAT_DECAP, skb->len);
	if (segs > 1)
		vxnet_stat(VXNET_STAT_DECAP_GRO, skb->len);
	ep_rx(rx->ifindex, skb->len);
	/* Straight into the container's namespace (its ingress, no second
	 * pass through the veth and its backlog). Measured against
	 * bpf_redirect(rx.ifindex, 0), out of the host-side veth: bench/run.sh
	 * --paths "kernel-vxlan vxnet-tc" --modes wire, 2 x 3 rounds each,
	 * medians: same-CPU TCP RTT p50 10.7 us (peer) vs 15.8 us, 64-byte
	 * UDP 188 vs 161 kpps, single-flow TCP 3.2 vs 3.1 Gbit/s. That
	 * redirect reaches the container side's NAPI (and GRO) only when the
	 * host-side veth has TSO off; then wire-mode TCP gains 27-40% for
	 * about 2 us of RTT (README, Performance). Without GRO the container
	 * runs TCP receive once per segment: the cause of the wire-mode
	 * throughput gap to kernel VXLAN, which aggregates in gro_cells.
	 */
	return bpf_redirect_peer(rx->ifindex, 0);
}

/* The same while vxnet monitor traces (see xdp_decap_traced). */
static __noinline int tc_decap_traced(struct __sk_buff *skb, const struct vxnet_rx *rx)
{
	return tc_decap_to(skb, rx, tc_trace_begin(skb, VXNET_STAT_DECAP, rx->ifindex));
}

SEC("tc")
int vxnet_tc_decap(struct __sk_buff *skb)
{
	struct vxnet_rx rx = {};
	void *data, *data_end;
	int rc;

	skb_pull_headers(skb, VXNET_DECAP_HDRS);
	data = skb_data(skb);
	data_end = skb_data_end(skb);

	switch (vxlan_classify(data, data_end, &rx)) {
	case VXNET_RX_PASS:
		rc = host_in(skb);
		if (rc >= 0)
			return rc;
		vxnet_stat(VXNET_STAT_PASS, skb->len);
		return TC_ACT_OK;
	case VXNET_RX_DROP:
		return tc_drop(skb, rx.reason);
	case VXNET_RX_PUBLISHED_REPLY:
		return published_reply(skb, &rx);
	}

	if (monitor_wants(VXNET_MON_TRACE))
		return tc_decap_traced(skb, &rx);
	return tc_decap_to(skb, &rx, NULL);
}

/* The GRO device exists for its UDP socket's GRO handler only; every frame
 * it would decapsulate got past vxnet_tc_decap (e.g. an IPv4-fragmented
 * VXLAN frame, reassembled by the host), so none may reach the host stack.
 */
SEC("tc")
int vxnet_gro_sink(struct __sk_buff *skb)
{
	return tc_drop(skb, VXNET_DROP_KERNEL_TUNNEL);
}

/* tc ingress of the underlay in XDP mode: what XDP passed to the host, for
 * the egress NAT's replies (in tc mode vxnet_tc_decap does it).
 */
SEC("tc")
int vxnet_nat_in(struct __sk_buff *skb)
{
	struct vxnet_rx rx = {};
	int rc;

	skb_pull_headers(skb, VXNET_DECAP_HDRS);
	if (vxlan_classify(skb_data(skb), skb_data_end(skb), &rx) == VXNET_RX_PUBLISHED_REPLY)
		return published_reply(skb, &rx);
	rc = host_in(skb);
	return rc >= 0 ? rc : TC_ACT_OK;
}
