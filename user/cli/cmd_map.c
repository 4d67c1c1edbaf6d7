// SPDX-License-Identifier: GPL-2.0-only
/* vxnet map dump NAME: any pinned map of dp_maps[], each entry's key and
 * value decoded field by field, with the names the state gives them
 * (endpoint, network, node), addresses dotted, MACs with colons, ports in
 * host order; per-CPU values summed. -j: a JSON array of {"key", "value"}
 * objects with the same fields.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <jansson.h>

#include "cli.h"
#include "datapath.h"
#include "log.h"
#include "maps.h"
#include "metrics.h"

struct dump_arg {
	const char *name;
	int json;
};

/* What an entry's fields are named after. */
struct names {
	const struct vx_state *st;
};

static json_t *ip_json(__be32 a)
{
	char s[16];

	format_ipv4(a, s);
	return json_string(s);
}

static json_t *mac_json(const __u8 *m)
{
	char s[18];

	format_mac(m, s);
	return json_string(s);
}

static json_t *str_or_null(const char *s)
{
	return s && *s ? json_string(s) : json_null();
}

static json_t *proto_json(__u8 p)
{
	return p == IPPROTO_TCP ? json_string("tcp") : p == IPPROTO_UDP ? json_string("udp") :
	       p == IPPROTO_ICMP ? json_string("icmp") : json_integer(p);
}

static const char *node_name(const struct names *n, __be32 addr)
{
	for (size_t i = 0; i < n->st->nnodes; i++)
		if (n->st->nodes[i].addr == addr)
			return n->st->nodes[i].name;
	return NULL;
}

static const char *network_name(const struct names *n, __u32 vni)
{
	const struct vx_network *net = state_find_network_vni(n->st, vni);

	return net ? net->name : NULL;
}

/* The endpoint at {vni, ip}, or "gateway" for a subnet's gateway. */
static json_t *endpoint_of(const struct names *n, __u32 vni, __be32 ip)
{
	const struct vx_network *net = state_find_network_vni(n->st, vni);
	const struct vx_endpoint *e = net ? state_find_endpoint_ip(n->st, net->name, ip) : NULL;

	return str_or_null(e ? e->name : NULL);
}

static const char *endpoint_by_ifname(const struct names *n, const char *ifname)
{
	for (size_t i = 0; ifname && i < n->st->nendpoints; i++)
		if (!strcmp(n->st->endpoints[i].host_ifname, ifname))
			return n->st->endpoints[i].name;
	return NULL;
}

static json_t *ifname_json(__u32 ifindex, char *buf)
{
	buf[0] = '\0';
	if (!ifindex || !if_indextoname(ifindex, buf))
		buf[0] = '\0';
	return str_or_null(buf);
}

static json_t *counter_json(const struct vxnet_counter *c)
{
	return json_pack("{s:I,s:I}", "packets", (json_int_t)c->packets, "bytes", (json_int_t)c->bytes);
}

static json_t *hex_json(const void *p, size_t n)
{
	char *s = calloc(2 * n + 1, 1);
	json_t *j;

	for (size_t i = 0; s && i < n; i++)
		sprintf(s + 2 * i, "%02x", ((const unsigned char *)p)[i]);
	j = s ? json_string(s) : NULL;
	free(s);
	return j;
}

static json_t *nat_flags_json(__u16 f)
{
	static const char *const names[] = { "closing", "replied", "published", "via" };
	json_t *a = json_array();

	for (int i = 0; a && i < 4; i++)
		if (f & (1u << i))
			json_array_append_new(a, json_string(names[i]));
	return a;
}

/* One entry: key and value (per-CPU values already summed) into *k and *v. */
static int decode(int id, const struct names *n, const void *key, const void *val, json_t **k,
		  json_t **v)
{
	char ifname[IF_NAMESIZE];

	switch (id) {
	case DP_MAP_NODES: {
		const __be32 *a = key;
		const struct vxnet_node *x = val;

		*k = json_pack("{s:o,s:o}", "address", ip_json(*a), "node", str_or_null(node_name(n, *a)));
		*v = json_pack("{s:i}", "flags", (int)x->flags);
		break;
	}
	case DP_MAP_NETWORKS: {
		const __u32 *vni = key;
		const struct vxnet_network *x = val;

		*k = json_pack("{s:I,s:o}", "vni", (json_int_t)*vni, "network",
			       str_or_null(network_name(n, *vni)));
		*v = json_pack("{s:I,s:b}", "mtu", (json_int_t)x->mtu, "egress",
			       !(x->flags & VXNET_NET_NO_EGRESS));
		break;
	}
	case DP_MAP_SUBNETS: {
		const struct vxnet_subnet_key *s = key;
		const struct vxnet_subnet *x = val;
		char cidr[20];

		format_cidr(s->addr.be32, s->prefixlen >= 32 ? s->prefixlen - 32 : 0, cidr);
		*k = json_pack("{s:I,s:o,s:s}", "vni", (json_int_t)s->vni, "network",
			       str_or_null(network_name(n, s->vni)), "subnet", cidr);
		*v = json_pack("{s:o}", "gateway", ip_json(x->gateway.be32));
		break;
	}
	case DP_MAP_NODE_VNIS: {
		const struct vxnet_node_vni *s = key;

		*k = json_pack("{s:o,s:o,s:I,s:o}", "address", ip_json(s->node.be32), "node",
			       str_or_null(node_name(n, s->node.be32)), "vni", (json_int_t)s->vni,
			       "network", str_or_null(network_name(n, s->vni)));
		*v = json_object();
		break;
	}
	case DP_MAP_IFACES: {
		const __u32 *ifindex = key;
		const struct vxnet_iface *x = val;
		json_t *ifn = ifname_json(*ifindex, ifname);

		*k = json_pack("{s:I,s:o,s:o}", "ifindex", (json_int_t)*ifindex, "ifname", ifn,
			       "endpoint", str_or_null(endpoint_by_ifname(n, ifname[0] ? ifname : NULL)));
		*v = json_pack("{s:I,s:o,s:o,s:o,s:I,s:o}", "vni", (json_int_t)x->vni, "network",
			       str_or_null(network_name(n, x->vni)), "ip", ip_json(x->ip.be32), "mac",
			       mac_json(x->mac), "mtu", (json_int_t)x->mtu, "gateway", ip_json(x->gateway.be32));
		break;
	}
	case DP_MAP_ENDPOINTS: {
		const struct vxnet_ep_key *s = key;
		const struct vxnet_endpoint *x = val;
		json_t *fl = json_array();

		if (fl && (x->flags & VXNET_EP_LOCAL))
			json_array_append_new(fl, json_string("local"));
		if (fl && (x->flags & VXNET_EP_GATEWAY))
			json_array_append_new(fl, json_string("gateway"));
		*k = json_pack("{s:I,s:o,s:o,s:o}", "vni", (json_int_t)s->vni, "network",
			       str_or_null(network_name(n, s->vni)), "ip", ip_json(s->ip.be32), "endpoint",
			       x->flags & VXNET_EP_GATEWAY ? json_null() : endpoint_of(n, s->vni, s->ip.be32));
		*v = json_pack("{s:o,s:o,s:I,s:o,s:o,s:o,s:o}", "mac", mac_json(x->mac), "flags", fl,
			       "ifindex", (json_int_t)x->ifindex, "ifname", ifname_json(x->ifindex, ifname),
			       "node_address", ip_json(x->node.be32), "node", str_or_null(node_name(n, x->node.be32)),
			       "gateway", ip_json(x->gateway.be32));
		break;
	}
	case DP_MAP_BACKENDS: {
		const struct vxnet_backend_key *s = key;
		const struct vxnet_backend *x = val;

		*k = json_pack("{s:o,s:i,s:I}", "proto", proto_json(s->proto), "host_port",
			       ntohs(s->port), "slot", (json_int_t)s->slot);
		*v = json_pack("{s:I,s:o,s:o,s:o,s:i,s:o,s:o}", "vni", (json_int_t)x->vni, "network",
			       str_or_null(network_name(n, x->vni)), "ip", ip_json(x->ip.be32), "endpoint",
			       endpoint_of(n, x->vni, x->ip.be32), "port", ntohs(x->port),
			       "node_address", ip_json(x->node.be32), "node", str_or_null(node_name(n, x->node.be32)));
		break;
	}
	case DP_MAP_SERVICES: {
		const struct vxnet_service_key *s = key;
		const struct vxnet_service *x = val;

		*k = json_pack("{s:o,s:i}", "proto", proto_json(s->proto), "host_port", ntohs(s->port));
		*v = json_pack("{s:I}", "backends", (json_int_t)x->backends);
		break;
	}
	case DP_MAP_PUBLISHED: {
		const struct vxnet_published_key *s = key;
		const struct vxnet_published *x = val;

		*k = json_pack("{s:I,s:o,s:o,s:o,s:o,s:i}", "vni", (json_int_t)s->vni, "network",
			       str_or_null(network_name(n, s->vni)), "ip", ip_json(s->ip.be32), "endpoint",
			       endpoint_of(n, s->vni, s->ip.be32), "proto", proto_json(s->proto), "port",
			       ntohs(s->port));
		*v = json_pack("{s:i}", "host_port", ntohs(x->hostport));
		break;
	}
	case DP_MAP_STATS:
	case DP_MAP_DROPS: {
		const __u32 *i = key;
		const char *name = NULL;

		if (id == DP_MAP_STATS && *i < VXNET_STAT__MAX)
			name = vx_stat_names[*i];
		if (id == DP_MAP_DROPS && *i < VXNET_DROP__MAX)
			name = vx_drop_names[*i];
		*k = json_pack("{s:I,s:o}", "index", (json_int_t)*i,
			       id == DP_MAP_STATS ? "event" : "reason", str_or_null(name));
		*v = counter_json(val);
		break;
	}
	case DP_MAP_HOST: {
		const __u32 *i = key;
		const struct vxnet_host *x = val;

		*k = json_pack("{s:I}", "index", (json_int_t)*i);
		*v = json_pack("{s:s,s:o,s:I,s:o,s:i,s:s,s:i,s:i,s:i}", "node", x->node, "address",
			       ip_json(x->addr.be32), "ifindex", (json_int_t)x->ifindex, "ifname",
			       ifname_json(x->ifindex, ifname), "port", x->port, "decap",
			       x->decap == VXNET_DECAP_XDP ? "xdp" : "tc", "restore", x->restore,
			       "nat_port_min", x->nat_port_min, "nat_port_max", x->nat_port_max);
		break;
	}
	case DP_MAP_NAT: {
		const struct vxnet_nat_key *s = key;
		const struct vxnet_nat *x = val;

		*k = json_pack("{s:s,s:o,s:I,s:o,s:o,s:o,s:i,s:i}", "dir",
			       s->dir == VXNET_NAT_OUT ? "out" : "in", "proto", proto_json(s->proto),
			       "vni", (json_int_t)s->vni, "network", s->vni ?
			       str_or_null(network_name(n, s->vni)) : json_null(), "addr",
			       ip_json(s->addr.be32), "remote", ip_json(s->remote.be32), "port", ntohs(s->port),
			       "remote_port", ntohs(s->rport));
		*v = json_pack("{s:I,s:I,s:o,s:o,s:i,s:o,s:o}", "last_seen_ns",
			       (json_int_t)x->last_seen, "vni", (json_int_t)x->vni, "network", x->vni ?
			       str_or_null(network_name(n, x->vni)) : json_null(), "addr",
			       ip_json(x->addr.be32), "port", ntohs(x->port), "flags", nat_flags_json(x->flags),
			       "node", ip_json(x->node.be32));
		break;
	}
	case DP_MAP_EP_STATS: {
		const __u32 *ifindex = key;
		const struct vxnet_ep_stats *x = val;
		json_t *ifn = ifname_json(*ifindex, ifname);

		*k = json_pack("{s:I,s:o,s:o}", "ifindex", (json_int_t)*ifindex, "ifname", ifn,
			       "endpoint", str_or_null(endpoint_by_ifname(n, ifname[0] ? ifname : NULL)));
		*v = json_pack("{s:{s:I,s:I},s:{s:I,s:I}}",
			       "sent", "packets", (json_int_t)x->tx_packets, "bytes", (json_int_t)x->tx_bytes,
			       "received", "packets", (json_int_t)x->rx_packets, "bytes",
			       (json_int_t)x->rx_bytes);
		break;
	}
	case DP_MAP_MONITOR: {
		const __u32 *i = key;
		const struct vxnet_monitor *x = val;
		json_t *fl = json_array();

		if (fl && (x->flags & VXNET_MON_DROPS))
			json_array_append_new(fl, json_string("drops"));
		if (fl && (x->flags & VXNET_MON_TRACE))
			json_array_append_new(fl, json_string("trace"));
		*k = json_pack("{s:I}", "index", (json_int_t)*i);
		*v = json_pack("{s:o,s:I,s:I}", "flags", fl, "pid", (json_int_t)x->pid, "lost",
			       (json_int_t)x->lost);
		break;
	}
	case DP_MAP_NEXTHOPS: {
		const struct vxnet_nexthop *x = val;

		*k = json_pack("{s:I}", "slot", (json_int_t)*(const __u32 *)key);
		*v = json_pack("{s:o,s:I,s:o,s:I,s:o,s:o,s:I}", "address", ip_json(x->addr.be32), "ifindex",
			       (json_int_t)x->ifindex, "ifname", ifname_json(x->ifindex, ifname), "mtu",
			       (json_int_t)x->mtu, "smac", mac_json(x->smac), "dmac", mac_json(x->dmac),
			       "expires_ns", (json_int_t)x->expires);
		break;
	}
	case DP_MAP_GENS: {
		const __u32 *i = key;

		*k = json_pack("{s:I,s:s}", "index", (json_int_t)*i, "map",
			       *i == VXNET_GEN_IFACES ? "ifaces" : *i == VXNET_GEN_ENDPOINTS ? "endpoints" : "?");
		*v = json_pack("{s:I}", "generation", (json_int_t)*(const __u32 *)val);
		break;
	}
	case DP_MAP_IFACE_SLOTS: {
		const struct vxnet_iface_slot *x = val;

		*k = json_pack("{s:I}", "slot", (json_int_t)*(const __u32 *)key);
		/* egress: the copy of its network's switch; null: none (an older build's copy) */
		*v = json_pack("{s:I,s:o,s:I,s:I,s:o,s:o,s:o}", "ifindex", (json_int_t)x->ifindex,
			       "ifname", ifname_json(x->ifindex, ifname), "generation",
			       (json_int_t)x->gen, "vni", (json_int_t)x->ifc.vni, "ip", ip_json(x->ifc.ip.be32),
			       "mac", mac_json(x->ifc.mac), "egress",
			       !(x->net_flags & VXNET_SLOT_NET_COPIED) ? json_null() :
			       json_boolean(!(x->net_flags & VXNET_NET_NO_EGRESS)));
		break;
	}
	case DP_MAP_EP_CACHE: {
		const struct vxnet_ep_cached *x = val;

		*k = json_pack("{s:I}", "slot", (json_int_t)*(const __u32 *)key);
		/* subnet, for an address without endpoint: whether a subnet of the
		 * network holds it ("inside": no-endpoint; "outside": egress), or
		 * null: not asked
		 */
		*v = json_pack("{s:I,s:o,s:I,s:b,s:o,s:o,s:o}", "vni", (json_int_t)x->vni, "ip",
			       ip_json(x->ip.be32), "generation", (json_int_t)x->gen, "found",
			       x->found == VXNET_EPC_FOUND, "mac", mac_json(x->ep.mac), "node",
			       ip_json(x->ep.node.be32), "subnet",
			       x->found == VXNET_EPC_MISS_INSIDE ? json_string("inside") :
			       x->found == VXNET_EPC_MISS_OUTSIDE ? json_string("outside") :
			       json_null());
		break;
	}
	default: /* a map this file does not know yet: its bytes */
		*k = json_pack("{s:o}", "hex", hex_json(key, dp_maps[id].key_size));
		*v = json_pack("{s:o}", "hex", hex_json(val, dp_maps[id].value_size));
		break;
	}
	return *k && *v ? 0 : -ENOMEM;
}

/* Sums the per-CPU values (every one made of __u64 counters) into out. */
static void sum_percpu(const void *pcpu, int ncpu, size_t stride, size_t size, __u64 *out)
{
	memset(out, 0, size);
	for (int c = 0; c < ncpu; c++) {
		const __u64 *x = (const void *)((const char *)pcpu + c * stride);

		for (size_t i = 0; i < size / sizeof(__u64); i++)
			out[i] += x[i];
	}
}

/* "a=1 b=x" of an object's members, nested objects as name.member. */
static void print_fields(const char *prefix, json_t *o, int *first)
{
	const char *k;
	json_t *v;

	json_object_foreach(o, k, v) {
		if (json_is_object(v)) {
			print_fields(k, v, first);
			continue;
		}
		if (!*first)
			putchar(' ');
		*first = 0;
		if (prefix)
			printf("%s.", prefix);
		if (json_is_string(v)) {
			printf("%s=%s", k, json_string_value(v));
		} else if (json_is_null(v)) {
			printf("%s=-", k);
		} else if (json_is_array(v)) {
			size_t i;
			json_t *e;

			printf("%s=", k);
			json_array_foreach(v, i, e) {
				char *s = json_is_string(e) ? NULL : json_dumps(e, JSON_ENCODE_ANY);

				printf("%s%s", i ? "," : "", s ? s : json_string_value(e));
				free(s);
			}
			if (!json_array_size(v))
				putchar('-');
		} else {
			char *s = json_dumps(v, JSON_ENCODE_ANY);

			printf("%s=%s", k, s ? s : "?");
			free(s);
		}
	}
}

static int map_id(const char *name)
{
	for (int i = 0; i < DP_MAP_COUNT; i++)
		if (!strcmp(dp_maps[i].name, name))
			return i;
	return -1;
}

/* map dump ep_stats / ep_slots: one entry per endpoint, whichever of the
 * two holds its traffic (metrics_read_ep_stats()).
 */
struct ep_dump {
	struct names *n;
	json_t *out;
};

static int ep_dump_one(__u32 ifindex, void *arg)
{
	struct ep_dump *d = arg;
	struct vxnet_ep_stats s;
	json_t *k, *v;
	int err;

	err = metrics_read_ep_stats(vx_opts.pin_dir, ifindex, &s) ?:
	      decode(DP_MAP_EP_STATS, d->n, &ifindex, &s, &k, &v);
	if (!err)
		json_array_append_new(d->out, json_pack("{s:o,s:o}", "key", k, "value", v));
	return err;
}

/* The datapath's own per-CPU copies (nexthops, iface_slots, ep_cache):
 * each CPU's slot is its own entry, not a counter to sum.
 */
static int copies(int id)
{
	return id == DP_MAP_NEXTHOPS || id == DP_MAP_IFACE_SLOTS || id == DP_MAP_EP_CACHE;
}

/* Whether a copy's slot holds nothing (its tag 0). */
static int copy_empty(int id, const void *val)
{
	switch (id) {
	case DP_MAP_NEXTHOPS:
		return !((const struct vxnet_nexthop *)val)->addr.be32;
	case DP_MAP_IFACE_SLOTS:
		return !((const struct vxnet_iface_slot *)val)->ifindex;
	default:
		return !((const struct vxnet_ep_cached *)val)->ip.be32;
	}
}

/* One entry per CPU whose copy at key holds something, "cpu" in its key. */
static int dump_copies(int id, const struct names *n, const void *key, const unsigned char *val,
		       int ncpu, size_t stride, json_t *out)
{
	for (int c = 0; c < ncpu; c++) {
		const void *x = val + c * stride;
		json_t *k, *v;
		int err;

		if (copy_empty(id, x))
			continue;
		err = decode(id, n, key, x, &k, &v);
		if (err)
			return err;
		json_object_set_new(k, "cpu", json_integer(c));
		json_array_append_new(out, json_pack("{s:o,s:o}", "key", k, "value", v));
	}
	return 0;
}

static int map_dump(void *arg)
{
	const struct dump_arg *a = arg;
	int id = map_id(a->name), fd = -1, ncpu = 1, ret = 1, err = 0;
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	unsigned char *key = NULL, *prev = NULL, *next = NULL, *val = NULL, *one = NULL;
	size_t stride = 0;
	int percpu, ep;
	json_t *out = NULL;
	struct vx_state st;
	struct names n = { &st };
	char known[256] = "";

	state_init(&st);
	if (id < 0) {
		for (int i = 0, off = 0; i < DP_MAP_COUNT; i++)
			off += snprintf(known + off, sizeof(known) - off, "%s%s", i ? ", " : "",
					dp_maps[i].name);
		pr_err("map dump: no map '%s'; one of %s", a->name, known);
		return 2;
	}
	fd = dp_open_pin(vx_opts.pin_dir, a->name);
	if (fd < 0) {
		if (fd == -ENOENT)
			pr_err("map dump: nothing pinned at %s/%s; run vxnet up first", vx_opts.pin_dir, a->name);
		else
			pr_err("map dump: open %s/%s: %s", vx_opts.pin_dir, a->name, strerror(-fd));
		return 1;
	}
	if (bpf_obj_get_info_by_fd(fd, &info, &len)) {
		pr_err("map dump: %s/%s: %s", vx_opts.pin_dir, a->name, strerror(errno));
		goto cleanup;
	}
	if (!info.key_size) {
		pr_err("map dump: %s/%s is a ring buffer, no entries to dump", vx_opts.pin_dir, a->name);
		goto cleanup;
	}
	if (info.key_size != dp_maps[id].key_size || info.value_size != dp_maps[id].value_size) {
		pr_err("map dump: %s/%s has keys of %u and values of %u bytes, this vxnet expects %u and %u",
		       vx_opts.pin_dir, a->name, info.key_size, info.value_size, dp_maps[id].key_size,
		       dp_maps[id].value_size);
		goto cleanup;
	}
	if (cli_read_state(&st))
		goto cleanup;
	percpu = info.type == BPF_MAP_TYPE_PERCPU_ARRAY || info.type == BPF_MAP_TYPE_PERCPU_HASH ||
		 info.type == BPF_MAP_TYPE_LRU_PERCPU_HASH;
	if (percpu) {
		ncpu = libbpf_num_possible_cpus();
		stride = (info.value_size + 7) & ~7u;
	} else {
		stride = info.value_size;
	}
	key = calloc(1, info.key_size);
	next = calloc(1, info.key_size);
	val = calloc(ncpu > 0 ? ncpu : 1, stride);
	one = calloc(1, info.value_size + sizeof(__u64));
	out = json_array();
	if (!key || !next || !val || !one || !out || ncpu < 0) {
		pr_err("map dump: out of memory");
		goto cleanup;
	}
	ep = id == DP_MAP_EP_STATS || id == DP_MAP_EP_SLOTS;
	if (ep) {
		struct ep_dump d = { &n, out };

		err = metrics_ep_ifindexes(vx_opts.pin_dir, ep_dump_one, &d);
	}
	for (; !ep && !bpf_map_get_next_key(fd, prev, next);
	     memcpy(key, next, info.key_size), prev = key) {
		json_t *k, *v;

		if (bpf_map_lookup_elem(fd, next, val)) {
			if (errno == ENOENT)
				continue; /* gone meanwhile (LRU, a detach) */
			err = -errno;
			break;
		}
		if (percpu && copies(id)) {
			err = dump_copies(id, &n, next, val, ncpu, stride, out);
			if (err)
				break;
			continue;
		}
		if (percpu)
			sum_percpu(val, ncpu, stride, info.value_size, (__u64 *)one);
		else
			memcpy(one, val, info.value_size);
		err = decode(id, &n, next, one, &k, &v);
		if (err)
			break;
		json_array_append_new(out, json_pack("{s:o,s:o}", "key", k, "value", v));
	}
	if (err) {
		pr_err("map dump: %s/%s: %s", vx_opts.pin_dir, a->name, strerror(-err));
		goto cleanup;
	}
	if (a->json) {
		if (json_dumpf(out, stdout, JSON_COMPACT | JSON_PRESERVE_ORDER)) {
			pr_err("map dump: out of memory");
			goto cleanup;
		}
		putchar('\n');
	} else {
		size_t i;
		json_t *e;

		json_array_foreach(out, i, e) {
			int first = 1;

			print_fields(NULL, json_object_get(e, "key"), &first);
			fputs(" ->", stdout);
			print_fields(NULL, json_object_get(e, "value"), &first);
			putchar('\n');
		}
	}
	ret = 0;
cleanup:
	json_decref(out);
	free(key);
	free(next);
	free(val);
	free(one);
	state_free(&st);
	close(fd);
	return ret;
}

static const struct cli_opt dump_opts[] = {
	{ .meta = "NAME", .type = CLI_STR, .off = offsetof(struct dump_arg, name),
	  .help = "a pinned map: nodes, networks, subnets, node_vnis, ifaces, endpoints,\n"
		  "backends, services, published, stats, drops, host, nat, ep_stats, ep_slots, monitor,\n"
		  "nexthops, gens, iface_slots, ep_cache" },
	{ "json", NULL, CLI_FLAG, offsetof(struct dump_arg, json),
	  "print a JSON array of {\"key\": {...}, \"value\": {...}}", .letter = 'j' },
	{},
};

const struct cli_verb map_verbs[] = {
	{ "dump", "Prints pinned map NAME, one entry a line: key -> value, with the state's names.",
	  dump_opts, sizeof(struct dump_arg), NULL, map_dump },
	{},
};
