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
 *   verdict  one of the program's: from_container SHOT/REDIRECT (OK only
 *            for egress and published answers the FIB leaves to the host),
 *            decap SHOT/OK/REDIRECT (XDP: DROP/PASS/REDIRECT), nat_in
 *            SHOT/OK/REDIRECT, gro_sink SHOT;
 *   counters (per-CPU, summed) a drop moved the drops map by exactly one
 *            packet, of the frame's length (published_reply's, after
 *            decapsulating: the inner frame's), and no outcome counter; a
 *            pass moved PASS only (nat_in's, and XDP's of a marked answer
 *            it leaves to tc: nothing); a redirect moved exactly one
 *            outcome's set: LOCAL, ENCAP, DECAP, ARP_REPLY, GW_ECHO,
 *            ICMP_FRAG_NEEDED (with the FRAG_NEEDED drop), EGRESS,
 *            PUBLISHED_REPLY (with ENCAP: via), EGRESS_REPLY, PUBLISHED or
 *            NAT_ICMP_ERROR (with ENCAP: to a remote backend); NAT_NEW and
 *            PUBLISHED_NEW at most once, each a new translation there
 *            after the run; FROM_CONTAINER counts every frame of
 *            from_container; bytes as test_datapath expects them;
 *   events   vxnet monitor listens (drops and traces): a drop wrote one
 *            drop event of its reason and counted length, a forwarded
 *            frame (any outcome but drop and pass; ICMP frag needed: both)
 *            one trace event, a pass none; each event's hook the
 *            program's, its captured bytes at most VXNET_EVENT_CAP;
 *   nat      the nat map's entry for the frame's flow is read before every
 *            run (the OUT key of a container's frame or a marked answer's
 *            inner one, the IN key of an answer or an ICMP error's quote):
 *            the expectations of NAT outcomes come from it;
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
 *            EGRESS from the veth's own MAC and IP to outside its network
 *                   (no endpoint, no subnet, unicast); the output the input
 *                   from 198.18.0.1 and a port (echo id) of the NAT range,
 *                   the flow's before if it had one (else NAT_NEW), TTL-1,
 *                   IPv4 checksum valid as the input's was, the L4 checksum
 *                   valid exactly when the input's was (UDP 0 stays 0),
 *                   all else the input's; MACs ul0's to the next hop's,
 *                   (no neighbour: left to bpf_redirect_neigh), or up the
 *                   host's stack (OK) the input's; after the run the OUT
 *                   entry gives that port and the IN entry points back, the
 *                   OUT entry's flags as nat_touch() leaves them (TCP FIN or
 *                   RST: closing; SYN: open again);
 *            PUBLISHED-OUT  a published flow's answer (OUT entry before,
 *                   PUBLISHED, not VIA) translated as egress from its host
 *                   port: c1's, or a remote backend's marked answer from an
 *                   endpoint of the sending node, decapsulated;
 *            VIA    c1's answer to a client that came through another node
 *                   (OUT entry VIA): to that node, VXLAN flags 0x09, the
 *                   inner frame the input untouched;
 *            ANSWER an answer to 198.18.0.1 (TCP/UDP to a NAT port or a
 *                   published port, echo reply, ICMP error quoting a packet
 *                   from 198.18.0.1) translated by its IN entry (before the
 *                   run; a client's first packet: the service's backend,
 *                   PUBLISHED_NEW, the flow's IN and OUT entries after):
 *                   counted EGRESS_REPLY, PUBLISHED or NAT_ICMP_ERROR as
 *                   the entry says; the entry after: replied (and TCP's
 *                   closing) for an answer, untouched for an ICMP error,
 *                   exactly PUBLISHED for a new flow; to a local endpoint from its gateway's
 *                   MAC, destination address and port (echo id) the
 *                   entry's, TTL-1, checksums valid as they were; an ICMP
 *                   error's quote: source address, port, IPv4 checksum,
 *                   UDP/ICMP checksum following them; to a remote backend
 *                   (published): the same frame inside VXLAN flags 0x09 to
 *                   the backend's node;
 *            DECAP  also a marked frame from a known node: TCP/UDP to a
 *                   local endpoint that publishes that port; after the run
 *                   the flow's OUT entry says VIA that node;
 *            PASS   the output is the input, byte for byte.
 *
 * What test_run cannot show: the ifindex a program hands to bpf_redirect*
 * (the kernel keeps it in per-CPU redirect state and returns only the
 * verdict). The checks above derive it from the output and the maps (the
 * endpoint the frame is addressed to, the veth it came from), which is what
 * the programs compute it from.
 *
 * The fixture adds published ports (as test_nat.c: 8080/tcp -> c1:80 here,
 * 9090/tcp -> r1 10.0.1.4:80 on 198.18.2.10, 7070/udp without a backend),
 * the NAT port range 61001-61256, blackhole and unreachable routes, and a
 * few translations written again before every run (nat_fixture()), so that
 * the answer seeds find theirs in any run.
 *
 * Inputs: seeds built with packet.h (container ARP, TCP, UDP, ICMP, routed,
 * too big; VXLAN from nodes, host traffic; egress, answers, ICMP errors,
 * clients of published ports, marked VXLAN), or the files of -c DIR; each
 * run takes one, picks a program (mostly the seed's), an ifindex and
 * sometimes a GSO size or segment count, and applies one to four mutations
 * (bit flips, bytes, 16-bit header fields, addresses from the maps,
 * truncation, growth, insertion, deletion, splicing). Every seed first runs
 * unchanged. A broken check prints "not ok packets: ..." with the input in
 * hex and saves it (-a DIR) in the corpus format for a regression run.
 *
 * Usage: fuzz_packets [-n RUNS] [-t SECONDS] [-s SEED] [-c CORPUS_DIR]
 *                     [-a ARTIFACT_DIR] [-w DIR (write the seeds, exit)] [-S] [-v]
 * -S: a malformed IPv4 frame from a container (version not 4, ihl < 5,
 * header or tot_len beyond the frame) that is forwarded, today counted and
 * noted, is a failure.
 * -v: each seed's outcome.
 * Needs root (a network namespace, BPF).
 *
 * Corpus format: "VXP1", program (0 from_container, 1 xdp_decap, 2 tc_decap,
 * 3 gro_sink, 4 nat_in), ifindex choice (0 c1h, 1 c2h, 2 c3h, 3 ul0), gso_segs, 0,
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
		if (eps[i].k.vni == vni && eps[i].k.ip.be32 == addr)
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
		if (node_vnis[i].node.be32 == a && node_vnis[i].vni == vni)
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

/* ---- NAT: the fixture's published ports and translations ------------------------ */

/* The NAT port range (cfg_nat_port_min..max). */
#define NAT_PORT_MIN 61001
#define NAT_PORT_MAX 61256

/* Published ports, as test_nat.c's add_service: 8080/tcp -> c1 10.0.1.2:80
 * (a backend here), 9090/tcp -> r1 10.0.1.4:80 (on 198.18.2.10), 7070/udp
 * without a backend. Every Maglev slot of a service holds its one backend,
 * so the backend of a new flow is known without the slot's hash.
 */
static const struct svc {
	__u8 proto;
	__u16 hostport;
	const char *ip, *node;
	__u16 port;
} svcs[] = {
	{ IPPROTO_TCP, 8080, "10.0.1.2", "198.18.0.1", 80 },
	{ IPPROTO_TCP, 9090, "10.0.1.4", "198.18.2.10", 80 },
	{ IPPROTO_UDP, 7070, NULL, NULL, 0 },
};
#define NSVCS (sizeof(svcs) / sizeof(svcs[0]))

static const struct svc *svc_find(__u8 proto, __u16 hostport)
{
	for (size_t i = 0; i < NSVCS; i++)
		if (svcs[i].proto == proto && svcs[i].hostport == hostport)
			return &svcs[i];
	return NULL;
}

/* Whether {vni, ip, proto, port} publishes a port (the published map). */
static int publishes(__u32 vni, __be32 a, __u8 proto, __u16 port)
{
	for (size_t i = 0; i < NSVCS; i++)
		if (svcs[i].ip && vni == VNI && ip(svcs[i].ip) == a && svcs[i].proto == proto &&
		    svcs[i].port == port)
			return 1;
	return 0;
}

/* c3h: a container 10.7.0.2 of network VNI 7, which has egress off. */
#define C3_MAC_ "\x02\x42\x0a\x07\x00\x02"
static int add_no_egress(void)
{
	struct vxnet_iface ifc = { .vni = 7, .ip.be32 = ip("10.7.0.2"), .gateway.be32 = ip("10.7.0.1"),
				   .mtu = 1450 };
	struct vxnet_network net = { .mtu = 1450, .flags = VXNET_NET_NO_EGRESS };
	struct vxnet_ep_key k = { .vni = 7, .ip = ifc.ip };
	struct vxnet_endpoint ep = { .flags = VXNET_EP_LOCAL, .ifindex = ifindexes[2],
				     .node.be32 = local_addr, .gateway = ifc.gateway };
	__u32 vni = 7;

	memcpy(ifc.mac, C3_MAC_, 6);
	memcpy(ep.mac, C3_MAC_, 6);
	return bpf_map__update_elem(skel->maps.ifaces, &ifindexes[2], 4, &ifc, sizeof(ifc), 0) ||
	       bpf_map__update_elem(skel->maps.networks, &vni, sizeof(vni), &net, sizeof(net), 0) ||
	       bpf_map__update_elem(skel->maps.endpoints, &k, sizeof(k), &ep, sizeof(ep), 0) ? -1 : 0;
}

static int add_services(void)
{
	for (size_t i = 0; i < NSVCS; i++) {
		const struct svc *s = &svcs[i];
		struct vxnet_service_key sk = { .proto = s->proto, .port = htons(s->hostport) };
		struct vxnet_service sv = { .backends = s->ip ? 1 : 0 };
		struct vxnet_backend b = { .vni = VNI, .ip.be32 = s->ip ? ip(s->ip) : 0,
					   .port = htons(s->port), .node.be32 = s->node ? ip(s->node) : 0 };
		struct vxnet_published_key pk = { .vni = VNI, .ip = b.ip, .proto = s->proto,
						  .port = htons(s->port) };
		struct vxnet_published pv = { .hostport = htons(s->hostport) };

		if (bpf_map__update_elem(skel->maps.services, &sk, sizeof(sk), &sv, sizeof(sv), 0))
			return -1;
		for (__u32 slot = 0; s->ip && slot < VXNET_SERVICE_SLOTS; slot++) {
			struct vxnet_backend_key bk = { .proto = s->proto, .port = sk.port, .slot = slot };

			if (bpf_map__update_elem(skel->maps.backends, &bk, sizeof(bk), &b, sizeof(b), 0))
				return -1;
		}
		if (s->ip &&
		    bpf_map__update_elem(skel->maps.published, &pk, sizeof(pk), &pv, sizeof(pv), 0))
			return -1;
	}
	return 0;
}

/* Translations every run starts with (written again before each, last
 * seen now), so that the answer seeds find theirs whatever earlier runs
 * did to the map:
 *   egress  c1 10.0.1.2:40000 -> 198.18.2.10:80/tcp as 198.18.0.1:61001,
 *           10.0.1.2:5353 -> 198.18.2.10:53/udp as 61002, ping id 0x4242
 *           to 198.18.2.10 as id 61003;
 *   published  client 198.18.2.50:5555 -> 8080 on c1 10.0.1.2:80,
 *           198.18.2.50:5556 -> 9090 on r1 10.0.1.4:80 (198.18.2.10);
 *   via     c1:80's client 198.18.2.50:6000 came through 198.18.2.10;
 *   broken  UDP from 198.18.2.10:99 to NAT ports 61004-61006 for 10.0.1.99
 *           (no endpoint), 10.0.1.1 (a gateway), 10.0.1.4 (remote).
 */
static struct nat_row {
	struct vxnet_nat_key k;
	struct vxnet_nat v;
} nat_rows[24];
static int nnat_rows;

static void nat_pair(__u8 proto, const char *inside, __u16 iport, const char *remote, __u16 rport,
		     __u16 port, __u16 flags, const char *node)
{
	struct nat_row *o = &nat_rows[nnat_rows++], *i = &nat_rows[nnat_rows++];

	o->k = (struct vxnet_nat_key){ .dir = VXNET_NAT_OUT, .proto = proto, .vni = VNI,
				       .addr.be32 = ip(inside), .remote.be32 = ip(remote),
				       .port = htons(iport), .rport = htons(rport) };
	o->v = (struct vxnet_nat){ .addr.be32 = local_addr, .port = htons(port), .flags = flags };
	i->k = (struct vxnet_nat_key){ .dir = VXNET_NAT_IN, .proto = proto, .addr.be32 = local_addr,
				       .remote.be32 = ip(remote), .port = htons(port),
				       .rport = htons(rport) };
	i->v = (struct vxnet_nat){ .vni = VNI, .addr.be32 = ip(inside), .port = htons(iport),
				   .flags = flags, .node.be32 = node ? ip(node) : 0 };
}

static void nat_fixture(void)
{
	struct nat_row *via;

	nat_pair(IPPROTO_TCP, "10.0.1.2", 40000, "198.18.2.10", 80, 61001, 0, NULL);
	nat_pair(IPPROTO_UDP, "10.0.1.2", 5353, "198.18.2.10", 53, 61002, 0, NULL);
	nat_pair(IPPROTO_ICMP, "10.0.1.2", 0x4242, "198.18.2.10", 0, 61003, 0, NULL);
	nat_pair(IPPROTO_TCP, "10.0.1.2", 80, "198.18.2.50", 5555, 8080, VXNET_NAT_F_PUBLISHED,
		 "198.18.0.1");
	nat_pair(IPPROTO_TCP, "10.0.1.4", 80, "198.18.2.50", 5556, 9090, VXNET_NAT_F_PUBLISHED,
		 "198.18.2.10");
	/* answers whose container is gone, a gateway, or remote (not published):
	 * NAT_FAILED
	 */
	nat_pair(IPPROTO_UDP, "10.0.1.99", 5353, "198.18.2.10", 99, 61004, 0, NULL);
	nat_pair(IPPROTO_UDP, "10.0.1.1", 5353, "198.18.2.10", 99, 61005, 0, NULL);
	nat_pair(IPPROTO_UDP, "10.0.1.4", 5353, "198.18.2.10", 99, 61006, 0, NULL);
	via = &nat_rows[nnat_rows++];
	via->k = (struct vxnet_nat_key){ .dir = VXNET_NAT_OUT, .proto = IPPROTO_TCP, .vni = VNI,
					 .addr.be32 = ip("10.0.1.2"), .remote.be32 = ip("198.18.2.50"),
					 .port = htons(80), .rport = htons(6000) };
	via->v = (struct vxnet_nat){ .flags = VXNET_NAT_F_VIA | VXNET_NAT_F_PUBLISHED,
				     .node.be32 = ip("198.18.2.10") };
}

static int nat_restore(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	for (int i = 0; i < nnat_rows; i++) {
		nat_rows[i].v.last_seen = t.tv_sec * 1000000000ull + t.tv_nsec;
		if (bpf_map__update_elem(skel->maps.nat, &nat_rows[i].k, sizeof(nat_rows[i].k),
					 &nat_rows[i].v, sizeof(nat_rows[i].v), 0))
			return -1;
	}
	return 0;
}

/* The nat map's entry at k into v: 1, or 0 when there is none. */
static int nat_get(const struct vxnet_nat_key *k, struct vxnet_nat *v)
{
	return !bpf_map__lookup_elem(skel->maps.nat, k, sizeof(*k), v, sizeof(*v), 0);
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
	int ndrop_ev, ntrace_ev; /* events the run wrote */
	struct vxnet_event drop_ev; /* the last drop event */
	int bad_ev;    /* an event's hook or cap_len is wrong */
	__u32 verdict;
	__u32 len;     /* of out */
	__u8 out[OUT_MAX];
	struct vxnet_counter dstat[VXNET_STAT__MAX], ddrop[VXNET_DROP__MAX]; /* moved by */
};

static struct counters last; /* after the previous run: nothing else moves them */
static struct ring_buffer *events; /* the monitor's ring, read after every run */
static struct result *ev_result;   /* the run its events belong to */

static enum prog ev_prog;
static __u32 ev_ifindex;

/* The hook drop.h's tc_hook() names for a tc program on ev_ifindex (ul0 is
 * the underlay, the host map says tc decap), XDP's, gro_sink's drops'.
 */
static __u8 expected_hook(const struct vxnet_event *e)
{
	if (ev_prog == XDP_DECAP)
		return VXNET_HOOK_XDP_DECAP;
	if (e->type == VXNET_EV_DROP && e->code == VXNET_DROP_KERNEL_TUNNEL)
		return VXNET_HOOK_GRO_SINK;
	if (ev_ifindex == ifindexes[3])
		return VXNET_HOOK_TC_DECAP;
	return ev_ifindex == 1 ? VXNET_HOOK_NAT_IN : VXNET_HOOK_FROM_CONTAINER;
}

static int on_event(void *ctx, void *data, size_t size)
{
	const struct vxnet_event *e = data;
	struct result *r = ev_result;

	(void)ctx;
	if (size < sizeof(*e) || e->cap_len > VXNET_EVENT_CAP || e->cap_len > e->len ||
	    e->hook != expected_hook(e))
		r->bad_ev = 1;
	if (e->type == VXNET_EV_DROP) {
		r->ndrop_ev++;
		r->drop_ev = *e;
	} else {
		r->ntrace_ev++;
	}
	return 0;
}

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
	r->err = bpf_prog_test_run_opts(prog_fd(skel, in->prog), &opts) ? -errno : 0;
	r->verdict = opts.retval;
	r->len = opts.data_size_out;
	r->ndrop_ev = r->ntrace_ev = r->bad_ev = 0;
	ev_result = r;
	ev_prog = in->prog;
	ev_ifindex = ctx.ifindex;
	if (ring_buffer__consume(events) < 0)
		return -1;
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

/* ---- NAT: the flow of a frame, the map before the run, the translations ---------- */

#define U_ICMP_ECHOREPLY 0
#define U_ICMP_ECHO 8

/* A packet's flow as nat_parse() (bpf/lib/nat.h) sees it; offsets from the
 * IPv4 header, ports in host order (ICMP echo: the id and 0).
 */
struct uflow {
	__u8 proto;
	__u16 sport, dport;
	__u32 port_off, csum_off, hlen; /* hlen: the L4 header bytes it needs */
};

static int uparse(const __u8 *ip, __u32 avail, struct uflow *f, __u8 echo_type)
{
	__u32 ihl;

	if (avail < 20)
		return -1;
	ihl = (ip[0] & 0xf) * 4;
	if (ihl < 20 || (get16(ip + 6) & 0x3fff))
		return -1;
	*f = (struct uflow){ .proto = ip[9], .port_off = ihl };
	switch (ip[9]) {
	case IPPROTO_TCP: f->hlen = 20; f->csum_off = ihl + 16; break;
	case IPPROTO_UDP: f->hlen = 8; f->csum_off = ihl + 6; break;
	case IPPROTO_ICMP: f->hlen = 8; f->csum_off = ihl + 2; f->port_off = ihl + 4; break;
	default: return -1;
	}
	if (ihl + f->hlen > avail)
		return -1;
	if (ip[9] == IPPROTO_ICMP) {
		if (ip[ihl] != echo_type || ip[ihl + 1])
			return -1;
		f->sport = get16(ip + ihl + 4);
		return 0;
	}
	f->sport = get16(ip + ihl);
	f->dport = get16(ip + ihl + 2);
	return 0;
}

/* The outer headers of a VXLAN frame to us (IPv4, UDP to the VXLAN port,
 * not a fragment, the inner Ethernet header present): their length, or 0.
 */
static __u32 vxlan_outer(const __u8 *b, __u32 len)
{
	__u32 ihl;

	if (len < ETH_HLEN + 20 || get16(b + 12) != ETH_P_IP || (b[14] >> 4) != 4 ||
	    (b[14] & 0xf) < 5 || b[23] != IPPROTO_UDP || (get16(b + 20) & 0x3fff))
		return 0;
	ihl = (b[14] & 0xf) * 4;
	if (len < ETH_HLEN + ihl + 16 + ETH_HLEN || get16(b + 14 + ihl + 2) != PORT)
		return 0;
	return ETH_HLEN + ihl + 16;
}

/* A marked (published-port) VXLAN frame: its outer length, or 0. */
static __u32 vxlan_marked(const __u8 *b, __u32 len)
{
	__u32 outer = vxlan_outer(b, len);

	return outer && (b[outer - 8] & (0x08 | VXNET_VXLAN_F_PUBLISHED)) ==
				(0x08 | VXNET_VXLAN_F_PUBLISHED) ? outer : 0;
}

static __u32 vxlan_vni_of(const __u8 *b, __u32 outer)
{
	return b[outer - 4] << 16 | b[outer - 3] << 8 | b[outer - 2];
}

/* What the nat map held for the run's flow before it ran. */
enum { SNAP_NONE, SNAP_OUT, SNAP_IN };

struct snap {
	int kind;  /* SNAP_OUT: k is the OUT key of a container's frame, or of
		    * a marked answer's inner one; SNAP_IN: the IN key of an
		    * answer to this host or of the packet an ICMP error quotes */
	int error; /* SNAP_IN: from an ICMP error's quote */
	struct vxnet_nat_key k;
	int found;
	struct vxnet_nat v;
	__u8 tcp_flags; /* of the frame whose flow k is (TCP) */
};

/* The flags nat_touch() leaves on an entry with flags for a packet of the
 * flow (TCP: FIN or RST closing, else SYN reopening), set added.
 */
static __u16 touched(__u16 flags, const struct snap *s, __u16 set)
{
	flags |= set;
	if (s->k.proto == IPPROTO_TCP) {
		if (s->tcp_flags & 0x05) /* FIN, RST */
			flags |= VXNET_NAT_F_CLOSING;
		else if (s->tcp_flags & 0x02) /* SYN */
			flags &= ~VXNET_NAT_F_CLOSING;
	}
	return flags;
}

/* The IN key of the packet quoted by the ICMP error at ip (ihl, avail
 * bytes), as nat_in_icmp_error() reads it: 0, or -1 when it is not about
 * a packet this host sent.
 */
static int quote_key(const __u8 *ip, __u32 ihl, __u32 avail, struct vxnet_nat_key *k)
{
	const __u8 *q = ip + ihl + 8;

	if (ihl + 8 + 28 > avail || (q[0] & 0xf) != 5 || get_addr(q + 12) != local_addr)
		return -1;
	*k = (struct vxnet_nat_key){ .dir = VXNET_NAT_IN, .proto = q[9], .addr.be32 = local_addr,
				     .remote.be32 = get_addr(q + 16) };
	if (q[9] == IPPROTO_ICMP) {
		if (q[20] != U_ICMP_ECHO)
			return -1;
		memcpy(&k->port, q + 24, 2);
	} else if (q[9] == IPPROTO_TCP || q[9] == IPPROTO_UDP) {
		memcpy(&k->port, q + 20, 2);
		memcpy(&k->rport, q + 22, 2);
	} else {
		return -1;
	}
	return 0;
}

static void take_snap(const struct input *in, struct snap *s)
{
	const __u8 *b = in->b, *ip = b + ETH_HLEN;
	const struct vxnet_iface *ifc;
	struct uflow f;
	__u32 outer, ihl;

	*s = (struct snap){ .kind = SNAP_NONE };
	if (in->prog == FROM_CONTAINER) {
		ifc = ifc_find(ifindexes[in->ifsel & 3]);
		if (!ifc || in->len < ETH_HLEN + 20 || get16(b + 12) != ETH_P_IP ||
		    uparse(ip, in->len - ETH_HLEN, &f, U_ICMP_ECHO))
			return;
		s->kind = SNAP_OUT;
		s->tcp_flags = f.proto == IPPROTO_TCP ? ip[f.port_off + 13] : 0;
		s->k = (struct vxnet_nat_key){ .dir = VXNET_NAT_OUT, .proto = f.proto, .vni = ifc->vni,
					       .addr.be32 = get_addr(ip + 12), .remote.be32 = get_addr(ip + 16),
					       .port = htons(f.sport), .rport = htons(f.dport) };
	} else if (in->prog == TC_DECAP || in->prog == NAT_IN) {
		outer = vxlan_marked(b, in->len);
		if (outer) {
			const __u8 *iip = b + outer + ETH_HLEN;

			if (get16(b + outer + 12) != ETH_P_IP ||
			    uparse(iip, in->len - outer - ETH_HLEN, &f, U_ICMP_ECHO))
				return;
			s->kind = SNAP_OUT;
			s->tcp_flags = f.proto == IPPROTO_TCP ? iip[f.port_off + 13] : 0;
			s->k = (struct vxnet_nat_key){ .dir = VXNET_NAT_OUT, .proto = f.proto,
						       .vni = vxlan_vni_of(b, outer),
						       .addr.be32 = get_addr(iip + 12),
						       .remote.be32 = get_addr(iip + 16),
						       .port = htons(f.sport), .rport = htons(f.dport) };
		} else {
			if (in->len < ETH_HLEN + 20 || get16(b + 12) != ETH_P_IP ||
			    get_addr(ip + 16) != local_addr)
				return;
			ihl = (ip[0] & 0xf) * 4;
			if (ip[9] == IPPROTO_ICMP && ihl >= 20 && in->len >= ETH_HLEN + ihl + 8 &&
			    (ip[ihl] == 3 || ip[ihl] == 11)) {
				if (quote_key(ip, ihl, in->len - ETH_HLEN, &s->k))
					return;
				s->error = 1;
			} else {
				if (uparse(ip, in->len - ETH_HLEN, &f, U_ICMP_ECHOREPLY))
					return;
				s->tcp_flags = f.proto == IPPROTO_TCP ? ip[f.port_off + 13] : 0;
				s->k = (struct vxnet_nat_key){ .dir = VXNET_NAT_IN, .proto = f.proto,
							       .addr.be32 = local_addr,
							       .remote.be32 = get_addr(ip + 12) };
				if (f.proto == IPPROTO_ICMP) {
					s->k.port = htons(f.sport);
				} else {
					s->k.port = htons(f.dport);
					s->k.rport = htons(f.sport);
				}
			}
			s->kind = SNAP_IN;
		}
	}
	if (s->kind != SNAP_NONE)
		s->found = nat_get(&s->k, &s->v);
}

/* Ones' complement sum folded to 16 bits, not inverted; 0xffff (-0) as 0. */
static __u16 ocsum(__u32 sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return sum == 0xffff ? 0 : sum;
}

/* Whether checksum c2 over the fields n is c1 over the fields o updated
 * (RFC 1624): ~c1 + n == ~c2 + o in ones' complement.
 */
static int csum_follows(__u16 c1, __u16 c2, const __u16 *o, const __u16 *n, int k)
{
	__u32 a = (__u16)~c1, b = (__u16)~c2;

	for (int i = 0; i < k; i++) {
		a += n[i];
		b += o[i];
	}
	return ocsum(a) == ocsum(b);
}

/* The L4 checksum of the IPv4 packet at ip (avail bytes of frame): 1 valid,
 * 0 invalid, 2 none (UDP 0). Over tot_len's L4 length when it covers the
 * header and lies in the frame, else over the rest of the frame: either way
 * an incremental update keeps it as it was.
 */
static int l4_csum_state(const __u8 *ip, __u32 avail, const struct uflow *f)
{
	__u32 ihl = (ip[0] & 0xf) * 4, tot = get16(ip + 2), len, sum = 0;

	len = tot >= ihl + f->hlen && tot <= avail ? tot - ihl : avail - ihl;
	if (f->proto == IPPROTO_UDP && !get16(ip + f->csum_off))
		return 2;
	if (f->proto != IPPROTO_ICMP)
		sum = csum_add(0, ip + 12, 8) + f->proto + len;
	return csum_fold(csum_add(sum, ip + ihl, len)) == 0;
}

static const char *const csum_states[] = { "invalid", "valid", "none" };


/* The IPv4 header of out is in's with TTL - 1, the address at addr_off
 * (12: source, 16: destination) a, its checksum valid exactly when in's
 * was; every other byte the same.
 */
static int check_ip_translated(const __u8 *ip, const __u8 *oip, __u32 addr_off, __be32 a,
			       const char *what)
{
	__u32 ihl = (ip[0] & 0xf) * 4;

	for (__u32 i = 0; i < ihl; i++)
		if (i != 8 && i != 10 && i != 11 && (i < addr_off || i >= addr_off + 4) &&
		    oip[i] != ip[i])
			return bad("%s: IPv4 header byte %u changed", what, i);
	if (get_addr(oip + addr_off) != a)
		return bad("%s: IPv4 %s %s, want %s", what, addr_off == 12 ? "source" : "destination",
			   addr_str(get_addr(oip + addr_off)), addr_str(a));
	if (ip[8] <= 1 || oip[8] != (__u8)(ip[8] - 1))
		return bad("%s: TTL %u from %u", what, oip[8], ip[8]);
	if (!sum16(oip, ihl) != !sum16(ip, ihl))
		return bad("%s: IPv4 header checksum %s, the input's %s", what,
			   sum16(oip, ihl) ? "invalid" : "valid", sum16(ip, ihl) ? "invalid" : "valid");
	if (sum16(ip, ihl))
		return bad("%s: IPv4 header checksum invalid (as the input's)", what);
	return 0;
}

/* The L4 part of out is in's but for the port (or echo id) at port_off,
 * now port, and the checksum, valid exactly when in's was.
 */
static int check_l4_translated(const __u8 *ip, const __u8 *oip, __u32 avail,
			       const struct uflow *f, __u32 port_off, __u16 port, const char *what)
{
	__u32 ihl = (ip[0] & 0xf) * 4;
	int was, is;

	if (get16(oip + port_off) != port)
		return bad("%s: port %u, want %u", what, get16(oip + port_off), port);
	for (__u32 i = ihl; i < avail; i++)
		if ((i < port_off || i >= port_off + 2) && (i < f->csum_off || i >= f->csum_off + 2) &&
		    oip[i] != ip[i])
			return bad("%s: byte %u of the packet changed", what, ETH_HLEN + i);
	was = l4_csum_state(ip, avail, f);
	is = l4_csum_state(oip, avail, f);
	if (was != is)
		return bad("%s: L4 checksum %s, the input's %s", what, csum_states[is], csum_states[was]);
	return 0;
}

/* o (olen bytes) is the frame in (len bytes) translated out of this host as
 * a router that masquerades sends it: from this host's address and port
 * (or echo id) port, TTL - 1, destination unchanged; MACs: redirected, from
 * ul0's to the next hop's (198.18.0.2 for 198.18.2.0/24; elsewhere on ul0's
 * link there is no neighbour: zeros from, the frame's to, both filled by
 * bpf_redirect_neigh); up the host's stack (ok), the frame's. The frame's
 * MACs (macs): the input's; a decapsulated one's, the outer ones (what
 * bpf_skb_adjust_room leaves: for the host, from the next hop to ul0).
 */
static int check_out_translated(const __u8 *in, __u32 len, const __u8 *macs, const __u8 *o,
				__u32 olen, int ok, __u16 port, const char *what)
{
	const __u8 *ip = in + ETH_HLEN, *oip = o + ETH_HLEN;
	struct uflow f;
	__be32 daddr;
	int via_gw;

	if (olen != len)
		return bad("%s: %u bytes out of %u", what, olen, len);
	if (len < ETH_HLEN + 20 || get16(in + 12) != ETH_P_IP ||
	    uparse(ip, len - ETH_HLEN, &f, U_ICMP_ECHO))
		return bad("%s: translated a frame that is no TCP, UDP or echo request", what);
	daddr = get_addr(ip + 16);
	via_gw = (ntohl(daddr) & 0xffffff00) == 0xc6120200 || daddr == htonl(0xc6120002) /* 198.18.0.2 */;
	if (ok ? memcmp(o, macs, 12) :
	    via_gw ? memcmp(o + 6, UL_MAC, 6) || memcmp(o, GW_MAC, 6) :
		     memcmp(o + 6, ZERO_MAC, 6) || memcmp(o, macs, 6))
		return bad("%s: MACs not %s", what, ok ? "the input's (up the stack)" :
			   via_gw ? "ul0's to the next hop's" : "left for bpf_redirect_neigh");
	if (get16(o + 12) != ETH_P_IP)
		return bad("%s: ethertype changed", what);
	if (check_ip_translated(ip, oip, 12, local_addr, what))
		return -1;
	return check_l4_translated(ip, oip, len - ETH_HLEN, &f, f.port_off, port, what);
}

/* o is the answer in translated to the container at t (an IN entry), as a
 * router delivers it: from ep's gateway's MAC to ep's, TTL - 1, destination
 * t's address, destination port (echo id) t's; for an ICMP error the
 * quote's source, port, IPv4 checksum and its UDP or ICMP checksum
 * instead (those following the change), the ICMP checksum valid exactly
 * when the input's was.
 */
static int check_in_translated(const __u8 *in, __u32 len, const __u8 *o, __u32 olen,
			       const struct vxnet_nat *t, const struct vxnet_endpoint *ep, int error,
			       const char *what)
{
	const __u8 *ip = in + ETH_HLEN, *oip = o + ETH_HLEN, *q, *oq;
	__u32 ihl = (ip[0] & 0xf) * 4, avail = len - ETH_HLEN;
	__u16 port = ntohs(t->port);
	struct uflow f;
	__u8 mac[6];

	if (olen != len)
		return bad("%s: %u bytes out of %u", what, olen, len);
	gw_mac(mac, ep->gateway.be32);
	if (memcmp(o, ep->mac, 6) || memcmp(o + 6, mac, 6) || get16(o + 12) != get16(in + 12))
		return bad("%s: not from the gateway's MAC to the endpoint's", what);
	if (check_ip_translated(ip, oip, 16, t->addr.be32, what))
		return -1;
	if (!error) {
		if (uparse(ip, avail, &f, U_ICMP_ECHOREPLY))
			return bad("%s: translated a frame that is no TCP, UDP or echo reply", what);
		return check_l4_translated(ip, oip, avail, &f,
					   f.proto == IPPROTO_ICMP ? f.port_off : f.port_off + 2, port, what);
	}
	/* An ICMP error: the message's header, then the quote (20 + 8 bytes). */
	q = ip + ihl + 8;
	oq = oip + ihl + 8;
	f = (struct uflow){ .proto = IPPROTO_ICMP, .hlen = 8, .csum_off = ihl + 2 };
	if (memcmp(oip + ihl, ip + ihl, 2) || memcmp(oip + ihl + 4, ip + ihl + 4, 4))
		return bad("%s: ICMP type, code or rest changed", what);
	if (l4_csum_state(ip, avail, &f) != l4_csum_state(oip, avail, &f))
		return bad("%s: ICMP checksum %s, the input's %s", what,
			   csum_states[l4_csum_state(oip, avail, &f)], csum_states[l4_csum_state(ip, avail, &f)]);
	if (get_addr(oq + 12) != t->addr.be32)
		return bad("%s: quoted source %s, want %s", what, addr_str(get_addr(oq + 12)),
			   addr_str(t->addr.be32));
	if (!sum16(oq, 20) != !sum16(q, 20))
		return bad("%s: quoted IPv4 checksum validity changed", what);
	{
		__u32 port_off = q[9] == IPPROTO_ICMP ? 24 : 20;
		__u32 c_off = q[9] == IPPROTO_ICMP ? 22 : q[9] == IPPROTO_UDP ? 26 : 0;
		__u16 o16[3] = { get16(q + 12), get16(q + 14), get16(q + port_off) };
		__u16 n16[3] = { get16(oq + 12), get16(oq + 14), get16(oq + port_off) };

		if (get16(oq + port_off) != port)
			return bad("%s: quoted port %u, want %u", what, get16(oq + port_off), port);
		for (__u32 i = ihl + 8; i < avail; i++) {
			__u32 qi = i - ihl - 8;

			if ((qi >= 10 && qi < 16) || qi == port_off || qi == port_off + 1 ||
			    (c_off && (qi == c_off || qi == c_off + 1)))
				continue;
			if (oip[i] != ip[i])
				return bad("%s: byte %u of the ICMP error changed", what, ETH_HLEN + i);
		}
		if (q[9] == IPPROTO_UDP && !get16(q + 26) && get16(oq + 26))
			return bad("%s: the quote's UDP checksum 0 became 0x%04x", what, get16(oq + 26));
		if (q[9] == IPPROTO_UDP && get16(q + 26) &&
		    !csum_follows(get16(q + 26), get16(oq + 26), o16, n16, 3))
			return bad("%s: the quote's UDP checksum does not follow its address and port", what);
		if (q[9] == IPPROTO_ICMP &&
		    !csum_follows(get16(q + 22), get16(oq + 22), o16 + 2, n16 + 2, 1))
			return bad("%s: the quote's ICMP checksum does not follow its id", what);
	}
	return 0;
}

/* XDP passes a marked answer from a backend's node to tc without a
 * counter: a marked VXLAN frame to us from a known node, TCP or UDP from
 * an endpoint of that node to no local endpoint.
 */
static int xdp_marked_pass(const struct input *in)
{
	__u32 outer = vxlan_marked(in->b, in->len), vni;
	const struct vxnet_endpoint *src, *dst;
	const __u8 *iip;
	__be32 node;

	if (!outer || in->len < outer + ETH_HLEN + 24 || get_addr(in->b + 30) != local_addr)
		return 0;
	node = get_addr(in->b + 26);
	vni = vxlan_vni_of(in->b, outer);
	iip = in->b + outer + ETH_HLEN;
	if (get16(in->b + outer + 12) != ETH_P_IP || (iip[0] >> 4) != 4 || (iip[0] & 0xf) < 5 ||
	    (iip[9] != IPPROTO_TCP && iip[9] != IPPROTO_UDP) || (get16(iip + 6) & 0x3fff))
		return 0;
	src = ep_find(vni, get_addr(iip + 12));
	dst = ep_find(vni, get_addr(iip + 16));
	return node_known(node) && src && src->node.be32 == node &&
	       !(src->flags & (VXNET_EP_LOCAL | VXNET_EP_GATEWAY)) && !(dst && (dst->flags & VXNET_EP_LOCAL));
}

/* What a run did, told by the verdict and the outcome counters that moved. */
enum outcome { O_DROP, O_PASS, O_LOCAL, O_ENCAP, O_DECAP, O_ARP, O_ICMP, O_ECHO, O_EGRESS,
	       O_PUB_OUT, O_VIA, O_IN, O_IN_ENCAP, O_N };
static const char *const outcome_names[] = { "drop", "pass", "local", "encap", "decap", "arp",
					     "icmp", "echo", "egress", "published-out", "via",
					     "answer", "answer-encap" };

/* The outcomes each program has. */
#define OB(o) (1u << (o))
static const __u32 prog_outcomes[NPROGS] = {
	[FROM_CONTAINER] = OB(O_DROP) | OB(O_LOCAL) | OB(O_ENCAP) | OB(O_ARP) | OB(O_ICMP) |
			   OB(O_ECHO) | OB(O_EGRESS) | OB(O_PUB_OUT) | OB(O_VIA),
	[XDP_DECAP] = OB(O_DROP) | OB(O_PASS) | OB(O_DECAP),
	[TC_DECAP] = OB(O_DROP) | OB(O_PASS) | OB(O_DECAP) | OB(O_IN) | OB(O_IN_ENCAP) | OB(O_PUB_OUT),
	[GRO_SINK] = OB(O_DROP),
	[NAT_IN] = OB(O_DROP) | OB(O_PASS) | OB(O_IN) | OB(O_IN_ENCAP) | OB(O_PUB_OUT),
};

/* Counters that are not an outcome: every frame, GRO aggregates of DECAP,
 * new translations.
 */
static int stat_aux(int i)
{
	return i == VXNET_STAT_FROM_CONTAINER || i == VXNET_STAT_DECAP_GRO ||
	       i == VXNET_STAT_NAT_NEW || i == VXNET_STAT_PUBLISHED_NEW;
}

#define SB(s) (1u << VXNET_STAT_##s)

/* The outcome the moved counters say (the answer's own counter in *stat),
 * -1 for none moved, -2 for no outcome's set.
 */
static int stats_outcome(const struct result *r, __u32 *mask, int *stat)
{
	*mask = 0;
	*stat = -1;
	for (int i = 0; i < VXNET_STAT__MAX; i++) {
		if (stat_aux(i) || !r->dstat[i].packets)
			continue;
		if (r->dstat[i].packets > 1)
			return -2;
		*mask |= 1u << i;
	}
	switch (*mask) {
	case 0: return -1;
	case SB(PASS): return O_PASS;
	case SB(LOCAL): return O_LOCAL;
	case SB(ENCAP): return O_ENCAP;
	case SB(DECAP): return O_DECAP;
	case SB(ARP_REPLY): return O_ARP;
	case SB(ICMP_FRAG_NEEDED): return O_ICMP;
	case SB(GW_ECHO): return O_ECHO;
	case SB(EGRESS): return O_EGRESS;
	case SB(PUBLISHED_REPLY): return O_PUB_OUT;
	case SB(PUBLISHED_REPLY) | SB(ENCAP): return O_VIA;
	case SB(EGRESS_REPLY): *stat = VXNET_STAT_EGRESS_REPLY; return O_IN;
	case SB(PUBLISHED): *stat = VXNET_STAT_PUBLISHED; return O_IN;
	case SB(NAT_ICMP_ERROR): *stat = VXNET_STAT_NAT_ICMP_ERROR; return O_IN;
	case SB(PUBLISHED) | SB(ENCAP): *stat = VXNET_STAT_PUBLISHED; return O_IN_ENCAP;
	case SB(NAT_ICMP_ERROR) | SB(ENCAP): *stat = VXNET_STAT_NAT_ICMP_ERROR; return O_IN_ENCAP;
	}
	return -2;
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

/* The outcome of the run from verdict and counters, their bytes as
 * test_datapath expects them; -1 with why set.
 */
static int run_outcome(const struct input *in, const struct result *r, int *stat)
{
	int reason = -1, o, kind;
	__u64 drops = drops_moved(r, &reason);
	__u64 fc = r->dstat[VXNET_STAT_FROM_CONTAINER].packets;
	__u32 mask, l4_drop_len = in->len;

	if (fc != (in->prog == FROM_CONTAINER) ||
	    r->dstat[VXNET_STAT_FROM_CONTAINER].bytes != fc * in->len)
		return bad("FROM_CONTAINER moved by %llu packets", (unsigned long long)fc);
	if (in->prog == XDP_DECAP)
		kind = r->verdict == XDP_DROP ? O_DROP : r->verdict == XDP_PASS ? O_PASS :
		       r->verdict == XDP_REDIRECT ? O_N : -1;
	else
		kind = r->verdict == TC_ACT_SHOT ? O_DROP : r->verdict == TC_ACT_OK ? O_PASS :
		       r->verdict == TC_ACT_REDIRECT ? O_N : -1;
	if (kind < 0 || (in->prog == GRO_SINK && kind != O_DROP))
		return bad("verdict %u is not one of %s's", r->verdict, prog_names[in->prog]);
	o = stats_outcome(r, &mask, stat);
	if (o == -2)
		return bad("the outcome counters moved are no outcome's (mask 0x%x)", mask);
	if (kind == O_DROP) {
		if (o >= 0)
			return bad("a drop moved outcome counters (0x%x, reason %d)", mask, reason);
		o = O_DROP;
	} else if (o == -1) {
		/* nothing counted: vxnet_nat_in's pass, XDP's marked answer */
		if (kind != O_PASS || !(in->prog == NAT_IN || (in->prog == XDP_DECAP && xdp_marked_pass(in))))
			return bad("verdict %u and no outcome counter", r->verdict);
		o = O_PASS;
	} else if (kind == O_PASS ? o != O_PASS && o != O_EGRESS && o != O_PUB_OUT : o == O_PASS) {
		return bad("verdict %u with outcome %s", r->verdict, outcome_names[o]);
	} else if (o == O_PASS && in->prog == NAT_IN) {
		return bad("nat_in counted a pass");
	}
	if (!(prog_outcomes[in->prog] & OB(o)))
		return bad("%s had outcome %s", prog_names[in->prog], outcome_names[o]);

	for (int i = 0; i < VXNET_STAT__MAX; i++) {
		__u64 bytes;

		if (stat_aux(i) || !r->dstat[i].packets)
			continue;
		/* what was delivered: the decapsulated frame, the ICMP error */
		bytes = i == VXNET_STAT_DECAP || i == VXNET_STAT_ICMP_FRAG_NEEDED ||
			(i == VXNET_STAT_PUBLISHED_REPLY && in->prog != FROM_CONTAINER && o != O_DROP) ?
			r->len : in->len;
		if (o == O_DROP && i == VXNET_STAT_PUBLISHED_REPLY && in->prog != FROM_CONTAINER)
			continue;
		if (r->dstat[i].bytes != bytes)
			return bad("stats[%d] moved by %llu bytes, want %llu (%s)", i,
				   (unsigned long long)r->dstat[i].bytes, (unsigned long long)bytes,
				   outcome_names[o]);
	}
	if (r->dstat[VXNET_STAT_DECAP_GRO].packets !=
	    (o == O_DECAP && in->prog == TC_DECAP && in->gso_segs > 1) ||
	    r->dstat[VXNET_STAT_DECAP_GRO].bytes != r->dstat[VXNET_STAT_DECAP_GRO].packets * r->len)
		return bad("DECAP_GRO moved by %llu", (unsigned long long)r->dstat[VXNET_STAT_DECAP_GRO].packets);
	if (drops != (o == O_DROP || o == O_ICMP))
		return bad("drops moved by %llu packets for one %s frame", (unsigned long long)drops,
			   o == O_DROP ? "dropped" : "delivered");
	if (o == O_ICMP && reason != VXNET_DROP_FRAG_NEEDED)
		return bad("ICMP frag needed sent, drop reason %d, want FRAG_NEEDED", reason);
	/* published_reply() drops after decapsulating: the inner frame's length */
	if ((in->prog == TC_DECAP || in->prog == NAT_IN) && vxlan_marked(in->b, in->len))
		l4_drop_len = in->len - vxlan_marked(in->b, in->len);
	if (drops && reason != VXNET_DROP_ENCAP && reason != VXNET_DROP_DECAP &&
	    r->ddrop[reason].bytes != in->len && r->ddrop[reason].bytes != l4_drop_len)
		return bad("drops[%d] moved by %llu bytes for a %u-byte frame", reason,
			   (unsigned long long)r->ddrop[reason].bytes, in->len);
	if (in->prog == GRO_SINK && reason != VXNET_DROP_KERNEL_TUNNEL)
		return bad("gro_sink dropped for reason %d", reason);
	if (r->bad_ev)
		return bad("an event with another program's hook or a wrong cap_len");
	if ((__u64)r->ndrop_ev != drops)
		return bad("%d drop events for %llu drops", r->ndrop_ev, (unsigned long long)drops);
	if (drops && (r->drop_ev.code != reason || r->drop_ev.len != r->ddrop[reason].bytes))
		return bad("drop event reason %u len %u, counted reason %d len %llu", r->drop_ev.code,
			   r->drop_ev.len, reason, (unsigned long long)r->ddrop[reason].bytes);
	if (r->ntrace_ev != (o != O_DROP && o != O_PASS))
		return bad("%d trace events for outcome %s", r->ntrace_ev, outcome_names[o]);
	if (in->prog == FROM_CONTAINER && !ifc_find(ifindexes[in->ifsel & 3]) &&
	    reason != VXNET_DROP_UNKNOWN_IFACE)
		return bad("from an unregistered veth: outcome %d, drop reason %d", o, reason);
	return o;
}

/* The container frame came from the veth's own MAC and IPv4 address. */
static int check_sender(const struct input *in, const struct vxnet_iface *ifc)
{
	__u16 proto = get16(in->b + 12);

	if (memcmp(in->b + 6, ifc->mac, 6))
		return bad("a frame from a foreign source MAC left the veth");
	if (proto == ETH_P_IP && (in->len < ETH_HLEN + 20 || get_addr(in->b + 26) != ifc->ip.be32))
		return bad("IPv4 from a foreign source address %s left the veth",
			   in->len >= 30 ? addr_str(get_addr(in->b + 26)) : "(cut)");
	if (proto == ETH_P_ARP && (in->len < ETH_HLEN + 28 || memcmp(in->b + 22, ifc->mac, 6) ||
				   get_addr(in->b + 28) != ifc->ip.be32))
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
static int frame_ipv4_well_formed(const __u8 *b, __u32 len)
{
	const __u8 *ip = b + ETH_HLEN;
	__u32 ihl = (ip[0] & 0xf) * 4;

	return (ip[0] >> 4) == 4 && ihl >= 20 && ETH_HLEN + ihl <= len &&
	       get16(ip + 2) >= ihl && ETH_HLEN + get16(ip + 2) <= len;
}

static int ipv4_well_formed(const struct input *in)
{
	return frame_ipv4_well_formed(in->b, in->len);
}

/* Answers and published answers are never translated with an IPv4
 * header ip_rcv() would refuse (version, ihl, total length).
 */

static int check_translated_well_formed(const __u8 *b, __u32 len, const char *what)
{
	if (frame_ipv4_well_formed(b, len))
		return 0;
	return bad("%s: a malformed IPv4 packet was translated", what);
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

	gw_mac(mac, ep->gateway.be32);
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
	if (get_addr(o + 30) != ep->node.be32 || !node_known(ep->node.be32))
		return bad("encap: to %s, the endpoint's node is %s", addr_str(get_addr(o + 30)),
			   addr_str(ep->node.be32));
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
	    get_addr(o + 38) != ifc->ip.be32)
		return bad("arp: the reply is not from %s's MAC to the requester",
			   addr_str(get_addr(in->b + 38)));
	return 0;
}

static int check_icmp(const struct input *in, const struct result *r, const struct vxnet_iface *ifc)
{
	const __u8 *o = r->out;
	__u32 ihl = (in->b[ETH_HLEN] & 0xf) * 4, quote = ihl + 8;
	__u8 mac[6];

	gw_mac(mac, ifc->gateway.be32);
	if (r->len != ETH_HLEN + 20 + 8 + quote || memcmp(o, ifc->mac, 6) || memcmp(o + 6, mac, 6))
		return bad("icmp: %u bytes, or not from the gateway's MAC to the sender", r->len);
	if (check_ipv4_header(o + 14, r->len - 14, "icmp"))
		return -1;
	if (o[23] != IPPROTO_ICMP || get_addr(o + 26) != ifc->gateway.be32 || get_addr(o + 30) != ifc->ip.be32)
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
	if (get_addr(o + 26) != get_addr(b + 30) || get_addr(o + 30) != ifc->ip.be32 || o[22] != 64)
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

/* A marked frame (a client's packet to a published port, forwarded by the
 * node it reached) decapsulated: from a known node, TCP or UDP to a local
 * endpoint that publishes that port (any source: the client's); the flow's
 * OUT entry after the run sends the answers back through that node.
 */
static int check_decap_marked(const struct input *in, const struct result *r, __u32 outer,
			      __be32 node, __u32 vni)
{
	const __u8 *iip = in->b + outer + ETH_HLEN;
	const struct vxnet_endpoint *dst;
	struct vxnet_nat_key k;
	struct vxnet_nat v;
	__u32 ihl;

	if (!node_known(node))
		return bad("decap of a marked frame from %s, not a node", addr_str(node));
	if (get16(in->b + outer + 12) != ETH_P_IP || (iip[0] >> 4) != 4 || (iip[0] & 0xf) < 5 ||
	    (iip[9] != IPPROTO_TCP && iip[9] != IPPROTO_UDP) || (get16(iip + 6) & 0x3fff))
		return bad("decap of a marked frame that is no unfragmented TCP or UDP");
	ihl = (iip[0] & 0xf) * 4;
	if (in->len < outer + ETH_HLEN + ihl + 4)
		return bad("decap of a marked frame without its ports");
	dst = ep_find(vni, get_addr(iip + 16));
	if (!dst || !(dst->flags & VXNET_EP_LOCAL) || !ifindex_known(dst->ifindex))
		return bad("decap of a marked frame to %s, no local endpoint of VNI %u",
			   addr_str(get_addr(iip + 16)), vni);
	if (!publishes(vni, get_addr(iip + 16), iip[9], get16(iip + ihl + 2)))
		return bad("decap of a marked frame to %s port %u, not published",
			   addr_str(get_addr(iip + 16)), get16(iip + ihl + 2));
	k = (struct vxnet_nat_key){ .dir = VXNET_NAT_OUT, .proto = iip[9], .vni = vni,
				    .addr.be32 = get_addr(iip + 16), .remote.be32 = get_addr(iip + 12) };
	memcpy(&k.port, iip + ihl + 2, 2);
	memcpy(&k.rport, iip + ihl, 2);
	if (!nat_get(&k, &v) || v.node.be32 != node ||
	    (v.flags & (VXNET_NAT_F_VIA | VXNET_NAT_F_PUBLISHED)) != (VXNET_NAT_F_VIA | VXNET_NAT_F_PUBLISHED))
		return bad("decap of a marked frame: no OUT entry back through %s", addr_str(node));
	if (r->len != in->len - outer || memcmp(r->out, in->b + outer, r->len))
		return bad("decap: the output is not the inner frame");
	return 0;
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
	if (b[14 + ihl + 8] & VXNET_VXLAN_F_PUBLISHED)
		return check_decap_marked(in, r, outer, node, vni);
	if (!node_known(node) || !node_in_vni(node, vni))
		return bad("decap of VXLAN from %s, not a node with endpoints in VNI %u", addr_str(node), vni);
	if (get16(b + outer + 12) != ETH_P_IP)
		return bad("decap of an inner frame that is not IPv4");
	dst = ep_find(vni, get_addr(b + outer + 30));
	src = ep_find(vni, get_addr(b + outer + 26));
	if (!dst || !(dst->flags & VXNET_EP_LOCAL) || !ifindex_known(dst->ifindex))
		return bad("decap to %s, no local endpoint of VNI %u", addr_str(get_addr(b + outer + 30)), vni);
	if (!src || src->node.be32 != node || (src->flags & (VXNET_EP_LOCAL | VXNET_EP_GATEWAY)))
		return bad("decap of a frame from %s, not an endpoint of node %s",
			   addr_str(get_addr(b + outer + 26)), addr_str(node));
	if (r->len != in->len - outer || memcmp(r->out, b + outer, r->len))
		return bad("decap: the output is not the inner frame");
	return 0;
}

/* The outer headers of an encapsulated output (VXNET_ENCAP_LEN before the
 * inner frame): eth from the underlay's MAC to the next hop's (or zeros,
 * left to bpf_redirect_neigh), IPv4 (0x45, DF, valid checksum, lengths,
 * UDP) from our address to node, a known node; UDP to the VXLAN port from
 * [32768, 61000), checksum 0; VXLAN flags, VNI vni.
 */
static int check_outer(const struct result *r, __be32 node, __u32 vni, __u8 flags, const char *what)
{
	const __u8 *o = r->out;

	if (r->len < VXNET_ENCAP_LEN + ETH_HLEN)
		return bad("%s: %u bytes out", what, r->len);
	if (!(!memcmp(o, GW_MAC, 6) && !memcmp(o + 6, UL_MAC, 6)) &&
	    !(!memcmp(o, ZERO_MAC, 6) && !memcmp(o + 6, ZERO_MAC, 6)))
		return bad("%s: outer Ethernet neither to the next hop from the underlay nor left "
			   "to bpf_redirect_neigh", what);
	if (get16(o + 12) != ETH_P_IP)
		return bad("%s: outer Ethernet type 0x%04x", what, get16(o + 12));
	if (check_ipv4_header(o + 14, r->len - 14, what))
		return -1;
	if (get16(o + 16) != r->len - 14 || !(get16(o + 20) & 0x4000) || o[23] != IPPROTO_UDP ||
	    get_addr(o + 26) != local_addr)
		return bad("%s: outer IPv4 length, DF, protocol or source wrong", what);
	if (get_addr(o + 30) != node || !node_known(node))
		return bad("%s: to %s, want %s, a known node", what, addr_str(get_addr(o + 30)),
			   addr_str(node));
	if (get16(o + 36) != PORT || get16(o + 34) < 32768 || get16(o + 34) >= 61000 ||
	    get16(o + 38) != r->len - 34 || get16(o + 40) != 0)
		return bad("%s: UDP ports %u->%u, length or checksum wrong", what, get16(o + 34),
			   get16(o + 36));
	if (o[42] != flags || o[43] || o[44] || o[45] || o[49] ||
	    (__u32)(o[46] << 16 | o[47] << 8 | o[48]) != vni)
		return bad("%s: VXLAN header wrong (flags 0x%02x, want 0x%02x)", what, o[42], flags);
	return 0;
}

/* The destination of a container's frame lies outside its network: no
 * endpoint, in none of its subnets (fixture: 10.0.1.0/24, 10.0.2.0/24 of
 * VNI 42), unicast.
 */
static int outside(__u32 vni, __be32 d)
{
	__u32 h = ntohl(d);

	return !ep_find(vni, d) && !(vni == VNI && ((h >> 8) == 0x0a0001 || (h >> 8) == 0x0a0002)) &&
	       (h >> 24) && (h >> 24) != 127 && (h >> 24) < 224;
}

/* Egress: translated out from this host's address and a NAT port; the nat
 * map holds the flow's OUT entry giving that port and the IN entry back.
 */
static int check_egress(const struct input *in, const struct result *r, const struct snap *s,
			const struct vxnet_iface *ifc)
{
	struct vxnet_nat_key ik;
	struct vxnet_nat o, i;
	__u16 port;

	if (s->kind != SNAP_OUT)
		return bad("egress: translated a frame that is no TCP, UDP or echo request");
	if (!outside(ifc->vni, s->k.remote.be32))
		return bad("egress: to %s, inside VNI %u", addr_str(s->k.remote.be32), ifc->vni);
	if (s->found && (s->v.flags & (VXNET_NAT_F_PUBLISHED | VXNET_NAT_F_VIA)))
		return bad("egress: the flow is a published one (flags 0x%x), counted egress", s->v.flags);
	if (r->len < ETH_HLEN + 20)
		return bad("egress: %u bytes out", r->len);
	port = get16(r->out + ETH_HLEN + ((in->b[ETH_HLEN] & 0xf) * 4) + (s->k.proto == IPPROTO_ICMP ? 4 : 0));
	if (port < NAT_PORT_MIN || port > NAT_PORT_MAX)
		return bad("egress: NAT port %u outside %u-%u", port, NAT_PORT_MIN, NAT_PORT_MAX);
	if (s->found && ntohs(s->v.port) != port)
		return bad("egress: the flow's NAT port was %u, left with %u", ntohs(s->v.port), port);
	if (check_out_translated(in->b, in->len, in->b, r->out, r->len, r->verdict == TC_ACT_OK, port,
				 "egress"))
		return -1;
	if (!nat_get(&s->k, &o) || o.addr.be32 != local_addr || ntohs(o.port) != port)
		return bad("egress: no OUT entry giving %s:%u", addr_str(local_addr), port);
	if (o.flags != touched(s->found ? s->v.flags : 0, s, 0))
		return bad("egress: OUT entry flags 0x%x after, 0x%x before, TCP flags 0x%02x", o.flags,
			   s->found ? s->v.flags : 0, s->tcp_flags);
	ik = (struct vxnet_nat_key){ .dir = VXNET_NAT_IN, .proto = s->k.proto, .addr.be32 = local_addr,
				     .remote = s->k.remote, .port = htons(port), .rport = s->k.rport };
	if (!nat_get(&ik, &i) || i.vni != s->k.vni || i.addr.be32 != s->k.addr.be32 || i.port != s->k.port)
		return bad("egress: no IN entry for NAT port %u back to VNI %u %s:%u", port, s->k.vni,
			   addr_str(s->k.addr.be32), ntohs(s->k.port));
	return 0;
}

/* The answer of a published flow translated out from the host port (the
 * OUT entry's): from a local backend (from_container), or a remote one's
 * marked answer decapsulated (tc_decap, nat_in).
 */
static int check_pub_out(const struct input *in, const struct result *r, const struct snap *s)
{
	__u32 outer = 0;

	if (s->kind != SNAP_OUT || !s->found ||
	    (s->v.flags & (VXNET_NAT_F_PUBLISHED | VXNET_NAT_F_VIA)) != VXNET_NAT_F_PUBLISHED)
		return bad("published answer: no published flow's OUT entry before (found %d, flags 0x%x)",
			   s->found, s->found ? s->v.flags : 0);
	if (in->prog != FROM_CONTAINER) {
		const struct vxnet_endpoint *src;
		__be32 node = get_addr(in->b + 26);

		outer = vxlan_marked(in->b, in->len);
		if (!outer || get_addr(in->b + 30) != local_addr || !node_known(node))
			return bad("published answer: not a marked VXLAN frame to us from a known node");
		src = ep_find(s->k.vni, s->k.addr.be32);
		if (!src || src->node.be32 != node || (src->flags & (VXNET_EP_LOCAL | VXNET_EP_GATEWAY)))
			return bad("published answer: from %s, no endpoint of node %s", addr_str(s->k.addr.be32),
				   addr_str(node));
	}
	if (check_translated_well_formed(in->b + outer, in->len - outer, "published answer"))
		return -1;
	{
		struct vxnet_nat o;

		if (!nat_get(&s->k, &o) || o.flags != touched(s->v.flags, s, 0) || o.port != s->v.port)
			return bad("published answer: OUT entry gone or flags 0x%x from 0x%x",
				   o.flags, s->v.flags);
	}
	return check_out_translated(in->b + outer, in->len - outer, in->b, r->out, r->len,
				    r->verdict == TC_ACT_OK, ntohs(s->v.port), "published answer");
}

/* A local backend's answer to a client that came through another node: to
 * that node (the OUT entry's), marked, the frame as it is.
 */
static int check_via(const struct input *in, const struct result *r, const struct snap *s,
		     const struct vxnet_iface *ifc)
{
	if (s->kind != SNAP_OUT || !s->found || !(s->v.flags & VXNET_NAT_F_VIA))
		return bad("via: no OUT entry through a node before");
	if (check_outer(r, s->v.node.be32, ifc->vni, 0x08 | VXNET_VXLAN_F_PUBLISHED, "via"))
		return -1;
	if (r->len != in->len + VXNET_ENCAP_LEN || memcmp(r->out + VXNET_ENCAP_LEN, in->b, in->len))
		return bad("via: the inner frame is not the input");
	return 0;
}

/* An answer to this host's address (or an ICMP error about a packet it
 * sent, or a client's packet to a published port) translated to the
 * container of its IN entry: the entry before the run, or, for a client's
 * first packet, the service's backend (then the flow's IN and OUT entries
 * are there after it). Delivered to a local endpoint, or (a published
 * flow's remote backend) marked to its node.
 */
static int check_answer(const struct input *in, const struct result *r, int o, int stat,
			const struct snap *s)
{
	const struct vxnet_endpoint *ep;
	struct vxnet_nat t, v;
	__u16 kport = ntohs(s->k.port);
	int want;

	if (s->kind != SNAP_IN)
		return bad("answer: translated a frame that is no answer to this host's address");
	if (!s->error && s->k.proto != IPPROTO_ICMP &&
	    (kport < NAT_PORT_MIN || kport > NAT_PORT_MAX) && !svc_find(s->k.proto, kport))
		return bad("answer: to port %u, neither a NAT port nor published", kport);
	if (s->found) {
		t = s->v;
		if (r->dstat[VXNET_STAT_PUBLISHED_NEW].packets)
			return bad("answer: a new published flow counted for an existing one");
		/* an answer refreshes its entry (replied, TCP's end), an ICMP error not */
		if (!nat_get(&s->k, &v) ||
		    v.flags != (s->error ? s->v.flags : touched(s->v.flags, s, VXNET_NAT_F_REPLIED)))
			return bad("answer: IN entry gone or flags 0x%x from 0x%x", v.flags, s->v.flags);
	} else {
		const struct svc *sv = s->error || s->k.proto == IPPROTO_ICMP ? NULL :
				       svc_find(s->k.proto, kport);
		struct vxnet_nat_key ok;

		if (!sv || !sv->ip)
			return bad("answer: translated without a translation (port %u)", kport);
		t = (struct vxnet_nat){ .vni = VNI, .addr.be32 = ip(sv->ip), .port = htons(sv->port),
					.flags = VXNET_NAT_F_PUBLISHED };
		if (r->dstat[VXNET_STAT_PUBLISHED_NEW].packets != 1)
			return bad("answer: a new published flow not counted");
		if (!nat_get(&s->k, &v) || v.vni != t.vni || v.addr.be32 != t.addr.be32 || v.port != t.port ||
		    v.flags != VXNET_NAT_F_PUBLISHED || v.node.be32 != ip(sv->node))
			return bad("answer: the new published flow's IN entry is not its backend's");
		ok = (struct vxnet_nat_key){ .dir = VXNET_NAT_OUT, .proto = s->k.proto, .vni = t.vni,
					     .addr = t.addr, .remote = s->k.remote, .port = t.port,
					     .rport = s->k.rport };
		if (!nat_get(&ok, &v) || v.addr.be32 != local_addr || v.port != s->k.port ||
		    v.flags != VXNET_NAT_F_PUBLISHED)
			return bad("answer: the new published flow has no OUT entry back to port %u", kport);
	}
	want = s->error ? VXNET_STAT_NAT_ICMP_ERROR :
	       t.flags & VXNET_NAT_F_PUBLISHED ? VXNET_STAT_PUBLISHED : VXNET_STAT_EGRESS_REPLY;
	if (stat != want)
		return bad("answer: counted as stat %d, want %d", stat, want);
	ep = ep_find(t.vni, t.addr.be32);
	if (!ep || (ep->flags & VXNET_EP_GATEWAY))
		return bad("answer: to %s, no endpoint of VNI %u", addr_str(t.addr.be32), t.vni);
	if (check_translated_well_formed(in->b, in->len, "answer"))
		return -1;
	if (o == O_IN) {
		if (!(ep->flags & VXNET_EP_LOCAL) || !ifindex_known(ep->ifindex))
			return bad("answer: delivered to %s, not a local endpoint", addr_str(t.addr.be32));
		return check_in_translated(in->b, in->len, r->out, r->len, &t, ep, s->error, "answer");
	}
	if ((ep->flags & VXNET_EP_LOCAL) || !(t.flags & VXNET_NAT_F_PUBLISHED))
		return bad("answer: sent through the tunnel to %s, local or not published", addr_str(t.addr.be32));
	if (check_outer(r, ep->node.be32, t.vni, 0x08 | VXNET_VXLAN_F_PUBLISHED, "answer to a remote backend"))
		return -1;
	return check_in_translated(in->b, in->len, r->out + VXNET_ENCAP_LEN, r->len - VXNET_ENCAP_LEN,
				   &t, ep, s->error, "answer to a remote backend");
}

/* NAT_NEW and PUBLISHED_NEW: each a new translation, there after the run
 * (whatever became of the packet: a later drop keeps it).
 */
static int check_new(const struct input *in, const struct result *r, const struct snap *s)
{
	__u64 nn = r->dstat[VXNET_STAT_NAT_NEW].packets, pn = r->dstat[VXNET_STAT_PUBLISHED_NEW].packets;
	struct vxnet_nat v;

	if (nn > 1 || pn > 1 || r->dstat[VXNET_STAT_NAT_NEW].bytes || r->dstat[VXNET_STAT_PUBLISHED_NEW].bytes)
		return bad("nat-new moved by %llu, published-new by %llu", (unsigned long long)nn,
			   (unsigned long long)pn);
	if (nn && (in->prog != FROM_CONTAINER || s->kind != SNAP_OUT || s->found ||
		   !nat_get(&s->k, &v) || v.addr.be32 != local_addr || ntohs(v.port) < NAT_PORT_MIN ||
		   ntohs(v.port) > NAT_PORT_MAX))
		return bad("nat-new moved, but no new OUT entry with a NAT port for the frame's flow");
	if (pn && ((in->prog != TC_DECAP && in->prog != NAT_IN) || s->kind != SNAP_IN || s->found ||
		   s->error || !nat_get(&s->k, &v) || !(v.flags & VXNET_NAT_F_PUBLISHED)))
		return bad("published-new moved, but no new published IN entry for the frame's flow");
	return 0;
}

/* All checks of one run (s: the nat map before it): the outcome, or -1
 * with why set.
 */
static int check(const struct input *in, const struct result *r, const struct snap *s)
{
	const struct vxnet_iface *ifc = ifc_find(ifindexes[in->ifsel & 3]);
	int o, stat;

	if (r->err)
		return bad("BPF_PROG_TEST_RUN failed: %s", strerror(-r->err));
	o = run_outcome(in, r, &stat);
	if (o < 0 || check_new(in, r, s))
		return -1;
	switch (o) {
	case O_DROP:
		return o;
	case O_PASS:
		if (r->len != in->len || memcmp(r->out, in->b, in->len))
			return bad("passed to the host changed");
		return o;
	case O_DECAP:
		return check_decap(in, r) ? -1 : o;
	case O_IN:
	case O_IN_ENCAP:
		return check_answer(in, r, o, stat, s) ? -1 : o;
	}
	if (in->prog != FROM_CONTAINER)
		return o != O_PUB_OUT ? bad("%s: outcome %s", prog_names[in->prog], outcome_names[o]) :
		       check_pub_out(in, r, s) ? -1 : o;
	if (!ifc)
		return bad("redirected a frame from an unregistered veth");
	if (check_sender(in, ifc))
		return -1;
	switch (o) {
	case O_EGRESS: return check_egress(in, r, s, ifc) ? -1 : o;
	case O_PUB_OUT: return check_pub_out(in, r, s) ? -1 : o;
	case O_VIA: return check_via(in, r, s, ifc) ? -1 : o;
	}
	return check_from_container(in, r, o) ? -1 : o;
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

/* A frame of test_nat.c's kind: UDP (checksum or 0), echo, ICMP error. */
static struct pkt nat_udp(const __u8 *dmac, const __u8 *smac, const char *src, const char *dst,
			  __u16 sport, __u16 dport, __u8 ttl, int csum, __u32 len)
{
	struct ip4 h = { .saddr = ip(src), .daddr = ip(dst), .proto = IPPROTO_UDP, .ttl = ttl,
			 .id = 0x1234, .frag = 0x4000, .l4csum = csum };

	return eth(dmac, smac, ETH_P_IP, ipv4x(h, udp(sport, dport, len ? filler(len) : text("query"))));
}

static struct pkt nat_tcp(const __u8 *dmac, const __u8 *smac, const char *src, const char *dst,
			  __u16 sport, __u16 dport, __u8 flags, __u8 ttl)
{
	return eth(dmac, smac, ETH_P_IP, ipv4_ttl(src, dst, IPPROTO_TCP, ttl,
		   tcp(sport, dport, flags, text("GET / HTTP/1.0\r\n\r\n"))));
}

static struct pkt nat_icmp_err(const char *src, __u8 type, __u8 code, __u32 rest, struct pkt quoted)
{
	struct ip4 h = { .saddr = ip(src), .daddr = ip("198.18.0.1"), .proto = IPPROTO_ICMP,
			 .tos = 0xc0, .ttl = 64 };

	return eth(UL_MAC, GW_MAC, ETH_P_IP,
		   ipv4x(h, icmp(type, code, rest, bytes(quoted.b + ETH_HLEN, 28))));
}

/* Egress, answers, ICMP errors, published ports: the flows of test_nat.c
 * against the translations nat_fixture() writes before every run.
 */
static void nat_seeds(void)
{
	struct pkt answers[32];
	int n = 0;

	/* egress from c1: the fixture's flows, new ones, the host itself (up
	 * its stack), no route (up its stack), a blackhole and an unreachable
	 * route (FIB), on-link without a neighbour (bpf_redirect_neigh), too
	 * big for ul0 (DF: frag needed; else too big), TTL 1, unsupported
	 */
	add_seed(FROM_CONTAINER, nat_tcp(SUBNET_GW_MAC, C1_MAC, "10.0.1.2", "198.18.2.10", 40000, 80,
					 TCP_PSH | TCP_ACK, 64));
	add_seed(FROM_CONTAINER, nat_tcp(SUBNET_GW_MAC, C1_MAC, "10.0.1.2", "198.18.2.10", 40001, 80,
					 TCP_SYN, 64));
	add_seed(FROM_CONTAINER, nat_tcp(SUBNET_GW_MAC, C1_MAC, "10.0.1.2", "198.18.2.10", 40002, 443,
					 0x04 /* RST */, 64));
	add_seed(FROM_CONTAINER, nat_udp(SUBNET_GW_MAC, C1_MAC, "10.0.1.2", "198.18.2.10", 5353, 53, 64, 1, 0));
	add_seed(FROM_CONTAINER, nat_udp(SUBNET_GW_MAC, C1_MAC, "10.0.1.2", "198.18.2.10", 5354, 53, 64, 0, 0));
	add_seed(FROM_CONTAINER, echo_frame(SUBNET_GW_MAC, C1_MAC, "10.0.1.2", "198.18.2.10", 8, 0x4242, 64));
	add_seed(FROM_CONTAINER, echo_frame(SUBNET_GW_MAC, C1_MAC, "10.0.1.2", "198.18.2.10", 8, 0x4343, 64));
	add_seed(FROM_CONTAINER, nat_tcp(SUBNET_GW_MAC, C1_MAC, "10.0.1.2", "198.18.0.1", 40003, 22,
					 TCP_SYN, 64));
	add_seed(FROM_CONTAINER, nat_udp(SUBNET_GW_MAC, C1_MAC, "10.0.1.2", "198.18.0.1", 5353, 53, 64, 1, 0));
	add_seed(FROM_CONTAINER, echo_frame(SUBNET_GW_MAC, C1_MAC, "10.0.1.2", "198.18.0.1", 8, 0x4444, 64));
	add_seed(FROM_CONTAINER, nat_udp(SUBNET_GW_MAC, C1_MAC, "10.0.1.2", "192.0.2.9", 5353, 53, 64, 1, 0));
	add_seed(FROM_CONTAINER, nat_udp(SUBNET_GW_MAC, C1_MAC, "10.0.1.2", "203.0.113.9", 5353, 53, 64, 1, 0));
	add_seed(FROM_CONTAINER, nat_udp(SUBNET_GW_MAC, C1_MAC, "10.0.1.2", "203.0.114.9", 5353, 53, 64, 1, 0));
	add_seed(FROM_CONTAINER, nat_udp(SUBNET_GW_MAC, C1_MAC, "10.0.1.2", "198.18.0.7", 5353, 53, 64, 1, 0));
	add_seed(FROM_CONTAINER, nat_udp(SUBNET_GW_MAC, C1_MAC, "10.0.1.2", "198.18.2.10", 5355, 53, 64, 1, 1490));
	add_seed(FROM_CONTAINER, nat_tcp(SUBNET_GW_MAC, C1_MAC, "10.0.1.2", "198.18.2.10", 40004, 80,
					 TCP_ACK, 1));
	add_seed(FROM_CONTAINER, nat_udp(SUBNET_GW_MAC, C1_MAC, "10.0.1.2", "224.0.0.251", 5353, 5353, 64, 1, 0));
	add_seed(FROM_CONTAINER, nat_udp(SUBNET_GW_MAC, C1_MAC, "10.0.1.2", "10.0.1.9", 5353, 53, 64, 1, 0));
	add_seed(FROM_CONTAINER, eth(SUBNET_GW_MAC, C1_MAC, ETH_P_IP, ipv4("10.0.1.2", "198.18.2.10", 47,
								  text("greeeeee"))));
	{
		struct pkt big = nat_udp(SUBNET_GW_MAC, C1_MAC, "10.0.1.2", "198.18.2.10", 5356, 53, 64, 1, 1490);

		big.b[ETH_HLEN + 6] = 0; /* DF clear */
		big.b[ETH_HLEN + 10] = big.b[ETH_HLEN + 11] = 0;
		put16(big.b + ETH_HLEN + 10, sum16(big.b + ETH_HLEN, 20));
		add_seed(FROM_CONTAINER, big);
	}
	{
		struct input *in = &seeds[nseeds];

		add_seed(FROM_CONTAINER, nat_udp(R1_MAC, (const __u8 *)C3_MAC_, "10.7.0.2", "198.18.2.10",
						 5353, 53, 64, 1, 0));
		in->ifsel = 2; /* c3h: VNI 7, egress off */
	}
	/* c1's answers as a published port's backend: to the client here
	 * (translated to 8080), through 198.18.2.10 (via, marked), too big
	 * for the tunnel
	 */
	add_seed(FROM_CONTAINER, nat_tcp(SUBNET_GW_MAC, C1_MAC, "10.0.1.2", "198.18.2.50", 80, 5555,
					 TCP_SYN | TCP_ACK, 64));
	add_seed(FROM_CONTAINER, nat_tcp(SUBNET_GW_MAC, C1_MAC, "10.0.1.2", "198.18.2.50", 80, 6000,
					 TCP_SYN | TCP_ACK, 64));
	{
		struct ip4 h = { .saddr = ip("10.0.1.2"), .daddr = ip("198.18.2.50"), .proto = IPPROTO_TCP,
				 .ttl = 64, .frag = 0x4000, .l4csum = 1 };

		add_seed(FROM_CONTAINER, eth(SUBNET_GW_MAC, C1_MAC, ETH_P_IP,
					     ipv4x(h, tcp(80, 6000, TCP_ACK, filler(1440)))));
	}

	/* answers from the world to the fixture's NAT ports; ICMP errors
	 * quoting the translated packets; a TTL 1 answer; the host's own
	 */
	answers[n++] = nat_tcp(UL_MAC, GW_MAC, "198.18.2.10", "198.18.0.1", 80, 61001, TCP_ACK, 64);
	answers[n++] = nat_tcp(UL_MAC, GW_MAC, "198.18.2.10", "198.18.0.1", 80, 61001, 0x01 /* FIN */ | TCP_ACK, 64);
	answers[n++] = nat_udp(UL_MAC, GW_MAC, "198.18.2.10", "198.18.0.1", 53, 61002, 64, 1, 0);
	answers[n++] = nat_udp(UL_MAC, GW_MAC, "198.18.2.10", "198.18.0.1", 53, 61002, 64, 0, 0);
	answers[n++] = echo_frame(UL_MAC, GW_MAC, "198.18.2.10", "198.18.0.1", 0, 61003, 64);
	answers[n++] = nat_icmp_err("198.18.2.10", 3, 3, 0,
				    nat_udp(GW_MAC, UL_MAC, "198.18.0.1", "198.18.2.10", 61002, 53, 63, 1, 0));
	answers[n++] = nat_icmp_err("198.18.0.2", 3, 4, 1280,
				    nat_tcp(GW_MAC, UL_MAC, "198.18.0.1", "198.18.2.10", 61001, 80,
					    TCP_PSH | TCP_ACK, 63));
	answers[n++] = nat_icmp_err("198.18.0.2", 11, 0, 0,
				    echo_frame(GW_MAC, UL_MAC, "198.18.0.1", "198.18.2.10", 8, 61003, 63));
	answers[n++] = nat_udp(UL_MAC, GW_MAC, "198.18.2.10", "198.18.0.1", 99, 61004, 64, 1, 0);
	answers[n++] = nat_udp(UL_MAC, GW_MAC, "198.18.2.10", "198.18.0.1", 99, 61005, 64, 1, 0);
	answers[n++] = nat_udp(UL_MAC, GW_MAC, "198.18.2.10", "198.18.0.1", 99, 61006, 64, 1, 0);
	/* ... about the published flows' answers (from the host ports) */
	answers[n++] = nat_icmp_err("198.18.0.2", 3, 1, 0,
				    nat_tcp(GW_MAC, UL_MAC, "198.18.0.1", "198.18.2.50", 8080, 5555,
					    TCP_SYN | TCP_ACK, 63));
	answers[n++] = nat_icmp_err("198.18.0.2", 3, 1, 0,
				    nat_tcp(GW_MAC, UL_MAC, "198.18.0.1", "198.18.2.50", 9090, 5556,
					    TCP_SYN | TCP_ACK, 63));
	/* an echo reply with no translation, a request to the host */
	answers[n++] = echo_frame(UL_MAC, GW_MAC, "198.18.2.10", "198.18.0.1", 0, 61999, 64);
	answers[n++] = echo_frame(UL_MAC, GW_MAC, "198.18.2.10", "198.18.0.1", 8, 61003, 64);
	answers[n++] = nat_tcp(UL_MAC, GW_MAC, "198.18.2.10", "198.18.0.1", 80, 61001, TCP_ACK, 1);
	answers[n++] = nat_tcp(UL_MAC, GW_MAC, "198.18.2.10", "198.18.0.1", 50022, 22, TCP_SYN, 64);
	/* clients of the published ports: the fixture's flows, new ones (a
	 * backend chosen), no backend, too big for the tunnel
	 */
	answers[n++] = nat_tcp(UL_MAC, GW_MAC, "198.18.2.50", "198.18.0.1", 5555, 8080, TCP_ACK, 64);
	answers[n++] = nat_tcp(UL_MAC, GW_MAC, "198.18.2.50", "198.18.0.1", 7777, 8080, TCP_SYN, 64);
	answers[n++] = nat_tcp(UL_MAC, GW_MAC, "198.18.2.50", "198.18.0.1", 5556, 9090, TCP_ACK, 64);
	answers[n++] = nat_tcp(UL_MAC, GW_MAC, "198.18.2.50", "198.18.0.1", 7778, 9090, TCP_SYN, 64);
	answers[n++] = nat_udp(UL_MAC, GW_MAC, "198.18.2.50", "198.18.0.1", 5000, 7070, 64, 1, 0);
	answers[n++] = nat_udp(UL_MAC, GW_MAC, "198.18.2.50", "198.18.0.1", 5000, 9090, 64, 1, 0);
	for (int i = 0; i < n; i++) {
		add_seed(TC_DECAP, answers[i]);
		add_seed(NAT_IN, answers[i]);
	}
	{
		struct ip4 h = { .saddr = ip("198.18.2.50"), .daddr = ip("198.18.0.1"), .proto = IPPROTO_TCP,
				 .ttl = 64, .frag = 0x4000, .l4csum = 1 };

		add_seed(TC_DECAP, eth(UL_MAC, GW_MAC, ETH_P_IP, ipv4x(h, tcp(5556, 9090, TCP_ACK, filler(1440)))));
	}

	/* marked VXLAN from 198.18.2.10: r1's answer to the fixture's client
	 * 5556 (translated to 9090), to a client never forwarded; a client's
	 * packet for c1:80 (published), for c2:80 (not)
	 */
	for (enum prog p = XDP_DECAP; p <= NAT_IN; p += p == TC_DECAP ? 2 : 1) {
		add_seed(p, vx_frame("198.18.2.10", 0x09, VNI,
				     nat_tcp(SUBNET_GW_MAC, R1_MAC, "10.0.1.4", "198.18.2.50", 80, 5556,
					     TCP_SYN | TCP_ACK, 64)));
		add_seed(p, vx_frame("198.18.2.10", 0x09, VNI,
				     nat_tcp(SUBNET_GW_MAC, R1_MAC, "10.0.1.4", "198.18.2.50", 80, 5999,
					     TCP_ACK, 64)));
		add_seed(p, vx_frame("198.18.2.10", 0x09, VNI,
				     nat_tcp(C1_MAC, SUBNET_GW_MAC, "198.18.2.50", "10.0.1.2", 6000, 80,
					     TCP_SYN, 63)));
		add_seed(p, vx_frame("198.18.2.10", 0x09, VNI,
				     nat_tcp(C2_MAC, SUBNET_GW_MAC, "198.18.2.50", "10.0.1.3", 6001, 80,
					     TCP_SYN, 63)));
	}
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
	nat_seeds();
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
	static const __u8 bytes8[] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0x0b, 0x0f, 0x11, 0x20, 0x3f,
				       0x40, 0x45, 0x46, 0x4f, 0x7f, 0x80, 0xfe, 0xff };
	/* ... and the fixture's ports: NAT ports, published ports, flows */
	static const __u16 words[] = { 0, 1, 8, 14, 20, 28, 34, 50, 64, 0x0800, 0x0806, 0x86dd,
				       0x8100, 0x2000, 0x4000, 0x3fff, 4789, 8472, 1450, 1500, 0xffff,
				       NAT_PORT_MIN, NAT_PORT_MIN + 1, NAT_PORT_MIN + 2, NAT_PORT_MAX,
				       NAT_PORT_MAX + 1, 8080, 9090, 7070, 80, 53, 5353, 5555, 5556,
				       6000, 40000, 0x4242 };
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
			__be32 a = below(2) && neps ? eps[below(neps)].k.ip.be32 :
				   below(4) && nnodes ? nodes[below(nnodes)] : htonl(0xc6120232) /* client */;
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

static unsigned long long runs[NPROGS][O_N], refused, failures, drop_reasons[VXNET_DROP__MAX];
static int verbose;

static const char *drop_reason_str(const struct result *r)
{
	static char buf[32];

	buf[0] = 0;
	for (int k = 0; k < VXNET_DROP__MAX; k++)
		if (r->ddrop[k].packets)
			snprintf(buf, sizeof(buf), " drop reason %d", k);
	return buf;
}

static void report(const struct input *in, const struct result *r, unsigned long long i,
		   const char *artifacts)
{
	char path[512];

	printf("not ok packets: %s: %s, ifindex choice %u, gso_size %u, gso_segs %u, run %llu, %u bytes:",
	       why, prog_names[in->prog], in->ifsel, in->gso_size, in->gso_segs, i, in->len);
	for (__u32 k = 0; k < in->len; k++)
		printf("%s%02x", k % 32 ? "" : " ", in->b[k]);
	printf("\n# verdict %u, output %u bytes:", r->verdict, r->len);
	for (__u32 k = 0; k < r->len && k < 160; k++)
		printf("%s%02x", k % 32 ? "" : " ", r->out[k]);
	printf("%s\n", r->len > 160 ? " ..." : "");
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
	struct snap s;
	int o;

	if (nat_restore()) {
		printf("not ok packets: writing the nat fixture: %s\n", strerror(errno));
		return -1;
	}
	take_snap(in, &s);
	if (run(in, &r)) {
		printf("not ok packets: reading the counters: %s\n", strerror(errno));
		return -1;
	}
	if (kernel_refuses(in, r.err)) {
		refused++;
		return 0;
	}
	o = check(in, &r, &s);
	if (o < 0) {
		if (failures++ < MAX_FAILURES)
			report(in, &r, i, artifacts);
		return 0;
	}
	runs[in->prog][o]++;
	for (int k = 0; k < VXNET_DROP__MAX; k++)
		drop_reasons[k] += r.ddrop[k].packets;
	if (verbose && i < (unsigned long long)nseeds)
		printf("# seed %llu %s: %s verdict %u%s\n", i, prog_names[in->prog], outcome_names[o],
		       r.verdict, drop_reason_str(&r));
	return 0;
}

static int load(void)
{
	if (setup_netns() || sh("ip route add blackhole 203.0.113.0/24") ||
	    sh("ip route add unreachable 203.0.114.0/24"))
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
	skel->rodata->cfg_nat_port_min = NAT_PORT_MIN;
	skel->rodata->cfg_nat_port_max = NAT_PORT_MAX;
	nat_fixture();
	if (vxnet_bpf__load(skel) || fill_maps(skel, ifindexes[0], ifindexes[1]) || add_services() ||
	    add_no_egress() ||
	    read_maps() || nat_restore() || read_counters(&last))
		return -1;
	/* vxnet monitor listens to everything; tc on ul0 is tc decap */
	struct vxnet_monitor mon = { .flags = VXNET_MON_DROPS | VXNET_MON_TRACE };
	struct vxnet_host host = { .decap = VXNET_DECAP_TC, .port = PORT };
	__u32 zero = 0;

	events = ring_buffer__new(bpf_map__fd(skel->maps.events), on_event, NULL, NULL);
	if (!events ||
	    bpf_map__update_elem(skel->maps.monitor, &zero, sizeof(zero), &mon, sizeof(mon), 0) ||
	    bpf_map__update_elem(skel->maps.host, &zero, sizeof(zero), &host, sizeof(host), 0))
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
	{
		char line[512];
		size_t off = 0;

		for (int k = 0; k < VXNET_DROP__MAX; k++)
			if (drop_reasons[k])
				off += snprintf(line + off, sizeof(line) - off, " %d:%llu", k, drop_reasons[k]);
		printf("# drops by reason:%s\n", off ? line : " none");
	}
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

	while ((c = getopt(argc, argv, "n:t:s:c:a:w:Sv")) != -1) {
		switch (c) {
		case 'n': max_runs = strtoull(optarg, NULL, 10); break;
		case 't': max_secs = atof(optarg); break;
		case 's': seed = strtoull(optarg, NULL, 10); break;
		case 'c': corpus = optarg; break;
		case 'a': artifacts = optarg; break;
		case 'w': write_dir = optarg; break;
		case 'S': strict = 1; break;
		case 'v': verbose = 1; break;
		default:
			fprintf(stderr, "usage: fuzz_packets [-n RUNS] [-t SECONDS] [-s SEED] [-c CORPUS_DIR] "
				"[-a ARTIFACT_DIR] [-w DIR] [-S] [-v]\n");
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
