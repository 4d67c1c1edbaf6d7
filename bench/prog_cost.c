// SPDX-License-Identifier: GPL-2.0-only
/* Per-packet cost of each vxnet BPF program, and the cost of writing
 * endpoints into its maps, for `make bench` (bench/run.sh).
 *
 *   prog_cost progs [CALLS] [ROUNDS] [NAME]
 *	Runs each program on its fixture with BPF_PROG_TEST_RUN and prints
 *	one line per program and round: "prog NAME ROUND NS", NS the mean of
 *	the kernel-measured durations of CALLS runs. Each run is one call with
 *	repeat = 1: the programs rewrite the packet in place (encap grows it by
 *	50 bytes, decap strips it, the ARP and echo replies turn it around), so with
 *	repeat > 1 every run after the first would see its own output and take
 *	a drop path. The floor is a program that only returns, run the same
 *	way ("prog floor-tc", "prog floor-xdp"); "prog floor-tc-repeat" is the
 *	same floor with repeat = CALLS in one call, the harness's own cost per
 *	run. Rounds interleave the programs. NAME: only that program (to
 *	profile it with perf).
 *
 *   prog_cost maps N
 *	Writes N remote endpoints (VNI 4096, 10.x.y.z, one of 1000 nodes) into
 *	the endpoints map: "maps update N SECONDS" one bpf_map_update_elem per
 *	entry after a lookup, as `vxnet sync` writes them; "maps batch N
 *	SECONDS" one BPF_MAP_UPDATE_BATCH; "maps entries MAX key K value V".
 *
 * Runs in a private network namespace (unshare), as tests/unit does, with
 * the unit tests' maps (tests/unit/fixture.h); the fixtures here use:
 *
 *    c1h/c1, c2h/c2 (veths)  10.0.1.2, 10.0.1.3: local endpoints, VNI 42
 *    ul0/ul1 (veth, ul0 02:00:00:00:00:01) 198.18.0.1/24, forwarding=1
 *     `-- 198.18.0.2 gateway (permanent neighbour) to 198.18.2.0/24,
 *         remote node 198.18.2.10 with r1 10.0.1.4
 *
 * vxnet monitor: "NAME+mon" is NAME while a monitor listens (the monitor
 * map's flags drops and trace; the ring read after every call, outside the
 * measured time): the cost of the trace event each forwarded packet then
 * makes. Without "+mon" nobody listens (flags 0), the cost of the gates.
 * "drop-spoofed" is c1's frame with another source IP (dropped), with
 * "+mon" its drop event.
 *
 * Egress NAT and published ports: "egress" is c1's TCP segment to
 * 198.18.2.10:80 (a translated flow: the first run makes it), "egress-reply"
 * the answer to its NAT port on ul0, "published-in" a segment of client
 * 198.18.2.50 to this host's 8080/tcp, published by c1's port 80.
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
#include <time.h>
#include <unistd.h>
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "vxnet.h"
#include "vxnet.skel.h"

#include "../tests/unit/packet.h"
#include "../tests/unit/fixture.h"

static struct vxnet_bpf *skel;
static struct ring_buffer *events; /* read after each +mon call */

static int drop_event(void *ctx, void *data, size_t size)
{
	return 0;
}

/* vxnet monitor listens for flags (enum vxnet_monitor_flags), or not (0). */
static int monitor_set(__u32 flags)
{
	struct vxnet_monitor m = { .flags = flags };
	__u32 zero = 0;

	if (bpf_map__update_elem(skel->maps.monitor, &zero, sizeof(zero), &m, sizeof(m), 0)) {
		fprintf(stderr, "prog_cost: write the monitor map: %s\n", strerror(errno));
		return -1;
	}
	return 0;
}

/* ---- fixtures (built with the unit tests' packet builder) ---------------- */

/* `ping 10.0.1.1` from c1: an ICMP echo request with 56 bytes of data to
 * its subnet's gateway, answered by from_container.
 */
static struct pkt echo_request(void)
{
	return eth(SUBNET_GW_MAC, C1_MAC, ETH_P_IP,
		   ipv4("10.0.1.2", "10.0.1.1", IPPROTO_ICMP, icmp(8, 0, 0x42420001, filler(56))));
}

/* A TCP segment with 64 bytes of payload. */
static struct pkt tcp_frame(const __u8 *dmac, const __u8 *smac, const char *src, const char *dst)
{
	return eth(dmac, smac, ETH_P_IP,
		   ipv4(src, dst, IPPROTO_TCP, tcp(40000, 80, TCP_PSH | TCP_ACK, filler(64))));
}

/* VXLAN from node 198.18.2.10 to us, around inner. */
static struct pkt vxlan_frame(struct pkt inner)
{
	return vx_frame("198.18.2.10", 0x08, VNI, inner);
}

static struct pkt arp_request(void)
{
	return eth(BCAST, C1_MAC, ETH_P_ARP, arp(1, C1_MAC, "10.0.1.2", ZERO_MAC, "10.0.1.3"));
}

static int load(void)
{
	if (setup_netns())
		return -1;
	skel = vxnet_bpf__open();
	if (!skel) {
		fprintf(stderr, "prog_cost: opening the skeleton: %s\n", strerror(errno));
		return -1;
	}
	skel->rodata->cfg_port = PORT;
	skel->rodata->cfg_local_addr = ip("198.18.0.1");
	skel->rodata->cfg_underlay_ifindex = if_nametoindex("ul0");
	if (vxnet_bpf__load(skel)) {
		fprintf(stderr, "prog_cost: loading the skeleton failed\n");
		return -1;
	}
	if (fill_maps(skel, if_nametoindex("c1h"), if_nametoindex("c2h"))) {
		fprintf(stderr, "prog_cost: filling maps: %s\n", strerror(errno));
		return -1;
	}
	return 0;
}

/* A program that only returns its first instruction's verdict: the floor. */
static int load_floor(enum bpf_prog_type type, int verdict)
{
	struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = verdict },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	int fd = bpf_prog_load(type, NULL, "GPL", insns, 2, NULL);

	if (fd < 0)
		fprintf(stderr, "prog_cost: loading the floor program: %s\n", strerror(errno));
	return fd;
}

/* ---- progs ------------------------------------------------------------------- */

struct bench {
	const char *name;
	int fd;
	int xdp;
	struct pkt in;
	__u32 ifindex;
	int want; /* verdict every run must return */
	__u32 mon; /* monitor flags during its runs (0: nobody listens) */
};

/* Mean kernel-measured ns of calls runs of b, or -1 on error. */
static double run_calls(const struct bench *b, long calls, __u32 repeat)
{
	struct __sk_buff ctx = { .ifindex = b->ifindex };
	__u8 out[PKT_MAX + 64];
	double sum = 0;

	if (monitor_set(b->mon))
		return -1;
	for (long i = 0; i < calls; i++) {
		LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = b->in.b, .data_size_in = b->in.len,
			    .data_out = out, .data_size_out = sizeof(out), .repeat = repeat);

		if (!b->xdp) {
			opts.ctx_in = &ctx;
			opts.ctx_size_in = sizeof(ctx);
		}
		if (bpf_prog_test_run_opts(b->fd, &opts)) {
			fprintf(stderr, "prog_cost: BPF_PROG_TEST_RUN %s: %s\n", b->name, strerror(errno));
			return -1;
		}
		if ((int)opts.retval != b->want) {
			fprintf(stderr, "prog_cost: %s returned %u, want %d\n", b->name, opts.retval,
				b->want);
			return -1;
		}
		sum += opts.duration;
		if (b->mon)
			ring_buffer__consume(events);
	}
	if (b->mon && monitor_set(0))
		return -1;
	return sum / calls;
}

/* Runs the egress bench's frame once (making its translation) and builds
 * the server's answer to the NAT port it got.
 */
static int nat_answer(const struct bench *egress, struct pkt *answer)
{
	struct __sk_buff ctx = { .ifindex = egress->ifindex };
	struct pkt out = {};
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = egress->in.b,
		    .data_size_in = egress->in.len, .data_out = out.b,
		    .data_size_out = sizeof(out.b), .ctx_in = &ctx, .ctx_size_in = sizeof(ctx),
		    .repeat = 1);
	__u16 port;

	if (bpf_prog_test_run_opts(egress->fd, &opts) || opts.retval != TC_ACT_REDIRECT) {
		fprintf(stderr, "prog_cost: the egress frame was not translated\n");
		return -1;
	}
	port = out.b[ETH_HLEN + 20] << 8 | out.b[ETH_HLEN + 21];
	*answer = eth(UL_MAC, GW_MAC, ETH_P_IP,
		      ipv4("198.18.2.10", "198.18.0.1", IPPROTO_TCP,
			   tcp(80, port, TCP_PSH | TCP_ACK, filler(64))));
	return 0;
}

/* 8080/tcp published by c1 (10.0.1.2:80) on this host, all slots; client
 * becomes a client's segment to it.
 */
static int publish_c1(struct pkt *client)
{
	struct vxnet_service_key sk = { .proto = IPPROTO_TCP, .port = htons(8080) };
	struct vxnet_service sv = { .backends = 1 };
	struct vxnet_backend b = { .vni = VNI, .ip.be32 = ip("10.0.1.2"), .port = htons(80),
				   .node.be32 = ip("198.18.0.1") };
	int err = bpf_map__update_elem(skel->maps.services, &sk, sizeof(sk), &sv, sizeof(sv), 0);

	for (__u32 i = 0; !err && i < VXNET_SERVICE_SLOTS; i++) {
		struct vxnet_backend_key bk = { .proto = IPPROTO_TCP, .port = htons(8080), .slot = i };

		err = bpf_map__update_elem(skel->maps.backends, &bk, sizeof(bk), &b, sizeof(b), 0);
	}
	if (err) {
		fprintf(stderr, "prog_cost: publishing 8080/tcp: %s\n", strerror(errno));
		return -1;
	}
	*client = eth(UL_MAC, GW_MAC, ETH_P_IP,
		      ipv4("198.18.2.50", "198.18.0.1", IPPROTO_TCP,
			   tcp(40000, 8080, TCP_PSH | TCP_ACK, filler(64))));
	return 0;
}

#define MON_ALL (VXNET_MON_DROPS | VXNET_MON_TRACE)
#define EGRESS 8 /* benches[]: egress, then egress-reply and published-in */

static int cmd_progs(long calls, int rounds, const char *only)
{
	__u32 c1h, ul0;
	int floor_tc, floor_xdp;
	double ns;

	if (load())
		return 1;
	c1h = if_nametoindex("c1h");
	ul0 = if_nametoindex("ul0");
	floor_tc = load_floor(BPF_PROG_TYPE_SCHED_CLS, TC_ACT_OK);
	floor_xdp = load_floor(BPF_PROG_TYPE_XDP, XDP_PASS);
	if (floor_tc < 0 || floor_xdp < 0)
		return 1;

	struct pkt to_r1 = tcp_frame(R1_MAC, C1_MAC, "10.0.1.2", "10.0.1.4");
	struct pkt to_world = tcp_frame(SUBNET_GW_MAC, C1_MAC, "10.0.1.2", "198.18.2.10");
	struct pkt client = tcp_frame(UL_MAC, GW_MAC, "198.18.2.50", "198.18.0.1");
	struct pkt answer;
	struct pkt to_c2 = tcp_frame(C2_MAC, C1_MAC, "10.0.1.2", "10.0.1.3");
	struct pkt vx = vxlan_frame(tcp_frame(C1_MAC, R1_MAC, "10.0.1.4", "10.0.1.2"));
	struct pkt spoofed = tcp_frame(R1_MAC, C1_MAC, "10.0.1.99", "10.0.1.4");
	int from = bpf_program__fd(skel->progs.vxnet_from_container);
	struct bench benches[] = {
		{ "floor-tc", floor_tc, 0, to_r1, c1h, TC_ACT_OK },
		{ "floor-xdp", floor_xdp, 1, vx, 0, XDP_PASS },
		{ "encap", from, 0, to_r1, c1h, TC_ACT_REDIRECT },
		{ "xdp-decap", bpf_program__fd(skel->progs.vxnet_xdp_decap), 1, vx, 0, XDP_REDIRECT },
		{ "tc-decap", bpf_program__fd(skel->progs.vxnet_tc_decap), 0, vx, ul0, TC_ACT_REDIRECT },
		{ "local-forward", from, 0, to_c2, c1h, TC_ACT_REDIRECT },
		{ "arp-reply", from, 0, arp_request(), c1h, TC_ACT_REDIRECT },
		{ "gateway-echo", from, 0, echo_request(), c1h, TC_ACT_REDIRECT },
		{ "egress", from, 0, to_world, c1h, TC_ACT_REDIRECT },
		{ "egress-reply", bpf_program__fd(skel->progs.vxnet_tc_decap), 0, {}, ul0,
		  TC_ACT_REDIRECT },
		{ "published-in", bpf_program__fd(skel->progs.vxnet_tc_decap), 0, client, ul0,
		  TC_ACT_REDIRECT },
		{ "drop-spoofed", from, 0, spoofed, c1h, TC_ACT_SHOT },
		{ "encap+mon", from, 0, to_r1, c1h, TC_ACT_REDIRECT, MON_ALL },
		{ "xdp-decap+mon", bpf_program__fd(skel->progs.vxnet_xdp_decap), 1, vx, 0,
		  XDP_REDIRECT, MON_ALL },
		{ "tc-decap+mon", bpf_program__fd(skel->progs.vxnet_tc_decap), 0, vx, ul0,
		  TC_ACT_REDIRECT, MON_ALL },
		{ "local-forward+mon", from, 0, to_c2, c1h, TC_ACT_REDIRECT, MON_ALL },
		{ "drop-spoofed+mon", from, 0, spoofed, c1h, TC_ACT_SHOT, MON_ALL },
	};
	const int n = sizeof(benches) / sizeof(benches[0]);

	/* The egress flow's translation made, and its answer to the NAT port;
	 * 8080/tcp published by c1's port 80 (client 198.18.2.50:40000).
	 */
	if (nat_answer(&benches[EGRESS], &answer) || publish_c1(&client))
		return 1;
	benches[EGRESS + 1].in = answer;
	benches[EGRESS + 2].in = client;
	events = ring_buffer__new(bpf_map__fd(skel->maps.events), drop_event, NULL, NULL);
	if (!events) {
		fprintf(stderr, "prog_cost: the events ring: %s\n", strerror(errno));
		return 1;
	}

	for (int r = 1; r <= rounds; r++) {
		for (int i = 0; i < n; i++) {
			if (only && strcmp(only, benches[i].name))
				continue;
			ns = run_calls(&benches[i], calls, 1);
			if (ns < 0)
				return 1;
			printf("prog %s %d %.1f\n", benches[i].name, r, ns);
		}
		ns = run_calls(&benches[0], 1, calls);
		if (ns < 0)
			return 1;
		printf("prog floor-tc-repeat %d %.1f\n", r, ns);
		fflush(stdout);
	}
	return 0;
}

/* ---- maps -------------------------------------------------------------------- */

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int cmd_maps(long n)
{
	struct vxnet_ep_key *keys = calloc(n, sizeof(*keys));
	struct vxnet_endpoint *vals = calloc(n, sizeof(*vals));
	struct vxnet_endpoint cur;
	struct bpf_map_info info = {};
	__u32 info_len = sizeof(info), count;
	int fd, rc = 1;
	double t;

	if (!keys || !vals)
		goto cleanup;
	if (load())
		goto cleanup;
	fd = bpf_map__fd(skel->maps.endpoints);
	/* start from an empty map: the fixture entries out */
	for (int i = 2; i <= 4; i++) {
		struct vxnet_ep_key k = { .vni = VNI, .ip.be32 = htonl(0x0a000100 + i) };

		bpf_map_delete_elem(fd, &k);
	}
	for (long i = 0; i < n; i++) {
		__u32 a = htonl(0x0a000000 + 2 + i);

		keys[i] = (struct vxnet_ep_key){ .vni = 4096, .ip.be32 = a };
		vals[i].mac[0] = 0x02;
		vals[i].mac[1] = 0x42;
		memcpy(vals[i].mac + 2, &a, 4);
		vals[i].node.be32 = htonl(0xc6130000 + 1 + i % 1000); /* 198.19.x.y */
		vals[i].gateway.be32 = htonl(0x0a000001);
	}

	t = now();
	for (long i = 0; i < n; i++) {
		if (!bpf_map_lookup_elem(fd, &keys[i], &cur) && !memcmp(&cur, &vals[i], sizeof(cur)))
			continue;
		if (bpf_map_update_elem(fd, &keys[i], &vals[i], BPF_ANY)) {
			fprintf(stderr, "prog_cost: update %ld: %s\n", i, strerror(errno));
			goto cleanup;
		}
	}
	printf("maps update %ld %.6f\n", n, now() - t);

	count = n;
	if (bpf_map_delete_batch(fd, keys, &count, NULL) || count != (__u32)n) {
		fprintf(stderr, "prog_cost: delete batch: %s (%u)\n", strerror(errno), count);
		goto cleanup;
	}
	t = now();
	count = n;
	if (bpf_map_update_batch(fd, keys, vals, &count, NULL) || count != (__u32)n) {
		fprintf(stderr, "prog_cost: update batch: %s (%u)\n", strerror(errno), count);
		goto cleanup;
	}
	printf("maps batch %ld %.6f\n", n, now() - t);

	if (bpf_obj_get_info_by_fd(fd, &info, &info_len))
		goto cleanup;
	printf("maps entries %u key %u value %u\n", info.max_entries, info.key_size,
	       info.value_size);
	rc = 0;
cleanup:
	free(keys);
	free(vals);
	return rc;
}

int main(int argc, char **argv)
{
	libbpf_set_print(test_libbpf_print);
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc >= 2 && !strcmp(argv[1], "progs"))
		return cmd_progs(argc > 2 ? atol(argv[2]) : 100000, argc > 3 ? atoi(argv[3]) : 5,
				 argc > 4 ? argv[4] : NULL);
	if (argc == 3 && !strcmp(argv[1], "maps"))
		return cmd_maps(atol(argv[2]));
	fprintf(stderr, "usage: prog_cost progs [CALLS] [ROUNDS] [NAME] | prog_cost maps N\n");
	return 2;
}
