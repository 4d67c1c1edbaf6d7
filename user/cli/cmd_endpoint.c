// SPDX-License-Identifier: GPL-2.0-only
/* vxnet endpoint add|rm|ls: addresses of a network declared on a node, with
 * no container plumbing (that is `vxnet attach`).
 */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <jansson.h>

#include "attach.h"
#include "cli.h"
#include "datapath.h"
#include "docker.h"
#include "log.h"
#include "metrics.h"

struct add_arg {
	struct vx_endpoint e; /* name, ip, mac */
	const char *network, *node;
	int has_ip, has_mac;
};

static int add_fn(struct vx_state *st, void *arg)
{
	struct add_arg *a = arg;
	struct vx_endpoint *e = &a->e;
	const struct vx_network *n;
	const struct vx_node *node;

	if (state_find_endpoint(st, e->name)) {
		pr_err("endpoint %s already exists", e->name);
		return -EEXIST;
	}
	n = state_find_network(st, a->network);
	if (!n) {
		pr_err("endpoint %s: no such network %s", e->name, a->network);
		return -ENOENT;
	}
	node = state_find_node(st, a->node);
	if (!node) {
		pr_err("endpoint %s: no such node %s", e->name, a->node);
		return -ENOENT;
	}
	strcpy(e->network, n->name);
	strcpy(e->node, node->name);
	if (!a->has_ip && ipam_alloc(st, n, &e->ip)) {
		pr_err("endpoint %s: network %s has no free address", e->name, n->name);
		return -ENOSPC;
	}
	if (!a->has_mac)
		default_mac(e->ip, e->mac);
	if (!state_add_endpoint(st, e)) {
		pr_err("endpoint add: out of memory");
		return -ENOMEM;
	}
	return 0;
}

static int endpoint_add(void *arg)
{
	struct add_arg *a = arg;

	return cli_store_update(add_fn, a, a->e.name);
}

/* Whether e has a container behind it (vxnet attach, vxnet-cni, the Docker
 * plugin): a veth on its node, an address in a namespace. Removing only
 * the record would free that address for the next attach while the
 * container still holds it.
 */
static int attached(const struct vx_endpoint *e)
{
	return e->host_ifname[0] || e->netns[0];
}

/* The NETNS argument `vxnet attach` took for e: a name under /run/netns,
 * or the path.
 */
static const char *netns_arg(const struct vx_endpoint *e)
{
	static const char run[] = "/run/netns/";

	return strncmp(e->netns, run, strlen(run)) ? e->netns : e->netns + strlen(run);
}

/* The refusal of a plain rm of an attached endpoint: who undoes it. */
static void refuse_attached(const struct vx_endpoint *e)
{
	if (docker_endpoint_is(e))
		pr_err("endpoint rm %s: a Docker endpoint on node %s; docker network disconnect "
		       "detaches its container, or use endpoint rm --force on %s", e->name, e->node,
		       e->node);
	else if (e->container_id[0])
		pr_err("endpoint rm %s: attached by vxnet-cni (container %.12s on node %s); its runtime's "
		       "CNI DEL detaches it, or use endpoint rm --force on %s", e->name, e->container_id,
		       e->node, e->node);
	else if (e->netns[0])
		pr_err("endpoint rm %s: attached to %s on node %s; use vxnet detach %s %s there, or "
		       "endpoint rm --force", e->name, netns_arg(e), e->node, netns_arg(e), e->network);
	else
		pr_err("endpoint rm %s: attached on node %s (interface %s); use endpoint rm --force there",
		       e->name, e->node, e->host_ifname);
}

struct rm_arg {
	const char *name;
	int force;
	int detached; /* rm --force: the container was detached already */
};

static int rm_fn(struct vx_state *st, void *arg)
{
	struct rm_arg *a = arg;
	struct vx_endpoint *e = state_find_endpoint(st, a->name);

	if (!e && a->detached)
		return 0; /* vx_detach removed the record */
	if (!e) {
		pr_err("no such endpoint %s", a->name);
		return -ENOENT;
	}
	if (attached(e)) {
		refuse_attached(e);
		return -EBUSY;
	}
	state_del_endpoint(st, e);
	return 0;
}

/* This host's node from the pinned host record, quietly; 0 or -1. */
static int this_node(char *node, size_t size)
{
	struct vxnet_host host;
	__u32 key = 0;
	int fd = dp_open_pin(vx_opts.pin_dir, VXNET_PIN_HOST), err;

	if (fd < 0)
		return -1;
	err = bpf_map_lookup_elem(fd, &key, &host) || !host.ifindex;
	close(fd);
	if (!err)
		snprintf(node, size, "%s", host.node);
	return err ? -1 : 0;
}

/* rm --force of an attached endpoint: detached as `vxnet detach` does it
 * (record, maps, veth and with it the container's interface and address),
 * on the host it is on only: another host's container is out of reach,
 * and removing its record alone would hand its address to the next attach
 * while it still holds it (vxnet node rm is the way to forget a host that
 * is gone, with its endpoints).
 */
static int force_detach(struct rm_arg *a, const struct vx_endpoint *e)
{
	struct vx_attach_req req = { .netns = e->netns, .network = e->network,
				     .pin_dir = vx_opts.pin_dir };
	struct vx_endpoint gone;
	char node[VX_NAME_MAX];
	int err;

	if (this_node(node, sizeof(node))) {
		pr_err("endpoint rm --force %s: vxnet is not up on this host, so it cannot detach the "
		       "container of node %s; run it on %s with vxnet up", a->name, e->node, e->node);
		return -ENOENT;
	}
	if (strcmp(node, e->node)) {
		pr_err("endpoint rm --force %s: its container is on node %s, not on this host (%s); "
		       "run it on %s, or vxnet node rm %s if that host is gone", a->name, e->node,
		       node, e->node, e->node);
		return -EREMOTE;
	}
	err = cli_open_store(&req.store);
	if (!err && e->netns[0])
		err = vx_detach(&req, &gone);
	else if (!err)
		err = vx_detach_veth(req.store, vx_opts.pin_dir, a->name);
	store_close(req.store);
	a->detached = !err;
	return err;
}

static int endpoint_rm(void *arg)
{
	struct rm_arg *a = arg;
	const struct vx_endpoint *e;
	struct vx_state st;
	int err = 0;

	if (a->force) {
		if (cli_read_state(&st))
			return 1;
		e = state_find_endpoint(&st, a->name);
		if (e && attached(e))
			err = force_detach(a, e);
		state_free(&st);
		if (err)
			return 1;
	}
	return cli_store_update(rm_fn, a, a->name);
}

/* "8080:80/tcp,53:53/udp" into buf, or "-". */
static const char *ports_cell(const struct vx_endpoint *e, char *buf, size_t size)
{
	size_t off = 0;

	snprintf(buf, size, "-");
	for (int i = 0; i < e->npublish && off < size; i++) {
		char p[24];

		format_publish(&e->publish[i], p);
		off += snprintf(buf + off, size - off, "%s%s", i ? "," : "", p);
	}
	return buf;
}

struct ls_arg {
	const char *network;
	int json, stats;
};

/* -s: the traffic of endpoint e when it is attached on this host (node),
 * from ep_stats; 0, or 1 (not here, nothing to show). An entry not there
 * yet is zeros.
 */
static int ep_traffic(const struct vx_endpoint *e, const char *node, struct vxnet_ep_stats *s)
{
	__u32 ifindex;

	if (strcmp(e->node, node) || !e->host_ifname[0])
		return 1;
	ifindex = if_nametoindex(e->host_ifname);
	return !ifindex || metrics_read_ep_stats(vx_opts.pin_dir, ifindex, s);
}

/* -j: [{"name", "network", "node", "ip", "mac", "host_ifname",
 * "container_id", "publish": ["HOSTPORT:PORT/PROTO"]}], null for what is
 * not set.
 */
static int endpoint_ls_json(const struct vx_state *st, const char *network, const char *node)
{
	json_t *a = json_array();
	int err = !a;

	for (size_t i = 0; !err && i < st->nendpoints; i++) {
		const struct vx_endpoint *e = &st->endpoints[i];
		json_t *pub = json_array();
		char ip[16], mac[18];

		if (network && strcmp(e->network, network)) {
			json_decref(pub);
			continue;
		}
		for (int k = 0; pub && k < e->npublish; k++) {
			char p[24];

			format_publish(&e->publish[k], p);
			json_array_append_new(pub, json_string(p));
		}
		format_ipv4(e->ip, ip);
		format_mac(e->mac, mac);
		err = json_array_append_new(a, json_pack("{s:s,s:s,s:s,s:s,s:s,s:o,s:o,s:o}",
			"name", e->name, "network", e->network, "node", e->node, "ip", ip, "mac", mac,
			"host_ifname", e->host_ifname[0] ? json_string(e->host_ifname) : json_null(),
			"container_id", e->container_id[0] ? json_string(e->container_id) : json_null(),
			"publish", pub));
		if (!err && node) {
			struct vxnet_ep_stats t;
			json_t *o = json_array_get(a, json_array_size(a) - 1);
			int here = !ep_traffic(e, node, &t);

			json_object_set_new(o, "sent", here ? json_pack("{s:I,s:I}", "packets",
				(json_int_t)t.tx_packets, "bytes", (json_int_t)t.tx_bytes) : json_null());
			json_object_set_new(o, "received", here ? json_pack("{s:I,s:I}", "packets",
				(json_int_t)t.rx_packets, "bytes", (json_int_t)t.rx_bytes) : json_null());
		}
	}
	err = err || json_dumpf(a, stdout, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(a);
	if (err) {
		pr_err("endpoint ls: out of memory");
		return 1;
	}
	putchar('\n');
	return 0;
}

static int endpoint_ls(void *arg)
{
	static const char *const head[] = { "NAME", "NETWORK", "NODE", "IP", "MAC", "HOST_IFNAME" };
	const struct ls_arg *la = arg;
	const char *network = la->network, *node = NULL;
	struct cli_table t = {};
	const char *c[12] = {};
	struct vxnet_host host;
	struct vx_state st;
	int ret = 1, cni = 0, ports = 0, n = 6;

	if (la->stats) {
		if (dp_read_host(vx_opts.pin_dir, &host))
			return 1;
		node = host.node;
	}
	if (cli_read_state(&st))
		return 1;
	if (network && !state_find_network(&st, network)) {
		pr_err("no such network %s", network);
		goto cleanup;
	}
	if (la->json) {
		ret = endpoint_ls_json(&st, network, node);
		goto cleanup;
	}
	/* CONTAINER (the CNI container ID) only when vxnet-cni attached one,
	 * PORTS only when one publishes.
	 */
	for (size_t i = 0; i < st.nendpoints; i++) {
		if (network && strcmp(st.endpoints[i].network, network))
			continue;
		cni |= !!st.endpoints[i].container_id[0];
		ports |= !!st.endpoints[i].npublish;
	}
	memcpy(c, head, sizeof(head));
	if (cni)
		c[n++] = "CONTAINER";
	if (ports)
		c[n++] = "PORTS";
	if (node) {
		c[n++] = "TX_PACKETS", c[n++] = "TX_BYTES";
		c[n++] = "RX_PACKETS", c[n++] = "RX_BYTES";
	}
	if (cli_table_init(&t, n, c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7], c[8], c[9],
			   c[10], c[11])) {
		pr_err("endpoint ls: out of memory");
		goto cleanup;
	}
	for (size_t i = 0; i < st.nendpoints; i++) {
		const struct vx_endpoint *e = &st.endpoints[i];
		char ip[16], mac[18], pub[VX_MAX_PUBLISH * 24], num[4][24];
		struct vxnet_ep_stats tr;

		if (network && strcmp(e->network, network))
			continue;
		format_ipv4(e->ip, ip);
		format_mac(e->mac, mac);
		c[0] = e->name, c[1] = e->network, c[2] = e->node, c[3] = ip, c[4] = mac;
		c[5] = e->host_ifname[0] ? e->host_ifname : "-";
		n = 6;
		if (cni)
			c[n++] = e->container_id[0] ? e->container_id : "-";
		if (ports)
			c[n++] = ports_cell(e, pub, sizeof(pub));
		if (node && ep_traffic(e, node, &tr)) {
			c[n++] = "-", c[n++] = "-", c[n++] = "-", c[n++] = "-"; /* not here */
		} else if (node) {
			snprintf(num[0], sizeof(num[0]), "%llu", tr.tx_packets);
			snprintf(num[1], sizeof(num[1]), "%llu", tr.tx_bytes);
			snprintf(num[2], sizeof(num[2]), "%llu", tr.rx_packets);
			snprintf(num[3], sizeof(num[3]), "%llu", tr.rx_bytes);
			for (int k = 0; k < 4; k++)
				c[n++] = num[k];
		}
		/* cells past the table's columns are not read */
		if (cli_table_row(&t, c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7], c[8], c[9],
				  c[10], c[11])) {
			pr_err("endpoint ls: out of memory");
			goto cleanup;
		}
	}
	cli_table_print(&t, stdout);
	ret = 0;
cleanup:
	cli_table_free(&t);
	state_free(&st);
	return ret;
}

#define ARG(field) offsetof(struct add_arg, field)
static const struct cli_opt add_opts[] = {
	{ .meta = "NAME", .type = CLI_NAME, .off = ARG(e.name) },
	{ "network", "N", CLI_STR, ARG(network), "the network it is in", CLI_REQUIRED },
	{ "node", "NODE", CLI_STR, ARG(node), "the host it is on", CLI_REQUIRED },
	{ "ip", "IP", CLI_IPV4, ARG(e.ip),
	  "its IPv4 address, in one of the network's subnets\n(default: the first free address)",
	  CLI_COUNTED, .count = ARG(has_ip) },
	{ "mac", "MAC", CLI_MAC, ARG(e.mac),
	  "its MAC address (default: 02:42 then the four address bytes)",
	  CLI_COUNTED, .count = ARG(has_mac) },
	{ "publish", VX_PUBLISH_SYNTAX, CLI_PUBLISH, ARG(e.publish),
	  "HOSTPORT (default PORT) on every node reaches its PORT (default tcp);\n"
	  "endpoints of one network publishing the same form a service",
	  .many = VX_MAX_PUBLISH, .count = ARG(e.npublish) },
	{},
};

static const struct cli_opt rm_opts[] = {
	{ .meta = "NAME", .type = CLI_STR, .off = offsetof(struct rm_arg, name) },
	{ "force", NULL, CLI_FLAG, offsetof(struct rm_arg, force),
	  "also when attached: detach its container first, as vxnet detach does\n"
	  "(its veth, address and maps), on the host it is on only", .letter = 'f' },
	{},
};
static const struct cli_opt ls_opts[] = {
	{ "network", "N", CLI_STR, offsetof(struct ls_arg, network), "only the endpoints of network N" },
	{ "json", NULL, CLI_FLAG, offsetof(struct ls_arg, json),
	  "print a JSON array: name, network, node, ip, mac, host_ifname,\n"
	  "container_id, publish", .letter = 'j' },
	{ "stats", NULL, CLI_FLAG, offsetof(struct ls_arg, stats),
	  "add each endpoint's traffic on this host: packets and bytes sent (TX)\n"
	  "and received (RX); \"-\" for endpoints elsewhere", .letter = 's' },
	{},
};

const struct cli_verb endpoint_verbs[] = {
	{ "add create", "Declares endpoint NAME of network N on host NODE.",
	  add_opts, sizeof(struct add_arg), NULL, endpoint_add },
	{ "rm remove del",
	  "Removes endpoint NAME from the state; an attached one with --force only (vxnet detach).",
	  rm_opts, sizeof(struct rm_arg), NULL, endpoint_rm },
	{ "ls list", "Lists the endpoints, or those of network N.",
	  ls_opts, sizeof(struct ls_arg), NULL, endpoint_ls },
	{},
};
