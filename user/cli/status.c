// SPDX-License-Identifier: GPL-2.0-only
/* `vxnet status` (programs, attach points, map fill levels, and each
 * container interface as the state, the ifaces map and the kernel see it)
 * and `vxnet stats` (per-CPU counters summed, drops by reason); -j prints
 * either as one JSON object (field names in README's CLI reference).
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
#include <jansson.h>

#include "cli.h"
#include "datapath.h"
#include "log.h"
#include "maps.h"
#include "metrics.h"
#include "status.h"

struct show_arg {
	int json;
	int check; /* status --check: exit 1 on a mismatch */
	const char *endpoint; /* stats --endpoint */
};

/* Prints j compactly on one line and frees it; 1 when it is NULL. */
static int print_json(json_t *j, const char *cmd)
{
	int err = !j || json_dumpf(j, stdout, JSON_COMPACT | JSON_PRESERVE_ORDER);

	json_decref(j);
	if (err) {
		pr_err("%s: out of memory", cmd);
		return 1;
	}
	putchar('\n');
	return 0;
}

static json_t *counter_json(const struct vxnet_counter *c)
{
	return json_pack("{s:I,s:I}", "packets", (json_int_t)c->packets, "bytes", (json_int_t)c->bytes);
}

static int read_all(struct vxnet_counter *stats, struct vxnet_counter *drops)
{
	const char *pin = VXNET_PIN_STATS;
	struct vxnet_host host;
	int err;

	if (dp_read_host(vx_opts.pin_dir, &host))
		return 1;
	err = metrics_read_counters(vx_opts.pin_dir, pin, stats, VXNET_STAT__MAX);
	if (!err) {
		pin = VXNET_PIN_DROPS;
		err = metrics_read_counters(vx_opts.pin_dir, pin, drops, VXNET_DROP__MAX);
	}
	if (err)
		pr_err("read %s/%s: %s", vx_opts.pin_dir, pin, strerror(-err));
	return !!err;
}

/* stats --endpoint NAME: its traffic from ep_stats (this host's endpoints). */
static int endpoint_stats(const struct show_arg *a)
{
	const struct vx_endpoint *e;
	struct vxnet_ep_stats s;
	struct vxnet_host host;
	struct vx_state st;
	__u32 ifindex;
	int ret = 1, err;

	if (dp_read_host(vx_opts.pin_dir, &host) || cli_read_state(&st))
		return 1;
	e = state_find_endpoint(&st, a->endpoint);
	if (!e) {
		pr_err("stats: no such endpoint %s", a->endpoint);
		goto cleanup;
	}
	if (strcmp(e->node, host.node) || !e->host_ifname[0]) {
		pr_err("stats: endpoint %s is not attached on this host (node %s; it is on %s)",
		       e->name, host.node, e->node);
		goto cleanup;
	}
	ifindex = if_nametoindex(e->host_ifname);
	if (!ifindex) {
		pr_err("stats: endpoint %s: no veth %s on this host", e->name, e->host_ifname);
		goto cleanup;
	}
	err = metrics_read_ep_stats(vx_opts.pin_dir, ifindex, &s);
	if (err) {
		pr_err("stats: read %s/%s: %s", vx_opts.pin_dir, VXNET_PIN_EP_STATS, strerror(-err));
		goto cleanup;
	}
	if (a->json) {
		ret = print_json(json_pack("{s:s,s:s,s:s,s:s,s:{s:I,s:I},s:{s:I,s:I}}",
			"endpoint", e->name, "network", e->network, "node", e->node,
			"host_ifname", e->host_ifname,
			"sent", "packets", (json_int_t)s.tx_packets, "bytes", (json_int_t)s.tx_bytes,
			"received", "packets", (json_int_t)s.rx_packets, "bytes", (json_int_t)s.rx_bytes),
			"stats");
		goto cleanup;
	}
	printf("endpoint %s, network %s, node %s, veth %s\n", e->name, e->network, e->node,
	       e->host_ifname);
	printf("%-16s %14s %16s\n", "DIRECTION", "PACKETS", "BYTES");
	printf("%-16s %14llu %16llu\n", "sent", s.tx_packets, s.tx_bytes);
	printf("%-16s %14llu %16llu\n", "received", s.rx_packets, s.rx_bytes);
	ret = 0;
cleanup:
	state_free(&st);
	return ret;
}

static int stats(void *arg)
{
	struct vxnet_counter stats[VXNET_STAT__MAX], drops[VXNET_DROP__MAX];
	const struct show_arg *a = arg;
	json_t *j, *c, *d;

	if (a->endpoint)
		return endpoint_stats(a);
	if (read_all(stats, drops))
		return 1;
	if (a->json) {
		j = json_object(), c = json_object(), d = json_object();
		for (int i = 0; c && i < VXNET_STAT__MAX; i++)
			json_object_set_new(c, vx_stat_names[i], counter_json(&stats[i]));
		for (int i = 0; d && i < VXNET_DROP__MAX; i++)
			json_object_set_new(d, vx_drop_names[i], counter_json(&drops[i]));
		if (j && c && d && !json_object_set_new(j, "counters", c) &&
		    !json_object_set_new(j, "drops", d))
			return print_json(j, "stats");
		json_decref(j);
		return print_json(NULL, "stats");
	}
	printf("%-16s %14s %16s\n", "COUNTER", "PACKETS", "BYTES");
	for (int i = 0; i < VXNET_STAT__MAX; i++)
		printf("%-16s %14llu %16llu\n", vx_stat_names[i], stats[i].packets, stats[i].bytes);
	printf("\n%-16s %14s %16s\n", "DROP REASON", "PACKETS", "BYTES");
	for (int i = 0; i < VXNET_DROP__MAX; i++)
		printf("%-16s %14llu %16llu\n", vx_drop_names[i] ? vx_drop_names[i] : "?",
		       drops[i].packets, drops[i].bytes);
	return 0;
}

/* A program's pin: id and name, or missing (why). */
static json_t *prog_json(const char *pin)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);
	int fd = dp_open_pin(vx_opts.pin_dir, pin);
	json_t *j;

	if (fd < 0)
		return json_pack("{s:s,s:n,s:n,s:s}", "pin", pin, "id", "name", "error", strerror(-fd));
	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		j = json_pack("{s:s,s:n,s:n,s:s}", "pin", pin, "id", "name", "error", strerror(errno));
	else
		j = json_pack("{s:s,s:i,s:s}", "pin", pin, "id", (int)info.id, "name", info.name);
	close(fd);
	return j;
}

/* The container veths: the ifaces map's keys, named. */
static json_t *ifaces_json(void)
{
	int fd = dp_open_pin(vx_opts.pin_dir, VXNET_PIN_IFACES);
	json_t *a = json_array();
	__u32 key, *prev = NULL;

	while (a && fd >= 0 && !bpf_map_get_next_key(fd, prev, &key)) {
		char name[IF_NAMESIZE] = "?";

		prev = &key;
		if_indextoname(key, name);
		json_array_append_new(a, json_string(name));
	}
	if (fd >= 0)
		close(fd);
	return a;
}

/* The maps status shows (those of the state and nat; the counters and the
 * host record are stats' and the lines above).
 */
static int shown_map(int i)
{
	return i < DP_MAP_NSYNCED || i == DP_MAP_NAT;
}

static json_t *maps_json(void)
{
	json_t *a = json_array();

	for (int i = 0; a && i < DP_MAP_COUNT; i++) {
		struct bpf_map_info info = {};
		__u32 len = sizeof(info);
		int fd;

		if (!shown_map(i))
			continue;
		fd = dp_open_pin(vx_opts.pin_dir, dp_maps[i].name);
		if (fd < 0 || bpf_obj_get_info_by_fd(fd, &info, &len))
			json_array_append_new(a, json_pack("{s:s,s:n,s:n,s:s}", "name", dp_maps[i].name,
							   "entries", "max_entries", "holds", dp_maps[i].holds));
		else
			json_array_append_new(a, json_pack("{s:s,s:I,s:I,s:s}", "name", dp_maps[i].name,
							   "entries", (json_int_t)metrics_map_entries(fd),
							   "max_entries", (json_int_t)info.max_entries,
							   "holds", dp_maps[i].holds));
		if (fd >= 0)
			close(fd);
	}
	return a;
}

static int status_json(const struct vxnet_host *host, const char *dev, const char *addr,
		       __u32 xdp_id, const struct vx_if_audit *audit)
{
	json_t *progs = json_array(), *j;

	for (int i = 0; progs && i < DP_PROG_COUNT; i++)
		json_array_append_new(progs, prog_json(dp_progs[i].pin));
	j = json_pack("{s:s,s:s,s:{s:s,s:i},s:i,s:s,s:s,s:o,s:b,s:{s:i,s:i,s:b},s:o,s:o,s:o,s:o,s:I,s:b}",
		      "node", host->node, "address", addr,
		      "underlay", "name", dev, "ifindex", (int)host->ifindex,
		      "port", host->port, "pin_dir", vx_opts.pin_dir,
		      "decap", host->decap == VXNET_DECAP_XDP ? "xdp" : "tc",
		      "xdp_prog_id", host->decap == VXNET_DECAP_XDP ? json_integer(xdp_id) : json_null(),
		      "gro_device", host->decap != VXNET_DECAP_XDP && if_nametoindex(VXNET_GRO_DEV),
		      "nat_ports", "min", host->nat_port_min, "max", host->nat_port_max,
		      "reserved_by_up", !!(host->restore & VXNET_RESTORE_PORTS),
		      "programs", progs, "container_interfaces", ifaces_json(), "maps", maps_json(),
		      "interfaces", status_ifaces_json(audit), "mismatches", (json_int_t)audit->nbad,
		      "endpoints_known", audit->have_state);
	return print_json(j, "status");
}

/* The exit status: 0, or with --check 1 when an interface has a mismatch
 * or the state could not be read.
 */
static int status_ret(const struct show_arg *a, const struct vx_if_audit *audit, int err)
{
	if (err)
		return 1;
	return a->check && (audit->nbad || !audit->have_state);
}

static int status(void *arg)
{
	char dev[IF_NAMESIZE] = "?", addr[INET_ADDRSTRLEN];
	const struct show_arg *a = arg;
	struct vx_if_audit audit = {};
	struct vxnet_host host;
	struct vx_state st;
	__u32 xdp_id = 0;
	json_t *maps, *v;
	size_t i;
	int err, have_state, ret;

	if (dp_read_host(vx_opts.pin_dir, &host))
		return 1;
	have_state = !cli_read_state(&st); /* it said why not; the kernel's side still shows */
	err = vx_if_audit(vx_opts.pin_dir, host.node, have_state ? &st : NULL, &audit);
	if (err) {
		pr_err("status: %s", strerror(-err));
		goto cleanup;
	}
	if_indextoname(host.ifindex, dev);
	inet_ntop(AF_INET, &host.addr, addr, sizeof(addr));
	bpf_xdp_query_id(host.ifindex, 0, &xdp_id);
	if (a->json) {
		err = status_json(&host, dev, addr, xdp_id, &audit) ? -ENOMEM : 0;
		goto cleanup;
	}
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
	for (int p = 0; p < DP_PROG_COUNT; p++) {
		json_t *pj = prog_json(dp_progs[p].pin);

		if (json_is_null(json_object_get(pj, "id")))
			printf("  %-22s missing (%s)\n", dp_progs[p].pin,
			       json_string_value(json_object_get(pj, "error")));
		else
			printf("  %-22s id %-6lld %s\n", dp_progs[p].pin,
			       json_integer_value(json_object_get(pj, "id")),
			       json_string_value(json_object_get(pj, "name")));
		json_decref(pj);
	}
	err = status_ifaces_print(&audit);
	if (err) {
		pr_err("status: %s", strerror(-err));
		goto cleanup;
	}
	printf("maps:\n");
	maps = maps_json();
	json_array_foreach(maps, i, v) {
		json_t *e = json_object_get(v, "entries");

		if (json_is_null(e))
			printf("  %-10s missing\n", json_string_value(json_object_get(v, "name")));
		else
			printf("  %-10s %lld / %lld entries: %s\n",
			       json_string_value(json_object_get(v, "name")), json_integer_value(e),
			       json_integer_value(json_object_get(v, "max_entries")),
			       json_string_value(json_object_get(v, "holds")));
	}
	json_decref(maps);
cleanup:
	ret = status_ret(a, &audit, err);
	vx_if_audit_free(&audit);
	state_free(&st); /* cli_read_state initialised it, read or not */
	return ret;
}

static const struct cli_opt show_opts[] = {
	{ "json", NULL, CLI_FLAG, offsetof(struct show_arg, json),
	  "print one JSON object (field names: README, CLI reference)", .letter = 'j' },
	{ "check", NULL, CLI_FLAG, offsetof(struct show_arg, check),
	  "exit 1 when a container interface has a mismatch (or the state is unreadable)" },
	{},
};

static const struct cli_opt stats_opts[] = {
	{ "endpoint", "NAME", CLI_STR, offsetof(struct show_arg, endpoint),
	  "the traffic of endpoint NAME (attached on this host): sent and received" },
	{ "json", NULL, CLI_FLAG, offsetof(struct show_arg, json),
	  "print one JSON object (field names: README, CLI reference)", .letter = 'j' },
	{},
};

const struct cli_verb status_verb = { "status",
	"Shows this host's datapath: node, underlay, decap mode, programs, maps, and each container interface\n"
	"as the state, the ifaces map and the kernel see it, with every mismatch between them.",
	show_opts, sizeof(struct show_arg), NULL, status };
const struct cli_verb stats_verb = { "stats",
	"Shows the datapath's counters, summed over CPUs, and drops by reason; or one endpoint's traffic.",
	stats_opts, sizeof(struct show_arg), NULL, stats };
