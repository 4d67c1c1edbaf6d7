// SPDX-License-Identifier: GPL-2.0-only
/* The underlay next-hop cache (nexthops, bpf/lib/fib.h): what encap caches
 * from the FIB, that it follows a neighbour, route and route-MTU change
 * once the entry has expired (VXNET_NH_TTL_NS), that the route's MTU is
 * enforced from the cache, and that an unresolved neighbour is not cached.
 * Topology: tests/unit/fixture.h (c1 10.0.1.2 -> r1 10.0.1.4 on node
 * 198.18.2.10, routed via 198.18.0.2 on ul0).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "vxnet.h"
#include "vxnet.skel.h"

#include "packet.h"
#include "fixture.h"

static struct vxnet_bpf *skel;
static __u32 c1h, ul0;
static int failed;

static const __u8 NEW_GW_MAC[6] = { 0x02, 0, 0, 0, 0, 0x0a };
static const __u8 R2_GW_MAC[6] = { 0x02, 0, 0, 0, 0, 0x0b };

static void result(int ok, const char *name, const char *why)
{
	if (ok) {
		printf("ok %s\n", name);
	} else {
		printf("not ok %s: %s\n", name, why);
		failed = 1;
	}
}

/* c1's UDP datagram to dst with n bytes of payload (DF), through
 * vxnet_from_container on c1h: its verdict and output.
 */
static int send_c1(const char *dst, __u32 n, __u8 *out, __u32 *len, __u32 *verdict)
{
	struct pkt in = eth(R1_MAC, C1_MAC, ETH_P_IP,
			    ipv4("10.0.1.2", dst, IPPROTO_UDP, udp(5000, 6000, filler(n))));
	struct __sk_buff ctx = { .ifindex = c1h };
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = in.b, .data_size_in = in.len,
		    .data_out = out, .data_size_out = PKT_MAX, .ctx_in = &ctx,
		    .ctx_size_in = sizeof(ctx), .repeat = 1);

	if (bpf_prog_test_run_opts(bpf_program__fd(skel->progs.vxnet_from_container), &opts))
		return -errno;
	*len = opts.data_size_out;
	*verdict = opts.retval;
	return 0;
}

/* The outer destination MAC c1 -> dst is encapsulated with, or -1 and why. */
static int encap_dmac_to(const char *dst, __u8 dmac[6], char *why, size_t n)
{
	__u8 out[PKT_MAX];
	__u32 len, verdict;

	if (send_c1(dst, 64, out, &len, &verdict)) {
		snprintf(why, n, "BPF_PROG_TEST_RUN: %s", strerror(errno));
		return -1;
	}
	if (verdict != TC_ACT_REDIRECT || len < 64 + VXNET_ENCAP_LEN) {
		snprintf(why, n, "verdict %u, %u bytes: not encapsulated", verdict, len);
		return -1;
	}
	memcpy(dmac, out, 6);
	return 0;
}

static int encap_dmac(__u8 dmac[6], char *why, size_t n)
{
	return encap_dmac_to("10.0.1.4", dmac, why, n);
}

/* Node x in 198.18.128.0/17 whose slot is node 198.18.2.10's, routed via
 * 198.18.0.3 (..:0b), with endpoint r9 10.0.1.9: encap to r1, r9, r1 again
 * each gets its own next hop (the slot's tag, not just its index).
 */
static void check_shared_slot(void)
{
	const char *name = "nodes 198.18.2.10 and one sharing its slot (another gateway) alternately: each encapsulated to its own next hop";
	__u32 n1 = ip("198.18.2.10"), x = 0;
	__u8 d1[6], d9[6], d1b[6];
	char why[200] = "", xs[INET_ADDRSTRLEN];

	for (__u32 h = 0x8000; h < 0x10000 && !x; h++) {
		__u32 a = htonl(0xc6120000 | h); /* 198.18.128.0 - 198.18.255.255 */

		if (vxnet_nh_slot(a) == vxnet_nh_slot(n1))
			x = a;
	}
	inet_ntop(AF_INET, &x, xs, sizeof(xs));
	if (!x || sh("ip neigh replace 198.18.0.3 lladdr 02:00:00:00:00:0b dev ul0 nud permanent") ||
	    sh("ip route add %s/32 via 198.18.0.3 dev ul0", xs) ||
	    add_ep(skel, "10.0.1.9", R2_MAC, 0, 0, xs, "10.0.1.1"))
		snprintf(why, sizeof(why), "setup (node %s): %s", xs, strerror(errno));
	else if (encap_dmac_to("10.0.1.4", d1, why, sizeof(why)) ||
		 encap_dmac_to("10.0.1.9", d9, why, sizeof(why)) ||
		 encap_dmac_to("10.0.1.4", d1b, why, sizeof(why)))
		;
	else if (memcmp(d1, GW_MAC, 6) || memcmp(d9, R2_GW_MAC, 6) || memcmp(d1b, GW_MAC, 6))
		snprintf(why, sizeof(why), "outer dst MACs ..:%02x, ..:%02x (%s), ..:%02x", d1[5], d9[5],
			 xs, d1b[5]);
	result(!why[0], name, why);
}

static __u64 coarse_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* Past every entry's expiry: the TTL and a few ticks. */
static void expire(void)
{
	usleep(VXNET_NH_TTL_NS / 1000 + 50000);
}

static void check_dmac(const char *name, const __u8 *want)
{
	char why[160] = "";
	__u8 dmac[6];

	if (encap_dmac(dmac, why, sizeof(why)) == 0 && memcmp(dmac, want, 6))
		snprintf(why, sizeof(why), "outer dst MAC %02x:%02x:%02x:%02x:%02x:%02x, want ..:%02x",
			 dmac[0], dmac[1], dmac[2], dmac[3], dmac[4], dmac[5], want[5]);
	result(!why[0], name, why);
}

/* The entry for addr on a CPU that has one (its slot tagged addr), or -1. */
static int nh_entry(__u32 addr, struct vxnet_nexthop *out)
{
	int ncpu = libbpf_num_possible_cpus();
	struct vxnet_nexthop v[ncpu > 0 ? ncpu : 1];
	__u32 slot = vxnet_nh_slot(addr);

	if (ncpu <= 0 || bpf_map__lookup_elem(skel->maps.nexthops, &slot, sizeof(slot), v,
					     sizeof(v), 0))
		return -1;
	int found = -1;

	for (int c = 0; c < ncpu; c++) /* the latest of the CPUs' */
		if (v[c].addr.be32 == addr && (found < 0 || v[c].expires > out->expires)) {
			*out = v[c];
			found = 0;
		}
	if (found)
		errno = ENOENT;
	return found;
}

static void check_entry(void)
{
	const char *name = "encap c1 -> r1 caches node 198.18.2.10: ul0, its MAC, the gateway's MAC, route MTU 1500, expiry within the TTL";
	__u32 key = ip("198.18.2.10");
	struct vxnet_nexthop v;
	char why[200] = "";
	__u8 dmac[6];
	__u64 before = coarse_ns();

	if (encap_dmac(dmac, why, sizeof(why)))
		return result(0, name, why);
	if (nh_entry(key, &v))
		snprintf(why, sizeof(why), "no nexthops entry: %s", strerror(errno));
	else if (v.ifindex != ul0 || v.mtu != 1500 || memcmp(v.dmac, GW_MAC, 6) ||
		 memcmp(v.smac, UL_MAC, 6))
		snprintf(why, sizeof(why), "entry ifindex %u (ul0 %u) mtu %u dmac ..:%02x smac ..:%02x",
			 v.ifindex, ul0, v.mtu, v.dmac[5], v.smac[5]);
	else if (v.expires < before || v.expires > coarse_ns() + VXNET_NH_TTL_NS + 10000000)
		snprintf(why, sizeof(why), "expires %llu, now %llu", (unsigned long long)v.expires,
			 (unsigned long long)coarse_ns());
	result(!why[0], name, why);
}

/* A datagram of n bytes to r1: ICMP frag-needed with mtu, from the cache's
 * route MTU (the entry made by a small one first).
 */
static void check_frag_needed(const char *name, __u32 n, __u16 mtu)
{
	__u8 out[PKT_MAX], dmac[6];
	__u32 len, verdict;
	char why[160] = "";

	if (encap_dmac(dmac, why, sizeof(why)))
		return result(0, name, why);
	if (send_c1("10.0.1.4", n, out, &len, &verdict))
		snprintf(why, sizeof(why), "BPF_PROG_TEST_RUN: %s", strerror(errno));
	else if (verdict != TC_ACT_REDIRECT || len < ETH_HLEN + 28 ||
		 out[ETH_HLEN + 9] != IPPROTO_ICMP || out[ETH_HLEN + 20] != 3 ||
		 out[ETH_HLEN + 21] != 4)
		snprintf(why, sizeof(why), "verdict %u, %u bytes: no ICMP 3/4", verdict, len);
	else if ((out[ETH_HLEN + 26] << 8 | out[ETH_HLEN + 27]) != mtu)
		snprintf(why, sizeof(why), "ICMP mtu %u, want %u",
			 out[ETH_HLEN + 26] << 8 | out[ETH_HLEN + 27], mtu);
	result(!why[0], name, why);
}

int main(void)
{
	libbpf_set_print(test_libbpf_print);
	if (setup_netns())
		return 1;
	c1h = if_nametoindex("c1h");
	ul0 = if_nametoindex("ul0");
	skel = fixture_load(NULL);
	if (!skel)
		return 1;
	if (fill_maps(skel, c1h, if_nametoindex("c2h"))) {
		printf("not ok load: filling the maps: %s\n", strerror(errno));
		vxnet_bpf__destroy(skel);
		return 1;
	}

	check_entry();
	check_dmac("encap again within the TTL: the cached gateway MAC", GW_MAC);
	check_shared_slot();

	if (sh("ip neigh replace 198.18.0.2 lladdr 02:00:00:00:00:0a dev ul0 nud permanent"))
		return 1;
	expire();
	check_dmac("the gateway's neighbour entry changed to ..:0a: encap follows it once expired",
		   NEW_GW_MAC);

	if (sh("ip neigh replace 198.18.0.3 lladdr 02:00:00:00:00:0b dev ul0 nud permanent") ||
	    sh("ip route replace 198.18.2.0/24 via 198.18.0.3 dev ul0"))
		return 1;
	expire();
	check_dmac("the route to 198.18.2.0/24 moved to 198.18.0.3 (..:0b): encap follows it once expired",
		   R2_GW_MAC);

	if (sh("ip route replace 198.18.2.0/24 via 198.18.0.3 dev ul0 mtu lock 1300"))
		return 1;
	expire();
	check_frag_needed("route MTU lowered to 1300: 1251 bytes DF from the cache answered ICMP 3/4 mtu 1250",
			  1251 - 28, 1250);
	check_frag_needed("and again (cache hit): ICMP 3/4 mtu 1250", 1251 - 28, 1250);

	{
		const char *name = "a node behind an unresolved gateway (198.18.0.9): sent by redirect_neigh, not cached";
		__u32 key = ip("198.18.2.10");
		struct vxnet_nexthop v;
		__u8 dmac[6];
		char why[160] = "";

		if (sh("ip route replace 198.18.2.0/24 via 198.18.0.9 dev ul0"))
			return 1;
		expire();
		if (encap_dmac(dmac, why, sizeof(why)) == 0 && !nh_entry(key, &v) &&
		    v.expires > coarse_ns())
			snprintf(why, sizeof(why), "a live entry, dmac ..:%02x", v.dmac[5]);
		result(!why[0], name, why);
	}

	vxnet_bpf__destroy(skel);
	return failed;
}
