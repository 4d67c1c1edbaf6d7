/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Checksums: the one place that computes them. */
#ifndef VXNET_LIB_CSUM_H
#define VXNET_LIB_CSUM_H

#include <vmlinux.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>

/* skb->ip_summed values (include/linux/skbuff.h). */
#define CHECKSUM_NONE 0
#define CHECKSUM_UNNECESSARY 1
#define CHECKSUM_COMPLETE 2
#define CHECKSUM_PARTIAL 3

extern void *bpf_cast_to_kern_ctx(void *obj) __ksym;

/* The skb's checksum state (CHECKSUM_*), which struct __sk_buff does not
 * show: read from the kernel's sk_buff (kfunc bpf_cast_to_kern_ctx, Linux
 * 6.3 and later).
 */
static __always_inline __u8 skb_ip_summed(struct __sk_buff *skb)
{
	struct sk_buff *kskb = bpf_cast_to_kern_ctx(skb);

	return BPF_CORE_READ_BITFIELD(kskb, ip_summed);
}

static __always_inline __u16 csum_fold32(__u32 sum)
{
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (__u16)~sum;
}

/* Header checksum of an option-less IPv4 header (check field must be 0). */
static __always_inline __sum16 csum_ipv4_hdr(const struct iphdr *ip)
{
	const __u16 *w = (const __u16 *)ip;
	__u32 sum = 0;
	int i;

#pragma unroll
	for (i = 0; i < (int)(sizeof(*ip) / 2); i++)
		sum += w[i];
	return csum_fold32(sum);
}

/* Incremental update (RFC 1624, eqn. 3) of a checksum over data in which
 * one 16-bit word changed from old to new: HC' = ~(~HC + ~m + m').
 */
static __always_inline __sum16 csum_replace16(__sum16 check, __be16 old, __be16 new)
{
	__u32 sum = (__u16)~check + (__u16)~old + (__u16)new;

	return csum_fold32(sum);
}

/* The same for a 32-bit word (an IPv4 address): its two halves. */
static __always_inline __sum16 csum_replace32(__sum16 check, __be32 old, __be32 new)
{
	check = csum_replace16(check, (__be16)(old & 0xffff), (__be16)(new & 0xffff));
	return csum_replace16(check, (__be16)(old >> 16), (__be16)(new >> 16));
}

/* Whether the checksum of an option-less IPv4 header (its 20 bytes
 * checked present) is right: five 32-bit words, where the general check
 * (ipv4_csum_ok()) loops over 16-bit words with a bounds check each.
 */
static __always_inline int csum_ipv4_hdr20_ok(const struct iphdr *ip)
{
	const __u32 *w = (const __u32 *)ip;
	__u64 sum = (__u64)w[0] + w[1] + w[2] + w[3] + w[4];

	sum = (sum & 0xffffffff) + (sum >> 32);
	sum = (sum & 0xffffffff) + (sum >> 32);
	return csum_fold32((__u32)sum) == 0;
}

/* Internet checksum of nwords 16-bit words at p (nwords a constant). */
static __always_inline __sum16 csum_words(const void *p, const int nwords)
{
	const __u16 *w = p;
	__u32 sum = 0;
	int i;

#pragma unroll
	for (i = 0; i < nwords; i++)
		sum += w[i];
	return csum_fold32(sum);
}

#endif /* VXNET_LIB_CSUM_H */
