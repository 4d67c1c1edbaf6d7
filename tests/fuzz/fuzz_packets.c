// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Packet fuzzer for the vxnet datapath (bpf/vxnet.bpf.c): a seeded random
 * driver, not libFuzzer. It loads the skeleton and fills the maps as
 * tests/unit/test_datapath.c does (same private namespace and fixture,
 * tests/unit/packet.h and fixture.h), then runs mutated frames through
 * every program with BPF_PROG_TEST_RUN and checks after each run:
 *
 *   kernel   test_run succeeds; the only refusals allowed are the kernel's
 *            own for a tc program's input (frames shorter than an Ethernet
 *            header, IPv4 frames without a whole IPv4 header), counted;
 *   verdict  one of the program's: from_container SHOT/REDIRECT, decap
 *            SHOT/OK/REDIRECT (XDP: DROP/PASS/REDIRECT), gro_sink SHOT;
 *   counters (per-CPU, summed) a drop moved the drops map by exactly one
 *            packet, of the frame's length, and no outcome counter; a pass
 *            moved PASS only; a redirect moved exactly one outcome (LOCAL,
 *            ENCAP, DECAP, ARP_REPLY, GW_ECHO, or ICMP_FRAG_NEEDED
 *            together with the FRAG_NEEDED drop); FROM_CONTAINER counts every frame of
 *            from_container; bytes as test_datapath expects them;
 *   output   by outcome, against the maps as read back from the kernel:
 *            ENCAP  outer eth from the underlay's MAC, IPv4 (0x45, DF,
 *                   valid checksum, lengths) from our address to the node
 *                   of the inner destination, a known node; UDP to the
 *                   VXLAN port, source port in [32768, 61000), checksum 0;
 *                   VXLAN flags I, the veth's VNI; the inner frame the
 *                   input's (destination MAC the endpoint's, routed: TTL-1
 *                   from the gateway's MAC) from the veth's own MAC and IP;
 *            LOCAL  the input from the veth's own MAC and IP, to a local
 *                   endpoint's MAC (redirect target: that endpoint's
 *                   ifindex, which must be one of our veths);
 *            ARP    a reply to the veth's own request, for an endpoint or
 *                   gateway of its network, back on the same veth;
 *            ICMP   3/4 from the veth's gateway to its address, checksums
 *                   valid, quoting the input's IPv4 header;
 *            ECHO   the input an echo request (8/0, option-less IPv4, not a
 *                   fragment) to a gateway of the veth's network; the
 *                   output the same length, from that gateway's MAC and
 *                   address to the veth's, type 0, TTL 64, IPv4 checksum
 *                   valid, the ICMP checksum valid exactly when the
 *                   input's was, everything else the input's;
 *            DECAP  the input was VXLAN (I flag) to our address and port,
 *                   not a fragment, from a node with endpoints in that VNI,
 *                   to a local endpoint (ifindex one of our veths), from an
 *                   endpoint of that node; the output is exactly the inner
 *                   frame;
 *            PASS   the output is the input, byte for byte.
 *
 * What test_run cannot show: the ifindex a program hands to bpf_redirect*
 * (the kernel keeps it in per-CPU redirect state and returns only the
 * verdict). The checks above derive it from the output and the maps (the
 * endpoint the frame is addressed to, the veth it came from), which is what
 * the programs compute it from.
 *
 * Inputs: seeds built with packet.h (container ARP, TCP, UDP, ICMP, routed,
 * too big; VXLAN from nodes, host traffic), or the files of -c DIR; each
 * run takes one, picks a program (mostly the seed's), an ifindex and
 * sometimes a GSO size or segment count, and applies one to four mutations
 * (bit flips, bytes, 16-bit header fields, addresses from the maps,
 * truncation, growth, insertion, deletion, splicing). Every seed first runs
 * unchanged. A broken check prints "not ok packets: ..." with the input in
 * hex and saves it (-a DIR) in the corpus format for a regression run.
 *
 * Usage: fuzz_packets [-n RUNS] [-t SECONDS] [-s SEED] [-c CORPUS_DIR]
 *                     [-a ARTIFACT_DIR] [-w DIR (write the seeds, exit)] [-S]
 * -S: a malformed IPv4 frame from a container (version not 4, ihl < 5,
 * header or tot_len beyond the frame) that is forwarded, today counted and
 * noted, is a failure.
 * Needs root (a network namespace, BPF).
 *
 * Corpus format: "VXP1", program (0 from_container, 1 xdp_decap, 2 tc_decap,
 * 3 gro_sink), ifindex choice (0 c1h, 1 c2h, 2 c3h, 3 ul0), gso_segs, 0,
 * gso_size (2 bytes, big endian), then the frame.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <net/if.h>
#include <sched.h>
#include <stdarg.h>
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

#define FRAME_MAX 1600 /* inputs; the output may be VXNET_ENCAP_LEN longer */
#define OUT_MAX 4096
#define MAX_SEEDS 256
#define MAX_FAILURES 10

enum prog { FROM_CONTAINER, XDP_DECAP, TC_DECAP, GRO_SINK, NPROGS };
static const char *const prog_names[] = { "from_container", "xdp_decap", "tc_decap", "gro_sink" };

struct input {
	__u8 prog, ifsel, gso_segs;
	__u16 gso_size;
	__u32 len;
	__u8 b[FRAME_MAX];
};

/* ---- the loaded datapath and a copy of its maps ----------------------------- */

static struct vxnet_bpf *skel;
static int ncpus;
static __u32 ifindexes[4]; /* c1h, c2h, c3h, ul0: every device in the namespace */
static __be32 local_addr;

#define MAX_ROWS 256
static struct { struct vxnet_ep_key k; struct vxnet_endpoint v; } eps[MAX_ROWS];
static struct { __u32 ifindex; struct vxnet_iface v; } ifcs[16];
static __be32 nodes[MAX_ROWS];
static struct vxnet_node_vni node_vnis[MAX_ROWS];
static __u32 vnis[MAX_ROWS];
static int neps, nifcs, nnodes, nnode_vnis, nvnis;

/* Every key of map (and its value, when val) into keys/vals; the count. */
static int dump_map(struct bpf_map *map, void *keys, size_t ksz, void *vals, size_t vsz, int max)
{
	int fd = bpf_map__fd(map), n = 0;
	char key[64], next[64];
	void *prev = NULL;

	while (n < max && !bpf_map_get_next_key(fd, prev, next)) {
		memcpy((char *)keys + n * ksz, next, ksz);
		if (vals && bpf_map_lookup_elem(fd, next, (char *)vals + n * vsz))
			return -1;
		memcpy(key, next, ksz);
		prev = key;
		n++;
	}
	return n;
}

static int read_maps(void)
{
	struct vxnet_ep_key ek[MAX_ROWS];
	struct vxnet_endpoint ev[MAX_ROWS];
	__u32 ik[16];
	struct vxnet_iface iv[16];
	int i;

	neps = dump_map(skel->maps.endpoints, ek, sizeof(ek[0]), ev, sizeof(ev[0]), MAX_ROWS);
	nifcs = dump_map(skel->maps.ifaces, ik, sizeof(ik[0]), iv, sizeof(iv[0]), 16);
	nnodes = dump_map(skel->maps.nodes, nodes, sizeof(nodes[0]), NULL, 0, MAX_ROWS);
	nnode_vnis = dump_map(skel->maps.node_vnis, node_vnis, sizeof(node_vnis[0]), NULL, 0, MAX_ROWS);
	nvnis = dump_map(skel->maps.networks, vnis, sizeof(vnis[0]), NULL, 0, MAX_ROWS);
	if (neps < 0 || nifcs < 0 || nnodes < 0 || nnode_vnis < 0 || nvnis < 0)
		return -1;
	for (i = 0; i < neps; i++) {
		eps[i].k = ek[i];
		eps[i].v = ev[i];
	}
	for (i = 0; i < nifcs; i++) {
		ifcs[i].ifindex = ik[i];
		ifcs[i].v = iv[i];
	}
	return 0;
}

static const struct vxnet_endpoint *ep_find(__u32 vni, __be32 addr)
{
	for (int i = 0; i < neps; i++)
		if (eps[i].k.vni == vni && eps[i].k.ip == addr)
			return &eps[i].v;
	return NULL;
}

static const struct vxnet_iface *ifc_find(__u32 ifindex)
{
	for (int i = 0; i < nifcs; i++)
		if (ifcs[i].ifindex == ifindex)
			return &ifcs[i].v;
	return NULL;
}

static int node_known(__be32 a)
{
	for (int i = 0; i < nnodes; i++)
		if (nodes[i] == a)
			return 1;
	return 0;
}

static int node_in_vni(__be32 a, __u32 vni)
{
	for (int i = 0; i < nnode_vnis; i++)
		if (node_vnis[i].node == a && node_vnis[i].vni == vni)
			return 1;
	return 0;
}

static int ifindex_known(__u32 ifindex)
{
	for (int i = 0; i < 4; i++)
		if (ifindexes[i] == ifindex)
			return 1;
	return 0;
}

/* ---- counters -------------------------------------------------------------- */

struct counters {
	struct vxnet_counter stat[VXNET_STAT__MAX], drop[VXNET_DROP__MAX];
};

static int read_map_counters(struct bpf_map *map, int n, struct vxnet_counter *sum)
{
	struct vxnet_counter vals[ncpus];

	for (__u32 k = 0; k < (__u32)n; k++) {
		if (bpf_map__lookup_elem(map, &k, sizeof(k), vals, sizeof(vals), 0))
			return -1;
		sum[k].packets = sum[k].bytes = 0;
		for (int cpu = 0; cpu < ncpus; cpu++) {
			sum[k].packets += vals[cpu].packets;
			sum[k].bytes += vals[cpu].bytes;
		}
	}
	return 0;
}

static int read_counters(struct counters *c)
{
	return read_map_counters(skel->maps.stats, VXNET_STAT__MAX, c->stat) ||
	       read_map_counters(skel->maps.drops, VXNET_DROP__MAX, c->drop) ? -1 : 0;
}

/* ---- one run ----------------------------------------------------------------- */

struct result {
	int err;       /* -errno of test_run, 0 */
	__u32 verdict;
	__u32 len;     /* of out */
	__u8 out[OUT_MAX];
	struct vxnet_counter dstat[VXNET_STAT__MAX], ddrop[VXNET_DROP__MAX]; /* moved by */
};

static int prog_fd(enum prog p)
{
	struct bpf_program *progs[] = { skel->progs.vxnet_from_container, skel->progs.vxnet_xdp_decap,
					skel->progs.vxnet_tc_decap, skel->progs.vxnet_gro_sink };

	return bpf_program__fd(progs[p]);
}

static struct counters last; /* after the previous run: nothing else moves them */

static int run(const struct input *in, struct result *r)
{
	struct __sk_buff ctx = { .ifindex = ifindexes[in->ifsel & 3], .gso_size = in->gso_size,
				 .gso_segs = in->gso_segs };
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = in->b, .data_size_in = in->len,
		    .data_out = r->out, .data_size_out = sizeof(r->out), .repeat = 1);
	struct counters now;

	if (in->prog != XDP_DECAP) {
		opts.ctx_in = &ctx;
		opts.ctx_size_in = sizeof(ctx);
	}
	r->err = bpf_prog_test_run_opts(prog_fd(in->prog), &opts) ? -errno : 0;
	r->verdict = opts.retval;
	r->len = opts.data_size_out;
	if (read_counters(&now))
		return -1;
	for (int i = 0; i < VXNET_STAT__MAX; i++) {
		r->dstat[i].packets = now.stat[i].packets - last.stat[i].packets;
		r->dstat[i].bytes = now.stat[i].bytes - last.stat[i].bytes;
	}
	for (int i = 0; i < VXNET_DROP__MAX; i++) {
		r->ddrop[i].packets = now.drop[i].packets - last.drop[i].packets;
		r->ddrop[i].bytes = now.drop[i].bytes - last.drop[i].bytes;
	}
	last = now;
	return 0;
}

/* ---- the checks ---------------------------------------------------------------- */

static char why[512];

__attribute__((format(printf, 1, 2)))
static int bad(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	return -1;
}

static __u16 get16(const __u8 *p)
{
	return p[0] << 8 | p[1];
}

static __be32 get_addr(const __u8 *p)
{
	__be32 a;

	memcpy(&a, p, 4);
	return a;
}

static const char *addr_str(__be32 a)
{
	static char buf[4][16];
	static int i;

	i = (i + 1) % 4;
	return inet_ntop(AF_INET, &a, buf[i], sizeof(buf[i]));
}

static __u16 sum16(const __u8 *p, __u32 len)
{
	return csum_fold(csum_add(0, p, len));
}

static void gw_mac(__u8 mac[6], __be32 gw)
{
	mac[0] = 0x02;
	mac[1] = 0x42;
	memcpy(mac + 2, &gw, 4);
}

/* The kernel's own refusal of an input (net/bpf/test_run.c): shorter than
 * an Ethernet header, or, for a tc program, IPv4 or IPv6 without its whole
 * fixed header.
 */
static int kernel_refuses(const struct input *in, int err)
{
	__u16 proto = in->len >= ETH_HLEN ? get16(in->b + 12) : 0;

	if (err != -EINVAL)
		return 0;
	return in->len < ETH_HLEN ||
	       (in->prog != XDP_DECAP && ((proto == ETH_P_IP && in->len < ETH_HLEN + 20) ||
					  (proto == ETH_P_IPV6 && in->len < ETH_HLEN + 40)));
}

/* What a run did: O_REDIRECT until the counters tell which redirect. */
enum outcome { O_DROP, O_PASS, O_LOCAL, O_ENCAP, O_DECAP, O_ARP, O_ICMP, O_ECHO, O_N,
	       O_REDIRECT = O_N };
static const char *const outcome_names[] = { "drop", "pass", "local", "encap", "decap", "arp",
					     "icmp", "echo" };

static const int outcome_stat[] = {
	[O_PASS] = VXNET_STAT_PASS, [O_LOCAL] = VXNET_STAT_LOCAL, [O_ENCAP] = VXNET_STAT_ENCAP,
	[O_DECAP] = VXNET_STAT_DECAP, [O_ARP] = VXNET_STAT_ARP_REPLY,
	[O_ICMP] = VXNET_STAT_ICMP_FRAG_NEEDED, [O_ECHO] = VXNET_STAT_GW_ECHO,
};

/* The verdict's meaning for the program; -1 when it is not one of its. */
static int verdict_kind(const struct input *in, __u32 v)
{
	if (in->prog == XDP_DECAP)
		return v == XDP_DROP ? O_DROP : v == XDP_PASS ? O_PASS : v == XDP_REDIRECT ? O_REDIRECT : -1;
	if (v == TC_ACT_SHOT)
		return O_DROP;
	if (v == TC_ACT_OK && (in->prog == TC_DECAP))
		return O_PASS;
	if (v == TC_ACT_REDIRECT && (in->prog == FROM_CONTAINER || in->prog == TC_DECAP))
		return O_REDIRECT;
	return -1;
}

/* From the counters: the outcome of a redirect, or -1 when not exactly one. */
static int redirect_outcome(const struct result *r)
{
	static const int outs[] = { O_LOCAL, O_ENCAP, O_DECAP, O_ARP, O_ICMP, O_ECHO };
	int found = -1;

	for (size_t i = 0; i < sizeof(outs) / sizeof(outs[0]); i++) {
		__u64 n = r->dstat[outcome_stat[outs[i]]].packets;

		if (n > 1 || (n == 1 && found >= 0))
			return -1;
		if (n == 1)
			found = outs[i];
	}
	return found;
}

static __u64 drops_moved(const struct result *r, int *reason)
{
	__u64 n = 0;

	for (int i = 0; i < VXNET_DROP__MAX; i++) {
		n += r->ddrop[i].packets;
		if (r->ddrop[i].packets)
			*reason = i;
	}
	return n;
}

/* Counters for outcome o: exactly what test_datapath expects of one frame. */
static int check_counters(const struct input *in, const struct result *r, int o)
{
	int reason = -1;
	__u64 drops = drops_moved(r, &reason);
	__u64 fc = r->dstat[VXNET_STAT_FROM_CONTAINER].packets;

	if (fc != (in->prog == FROM_CONTAINER) ||
	    r->dstat[VXNET_STAT_FROM_CONTAINER].bytes != fc * in->len)
		return bad("FROM_CONTAINER moved by %llu packets", (unsigned long long)fc);
	for (int i = 0; i < VXNET_STAT__MAX; i++) {
		__u64 want = o != O_DROP && i == outcome_stat[o], bytes;

		if (i == VXNET_STAT_FROM_CONTAINER)
			continue;
		if (i == VXNET_STAT_DECAP_GRO)
			want = o == O_DECAP && in->prog == TC_DECAP && in->gso_segs > 1;
		/* what was delivered: the decapsulated frame, the ICMP error */
		bytes = want * (o == O_DECAP || o == O_ICMP ? r->len : in->len);
		if (r->dstat[i].packets != want || r->dstat[i].bytes != bytes)
			return bad("stats[%d] moved by %llu packets %llu bytes, want %llu/%llu (%s)", i,
				   (unsigned long long)r->dstat[i].packets,
				   (unsigned long long)r->dstat[i].bytes, (unsigned long long)want,
				   (unsigned long long)bytes, outcome_names[o]);
	}
	if (drops != (o == O_DROP || o == O_ICMP))
		return bad("drops moved by %llu packets for one %s frame", (unsigned long long)drops,
			   o == O_DROP ? "dropped" : "delivered");
	if (o == O_ICMP && reason != VXNET_DROP_FRAG_NEEDED)
		return bad("ICMP frag needed sent, drop reason %d, want FRAG_NEEDED", reason);
	if (drops && reason != VXNET_DROP_ENCAP && reason != VXNET_DROP_DECAP &&
	    r->ddrop[reason].bytes != in->len)
		return bad("drops[%d] moved by %llu bytes for a %u-byte frame", reason,
			   (unsigned long long)r->ddrop[reason].bytes, in->len);
	if (in->prog == GRO_SINK && reason != VXNET_DROP_KERNEL_TUNNEL)
		return bad("gro_sink dropped for reason %d", reason);
	if (in->prog == FROM_CONTAINER && !ifc_find(ifindexes[in->ifsel & 3]) &&
	    reason != VXNET_DROP_UNKNOWN_IFACE)
		return bad("from an unregistered veth: outcome %d, drop reason %d", o, reason);
	return 0;
}

/* The container frame came from the veth's own MAC and IPv4 address. */
static int check_sender(const struct input *in, const struct vxnet_iface *ifc)
{
	__u16 proto = get16(in->b + 12);

	if (memcmp(in->b + 6, ifc->mac, 6))
		return bad("a frame from a foreign source MAC left the veth");
	if (proto == ETH_P_IP && (in->len < ETH_HLEN + 20 || get_addr(in->b + 26) != ifc->ip))
		return bad("IPv4 from a foreign source address %s left the veth",
			   in->len >= 30 ? addr_str(get_addr(in->b + 26)) : "(cut)");
	if (proto == ETH_P_ARP && (in->len < ETH_HLEN + 28 || memcmp(in->b + 22, ifc->mac, 6) ||
				   get_addr(in->b + 28) != ifc->ip))
		return bad("ARP from a foreign sender was answered");
	if (proto != ETH_P_IP && proto != ETH_P_ARP)
		return bad("ethertype 0x%04x was forwarded", proto);
	return 0;
}

/* IPv4 header at p (ihl 5 expected by the builder): version, checksum. */
static int check_ipv4_header(const __u8 *p, __u32 avail, const char *what)
{
	if (avail < 20 || p[0] != 0x45)
		return bad("%s: IPv4 version/ihl 0x%02x", what, avail ? p[0] : 0);
	if (sum16(p, 20))
		return bad("%s: IPv4 header checksum invalid", what);
	return 0;
}

static unsigned long long malformed_forwarded; /* -S makes them failures */
static int strict;

/* Whether the IPv4 frame is well-formed: version 4, ihl >= 5, header and
 * tot_len within the frame.
 */
static int ipv4_well_formed(const struct input *in)
{
	const __u8 *ip = in->b + ETH_HLEN;
	__u32 ihl = (ip[0] & 0xf) * 4;

	return (ip[0] >> 4) == 4 && ihl >= 20 && ETH_HLEN + ihl <= in->len &&
	       get16(ip + 2) >= ihl && ETH_HLEN + get16(ip + 2) <= in->len;
}

/* The forwarded frame f (its length that of the input) is the input from
 * the veth's own addresses to endpoint ep: switched (MACs: ep's, the
 * sender's; IPv4 unchanged) or routed (ep's, ep's gateway's; TTL - 1).
 * Only the destination MAC, the source MAC, TTL and checksum may differ.
 */
static int check_forwarded(const struct input *in, const __u8 *f, const struct vxnet_endpoint *ep,
			   const struct vxnet_iface *ifc, const char *what)
{
	const __u8 *b = in->b;
	__u8 mac[6];
	int routed;

	gw_mac(mac, ep->gateway);
	routed = !memcmp(f + 6, mac, 6) && memcmp(mac, ifc->mac, 6);
	if (memcmp(f, ep->mac, 6) || (!routed && memcmp(f + 6, ifc->mac, 6)))
		return bad("%s: MACs neither switched nor routed ones", what);
	if (memcmp(f + 12, b + 12, 10) || f[23] != b[23] || memcmp(f + 26, b + 26, in->len - 26))
		return bad("%s: the frame differs from the input beyond MACs, TTL and checksum", what);
	if (f[22] != (__u8)(b[22] - routed) || (!routed && memcmp(f + 24, b + 24, 2)))
		return bad("%s: TTL %u from %u (%s)", what, f[22], b[22], routed ? "routed" : "switched");
	if (!ipv4_well_formed(in)) {
		malformed_forwarded++;
		if (strict)
			return bad("%s: a malformed IPv4 frame was forwarded", what);
	}
	return 0;
}

static int check_encap(const struct input *in, const struct result *r, const struct vxnet_iface *ifc)
{
	const __u8 *o = r->out, *inner = r->out + VXNET_ENCAP_LEN;
	const struct vxnet_endpoint *ep;

	if (r->len != in->len + VXNET_ENCAP_LEN)
		return bad("encap: %u bytes out of %u in", r->len, in->len);
	/* From the FIB: the next hop's MAC (ul0's one neighbour) from ul0's; or,
	 * no neighbour yet, zeros that bpf_redirect_neigh() fills.
	 */
	if (!(!memcmp(o, GW_MAC, 6) && !memcmp(o + 6, UL_MAC, 6)) &&
	    !(!memcmp(o, ZERO_MAC, 6) && !memcmp(o + 6, ZERO_MAC, 6)))
		return bad("encap: outer Ethernet neither to the next hop from the underlay nor left "
			   "to bpf_redirect_neigh");
	if (get16(o + 12) != ETH_P_IP)
		return bad("encap: outer Ethernet type 0x%04x", get16(o + 12));
	if (check_ipv4_header(o + 14, r->len - 14, "encap outer"))
		return -1;
	if (get16(o + 16) != r->len - 14 || !(get16(o + 20) & 0x4000) || o[23] != IPPROTO_UDP ||
	    get_addr(o + 26) != local_addr)
		return bad("encap: outer IPv4 length, DF, protocol or source wrong");
	if (get16(o + 36) != PORT || get16(o + 34) < 32768 || get16(o + 34) >= 61000 ||
	    get16(o + 38) != r->len - 34 || get16(o + 40) != 0)
		return bad("encap: UDP ports %u->%u, length or checksum wrong", get16(o + 34), get16(o + 36));
	if (o[42] != 0x08 || o[43] || o[44] || o[45] || o[49] ||
	    (__u32)(o[46] << 16 | o[47] << 8 | o[48]) != ifc->vni)
		return bad("encap: VXLAN header wrong (flags 0x%02x)", o[42]);
	ep = ep_find(ifc->vni, get_addr(inner + 30));
	if (!ep || (ep->flags & (VXNET_EP_LOCAL | VXNET_EP_GATEWAY)))
		return bad("encap: inner destination %s is no remote endpoint of VNI %u",
			   addr_str(get_addr(inner + 30)), ifc->vni);
	if (get_addr(o + 30) != ep->node || !node_known(ep->node))
		return bad("encap: to %s, the endpoint's node is %s", addr_str(get_addr(o + 30)),
			   addr_str(ep->node));
	return check_forwarded(in, inner, ep, ifc, "encap");
}

static int check_local(const struct input *in, const struct result *r, const struct vxnet_iface *ifc)
{
	const struct vxnet_endpoint *ep = ep_find(ifc->vni, get_addr(in->b + 30));

	if (!ep || !(ep->flags & VXNET_EP_LOCAL) || (ep->flags & VXNET_EP_GATEWAY))
		return bad("local: %s is no local endpoint of VNI %u", addr_str(get_addr(in->b + 30)),
			   ifc->vni);
	if (!ifindex_known(ep->ifindex))
		return bad("local: redirected to ifindex %u, not one of ours", ep->ifindex);
	if (r->len != in->len)
		return bad("local: %u bytes out of %u in", r->len, in->len);
	return check_forwarded(in, r->out, ep, ifc, "local");
}

static int check_arp(const struct input *in, const struct result *r, const struct vxnet_iface *ifc)
{
	const __u8 *o = r->out;
	const struct vxnet_endpoint *ep = ep_find(ifc->vni, get_addr(in->b + 38));

	if (!ep)
		return bad("arp: answered for %s, not in VNI %u", addr_str(get_addr(in->b + 38)), ifc->vni);
	if (r->len != in->len || memcmp(o, ifc->mac, 6) || memcmp(o + 6, ep->mac, 6) ||
	    get16(o + 12) != ETH_P_ARP || get16(o + 20) != 2 || memcmp(o + 22, ep->mac, 6) ||
	    get_addr(o + 28) != get_addr(in->b + 38) || memcmp(o + 32, ifc->mac, 6) ||
	    get_addr(o + 38) != ifc->ip)
		return bad("arp: the reply is not from %s's MAC to the requester",
			   addr_str(get_addr(in->b + 38)));
	return 0;
}

static int check_icmp(const struct input *in, const struct result *r, const struct vxnet_iface *ifc)
{
	const __u8 *o = r->out;
	__u32 ihl = (in->b[ETH_HLEN] & 0xf) * 4, quote = ihl + 8;
	__u8 mac[6];

	gw_mac(mac, ifc->gateway);
	if (r->len != ETH_HLEN + 20 + 8 + quote || memcmp(o, ifc->mac, 6) || memcmp(o + 6, mac, 6))
		return bad("icmp: %u bytes, or not from the gateway's MAC to the sender", r->len);
	if (check_ipv4_header(o + 14, r->len - 14, "icmp"))
		return -1;
	if (o[23] != IPPROTO_ICMP || get_addr(o + 26) != ifc->gateway || get_addr(o + 30) != ifc->ip)
		return bad("icmp: not ICMP from the gateway to the sender");
	if (o[34] != 3 || o[35] != 4 || sum16(o + 34, r->len - 34))
		return bad("icmp: type %u code %u, or checksum invalid", o[34], o[35]);
	if (memcmp(o + 42, in->b + 14, quote))
		return bad("icmp: the quote is not the input's header");
	return 0;
}

static int check_echo(const struct input *in, const struct result *r, const struct vxnet_iface *ifc)
{
	const __u8 *b = in->b, *o = r->out;
	const struct vxnet_endpoint *ep;
	__u32 tot;

	if (in->len < ETH_HLEN + 28 || get16(b + 12) != ETH_P_IP || b[14] != 0x45 ||
	    b[23] != IPPROTO_ICMP || (get16(b + 20) & 0x3fff) || b[34] != 8 || b[35] != 0)
		return bad("echo: answered something that is no unfragmented echo request");
	tot = get16(b + 16);
	if (tot < 28 || ETH_HLEN + tot > in->len)
		return bad("echo: answered a request with IPv4 total length %u", tot);
	ep = ep_find(ifc->vni, get_addr(b + 30));
	if (!ep || !(ep->flags & VXNET_EP_GATEWAY))
		return bad("echo: answered for %s, no gateway of VNI %u", addr_str(get_addr(b + 30)),
			   ifc->vni);
	if (r->len != in->len || memcmp(o, ifc->mac, 6) || memcmp(o + 6, ep->mac, 6) ||
	    get16(o + 12) != ETH_P_IP)
		return bad("echo: %u bytes, or not from the gateway's MAC to the sender", r->len);
	if (check_ipv4_header(o + 14, r->len - 14, "echo"))
		return -1;
	if (get_addr(o + 26) != get_addr(b + 30) || get_addr(o + 30) != ifc->ip || o[22] != 64)
		return bad("echo: not from the gateway to the sender with TTL 64");
	if (memcmp(o + 14, b + 14, 8) || o[23] != b[23])
		return bad("echo: IPv4 header differs beyond addresses, TTL and checksum");
	if (o[34] != 0 || o[35] != 0 || memcmp(o + 36 + 2, b + 36 + 2, in->len - 38))
		return bad("echo: type %u code %u, or identifier/sequence/data not echoed", o[34], o[35]);
	if (!sum16(o + 34, tot - 20) != !sum16(b + 34, tot - 20))
		return bad("echo: ICMP checksum valid in %s of request and reply",
			   sum16(b + 34, tot - 20) ? "only the reply" : "only the request");
	return 0;
}

static int check_from_container(const struct input *in, const struct result *r, int o)
{
	const struct vxnet_iface *ifc = ifc_find(ifindexes[in->ifsel & 3]);

	if (!ifc)
		return bad("redirected a frame from an unregistered veth");
	if (check_sender(in, ifc))
		return -1;
	switch (o) {
	case O_ENCAP: return check_encap(in, r, ifc);
	case O_LOCAL: return check_local(in, r, ifc);
	case O_ARP: return check_arp(in, r, ifc);
	case O_ICMP: return check_icmp(in, r, ifc);
	case O_ECHO: return check_echo(in, r, ifc);
	}
	return bad("from_container redirected with outcome %d", o);
}

static int check_decap(const struct input *in, const struct result *r)
{
	const __u8 *b = in->b;
	__u32 ihl, outer, vni;
	const struct vxnet_endpoint *dst, *src;
	__be32 node;

	if (in->len < ETH_HLEN + 20 || get16(b + 12) != ETH_P_IP || (b[14] >> 4) != 4 ||
	    (b[14] & 0xf) < 5 || b[23] != IPPROTO_UDP || (get16(b + 20) & 0x3fff))
		return bad("decap of a frame that is not an unfragmented IPv4/UDP packet");
	ihl = (b[14] & 0xf) * 4;
	outer = ETH_HLEN + ihl + 8 + 8;
	if (in->len < outer + ETH_HLEN + 20 || get16(b + 14 + ihl + 2) != PORT ||
	    get_addr(b + 30) != local_addr || !(b[14 + ihl + 8] & 0x08))
		return bad("decap of a frame not VXLAN (I flag) to our address and port");
	node = get_addr(b + 26);
	vni = b[14 + ihl + 12] << 16 | b[14 + ihl + 13] << 8 | b[14 + ihl + 14];
	if (!node_known(node) || !node_in_vni(node, vni))
		return bad("decap of VXLAN from %s, not a node with endpoints in VNI %u", addr_str(node), vni);
	if (get16(b + outer + 12) != ETH_P_IP)
		return bad("decap of an inner frame that is not IPv4");
	dst = ep_find(vni, get_addr(b + outer + 30));
	src = ep_find(vni, get_addr(b + outer + 26));
	if (!dst || !(dst->flags & VXNET_EP_LOCAL) || !ifindex_known(dst->ifindex))
		return bad("decap to %s, no local endpoint of VNI %u", addr_str(get_addr(b + outer + 30)), vni);
	if (!src || src->node != node || (src->flags & (VXNET_EP_LOCAL | VXNET_EP_GATEWAY)))
		return bad("decap of a frame from %s, not an endpoint of node %s",
			   addr_str(get_addr(b + outer + 26)), addr_str(node));
	if (r->len != in->len - outer || memcmp(r->out, b + outer, r->len))
		return bad("decap: the output is not the inner frame");
	return 0;
}

/* All checks of one run: the outcome, or -1 with why set. */
static int check(const struct input *in, const struct result *r)
{
	int o = verdict_kind(in, r->verdict);

	if (r->err)
		return bad("BPF_PROG_TEST_RUN failed: %s", strerror(-r->err));
	if (o < 0)
		return bad("verdict %u is not one of %s's", r->verdict, prog_names[in->prog]);
	if (o == O_REDIRECT) {
		o = redirect_outcome(r);
		if (o < 0)
			return bad("a redirect moved no single outcome counter");
		if ((in->prog == FROM_CONTAINER) == (o == O_DECAP))
			return bad("%s redirected with outcome %d", prog_names[in->prog], o);
	}
	if (check_counters(in, r, o))
		return -1;
	if (o == O_PASS && (r->len != in->len || memcmp(r->out, in->b, in->len)))
		return bad("passed to the host changed");
	if (o == O_DECAP && check_decap(in, r))
		return -1;
	if (o != O_DROP && o != O_PASS && o != O_DECAP && check_from_container(in, r, o))
		return -1;
	return o;
}

/* ---- inputs ---------------------------------------------------------------------- */

static struct input seeds[MAX_SEEDS];
static int nseeds;

static void add_seed(enum prog p, struct pkt f)
{
	struct input *in = &seeds[nseeds];

	if (nseeds == MAX_SEEDS || f.len > FRAME_MAX)
		return;
	*in = (struct input){ .prog = p, .len = f.len };
	memcpy(in->b, f.b, f.len);
	nseeds++;
}

/* TCP from c1 to dst via dmac (test_datapath's c1_to). */
static struct pkt c1_tcp(const __u8 *dmac, const char *dst, __u8 ttl)
{
	return eth(dmac, C1_MAC, ETH_P_IP, ipv4_ttl("10.0.1.2", dst, IPPROTO_TCP, ttl,
		   tcp(40000, 80, TCP_PSH | TCP_ACK, text("GET / HTTP/1.0\r\n\r\n"))));
}

static struct pkt c1_udp(const char *dst, __u32 ip_len, int df, __u8 optlen)
{
	struct ip4 h = { .saddr = ip("10.0.1.2"), .daddr = ip(dst), .proto = IPPROTO_UDP,
			 .ttl = 64, .id = 0x1234, .frag = df ? 0x4000 : 0, .optlen = optlen,
			 .l4csum = 1 };

	return eth(R1_MAC, C1_MAC, ETH_P_IP, ipv4x(h, udp(5000, 5001, filler(ip_len - 28 - optlen))));
}

/* The frames of test_datapath's tables that reach every branch. */
static void builtin_seeds(void)
{
	struct pkt to_c1 = eth(C1_MAC, R1_MAC, ETH_P_IP, ipv4("10.0.1.4", "10.0.1.2", IPPROTO_TCP,
					     tcp(80, 40000, TCP_ACK, text("HTTP/1.0 200 OK\r\n"))));
	struct pkt routed_to_c1 = eth(C1_MAC, SUBNET_GW_MAC, ETH_P_IP,
				      ipv4_ttl("10.0.2.4", "10.0.1.2", IPPROTO_UDP, 63, udp(53, 5353, text("a"))));

	add_seed(FROM_CONTAINER, c1_tcp(SUBNET_GW_MAC, "10.0.1.4", 64));     /* encap */
	add_seed(FROM_CONTAINER, c1_tcp(R2_MAC, "10.0.1.5", 64));            /* encap, neigh */
	add_seed(FROM_CONTAINER, c1_tcp(R2_MAC, "10.0.1.6", 64));            /* no route */
	add_seed(FROM_CONTAINER, c1_tcp(SUBNET_GW_MAC, "10.0.1.3", 64));     /* local */
	add_seed(FROM_CONTAINER, c1_tcp(SUBNET_GW_MAC, "10.0.2.3", 64));     /* routed, local */
	add_seed(FROM_CONTAINER, c1_tcp(SUBNET_GW_MAC, "10.0.2.4", 2));      /* routed, encap */
	add_seed(FROM_CONTAINER, c1_udp("10.0.1.4", 1450, 1, 0));           /* fits */
	add_seed(FROM_CONTAINER, c1_udp("10.0.1.4", 1451, 1, 4));           /* ICMP frag needed */
	add_seed(FROM_CONTAINER, c1_udp("10.0.1.4", 1451, 0, 0));           /* too big */
	add_seed(FROM_CONTAINER, eth(R1_MAC, C1_MAC, ETH_P_IP, ipv4("10.0.1.2", "10.0.1.4", IPPROTO_ICMP,
					icmp(8, 0, 0x00010001, text("ping")))));
	add_seed(FROM_CONTAINER, eth(SUBNET_GW_MAC, C1_MAC, ETH_P_IP, ipv4("10.0.1.2", "10.0.1.1", IPPROTO_ICMP,
					icmp(8, 0, 0x00010001, text("ping")))));  /* gateway echo */
	add_seed(FROM_CONTAINER, eth(SUBNET_GW_MAC, C1_MAC, ETH_P_IP, ipv4("10.0.1.2", "10.0.2.1", IPPROTO_ICMP,
					icmp(8, 0, 0x00010002, text("pong!")))));
	add_seed(FROM_CONTAINER, eth(BCAST, C1_MAC, ETH_P_ARP, arp(1, C1_MAC, "10.0.1.2", ZERO_MAC, "10.0.1.3")));
	add_seed(FROM_CONTAINER, eth(BCAST, C1_MAC, ETH_P_ARP, arp(1, C1_MAC, "10.0.1.2", ZERO_MAC, "10.0.1.1")));
	add_seed(FROM_CONTAINER, eth(C2_MAC, C1_MAC, ETH_P_IPV6, pad_to(text("\x60\0\0\0\0\0\x3a\x40"), 40)));

	for (enum prog p = XDP_DECAP; p <= TC_DECAP; p++) {
		add_seed(p, vx_frame("198.18.2.10", 0x08, VNI, to_c1));                  /* decap */
		add_seed(p, vx_frame_opt("198.18.2.10", 8, PORT, 0x08, VNI, to_c1));     /* ihl 7 */
		add_seed(p, vx_frame("198.18.2.10", 0x08, VNI, routed_to_c1));           /* routed */
		add_seed(p, vx_frame("198.18.0.20", 0x08, VNI,
				     eth(C2_MAC, R2_MAC, ETH_P_IP, ipv4("10.0.1.5", "10.0.1.3", IPPROTO_UDP,
								     udp(1, 2, text("x"))))));
		add_seed(p, vx_frame("198.18.2.20", 0x08, 7, to_c1));                    /* VNI 7 */
		add_seed(p, vx_frame_opt("198.18.2.10", 0, 8472, 0x08, VNI, to_c1));     /* other port */
		add_seed(p, eth(UL_MAC, GW_MAC, ETH_P_IP, ipv4("198.18.2.10", "198.18.0.1", IPPROTO_TCP,
								tcp(50022, 22, TCP_SYN, text("")))));
		add_seed(p, eth(BCAST, GW_MAC, ETH_P_ARP, arp(1, GW_MAC, "198.18.0.2", ZERO_MAC, "198.18.0.1")));
	}
	add_seed(GRO_SINK, to_c1);
}

/* in, in the corpus format, to path; 0 or -1 (said on stderr). */
static int save_input(const char *path, const struct input *in)
{
	__u8 h[10] = { 'V', 'X', 'P', '1', in->prog, in->ifsel, in->gso_segs, 0,
		       in->gso_size >> 8, in->gso_size };
	FILE *f = fopen(path, "w");

	if (!f || fwrite(h, 1, sizeof(h), f) != sizeof(h) ||
	    fwrite(in->b, 1, in->len, f) != in->len || fclose(f)) {
		fprintf(stderr, "fuzz_packets: writing %s: %s\n", path, strerror(errno));
		return -1;
	}
	return 0;
}

static int write_seeds(const char *dir)
{
	for (int i = 0; i < nseeds; i++) {
		char path[512];

		snprintf(path, sizeof(path), "%s/seed-%02d-%s", dir, i, prog_names[seeds[i].prog]);
		if (save_input(path, &seeds[i]))
			return -1;
	}
	return 0;
}

static int load_file(const char *path)
{
	__u8 buf[10 + FRAME_MAX + 1];
	FILE *f = fopen(path, "r");
	size_t n;
	struct input *in = &seeds[nseeds];

	if (!f)
		return -1;
	n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	if (nseeds == MAX_SEEDS || n < 10 || n > 10 + FRAME_MAX || memcmp(buf, "VXP1", 4) ||
	    buf[4] >= NPROGS)
		return -1;
	*in = (struct input){ .prog = buf[4], .ifsel = buf[5] & 3, .gso_segs = buf[6],
			      .gso_size = buf[8] << 8 | buf[9], .len = n - 10 };
	memcpy(in->b, buf + 10, in->len);
	nseeds++;
	return 0;
}

static int load_corpus(const char *dir)
{
	struct dirent *de;
	DIR *d = opendir(dir);
	char path[1024];

	if (!d)
		return -1;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (load_file(path))
			fprintf(stderr, "fuzz_packets: %s: not a corpus file, skipped\n", path);
	}
	closedir(d);
	return 0;
}

/* ---- mutations --------------------------------------------------------------------- */

static __u64 rng;

static __u32 rnd(void)
{
	rng ^= rng << 13; /* xorshift64 */
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng >> 16;
}

static __u32 below(__u32 n)
{
	return n ? rnd() % n : 0;
}

/* A header offset: mostly within the first 110 bytes (two header chains). */
static __u32 hot_offset(__u32 len)
{
	return below(4) ? below(len < 110 ? len : 110) : below(len);
}

static void mutate_once(struct input *in)
{
	static const __u8 bytes8[] = { 0, 1, 2, 4, 5, 6, 7, 8, 0x0f, 0x11, 0x20, 0x3f, 0x40, 0x45,
				       0x46, 0x4f, 0x7f, 0x80, 0xfe, 0xff };
	static const __u16 words[] = { 0, 1, 8, 14, 20, 28, 34, 50, 64, 0x0800, 0x0806, 0x86dd,
				       0x8100, 0x2000, 0x4000, 0x3fff, 4789, 8472, 1450, 1500, 0xffff };
	__u32 off, n;

	if (!in->len) {
		in->len = 1 + below(64);
		for (__u32 i = 0; i < in->len; i++)
			in->b[i] = rnd();
		return;
	}
	off = hot_offset(in->len);
	switch (below(10)) {
	case 0: /* a bit */
		in->b[off] ^= 1 << below(8);
		break;
	case 1: /* a byte */
		in->b[off] = below(2) ? bytes8[below(sizeof(bytes8))] : rnd();
		break;
	case 2: /* a 16-bit field */
		if (off + 2 <= in->len) {
			n = below(3) ? words[below(sizeof(words) / 2)] : (in->len - below(60)) & 0xffff;
			put16(in->b + off, n);
		}
		break;
	case 3: /* an address the maps know */
		if (off + 4 <= in->len) {
			__be32 a = below(2) && neps ? eps[below(neps)].k.ip :
				   nnodes ? nodes[below(nnodes)] : local_addr;
			memcpy(in->b + off, below(8) ? &a : &local_addr, 4);
		}
		break;
	case 4: /* truncate */
		in->len = below(in->len + 1);
		break;
	case 5: /* grow */
		n = 1 + below(64);
		for (__u32 i = 0; i < n && in->len < FRAME_MAX; i++)
			in->b[in->len++] = below(2) ? 0 : rnd();
		break;
	case 6: /* insert */
		n = 1 + below(8);
		if (in->len + n <= FRAME_MAX) {
			memmove(in->b + off + n, in->b + off, in->len - off);
			for (__u32 i = 0; i < n; i++)
				in->b[off + i] = rnd();
			in->len += n;
		}
		break;
	case 7: /* delete */
		n = 1 + below(8);
		if (off + n <= in->len) {
			memmove(in->b + off, in->b + off + n, in->len - off - n);
			in->len -= n;
		}
		break;
	case 8: { /* splice: our head, another seed's tail */
		const struct input *o = &seeds[below(nseeds)];
		__u32 from = below(o->len + 1);

		n = o->len - from;
		if (off + n <= FRAME_MAX) {
			memcpy(in->b + off, o->b + from, n);
			in->len = off + n;
		}
		break;
	}
	default: /* the context */
		if (below(2))
			in->gso_size = below(3) ? 0 : 1 + below(2000);
		else
			in->gso_segs = below(3) ? 0 : below(70);
		break;
	}
}

static void make_input(struct input *in)
{
	int n = 1 + below(4);

	*in = seeds[below(nseeds)];
	if (!below(5))
		in->prog = below(NPROGS);
	n = below(10) ? n : 0; /* sometimes only the program or ifindex changes */
	in->ifsel = below(20) ? 0 : below(4);
	for (int i = 0; i < n; i++)
		mutate_once(in);
}

/* ---- main ------------------------------------------------------------------------------ */

static unsigned long long runs[NPROGS][O_N], refused, failures;

static void report(const struct input *in, unsigned long long i, const char *artifacts)
{
	char path[512];

	printf("not ok packets: %s: %s, ifindex choice %u, gso_size %u, gso_segs %u, run %llu, %u bytes:",
	       why, prog_names[in->prog], in->ifsel, in->gso_size, in->gso_segs, i, in->len);
	for (__u32 k = 0; k < in->len; k++)
		printf("%s%02x", k % 32 ? "" : " ", in->b[k]);
	printf("\n");
	if (!artifacts)
		return;
	snprintf(path, sizeof(path), "%s/packets-%d-%llu", artifacts, (int)getpid(), i);
	if (!save_input(path, in))
		printf("# saved as %s\n", path);
}

/* One input: run, check, count; 0 or -1 (a test_run we could not read back). */
static int one(const struct input *in, unsigned long long i, const char *artifacts)
{
	static struct result r;
	int o;

	if (run(in, &r)) {
		printf("not ok packets: reading the counters: %s\n", strerror(errno));
		return -1;
	}
	if (kernel_refuses(in, r.err)) {
		refused++;
		return 0;
	}
	o = check(in, &r);
	if (o < 0) {
		if (failures++ < MAX_FAILURES)
			report(in, i, artifacts);
		return 0;
	}
	runs[in->prog][o]++;
	return 0;
}

static int load(void)
{
	if (setup_netns())
		return -1;
	ifindexes[0] = if_nametoindex("c1h");
	ifindexes[1] = if_nametoindex("c2h");
	ifindexes[2] = if_nametoindex("c3h");
	ifindexes[3] = if_nametoindex("ul0");
	ncpus = libbpf_num_possible_cpus();
	local_addr = ip("198.18.0.1");
	skel = vxnet_bpf__open();
	if (!skel || ncpus <= 0)
		return -1;
	skel->rodata->cfg_port = PORT;
	skel->rodata->cfg_local_addr = local_addr;
	skel->rodata->cfg_underlay_ifindex = ifindexes[3];
	if (vxnet_bpf__load(skel) || fill_maps(skel, ifindexes[0], ifindexes[1]) || read_maps() ||
	    read_counters(&last))
		return -1;
	return 0;
}

static void summary(unsigned long long n, double secs, unsigned long long seed)
{
	for (int p = 0; p < NPROGS; p++) {
		unsigned long long total = 0;
		char line[256];
		size_t off = 0;

		for (int o = 0; o < O_N; o++) {
			total += runs[p][o];
			if (runs[p][o])
				off += snprintf(line + off, sizeof(line) - off, ", %s %llu",
						outcome_names[o], runs[p][o]);
		}
		printf("%s packets %s: %llu runs checked (%s)\n", failures ? "#" : "ok", prog_names[p],
		       total, off ? line + 2 : "none");
	}
	printf("# %llu runs in %.1f s, seed %llu, %llu refused by the kernel's test_run "
	       "(frames too short for their ethertype), %llu failed\n", n, secs, seed, refused,
	       failures);
	if (malformed_forwarded)
		printf("# note: %llu malformed IPv4 frames from a container were forwarded "
		       "(version, ihl or length wrong; -S fails on them)\n", malformed_forwarded);
}

int main(int argc, char **argv)
{
	unsigned long long max_runs = 20000, seed = time(NULL), i;
	const char *corpus = NULL, *artifacts = NULL, *write_dir = NULL;
	double max_secs = 10, secs;
	struct timespec t0, t;
	int c;

	while ((c = getopt(argc, argv, "n:t:s:c:a:w:S")) != -1) {
		switch (c) {
		case 'n': max_runs = strtoull(optarg, NULL, 10); break;
		case 't': max_secs = atof(optarg); break;
		case 's': seed = strtoull(optarg, NULL, 10); break;
		case 'c': corpus = optarg; break;
		case 'a': artifacts = optarg; break;
		case 'w': write_dir = optarg; break;
		case 'S': strict = 1; break;
		default:
			fprintf(stderr, "usage: fuzz_packets [-n RUNS] [-t SECONDS] [-s SEED] [-c CORPUS_DIR] "
				"[-a ARTIFACT_DIR] [-w DIR] [-S]\n");
			return 2;
		}
	}
	rng = seed * 0x9e3779b97f4a7c15ull + 1;
	libbpf_set_print(test_libbpf_print);
	if (write_dir) {
		builtin_seeds();
		return write_seeds(write_dir) ? 1 : 0;
	}
	if (load()) {
		printf("not ok packets: loading the datapath: %s\n", strerror(errno));
		return 1;
	}
	if (!corpus || load_corpus(corpus) || !nseeds)
		builtin_seeds();

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < (unsigned long long)nseeds; i++) /* every seed as it is */
		if (one(&seeds[i], i, artifacts))
			return 1;
	for (secs = 0; i < max_runs && secs < max_secs; i++) {
		struct input in;

		make_input(&in);
		if (one(&in, i, artifacts))
			return 1;
		clock_gettime(CLOCK_MONOTONIC, &t);
		secs = t.tv_sec - t0.tv_sec + (t.tv_nsec - t0.tv_nsec) / 1e9;
	}
	summary(i, secs, seed);
	vxnet_bpf__destroy(skel);
	return failures ? 1 : 0;
}
