/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* ARP for Ethernet/IPv4: parse a request, turn it into the reply in place. */
#ifndef VXNET_LIB_ARP_H
#define VXNET_LIB_ARP_H

#include "lib/eth.h"

#define ARPHRD_ETHER 1
#define ARPOP_REQUEST 1
#define ARPOP_REPLY 2

struct arp_eth_ipv4 {
	struct arphdr hdr;
	__u8 sha[ETH_ALEN];
	__be32 spa;
	__u8 tha[ETH_ALEN];
	__be32 tpa;
} __attribute__((packed));

/* The ARP payload after eth, or NULL when truncated. */
static __always_inline struct arp_eth_ipv4 *arp_hdr(struct ethhdr *eth, void *data_end)
{
	struct arp_eth_ipv4 *arp = (void *)(eth + 1);

	if ((void *)(arp + 1) > data_end)
		return NULL;
	return arp;
}

static __always_inline int arp_is_eth_ipv4(const struct arp_eth_ipv4 *arp)
{
	return arp->hdr.ar_hrd == bpf_htons(ARPHRD_ETHER) &&
	       arp->hdr.ar_pro == bpf_htons(ETH_P_IP) &&
	       arp->hdr.ar_hln == ETH_ALEN && arp->hdr.ar_pln == 4;
}

/* A request we answer: op 1, not gratuitous (spa != tpa). */
static __always_inline int arp_is_request(const struct arp_eth_ipv4 *arp)
{
	return arp->hdr.ar_op == bpf_htons(ARPOP_REQUEST) && arp->spa != arp->tpa;
}

/* Rewrite the request in place into the reply from target_mac. */
static __always_inline void arp_make_reply(struct ethhdr *eth, struct arp_eth_ipv4 *arp,
					   const __u8 *target_mac)
{
	__be32 tip = arp->tpa;

	arp->hdr.ar_op = bpf_htons(ARPOP_REPLY);
	mac_copy(arp->tha, arp->sha);
	arp->tpa = arp->spa;
	mac_copy(arp->sha, target_mac);
	arp->spa = tip;
	mac_copy(eth->h_dest, arp->tha);
	mac_copy(eth->h_source, target_mac);
}

#endif /* VXNET_LIB_ARP_H */
