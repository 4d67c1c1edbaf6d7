// SPDX-License-Identifier: GPL-2.0-only
/* Prometheus metrics (metrics.h): the text exposition format written from
 * the pins and the agent's counters, and the /metrics server.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <net/if.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "datapath.h"
#include "log.h"
#include "maps.h"
#include "metrics.h"

const char *const vx_stat_names[VXNET_STAT__MAX] = {
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

const char *const vx_drop_names[VXNET_DROP__MAX] = {
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

int metrics_read_counters(const char *dir, const char *name, struct vxnet_counter *out,
			  unsigned int n)
{
	int ncpu = libbpf_num_possible_cpus(), fd, err = 0;
	struct vxnet_counter *pc;

	if (ncpu < 0)
		return ncpu;
	fd = dp_open_pin(dir, name);
	if (fd < 0)
		return fd;
	pc = calloc(ncpu, sizeof(*pc));
	if (!pc)
		err = -ENOMEM;
	for (__u32 k = 0; k < n && !err; k++) {
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
	free(pc);
	close(fd);
	return err;
}

long metrics_map_entries(int fd)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	unsigned char key[256];
	void *prev = NULL;
	long n = 0;

	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return -errno;
	if (info.type == BPF_MAP_TYPE_ARRAY || info.type == BPF_MAP_TYPE_PERCPU_ARRAY)
		return info.max_entries;
	if (!info.key_size) /* a ring buffer: no entries to count */
		return -EOPNOTSUPP;
	if (info.key_size > sizeof(key))
		return -E2BIG;
	while (!bpf_map_get_next_key(fd, prev, key)) {
		prev = key;
		n++;
	}
	return n;
}

/* ---- the exposition format ---- */

static void family(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* A label value: backslash, double quote and newline escaped. */
static void label_value(FILE *f, const char *v)
{
	for (; *v; v++) {
		if (*v == '\\' || *v == '"')
			fprintf(f, "\\%c", *v);
		else if (*v == '\n')
			fputs("\\n", f);
		else
			fputc(*v, f);
	}
}

/* name{k1="v1",k2="v2"} value: labels as NULL-ended pairs. */
static void sample(FILE *f, const char *name, const char *const *labels, const char *value)
{
	fputs(name, f);
	for (int i = 0; labels && labels[i]; i += 2) {
		fprintf(f, "%s%s=\"", i ? "," : "{", labels[i]);
		label_value(f, labels[i + 1]);
		fputc('"', f);
	}
	fprintf(f, "%s %s\n", labels && labels[0] ? "}" : "", value);
}

static void sample_u64(FILE *f, const char *name, const char *const *labels, unsigned long long v)
{
	char s[24];

	snprintf(s, sizeof(s), "%llu", v);
	sample(f, name, labels, s);
}

static void sample_double(FILE *f, const char *name, const char *const *labels, double v)
{
	char s[40];

	snprintf(s, sizeof(s), "%.9g", v);
	sample(f, name, labels, s);
}

/* ---- the datapath ---- */

static const char *const hook_names[VXNET_HOOK__MAX] = {
	[VXNET_HOOK_FROM_CONTAINER] = "from_container",
	[VXNET_HOOK_XDP_DECAP] = "xdp_decap",
	[VXNET_HOOK_TC_DECAP] = "tc_decap",
	[VXNET_HOOK_NAT_IN] = "nat_in",
	[VXNET_HOOK_GRO_SINK] = "gro_sink",
};

/* drops_total by reason and hook, from drops_hook; by reason only (drops)
 * when that map is not there (a datapath from before it).
 */
static void write_drops(FILE *f, const char *pin_dir, const struct vxnet_counter *drops)
{
	static struct vxnet_counter dh[VXNET_HOOK__MAX * VXNET_COUNTER_SLOTS];
	int by_hook = !metrics_read_counters(pin_dir, VXNET_PIN_DROPS_HOOK, dh,
					    VXNET_HOOK__MAX * VXNET_COUNTER_SLOTS);

	family(f, "vxnet_datapath_drops_total", "counter",
	       "Packets the datapath dropped, by reason.");
	for (int i = 0; i < VXNET_DROP__MAX; i++) {
		if (!by_hook) {
			sample_u64(f, "vxnet_datapath_drops_total",
				   (const char *[]){ "reason", vx_drop_names[i], NULL },
				   drops[i].packets);
			continue;
		}
		for (int h = 1; h < VXNET_HOOK__MAX; h++)
			sample_u64(f, "vxnet_datapath_drops_total",
				   (const char *[]){ "reason", vx_drop_names[i], "hook",
						     hook_names[h], NULL },
				   dh[h * VXNET_COUNTER_SLOTS + i].packets);
	}
}

static int write_counters(FILE *f, const char *pin_dir)
{
	struct vxnet_counter stats[VXNET_STAT__MAX], drops[VXNET_DROP__MAX];
	int err;

	err = metrics_read_counters(pin_dir, VXNET_PIN_STATS, stats, VXNET_STAT__MAX);
	if (!err)
		err = metrics_read_counters(pin_dir, VXNET_PIN_DROPS, drops, VXNET_DROP__MAX);
	if (err) {
		pr_err("metrics: read %s/%s: %s", pin_dir, VXNET_PIN_STATS, strerror(-err));
		return err;
	}
	family(f, "vxnet_datapath_packets_total", "counter",
	       "Packets the datapath handled, by event (vxnet stats).");
	for (int i = 0; i < VXNET_STAT__MAX; i++)
		sample_u64(f, "vxnet_datapath_packets_total",
			   (const char *[]){ "event", vx_stat_names[i], NULL }, stats[i].packets);
	family(f, "vxnet_datapath_bytes_total", "counter",
	       "Bytes of the packets the datapath handled, by event.");
	for (int i = 0; i < VXNET_STAT__MAX; i++)
		sample_u64(f, "vxnet_datapath_bytes_total",
			   (const char *[]){ "event", vx_stat_names[i], NULL }, stats[i].bytes);
	write_drops(f, pin_dir, drops);
	family(f, "vxnet_datapath_dropped_bytes_total", "counter",
	       "Bytes of the packets the datapath dropped, by reason.");
	for (int i = 0; i < VXNET_DROP__MAX; i++)
		sample_u64(f, "vxnet_datapath_dropped_bytes_total",
			   (const char *[]){ "reason", vx_drop_names[i], NULL }, drops[i].bytes);
	return 0;
}

static void write_maps(FILE *f, const char *pin_dir)
{
	long entries[DP_MAP_COUNT];
	__u32 max[DP_MAP_COUNT];

	for (int i = 0; i < DP_MAP_COUNT; i++) {
		struct bpf_map_info info = {};
		__u32 len = sizeof(info);
		int fd = dp_open_pin(pin_dir, dp_maps[i].name);

		entries[i] = -1; /* missing, or a ring buffer: left out */
		if (fd >= 0 && !bpf_obj_get_info_by_fd(fd, &info, &len)) {
			entries[i] = metrics_map_entries(fd);
			max[i] = info.max_entries;
		}
		if (fd >= 0)
			close(fd);
	}
	family(f, "vxnet_map_entries", "gauge", "Entries in each pinned map of the datapath.");
	for (int i = 0; i < DP_MAP_COUNT; i++)
		if (entries[i] >= 0)
			sample_u64(f, "vxnet_map_entries",
				   (const char *[]){ "map", dp_maps[i].name, NULL }, entries[i]);
	family(f, "vxnet_map_max_entries", "gauge", "Capacity (max_entries) of each pinned map.");
	for (int i = 0; i < DP_MAP_COUNT; i++)
		if (entries[i] >= 0)
			sample_u64(f, "vxnet_map_max_entries",
				   (const char *[]){ "map", dp_maps[i].name, NULL }, max[i]);
}

static void ep_add(struct vxnet_ep_stats *out, const struct vxnet_ep_stats *s)
{
	out->tx_packets += s->tx_packets;
	out->tx_bytes += s->tx_bytes;
	out->rx_packets += s->rx_packets;
	out->rx_bytes += s->rx_bytes;
}

int metrics_read_ep_fds(int slots_fd, int spill_fd, __u32 ifindex, struct vxnet_ep_stats *out)
{
	int ncpu = libbpf_num_possible_cpus(), err = 0;
	__u32 slot = ifindex % VXNET_EP_SLOTS;
	struct vxnet_ep_slot *e;
	struct vxnet_ep_stats *pc;

	memset(out, 0, sizeof(*out));
	if (ncpu < 0)
		return ncpu;
	e = calloc(ncpu, sizeof(*e));
	pc = calloc(ncpu, sizeof(*pc));
	if (!e || !pc)
		err = -ENOMEM;
	else if (bpf_map_lookup_elem(slots_fd, &slot, e))
		err = -errno;
	for (int c = 0; !err && c < ncpu; c++)
		if (e[c].ifindex == ifindex)
			ep_add(out, &e[c].s);
	if (!err && bpf_map_lookup_elem(spill_fd, &ifindex, pc))
		err = errno == ENOENT ? 0 : -errno; /* none there: zeros */
	else
		for (int c = 0; !err && c < ncpu; c++)
			ep_add(out, &pc[c]);
	free(e);
	free(pc);
	return err;
}

/* The two maps' pins in dir; 0, or a negative errno with both closed. */
static int ep_open(const char *dir, int *slots_fd, int *spill_fd)
{
	*slots_fd = dp_open_pin(dir, VXNET_PIN_EP_SLOTS);
	*spill_fd = *slots_fd < 0 ? -1 : dp_open_pin(dir, VXNET_PIN_EP_STATS);
	if (*slots_fd >= 0 && *spill_fd >= 0)
		return 0;
	if (*slots_fd >= 0)
		close(*slots_fd);
	return *slots_fd < 0 ? *slots_fd : *spill_fd;
}

int metrics_read_ep_stats(const char *dir, __u32 ifindex, struct vxnet_ep_stats *out)
{
	int slots_fd, spill_fd, err;

	memset(out, 0, sizeof(*out));
	err = ep_open(dir, &slots_fd, &spill_fd);
	if (err)
		return err;
	err = metrics_read_ep_fds(slots_fd, spill_fd, ifindex, out);
	close(slots_fd);
	close(spill_fd);
	return err;
}

int metrics_clear_ep_stats(const char *dir, __u32 ifindex)
{
	int ncpu = libbpf_num_possible_cpus(), slots_fd, spill_fd, err, mine = 0;
	__u32 slot = ifindex % VXNET_EP_SLOTS;
	struct vxnet_ep_slot *e;

	if (ncpu < 0)
		return ncpu;
	err = ep_open(dir, &slots_fd, &spill_fd);
	if (err)
		return err;
	bpf_map_delete_elem(spill_fd, &ifindex);
	e = calloc(ncpu, sizeof(*e));
	if (!e)
		err = -ENOMEM;
	else if (bpf_map_lookup_elem(slots_fd, &slot, e))
		err = -errno;
	for (int c = 0; !err && c < ncpu; c++)
		if (e[c].ifindex == ifindex) {
			memset(&e[c], 0, sizeof(e[c]));
			mine = 1;
		}
	/* The other CPUs' values written back as read: a packet another
	 * ifindex counted there meanwhile is lost (only on a shared slot).
	 */
	if (!err && mine && bpf_map_update_elem(slots_fd, &slot, e, BPF_ANY))
		err = -errno;
	free(e);
	close(slots_fd);
	close(spill_fd);
	return err;
}

/* ep_slots' owners, owner[slot * ncpu + cpu], read with
 * BPF_MAP_LOOKUP_BATCH in chunks of EP_BATCH slots: a few syscalls for the
 * whole array instead of one per slot. 0 or a negative errno.
 */
#define EP_BATCH 512
static int ep_owners(int slots_fd, int ncpu, __u32 *owner)
{
	size_t vsz = (sizeof(struct vxnet_ep_slot) + 7) & ~(size_t)7; /* per CPU */
	__u32 keys[EP_BATCH], next, done = 0, *in = NULL;
	char *vals = malloc(EP_BATCH * ncpu * vsz);
	int err = vals ? 0 : -ENOMEM;
	LIBBPF_OPTS(bpf_map_batch_opts, o);

	while (!err && done < VXNET_EP_SLOTS) {
		__u32 n = EP_BATCH;

		err = bpf_map_lookup_batch(slots_fd, in, &next, keys, vals, &n, &o);
		if (err && errno == ENOENT)
			err = 0, next = VXNET_EP_SLOTS; /* the last chunk */
		else if (err)
			err = -errno;
		for (__u32 i = 0; !err && i < n; i++)
			for (int c = 0; c < ncpu && keys[i] < VXNET_EP_SLOTS; c++)
				owner[keys[i] * ncpu + c] =
					((struct vxnet_ep_slot *)(vals + (i * ncpu + c) * vsz))->ifindex;
		done += n;
		if (!err && (!n || next >= VXNET_EP_SLOTS))
			break;
		in = &next;
	}
	free(vals);
	return err;
}

int metrics_ep_ifindexes(const char *dir, int (*fn)(__u32 ifindex, void *arg), void *arg)
{
	int ncpu = libbpf_num_possible_cpus(), slots_fd, spill_fd, err;
	__u32 key, next, *prev = NULL, *owner;

	if (ncpu < 0)
		return ncpu;
	err = ep_open(dir, &slots_fd, &spill_fd);
	if (err)
		return err;
	owner = calloc((size_t)VXNET_EP_SLOTS * ncpu, sizeof(*owner));
	err = owner ? ep_owners(slots_fd, ncpu, owner) : -ENOMEM;
	for (__u32 slot = 0; !err && slot < VXNET_EP_SLOTS; slot++) {
		__u32 *e = &owner[slot * ncpu];

		for (int c = 0; !err && c < ncpu; c++) {
			int seen = 0;

			for (int d = 0; d < c; d++)
				seen |= e[d] == e[c];
			if (e[c] && !seen)
				err = fn(e[c], arg);
		}
	}
	/* ep_stats' keys whose slot did not list them already */
	for (; !err && !bpf_map_get_next_key(spill_fd, prev, &next); key = next, prev = &key) {
		__u32 *e = &owner[(next % VXNET_EP_SLOTS) * ncpu];
		int seen = 0;

		for (int c = 0; c < ncpu; c++)
			seen |= e[c] == next;
		if (!seen)
			err = fn(next, arg);
	}
	free(owner);
	close(slots_fd);
	close(spill_fd);
	return err;
}

/* The labels of one local endpoint, and its veth. */
struct ep_label {
	char name[VX_NAME_MAX], network[VX_NAME_MAX], node[VX_NAME_MAX];
	char ifname[IFNAMSIZ];
};

static const struct {
	const char *name, *help;
} ep_families[4] = {
	{ "sent_packets_total", "Frames sent by" },
	{ "sent_bytes_total", "Bytes of the frames sent by" },
	{ "received_packets_total", "Frames vxnet handed to" },
	{ "received_bytes_total", "Bytes of the frames vxnet handed to" },
};

static __u64 ep_value(const struct vxnet_ep_stats *s, int i)
{
	return i == 0 ? s->tx_packets : i == 1 ? s->tx_bytes : i == 2 ? s->rx_packets : s->rx_bytes;
}

/* Per-endpoint and per-network traffic of this host's endpoints l[0..n). */
static void write_endpoints(FILE *f, const char *pin_dir, const struct ep_label *l, size_t n)
{
	struct vxnet_ep_stats *s = calloc(n + 1, sizeof(*s));
	char name[96], help[160];

	if (!s)
		return;
	for (size_t i = 0; i < n; i++) {
		__u32 ifindex = if_nametoindex(l[i].ifname);

		if (ifindex)
			metrics_read_ep_stats(pin_dir, ifindex, &s[i]);
	}
	for (int k = 0; k < 4; k++) {
		snprintf(name, sizeof(name), "vxnet_endpoint_%s", ep_families[k].name);
		snprintf(help, sizeof(help), "%s each endpoint on this host (its veth).",
			 ep_families[k].help);
		family(f, name, "counter", help);
		for (size_t i = 0; i < n; i++)
			sample_u64(f, name, (const char *[]){ "network", l[i].network, "endpoint",
				   l[i].name, "node", l[i].node, NULL }, ep_value(&s[i], k));
	}
	for (int k = 0; k < 4; k++) {
		snprintf(name, sizeof(name), "vxnet_network_%s", ep_families[k].name);
		snprintf(help, sizeof(help), "%s the endpoints of each network on this host.",
			 ep_families[k].help);
		family(f, name, "counter", help);
		for (size_t i = 0; i < n; i++) {
			__u64 sum = 0;
			int seen = 0;

			for (size_t j = 0; j < n && !seen; j++)
				seen = j < i && !strcmp(l[j].network, l[i].network);
			if (seen)
				continue; /* counted with the first of its network */
			for (size_t j = i; j < n; j++)
				if (!strcmp(l[j].network, l[i].network))
					sum += ep_value(&s[j], k);
			sample_u64(f, name, (const char *[]){ "network", l[i].network, "node", l[i].node,
				   NULL }, sum);
		}
	}
	free(s);
}

/* vxnet monitor's switch and the events its ring had no room for. */
static void write_monitor(FILE *f, const char *pin_dir)
{
	struct vxnet_monitor m;
	int fd = dp_open_pin(pin_dir, VXNET_PIN_MONITOR);
	__u32 key = 0;

	if (fd < 0)
		return;
	if (!bpf_map_lookup_elem(fd, &key, &m)) {
		family(f, "vxnet_monitor_listening", "gauge",
		       "1 while a vxnet monitor asks the datapath for events, else 0.");
		sample_u64(f, "vxnet_monitor_listening", NULL, !!m.flags);
		family(f, "vxnet_monitor_events_lost_total", "counter",
		       "Monitor events lost to a full ring buffer.");
		sample_u64(f, "vxnet_monitor_events_lost_total", NULL, m.lost);
	}
	close(fd);
}

/* The datapath's families; l: this host's endpoints, or NULL (not known). */
static int write_datapath(FILE *f, const char *pin_dir, const struct ep_label *l, size_t n)
{
	struct vxnet_host host;
	char addr[INET_ADDRSTRLEN];
	int err;

	err = dp_read_host(pin_dir, &host);
	if (err)
		return err;
	err = write_counters(f, pin_dir);
	if (err)
		return err;
	if (l)
		write_endpoints(f, pin_dir, l, n);
	write_maps(f, pin_dir);
	write_monitor(f, pin_dir);
	inet_ntop(AF_INET, &host.addr, addr, sizeof(addr));
	family(f, "vxnet_node_info", "gauge",
	       "This host's datapath: node name, underlay address, decap mode (always 1).");
	sample(f, "vxnet_node_info", (const char *[]){ "node", host.node, "address", addr, "decap",
		host.decap == VXNET_DECAP_XDP ? "xdp" : "tc", NULL }, "1");
	return 0;
}

static int ep_labels(const struct vx_state *st, const char *node, struct ep_label **out,
		     size_t *n);

int metrics_write_datapath(FILE *f, const char *pin_dir, const struct vx_state *st)
{
	struct ep_label *l = NULL;
	struct vxnet_host host;
	size_t n = 0;
	int err;

	if (st) {
		err = dp_read_host(pin_dir, &host);
		if (err)
			return err;
		if (ep_labels(st, host.node, &l, &n)) {
			pr_err("metrics: out of memory");
			return -ENOMEM;
		}
	}
	err = write_datapath(f, pin_dir, l, n);
	free(l);
	return err;
}

/* ---- per endpoint ---- */

/* The endpoints of st on node with a host veth, into a malloc'd array. */
static int ep_labels(const struct vx_state *st, const char *node, struct ep_label **out,
		     size_t *n)
{
	struct ep_label *l = calloc(st->nendpoints + 1, sizeof(*l));

	*n = 0;
	if (!l)
		return -ENOMEM;
	for (size_t i = 0; i < st->nendpoints; i++) {
		const struct vx_endpoint *e = &st->endpoints[i];

		if (strcmp(e->node, node) || !e->host_ifname[0])
			continue;
		memcpy(l[*n].name, e->name, sizeof(l[*n].name));
		memcpy(l[*n].network, e->network, sizeof(l[*n].network));
		memcpy(l[*n].node, e->node, sizeof(l[*n].node));
		memcpy(l[*n].ifname, e->host_ifname, sizeof(l[*n].ifname));
		(*n)++;
	}
	*out = l;
	return 0;
}

/* ---- the agent ---- */

static const double sync_buckets[] = { 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10 };
#define NBUCKETS (sizeof(sync_buckets) / sizeof(sync_buckets[0]))
static const char *const kind_names[] = { "node", "network", "endpoint" };
static const char *const cause_names[METRICS_SYNC__MAX] = { "start", "timer", "pins", "retry",
							    "stale" };

static struct {
	pthread_mutex_t lock;
	int running;              /* an agent set any of it */
	long long revision;
	unsigned long long changes[3][2]; /* kind, deleted */
	unsigned long long syncs[METRICS_SYNC__MAX];
	unsigned long long buckets[NBUCKETS], nsync;
	double sync_sum;
	struct timespec last_sync; /* CLOCK_MONOTONIC; 0: none yet */
	double last_sync_epoch;
	unsigned long long reconnects, rejected[3];
	char transport[16];        /* "": not watching yet */
	struct ep_label *eps;      /* this host's endpoints as of the last sync */
	size_t neps;
} agent = { .lock = PTHREAD_MUTEX_INITIALIZER };

int metrics_agent_state(const struct vx_state *st, const char *node)
{
	struct ep_label *l;
	size_t n;
	int err = ep_labels(st, node, &l, &n);

	if (err)
		return err;
	pthread_mutex_lock(&agent.lock);
	free(agent.eps);
	agent.eps = l;
	agent.neps = n;
	pthread_mutex_unlock(&agent.lock);
	return 0;
}

void metrics_agent_revision(int64_t rev)
{
	pthread_mutex_lock(&agent.lock);
	agent.running = 1;
	agent.revision = rev;
	pthread_mutex_unlock(&agent.lock);
}

void metrics_agent_change(enum vx_rec_kind kind, int deleted)
{
	pthread_mutex_lock(&agent.lock);
	agent.running = 1;
	agent.changes[kind][!!deleted]++;
	pthread_mutex_unlock(&agent.lock);
}

void metrics_agent_full_sync(enum metrics_sync_cause cause, double seconds)
{
	struct timespec rt;

	clock_gettime(CLOCK_REALTIME, &rt);
	pthread_mutex_lock(&agent.lock);
	agent.running = 1;
	agent.syncs[cause]++;
	for (size_t i = 0; i < NBUCKETS; i++)
		agent.buckets[i] += seconds <= sync_buckets[i];
	agent.nsync++;
	agent.sync_sum += seconds;
	clock_gettime(CLOCK_MONOTONIC, &agent.last_sync);
	agent.last_sync_epoch = rt.tv_sec + rt.tv_nsec / 1e9;
	pthread_mutex_unlock(&agent.lock);
}

void metrics_agent_reconnect(void)
{
	pthread_mutex_lock(&agent.lock);
	agent.reconnects++;
	pthread_mutex_unlock(&agent.lock);
}

void metrics_agent_transport(const char *transport)
{
	if (!transport)
		transport = "";
	/* the agent's thread is the one writer: it may read without the lock */
	if (!strcmp(agent.transport, transport))
		return;
	pthread_mutex_lock(&agent.lock);
	snprintf(agent.transport, sizeof(agent.transport), "%s", transport);
	pthread_mutex_unlock(&agent.lock);
}

void metrics_agent_rejected_n(enum vx_rec_kind kind, size_t n)
{
	pthread_mutex_lock(&agent.lock);
	agent.rejected[kind] += n;
	pthread_mutex_unlock(&agent.lock);
}

void metrics_write_agent(FILE *f)
{
	struct timespec now;
	char le[24];

	clock_gettime(CLOCK_MONOTONIC, &now);
	pthread_mutex_lock(&agent.lock);
	family(f, "vxnet_agent_store_revision", "gauge",
	       "Store revision whose changes the agent applied last.");
	sample_u64(f, "vxnet_agent_store_revision", NULL, agent.revision);
	family(f, "vxnet_agent_changes_applied_total", "counter",
	       "Store changes (one record put or deleted) the agent wrote to the maps.");
	for (int k = 0; k < 3; k++)
		for (int d = 0; d < 2; d++)
			sample_u64(f, "vxnet_agent_changes_applied_total",
				   (const char *[]){ "kind", kind_names[k], "op", d ? "delete" : "put",
				   NULL }, agent.changes[k][d]);
	family(f, "vxnet_agent_full_syncs_total", "counter",
	       "Full syncs of the maps from a list of the store, by cause.");
	for (int c = 0; c < METRICS_SYNC__MAX; c++)
		sample_u64(f, "vxnet_agent_full_syncs_total",
			   (const char *[]){ "cause", cause_names[c], NULL }, agent.syncs[c]);
	family(f, "vxnet_agent_full_sync_duration_seconds", "histogram",
	       "Time a full sync took: list the store, write the differences.");
	for (size_t i = 0; i < NBUCKETS; i++) {
		snprintf(le, sizeof(le), "%g", sync_buckets[i]);
		sample_u64(f, "vxnet_agent_full_sync_duration_seconds_bucket",
			   (const char *[]){ "le", le, NULL }, agent.buckets[i]);
	}
	sample_u64(f, "vxnet_agent_full_sync_duration_seconds_bucket",
		   (const char *[]){ "le", "+Inf", NULL }, agent.nsync);
	sample_double(f, "vxnet_agent_full_sync_duration_seconds_sum", NULL, agent.sync_sum);
	sample_u64(f, "vxnet_agent_full_sync_duration_seconds_count", NULL, agent.nsync);
	family(f, "vxnet_agent_watch_reconnects_total", "counter",
	       "Times the store's watch failed or fell behind and the agent listed again.");
	sample_u64(f, "vxnet_agent_watch_reconnects_total", NULL, agent.reconnects);
	if (agent.transport[0]) {
		family(f, "vxnet_agent_watch_transport", "gauge",
		       "1 for what the agent's store watch runs over: inotify, grpc, or gateway where etcd does not answer gRPC.");
		sample_u64(f, "vxnet_agent_watch_transport", (const char *[]){ "transport", agent.transport, NULL }, 1);
	}
	family(f, "vxnet_agent_records_rejected_total", "counter",
	       "Store records the agent left out because validation refused them.");
	for (int k = 0; k < 3; k++)
		sample_u64(f, "vxnet_agent_records_rejected_total",
			   (const char *[]){ "kind", kind_names[k], NULL }, agent.rejected[k]);
	if (agent.nsync) {
		family(f, "vxnet_agent_last_sync_timestamp_seconds", "gauge",
		       "When the last successful full sync ended (Unix time).");
		sample_double(f, "vxnet_agent_last_sync_timestamp_seconds", NULL,
			      agent.last_sync_epoch);
		family(f, "vxnet_agent_seconds_since_last_sync", "gauge",
		       "Seconds since the last successful full sync ended.");
		sample_double(f, "vxnet_agent_seconds_since_last_sync", NULL,
			      (now.tv_sec - agent.last_sync.tv_sec) +
			      (now.tv_nsec - agent.last_sync.tv_nsec) / 1e9);
	}
	pthread_mutex_unlock(&agent.lock);
}

/* ---- the server ---- */

int metrics_parse_listen(const char *s, struct sockaddr_in *sa)
{
	const char *colon = strrchr(s, ':');
	char ip[INET_ADDRSTRLEN];
	unsigned long port;
	char *end;

	if (!colon || colon == s || (size_t)(colon - s) >= sizeof(ip) || !colon[1])
		return -EINVAL;
	memcpy(ip, s, colon - s);
	ip[colon - s] = '\0';
	errno = 0;
	port = strtoul(colon + 1, &end, 10);
	if (*end || errno || port < 1 || port > 65535 || colon[1] == '-' || colon[1] == '+')
		return -EINVAL;
	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	sa->sin_port = htons(port);
	return inet_pton(AF_INET, ip, &sa->sin_addr) == 1 ? 0 : -EINVAL;
}

struct metrics_server {
	struct MHD_Daemon *mhd;
	char *pin_dir;
};

static enum MHD_Result handle(void *cls, struct MHD_Connection *conn, const char *url,
			      const char *method, const char *version, const char *upload,
			      size_t *upload_size, void **con_cls)
{
	struct metrics_server *s = cls;
	struct MHD_Response *resp;
	unsigned int status = MHD_HTTP_OK;
	enum MHD_Result ret;
	char *text = NULL;
	size_t len = 0;
	int err;
	FILE *f;

	if (strcmp(method, "GET") && strcmp(method, "HEAD"))
		status = MHD_HTTP_METHOD_NOT_ALLOWED;
	else if (strcmp(url, "/metrics"))
		status = MHD_HTTP_NOT_FOUND;
	f = open_memstream(&text, &len);
	if (!f)
		return MHD_NO;
	if (status == MHD_HTTP_OK) {
		metrics_write_agent(f);
		pthread_mutex_lock(&agent.lock);
		err = write_datapath(f, s->pin_dir, agent.eps, agent.neps);
		pthread_mutex_unlock(&agent.lock);
		if (err)
			fprintf(f, "# the datapath could not be read (vxnet down?)\n");
	} else {
		fprintf(f, "vxnet: %s %s: only GET /metrics\n", method, url);
	}
	fclose(f);
	resp = MHD_create_response_from_buffer(len, text, MHD_RESPMEM_MUST_FREE);
	if (!resp) {
		free(text);
		return MHD_NO;
	}
	MHD_add_response_header(resp, "Content-Type",
				status == MHD_HTTP_OK ? "text/plain; version=0.0.4; charset=utf-8" :
				"text/plain");
	ret = MHD_queue_response(conn, status, resp);
	MHD_destroy_response(resp);
	return ret;
}

int metrics_serve(const struct sockaddr_in *sa, const char *pin_dir, struct metrics_server **out)
{
	struct metrics_server *s = calloc(1, sizeof(*s));
	char addr[INET_ADDRSTRLEN];
	int fd = -1, one = 1, err;

	inet_ntop(AF_INET, &sa->sin_addr, addr, sizeof(addr));
	if (!s || !(s->pin_dir = strdup(pin_dir))) {
		err = -ENOMEM;
		pr_err("metrics: out of memory");
		goto cleanup;
	}
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(fd, (const struct sockaddr *)sa, sizeof(*sa)) || listen(fd, 16)) {
		err = -errno;
		pr_err("metrics: listen on %s:%u: %s", addr, ntohs(sa->sin_port), strerror(errno));
		goto cleanup;
	}
	s->mhd = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG, 0, NULL,
				  NULL, handle, s, MHD_OPTION_LISTEN_SOCKET, fd,
				  MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)30, MHD_OPTION_END);
	if (!s->mhd) {
		err = -EIO;
		pr_err("metrics: cannot start the HTTP server on %s:%u", addr, ntohs(sa->sin_port));
		goto cleanup;
	}
	*out = s;
	return 0;
cleanup:
	if (fd >= 0)
		close(fd);
	if (s)
		free(s->pin_dir);
	free(s);
	return err;
}

void metrics_serve_stop(struct metrics_server *s)
{
	if (!s)
		return;
	MHD_stop_daemon(s->mhd);
	/* MHD closes a socket given with MHD_OPTION_LISTEN_SOCKET */
	free(s->pin_dir);
	free(s);
}
