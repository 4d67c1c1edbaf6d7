/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* ICMP vxnet sends to its containers: Destination Unreachable,
 * Fragmentation Needed (RFC 792, next-hop MTU per RFC 1191), and the
 * gateway's Echo Reply.
 */
#ifndef VXNET_LIB_ICMP_H
#define VXNET_LIB_ICMP_H

#include "lib/eth.h"
#include "lib/ipv4.h"
#include "lib/csum.h"

#define ICMP_ECHOREPLY_ 0
#define ICMP_DEST_UNREACH 3
#define ICMP_FRAG_NEEDED 4 /* code of DEST_UNREACH */
#define ICMP_ECHO_ 8
#define IPTOS_PREC_INTERNETCONTROL 0xc0
/* What an ICMP error quotes: the offending IPv4 header (with options) and
 * the first 8 bytes of its payload (RFC 792).
 */
#define ICMP_QUOTE_MIN (20 + 8)
#define ICMP_QUOTE_MAX (60 + 8)

/* An ICMP error as it goes on the wire from eth on; the leading pad keeps
 * IPv4 and ICMP 4-byte aligned. quote must be zero past the quoted bytes:
 * the checksum runs over the whole buffer.
 */
struct vxnet_icmp_err {
	__u16 pad;
	struct ethhdr eth;
	struct iphdr ip;
	struct icmphdr icmp;
	__u8 quote[ICMP_QUOTE_MAX];
};

#define VXNET_ICMP_HDRS_LEN (ETH_HLEN + sizeof(struct iphdr) + sizeof(struct icmphdr))

/* Pure builder: around the quote_len bytes already in e->quote, the frame
 * "fragmentation needed, next-hop MTU mtu" from saddr/smac to daddr/dmac.
 * tos and frag_off as the kernel's icmp_send(): precedence "internetwork
 * control", DF clear.
 */
static __always_inline void icmp_build_frag_needed(struct vxnet_icmp_err *e, const __u8 *dmac,
						   const __u8 *smac, __be32 saddr, __be32 daddr,
						   __u16 mtu, __u32 quote_len)
{
	mac_copy(e->eth.h_dest, dmac);
	mac_copy(e->eth.h_source, smac);
	e->eth.h_proto = bpf_htons(ETH_P_IP);
	ipv4_build(&e->ip, IPTOS_PREC_INTERNETCONTROL, IPPROTO_ICMP_, 0,
		   sizeof(e->icmp) + quote_len, saddr, daddr);
	e->icmp.type = ICMP_DEST_UNREACH;
	e->icmp.code = ICMP_FRAG_NEEDED;
	e->icmp.checksum = 0;
	e->icmp.un.frag.__unused = 0;
	e->icmp.un.frag.mtu = bpf_htons(mtu);
	e->icmp.checksum = csum_words(&e->icmp, (sizeof(e->icmp) + sizeof(e->quote)) / 2);
}

/* Turn the echo request at eth/ip/icmp (option-less IPv4, not a fragment)
 * into the reply in place, as the kernel's icmp_echo() answers it: from
 * the address and MAC it was sent to, back to its sender, identifier,
 * sequence and data echoed. The IPv4 header keeps tos, id and frag_off and
 * gets TTL 64 (ip_default_ttl) and a new checksum; the ICMP checksum
 * changes by the type word only (RFC 1624), so a request with a bad
 * checksum gets a reply with a bad one, which the sender drops.
 */
static __always_inline void icmp_make_echo_reply(struct ethhdr *eth, struct iphdr *ip,
						 struct icmphdr *icmp, const __u8 *mac)
{
	__be32 a = ip->saddr;

	mac_copy(eth->h_dest, eth->h_source);
	mac_copy(eth->h_source, mac);
	ip->saddr = ip->daddr;
	ip->daddr = a;
	ip->ttl = VXNET_OUTER_TTL;
	ip->check = 0;
	ip->check = csum_ipv4_hdr(ip);
	icmp->checksum = csum_replace16(icmp->checksum, bpf_htons(ICMP_ECHO_ << 8 | icmp->code),
					bpf_htons(ICMP_ECHOREPLY_ << 8 | icmp->code));
	icmp->type = ICMP_ECHOREPLY_;
}

#endif /* VXNET_LIB_ICMP_H */
