/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Egress NAT: a container's packet to outside its network leaves with this
 * host's address and a NAT port (from the range up reserved), and the
 * answers are translated back (the nat map, include/vxnet.h). The network
 * is part of the flow, so two containers with one address in two networks
 * never share a translation.
 *
 *   nat_parse         the flow of a packet: protocol, ports or echo id
 *   nat_out           the NAT port of an egress flow, made when new
 *   nat_translate     the translations: direct writes, the IPv4 checksum
 *                     inline, the L4 one through the kernel's helper (full,
 *                     CHECKSUM_PARTIAL or UDP 0)
 *   nat_in            an answer to this host's address: translated and
 *                     delivered to the container, or left to the host
 */
#ifndef VXNET_LIB_NAT_H
#define VXNET_LIB_NAT_H

#include "lib/config.h"
#include "lib/drop.h"
#include "lib/eth.h"
#include "lib/icmp.h"
#include "lib/ipv4.h"
#include "lib/maps.h"
#include "lib/skb.h"

#define ICMP_TIME_EXCEEDED_ 11
#define TCP_FLAG_FIN 0x01
#define TCP_FLAG_SYN 0x02
#define TCP_FLAG_RST 0x04
#define NS_PER_SEC 1000000000ull
/* NAT ports tried for a new flow before it counts as exhausted. */
#define NAT_TRIES 32
/* Headers an answer's translation reads: eth, IPv4 with options, ICMP,
 * the quoted option-less IPv4 header and 8 bytes.
 */
#define NAT_IN_HDRS (ETH_HLEN + 60 + 8 + 20 + 8)
#define NAT_OUT_HDRS (ETH_HLEN + 60 + 20)

/* A packet's flow as NAT sees it. Offsets from the start of the frame. */
struct nat_flow {
	__u8 proto;
	__u8 tcp_flags;
	__be16 sport;    /* ICMP echo: the identifier */
	__be16 dport;    /* ICMP echo: 0 */
	__u16 port_off;  /* where sport (or the echo id) is */
	__u16 csum_off;  /* the L4 checksum */
};

/* TCP, UDP or ICMP echo request/reply (echo: the identifier as sport) in
 * the option-less or not IPv4 packet ip, not a fragment: 0, else -1.
 * echo_type: the ICMP type wanted (request going out, reply coming in).
 */
static __always_inline int nat_parse(const struct iphdr *ip, void *data_end,
				     struct nat_flow *f, __u8 echo_type)
{
	__u32 l4 = ETH_HLEN + ip->ihl * 4;
	const __u8 *p = (const void *)ip + ip->ihl * 4;

	if (ipv4_is_fragment(ip))
		return -1;
	f->proto = ip->protocol;
	f->port_off = l4;
	switch (ip->protocol) {
	case IPPROTO_TCP_: {
		const struct tcphdr *th = (const void *)p;

		if ((void *)(th + 1) > data_end)
			return -1;
		f->sport = th->source;
		f->dport = th->dest;
		f->tcp_flags = ((const __u8 *)th)[13];
		f->csum_off = l4 + __builtin_offsetof(struct tcphdr, check);
		return 0;
	}
	case IPPROTO_UDP_: {
		const struct udphdr *uh = (const void *)p;

		if ((void *)(uh + 1) > data_end)
			return -1;
		f->sport = uh->source;
		f->dport = uh->dest;
		f->csum_off = l4 + __builtin_offsetof(struct udphdr, check);
		return 0;
	}
	case IPPROTO_ICMP_: {
		const struct icmphdr *ih = (const void *)p;

		if ((void *)(ih + 1) > data_end || ih->type != echo_type || ih->code)
			return -1;
		f->sport = ih->un.echo.id;
		f->dport = 0;
		f->port_off = l4 + __builtin_offsetof(struct icmphdr, un.echo.id);
		f->csum_off = l4 + __builtin_offsetof(struct icmphdr, checksum);
		return 0;
	}
	}
	return -1;
}

/* ipv4_csum_ok(), option-less headers (nearly all) the short way. */
static __always_inline int nat_ipv4_csum_ok(const struct iphdr *ip, void *data_end)
{
	if (ip->ihl == 5)
		return csum_ipv4_hdr20_ok(ip);
	return ipv4_csum_ok(ip, data_end);
}

static __always_inline __u64 nat_timeout_ns(__u8 proto, __u16 flags)
{
	if (flags & VXNET_NAT_F_CLOSING)
		return VXNET_NAT_TIMEOUT_CLOSING * NS_PER_SEC;
	if (proto == IPPROTO_TCP_)
		return VXNET_NAT_TIMEOUT_TCP * NS_PER_SEC;
	if (proto == IPPROTO_UDP_)
		return VXNET_NAT_TIMEOUT_UDP * NS_PER_SEC;
	return VXNET_NAT_TIMEOUT_ICMP * NS_PER_SEC;
}

/* A packet of the flow passed: its time, and TCP's end (FIN, RST) or a new
 * start on the same ports (SYN). Every NAT time is
 * bpf_ktime_get_coarse_ns() (CLOCK_MONOTONIC to a tick, 4 ms at HZ=250;
 * the timeouts are seconds): bpf_ktime_get_ns() reads the TSC, 12-18% of
 * each NAT path in this VM (bench/README.md).
 */
static __always_inline void nat_touch(struct vxnet_nat *v, const struct nat_flow *f, __u64 now,
				      __u16 set)
{
	__u16 flags = v->flags | set;

	if (f->proto == IPPROTO_TCP_) {
		if (f->tcp_flags & (TCP_FLAG_FIN | TCP_FLAG_RST))
			flags |= VXNET_NAT_F_CLOSING;
		else if (f->tcp_flags & TCP_FLAG_SYN)
			flags &= ~VXNET_NAT_F_CLOSING;
	}
	v->last_seen = now;
	if (v->flags != flags)
		v->flags = flags;
}

/* The IN key of an OUT flow translated to port. */
static __always_inline void nat_in_key(struct vxnet_nat_key *k, const struct vxnet_nat_key *out,
				       __be16 port)
{
	*k = (struct vxnet_nat_key){ .dir = VXNET_NAT_IN, .proto = out->proto,
				     .addr.be32 = cfg_local_addr, .remote = out->remote,
				     .port = port, .rport = out->rport };
}

/* Whether the IN entry at k is free to take: absent, or idle past its
 * timeout together with its OUT entry (then that goes).
 */
static __always_inline int nat_port_stale(const struct vxnet_nat_key *k, __u64 now)
{
	struct vxnet_nat_key ok;
	struct vxnet_nat *in, *out;
	__u64 seen;

	in = bpf_map_lookup_elem(&nat, k);
	if (!in)
		return 1;
	ok = (struct vxnet_nat_key){ .dir = VXNET_NAT_OUT, .proto = k->proto, .vni = in->vni,
				     .addr = in->addr, .remote = k->remote, .port = in->port,
				     .rport = k->rport };
	seen = in->last_seen;
	out = bpf_map_lookup_elem(&nat, &ok);
	if (out && out->last_seen > seen)
		seen = out->last_seen;
	/* seen may be later than now: another CPU's packet since */
	if (seen >= now ||
	    now - seen <= nat_timeout_ns(k->proto, in->flags | (out ? out->flags : 0)))
		return 0;
	if (out && out->port == k->port)
		bpf_map_delete_elem(&nat, &ok);
	return 1;
}

/* A NAT port for the new OUT flow k: the first free of NAT_TRIES ports
 * picked from the flow's hash. Its IN entry is written first (BPF_NOEXIST:
 * two flows racing for one port cannot both win). 0 or -1: exhausted.
 */
static __always_inline int nat_alloc(const struct vxnet_nat_key *k, __u32 hash, __u64 now,
				     __be16 *port)
{
	__u32 range = (__u32)cfg_nat_port_max - cfg_nat_port_min + 1;
	struct vxnet_nat in = { .last_seen = now, .vni = k->vni, .addr = k->addr,
				.port = k->port };
	struct vxnet_nat_key ik;
	int i;

	for (i = 0; i < NAT_TRIES; i++) {
		__u16 p = cfg_nat_port_min + (hash + i * 7919u) % range;

		nat_in_key(&ik, k, bpf_htons(p));
		if (!bpf_map_update_elem(&nat, &ik, &in, BPF_NOEXIST)) {
			*port = ik.port;
			return 0;
		}
		if (nat_port_stale(&ik, now) &&
		    !bpf_map_update_elem(&nat, &ik, &in, BPF_ANY)) {
			*port = ik.port;
			return 0;
		}
	}
	return -1;
}

/* The OUT key of the egress flow f from (vni, saddr) to daddr. */
static __always_inline void nat_out_key(struct vxnet_nat_key *k, __u32 vni, __be32 saddr,
					__be32 daddr, const struct nat_flow *f)
{
	*k = (struct vxnet_nat_key){ .dir = VXNET_NAT_OUT, .proto = f->proto, .vni = vni,
				     .addr.be32 = saddr, .remote.be32 = daddr, .port = f->sport,
				     .rport = f->dport };
}

/* What nat_out decided for an egress flow: the NAT port, or for the
 * answer of a published flow whose client came through another node,
 * that node (VXNET_NAT_F_VIA: sent back there untranslated).
 */
struct nat_out_res {
	__be16 port;
	__u16 flags;
	__be32 node;
};

/* The translation of the egress flow f (OUT key k), made when new. The
 * flow's IN entry is looked up by the flow's first packet in each tick of
 * the coarse clock (4 ms at HZ=250), so that the LRU keeps it as long as
 * the OUT one (a flow that only sends), and written again if it was
 * evicted anyway; the packets after it in the same tick skip that lookup
 * (its LRU mark is already set). A new flow's NAT ports are tried in the order its
 * hash gives (computed only then). 0, or a drop reason. Not inlined: its keys would
 * otherwise share a stack frame with the FIB lookup's.
 */
static __noinline int nat_out(const struct vxnet_nat_key *k, const struct nat_flow *f,
			      struct nat_out_res *r)
{
	__u64 now = bpf_ktime_get_coarse_ns();
	struct vxnet_nat_key ik;
	struct vxnet_nat *o, v;
	__u32 hash;

	o = bpf_map_lookup_elem(&nat, k);
	if (o) {
		/* a packet of this flow already came in this tick */
		int seen_now = o->last_seen == now;

		r->port = o->port;
		r->flags = o->flags;
		r->node = o->node.be32;
		nat_touch(o, f, now, 0);
		if ((r->flags & VXNET_NAT_F_VIA) || seen_now)
			return 0;
		nat_in_key(&ik, k, o->port);
		if (!bpf_map_lookup_elem(&nat, &ik)) {
			struct vxnet_nat in = { .last_seen = now, .vni = k->vni, .addr = k->addr,
						.port = k->port,
						.flags = r->flags & VXNET_NAT_F_PUBLISHED };

			bpf_map_update_elem(&nat, &ik, &in, BPF_ANY);
		}
		return 0;
	}

	/* a new flow: its NAT ports are tried from its hash */
	hash = vxnet_flow_hash(k->addr.be32 ^ k->vni, k->remote.be32,
			       k->port | (__u32)k->rport << 16, k->proto);
	v = (struct vxnet_nat){ .addr.be32 = cfg_local_addr };
	r->flags = 0;
	if (nat_alloc(k, hash, now, &v.port))
		return VXNET_DROP_NAT_EXHAUSTED;
	nat_touch(&v, f, now, 0);
	if (bpf_map_update_elem(&nat, k, &v, BPF_NOEXIST)) {
		/* Another CPU made this flow meanwhile: use its port. */
		nat_in_key(&ik, k, v.port);
		bpf_map_delete_elem(&nat, &ik);
		o = bpf_map_lookup_elem(&nat, k);
		if (!o)
			return VXNET_DROP_NAT_FAILED;
		r->port = o->port;
		return 0;
	}
	r->port = v.port;
	vxnet_stat(VXNET_STAT_NAT_NEW, 0);
	return 0;
}

/* The checksum flags of a protocol for bpf_l4_csum_replace: UDP's 0 means
 * none and stays 0.
 */
static __always_inline __u64 nat_csum_flags(__u8 proto)
{
	return proto == IPPROTO_UDP_ ? BPF_F_MARK_MANGLED_0 : 0;
}

/* Translates the packet at ip in place: its source (dst 0) or destination
 * address becomes to, the port (or echo id) at f->port_off, from_port
 * until now, becomes port. Written directly, the checksums updated inline
 * (RFC 1624) with one store each: the IPv4 header's, and the L4 one as the
 * skb's checksum state wants it: a full checksum (CHECKSUM_NONE or
 * UNNECESSARY) follows the address (TCP and UDP: the pseudo header) and
 * the port, UDP's 0 staying 0 and a result of 0 written as 0xffff;
 * CHECKSUM_PARTIAL's field holds the pseudo header's sum, which follows
 * the address only. With CHECKSUM_COMPLETE the kernel's
 * bpf_l4_csum_replace does it, which also updates skb->csum. 0, or -1
 * when the port or checksum lies past data_end or a helper fails.
 */
static __always_inline int nat_translate(struct __sk_buff *skb, struct iphdr *ip, void *data_end,
					 int dst, const struct nat_flow *f, __be16 from_port,
					 __be32 to, __be16 port)
{
	__be16 *pp = (void *)ip - ETH_HLEN + f->port_off;
	__sum16 *cp = (void *)ip - ETH_HLEN + f->csum_off;
	__u64 flags = nat_csum_flags(f->proto);
	int pseudo = f->proto != IPPROTO_ICMP_;
	__u8 summed = skb_ip_summed(skb);
	__sum16 c;
	__be32 from;

	if ((void *)(pp + 1) > data_end || (void *)(cp + 1) > data_end)
		return -1;
	from = dst ? ip->daddr : ip->saddr;
	ip->check = csum_replace32(ip->check, from, to);
	if (dst)
		ip->daddr = to;
	else
		ip->saddr = to;
	*pp = port;

	c = *cp;
	if (summed == CHECKSUM_PARTIAL) {
		if (pseudo)
			*cp = ~csum_replace32(~c, from, to);
		return 0;
	}
	if (summed != CHECKSUM_COMPLETE) {
		if (f->proto == IPPROTO_UDP_ && !c)
			return 0;
		if (pseudo)
			c = csum_replace32(c, from, to);
		c = csum_replace16(c, from_port, port);
		if (f->proto == IPPROTO_UDP_ && !c)
			c = 0xffff;
		*cp = c;
		return 0;
	}
	/* the helpers invalidate ip: after the direct writes */
	if (pseudo && bpf_l4_csum_replace(skb, f->csum_off, from, to,
					  BPF_F_PSEUDO_HDR | sizeof(to) | flags))
		return -1;
	if (from_port != port &&
	    bpf_l4_csum_replace(skb, f->csum_off, from_port, port, sizeof(port) | flags))
		return -1;
	return 0;
}

/* Egress: the source becomes this host's address and port. */
static __always_inline int nat_rewrite_out(struct __sk_buff *skb, struct iphdr *ip,
					   void *data_end, const struct nat_flow *f, __be16 port)
{
	return nat_translate(skb, ip, data_end, 0, f, f->sport, cfg_local_addr, port);
}

/* ---- answers ------------------------------------------------------------ */

/* Where an answer goes: the container, its address and port. */
struct nat_target {
	__u32 vni;
	__be32 addr;
	__be16 port;
	__u16 flags;     /* the IN entry's */
	__u32 ifindex;   /* a local container's veth, else 0 */
	__be32 node;     /* a published flow's backend elsewhere: its host */
	__u8 mac[ETH_ALEN];
	__be32 gateway;
};

/* The translation of the flow at k, refreshed, and the container it goes
 * to (a local endpoint still): 0, 1 when there is none (not ours), or a
 * drop reason (negative).
 */
static __always_inline int nat_in_lookup(const struct vxnet_nat_key *k,
					 const struct nat_flow *f, struct nat_target *t)
{
	struct vxnet_endpoint *ep;
	struct vxnet_nat *v;

	v = bpf_map_lookup_elem(&nat, k);
	if (!v)
		return 1;
	if (f)
		nat_touch(v, f, bpf_ktime_get_coarse_ns(), VXNET_NAT_F_REPLIED);
	ep = ep_lookup(v->vni, v->addr.be32);
	if (!ep || (ep->flags & VXNET_EP_GATEWAY))
		return -VXNET_DROP_NAT_FAILED;
	t->ifindex = 0;
	t->node = 0;
	if (ep->flags & VXNET_EP_LOCAL)
		t->ifindex = ep->ifindex;
	else if (v->flags & VXNET_NAT_F_PUBLISHED)
		t->node = ep->node.be32; /* where the backend lives now */
	else
		return -VXNET_DROP_NAT_FAILED;
	t->vni = v->vni;
	t->addr = v->addr.be32;
	t->port = v->port;
	t->flags = v->flags;
	mac_copy(t->mac, ep->mac);
	t->gateway = ep->gateway.be32;
	return 0;
}

/* Into the container: from its gateway's MAC to its own, as a router
 * forwards it (TTL - 1: the caller checked TTL > 1).
 */
static __always_inline int nat_deliver(struct __sk_buff *skb, const struct nat_target *t,
				       enum vxnet_stat stat)
{
	struct ethhdr *eth;
	struct iphdr *ip;
	void *data_end;

	ip = skb_ipv4(skb, &eth, &data_end);
	if (!ip)
		return tc_drop(skb, VXNET_DROP_NAT_FAILED);
	ipv4_dec_ttl(ip);
	mac_copy(eth->h_dest, t->mac);
	mac_from_ipv4(eth->h_source, t->gateway);
	vxnet_stat(stat, skb->len);
	ep_rx(t->ifindex, skb->len);
	tc_trace(skb, stat, t->ifindex);
	return bpf_redirect_peer(t->ifindex, 0);
}

/* What an ICMP error quotes of a translated packet: its IN key (k), where
 * its port (or echo id) is, its IPv4 checksum, and its own UDP or ICMP
 * checksum when the 8 quoted bytes hold one (l4csum_off 0: none; UDP's 0:
 * none either). 0, or 1 when the quote is no packet vxnet translated.
 */
struct nat_quote {
	struct vxnet_nat_key k;
	__u32 off;        /* the quoted IPv4 header */
	__u32 port_off;
	__u32 l4csum_off;
	__be16 check;
	__be16 l4csum;
};

static __always_inline int nat_quote_parse(const struct iphdr *ip, void *data_end,
					   struct nat_quote *qt)
{
	const struct iphdr *q = (void *)ip + ip->ihl * 4 + sizeof(struct icmphdr);
	const __be16 *l4 = (const void *)(q + 1);

	if ((void *)(q + 1) > data_end || q->ihl != 5 || q->saddr != cfg_local_addr)
		return 1;
	if ((void *)(l4 + 4) > data_end) /* the 8 bytes RFC 792 quotes */
		return 1;
	qt->off = ETH_HLEN + ip->ihl * 4 + sizeof(struct icmphdr);
	qt->port_off = qt->off + sizeof(*q);
	qt->check = q->check;
	qt->k = (struct vxnet_nat_key){ .dir = VXNET_NAT_IN, .proto = q->protocol,
					.addr.be32 = q->saddr, .remote.be32 = q->daddr };
	switch (q->protocol) {
	case IPPROTO_ICMP_:
		if (((const struct icmphdr *)l4)->type != ICMP_ECHO_)
			return 1;
		qt->k.port = l4[2]; /* the echo id */
		qt->port_off += 4;
		qt->l4csum = l4[1];
		qt->l4csum_off = qt->off + sizeof(*q) + 2;
		return 0;
	case IPPROTO_UDP_:
		qt->l4csum = l4[3];
		qt->l4csum_off = l4[3] ? qt->off + sizeof(*q) + 6 : 0;
		break;
	case IPPROTO_TCP_:
		qt->l4csum_off = 0; /* past the 8 bytes quoted */
		break;
	default:
		return 1;
	}
	qt->k.port = l4[0];
	qt->k.rport = l4[1];
	return 0;
}

/* An ICMP error (destination unreachable, time exceeded) to this host's
 * address quoting a translated packet: the quote's source and port and the
 * outer destination become the container's; the ICMP checksum follows the
 * quote's changes (its IPv4 checksum, address, port and the UDP or ICMP
 * checksum in it; TCP's lies past the 8 bytes quoted). 0 and t filled,
 * 1: not about a translated flow, or a drop reason (negative).
 */
static __always_inline int nat_in_icmp_error(struct __sk_buff *skb, struct iphdr *ip,
					     void *data_end, struct nat_target *t)
{
	__u32 csum_off = ETH_HLEN + ip->ihl * 4 + __builtin_offsetof(struct icmphdr, checksum);
	__be32 daddr = ip->daddr;
	struct nat_quote qt;
	__be16 ncheck, nl4;
	int rc;

	if (nat_quote_parse(ip, data_end, &qt))
		return 1;
	rc = nat_in_lookup(&qt.k, NULL, t);
	if (rc)
		return rc;
	if (ip->ttl <= 1)
		return -VXNET_DROP_TTL_EXCEEDED;

	/* the outer destination first: the helpers below invalidate ip */
	ip->check = csum_replace32(ip->check, daddr, t->addr);
	ip->daddr = t->addr;
	ncheck = csum_replace32(qt.check, cfg_local_addr, t->addr);
	if (qt.l4csum_off) {
		nl4 = csum_replace16(qt.l4csum, qt.k.port, t->port);
		if (qt.k.proto == IPPROTO_UDP_) /* and its pseudo header */
			nl4 = csum_replace32(nl4, cfg_local_addr, t->addr) ?: 0xffff;
		if (bpf_l4_csum_replace(skb, csum_off, qt.l4csum, nl4, sizeof(nl4)) ||
		    bpf_skb_store_bytes(skb, qt.l4csum_off, &nl4, sizeof(nl4), 0))
			return -VXNET_DROP_NAT_FAILED;
	}
	if (bpf_l4_csum_replace(skb, csum_off, cfg_local_addr, t->addr, sizeof(t->addr)) ||
	    bpf_l4_csum_replace(skb, csum_off, qt.check, ncheck, sizeof(ncheck)) ||
	    bpf_l4_csum_replace(skb, csum_off, qt.k.port, t->port, sizeof(t->port)) ||
	    bpf_skb_store_bytes(skb, qt.off + __builtin_offsetof(struct iphdr, saddr), &t->addr,
				sizeof(t->addr), 0) ||
	    bpf_skb_store_bytes(skb, qt.off + __builtin_offsetof(struct iphdr, check), &ncheck,
				sizeof(ncheck), 0) ||
	    bpf_skb_store_bytes(skb, qt.port_off, &t->port, sizeof(t->port), 0))
		return -VXNET_DROP_NAT_FAILED;
	return 0;
}

/* A client's first packet to a published port (IN key k: this host's
 * address and the host port, the client's address and port): a backend
 * from the service's Maglev slot for the client, kept as a published flow
 * (IN: towards the backend; OUT: its answers, back to the host port). As
 * nat_in_lookup.
 */
static __always_inline int nat_published_new(const struct vxnet_nat_key *k,
					     struct nat_target *t)
{
	struct vxnet_backend_key bk = { .proto = k->proto, .port = k->port };
	struct vxnet_nat_key ok = { .dir = VXNET_NAT_OUT, .proto = k->proto, .remote = k->remote,
				    .rport = k->rport };
	struct vxnet_nat v = { .last_seen = bpf_ktime_get_coarse_ns(), .flags = VXNET_NAT_F_PUBLISHED };
	struct vxnet_backend *b;

	bk.slot = vxnet_flow_hash(k->remote.be32, k->addr.be32, k->rport | (__u32)k->port << 16,
				  k->proto) % VXNET_SERVICE_SLOTS;
	b = bpf_map_lookup_elem(&backends, &bk);
	if (!b)
		return -VXNET_DROP_NO_BACKEND;
	v.vni = ok.vni = b->vni;
	v.addr = ok.addr = b->ip;
	v.port = ok.port = b->port;
	v.node = b->node;
	if (!bpf_map_update_elem(&nat, k, &v, BPF_NOEXIST)) {
		v.vni = 0;
		v.addr.be32 = cfg_local_addr;
		v.port = k->port;
		v.node.be32 = 0;
		bpf_map_update_elem(&nat, &ok, &v, BPF_ANY);
		vxnet_stat(VXNET_STAT_PUBLISHED_NEW, 0);
	}
	return nat_in_lookup(k, NULL, t);
}

/* Whether proto/port (network order) is published on this host. */
static __always_inline int nat_is_published(__u8 proto, __be16 port)
{
	struct vxnet_service_key k = { .proto = proto, .port = port };

	return bpf_map_lookup_elem(&services, &k) != NULL;
}

/* The answer (TCP/UDP to a NAT port, an ICMP echo reply with a NAT id) in
 * ip, or a client's packet to a published port: translated, as
 * nat_in_icmp_error.
 */
static __always_inline int nat_in_answer(struct __sk_buff *skb, struct iphdr *ip,
					 void *data_end, struct nat_target *t)
{
	struct vxnet_nat_key k = { .dir = VXNET_NAT_IN };
	struct nat_flow f = {};
	__be32 daddr = ip->daddr;
	int rc, published = 0;
	__u16 port;

	if (nat_parse(ip, data_end, &f, ICMP_ECHOREPLY_))
		return 1;
	port = bpf_ntohs(f.dport);
	if (f.proto != IPPROTO_ICMP_ && (port < cfg_nat_port_min || port > cfg_nat_port_max)) {
		if (!nat_is_published(f.proto, f.dport))
			return 1;
		published = 1;
	}
	k.proto = f.proto;
	k.addr.be32 = daddr;
	k.remote.be32 = ip->saddr;
	if (f.proto == IPPROTO_ICMP_) {
		k.port = f.sport;
	} else {
		k.port = f.dport;
		k.rport = f.sport;
		f.port_off += sizeof(__be16); /* the destination port */
	}
	rc = nat_in_lookup(&k, &f, t);
	if (rc > 0 && published)
		rc = nat_published_new(&k, t);
	if (rc)
		return rc;
	if (ip->ttl <= 1)
		return -VXNET_DROP_TTL_EXCEEDED;
	if (nat_translate(skb, ip, data_end, 1, &f, k.port, t->addr, t->port))
		return -VXNET_DROP_NAT_FAILED;
	return 0;
}

/* An IPv4 packet to this host's address: the answer to an egress flow, an
 * ICMP error about one, or a client's packet to a published port, is
 * translated; the caller sends it on to t (nat_forward). Anything else is
 * the host's. 1: translated (t, stat filled), 0: the host's, or the verdict
 * of a drop (TC_ACT_SHOT, counted) as its negation.
 */
static __always_inline int nat_in(struct __sk_buff *skb, struct nat_target *t,
				  enum vxnet_stat *stat)
{
	void *data_end;
	struct icmphdr *ih;
	struct ethhdr *eth;
	struct iphdr *ip;
	int rc, error;

	if (skb->protocol != bpf_htons(ETH_P_IP))
		return 0;
	skb_pull_headers(skb, NAT_IN_HDRS);
	ip = skb_ipv4(skb, &eth, &data_end);
	if (!ip || ip->daddr != cfg_local_addr || ipv4_is_fragment(ip))
		return 0;
	if (!ipv4_valid(ip, skb->len - ETH_HLEN) || !nat_ipv4_csum_ok(ip, data_end))
		return 0; /* a header ip_rcv() refuses: the host's to drop */

	ih = (void *)ip + ip->ihl * 4;
	error = ip->protocol == IPPROTO_ICMP_ && (void *)(ih + 1) <= data_end &&
		(ih->type == ICMP_DEST_UNREACH || ih->type == ICMP_TIME_EXCEEDED_);
	if (error)
		rc = nat_in_icmp_error(skb, ip, data_end, t);
	else
		rc = nat_in_answer(skb, ip, data_end, t);
	if (rc > 0)
		return 0;
	if (rc < 0)
		return -tc_drop(skb, -rc);
	if (error)
		*stat = VXNET_STAT_NAT_ICMP_ERROR;
	else if (t->flags & VXNET_NAT_F_PUBLISHED)
		*stat = VXNET_STAT_PUBLISHED;
	else
		*stat = VXNET_STAT_EGRESS_REPLY;
	return 1;
}

#endif /* VXNET_LIB_NAT_H */
