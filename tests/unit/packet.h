/* SPDX-License-Identifier: GPL-2.0-only */
/* Shared by the BPF unit tests and bench/prog_cost: a small packet builder
 * (headers per RFC 791/793/768/792/826/7348, checksums filled) and the
 * private network namespace the programs run in (an underlay ul0 with a
 * neighbour and a route for bpf_fib_lookup, container veths c1h..c3h).
 * Include after <stdarg.h>, <stdio.h>, <string.h>, <sched.h>, <arpa/inet.h>,
 * <linux/if_ether.h>.
 */
#ifndef VXNET_TEST_PACKET_H
#define VXNET_TEST_PACKET_H

#define VNI 42
#define PORT 4789
#define PKT_MAX 4400 /* a GSO frame of three 1422-byte UDP segments and its headers */

/* ---- packet builder ----------------------------------------------------- */

struct pkt {
	__u32 len;
	__u8 b[PKT_MAX];
};

static const __u8 UL_MAC[6] = { 0x02, 0, 0, 0, 0, 0x01 }; /* ul0 */
static const __u8 GW_MAC[6] = { 0x02, 0, 0, 0, 0, 0x02 }; /* underlay next hop */
static const __u8 C1_MAC[6] = { 0x02, 0x42, 0x0a, 0, 0x01, 0x02 };
static const __u8 C2_MAC[6] = { 0x02, 0x42, 0x0a, 0, 0x01, 0x03 };
static const __u8 R1_MAC[6] = { 0x02, 0x42, 0x0a, 0, 0x01, 0x04 };
static const __u8 R2_MAC[6] = { 0x02, 0x42, 0x0a, 0, 0x01, 0x05 };
static const __u8 SUBNET_GW_MAC[6] = { 0x02, 0x42, 0x0a, 0, 0x01, 0x01 };
static const __u8 GW2_MAC[6] = { 0x02, 0x42, 0x0a, 0, 0x02, 0x01 }; /* 10.0.2.1 */
static const __u8 C2B_MAC[6] = { 0x02, 0x42, 0x0a, 0, 0x02, 0x03 };
static const __u8 R4_MAC[6] = { 0x02, 0x42, 0x0a, 0, 0x02, 0x04 };
static const __u8 EVIL_MAC[6] = { 0x02, 0x66, 0x66, 0x66, 0x66, 0x66 };
static const __u8 BCAST[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
static const __u8 ZERO_MAC[6];

static inline __u32 ip(const char *s)
{
	return inet_addr(s);
}

static inline struct pkt cat(struct pkt a, struct pkt b)
{
	memcpy(a.b + a.len, b.b, b.len);
	a.len += b.len;
	return a;
}

static inline struct pkt bytes(const void *p, __u32 len)
{
	struct pkt r = { .len = len };

	memcpy(r.b, p, len);
	return r;
}

static inline struct pkt text(const char *s)
{
	return bytes(s, strlen(s));
}

static inline struct pkt truncate_to(struct pkt p, __u32 len)
{
	p.len = len;
	return p;
}

/* Ethernet minimum-frame padding with zeros, as a NIC would deliver it. */
static inline struct pkt pad_to(struct pkt p, __u32 len)
{
	if (p.len < len) {
		memset(p.b + p.len, 0, len - p.len);
		p.len = len;
	}
	return p;
}

static inline void put16(__u8 *p, __u16 v)
{
	p[0] = v >> 8;
	p[1] = v;
}

static inline __u32 csum_add(__u32 sum, const __u8 *p, __u32 len)
{
	__u32 i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (p[i] << 8) | p[i + 1];
	if (len & 1)
		sum += p[len - 1] << 8;
	return sum;
}

static inline __u16 csum_fold(__u32 sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return ~sum;
}

static inline struct pkt eth(const __u8 *dst, const __u8 *src, __u16 proto, struct pkt payload)
{
	struct pkt r = { .len = ETH_HLEN };

	memcpy(r.b, dst, 6);
	memcpy(r.b + 6, src, 6);
	put16(r.b + 12, proto);
	return cat(r, payload);
}

struct ip4 {
	__u32 saddr, daddr; /* network order */
	__u8 proto, tos, ttl;
	__u16 id, frag;     /* host order; frag includes DF/MF */
	__u8 optlen;        /* bytes of NOP options, multiple of 4 */
	int l4csum;         /* fill the TCP/UDP checksum */
};

/* IPv4 header (RFC 791) with a valid header checksum and, if asked, the
 * TCP/UDP checksum over the pseudo header (RFC 793/768).
 */
static inline struct pkt ipv4x(struct ip4 h, struct pkt payload)
{
	struct pkt r = { .len = 20 + h.optlen };
	__u32 sum;

	r.b[0] = 0x40 | (r.len / 4);
	r.b[1] = h.tos;
	put16(r.b + 2, r.len + payload.len);
	put16(r.b + 4, h.id);
	put16(r.b + 6, h.frag);
	r.b[8] = h.ttl;
	r.b[9] = h.proto;
	memcpy(r.b + 12, &h.saddr, 4);
	memcpy(r.b + 16, &h.daddr, 4);
	memset(r.b + 20, 1 /* NOP */, h.optlen);
	put16(r.b + 10, csum_fold(csum_add(0, r.b, r.len)));

	if (h.l4csum && (h.proto == IPPROTO_TCP || h.proto == IPPROTO_UDP)) {
		__u32 off = h.proto == IPPROTO_TCP ? 16 : 6;
		__u16 c;

		put16(payload.b + off, 0);
		sum = csum_add(0, r.b + 12, 8);
		sum += h.proto + payload.len;
		c = csum_fold(csum_add(sum, payload.b, payload.len));
		if (h.proto == IPPROTO_UDP && c == 0)
			c = 0xffff;
		put16(payload.b + off, c);
	}
	return cat(r, payload);
}

static inline struct pkt ipv4_ttl(const char *src, const char *dst, __u8 proto, __u8 ttl,
			   struct pkt payload)
{
	struct ip4 h = { .saddr = ip(src), .daddr = ip(dst), .proto = proto,
			 .ttl = ttl, .id = 0x1234, .frag = 0x4000, .l4csum = 1 };

	return ipv4x(h, payload);
}

static inline struct pkt ipv4(const char *src, const char *dst, __u8 proto, struct pkt payload)
{
	return ipv4_ttl(src, dst, proto, 64, payload);
}

/* n bytes of a counting pattern, to make packets of a given size. */
static inline struct pkt filler(__u32 n)
{
	struct pkt r = { .len = n };
	__u32 i;

	for (i = 0; i < n; i++)
		r.b[i] = i * 7;
	return r;
}

/* ICMP message (RFC 792): type, code, the 4 bytes after the checksum
 * (rest, host order) and data, checksum filled.
 */
static inline struct pkt icmp(__u8 type, __u8 code, __u32 rest, struct pkt data)
{
	struct pkt r = { .len = 8 };

	r.b[0] = type;
	r.b[1] = code;
	put16(r.b + 4, rest >> 16);
	put16(r.b + 6, rest);
	r = cat(r, data);
	put16(r.b + 2, csum_fold(csum_add(0, r.b, r.len)));
	return r;
}

/* An ICMP echo frame (type 8 request, 0 reply) as ping sends it: identifier
 * id, sequence 1, 56 bytes of filler, IPv4 id 0x77, DF. test_nat.c's flows
 * and the fuzzer's seeds of them.
 */
static inline struct pkt echo_frame(const __u8 *dmac, const __u8 *smac, const char *src,
				    const char *dst, __u8 type, __u16 id, __u8 ttl)
{
	struct ip4 h = { .saddr = ip(src), .daddr = ip(dst), .proto = IPPROTO_ICMP, .ttl = ttl,
			 .id = 0x77, .frag = 0x4000 };

	return eth(dmac, smac, ETH_P_IP, ipv4x(h, icmp(type, 0, (__u32)id << 16 | 1, filler(56))));
}

/* UDP header; the checksum is filled by ipv4x() when asked. */
static inline struct pkt udp(__u16 sport, __u16 dport, struct pkt payload)
{
	struct pkt r = { .len = 8 };

	put16(r.b, sport);
	put16(r.b + 2, dport);
	put16(r.b + 4, 8 + payload.len);
	return cat(r, payload);
}

#define TCP_SYN 0x02
#define TCP_ACK 0x10
#define TCP_PSH 0x08

#define TCP_SEQ 0x10000000

/* TCP header without options, ack 0; the checksum is filled by ipv4x(). */
static inline struct pkt tcp_seq(__u16 sport, __u16 dport, __u32 seq, __u8 flags,
				 struct pkt payload)
{
	struct pkt r = { .len = 20 };

	put16(r.b, sport);
	put16(r.b + 2, dport);
	put16(r.b + 4, seq >> 16);
	put16(r.b + 6, seq);
	r.b[12] = 5 << 4;         /* data offset */
	r.b[13] = flags;
	put16(r.b + 14, 0xfaf0);  /* window */
	return cat(r, payload);
}

static inline struct pkt tcp(__u16 sport, __u16 dport, __u8 flags, struct pkt payload)
{
	return tcp_seq(sport, dport, TCP_SEQ, flags, payload);
}

/* What a sender leaves in the TCP/UDP checksum field of a packet whose
 * checksum the kernel completes (CHECKSUM_PARTIAL, e.g. every GSO packet):
 * the folded, not inverted, sum of the pseudo header (RFC 793/768) over the
 * whole L4 length, as tcp_v4_send_check()/udp4_hwcsum() write it. f is an
 * Ethernet frame with an option-less IPv4 header.
 */
static inline struct pkt l4_csum_partial(struct pkt f)
{
	__u8 *iph = f.b + ETH_HLEN;
	__u32 l4len = ((iph[2] << 8) | iph[3]) - 20;
	__u32 off = ETH_HLEN + 20 + (iph[9] == IPPROTO_TCP ? 16 : 6);
	__u32 sum = csum_add(0, iph + 12, 8) + iph[9] + l4len;

	put16(f.b + off, ~csum_fold(sum));
	return f;
}

/* ARP for Ethernet/IPv4 (RFC 826). */
static inline struct pkt arp(__u16 op, const __u8 *sha, const char *spa, const __u8 *tha,
		      const char *tpa)
{
	struct pkt r = { .len = 28 };
	__u32 a;

	put16(r.b, 1);
	put16(r.b + 2, ETH_P_IP);
	r.b[4] = 6;
	r.b[5] = 4;
	put16(r.b + 6, op);
	memcpy(r.b + 8, sha, 6);
	a = ip(spa);
	memcpy(r.b + 14, &a, 4);
	memcpy(r.b + 18, tha, 6);
	a = ip(tpa);
	memcpy(r.b + 24, &a, 4);
	return r;
}

/* VXLAN header (RFC 7348): flags byte, 24-bit VNI. */
static inline struct pkt vxlan(__u8 flags, __u32 vni, struct pkt inner)
{
	struct pkt r = { .len = 8 };

	r.b[0] = flags;
	r.b[4] = vni >> 16;
	r.b[5] = vni >> 8;
	r.b[6] = vni;
	return cat(r, inner);
}

/* A VXLAN frame from node to the underlay address dst as it arrives on ul0
 * (198.18.0.1 is ours).
 */
static inline struct pkt vx_frame_to(const char *node, const char *dst, __u8 optlen,
				     __u16 dport, __u8 flags, __u32 vni, struct pkt inner)
{
	struct ip4 h = { .saddr = ip(node), .daddr = ip(dst), .proto = IPPROTO_UDP,
			 .ttl = 63, .frag = 0x4000, .optlen = optlen };

	return eth(UL_MAC, GW_MAC, ETH_P_IP,
		   ipv4x(h, udp(51234, dport, vxlan(flags, vni, inner))));
}

/* A VXLAN frame from node to us as it arrives on ul0. */
static inline struct pkt vx_frame_opt(const char *node, __u8 optlen, __u16 dport, __u8 flags,
			       __u32 vni, struct pkt inner)
{
	return vx_frame_to(node, "198.18.0.1", optlen, dport, flags, vni, inner);
}

static inline struct pkt vx_frame(const char *node, __u8 flags, __u32 vni, struct pkt inner)
{
	return vx_frame_opt(node, 0, PORT, flags, vni, inner);
}

/* What vxnet_from_container must produce for inner towards node through
 * dmac: outer eth/IPv4 (tos copied, id 0, DF, ttl 64)/UDP (source port
 * masked in the comparison, checksum 0)/VXLAN, then the frame itself.
 */
static inline struct pkt encap_of(const __u8 *dmac, const char *node, __u8 tos, struct pkt inner)
{
	struct ip4 h = { .saddr = ip("198.18.0.1"), .daddr = ip(node), .proto = IPPROTO_UDP,
			 .tos = tos, .ttl = 64, .frag = 0x4000 };

	return eth(dmac, UL_MAC, ETH_P_IP, ipv4x(h, udp(0, PORT, vxlan(0x08, VNI, inner))));
}

/* Segment number seg of an encapsulated GSO packet as software GSO
 * (inet_gso_segment) writes it: the outer IPv4 id counts up from
 * encap's 0, one per segment.
 */
static inline struct pkt encap_seg_of(const __u8 *dmac, const char *node, __u16 seg,
				      struct pkt inner)
{
	struct ip4 h = { .saddr = ip("198.18.0.1"), .daddr = ip(node), .proto = IPPROTO_UDP,
			 .ttl = 64, .id = seg, .frag = 0x4000 };

	return eth(dmac, UL_MAC, ETH_P_IP, ipv4x(h, udp(0, PORT, vxlan(0x08, VNI, inner))));
}

/* ---- setup --------------------------------------------------------------- */

static inline int sh(const char *fmt, ...)
{
	char cmd[512];
	va_list ap;
	int rc;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	rc = system(cmd);
	if (rc) {
		fprintf(stderr, "vxnet test: setup: '%s' failed\n", cmd);
		return -1;
	}
	return 0;
}

static inline int write_file(const char *path, const char *s)
{
	FILE *f = fopen(path, "w");
	int rc;

	if (!f)
		return -errno;
	rc = fputs(s, f) < 0 ? -EIO : 0;
	if (fclose(f))
		rc = -errno;
	return rc;
}

/* libbpf's messages on stderr; its debug output (the verifier log) only
 * with VXNET_TEST_DEBUG set. Include after <bpf/libbpf.h>.
 */
static inline int test_libbpf_print(enum libbpf_print_level level, const char *fmt, va_list args)
{
	if (level == LIBBPF_DEBUG && !getenv("VXNET_TEST_DEBUG"))
		return 0;
	return vfprintf(stderr, fmt, args);
}

static inline int setup_netns(void)
{
	if (unshare(CLONE_NEWNET)) {
		fprintf(stderr, "vxnet test: unshare(CLONE_NEWNET): %s\n", strerror(errno));
		return -1;
	}
	if (sh("ip link set lo up") ||
	    sh("ip link add ul0 address 02:00:00:00:00:01 type veth peer name ul1") ||
	    sh("ip addr add 198.18.0.1/24 dev ul0") ||
	    sh("ip link set ul0 up") || sh("ip link set ul1 up") ||
	    sh("ip neigh replace 198.18.0.2 lladdr 02:00:00:00:00:02 dev ul0 nud permanent") ||
	    sh("ip route add 198.18.2.0/24 via 198.18.0.2 dev ul0") ||
	    sh("ip link add c1h type veth peer name c1") ||
	    sh("ip link add c2h type veth peer name c2") ||
	    sh("ip link add c3h type veth peer name c3"))
		return -1;
	if (write_file("/proc/sys/net/ipv4/conf/ul0/forwarding", "1")) {
		fprintf(stderr, "vxnet test: enabling forwarding on ul0 failed\n");
		return -1;
	}
	return 0;
}

#endif
