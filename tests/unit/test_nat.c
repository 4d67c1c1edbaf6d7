// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* BPF_PROG_TEST_RUN unit tests of egress NAT (bpf/lib/nat.h): each
 * translation byte for byte (the expected frames are built with their
 * checksums computed from scratch), the nat map's entries, the counters.
 * The topology is test_datapath.c's (fixture.h), this host 198.18.0.1 on
 * ul0, plus network VNI 43 with the same subnet 10.0.1.0/24 and an
 * endpoint with c1's address 10.0.1.2 behind c3h (C3_MAC). Outside:
 * 198.18.2.10 (routed via 198.18.0.2, GW_MAC). NAT ports: 61001-61004, so
 * that exhaustion takes four flows. Cases run in order: later ones use
 * the translations earlier ones made.
 *
 * Published ports: 8080/tcp -> c1 10.0.1.2:80 (here), 9090/tcp -> r1
 * 10.0.1.4:80 (node 198.18.2.10), 7070/udp has no backend. Clients come
 * from 198.18.2.50.
 *
 * 198.18.5.0/24 lies behind a route of locked MTU 1300 (via 198.18.0.2):
 * egress there takes the route's MTU, not ul0's 1500.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "vxnet.h"
#include "vxnet.skel.h"
#include "datapath.h"

#include "packet.h"
#include "fixture.h"

#define VNI2 43
#define PORT_MIN 61001
#define PORT_MAX 61004
#define NONE (-1)

static const __u8 C3_MAC[6] = { 0x02, 0x42, 0x0a, 0, 0x01, 0x33 };

static struct vxnet_bpf *skel;
static int ncpus, failed;
static __u32 c1h, c3h;

/* Runs p on in (entering at ifindex); the output frame and the verdict. */
static int run(enum prog p, __u32 ifindex, struct pkt in, struct pkt *out)
{
	struct __sk_buff ctx = { .ifindex = ifindex };
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = in.b, .data_size_in = in.len,
		    .data_out = out->b, .data_size_out = PKT_MAX, .ctx_in = &ctx,
		    .ctx_size_in = sizeof(ctx), .repeat = 1);

	if (p == XDP_DECAP) {
		opts.ctx_in = NULL;
		opts.ctx_size_in = 0;
	}

	if (bpf_prog_test_run_opts(prog_fd(skel, p), &opts))
		return -1000 - errno;
	out->len = opts.data_size_out;
	return opts.retval;
}

static __u64 counter(struct bpf_map *map, __u32 k)
{
	struct vxnet_counter v[ncpus];
	__u64 sum = 0;

	if (bpf_map__lookup_elem(map, &k, sizeof(k), v, sizeof(v), 0))
		return ~0ull;
	for (int i = 0; i < ncpus; i++)
		sum += v[i].packets;
	return sum;
}

static __u64 stat(enum vxnet_stat s) { return counter(skel->maps.stats, s); }
static __u64 drop(enum vxnet_drop d) { return counter(skel->maps.drops, d); }

static void report(const char *name, const char *why)
{
	if (why && *why) {
		printf("not ok %s: %s\n", name, why);
		failed++;
	} else {
		printf("ok %s\n", name);
	}
}

/* Where got and want differ, in why; 0 when equal. */
static int differ(const struct pkt *got, const struct pkt *want, char *why, size_t n)
{
	for (__u32 i = 0; i < got->len && i < want->len; i++) {
		if (got->b[i] != want->b[i]) {
			snprintf(why, n, "output differs at byte %u: 0x%02x, want 0x%02x", i,
				 got->b[i], want->b[i]);
			return -1;
		}
	}
	if (got->len != want->len) {
		snprintf(why, n, "output is %u bytes, want %u", got->len, want->len);
		return -1;
	}
	return 0;
}

static __u16 get16(const __u8 *p) { return p[0] << 8 | p[1]; }

/* The source port (or echo id) of an option-less IPv4 frame. */
static __u16 sport_of(const struct pkt *f) { return get16(f->b + ETH_HLEN + 20 + (f->b[ETH_HLEN + 9] == IPPROTO_ICMP ? 4 : 0)); }

static int nat_get(__u8 dir, __u8 proto, __u32 vni, const char *addr, const char *remote,
		   __u16 port, __u16 rport, struct vxnet_nat *v)
{
	struct vxnet_nat_key k = { .dir = dir, .proto = proto, .vni = vni, .addr.be32 = ip(addr),
				   .remote.be32 = ip(remote), .port = htons(port), .rport = htons(rport) };

	return bpf_map__lookup_elem(skel->maps.nat, &k, sizeof(k), v, sizeof(*v), 0);
}

/* The frames of the flows. Container side: TTL 64; the world's side of
 * the egress: TTL 63 (routed), from this host.
 */
static struct pkt tcp_out(const __u8 *smac, const char *src, __u16 sport, __u8 ttl)
{
	return eth(SUBNET_GW_MAC, smac, ETH_P_IP,
		   ipv4_ttl(src, "198.18.2.10", IPPROTO_TCP, ttl,
			    tcp(sport, 80, TCP_PSH | TCP_ACK, text("GET / HTTP/1.0\r\n\r\n"))));
}

static struct pkt tcp_translated(__u16 port)
{
	return eth(GW_MAC, UL_MAC, ETH_P_IP,
		   ipv4_ttl("198.18.0.1", "198.18.2.10", IPPROTO_TCP, 63,
			    tcp(port, 80, TCP_PSH | TCP_ACK, text("GET / HTTP/1.0\r\n\r\n"))));
}

static struct pkt tcp_reply(const char *dst, __u16 dport, __u8 ttl, const __u8 *dmac,
			    const __u8 *smac)
{
	return eth(dmac, smac, ETH_P_IP,
		   ipv4_ttl("198.18.2.10", dst, IPPROTO_TCP, ttl,
			    tcp(80, dport, TCP_ACK, text("HTTP/1.0 200 OK\r\n"))));
}

static struct pkt udp_pkt(const __u8 *dmac, const __u8 *smac, const char *src, const char *dst,
			  __u16 sport, __u16 dport, __u8 ttl, int csum)
{
	struct ip4 h = { .saddr = ip(src), .daddr = ip(dst), .proto = IPPROTO_UDP, .ttl = ttl,
			 .id = 0x1234, .frag = 0x4000, .l4csum = csum };

	return eth(dmac, smac, ETH_P_IP, ipv4x(h, udp(sport, dport, text("query"))));
}

/* An ICMP error (type/code, rest) from src about the frame quoted (its
 * IPv4 header and 8 bytes), to dst.
 */
static struct pkt icmp_err(const __u8 *dmac, const __u8 *smac, const char *src, const char *dst,
			   __u8 type, __u8 code, __u32 rest, struct pkt quoted, __u8 ttl)
{
	struct ip4 h = { .saddr = ip(src), .daddr = ip(dst), .proto = IPPROTO_ICMP,
			 .tos = 0xc0, .ttl = ttl };

	return eth(dmac, smac, ETH_P_IP,
		   ipv4x(h, icmp(type, code, rest, bytes(quoted.b + ETH_HLEN, 28))));
}

/* A VXLAN frame carrying inner as vxnet_from_container or a published
 * port's forwarding sends it to node (flags 0x08, or 0x09 marked); the
 * UDP source port is left 0 and masked in the comparison.
 */
#define SPORT_OFF (ETH_HLEN + 20)
static struct pkt encap_flags(const char *node, __u8 flags, struct pkt inner)
{
	struct pkt p = encap_of(GW_MAC, node, 0, inner);

	p.b[ETH_HLEN + 20 + 8] = flags;
	return p;
}

/* As differ(), the outer UDP source port not compared. */
static int differ_encap(struct pkt *got, const struct pkt *want, char *why, size_t n)
{
	if (got->len > SPORT_OFF + 2)
		got->b[SPORT_OFF] = got->b[SPORT_OFF + 1] = 0;
	return differ(got, want, why, n);
}

/* ---- cases --------------------------------------------------------------- */

static __u16 tcp_port, udp_port, echo_id;

static void test_tcp(void)
{
	const char *name = "egress: TCP c1 10.0.1.2:40000 -> 198.18.2.10:80 leaves from 198.18.0.1:NAT port, TTL 63, checksums";
	__u64 e0 = stat(VXNET_STAT_EGRESS), n0 = stat(VXNET_STAT_NAT_NEW);
	struct pkt out, want;
	struct vxnet_nat o, i;
	char why[256] = "";
	int rc;

	rc = run(FROM_CONTAINER, c1h, tcp_out(C1_MAC, "10.0.1.2", 40000, 64), &out);
	tcp_port = sport_of(&out);
	want = tcp_translated(tcp_port);
	if (rc != TC_ACT_REDIRECT)
		snprintf(why, sizeof(why), "verdict %d, want redirect", rc);
	else if (tcp_port < PORT_MIN || tcp_port > PORT_MAX)
		snprintf(why, sizeof(why), "NAT port %u outside %u-%u", tcp_port, PORT_MIN, PORT_MAX);
	else if (differ(&out, &want, why, sizeof(why)))
		;
	else if (stat(VXNET_STAT_EGRESS) != e0 + 1 || stat(VXNET_STAT_NAT_NEW) != n0 + 1)
		snprintf(why, sizeof(why), "egress/nat-new did not move by one");
	else if (nat_get(VXNET_NAT_OUT, IPPROTO_TCP, VNI, "10.0.1.2", "198.18.2.10", 40000, 80, &o) ||
		 o.addr.be32 != ip("198.18.0.1") || ntohs(o.port) != tcp_port)
		snprintf(why, sizeof(why), "no OUT entry -> 198.18.0.1:%u", tcp_port);
	else if (nat_get(VXNET_NAT_IN, IPPROTO_TCP, 0, "198.18.0.1", "198.18.2.10", tcp_port, 80, &i) ||
		 i.vni != VNI || i.addr.be32 != ip("10.0.1.2") || ntohs(i.port) != 40000)
		snprintf(why, sizeof(why), "no IN entry -> VNI 42 10.0.1.2:40000");
	report(name, why);

	why[0] = 0;
	rc = run(FROM_CONTAINER, c1h, tcp_out(C1_MAC, "10.0.1.2", 40000, 64), &out);
	if (rc != TC_ACT_REDIRECT || sport_of(&out) != tcp_port || stat(VXNET_STAT_NAT_NEW) != n0 + 1)
		snprintf(why, sizeof(why), "verdict %d port %u nat-new %llu, want the same port, no new translation",
			 rc, sport_of(&out), (unsigned long long)(stat(VXNET_STAT_NAT_NEW) - n0));
	report("egress: the flow's next packet keeps its NAT port", why);
}

static void test_tcp_reply(enum prog p, const char *name)
{
	__u64 r0 = stat(VXNET_STAT_EGRESS_REPLY), pass0 = stat(VXNET_STAT_PASS);
	struct pkt out, want = tcp_reply("10.0.1.2", 40000, 63, C1_MAC, SUBNET_GW_MAC);
	char why[256] = "";
	int rc;

	rc = run(p, if_nametoindex("ul0"), tcp_reply("198.18.0.1", tcp_port, 64, UL_MAC, GW_MAC), &out);
	if (rc != TC_ACT_REDIRECT)
		snprintf(why, sizeof(why), "verdict %d, want redirect", rc);
	else if (differ(&out, &want, why, sizeof(why)))
		;
	else if (stat(VXNET_STAT_EGRESS_REPLY) != r0 + 1 || stat(VXNET_STAT_PASS) != pass0)
		snprintf(why, sizeof(why), "egress-reply did not move by one, or underlay-pass moved");
	report(name, why);
}

/* The LRU evicted the flow's IN entry (deleted here) while it sends: its
 * next packet in a later tick of the coarse clock (its OUT entry's
 * last_seen set back to 0 here) writes it again, and the answer is
 * translated back. Packets in the tick of the last one skip that lookup.
 */
static void test_in_evicted(void)
{
	struct vxnet_nat_key ok = { .dir = VXNET_NAT_OUT, .proto = IPPROTO_TCP, .vni = VNI,
				    .addr.be32 = ip("10.0.1.2"), .remote.be32 = ip("198.18.2.10"),
				    .port = htons(40000), .rport = htons(80) };
	struct vxnet_nat_key ik = { .dir = VXNET_NAT_IN, .proto = IPPROTO_TCP,
				    .addr.be32 = ip("198.18.0.1"), .remote.be32 = ip("198.18.2.10"),
				    .port = htons(tcp_port), .rport = htons(80) };
	struct vxnet_nat o, i;
	struct pkt out;
	char why[256] = "";
	int rc;

	if (bpf_map__lookup_elem(skel->maps.nat, &ok, sizeof(ok), &o, sizeof(o), 0) ||
	    bpf_map__delete_elem(skel->maps.nat, &ik, sizeof(ik), 0)) {
		report("egress: an evicted IN entry is written again by the flow's next packet",
		       "no OUT or IN entry of the TCP flow");
		return;
	}
	o.last_seen = 0;
	bpf_map__update_elem(skel->maps.nat, &ok, sizeof(ok), &o, sizeof(o), 0);
	rc = run(FROM_CONTAINER, c1h, tcp_out(C1_MAC, "10.0.1.2", 40000, 64), &out);
	if (rc != TC_ACT_REDIRECT || sport_of(&out) != tcp_port)
		snprintf(why, sizeof(why), "verdict %d port %u, want redirect from %u", rc,
			 sport_of(&out), tcp_port);
	else if (nat_get(VXNET_NAT_IN, IPPROTO_TCP, 0, "198.18.0.1", "198.18.2.10", tcp_port, 80, &i) ||
		 i.vni != VNI || i.addr.be32 != ip("10.0.1.2") || ntohs(i.port) != 40000)
		snprintf(why, sizeof(why), "no IN entry -> VNI 42 10.0.1.2:40000 after the packet");
	report("egress: an evicted IN entry is written again by the flow's next packet", why);
	test_tcp_reply(TC_DECAP, "answers: translated again once the IN entry is written again");
}

static void test_same_address(void)
{
	struct pkt out, want;
	char why[256] = "";
	__u16 port;
	int rc;

	rc = run(FROM_CONTAINER, c3h, tcp_out(C3_MAC, "10.0.1.2", 40000, 64), &out);
	port = sport_of(&out);
	want = tcp_translated(port);
	if (rc != TC_ACT_REDIRECT)
		snprintf(why, sizeof(why), "verdict %d", rc);
	else if (port == tcp_port)
		snprintf(why, sizeof(why), "both flows got NAT port %u", port);
	else
		differ(&out, &want, why, sizeof(why));
	report("egress: 10.0.1.2:40000 of VNI 43 to the same server gets another NAT port", why);

	why[0] = 0;
	want = tcp_reply("10.0.1.2", 40000, 63, C3_MAC, SUBNET_GW_MAC);
	rc = run(TC_DECAP, if_nametoindex("ul0"), tcp_reply("198.18.0.1", port, 64, UL_MAC, GW_MAC), &out);
	if (rc != TC_ACT_REDIRECT)
		snprintf(why, sizeof(why), "verdict %d", rc);
	else
		differ(&out, &want, why, sizeof(why));
	if (!why[0]) {
		want = tcp_reply("10.0.1.2", 40000, 63, C1_MAC, SUBNET_GW_MAC);
		rc = run(TC_DECAP, if_nametoindex("ul0"),
			 tcp_reply("198.18.0.1", tcp_port, 64, UL_MAC, GW_MAC), &out);
		if (rc != TC_ACT_REDIRECT)
			snprintf(why, sizeof(why), "c1's answer: verdict %d", rc);
		else
			differ(&out, &want, why, sizeof(why));
	}
	report("answers: each NAT port's reply reaches its own container (C3_MAC, C1_MAC), not crossed", why);
}

static void test_udp(void)
{
	struct pkt out, want;
	char why[256] = "";
	int rc;

	rc = run(FROM_CONTAINER, c1h,
		 udp_pkt(SUBNET_GW_MAC, C1_MAC, "10.0.1.2", "198.18.2.10", 5353, 53, 64, 1), &out);
	udp_port = sport_of(&out);
	want = udp_pkt(GW_MAC, UL_MAC, "198.18.0.1", "198.18.2.10", udp_port, 53, 63, 1);
	if (rc != TC_ACT_REDIRECT)
		snprintf(why, sizeof(why), "verdict %d", rc);
	else
		differ(&out, &want, why, sizeof(why));
	report("egress: UDP 10.0.1.2:5353 -> 198.18.2.10:53 translated, UDP checksum right", why);

	why[0] = 0;
	want = udp_pkt(C1_MAC, SUBNET_GW_MAC, "198.18.2.10", "10.0.1.2", 53, 5353, 63, 1);
	rc = run(TC_DECAP, if_nametoindex("ul0"),
		 udp_pkt(UL_MAC, GW_MAC, "198.18.2.10", "198.18.0.1", 53, udp_port, 64, 1), &out);
	if (rc != TC_ACT_REDIRECT)
		snprintf(why, sizeof(why), "verdict %d", rc);
	else
		differ(&out, &want, why, sizeof(why));
	report("answers: UDP reply translated back to 10.0.1.2:5353, checksum right", why);

	why[0] = 0;
	rc = run(FROM_CONTAINER, c1h,
		 udp_pkt(SUBNET_GW_MAC, C1_MAC, "10.0.1.2", "198.18.2.10", 5354, 53, 64, 0), &out);
	want = udp_pkt(GW_MAC, UL_MAC, "198.18.0.1", "198.18.2.10", sport_of(&out), 53, 63, 0);
	if (rc != TC_ACT_REDIRECT)
		snprintf(why, sizeof(why), "verdict %d", rc);
	else
		differ(&out, &want, why, sizeof(why));
	report("egress: UDP without checksum (0) stays without", why);
}

/* A UDP answer whose checksum comes to 0 once translated goes out as 0xffff
 * (RFC 768: 0 is "no checksum"), as the kernel's helper writes it with
 * BPF_F_MARK_MANGLED_0; nat_translate() updates it inline. Fixture: the
 * answer of test_udp's flow, its last payload word chosen so that the
 * translated datagram's one's-complement sum is 0xffff.
 */
static void test_udp_zero_sum(void)
{
	struct ip4 to_c1 = { .saddr = ip("198.18.2.10"), .daddr = ip("10.0.1.2"),
			     .proto = IPPROTO_UDP, .ttl = 63, .id = 0x1234, .frag = 0x4000,
			     .l4csum = 1 };
	struct ip4 in = to_c1;
	struct pkt pl = bytes("query!\0\0", 8), want, out;
	__u16 sum0, w;
	char why[256] = "";
	int rc;

	want = eth(C1_MAC, SUBNET_GW_MAC, ETH_P_IP, ipv4x(to_c1, udp(53, 5353, pl)));
	sum0 = ~get16(want.b + ETH_HLEN + 20 + 6); /* the sum with the last word 0 */
	w = 0xffff - sum0;
	pl.b[6] = w >> 8;
	pl.b[7] = w & 0xff;
	want = eth(C1_MAC, SUBNET_GW_MAC, ETH_P_IP, ipv4x(to_c1, udp(53, 5353, pl)));
	in.daddr = ip("198.18.0.1");
	in.ttl = 64;
	rc = run(TC_DECAP, if_nametoindex("ul0"),
		 eth(UL_MAC, GW_MAC, ETH_P_IP, ipv4x(in, udp(53, udp_port, pl))), &out);
	if (get16(want.b + ETH_HLEN + 20 + 6) != 0xffff)
		snprintf(why, sizeof(why), "fixture: the translated checksum is %#x, not 0xffff",
			 get16(want.b + ETH_HLEN + 20 + 6));
	else if (rc != TC_ACT_REDIRECT)
		snprintf(why, sizeof(why), "verdict %d", rc);
	else
		differ(&out, &want, why, sizeof(why));
	report("answers: UDP whose translated checksum comes to 0 carries 0xffff, not 0 (none)", why);
}

static void test_echo(void)
{
	struct pkt out, want;
	char why[256] = "";
	int rc;

	rc = run(FROM_CONTAINER, c1h,
		 echo_frame(SUBNET_GW_MAC, C1_MAC, "10.0.1.2", "198.18.2.10", 8, 0x4242, 64), &out);
	echo_id = sport_of(&out);
	want = echo_frame(GW_MAC, UL_MAC, "198.18.0.1", "198.18.2.10", 8, echo_id, 63);
	if (rc != TC_ACT_REDIRECT)
		snprintf(why, sizeof(why), "verdict %d", rc);
	else if (echo_id < PORT_MIN || echo_id > PORT_MAX)
		snprintf(why, sizeof(why), "echo id %u not a NAT id", echo_id);
	else
		differ(&out, &want, why, sizeof(why));
	report("egress: ping 198.18.2.10 leaves from 198.18.0.1 with a NAT echo id, ICMP checksum right", why);

	why[0] = 0;
	want = echo_frame(C1_MAC, SUBNET_GW_MAC, "198.18.2.10", "10.0.1.2", 0, 0x4242, 63);
	rc = run(NAT_IN, if_nametoindex("ul0"),
		 echo_frame(UL_MAC, GW_MAC, "198.18.2.10", "198.18.0.1", 0, echo_id, 64), &out);
	if (rc != TC_ACT_REDIRECT)
		snprintf(why, sizeof(why), "verdict %d", rc);
	else
		differ(&out, &want, why, sizeof(why));
	report("answers: echo reply (vxnet_nat_in) back to 10.0.1.2 with id 0x4242", why);
}

static void test_icmp_errors(void)
{
	__u64 e0 = stat(VXNET_STAT_NAT_ICMP_ERROR);
	struct pkt sent, out, want;
	char why[256] = "";
	int rc;

	/* Port unreachable from the server about the UDP flow, quoting it as
	 * it arrived there (translated, TTL 62 after one more router).
	 */
	sent = udp_pkt(GW_MAC, UL_MAC, "198.18.0.1", "198.18.2.10", udp_port, 53, 63, 1);
	want = icmp_err(C1_MAC, SUBNET_GW_MAC, "198.18.2.10", "10.0.1.2", 3, 3, 0,
			udp_pkt(GW_MAC, UL_MAC, "10.0.1.2", "198.18.2.10", 5353, 53, 63, 1), 63);
	rc = run(TC_DECAP, if_nametoindex("ul0"),
		 icmp_err(UL_MAC, GW_MAC, "198.18.2.10", "198.18.0.1", 3, 3, 0, sent, 64), &out);
	if (rc != TC_ACT_REDIRECT)
		snprintf(why, sizeof(why), "verdict %d", rc);
	else if (!differ(&out, &want, why, sizeof(why)) &&
		 stat(VXNET_STAT_NAT_ICMP_ERROR) != e0 + 1)
		snprintf(why, sizeof(why), "nat-icmp-error did not move");
	report("ICMP error: port unreachable about the UDP flow reaches 10.0.1.2, quote (address, port, both checksums) translated", why);

	why[0] = 0;
	sent = tcp_translated(tcp_port);
	want = icmp_err(C1_MAC, SUBNET_GW_MAC, "198.18.0.2", "10.0.1.2", 3, 4, 1280,
			tcp_out(C1_MAC, "10.0.1.2", 40000, 63), 63);
	rc = run(TC_DECAP, if_nametoindex("ul0"),
		 icmp_err(UL_MAC, GW_MAC, "198.18.0.2", "198.18.0.1", 3, 4, 1280, sent, 64), &out);
	if (rc != TC_ACT_REDIRECT)
		snprintf(why, sizeof(why), "verdict %d", rc);
	else
		differ(&out, &want, why, sizeof(why));
	report("ICMP error: fragmentation needed (MTU 1280) from a router about the TCP flow reaches 10.0.1.2", why);

	why[0] = 0;
	sent = echo_frame(GW_MAC, UL_MAC, "198.18.0.1", "198.18.2.10", 8, echo_id, 63);
	want = icmp_err(C1_MAC, SUBNET_GW_MAC, "198.18.0.2", "10.0.1.2", 11, 0, 0,
			echo_frame(GW_MAC, UL_MAC, "10.0.1.2", "198.18.2.10", 8, 0x4242, 63), 63);
	rc = run(TC_DECAP, if_nametoindex("ul0"),
		 icmp_err(UL_MAC, GW_MAC, "198.18.0.2", "198.18.0.1", 11, 0, 0, sent, 64), &out);
	if (rc != TC_ACT_REDIRECT)
		snprintf(why, sizeof(why), "verdict %d", rc);
	else
		differ(&out, &want, why, sizeof(why));
	report("ICMP error: time exceeded about the ping reaches 10.0.1.2 with id 0x4242", why);
}

/* Cases with one verdict, output unchanged or not looked at, and one drop
 * reason (or none: passed to the host).
 */
static void test_refusals(void)
{
	struct ip4 frag = { .saddr = ip("10.0.1.2"), .daddr = ip("198.18.2.10"),
			    .proto = IPPROTO_UDP, .ttl = 64, .id = 9, .frag = 0x2000 };
	struct ip4 gre = { .saddr = ip("10.0.1.2"), .daddr = ip("198.18.2.10"), .proto = 47,
			   .ttl = 64 };
	struct {
		const char *name;
		enum prog prog;
		__u32 ifindex;
		struct pkt in;
		int verdict;
		int drop;
	} cases[] = {
		{ "egress: TTL 1 dropped TTL_EXCEEDED", FROM_CONTAINER, c1h,
		  tcp_out(C1_MAC, "10.0.1.2", 40001, 1), TC_ACT_SHOT, VXNET_DROP_TTL_EXCEEDED },
		{ "egress: a fragment dropped NAT_UNSUPPORTED", FROM_CONTAINER, c1h,
		  eth(SUBNET_GW_MAC, C1_MAC, ETH_P_IP, ipv4x(frag, udp(1, 2, text("x")))),
		  TC_ACT_SHOT, VXNET_DROP_NAT_UNSUPPORTED },
		{ "egress: GRE dropped NAT_UNSUPPORTED", FROM_CONTAINER, c1h,
		  eth(SUBNET_GW_MAC, C1_MAC, ETH_P_IP, ipv4x(gre, text("greeeeee"))),
		  TC_ACT_SHOT, VXNET_DROP_NAT_UNSUPPORTED },
		{ "egress: ICMP timestamp request dropped NAT_UNSUPPORTED", FROM_CONTAINER, c1h,
		  eth(SUBNET_GW_MAC, C1_MAC, ETH_P_IP,
		      ipv4("10.0.1.2", "198.18.2.10", IPPROTO_ICMP, icmp(13, 0, 0, filler(12)))),
		  TC_ACT_SHOT, VXNET_DROP_NAT_UNSUPPORTED },
		{ "egress: multicast 224.0.0.251 dropped NO_ENDPOINT", FROM_CONTAINER, c1h,
		  udp_pkt(SUBNET_GW_MAC, C1_MAC, "10.0.1.2", "224.0.0.251", 5353, 5353, 64, 1),
		  TC_ACT_SHOT, VXNET_DROP_NO_ENDPOINT },
		{ "egress: blackhole route to 203.0.113.9 dropped FIB", FROM_CONTAINER, c1h,
		  udp_pkt(SUBNET_GW_MAC, C1_MAC, "10.0.1.2", "203.0.113.9", 5353, 53, 64, 1),
		  TC_ACT_SHOT, VXNET_DROP_FIB },
		{ "answers: UDP to a NAT port with no translation is the host's, unchanged",
		  TC_DECAP, 0, udp_pkt(UL_MAC, GW_MAC, "198.18.2.10", "198.18.0.1", 54, PORT_MIN, 64, 1),
		  TC_ACT_OK, NONE },
		{ "answers: TCP to the host's port 22 is the host's, unchanged", NAT_IN, 0,
		  tcp_reply("198.18.0.1", 22, 64, UL_MAC, GW_MAC), TC_ACT_OK, NONE },
		{ "answers: a translated flow's answer with TTL 1 dropped TTL_EXCEEDED", TC_DECAP, 0,
		  tcp_reply("198.18.0.1", 0, 1, UL_MAC, GW_MAC), TC_ACT_SHOT, VXNET_DROP_TTL_EXCEEDED },
		{ "egress: a corrupt IPv4 header checksum dropped MALFORMED, not forwarded", FROM_CONTAINER,
		  c1h, tcp_out(C1_MAC, "10.0.1.2", 40000, 64), TC_ACT_SHOT, VXNET_DROP_MALFORMED },
		{ "answers: a corrupt IPv4 header checksum is the host's to drop, untranslated", TC_DECAP,
		  0, {}, TC_ACT_OK, NONE },
	};

	/* the TTL-1 answer goes to the TCP flow's NAT port */
	cases[8].in = tcp_reply("198.18.0.1", tcp_port, 1, UL_MAC, GW_MAC);
	/* corrupt IPv4 header checksums */
	cases[9].in.b[ETH_HLEN + 10] ^= 0x5a;
	cases[10].in = tcp_reply("198.18.0.1", tcp_port, 64, UL_MAC, GW_MAC);
	cases[10].in.b[ETH_HLEN + 10] ^= 0x5a;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		__u64 d0 = cases[i].drop == NONE ? 0 : drop(cases[i].drop);
		__u64 e0 = stat(VXNET_STAT_EGRESS), r0 = stat(VXNET_STAT_EGRESS_REPLY);
		struct pkt out;
		char why[256] = "";
		int rc;

		rc = run(cases[i].prog, cases[i].ifindex ?: if_nametoindex("ul0"), cases[i].in, &out);
		if (rc != cases[i].verdict)
			snprintf(why, sizeof(why), "verdict %d, want %d", rc, cases[i].verdict);
		else if (cases[i].drop != NONE && drop(cases[i].drop) != d0 + 1)
			snprintf(why, sizeof(why), "drop counter did not move by one");
		else if (stat(VXNET_STAT_EGRESS) != e0 || stat(VXNET_STAT_EGRESS_REPLY) != r0)
			snprintf(why, sizeof(why), "egress or egress-reply moved");
		else if (cases[i].drop == NONE || cases[i].verdict == TC_ACT_SHOT)
			differ(&out, &cases[i].in, why, sizeof(why));
		report(cases[i].name, why);
	}
}

static void test_no_egress(void)
{
	struct vxnet_network net = { .mtu = 1450, .flags = VXNET_NET_NO_EGRESS };
	__u32 vni = VNI;
	__u64 d0 = drop(VXNET_DROP_NO_EGRESS);
	struct pkt out, in = tcp_out(C1_MAC, "10.0.1.2", 40000, 64);
	char why[256] = "";
	int rc;

	/* as every writer of networks: the ifaces generation follows (the
	 * datapath's copies of ifaces records carry the network's flags)
	 */
	bpf_map__update_elem(skel->maps.networks, &vni, sizeof(vni), &net, sizeof(net), 0);
	dp_gen_bump_fd(bpf_map__fd(skel->maps.gens), VXNET_GEN_IFACES);
	rc = run(FROM_CONTAINER, c1h, in, &out);
	if (rc != TC_ACT_SHOT || drop(VXNET_DROP_NO_EGRESS) != d0 + 1)
		snprintf(why, sizeof(why), "verdict %d, no-egress moved by %llu", rc,
			 (unsigned long long)(drop(VXNET_DROP_NO_EGRESS) - d0));
	else
		differ(&out, &in, why, sizeof(why));
	net.flags = 0;
	bpf_map__update_elem(skel->maps.networks, &vni, sizeof(vni), &net, sizeof(net), 0);
	dp_gen_bump_fd(bpf_map__fd(skel->maps.gens), VXNET_GEN_IFACES);
	report("no-egress: a network with egress off drops even an established flow (NO_EGRESS)", why);
}

static void test_host_local(void)
{
	struct pkt out, want;
	char why[256] = "";
	__u16 port;
	int rc;

	rc = run(FROM_CONTAINER, c1h,
		 udp_pkt(SUBNET_GW_MAC, C1_MAC, "10.0.1.2", "198.18.0.1", 5353, 53, 64, 1), &out);
	port = sport_of(&out);
	want = udp_pkt(SUBNET_GW_MAC, C1_MAC, "198.18.0.1", "198.18.0.1", port, 53, 63, 1);
	if (rc != TC_ACT_OK)
		snprintf(why, sizeof(why), "verdict %d, want up the host's stack (OK)", rc);
	else
		differ(&out, &want, why, sizeof(why));
	report("egress: UDP to this host's own 198.18.0.1:53 goes up its stack from 198.18.0.1:NAT port", why);

	/* No route at all: the host's stack answers it (net unreachable). */
	why[0] = 0;
	rc = run(FROM_CONTAINER, c1h,
		 udp_pkt(SUBNET_GW_MAC, C1_MAC, "10.0.1.2", "192.0.2.9", 5353, 53, 64, 1), &out);
	port = sport_of(&out);
	want = udp_pkt(SUBNET_GW_MAC, C1_MAC, "198.18.0.1", "192.0.2.9", port, 53, 63, 1);
	if (rc != TC_ACT_OK)
		snprintf(why, sizeof(why), "verdict %d, want up the host's stack (OK)", rc);
	else
		differ(&out, &want, why, sizeof(why));
	report("egress: to 192.0.2.9, no route, up the host's stack translated (it answers unreachable)", why);
}

/* Four NAT ports: flows 40010.. to one server port take them all, the next
 * is refused; a closed flow idle past its timeout gives its port up.
 */
static void test_exhaustion(void)
{
	__u64 d0 = drop(VXNET_DROP_NAT_EXHAUSTED);
	struct vxnet_nat o, in;
	struct vxnet_nat_key ik = { .dir = VXNET_NAT_IN, .proto = IPPROTO_TCP,
				    .addr.be32 = ip("198.18.0.1"), .remote.be32 = ip("198.18.2.10"),
				    .rport = htons(443) };
	struct pkt out;
	char why[256] = "";
	__u16 first = 0;
	int rc;

	for (int i = 0; i < 4 && !why[0]; i++) {
		struct pkt p = eth(SUBNET_GW_MAC, C1_MAC, ETH_P_IP,
				   ipv4("10.0.1.2", "198.18.2.10", IPPROTO_TCP,
					tcp(40010 + i, 443, TCP_SYN, text(""))));

		rc = run(FROM_CONTAINER, c1h, p, &out);
		if (rc != TC_ACT_REDIRECT)
			snprintf(why, sizeof(why), "flow %d: verdict %d", i, rc);
		if (!i)
			first = sport_of(&out);
	}
	if (!why[0]) {
		rc = run(FROM_CONTAINER, c1h,
			 eth(SUBNET_GW_MAC, C1_MAC, ETH_P_IP,
			     ipv4("10.0.1.2", "198.18.2.10", IPPROTO_TCP,
				  tcp(40020, 443, TCP_SYN, text("")))), &out);
		if (rc != TC_ACT_SHOT || drop(VXNET_DROP_NAT_EXHAUSTED) != d0 + 1)
			snprintf(why, sizeof(why), "fifth flow: verdict %d, nat-exhausted +%llu", rc,
				 (unsigned long long)(drop(VXNET_DROP_NAT_EXHAUSTED) - d0));
	}
	report("exhaustion: four NAT ports, the fifth flow to one server port dropped NAT_EXHAUSTED", why);

	/* The first flow closes (RST) and is idle long past 10 s. */
	why[0] = 0;
	ik.port = htons(first);
	if (nat_get(VXNET_NAT_OUT, IPPROTO_TCP, VNI, "10.0.1.2", "198.18.2.10", 40010, 443, &o) ||
	    bpf_map__lookup_elem(skel->maps.nat, &ik, sizeof(ik), &in, sizeof(in), 0)) {
		snprintf(why, sizeof(why), "first flow's entries missing");
	} else {
		struct vxnet_nat_key ok = { .dir = VXNET_NAT_OUT, .proto = IPPROTO_TCP, .vni = VNI,
					    .addr.be32 = ip("10.0.1.2"), .remote.be32 = ip("198.18.2.10"),
					    .port = htons(40010), .rport = htons(443) };

		o.last_seen = in.last_seen = 0;
		o.flags |= VXNET_NAT_F_CLOSING;
		bpf_map__update_elem(skel->maps.nat, &ok, sizeof(ok), &o, sizeof(o), 0);
		bpf_map__update_elem(skel->maps.nat, &ik, sizeof(ik), &in, sizeof(in), 0);
		rc = run(FROM_CONTAINER, c1h,
			 eth(SUBNET_GW_MAC, C1_MAC, ETH_P_IP,
			     ipv4("10.0.1.2", "198.18.2.10", IPPROTO_TCP,
				  tcp(40020, 443, TCP_SYN, text("")))), &out);
		if (rc != TC_ACT_REDIRECT || sport_of(&out) != first)
			snprintf(why, sizeof(why), "verdict %d port %u, want redirect with port %u", rc,
				 sport_of(&out), first);
		else if (!nat_get(VXNET_NAT_OUT, IPPROTO_TCP, VNI, "10.0.1.2", "198.18.2.10", 40010,
				  443, &o))
			snprintf(why, sizeof(why), "the stale flow's OUT entry is still there");
	}
	report("exhaustion: a closed flow idle past its timeout gives its NAT port to a new one", why);
}

static void test_endpoint_gone(void)
{
	struct vxnet_ep_key k = { .vni = VNI2, .ip.be32 = ip("10.0.1.2") };
	struct vxnet_nat_key ik = { .dir = VXNET_NAT_IN, .proto = IPPROTO_UDP,
				    .addr.be32 = ip("198.18.0.1"), .remote.be32 = ip("198.18.2.10"),
				    .port = htons(PORT_MIN), .rport = htons(99) };
	struct vxnet_nat in = { .vni = VNI2, .addr.be32 = ip("10.0.1.2"), .port = htons(5353) };
	__u64 d0 = drop(VXNET_DROP_NAT_FAILED);
	struct vxnet_endpoint ep;
	struct pkt out;
	char why[256] = "";
	int rc;

	bpf_map__lookup_elem(skel->maps.endpoints, &k, sizeof(k), &ep, sizeof(ep), 0);
	bpf_map__delete_elem(skel->maps.endpoints, &k, sizeof(k), 0);
	bpf_map__update_elem(skel->maps.nat, &ik, sizeof(ik), &in, sizeof(in), 0);
	rc = run(TC_DECAP, if_nametoindex("ul0"),
		 udp_pkt(UL_MAC, GW_MAC, "198.18.2.10", "198.18.0.1", 99, PORT_MIN, 64, 1), &out);
	if (rc != TC_ACT_SHOT || drop(VXNET_DROP_NAT_FAILED) != d0 + 1)
		snprintf(why, sizeof(why), "verdict %d, nat-failed +%llu", rc,
			 (unsigned long long)(drop(VXNET_DROP_NAT_FAILED) - d0));
	bpf_map__update_elem(skel->maps.endpoints, &k, sizeof(k), &ep, sizeof(ep), 0);
	report("answers: a translation whose container is gone dropped NAT_FAILED", why);
}

/* ---- published ports ------------------------------------------------------ */

static struct pkt client_tcp(const char *dst, __u16 sport, __u16 dport, __u8 ttl,
			     const __u8 *dmac, const __u8 *smac)
{
	return eth(dmac, smac, ETH_P_IP,
		   ipv4_ttl("198.18.2.50", dst, IPPROTO_TCP, ttl,
			    tcp(sport, dport, TCP_SYN, text(""))));
}

static struct pkt backend_tcp(const char *src, __u16 sport, __u16 dport, __u8 ttl,
			      const __u8 *dmac, const __u8 *smac)
{
	return eth(dmac, smac, ETH_P_IP,
		   ipv4_ttl(src, "198.18.2.50", IPPROTO_TCP, ttl,
			    tcp(sport, dport, TCP_SYN | TCP_ACK, text(""))));
}

static void expect(const char *name, enum prog p, __u32 ifindex, struct pkt in, int verdict,
		   const struct pkt *want, int encap, int stat_id, int drop_id)
{
	__u64 s0 = stat_id == NONE ? 0 : stat(stat_id), d0 = drop_id == NONE ? 0 : drop(drop_id);
	struct pkt out;
	char why[256] = "";
	int rc;

	rc = run(p, ifindex, in, &out);
	if (rc != verdict)
		snprintf(why, sizeof(why), "verdict %d, want %d", rc, verdict);
	else if (want && (encap ? differ_encap(&out, want, why, sizeof(why)) :
				  differ(&out, want, why, sizeof(why))))
		;
	else if (stat_id != NONE && stat(stat_id) != s0 + 1)
		snprintf(why, sizeof(why), "counter %d moved by %llu, want 1", stat_id,
			 (unsigned long long)(stat(stat_id) - s0));
	else if (drop_id != NONE && drop(drop_id) != d0 + 1)
		snprintf(why, sizeof(why), "drop %d moved by %llu, want 1", drop_id,
			 (unsigned long long)(drop(drop_id) - d0));
	report(name, why);
}

/* Egress wider than the way out's route (MTU 1300 to 198.18.5.0/24, ul0
 * itself 1500): with DF answered ICMP 3/4 mtu 1300 from c1's gateway,
 * without dropped TOO_BIG; what fits is translated. Issue 15: the FIB saw
 * ul0's MTU only and sent it, for the next router to drop.
 */
static void test_route_mtu(void)
{
	struct ip4 h = { .saddr = ip("10.0.1.2"), .daddr = ip("198.18.5.9"), .proto = IPPROTO_UDP,
			 .ttl = 64, .id = 0x99, .frag = 0x4000, .l4csum = 1 };
	struct pkt df = eth(SUBNET_GW_MAC, C1_MAC, ETH_P_IP, ipv4x(h, udp(5400, 53, filler(1301 - 28))));
	struct pkt fits = eth(SUBNET_GW_MAC, C1_MAC, ETH_P_IP, ipv4x(h, udp(5401, 53, filler(1300 - 28))));
	struct pkt nodf, out, want;
	__u64 f0 = drop(VXNET_DROP_FRAG_NEEDED), t0 = drop(VXNET_DROP_TOO_BIG);
	__u64 i0 = stat(VXNET_STAT_ICMP_FRAG_NEEDED), e0 = stat(VXNET_STAT_EGRESS);
	char why[256] = "";
	int rc;

	rc = run(FROM_CONTAINER, c1h, df, &out);
	want = icmp_err(C1_MAC, SUBNET_GW_MAC, "10.0.1.1", "10.0.1.2", 3, 4, 1300, df, 64);
	if (rc != TC_ACT_REDIRECT)
		snprintf(why, sizeof(why), "verdict %d", rc);
	else if (!differ(&out, &want, why, sizeof(why)) &&
		 (drop(VXNET_DROP_FRAG_NEEDED) != f0 + 1 || stat(VXNET_STAT_ICMP_FRAG_NEEDED) != i0 + 1 ||
		  stat(VXNET_STAT_EGRESS) != e0))
		snprintf(why, sizeof(why), "frag-needed +%llu, icmp-frag-needed +%llu, egress +%llu",
			 drop(VXNET_DROP_FRAG_NEEDED) - f0, stat(VXNET_STAT_ICMP_FRAG_NEEDED) - i0,
			 stat(VXNET_STAT_EGRESS) - e0);
	report("route mtu: egress of 1301 bytes DF to 198.18.5.9 (route mtu 1300) answered ICMP 3/4 mtu 1300, dropped FRAG_NEEDED", why);

	why[0] = 0;
	h.frag = 0;
	nodf = eth(SUBNET_GW_MAC, C1_MAC, ETH_P_IP, ipv4x(h, udp(5402, 53, filler(1301 - 28))));
	rc = run(FROM_CONTAINER, c1h, nodf, &out);
	if (rc != TC_ACT_SHOT || drop(VXNET_DROP_TOO_BIG) != t0 + 1)
		snprintf(why, sizeof(why), "verdict %d, too-big +%llu", rc, drop(VXNET_DROP_TOO_BIG) - t0);
	else
		differ(&out, &nodf, why, sizeof(why));
	report("route mtu: egress of 1301 bytes without DF dropped TOO_BIG, unchanged", why);

	why[0] = 0;
	rc = run(FROM_CONTAINER, c1h, fits, &out);
	if (rc != TC_ACT_REDIRECT || stat(VXNET_STAT_EGRESS) != e0 + 1)
		snprintf(why, sizeof(why), "verdict %d, egress +%llu", rc, stat(VXNET_STAT_EGRESS) - e0);
	report("route mtu: egress of 1300 bytes DF to 198.18.5.9 translated and sent", why);

	/* A published flow's client behind that route: r1's answer of 1400
	 * bytes cannot leave towards it (its sender is on another host: no
	 * ICMP to send it); counted too-big, no longer no-route.
	 */
	struct ip4 big = { .saddr = ip("10.0.1.4"), .daddr = ip("198.18.5.50"), .proto = IPPROTO_TCP,
			   .ttl = 64, .id = 0x98, .frag = 0x4000, .l4csum = 1 };

	expect("route mtu: client 198.18.5.50 -> 198.18.0.1:9090 forwarded to r1 through the tunnel",
	       TC_DECAP, if_nametoindex("ul0"),
	       eth(UL_MAC, GW_MAC, ETH_P_IP, ipv4("198.18.5.50", "198.18.0.1", IPPROTO_TCP,
						  tcp(5557, 9090, TCP_SYN, text("")))),
	       TC_ACT_REDIRECT, NULL, 0, VXNET_STAT_PUBLISHED, NONE);
	expect("route mtu: r1's 1400-byte answer to 198.18.5.50 (route mtu 1300) dropped TOO_BIG",
	       TC_DECAP, if_nametoindex("ul0"),
	       vx_frame("198.18.2.10", 0x09, VNI,
			eth(SUBNET_GW_MAC, R1_MAC, ETH_P_IP, ipv4x(big, tcp(80, 5557, TCP_ACK, filler(1360))))),
	       TC_ACT_SHOT, NULL, 0, NONE, VXNET_DROP_TOO_BIG);
}

static void test_published(void)
{
	__u32 ul0 = if_nametoindex("ul0");
	struct pkt want;
	struct vxnet_nat v;
	char why[256] = "";

	/* Entry node, backend here: destination translated, client kept. */
	want = client_tcp("10.0.1.2", 5555, 80, 63, C1_MAC, SUBNET_GW_MAC);
	expect("published: client 198.18.2.50:5555 -> 198.18.0.1:8080 reaches c1 10.0.1.2:80, client's address kept",
	       TC_DECAP, ul0, client_tcp("198.18.0.1", 5555, 8080, 64, UL_MAC, GW_MAC),
	       TC_ACT_REDIRECT, &want, 0, VXNET_STAT_PUBLISHED_NEW, NONE);
	if (nat_get(VXNET_NAT_OUT, IPPROTO_TCP, VNI, "10.0.1.2", "198.18.2.50", 80, 5555, &v) ||
	    v.addr.be32 != ip("198.18.0.1") || ntohs(v.port) != 8080 || !(v.flags & VXNET_NAT_F_PUBLISHED))
		snprintf(why, sizeof(why), "no OUT entry 10.0.1.2:80 -> 198.18.0.1:8080");
	report("published: the flow is kept (OUT entry back to the host port)", why);
	want = backend_tcp("198.18.0.1", 8080, 5555, 63, GW_MAC, UL_MAC);
	expect("published: c1's answer leaves from 198.18.0.1:8080",
	       FROM_CONTAINER, c1h, backend_tcp("10.0.1.2", 80, 5555, 64, SUBNET_GW_MAC, C1_MAC),
	       TC_ACT_REDIRECT, &want, 0, VXNET_STAT_PUBLISHED_REPLY, NONE);

	/* Entry node, backend r1 on 198.18.2.10: through the tunnel, marked. */
	want = encap_flags("198.18.2.10", 0x09,
			   client_tcp("10.0.1.4", 5556, 80, 63, R1_MAC, SUBNET_GW_MAC));
	expect("published: client -> 198.18.0.1:9090 goes to r1 10.0.1.4:80 through the tunnel, marked, client kept",
	       TC_DECAP, ul0, client_tcp("198.18.0.1", 5556, 9090, 64, UL_MAC, GW_MAC),
	       TC_ACT_REDIRECT, &want, 1, VXNET_STAT_PUBLISHED, NONE);
	want = backend_tcp("198.18.0.1", 9090, 5556, 63, GW_MAC, UL_MAC);
	expect("published: r1's answer, marked from 198.18.2.10, leaves from 198.18.0.1:9090",
	       TC_DECAP, ul0,
	       vx_frame("198.18.2.10", 0x09, VNI,
			backend_tcp("10.0.1.4", 80, 5556, 64, SUBNET_GW_MAC, R1_MAC)),
	       TC_ACT_REDIRECT, &want, 0, VXNET_STAT_PUBLISHED_REPLY, NONE);
	expect("published: the same answer through vxnet_nat_in (XDP mode)", NAT_IN, ul0,
	       vx_frame("198.18.2.10", 0x09, VNI,
			backend_tcp("10.0.1.4", 80, 5556, 64, SUBNET_GW_MAC, R1_MAC)),
	       TC_ACT_REDIRECT, &want, 0, VXNET_STAT_PUBLISHED_REPLY, NONE);
	expect("published: a marked answer for a flow this host never forwarded dropped NOT_PUBLISHED",
	       TC_DECAP, ul0,
	       vx_frame("198.18.2.10", 0x09, VNI,
			backend_tcp("10.0.1.4", 80, 5999, 64, SUBNET_GW_MAC, R1_MAC)),
	       TC_ACT_SHOT, NULL, 0, NONE, VXNET_DROP_NOT_PUBLISHED);
	expect("published: a marked answer from r2 (not 198.18.2.10's endpoint) dropped SPOOF_REMOTE",
	       TC_DECAP, ul0,
	       vx_frame("198.18.2.10", 0x09, VNI,
			backend_tcp("10.0.1.5", 80, 5556, 64, SUBNET_GW_MAC, R2_MAC)),
	       TC_ACT_SHOT, NULL, 0, NONE, VXNET_DROP_SPOOF_REMOTE);

	/* Backend's host: a client's marked frame from the entry node. */
	want = client_tcp("10.0.1.2", 6000, 80, 63, C1_MAC, SUBNET_GW_MAC);
	expect("published: marked frame from 198.18.2.10 for c1:80 (published) decapsulated to c1 (XDP)",
	       XDP_DECAP, ul0,
	       vx_frame("198.18.2.10", 0x09, VNI, client_tcp("10.0.1.2", 6000, 80, 63, C1_MAC,
							      SUBNET_GW_MAC)),
	       XDP_REDIRECT, &want, 0, VXNET_STAT_DECAP, NONE);
	why[0] = 0;
	if (nat_get(VXNET_NAT_OUT, IPPROTO_TCP, VNI, "10.0.1.2", "198.18.2.50", 80, 6000, &v) ||
	    !(v.flags & VXNET_NAT_F_VIA) || v.node.be32 != ip("198.18.2.10"))
		snprintf(why, sizeof(why), "no OUT entry via 198.18.2.10");
	report("published: the backend's host remembers the client's node (OUT via 198.18.2.10)", why);
	want = encap_flags("198.18.2.10", 0x09,
			   backend_tcp("10.0.1.2", 80, 6000, 64, SUBNET_GW_MAC, C1_MAC));
	expect("published: c1's answer goes back through 198.18.2.10, marked, untranslated",
	       FROM_CONTAINER, c1h, backend_tcp("10.0.1.2", 80, 6000, 64, SUBNET_GW_MAC, C1_MAC),
	       TC_ACT_REDIRECT, &want, 1, VXNET_STAT_PUBLISHED_REPLY, NONE);
	expect("published: marked frame for c2:80 (publishes nothing) dropped NOT_PUBLISHED",
	       TC_DECAP, ul0,
	       vx_frame("198.18.2.10", 0x09, VNI, client_tcp("10.0.1.3", 6001, 80, 63, C2_MAC,
							      SUBNET_GW_MAC)),
	       TC_ACT_SHOT, NULL, 0, NONE, VXNET_DROP_NOT_PUBLISHED);
	expect("published: marked frame from an unregistered address dropped UNKNOWN_HOST",
	       TC_DECAP, ul0,
	       vx_frame("198.18.2.99", 0x09, VNI, client_tcp("10.0.1.2", 6002, 80, 63, C1_MAC,
							      SUBNET_GW_MAC)),
	       TC_ACT_SHOT, NULL, 0, NONE, VXNET_DROP_UNKNOWN_HOST);
	expect("published: unmarked frame with a client's source still dropped SPOOF_REMOTE",
	       TC_DECAP, ul0,
	       vx_frame("198.18.2.10", 0x08, VNI, client_tcp("10.0.1.2", 6003, 80, 63, C1_MAC,
							      SUBNET_GW_MAC)),
	       TC_ACT_SHOT, NULL, 0, NONE, VXNET_DROP_SPOOF_REMOTE);
	expect("published: 7070/udp without a backend dropped NO_BACKEND", TC_DECAP, ul0,
	       udp_pkt(UL_MAC, GW_MAC, "198.18.2.50", "198.18.0.1", 5000, 7070, 64, 1),
	       TC_ACT_SHOT, NULL, 0, NONE, VXNET_DROP_NO_BACKEND);
}

static int add_service(__u8 proto, __u16 hostport, const char *bip, __u16 port,
		       const char *node)
{
	struct vxnet_service_key sk = { .proto = proto, .port = htons(hostport) };
	struct vxnet_service sv = { .backends = bip ? 1 : 0 };
	struct vxnet_backend b = { .vni = VNI, .ip.be32 = bip ? ip(bip) : 0, .port = htons(port),
				   .node.be32 = node ? ip(node) : 0 };
	int err = bpf_map__update_elem(skel->maps.services, &sk, sizeof(sk), &sv, sizeof(sv), 0);

	for (__u32 i = 0; bip && !err && i < VXNET_SERVICE_SLOTS; i++) {
		struct vxnet_backend_key bk = { .proto = proto, .port = htons(hostport), .slot = i };

		err = bpf_map__update_elem(skel->maps.backends, &bk, sizeof(bk), &b, sizeof(b), 0);
	}
	if (bip && !err) {
		struct vxnet_published_key pk = { .vni = VNI, .ip.be32 = ip(bip), .proto = proto,
						  .port = htons(port) };
		struct vxnet_published pv = { .hostport = htons(hostport) };

		err = bpf_map__update_elem(skel->maps.published, &pk, sizeof(pk), &pv, sizeof(pv), 0);
	}
	return err;
}

static int setup(void)
{
	struct vxnet_iface ifc = { .vni = VNI2, .ip.be32 = ip("10.0.1.2"), .gateway.be32 = ip("10.0.1.1"),
				   .mtu = 1450 };
	struct vxnet_network net = { .mtu = 1450 };
	struct vxnet_ep_key k = { .vni = VNI2, .ip.be32 = ip("10.0.1.2") };
	struct vxnet_endpoint ep = { .flags = VXNET_EP_LOCAL, .node.be32 = ip("198.18.0.1"),
				     .gateway.be32 = ip("10.0.1.1") };
	struct vxnet_ep_key gk = { .vni = VNI2, .ip.be32 = ip("10.0.1.1") };
	struct vxnet_endpoint gw = { .flags = VXNET_EP_GATEWAY, .gateway.be32 = ip("10.0.1.1") };
	__u32 vni2 = VNI2;

	memcpy(ifc.mac, C3_MAC, 6);
	memcpy(ep.mac, C3_MAC, 6);
	memcpy(gw.mac, SUBNET_GW_MAC, 6);
	ep.ifindex = c3h;
	if (fill_maps(skel, c1h, if_nametoindex("c2h")) ||
	    bpf_map__update_elem(skel->maps.ifaces, &c3h, sizeof(c3h), &ifc, sizeof(ifc), 0) ||
	    bpf_map__update_elem(skel->maps.networks, &vni2, sizeof(vni2), &net, sizeof(net), 0) ||
	    bpf_map__update_elem(skel->maps.endpoints, &k, sizeof(k), &ep, sizeof(ep), 0) ||
	    bpf_map__update_elem(skel->maps.endpoints, &gk, sizeof(gk), &gw, sizeof(gw), 0) ||
	    add_subnet(skel, VNI2, "10.0.1.0", 24, "10.0.1.1") ||
	    add_service(IPPROTO_TCP, 8080, "10.0.1.2", 80, "198.18.0.1") ||
	    add_service(IPPROTO_TCP, 9090, "10.0.1.4", 80, "198.18.2.10") ||
	    add_service(IPPROTO_UDP, 7070, NULL, 0, NULL)) {
		fprintf(stderr, "test_nat: filling maps: %s\n", strerror(errno));
		return -1;
	}
	return 0;
}

/* The NAT port range the cases expect. */
static int nat_ports(struct vxnet_bpf *s)
{
	s->rodata->cfg_nat_port_min = PORT_MIN;
	s->rodata->cfg_nat_port_max = PORT_MAX;
	return 0;
}

int main(void)
{
	libbpf_set_print(test_libbpf_print);
	if (setup_netns() || sh("ip route add blackhole 203.0.113.0/24") ||
	    sh("ip route add 198.18.5.0/24 via 198.18.0.2 dev ul0 mtu lock 1300"))
		return 1;
	c1h = if_nametoindex("c1h");
	c3h = if_nametoindex("c3h");
	ncpus = libbpf_num_possible_cpus();
	if (ncpus <= 0) {
		printf("not ok load: counting the possible CPUs: %s\n", strerror(-ncpus));
		return 1;
	}
	skel = fixture_load(nat_ports);
	if (!skel)
		return 1;
	if (setup())
		return 1;

	test_tcp();
	test_tcp_reply(TC_DECAP, "answers: TCP reply through vxnet_tc_decap back to 10.0.1.2:40000 from the gateway's MAC, TTL 63");
	test_tcp_reply(NAT_IN, "answers: the same through vxnet_nat_in (XDP mode, loopback)");
	test_in_evicted();
	test_same_address();
	test_udp();
	test_udp_zero_sum();
	test_echo();
	test_icmp_errors();
	test_refusals();
	test_no_egress();
	test_host_local();
	test_exhaustion();
	test_endpoint_gone();
	test_published();
	test_route_mtu();
	vxnet_bpf__destroy(skel);
	return failed ? 1 : 0;
}
