// SPDX-License-Identifier: GPL-2.0-only
/* libnetwork's remote API (docker.h) through libmicrohttpd on a unix
 * socket, one request at a time (MHD's one polling thread), JSON through
 * jansson. Nothing essential lives in memory: the networks, endpoints and
 * address reservations are records in the store, the veths are found by
 * their names, and the one thing the store has no field for, which vxnet
 * network a Docker network ID stands for (and whether this plugin made
 * it), is a small file per network under the data directory.
 *
 * Names. A Docker endpoint is endpoint "docker-" + the first 12 digits of
 * its ID, with the whole ID as the record's container_id. An address the
 * IPAM driver hands out before the endpoint exists is a record
 * "ipam-CRC-ADDR" (CRC of the network's name, the address in hex) on this
 * node, without a veth: every host's IPAM sees it, so two hosts never hand
 * out one address; CreateEndpoint renames it to the endpoint.
 *
 * Errors: {"Err": "the line the CLI would print"}, HTTP 500 (404 for a
 * call it does not know); the library's pr_err lines go to stderr (the
 * journal) as well.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <jansson.h>
#include <microhttpd.h>
#include <zlib.h>

#include "attach.h"
#include "datapath.h"
#include "docker.h"
#include "log.h"
#include "netlink.h"
#include "sync.h"

#define GATEWAY_TYPE "com.docker.network.gateway"
#define BODY_MAX (1 << 20)

/* ---- helpers ---------------------------------------------------------- */

static const char *jstr(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? s : "";
}

/* A driver option: Docker passes `-o` ones under com.docker.network.generic. */
static const char *opt(json_t *req, const char *key)
{
	json_t *o = json_object_get(req, "Options");
	json_t *g = json_object_get(o, "com.docker.network.generic");
	json_t *v = json_object_get(g, key);

	if (!v)
		v = json_object_get(o, key);
	return json_string_value(v);
}

/* "A.B.C.D/N" of a pool: exactly a network address. */
static int parse_pool(const char *who, const char *s, struct vx_subnet *sn)
{
	if (parse_cidr(s, &sn->addr, &sn->prefix)) {
		pr_err("docker: %s: invalid IPv4 pool '%.64s'", who, s);
		return -EINVAL;
	}
	return 0;
}

/* "A.B.C.D" or "A.B.C.D/N" (Docker's addresses carry the prefix). */
static int parse_addr(const char *who, const char *s, uint32_t *ip)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%s", s);
	buf[strcspn(buf, "/")] = 0;
	if (parse_ipv4(buf, ip)) {
		pr_err("docker: %s: invalid IPv4 address '%.64s'", who, s);
		return -EINVAL;
	}
	return 0;
}

static const struct vx_network *network_with_subnet(const struct vx_state *st,
						   const struct vx_subnet *sn)
{
	for (size_t i = 0; i < st->nnetworks; i++)
		for (int j = 0; j < st->networks[i].nsubnets; j++)
			if (st->networks[i].subnets[j].addr == sn->addr &&
			    st->networks[i].subnets[j].prefix == sn->prefix)
				return &st->networks[i];
	return NULL;
}

static void endpoint_name(const char *id, char *buf, size_t len)
{
	snprintf(buf, len, "docker-%.12s", id);
}

int docker_endpoint_is(const struct vx_endpoint *e)
{
	char name[VX_NAME_MAX];

	endpoint_name(e->container_id, name, sizeof(name));
	return e->container_id[0] && !strcmp(e->name, name);
}

static void reservation_name(const char *network, uint32_t ip, char *buf, size_t len)
{
	snprintf(buf, len, "ipam-%08lx-%08x", crc32(0, (const unsigned char *)network, strlen(network)),
		 ntohl(ip));
}

static int is_reservation(const struct vx_endpoint *e)
{
	char want[VX_NAME_MAX];

	reservation_name(e->network, e->ip, want, sizeof(want));
	return !strcmp(e->name, want);
}

static int valid_id(const char *who, const char *id)
{
	if (!*id || strlen(id) >= VX_CONTAINER_ID_MAX || !valid_container_id(id)) {
		pr_err("docker: %s: invalid ID '%.80s'", who, id);
		return -EINVAL;
	}
	return 0;
}

/* This host's maps after an endpoint record changed (the agent would do
 * it too); a failure is the agent's to repair, and said on stderr.
 */
static void sync_maps(struct vx_docker *d)
{
	struct kv_result res;

	dp_sync_store(d->store, d->pin_dir, &res);
}

/* ---- the data directory: Docker network ID -> vxnet network ----------- */

/* The file holds "NAME created" or "NAME adopted". */
static int netmap_read(const struct vx_docker *d, const char *who, const char *id, char *name,
		       int *created)
{
	char path[4096], word[16] = "";
	FILE *f;
	int n;

	if (valid_id(who, id))
		return -EINVAL;
	snprintf(path, sizeof(path), "%s/%s", d->data_dir, id);
	f = fopen(path, "r");
	if (!f) {
		pr_err("docker: %s: unknown network %.64s", who, id);
		return -ENOENT;
	}
	n = fscanf(f, "%63s %15s", name, word);
	fclose(f);
	if (n != 2) {
		pr_err("docker: %s: %s is malformed", who, path);
		return -EINVAL;
	}
	if (created)
		*created = !strcmp(word, "created");
	return 0;
}

static int netmap_write(const struct vx_docker *d, const char *id, const char *name, int created)
{
	char path[4096], tmp[4200];
	FILE *f;

	if (mkdir(d->data_dir, 0755) && errno != EEXIST) {
		pr_err("docker: create %s: %s", d->data_dir, strerror(errno));
		return -errno;
	}
	snprintf(path, sizeof(path), "%s/%s", d->data_dir, id);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "w");
	if (f) {
		int bad = fprintf(f, "%s %s\n", name, created ? "created" : "adopted") < 0;

		if (fclose(f) || bad)
			f = NULL;
	}
	if (!f) {
		pr_err("docker: write %s: %s", tmp, strerror(errno));
		unlink(tmp);
		return -EIO;
	}
	if (rename(tmp, path)) {
		pr_err("docker: rename %s: %s", tmp, strerror(errno));
		unlink(tmp);
		return -errno;
	}
	return 0;
}

static void netmap_remove(const struct vx_docker *d, const char *id)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/%s", d->data_dir, id);
	unlink(path);
}

/* ---- NetworkDriver ---------------------------------------------------- */

struct create_net {
	struct vx_network want;
	int vni_given, mtu_given, created;
};

static int do_create_network(struct vx_state *st, void *arg)
{
	struct create_net *c = arg;
	const struct vx_network *n = state_find_network(st, c->want.name);

	/* a retry after a lost reply finds the network the last call made */
	if (n && c->created)
		return 0;
	if (n) {
		int same = n->nsubnets == c->want.nsubnets;

		for (int i = 0; same && i < n->nsubnets; i++)
			same = n->subnets[i].addr == c->want.subnets[i].addr &&
			       n->subnets[i].prefix == c->want.subnets[i].prefix &&
			       n->subnets[i].gateway == c->want.subnets[i].gateway;
		if (!same) {
			pr_err("docker: network %s exists with other subnets or gateways", n->name);
			return -EEXIST;
		}
		if ((c->vni_given && n->vni != c->want.vni) || (c->mtu_given && n->mtu != c->want.mtu)) {
			pr_err("docker: network %s exists with VNI %u and MTU %u", n->name, n->vni, n->mtu);
			return -EEXIST;
		}
		if (c->want.no_egress && !n->no_egress) {
			pr_err("docker: network %s exists with egress on; --internal cannot adopt it",
			       n->name);
			return -EEXIST;
		}
		return 0;
	}
	c->created = 0;
	if (!c->vni_given && vni_alloc(st, &c->want.vni)) {
		pr_err("docker: network %s: no free VNI", c->want.name);
		return -ENOSPC;
	}
	if (!c->want.id[0] && network_stamp(&c->want)) /* an ID and a creation time */
		return -EIO;
	if (!state_add_network(st, &c->want))
		return -ENOMEM;
	c->created = 1;
	return state_validate(st, "docker");
}

static int do_delete_network(struct vx_state *st, void *arg)
{
	struct vx_network *n = state_find_network(st, arg);

	if (n && !state_count_endpoints(st, n->name, NULL))
		state_del_network(st, n);
	return 0;
}

static int parse_u32(const char *who, const char *what, const char *s, uint32_t min, uint32_t max,
		     uint32_t *v)
{
	char *end;
	unsigned long x;

	errno = 0;
	x = strtoul(s, &end, 10);
	if (!*s || *end || errno || x < min || x > max || s[0] == '-' || s[0] == '+') {
		pr_err("docker: %s: invalid %s '%.32s' (%u..%u)", who, what, s, min, max);
		return -EINVAL;
	}
	*v = x;
	return 0;
}

static int create_network(struct vx_docker *d, json_t *req, json_t *res)
{
	const char *id = jstr(req, "NetworkID"), *name = opt(req, "vxnet.network");
	const char *vni = opt(req, "vxnet.vni"), *mtu = opt(req, "com.docker.network.driver.mtu");
	json_t *pools = json_object_get(req, "IPv4Data"), *v6 = json_object_get(req, "IPv6Data");
	struct create_net c = {};
	size_t i;
	json_t *p;
	int err;

	if (valid_id("CreateNetwork", id))
		return -EINVAL;
	if (json_array_size(v6)) {
		pr_err("docker: CreateNetwork: vxnet has no IPv6");
		return -EINVAL;
	}
	if (!json_array_size(pools)) {
		pr_err("docker: CreateNetwork: no IPv4 subnet (use --subnet)");
		return -EINVAL;
	}
	if (json_array_size(pools) > VX_MAX_SUBNETS) {
		pr_err("docker: CreateNetwork: more than %d subnets", VX_MAX_SUBNETS);
		return -EINVAL;
	}
	json_array_foreach(pools, i, p) {
		struct vx_subnet *sn = &c.want.subnets[c.want.nsubnets++];
		const char *gw = jstr(p, "Gateway");

		err = parse_pool("CreateNetwork", jstr(p, "Pool"), sn);
		if (err)
			return err;
		if (*gw) {
			err = parse_addr("CreateNetwork", gw, &sn->gateway);
			if (err)
				return err;
		} else {
			sn->gateway = htonl(ntohl(sn->addr) + 1);
		}
	}
	if (name) {
		snprintf(c.want.name, sizeof(c.want.name), "%s", name);
		if (strlen(name) >= VX_NAME_MAX || !valid_name(name)) {
			pr_err("docker: CreateNetwork: invalid network name '%.80s' (vxnet.network)", name);
			return -EINVAL;
		}
	} else {
		/* Docker does not pass its network's name: one derived from the
		 * first pool is the same on every host that makes the network.
		 */
		char buf[20];

		format_cidr(c.want.subnets[0].addr, c.want.subnets[0].prefix, buf);
		buf[strcspn(buf, "/")] = '-';
		snprintf(c.want.name, sizeof(c.want.name), "docker-%s", buf);
	}
	if (vni) {
		err = parse_u32("CreateNetwork", "VNI", vni, 1, VX_VNI_MAX, &c.want.vni);
		if (err)
			return err;
		c.vni_given = 1;
	}
	if (mtu) {
		err = parse_u32("CreateNetwork", "MTU", mtu, VX_MTU_MIN, VX_MTU_MAX, &c.want.mtu);
		if (err)
			return err;
		c.mtu_given = 1;
	}
	/* `docker network create --internal`: libnetwork sets this option
	 * (a boolean, outside the generic ones) only then.
	 */
	c.want.no_egress = json_is_true(json_object_get(json_object_get(req, "Options"),
							"com.docker.network.internal"));
	err = store_update(d->store, do_create_network, &c);
	if (err)
		return err;
	err = netmap_write(d, id, c.want.name, c.created);
	if (err && c.created)
		store_update(d->store, do_delete_network, c.want.name);
	return err;
}

static int delete_network(struct vx_docker *d, json_t *req, json_t *res)
{
	const char *id = jstr(req, "NetworkID");
	char name[VX_NAME_MAX];
	int created, err;

	err = netmap_read(d, "DeleteNetwork", id, name, &created);
	if (err == -ENOENT)
		return 0; /* deleted already */
	if (err)
		return err;
	if (created) {
		err = store_update(d->store, do_delete_network, name);
		if (err)
			return err;
	}
	netmap_remove(d, id);
	return 0;
}

struct ep_op {
	struct vx_docker *d;
	const char *network, *id;
	char name[VX_NAME_MAX], node[VX_NAME_MAX];
	uint32_t ip;
	uint8_t mac[6];
	int mac_given;
	struct vx_endpoint ep;
};

static int do_create_endpoint(struct vx_state *st, void *arg)
{
	struct ep_op *o = arg;
	const struct vx_network *n = state_find_network(st, o->network);
	struct vx_endpoint *e, new = {};
	char ipbuf[16];

	if (!n) {
		pr_err("docker: CreateEndpoint: unknown network %s", o->network);
		return -ENOENT;
	}
	e = state_find_endpoint(st, o->name);
	if (e && !strcmp(e->container_id, o->id) && e->ip == o->ip) {
		o->ep = *e; /* a retry after a lost reply */
		return 0;
	}
	if (e) {
		pr_err("docker: CreateEndpoint: endpoint %s already exists", o->name);
		return -EEXIST;
	}
	e = state_find_endpoint_ip(st, n->name, o->ip);
	if (e && !(is_reservation(e) && !strcmp(e->node, o->node))) {
		format_ipv4(o->ip, ipbuf);
		pr_err("docker: CreateEndpoint: address %s is in use by endpoint %s", ipbuf, e->name);
		return -EEXIST;
	}
	if (!e) {
		e = state_add_endpoint(st, &new);
		if (!e)
			return -ENOMEM;
	}
	*e = (struct vx_endpoint){ .ip = o->ip };
	snprintf(e->name, sizeof(e->name), "%s", o->name);
	snprintf(e->network, sizeof(e->network), "%s", n->name);
	snprintf(e->node, sizeof(e->node), "%s", o->node);
	snprintf(e->container_id, sizeof(e->container_id), "%s", o->id);
	if (o->mac_given)
		memcpy(e->mac, o->mac, 6);
	else
		default_mac(o->ip, e->mac);
	o->ep = *e;
	return state_validate(st, "docker");
}

/* This host's node; "" and the line dp_read_host prints while vxnet is down. */
static int host_node(struct vx_docker *d, char *node)
{
	struct vxnet_host host;
	int err = dp_read_host(d->pin_dir, &host);

	snprintf(node, VX_NAME_MAX, "%s", err ? "" : host.node);
	return err;
}

static int create_endpoint(struct vx_docker *d, json_t *req, json_t *res)
{
	struct ep_op o = { .d = d, .id = jstr(req, "EndpointID") };
	json_t *ifc = json_object_get(req, "Interface");
	const char *addr = jstr(ifc, "Address"), *mac = jstr(ifc, "MacAddress");
	char netname[VX_NAME_MAX], buf[18];
	int err;

	err = netmap_read(d, "CreateEndpoint", jstr(req, "NetworkID"), netname, NULL) ?:
	      valid_id("CreateEndpoint", o.id);
	if (err)
		return err;
	o.network = netname;
	if (*jstr(ifc, "AddressIPv6")) {
		pr_err("docker: CreateEndpoint: vxnet has no IPv6");
		return -EINVAL;
	}
	if (!*addr) {
		pr_err("docker: CreateEndpoint: no IPv4 address (the vxnet IPAM driver gives one)");
		return -EINVAL;
	}
	err = parse_addr("CreateEndpoint", addr, &o.ip);
	if (err)
		return err;
	if (*mac) {
		if (parse_mac(mac, o.mac)) {
			pr_err("docker: CreateEndpoint: invalid MAC address '%.32s'", mac);
			return -EINVAL;
		}
		o.mac_given = 1;
	}
	endpoint_name(o.id, o.name, sizeof(o.name));
	err = host_node(d, o.node) ?: store_update(d->store, do_create_endpoint, &o);
	if (err)
		return err;
	sync_maps(d);
	if (!o.mac_given) {
		format_mac(o.ep.mac, buf);
		json_object_set_new(res, "Interface", json_pack("{s:s}", "MacAddress", buf));
	}
	return 0;
}

struct del_ep {
	const char *name, *id;
	char node[VX_NAME_MAX];
	struct vx_endpoint ep;
};

static int do_delete_endpoint(struct vx_state *st, void *arg)
{
	struct del_ep *o = arg;
	struct vx_endpoint *e = state_find_endpoint(st, o->name);

	/* while vxnet is down (no node) the endpoint ID alone, Docker's
	 * random 256 bits, says the record is ours
	 */
	if (e && !strcmp(e->container_id, o->id) && (!o->node[0] || !strcmp(e->node, o->node))) {
		o->ep = *e;
		state_del_endpoint(st, e);
	}
	return 0;
}

static int delete_endpoint(struct vx_docker *d, json_t *req, json_t *res)
{
	struct del_ep o = { .id = jstr(req, "EndpointID") };
	char name[VX_NAME_MAX];
	int err, up;

	err = valid_id("DeleteEndpoint", o.id);
	if (err)
		return err;
	endpoint_name(o.id, name, sizeof(name));
	o.name = name;
	up = !host_node(d, o.node);
	err = store_update(d->store, do_delete_endpoint, &o);
	if (err)
		return err;
	if (up)
		sync_maps(d);
	if (o.ep.host_ifname[0])
		nl_link_delete(o.ep.host_ifname); /* DeleteEndpoint without Leave */
	return 0;
}

static int endpoint_info(struct vx_docker *d, json_t *req, json_t *res)
{
	json_object_set_new(res, "Value", json_object());
	return 0;
}

/* The record of Docker endpoint id on this host, and its network. */
static int read_endpoint(struct vx_docker *d, const char *who, const char *id,
			 struct vx_endpoint *ep, struct vx_network *n)
{
	struct vx_state st;
	char name[VX_NAME_MAX];
	const struct vx_endpoint *e;
	const struct vx_network *nn;
	int err;

	err = valid_id(who, id);
	if (err)
		return err;
	endpoint_name(id, name, sizeof(name));
	state_init(&st);
	err = store_read(d->store, &st);
	if (err)
		goto cleanup;
	e = state_find_endpoint(&st, name);
	nn = e ? state_find_network(&st, e->network) : NULL;
	if (!e || strcmp(e->container_id, id) || !nn) {
		pr_err("docker: %s: unknown endpoint %.64s", who, id);
		err = -ENOENT;
		goto cleanup;
	}
	*ep = *e;
	*n = *nn;
cleanup:
	state_free(&st);
	return err;
}

static int join(struct vx_docker *d, json_t *req, json_t *res)
{
	struct vx_endpoint ep;
	struct vx_network n;
	const struct vx_subnet *sn;
	char peer[IFNAMSIZ], buf[20], gw[16];
	json_t *routes;
	int err;

	err = read_endpoint(d, "Join", jstr(req, "EndpointID"), &ep, &n) ?:
	      vx_attach_veth(d->store, d->pin_dir, ep.name, jstr(req, "SandboxKey"), &ep, peer);
	if (err)
		return err;
	sn = network_subnet_of(&n, ep.ip);
	format_ipv4(sn->gateway, gw);
	routes = json_array();
	for (int i = 0; i < n.nsubnets; i++) {
		if (&n.subnets[i] == sn)
			continue;
		format_cidr(n.subnets[i].addr, n.subnets[i].prefix, buf);
		json_array_append_new(routes, json_pack("{s:s,s:i,s:s}", "Destination", buf,
							"RouteType", 0, "NextHop", gw));
	}
	json_object_set_new(res, "InterfaceName",
			    json_pack("{s:s,s:s}", "SrcName", peer, "DstPrefix", "eth"));
	json_object_set_new(res, "Gateway", json_string(gw));
	json_object_set_new(res, "StaticRoutes", routes);
	return 0;
}

static int leave(struct vx_docker *d, json_t *req, json_t *res)
{
	struct vx_endpoint ep;
	struct vx_network n;

	return read_endpoint(d, "Leave", jstr(req, "EndpointID"), &ep, &n) ?:
	       vx_detach_veth(d->store, d->pin_dir, ep.name);
}

/* ---- published ports: docker run -p ------------------------------------ */

#define PORTMAP_OPTION "com.docker.network.portmap"

struct publish_op {
	const char *who, *id;
	char name[VX_NAME_MAX];
	int npublish;
	struct vx_publish publish[VX_MAX_PUBLISH];
};

/* A host address Docker binds: every one (vxnet publishes on every node's
 * underlay address, nothing else).
 */
static int any_host_ip(const char *ip)
{
	return !*ip || !strcmp(ip, "0.0.0.0") || !strcmp(ip, "::");
}

/* One of Options' com.docker.network.portmap, a libnetwork
 * types.PortBinding: {"Proto": 6, "IP": "", "Port": 80, "HostIP": "",
 * "HostPort": 8080, "HostPortEnd": 8080}. Appended to o unless there
 * already (Docker may list a binding once per host address family).
 */
static int read_binding(struct publish_op *o, json_t *b)
{
	json_int_t proto = json_integer_value(json_object_get(b, "Proto"));
	json_int_t port = json_integer_value(json_object_get(b, "Port"));
	json_int_t host = json_integer_value(json_object_get(b, "HostPort"));
	json_int_t end = json_integer_value(json_object_get(b, "HostPortEnd"));
	const char *hip = jstr(b, "HostIP");
	struct vx_publish p;

	if (proto != IPPROTO_TCP && proto != IPPROTO_UDP) {
		pr_err("docker: %s: port %lld: protocol %lld is not tcp or udp", o->who, port, proto);
		return -EINVAL;
	}
	if (port < 1 || port > 65535) {
		pr_err("docker: %s: invalid port %lld", o->who, port);
		return -EINVAL;
	}
	if (host < 1 || host > 65535) {
		pr_err("docker: %s: port %lld/%s needs a host port (-p HOSTPORT:%lld): vxnet does not choose one",
		       o->who, port, publish_proto(proto), port);
		return -EINVAL;
	}
	if (end && end != host) {
		pr_err("docker: %s: host port range %lld-%lld is not supported (one host port per -p)",
		       o->who, host, end);
		return -EINVAL;
	}
	if (!any_host_ip(hip)) {
		pr_err("docker: %s: host address %.64s is not supported (a published port is on every node's address)",
		       o->who, hip);
		return -EINVAL;
	}
	p = (struct vx_publish){ .proto = proto, .host_port = host, .port = port };
	for (int i = 0; i < o->npublish; i++)
		if (!memcmp(&o->publish[i], &p, sizeof(p)))
			return 0;
	if (o->npublish == VX_MAX_PUBLISH) {
		pr_err("docker: %s: more than %d published ports", o->who, VX_MAX_PUBLISH);
		return -EINVAL;
	}
	o->publish[o->npublish++] = p;
	return 0;
}

static int read_portmap(struct publish_op *o, json_t *req)
{
	json_t *pm = json_object_get(json_object_get(req, "Options"), PORTMAP_OPTION), *b;
	size_t i;
	int err = 0;

	if (!pm || json_is_null(pm))
		return 0;
	if (!json_is_array(pm)) {
		pr_err("docker: %s: %s is not a list", o->who, PORTMAP_OPTION);
		return -EINVAL;
	}
	json_array_foreach(pm, i, b) {
		err = json_is_object(b) ? read_binding(o, b) : -EINVAL;
		if (err == -EINVAL && !json_is_object(b))
			pr_err("docker: %s: %s[%zu] is not an object", o->who, PORTMAP_OPTION, i);
		if (err)
			return err;
	}
	return 0;
}

/* The endpoint's published ports become o's. Revoke of an endpoint gone
 * already: nothing to do.
 */
static int do_set_publish(struct vx_state *st, void *arg)
{
	struct publish_op *o = arg;
	struct vx_endpoint *e = state_find_endpoint(st, o->name);

	if (!e || strcmp(e->container_id, o->id)) {
		if (!o->npublish)
			return 0;
		pr_err("docker: %s: unknown endpoint %.64s", o->who, o->id);
		return -ENOENT;
	}
	if (e->npublish == o->npublish &&
	    !memcmp(e->publish, o->publish, o->npublish * sizeof(*o->publish)))
		return 0;
	e->npublish = o->npublish;
	memcpy(e->publish, o->publish, sizeof(e->publish));
	return state_validate(st, "docker");
}

static int set_publish(struct vx_docker *d, struct publish_op *o)
{
	char node[VX_NAME_MAX];
	int err = valid_id(o->who, o->id), up;

	if (err)
		return err;
	endpoint_name(o->id, o->name, sizeof(o->name));
	up = !host_node(d, node); /* down: the store only, up syncs the maps */
	err = store_update(d->store, do_set_publish, o);
	if (!err && up)
		sync_maps(d);
	return err;
}

/* docker run -p: the sandbox's port bindings, given to the endpoint that
 * is its gateway (the first network's, not an --internal one), become the
 * endpoint's published ports; Revoke takes them away (the gateway moves to
 * another network, or the container stops).
 */
static int program_external(struct vx_docker *d, json_t *req, json_t *res)
{
	struct publish_op o = { .who = "ProgramExternalConnectivity", .id = jstr(req, "EndpointID") };

	return read_portmap(&o, req) ?: set_publish(d, &o);
}

static int revoke_external(struct vx_docker *d, json_t *req, json_t *res)
{
	struct publish_op o = { .who = "RevokeExternalConnectivity", .id = jstr(req, "EndpointID") };

	return set_publish(d, &o);
}

static int empty(struct vx_docker *d, json_t *req, json_t *res)
{
	return 0;
}

static int capabilities(struct vx_docker *d, json_t *req, json_t *res)
{
	/* "local": each host's dockerd keeps its own copy of the network and
	 * asks this host's plugin, which maps it onto the one vxnet network in
	 * the shared store. "global" would have libnetwork keep networks and
	 * endpoints in swarm's store and call CreateNetwork once per cluster:
	 * it needs swarm mode, and vxnet needs a call on every host (the veths
	 * are made where the container runs). The connectivity is vxnet's.
	 */
	json_object_set_new(res, "Scope", json_string("local"));
	json_object_set_new(res, "ConnectivityScope", json_string("local"));
	return 0;
}

/* ---- IpamDriver --------------------------------------------------------- */

static int ipam_capabilities(struct vx_docker *d, json_t *req, json_t *res)
{
	json_object_set_new(res, "RequiresMACAddress", json_false());
	return 0;
}

static int address_spaces(struct vx_docker *d, json_t *req, json_t *res)
{
	json_object_set_new(res, "LocalDefaultAddressSpace", json_string("vxnet"));
	json_object_set_new(res, "GlobalDefaultAddressSpace", json_string("vxnet"));
	return 0;
}

static int request_pool(struct vx_docker *d, json_t *req, json_t *res)
{
	const char *pool = jstr(req, "Pool"), *sub = jstr(req, "SubPool");
	struct vx_subnet sn;
	char buf[20];
	int err;

	if (json_is_true(json_object_get(req, "V6"))) {
		pr_err("docker: RequestPool: vxnet has no IPv6");
		return -EINVAL;
	}
	if (!*pool) {
		pr_err("docker: RequestPool: no subnet given (use --subnet)");
		return -EINVAL;
	}
	if (*sub && strcmp(sub, pool)) {
		pr_err("docker: RequestPool: --ip-range is not supported");
		return -EINVAL;
	}
	err = parse_pool("RequestPool", pool, &sn);
	if (err)
		return err;
	format_cidr(sn.addr, sn.prefix, buf);
	json_object_set_new(res, "PoolID", json_string(buf));
	json_object_set_new(res, "Pool", json_string(buf));
	json_object_set_new(res, "Data", json_object());
	return 0;
}

struct addr_op {
	struct vx_subnet pool;
	uint32_t ip;
	int given;
	char node[VX_NAME_MAX];
	char reserved[VX_NAME_MAX]; /* the record the last call added */
};

static int do_request_address(struct vx_state *st, void *arg)
{
	struct addr_op *o = arg;
	const struct vx_network *n = network_with_subnet(st, &o->pool);
	struct vx_endpoint e = {};
	char buf[20];

	if (o->reserved[0]) {
		/* a retry after a lost reply: done if that record is there */
		const struct vx_endpoint *r = state_find_endpoint(st, o->reserved);

		if (r && r->ip == o->ip && !strcmp(r->node, o->node))
			return 0;
		o->reserved[0] = 0;
	}

	format_cidr(o->pool.addr, o->pool.prefix, buf);
	if (!n) {
		pr_err("docker: RequestAddress: no vxnet network has subnet %s", buf);
		return -ENOENT;
	}
	if (!o->given) {
		/* the first free address of this subnet, free in the whole network */
		struct vx_network probe = *n;

		probe.nsubnets = 1;
		probe.subnets[0] = *network_subnet_of(n, o->pool.addr);
		if (ipam_alloc(st, &probe, &o->ip)) {
			pr_err("docker: RequestAddress: subnet %s has no free address", buf);
			return -ENOSPC;
		}
	} else if (state_find_endpoint_ip(st, n->name, o->ip)) {
		char ipbuf[16];

		format_ipv4(o->ip, ipbuf);
		pr_err("docker: RequestAddress: address %s is in use in network %s", ipbuf, n->name);
		return -EEXIST;
	}
	e.ip = o->ip;
	reservation_name(n->name, o->ip, e.name, sizeof(e.name));
	snprintf(e.network, sizeof(e.network), "%s", n->name);
	snprintf(e.node, sizeof(e.node), "%s", o->node);
	default_mac(o->ip, e.mac);
	if (!state_add_endpoint(st, &e))
		return -ENOMEM;
	snprintf(o->reserved, sizeof(o->reserved), "%s", e.name);
	return state_validate(st, "docker");
}

static int request_address(struct vx_docker *d, json_t *req, json_t *res)
{
	const char *addr = jstr(req, "Address");
	json_t *opts = json_object_get(req, "Options");
	struct addr_op o = {};
	char buf[40], ip[16];
	int err;

	err = parse_pool("RequestAddress", jstr(req, "PoolID"), &o.pool);
	if (err)
		return err;
	if (*addr) {
		err = parse_addr("RequestAddress", addr, &o.ip);
		if (err)
			return err;
		if ((o.ip & prefix_mask(o.pool.prefix)) != o.pool.addr) {
			format_cidr(o.pool.addr, o.pool.prefix, buf);
			pr_err("docker: RequestAddress: address %s is outside subnet %s", addr, buf);
			return -EINVAL;
		}
		o.given = 1;
	}
	if (!strcmp(jstr(opts, "RequestAddressType"), GATEWAY_TYPE)) {
		/* the gateway: the network's when it exists, else the given one
		 * or the subnet's first address, as vxnet network create picks
		 */
		struct vx_state st;
		const struct vx_network *n;

		state_init(&st);
		err = store_read(d->store, &st);
		if (err == -ENOENT)
			err = 0;
		n = err ? NULL : network_with_subnet(&st, &o.pool);
		if (n && o.given && o.ip != network_subnet_of(n, o.pool.addr)->gateway) {
			format_ipv4(network_subnet_of(n, o.pool.addr)->gateway, ip);
			pr_err("docker: RequestAddress: network %s has gateway %s in %s", n->name, ip,
			       jstr(req, "PoolID"));
			err = -EEXIST;
		} else if (n)
			o.ip = network_subnet_of(n, o.pool.addr)->gateway;
		else if (!o.given)
			o.ip = htonl(ntohl(o.pool.addr) + 1);
		state_free(&st);
		if (err)
			return err;
	} else {
		err = host_node(d, o.node) ?: store_update(d->store, do_request_address, &o);
		if (err)
			return err;
	}
	format_ipv4(o.ip, ip);
	snprintf(buf, sizeof(buf), "%s/%u", ip, o.pool.prefix);
	json_object_set_new(res, "Address", json_string(buf));
	json_object_set_new(res, "Data", json_object());
	return 0;
}

static int do_release_address(struct vx_state *st, void *arg)
{
	struct addr_op *o = arg;
	const struct vx_network *n = network_with_subnet(st, &o->pool);
	struct vx_endpoint *e = n ? state_find_endpoint_ip(st, n->name, o->ip) : NULL;

	if (e && is_reservation(e) && !strcmp(e->node, o->node))
		state_del_endpoint(st, e);
	return 0;
}

static int release_address(struct vx_docker *d, json_t *req, json_t *res)
{
	struct addr_op o = {};

	return parse_pool("ReleaseAddress", jstr(req, "PoolID"), &o.pool) ?:
	       parse_addr("ReleaseAddress", jstr(req, "Address"), &o.ip) ?:
	       host_node(d, o.node) ?: store_update(d->store, do_release_address, &o);
}

static int activate(struct vx_docker *d, json_t *req, json_t *res)
{
	json_object_set_new(res, "Implements", json_pack("[s,s]", "NetworkDriver", "IpamDriver"));
	return 0;
}

/* ---- dispatch and the server ----------------------------------------- */

static const struct {
	const char *path;
	int (*fn)(struct vx_docker *d, json_t *req, json_t *res);
} calls[] = {
	{ "/Plugin.Activate", activate },
	{ "/NetworkDriver.GetCapabilities", capabilities },
	{ "/NetworkDriver.CreateNetwork", create_network },
	{ "/NetworkDriver.DeleteNetwork", delete_network },
	{ "/NetworkDriver.CreateEndpoint", create_endpoint },
	{ "/NetworkDriver.EndpointOperInfo", endpoint_info },
	{ "/NetworkDriver.DeleteEndpoint", delete_endpoint },
	{ "/NetworkDriver.Join", join },
	{ "/NetworkDriver.Leave", leave },
	{ "/NetworkDriver.DiscoverNew", empty },
	{ "/NetworkDriver.DiscoverDelete", empty },
	{ "/NetworkDriver.ProgramExternalConnectivity", program_external },
	{ "/NetworkDriver.RevokeExternalConnectivity", revoke_external },
	{ "/NetworkDriver.AllocateNetwork", empty },
	{ "/NetworkDriver.FreeNetwork", empty },
	{ "/IpamDriver.GetCapabilities", ipam_capabilities },
	{ "/IpamDriver.GetDefaultAddressSpaces", address_spaces },
	{ "/IpamDriver.RequestPool", request_pool },
	{ "/IpamDriver.ReleasePool", empty },
	{ "/IpamDriver.RequestAddress", request_address },
	{ "/IpamDriver.ReleaseAddress", release_address },
};
#define NCALLS (sizeof(calls) / sizeof(calls[0]))

/* The answer to one call: status and JSON text (malloc'd). */
static char *answer(struct vx_docker *d, const char *url, const char *body, size_t len,
		    unsigned int *status)
{
	json_t *req = NULL, *res = json_object();
	char line[1024];
	size_t i;
	int err = 0;

	log_capture_begin();
	for (i = 0; i < NCALLS && strcmp(calls[i].path, url); i++)
		;
	if (i == NCALLS) {
		/* 404: libnetwork takes it as "not implemented" for optional calls */
		pr_err("docker: unknown call %.64s", url);
		err = -ENOENT;
	} else {
		json_error_t je;

		req = len ? json_loadb(body, len, 0, &je) : json_object();
		if (!req || !json_is_object(req)) {
			pr_err("docker: %s: malformed JSON request", url + 1);
			err = -EINVAL;
		} else {
			pr_debug("docker: %s %.*s", url, (int)len, body);
			err = calls[i].fn(d, req, res);
		}
	}
	snprintf(line, sizeof(line), "vxnet: docker: failed");
	log_capture_end(line, sizeof(line));
	json_decref(req);
	*status = i == NCALLS ? MHD_HTTP_NOT_FOUND : err ? MHD_HTTP_INTERNAL_SERVER_ERROR : MHD_HTTP_OK;
	if (err) {
		json_decref(res);
		res = json_pack("{s:s}", "Err", line);
	}
	char *text = json_dumps(res, JSON_COMPACT);

	json_decref(res);
	return text;
}

struct body {
	char *data;
	size_t len;
	int too_big;
};

static enum MHD_Result handle(void *cls, struct MHD_Connection *conn, const char *url,
			      const char *method, const char *version, const char *data,
			      size_t *size, void **con_cls)
{
	struct body *b = *con_cls;
	struct MHD_Response *resp;
	unsigned int status;
	enum MHD_Result ret;
	char *text;

	if (!b) {
		b = calloc(1, sizeof(*b));
		if (!b)
			return MHD_NO;
		*con_cls = b;
		return MHD_YES;
	}
	if (*size) {
		if (b->len + *size > BODY_MAX) {
			b->too_big = 1;
		} else {
			char *p = realloc(b->data, b->len + *size + 1);

			if (!p)
				return MHD_NO;
			memcpy(p + b->len, data, *size);
			b->data = p;
			b->len += *size;
		}
		*size = 0;
		return MHD_YES;
	}
	if (b->too_big) {
		text = strdup("{\"Err\":\"vxnet: docker: request larger than 1 MiB\"}");
		status = 413;
	} else {
		text = answer(cls, url, b->data, b->len, &status);
	}
	if (!text)
		return MHD_NO;
	resp = MHD_create_response_from_buffer(strlen(text), text, MHD_RESPMEM_MUST_FREE);
	if (!resp) {
		free(text);
		return MHD_NO;
	}
	MHD_add_response_header(resp, "Content-Type", "application/vnd.docker.plugins.v1+json");
	ret = MHD_queue_response(conn, status, resp);
	MHD_destroy_response(resp);
	return ret;
}

static void completed(void *cls, struct MHD_Connection *conn, void **con_cls,
		      enum MHD_RequestTerminationCode toe)
{
	struct body *b = *con_cls;

	if (b) {
		free(b->data);
		free(b);
		*con_cls = NULL;
	}
}

/* The socket: its directory made, a stale socket (nobody listening)
 * removed, a live one refused.
 */
static int listen_unix(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char dir[sizeof(sa.sun_path)], *slash;
	int fd, err;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		pr_err("docker-plugin: socket path %s is too long", path);
		return -ENAMETOOLONG;
	}
	strcpy(sa.sun_path, path);
	strcpy(dir, path);
	slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = 0;
		char *p = dir;

		while ((p = strchr(p + 1, '/'))) {
			*p = 0;
			mkdir(dir, 0755);
			*p = '/';
		}
		if (mkdir(dir, 0755) && errno != EEXIST) {
			pr_err("docker-plugin: create %s: %s", dir, strerror(errno));
			return -errno;
		}
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		pr_err("docker-plugin: socket: %s", strerror(errno));
		return -errno;
	}
	if (!connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		pr_err("docker-plugin: %s: another plugin is listening", path);
		close(fd);
		return -EADDRINUSE;
	}
	close(fd);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		pr_err("docker-plugin: socket: %s", strerror(errno));
		return -errno;
	}
	unlink(path);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) || listen(fd, 64)) {
		err = -errno;
		pr_err("docker-plugin: listen on %s: %s", path, strerror(errno));
		close(fd);
		return err;
	}
	chmod(path, 0660);
	return fd;
}

int docker_serve(struct vx_docker *d, const char *socket_path)
{
	struct MHD_Daemon *mhd;
	sigset_t set, old;
	int fd, sig;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &set, &old);
	fd = listen_unix(socket_path);
	if (fd < 0) {
		pthread_sigmask(SIG_SETMASK, &old, NULL);
		return fd;
	}
	mhd = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG, 0, NULL, NULL,
			       handle, d, MHD_OPTION_LISTEN_SOCKET, fd,
			       MHD_OPTION_NOTIFY_COMPLETED, completed, NULL,
			       MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)60, MHD_OPTION_END);
	if (!mhd) {
		pr_err("docker-plugin: cannot serve %s", socket_path);
		close(fd);
		unlink(socket_path);
		pthread_sigmask(SIG_SETMASK, &old, NULL);
		return -EIO;
	}
	pr_info("vxnet docker plugin listening on %s", socket_path);
	fflush(stdout);
	sigdelset(&set, SIGPIPE);
	do
		sig = 0;
	while (sigwait(&set, &sig) || (sig != SIGTERM && sig != SIGINT));
	MHD_stop_daemon(mhd);
	close(fd);
	unlink(socket_path);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return 0;
}
