// SPDX-License-Identifier: GPL-2.0-only
/* The agent's incremental sync equals a full sync.
 *
 * Pins the datapath's maps in a private pin directory, syncs a state in
 * full, then applies a seeded random series of store events (three seeds) (nodes moved
 * or removed, networks with their MTU, egress and subnets changed or removed
 * (a /16 in place of a /24 with the same gateway: the subnets LPM trie),
 * endpoints put, moved between hosts, re-addressed, publishing ports or
 * not, or deleted) through dp_sync_event, as the agent does. Endpoints of
 * one network publish the same host ports (8000 + network/tcp to port 80,
 * 9000 + network/udp to 53): services of several backends on several
 * hosts, whose Maglev tables change with any of their endpoints, their
 * nodes' addresses and their network. After every event a full sync of the
 * same state must find nothing to do: "0 added, 0 changed, 0 removed".
 *
 * Local endpoints e0..e7 sit behind the veths vxnet names for them, in a
 * private network namespace; e8 names its veth, which does not exist (not
 * forwarded to). A
 * deleted endpoint's veth goes before its record, as with detach, and comes
 * back with a new ifindex. The datapath's warnings about the missing link go
 * to /dev/null unless VXNET_TEST_DEBUG is set.
 * Runs in that namespace and removes its pins, so it leaves nothing behind.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>
#include <zlib.h>
#include <linux/if_ether.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "vxnet.h"
#include "vxnet.skel.h"

#include "packet.h"
#include "datapath.h"
#include "maps.h"
#include "sync.h"

#define NNODES 3
#define NNETS 3
#define NEPS 24
#define STEPS 600

static char dir[64];

static struct vx_node make_node(int i, int alt)
{
	struct vx_node n = { .addr = htonl(0xc6120000 | (alt ? 0x100 : 0) | (i + 1)) };

	snprintf(n.name, sizeof(n.name), "h%d", i + 1);
	return n;
}

/* Network i: 10.i.0.0/24 (shape 0), and 10.i.1.0/24 (shape 1), or
 * 10.i.0.0/16 alone (shape 2: the same gateway 10.i.0.1 as the /24, so
 * that an LPM lookup of one answering the other would go unnoticed).
 */
static struct vx_network make_network(int i, int mtu, int shape, int no_egress)
{
	struct vx_network n = { .vni = 100 + i, .mtu = mtu ? 1400 : 0, .no_egress = no_egress,
				.nsubnets = 1 + (shape == 1) };

	snprintf(n.name, sizeof(n.name), "n%d", i);
	for (int s = 0; s < n.nsubnets; s++) {
		n.subnets[s].addr = htonl(0x0a000000 | i << 16 | s << 8);
		n.subnets[s].prefix = shape == 2 ? 16 : 24;
		n.subnets[s].gateway = htonl(ntohl(n.subnets[s].addr) + 1);
	}
	return n;
}

/* The veth vxnet makes for endpoint i: "vx" and the crc32 of its name. */
static void veth_name(int i, char buf[IFNAMSIZ])
{
	char name[16];

	snprintf(name, sizeof(name), "e%d", i);
	snprintf(buf, IFNAMSIZ, "vx%08lx", crc32(0, (const unsigned char *)name, strlen(name)));
}

/* Endpoint i of network i % NNETS on host `host`, in subnet `sub`,
 * publishing (pub: bit 0) 8000 + network/tcp to port 80 and (bit 1) 9000 +
 * network/udp to port 53.
 */
static struct vx_endpoint make_endpoint(int i, int host, int sub, int mac, int pub)
{
	struct vx_endpoint e = { .ip = htonl(0x0a000000 | (i % NNETS) << 16 | sub << 8 | (10 + i)) };

	snprintf(e.name, sizeof(e.name), "e%d", i);
	snprintf(e.network, sizeof(e.network), "n%d", i % NNETS);
	snprintf(e.node, sizeof(e.node), "h%d", host + 1);
	default_mac(e.ip, e.mac);
	e.mac[5] ^= mac;
	if (i <= 8) /* e8's veth is never made */
		veth_name(i, e.host_ifname);
	if (pub & 1)
		e.publish[e.npublish++] = (struct vx_publish){ .proto = IPPROTO_TCP,
							       .host_port = 8000 + i % NNETS, .port = 80 };
	if (pub & 2)
		e.publish[e.npublish++] = (struct vx_publish){ .proto = IPPROTO_UDP,
							       .host_port = 9000 + i % NNETS, .port = 53 };
	return e;
}

/* A random put or delete; describes it in what. */
static struct vx_store_event random_event(unsigned int *seed, char *what, size_t len)
{
	struct vx_store_event ev = { .deleted = rand_r(seed) % 4 == 0 };
	int kind = rand_r(seed) % 6, i;

	if (kind == 0) {
		i = rand_r(seed) % NNODES;
		ev.kind = VX_REC_NODE;
		ev.rec.node = make_node(i, rand_r(seed) % 2);
	} else if (kind == 1) {
		i = rand_r(seed) % NNETS;
		ev.kind = VX_REC_NETWORK;
		ev.rec.network = make_network(i, rand_r(seed) % 2, rand_r(seed) % 3, rand_r(seed) % 2);
	} else {
		i = rand_r(seed) % NEPS;
		ev.kind = VX_REC_ENDPOINT;
		ev.rec.endpoint = make_endpoint(i, rand_r(seed) % NNODES, rand_r(seed) % 2,
						rand_r(seed) % 2, rand_r(seed) % 4);
	}
	memcpy(ev.name, &ev.rec, VX_NAME_MAX); /* every record starts with its name */
	snprintf(what, len, "%s %s %s", ev.deleted ? "delete" : "put",
		 kind == 0 ? "node" : kind == 1 ? "network" : "endpoint", ev.name);
	return ev;
}

static int pin_maps(struct vxnet_bpf *skel)
{
	struct vxnet_host host = { .node = "h1", .addr.be32 = make_node(0, 0).addr, .ifindex = 1,
				   .port = 4789, .decap = VXNET_DECAP_TC };
	char path[128];
	__u32 zero = 0;

	for (int m = 0; m < DP_MAP_COUNT; m++) {
		struct bpf_map *map = bpf_object__find_map_by_name(skel->obj, dp_maps[m].name);

		snprintf(path, sizeof(path), "%s/%s", dir, dp_maps[m].name);
		if (!map || bpf_map__pin(map, path))
			return -1;
	}
	return bpf_map__update_elem(skel->maps.host, &zero, sizeof(zero), &host, sizeof(host), 0);
}

static void unpin(void)
{
	char path[128];

	for (int m = 0; m < DP_MAP_COUNT; m++) {
		snprintf(path, sizeof(path), "%s/%s", dir, dp_maps[m].name);
		unlink(path);
	}
	rmdir(dir);
}

static int initial_state(struct vx_state *st)
{
	for (int i = 0; i < NNODES; i++) {
		struct vx_node n = make_node(i, 0);

		if (!state_add_node(st, &n))
			return -ENOMEM;
	}
	for (int i = 0; i < NNETS; i++) {
		struct vx_network n = make_network(i, 0, 0, i == 1);

		if (!state_add_network(st, &n))
			return -ENOMEM;
	}
	for (int i = 0; i < NEPS; i += 2) {
		struct vx_endpoint e = make_endpoint(i, i % NNODES, 0, 0, 3);

		if (!state_add_endpoint(st, &e))
			return -ENOMEM;
	}
	return 0;
}

static int map_entries(int fd)
{
	unsigned char key[64]; /* the largest key of dp_maps */
	void *prev = NULL;
	int n = 0;

	while (!bpf_map_get_next_key(fd, prev, key)) {
		prev = key;
		n++;
	}
	return n;
}

/* After the initial sync: n1 (no egress) has the flag, n0 not; each
 * network's subnet is in the LPM trie with its gateway, an address in it
 * finds it, one outside all of them finds nothing.
 */
static int check_initial(const struct dp_sync *s)
{
	struct vxnet_subnet_key k = { .prefixlen = 64, .vni = 100, .addr.be32 = htonl(0x0a000063) };
	struct vxnet_network net0, net1;
	struct vxnet_subnet sn;
	__u32 vni0 = 100, vni1 = 101;

	if (map_entries(s->fds[DP_MAP_SUBNETS]) != NNETS ||
	    bpf_map_lookup_elem(s->fds[DP_MAP_NETWORKS], &vni0, &net0) ||
	    bpf_map_lookup_elem(s->fds[DP_MAP_NETWORKS], &vni1, &net1) ||
	    net0.flags != 0 || net1.flags != VXNET_NET_NO_EGRESS)
		return -1;
	if (bpf_map_lookup_elem(s->fds[DP_MAP_SUBNETS], &k, &sn) || sn.gateway.be32 != htonl(0x0a000001))
		return -1; /* 10.0.0.99 in n0: 10.0.0.0/24, gateway 10.0.0.1 */
	k.addr.be32 = htonl(0x0a000163);
	return bpf_map_lookup_elem(s->fds[DP_MAP_SUBNETS], &k, &sn) ? 0 : -1; /* 10.0.1.99: none */
}

/* After the initial sync: every endpoint publishes both ports, so each
 * network has two services of NEPS / 2 / NNETS backends, each with every
 * slot; n0's e0, e6, e12 and e18 hold 8000/tcp's slots, each about a
 * quarter, with their nodes' addresses; published has each endpoint's two
 * ports.
 */
static int check_services(const struct dp_sync *s)
{
	struct vxnet_service_key sk = { .proto = IPPROTO_TCP, .port = htons(8000) };
	struct vxnet_published_key pk = { .vni = 100, .ip.be32 = htonl(0x0a00000a), .proto = IPPROTO_UDP,
					  .port = htons(53) };
	int per = NEPS / 2 / NNETS, held[NEPS] = {};
	struct vxnet_published pv;
	struct vxnet_service sv;

	if (map_entries(s->fds[DP_MAP_SERVICES]) != 2 * NNETS ||
	    map_entries(s->fds[DP_MAP_BACKENDS]) != 2 * NNETS * VXNET_SERVICE_SLOTS ||
	    map_entries(s->fds[DP_MAP_PUBLISHED]) != NEPS ||
	    bpf_map_lookup_elem(s->fds[DP_MAP_SERVICES], &sk, &sv) || sv.backends != (__u32)per ||
	    bpf_map_lookup_elem(s->fds[DP_MAP_PUBLISHED], &pk, &pv) || pv.hostport != htons(9000))
		return -1;
	for (__u32 slot = 0; slot < VXNET_SERVICE_SLOTS; slot++) {
		struct vxnet_backend_key bk = { .proto = IPPROTO_TCP, .port = htons(8000), .slot = slot };
		struct vxnet_backend b;
		int i;

		if (bpf_map_lookup_elem(s->fds[DP_MAP_BACKENDS], &bk, &b) || b.vni != 100 ||
		    b.port != htons(80))
			return -1;
		i = (ntohl(b.ip.be32) & 0xff) - 10; /* e_i is 10.0.0.(10 + i) */
		if (i < 0 || i >= NEPS || i % (2 * NNETS) || b.node.be32 != make_node(i % NNODES, 0).addr)
			return -1;
		held[i]++;
	}
	for (int i = 0; i < NEPS; i += 2 * NNETS)
		if (held[i] < VXNET_SERVICE_SLOTS / per - 1 || held[i] > VXNET_SERVICE_SLOTS / per + 1)
			return -1;
	return 0;
}

/* Runs the events; 0 when a full sync agreed after each. */
static int run(unsigned int seed)
{
	struct dp_sync agent;
	struct kv_result res;
	struct vx_state st;
	unsigned int rng = seed;
	char what[96];
	int err, step;

	state_init(&st);
	err = initial_state(&st) ?: dp_sync_open(&agent, dir, "test") ?:
	      dp_sync_full(&agent, &st, &res);
	if (err) {
		printf("not ok sync seed %u: initial full sync: %s\n", seed, strerror(-err));
		return 1;
	}
	printf("ok sync seed %u: initial full sync wrote %u entries\n", seed, res.added);
	/* e0 and e6 are on this host (h1) behind their veths: both forwarded to */
	if (map_entries(agent.fds[DP_MAP_IFACES]) != 2) {
		printf("not ok sync seed %u: ifaces holds %d entries, expected e0's and e6's\n",
		       seed, map_entries(agent.fds[DP_MAP_IFACES]));
		return 1;
	}
	if (check_initial(&agent)) {
		printf("not ok sync seed %u: subnets holds %d entries, expected one per network, "
		       "or a lookup or a network's egress flag is wrong\n", seed,
		       map_entries(agent.fds[DP_MAP_SUBNETS]));
		return 1;
	}
	if (check_services(&agent)) {
		printf("not ok sync seed %u: services %d, backends %d, published %d entries, or "
		       "a service, backend or publication is wrong\n", seed,
		       map_entries(agent.fds[DP_MAP_SERVICES]), map_entries(agent.fds[DP_MAP_BACKENDS]),
		       map_entries(agent.fds[DP_MAP_PUBLISHED]));
		return 1;
	}
	for (step = 0; step < STEPS && !err; step++) {
		struct vx_store_event ev = random_event(&rng, what, sizeof(what));

		ev.revision = step + 1;
		/* as detach does: the veth goes first, then the record */
		if (ev.kind == VX_REC_ENDPOINT && ev.deleted && ev.rec.endpoint.host_ifname[0])
			sh("ip link del %s 2>/dev/null; :", ev.rec.endpoint.host_ifname);
		err = dp_sync_event(&agent, &st, &ev, &res);
		if (ev.kind == VX_REC_ENDPOINT && atoi(ev.name + 1) < 8)
			sh("ip link add %s type veth peer name vxp%d 2>/dev/null; :",
			   ev.rec.endpoint.host_ifname, atoi(ev.name + 1));
		if (err) {
			printf("not ok sync seed %u: event %d (%s): %s\n", seed, step, what,
			       strerror(-err));
			break;
		}
		err = dp_sync(&st, dir, &res);
		if (!err && (res.added || res.changed || res.removed)) {
			printf("not ok sync seed %u: after event %d (%s) a full sync found %u "
			       "added, %u changed, %u removed\n", seed, step, what, res.added,
			       res.changed, res.removed);
			err = -EINVAL;
		}
	}
	if (!err)
		printf("ok sync seed %u: %d random events applied one by one equal a full sync "
		       "after each (%zu nodes, %zu networks, %zu endpoints, %d services at the end)\n",
		       seed, STEPS, st.nnodes, st.nnetworks, st.nendpoints,
		       map_entries(agent.fds[DP_MAP_SERVICES]));
	dp_sync_close(&agent);
	state_free(&st);
	return err ? 1 : 0;
}

/* gens[which], or -1. */
static long gen_of(int which)
{
	__u32 key = which, gen;
	int fd = dp_open_pin(dir, VXNET_PIN_GENS);
	long r = fd >= 0 && !bpf_map_lookup_elem(fd, &key, &gen) ? (long)gen : -1;

	if (fd >= 0)
		close(fd);
	return r;
}

/* One network event through dp_sync_event; the generations of ifaces and
 * endpoints move (1) or not (0) as want_ifaces, want_eps say: the
 * datapath's copies of ifaces records carry their network's flags, those
 * of endpoints records whether a subnet holds an address without one.
 */
static int gen_case(struct dp_sync *agent, struct vx_state *st, struct vx_network n,
		    int want_ifaces, int want_eps, const char *name)
{
	struct vx_store_event ev = { .kind = VX_REC_NETWORK, .rec.network = n };
	long i0 = gen_of(VXNET_GEN_IFACES), e0 = gen_of(VXNET_GEN_ENDPOINTS), i1, e1;
	struct kv_result res;
	int err;

	memcpy(ev.name, n.name, sizeof(n.name));
	err = dp_sync_event(agent, st, &ev, &res);
	i1 = gen_of(VXNET_GEN_IFACES);
	e1 = gen_of(VXNET_GEN_ENDPOINTS);
	if (err || i0 < 0 || e0 < 0 || (i1 > i0) != want_ifaces || (e1 > e0) != want_eps) {
		printf("not ok gens: %s: %s, ifaces generation %ld -> %ld, endpoints %ld -> %ld\n",
		       name, err ? strerror(-err) : "synced", i0, i1, e0, e1);
		return 1;
	}
	printf("ok gens: %s\n", name);
	return 0;
}

/* Which generations an agent's network changes move. */
static int gens(void)
{
	struct dp_sync agent;
	struct kv_result res;
	struct vx_state st;
	int err, failed = 0;

	state_init(&st);
	err = initial_state(&st) ?: dp_sync_open(&agent, dir, "test") ?:
	      dp_sync_full(&agent, &st, &res);
	if (err) {
		printf("not ok gens: initial full sync: %s\n", strerror(-err));
		state_free(&st);
		return 1;
	}
	failed |= gen_case(&agent, &st, make_network(0, 0, 0, 1), 1, 0,
			   "n0's egress switched off: the ifaces generation moves (networks changed)");
	failed |= gen_case(&agent, &st, make_network(0, 0, 0, 1), 0, 0,
			   "the same record again: no generation moves (nothing written)");
	failed |= gen_case(&agent, &st, make_network(0, 0, 0, 0), 1, 0,
			   "n0's egress switched on: the ifaces generation moves");
	failed |= gen_case(&agent, &st, make_network(0, 0, 2, 0), 0, 1,
			   "n0's 10.0.0.0/24 becomes 10.0.0.0/16, the same gateway: the endpoints generation moves (only subnets changed)");
	dp_sync_close(&agent);
	state_free(&st);
	return failed;
}

int main(void)
{
	struct vxnet_bpf *skel;
	int rc = 1;

	if (unshare(CLONE_NEWNET)) {
		fprintf(stderr, "test_sync: unshare(CLONE_NEWNET): %s\n", strerror(errno));
		return 1;
	}
	for (int i = 0; i < 8; i++) {
		char veth[IFNAMSIZ];

		veth_name(i, veth);
		if (sh("ip link add %s type veth peer name vxp%d", veth, i))
			return 1;
	}
	snprintf(dir, sizeof(dir), "/sys/fs/bpf/vxt%d-sync", getpid());
	if (dp_prepare_pin_dir(dir))
		return 1;
	skel = vxnet_bpf__open_and_load();
	if (!skel || pin_maps(skel)) {
		printf("not ok sync: load and pin the maps in %s: %s\n", dir, strerror(errno));
		goto cleanup;
	}
	if (!getenv("VXNET_TEST_DEBUG"))
		freopen("/dev/null", "w", stderr);
	rc = run(1) || run(2) || run(3) || gens();
cleanup:
	vxnet_bpf__destroy(skel);
	unpin();
	return rc;
}
