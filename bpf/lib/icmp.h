/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* ICMP errors vxnet sends to its containers: Destination Unreachable,
 * Fragmentation Needed (RFC 792, next-hop MTU per RFC 1191).
 */
#ifndef VXNET_LIB_ICMP_H
#define VXNET_LIB_ICMP_H

#include "lib/eth.h"
#include "lib/ipv4.h"
#include "lib/csum.h"

#define ICMP_DEST_UNREACH 3
#define ICMP_FRAG_NEEDED 4
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

#endif /* VXNET_LIB_ICMP_H */
