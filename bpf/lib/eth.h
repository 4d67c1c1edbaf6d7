/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
#ifndef VXNET_LIB_ETH_H
#define VXNET_LIB_ETH_H

#include <vmlinux.h>
#include <bpf/bpf_endian.h>

#define ETH_ALEN 6
#define ETH_HLEN 14
#define ETH_P_IP 0x0800
#define ETH_P_ARP 0x0806
#define ETH_P_IPV6 0x86DD

static __always_inline void mac_copy(__u8 *dst, const __u8 *src)
{
	__builtin_memcpy(dst, src, ETH_ALEN);
}

static __always_inline int mac_equal(const __u8 *a, const __u8 *b)
{
	/* Byte-wise: frame headers are only 2-byte aligned. */
	return ((a[0] ^ b[0]) | (a[1] ^ b[1]) | (a[2] ^ b[2]) |
		(a[3] ^ b[3]) | (a[4] ^ b[4]) | (a[5] ^ b[5])) == 0;
}

/* The MAC vxnet gives an IPv4 address, as Docker does: 02:42 + its four
 * bytes (user/ipam.c default_mac()). Gateways always have it.
 */
static __always_inline void mac_from_ipv4(__u8 *mac, __be32 ip)
{
	const __u8 *b = (const __u8 *)&ip;

	mac[0] = 0x02;
	mac[1] = 0x42;
	mac[2] = b[0];
	mac[3] = b[1];
	mac[4] = b[2];
	mac[5] = b[3];
}

/* The Ethernet header at data, or NULL when the frame is shorter. */
static __always_inline struct ethhdr *eth_hdr(void *data, void *data_end)
{
	struct ethhdr *eth = data;

	if ((void *)(eth + 1) > data_end)
		return NULL;
	return eth;
}

#endif /* VXNET_LIB_ETH_H */
