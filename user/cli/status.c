// SPDX-License-Identifier: GPL-2.0-only
/* `vxnet status` (programs, attach points, map fill levels) and `vxnet stats`
 * (per-CPU counters summed, drops by reason).
 */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "cli.h"
#include "datapath.h"
#include "log.h"
#include "maps.h"

static const char *const stat_names[VXNET_STAT__MAX] = {
	[VXNET_STAT_FROM_CONTAINER] = "from-container",
	[VXNET_STAT_LOCAL] = "local-delivery",
	[VXNET_STAT_ENCAP] = "encap",
	[VXNET_STAT_DECAP] = "decap",
	[VXNET_STAT_ARP_REPLY] = "arp-reply",
	[VXNET_STAT_PASS] = "underlay-pass",
	[VXNET_STAT_ICMP_FRAG_NEEDED] = "icmp-frag-needed",
	[VXNET_STAT_DECAP_GRO] = "decap-gro",
	[VXNET_STAT_GW_ECHO] = "gateway-echo",
	[VXNET_STAT_EGRESS] = "egress",
	[VXNET_STAT_EGRESS_REPLY] = "egress-reply",
	[VXNET_STAT_NAT_NEW] = "nat-new",
	[VXNET_STAT_NAT_ICMP_ERROR] = "nat-icmp-error",
	[VXNET_STAT_PUBLISHED] = "published",
	[VXNET_STAT_PUBLISHED_REPLY] = "published-reply",
	[VXNET_STAT_PUBLISHED_NEW] = "published-new",
};

static const char *const drop_names[VXNET_DROP__MAX] = {
	[VXNET_DROP_MALFORMED] = "malformed",
	[VXNET_DROP_UNKNOWN_IFACE] = "unknown-iface",
	[VXNET_DROP_SPOOF_MAC] = "spoofed-mac",
	[VXNET_DROP_SPOOF_IP] = "spoofed-ip",
	[VXNET_DROP_NO_ENDPOINT] = "no-endpoint",
	[VXNET_DROP_UNSUPPORTED] = "unsupported",
	[VXNET_DROP_UNKNOWN_HOST] = "unknown-host",
	[VXNET_DROP_UNKNOWN_VNI] = "unknown-vni",
	[VXNET_DROP_NOT_LOCAL] = "not-local",
	[VXNET_DROP_BAD_VXLAN] = "bad-vxlan",
	[VXNET_DROP_FIB] = "no-route",
	[VXNET_DROP_ENCAP] = "encap-failed",
	[VXNET_DROP_DECAP] = "decap-failed",
	[VXNET_DROP_TTL_EXCEEDED] = "ttl-exceeded",
	[VXNET_DROP_TOO_BIG] = "too-big",
	[VXNET_DROP_FRAG_NEEDED] = "frag-needed",
	[VXNET_DROP_HOST_NOT_IN_VNI] = "host-not-in-vni",
	[VXNET_DROP_KERNEL_TUNNEL] = "kernel-tunnel",
	[VXNET_DROP_SPOOF_REMOTE] = "spoofed-remote",
	[VXNET_DROP_NOT_FOR_HOST] = "not-for-host",
	[VXNET_DROP_NO_EGRESS] = "no-egress",
	[VXNET_DROP_NAT_EXHAUSTED] = "nat-exhausted",
	[VXNET_DROP_NAT_FAILED] = "nat-failed",
	[VXNET_DROP_NAT_UNSUPPORTED] = "nat-unsupported",
	[VXNET_DROP_NO_BACKEND] = "no-backend",
	[VXNET_DROP_NOT_PUBLISHED] = "not-published",
};

/* Sums a per-CPU counter array into out[n]. */
static int read_counters(const char *name, struct vxnet_counter *out, unsigned int n)
{
	int ncpu = libbpf_num_possible_cpus();
	struct vxnet_counter *pc;
	int fd, err = 0;

	if (ncpu < 0)
		return ncpu;
	fd = dp_open_pin(vx_opts.pin_dir, name);
	if (fd < 0) {
		pr_err("open %s/%s: %s", vx_opts.pin_dir, name, strerror(-fd));
		return fd;
	}
	pc = calloc(ncpu, sizeof(*pc));
	for (__u32 k = 0; k < n && pc; k++) {
		out[k] = (struct vxnet_counter){};
		if (bpf_map_lookup_elem(fd, &k, pc)) {
			err = -errno;
			break;
		}
		for (int c = 0; c < ncpu; c++) {
			out[k].packets += pc[c].packets;
			out[k].bytes += pc[c].bytes;
		}
	}
	if (!pc)
		err = -ENOMEM;
	if (err)
		pr_err("read %s/%s: %s", vx_opts.pin_dir, name, strerror(-err));
	free(pc);
	close(fd);
	return err;
}

static int stats(void *arg)
{
	struct vxnet_counter stats[VXNET_STAT__MAX], drops[VXNET_DROP__MAX];
	struct vxnet_host host;

	if (dp_read_host(vx_opts.pin_dir, &host) ||
	    read_counters(VXNET_PIN_STATS, stats, VXNET_STAT__MAX) ||
	    read_counters(VXNET_PIN_DROPS, drops, VXNET_DROP__MAX))
		return 1;
	printf("%-16s %14s %16s\n", "COUNTER", "PACKETS", "BYTES");
	for (int i = 0; i < VXNET_STAT__MAX; i++)
		printf("%-16s %14llu %16llu\n", stat_names[i], stats[i].packets, stats[i].bytes);
	printf("\n%-16s %14s %16s\n", "DROP REASON", "PACKETS", "BYTES");
	for (int i = 0; i < VXNET_DROP__MAX; i++)
		printf("%-16s %14llu %16llu\n", drop_names[i] ? drop_names[i] : "?", drops[i].packets,
		       drops[i].bytes);
	return 0;
}

static void print_prog(const char *pin)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);
	int fd = dp_open_pin(vx_opts.pin_dir, pin);

	if (fd < 0) {
		printf("  %-22s missing (%s)\n", pin, strerror(-fd));
		return;
	}
	if (!bpf_obj_get_info_by_fd(fd, &info, &len))
		printf("  %-22s id %-6u %s\n", pin, info.id, info.name);
	close(fd);
}

static int count_entries(int fd, __u32 key_size)
{
	unsigned char key[64];
	void *prev = NULL;
	int n = 0;

	if (key_size > sizeof(key))
		return -1;
	while (!bpf_map_get_next_key(fd, prev, key)) {
		prev = key;
		n++;
	}
	return n;
}

static int status(void *arg)
{
	char dev[IF_NAMESIZE] = "?", addr[INET_ADDRSTRLEN];
	struct vxnet_host host;
	__u32 xdp_id = 0, key, *prev = NULL;
	int fd, n = 0;

	if (dp_read_host(vx_opts.pin_dir, &host))
		return 1;
	if_indextoname(host.ifindex, dev);
	inet_ntop(AF_INET, &host.addr, addr, sizeof(addr));
	bpf_xdp_query_id(host.ifindex, 0, &xdp_id);
	printf("node %s, address %s, underlay %s (ifindex %u), port %u, pins %s\n", host.node,
	       addr, dev, host.ifindex, host.port, vx_opts.pin_dir);
	printf("decap: %s", host.decap == VXNET_DECAP_XDP ? "xdp" : "tc ingress");
	if (host.decap == VXNET_DECAP_XDP)
		printf(" (attached prog id %u)", xdp_id);
	else
		printf(if_nametoindex(VXNET_GRO_DEV) ? ", GRO through %s" : ", no GRO (%s absent)",
		       VXNET_GRO_DEV);
	printf("\negress NAT: ports %u-%u in ip_local_reserved_ports (%s)\n", host.nat_port_min,
	       host.nat_port_max, host.restore & VXNET_RESTORE_PORTS ? "vxnet up added them" :
	       "there before vxnet up");
	printf("programs:\n");
	for (int i = 0; i < DP_PROG_COUNT; i++)
		print_prog(dp_progs[i].pin);
	fd = dp_open_pin(vx_opts.pin_dir, VXNET_PIN_IFACES);
	printf("container interfaces (tc ingress):");
	while (fd >= 0 && !bpf_map_get_next_key(fd, prev, &key)) {
		char name[IF_NAMESIZE] = "?";

		prev = &key;
		if_indextoname(key, name);
		printf(" %s", name);
		n++;
	}
	printf("%s\nmaps:\n", n ? "" : " none");
	if (fd >= 0)
		close(fd);
	for (int i = 0; i < DP_MAP_COUNT; i++) {
		struct bpf_map_info info = {};
		__u32 len = sizeof(info);

		if (i >= DP_MAP_NSYNCED && i != DP_MAP_NAT)
			continue; /* counters and the host record: stats, the lines above */
		fd = dp_open_pin(vx_opts.pin_dir, dp_maps[i].name);
		if (fd < 0 || bpf_obj_get_info_by_fd(fd, &info, &len)) {
			printf("  %-10s missing\n", dp_maps[i].name);
		} else {
			printf("  %-10s %d / %u entries: %s\n", dp_maps[i].name,
			       count_entries(fd, info.key_size), info.max_entries, dp_maps[i].holds);
		}
		if (fd >= 0)
			close(fd);
	}
	return 0;
}

const struct cli_verb status_verb = { "status",
	"Shows this host's datapath: node, underlay, decap mode, programs, interfaces, maps.",
	.run = status };
const struct cli_verb stats_verb = { "stats",
	"Shows the datapath's counters, summed over CPUs, and drops by reason.", .run = stats };
