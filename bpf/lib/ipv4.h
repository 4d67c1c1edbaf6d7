/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
#ifndef VXNET_LIB_IPV4_H
#define VXNET_LIB_IPV4_H

#include "lib/eth.h"
#include "lib/csum.h"
#include "lib/skb.h"

#define IPPROTO_ICMP_ 1
#define IPPROTO_TCP_ 6
#define IPPROTO_UDP_ 17
#define IP_DF 0x4000
#define IP_MF 0x2000
#define IP_OFFSET 0x1fff
#define VXNET_OUTER_TTL 64

/* The IPv4 header after eth with its fixed 20 bytes present, or NULL. */
static __always_inline struct iphdr *ipv4_hdr(struct ethhdr *eth, void *data_end)
{
	struct iphdr *ip = (void *)(eth + 1);

	if ((void *)(ip + 1) > data_end)
		return NULL;
	return ip;
}

/* The skb's IPv4 header with its fixed 20 bytes in the linear area, *eth
 * its Ethernet header and *data_end the end of that area; NULL when either
 * is not there. Reads the packet pointers afresh: call it again after a
 * helper that changes the packet.
 */
static __always_inline struct iphdr *skb_ipv4(struct __sk_buff *skb, struct ethhdr **eth,
					      void **data_end)
{
	void *data = skb_data(skb);

	*data_end = skb_data_end(skb);
	*eth = eth_hdr(data, *data_end);
	return *eth ? ipv4_hdr(*eth, *data_end) : NULL;
}

/* A header ip_rcv() would accept: version 4, 20 to 60 bytes, a total length
 * that covers it and lies within the l3_len bytes the frame carries.
 */
static __always_inline int ipv4_valid(const struct iphdr *ip, __u32 l3_len)
{
	__u32 tot = bpf_ntohs(ip->tot_len);

	return ip->version == 4 && ip->ihl >= 5 && tot >= ip->ihl * 4u && tot <= l3_len;
}

/* Whether the header checksum of ip (options too) is right, as ip_rcv()
 * checks it: what vxnet translates it forwards as a router, and a router
 * does not forward a corrupt header (incremental updates would carry the
 * error on).
 */
static __always_inline int ipv4_csum_ok(const struct iphdr *ip, void *data_end)
{
	const __u16 *w = (const __u16 *)ip;
	__u32 sum = 0, n = ip->ihl * 2;
	int i;

	for (i = 0; i < 30; i++) {
		if (i >= n)
			break;
		if ((void *)(w + i + 1) > data_end)
			return 0;
		sum += w[i];
	}
	return csum_fold32(sum) == 0;
}

static __always_inline int ipv4_is_fragment(const struct iphdr *ip)
{
	return (ip->frag_off & bpf_htons(IP_MF | IP_OFFSET)) != 0;
}

/* Whether a is a unicast destination a router forwards: not 0/8, 127/8,
 * multicast, class E or broadcast.
 */
static __always_inline int ipv4_is_unicast(__be32 a)
{
	__u8 first = bpf_ntohl(a) >> 24;

	return first != 0 && first != 127 && first < 224;
}

static __always_inline int ipv4_df(const struct iphdr *ip)
{
	return (ip->frag_off & bpf_htons(IP_DF)) != 0;
}

/* Forwarding step of a router (RFC 1812 5.3.1): TTL - 1 and the header
 * checksum updated for it. The caller has checked TTL > 1.
 */
static __always_inline void ipv4_dec_ttl(struct iphdr *ip)
{
	__be16 old = bpf_htons((__u16)ip->ttl << 8 | ip->protocol);

	ip->ttl--;
	ip->check = csum_replace16(ip->check, old, bpf_htons((__u16)ip->ttl << 8 | ip->protocol));
}

/* Pure builder: an option-less IPv4 header carrying payload_len bytes of
 * proto, with its checksum.
 */
static __always_inline void ipv4_build(struct iphdr *ip, __u8 tos, __u8 proto, __u16 frag_off,
				       __u16 payload_len, __be32 saddr, __be32 daddr)
{
	ip->version = 4;
	ip->ihl = 5;
	ip->tos = tos;
	ip->tot_len = bpf_htons(sizeof(*ip) + payload_len);
	ip->id = 0;
	ip->frag_off = bpf_htons(frag_off);
	ip->ttl = VXNET_OUTER_TTL;
	ip->protocol = proto;
	ip->check = 0;
	ip->saddr = saddr;
	ip->daddr = daddr;
	ip->check = csum_ipv4_hdr(ip);
}

/* Pure builder: the outer IPv4 header of a VXLAN packet (UDP, DF set). */
static __always_inline void ipv4_build_outer(struct iphdr *ip, __u8 tos, __u16 payload_len,
					     __be32 saddr, __be32 daddr)
{
	ipv4_build(ip, tos, IPPROTO_UDP_, IP_DF, payload_len, saddr, daddr);
}

#endif /* VXNET_LIB_IPV4_H */
