// SPDX-License-Identifier: GPL-2.0-only
/* The per-container step (attach.h). The veth is built while the state is
 * locked, with vxnet's program on its host side but down; if anything
 * fails, the veth is removed and the state is not written. Once the record
 * is in the store, the maps are synced and the veth goes up. A detach
 * removes the record first and the veth after it. Both finish when the
 * store retries a transaction whose reply was lost.
 */
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <zlib.h>

#include "attach.h"
#include "datapath.h"
#include "log.h"
#include "metrics.h"
#include "netlink.h"
#include "sync.h"

struct attach_ctx {
	const struct vx_attach_req *req;
	char netns[sizeof(((struct vx_endpoint *)0)->netns)]; /* the namespace's path */
	int netns_fd;
	struct vxnet_host host;
	int created; /* veth made: remove it if the state is not written */
	struct vx_endpoint ep;
};

/* The path of a NETNS argument (a name under /run/netns, or a path): it
 * must fit the endpoint's record. who starts the error line.
 */
static int netns_path(const char *who, const char *arg, char *buf, size_t len)
{
	size_t n = strchr(arg, '/') ? strlen(arg) : strlen("/run/netns/") + strlen(arg);

	if (n >= len) {
		pr_err("%s: network namespace path is too long (%zu characters, at most %zu)", who, n,
		       len - 1);
		return -ENAMETOOLONG;
	}
	snprintf(buf, len, "%s%s", strchr(arg, '/') ? "" : "/run/netns/", arg);
	return 0;
}

/* The default endpoint name's first part: a namespace's name under
 * /run/netns (or any path's last component), pidN for /proc/N/ns/net, and
 * nsINODE for another path ending in "net" (/proc/self/ns/net,
 * /proc/N/task/M/ns/net): unique while the namespace lives.
 */
static void default_base(const struct attach_ctx *r, char *buf, size_t len)
{
	const char *base = strrchr(r->netns, '/') + 1;
	unsigned long pid;
	struct stat sb;
	int end = 0;

	if (sscanf(r->netns, "/proc/%lu/ns/net%n", &pid, &end) == 1 && end && !r->netns[end])
		snprintf(buf, len, "pid%lu", pid);
	else if (!strcmp(base, "net") && !fstat(r->netns_fd, &sb))
		snprintf(buf, len, "ns%lu", (unsigned long)sb.st_ino);
	else
		snprintf(buf, len, "%s", base);
}

static const struct vx_endpoint *find_attached(const struct vx_state *st, const char *netns,
					       const char *network, const char *node)
{
	for (size_t i = 0; i < st->nendpoints; i++) {
		const struct vx_endpoint *e = &st->endpoints[i];

		if (!strcmp(e->netns, netns) && !strcmp(e->network, network) &&
		    !strcmp(e->node, node))
			return e;
	}
	return NULL;
}

/* An interface name the record of another endpoint of this namespace on
 * this host holds (its link may be gone: the name stays its).
 */
struct ifname_ctx {
	const struct attach_ctx *r;
	const struct vx_state *st;
};

static int ifname_recorded(const char *name, void *arg)
{
	const struct attach_ctx *r = ((struct ifname_ctx *)arg)->r;
	const struct vx_state *st = ((struct ifname_ctx *)arg)->st;

	for (size_t i = 0; i < st->nendpoints; i++) {
		const struct vx_endpoint *e = &st->endpoints[i];

		if (!strcmp(e->netns, r->netns) && !strcmp(e->node, r->host.node) &&
		    !strcmp(e->ifname, name))
			return 1;
	}
	return 0;
}

/* The interface inside the namespace: --ifname, else the next free ethN
 * (eth0, then eth1 for a second network, as Docker does).
 */
static int plan_ifname(const struct vx_state *st, struct attach_ctx *r)
{
	struct ifname_ctx c = { r, st };
	struct vx_endpoint *ep = &r->ep;
	int err;

	if (r->req->ifname) {
		snprintf(ep->ifname, sizeof(ep->ifname), "%s", r->req->ifname);
		if (nl_link_exists(r->netns_fd, ep->ifname)) {
			pr_err("attach: %s already has an interface %s (use another --ifname, or none for the next free ethN)",
			       r->req->netns, ep->ifname);
			return -EEXIST;
		}
		return 0;
	}
	err = nl_next_ifname(r->netns_fd, "eth", ifname_recorded, &c, ep->ifname,
			     sizeof(ep->ifname));
	if (err)
		pr_err("attach: no free interface name ethN in %s: %s (use --ifname)", r->req->netns,
		       strerror(-err));
	return err;
}

/* The endpoint's name: --name, or NODE-NETNS-NETWORK, unique per host
 * and cluster-wide as long as namespace names are unique on a host.
 */
static int plan_name(const struct vx_state *st, struct attach_ctx *r, const struct vx_network *n)
{
	struct vx_endpoint *ep = &r->ep;
	const struct vx_endpoint *other;
	char base[256], name[3 * 256];

	if (r->req->name) {
		snprintf(name, sizeof(name), "%s", r->req->name);
	} else {
		default_base(r, base, sizeof(base));
		snprintf(name, sizeof(name), "%s-%s-%s", r->host.node, base, n->name);
		if (strlen(name) >= sizeof(ep->name)) {
			pr_err("attach: the default endpoint name %s is too long (%zu characters, at most %zu; use --name)",
			       name, strlen(name), sizeof(ep->name) - 1);
			return -ENAMETOOLONG;
		}
	}
	if (strlen(name) >= sizeof(ep->name) || !valid_name(name)) {
		pr_err("attach: invalid endpoint name '%.*s' (%s; use --name)", (int)sizeof(ep->name) - 1,
		       name, VX_NAME_RULE);
		return -EINVAL;
	}
	other = state_find_endpoint((struct vx_state *)st, name);
	if (other) {
		pr_err("attach: endpoint %s already exists on node %s (use %s--name)", name, other->node,
		       r->req->name ? "another " : "");
		return -EEXIST;
	}
	snprintf(ep->name, sizeof(ep->name), "%s", name);
	return 0;
}

/* Picks name, IP and MAC; all checks a user can get wrong happen here. */
static int plan_endpoint(struct vx_state *st, struct attach_ctx *r, const struct vx_network **np)
{
	struct vx_endpoint *ep = &r->ep;
	const struct vx_endpoint *e;
	const struct vx_network *n;
	uint32_t crc;
	int err;

	n = state_find_network(st, r->req->network);
	if (!n) {
		pr_err("attach: unknown network %s", r->req->network);
		return -ENOENT;
	}
	if (!state_find_node(st, r->host.node)) {
		pr_err("attach: this host's node %s is no longer in the state", r->host.node);
		return -ENOENT;
	}
	e = find_attached(st, r->netns, n->name, r->host.node);
	if (e) {
		pr_err("attach: %s is already attached to network %s as endpoint %s (vxnet detach first)",
		       r->req->netns, n->name, e->name);
		return -EEXIST;
	}
	err = plan_name(st, r, n) ?: plan_ifname(st, r);
	if (err)
		return err;
	snprintf(ep->network, sizeof(ep->network), "%s", n->name);
	snprintf(ep->node, sizeof(ep->node), "%s", r->host.node);
	snprintf(ep->netns, sizeof(ep->netns), "%s", r->netns);
	if (r->req->container_id) {
		if (snprintf(ep->container_id, sizeof(ep->container_id), "%s", r->req->container_id) >=
			    (int)sizeof(ep->container_id) || !valid_container_id(ep->container_id)) {
			pr_err("attach: invalid container ID '%.*s'", VX_CONTAINER_ID_MAX,
			       r->req->container_id);
			return -EINVAL;
		}
		if (vx_find_container(st, ep->container_id, ep->ifname, r->host.node, NULL)) {
			pr_err("attach: container %s already has an endpoint for %s", ep->container_id,
			       ep->ifname);
			return -EEXIST;
		}
	}
	if (r->req->ip)
		ep->ip = *r->req->ip; /* subnet, gateway, uniqueness: state_validate judges */
	else if (ipam_alloc(st, n, &ep->ip)) {
		pr_err("attach: network %s has no free address", n->name);
		return -ENOSPC;
	}
	if (r->req->mac)
		memcpy(ep->mac, r->req->mac, 6);
	else
		default_mac(ep->ip, ep->mac);
	if (r->req->npublish < 0 || r->req->npublish > VX_MAX_PUBLISH) {
		pr_err("attach: more than %d published ports", VX_MAX_PUBLISH);
		return -EINVAL;
	}
	ep->npublish = r->req->npublish; /* ports, clashes: state_validate judges */
	if (ep->npublish)
		memcpy(ep->publish, r->req->publish, ep->npublish * sizeof(*ep->publish));
	crc = crc32(0, (const unsigned char *)ep->name, strlen(ep->name));
	snprintf(ep->host_ifname, sizeof(ep->host_ifname), "vx%08x", crc);
	if (nl_link_exists(-1, ep->host_ifname)) {
		pr_err("attach: host interface %s already exists (vxnet status shows whose; delete it, or use --name)",
		       ep->host_ifname);
		return -EEXIST;
	}
	*np = n;
	return 0;
}

/* The container side of endpoint ep of network n: name, MAC, MTU, address,
 * gateway and a route to each other subnet.
 */
static void container_if(const struct attach_ctx *r, const struct vx_network *n,
			 const char *tmp, struct nl_container_if *c)
{
	const struct vx_subnet *sn = network_subnet_of(n, r->ep.ip);

	*c = (struct nl_container_if){
		.tmp_name = tmp, .ifname = r->ep.ifname,
		.mtu = dp_network_mtu(n, dp_default_mtu(&r->host)),
		.ip = r->ep.ip, .gateway = sn->gateway, .prefix = sn->prefix,
	};
	memcpy(c->mac, r->ep.mac, 6);
	for (int i = 0; i < n->nsubnets; i++) {
		if (&n->subnets[i] == sn)
			continue;
		c->routes[c->nroutes].addr = n->subnets[i].addr;
		c->routes[c->nroutes++].prefix = n->subnets[i].prefix;
	}
}

/* The pinned vxnet_from_container, or a negative errno (said). */
static int open_from_container(const char *pin_dir)
{
	int fd = dp_open_pin(pin_dir, VXNET_PIN_PROG_FROM_CONTAINER);

	if (fd < 0)
		pr_err("attach: open %s/%s: %s", pin_dir, VXNET_PIN_PROG_FROM_CONTAINER,
		       strerror(-fd));
	return fd;
}

/* The host side of a new veth: accept_local, and prog_fd on its tc ingress. */
static int attach_host_side(const char *host_ifname, int prog_fd)
{
	int ifindex, err = dp_veth_accept_local(host_ifname);

	if (err) {
		pr_err("attach: set accept_local on %s: %s", host_ifname, strerror(-err));
		return err;
	}
	ifindex = if_nametoindex(host_ifname);
	err = ifindex ? dp_tc_attach(ifindex, prog_fd) : -ENODEV;
	if (err)
		pr_err("attach: attach TC program to %s: %s", host_ifname, strerror(-err));
	return err;
}

/* The veth, its container side and vxnet's program on its host side, which
 * stays down until the record is in the store (finish_attach).
 */
static int build_veth(struct attach_ctx *r, const struct vx_network *n, int prog_fd)
{
	struct nl_container_if c;
	char tmp[IFNAMSIZ], ipbuf[INET_ADDRSTRLEN];
	int err;

	snprintf(tmp, sizeof(tmp), "vp%s", r->ep.host_ifname + 2);
	container_if(r, n, tmp, &c);
	err = nl_veth_create(r->ep.host_ifname, tmp, r->netns_fd, c.mtu);
	if (err) {
		pr_err("attach: create veth %s in %s: %s", r->ep.host_ifname, r->req->netns, strerror(-err));
		return err;
	}
	r->created = 1;
	err = nl_setup_container_if(r->netns_fd, &c);
	if (err) {
		inet_ntop(AF_INET, &r->ep.ip, ipbuf, sizeof(ipbuf));
		pr_err("attach: configure %s (%s) in %s: %s", r->ep.ifname, ipbuf, r->req->netns,
		       strerror(-err));
		return err;
	}
	return attach_host_side(r->ep.host_ifname, prog_fd);
}

/* Runs with the state locked: plan, validate, build the veth, record. A
 * store that retries on conflict (etcd) may call it again: start afresh,
 * unless the state holds the record the last call made (that transaction
 * committed, and the store retried because its reply was lost): done.
 */
static int do_attach(struct vx_state *st, void *arg)
{
	struct attach_ctx *r = arg;
	const struct vx_network *n;
	int prog_fd, err;

	if (r->created) {
		const struct vx_endpoint *e = find_attached(st, r->netns, r->ep.network, r->host.node);

		if (e && !strcmp(e->host_ifname, r->ep.host_ifname)) {
			r->ep = *e;
			return 0;
		}
		nl_link_delete(r->ep.host_ifname);
		r->created = 0;
	}
	memset(&r->ep, 0, sizeof(r->ep));
	err = plan_endpoint(st, r, &n);
	if (err)
		return err;
	if (!state_add_endpoint(st, &r->ep))
		return -ENOMEM;
	err = state_validate(st, "attach");
	if (err)
		return err;
	prog_fd = open_from_container(r->req->pin_dir);
	if (prog_fd < 0)
		return prog_fd;
	err = build_veth(r, n, prog_fd);
	close(prog_fd);
	return err;
}

/* After the commit, under the datapath's lock: the maps from the state as
 * it is now, then the pinned program on the veth (a `vxnet up` may have
 * swapped programs since build_veth) and the veth up. If vxnet went down
 * meanwhile, the veth stays down; `vxnet up` brings it up.
 */
static int finish_attach(const struct attach_ctx *r)
{
	const char *dir = r->req->pin_dir;
	struct kv_result res;
	int ifindex, prog_fd = -1, err;

	err = dp_lock(dir) ?: dp_sync_store(r->req->store, dir, &res);
	if (err)
		goto cleanup;
	prog_fd = dp_open_pin(dir, VXNET_PIN_PROG_FROM_CONTAINER);
	ifindex = if_nametoindex(r->ep.host_ifname);
	err = prog_fd < 0 ? prog_fd : ifindex ? dp_veth_attach(ifindex, prog_fd) : -ENODEV;
	if (err)
		pr_err("attach: attach TC program to %s and bring it up: %s", r->ep.host_ifname,
		       strerror(-err));
cleanup:
	if (prog_fd >= 0)
		close(prog_fd);
	dp_unlock();
	return err;
}

int vx_attach(const struct vx_attach_req *req, struct vx_endpoint *ep)
{
	struct attach_ctx r = { .req = req };
	const char *ifname = req->ifname;
	int err;

	if (ifname && (strlen(ifname) >= IFNAMSIZ || !*ifname || strchr(ifname, '/'))) {
		pr_err("attach: invalid interface name '%s'", ifname);
		return -EINVAL;
	}
	err = netns_path("attach", req->netns, r.netns, sizeof(r.netns));
	if (err)
		return err;
	r.netns_fd = open(r.netns, O_RDONLY | O_CLOEXEC);
	if (r.netns_fd < 0) {
		err = -errno;
		pr_err("attach: network namespace %s: %s", req->netns, strerror(errno));
		return err;
	}
	err = dp_read_host(req->pin_dir, &r.host) ?: store_update(req->store, do_attach, &r);
	if (err && r.created)
		nl_link_delete(r.ep.host_ifname);
	err = err ?: finish_attach(&r);
	if (!err)
		*ep = r.ep;
	close(r.netns_fd);
	return err;
}

/* Runs with the state locked: removes the record; the veth goes once the
 * store has committed. Called again after a lost reply (the record is
 * gone, as the last call left it): done.
 */
static int do_detach(struct vx_state *st, void *arg)
{
	struct attach_ctx *r = arg;
	const struct vx_endpoint *e;

	e = find_attached(st, r->netns, r->req->network, r->host.node);
	if (!e && r->ep.name[0])
		return 0;
	if (!state_find_network(st, r->req->network)) {
		pr_err("detach: unknown network %s", r->req->network);
		return -ENOENT;
	}
	if (!e) {
		pr_err("detach: %s is not attached to network %s on this host", r->req->netns,
		       r->req->network);
		return -ENOENT;
	}
	r->ep = *e;
	state_del_endpoint(st, (struct vx_endpoint *)e);
	return 0;
}

/* Deletes the host veth ifname and the endpoint's traffic counters
 * (ep_slots and ep_stats, by the veth's ifindex, read before it goes). 0 or the
 * netlink error; the counters' entry may be missing (no packet yet, or
 * vxnet down).
 */
static int delete_veth(const char *pin_dir, const char *ifname)
{
	__u32 ifindex = if_nametoindex(ifname);
	int err;

	err = nl_link_delete(ifname);
	if (!ifindex || !pin_dir)
		return err;
	metrics_clear_ep_stats(pin_dir, ifindex);
	return err;
}

int vx_detach(const struct vx_attach_req *req, struct vx_endpoint *ep)
{
	struct attach_ctx r = { .req = req, .netns_fd = -1 };
	struct kv_result res;
	int err, del;

	err = netns_path("detach", req->netns, r.netns, sizeof(r.netns)) ?:
	      dp_read_host(req->pin_dir, &r.host) ?: store_update(req->store, do_detach, &r);
	if (err)
		return err; /* the record stays, and so does the veth */
	*ep = r.ep;
	err = dp_sync_store(req->store, req->pin_dir, &res);
	del = delete_veth(req->pin_dir, r.ep.host_ifname);
	if (del && del != -ENODEV) {
		pr_err("detach: delete %s: %s", r.ep.host_ifname, strerror(-del));
		err = err ?: del;
	}
	return err;
}

const struct vx_endpoint *vx_find_container(const struct vx_state *st, const char *container_id,
					    const char *ifname, const char *node,
					    const char *network)
{
	for (size_t i = 0; i < st->nendpoints; i++) {
		const struct vx_endpoint *e = &st->endpoints[i];

		if (!strcmp(e->container_id, container_id) && !strcmp(e->ifname, ifname) &&
		    !strcmp(e->node, node) && (!network || !strcmp(e->network, network)))
			return e;
	}
	return NULL;
}

/* Runs with the state locked: removes the container's record, if any.
 * Without the host record (vxnet is down, its pins are gone) the node is
 * unknown: the record is the one whose host veth is on this host.
 */
static int do_detach_container(struct vx_state *st, void *arg)
{
	struct attach_ctx *r = arg;
	const char *ifname = r->req->ifname ? r->req->ifname : "eth0";
	const struct vx_endpoint *e = NULL;

	if (r->host.node[0]) {
		e = vx_find_container(st, r->req->container_id, ifname, r->host.node, r->req->network);
	} else {
		for (size_t i = 0; i < st->nendpoints && !e; i++) {
			const struct vx_endpoint *c = &st->endpoints[i];

			if (!strcmp(c->container_id, r->req->container_id) && !strcmp(c->ifname, ifname) &&
			    (!r->req->network || !strcmp(c->network, r->req->network)) &&
			    c->host_ifname[0] && nl_link_exists(-1, c->host_ifname) == 1)
				e = c;
		}
	}
	if (!e)
		return r->ep.name[0] ? 0 : -ENOENT; /* a retry after a lost reply: done */
	r->ep = *e;
	state_del_endpoint(st, (struct vx_endpoint *)e);
	return 0;
}

int vx_detach_container(const struct vx_attach_req *req, struct vx_endpoint *ep)
{
	struct attach_ctx r = { .req = req, .netns_fd = -1 };
	struct kv_result res;
	int err = 0, del, up;

	if (!req->container_id || !*req->container_id) {
		pr_err("detach: no container ID");
		return -EINVAL;
	}
	up = !dp_read_host(req->pin_dir, &r.host);
	if (!up)
		r.host.node[0] = 0;
	err = store_update(req->store, do_detach_container, &r);
	if (err)
		return err; /* the record stays, and so does the veth */
	*ep = r.ep;
	if (up)
		err = dp_sync_store(req->store, req->pin_dir, &res);
	del = r.ep.host_ifname[0] ? delete_veth(req->pin_dir, r.ep.host_ifname) : 0;
	if (del && del != -ENODEV) {
		pr_err("detach: delete %s: %s", r.ep.host_ifname, strerror(-del));
		err = err ?: del;
	}
	return err;
}

/* ---- Docker: the veth of an endpoint the caller recorded ---- */

struct veth_ctx {
	struct attach_ctx a;
	struct vx_attach_req req;
	const char *name, *sandbox;
	char peer[IFNAMSIZ];
};

/* Runs with the state locked: the record gets its host interface and the
 * veth is built (down). A retry after a lost reply finds the record
 * holding our veth: done.
 */
static int do_attach_veth(struct vx_state *st, void *arg)
{
	struct veth_ctx *v = arg;
	struct attach_ctx *r = &v->a;
	const struct vx_network *n;
	struct vx_endpoint *e = state_find_endpoint(st, v->name);
	unsigned int mtu;
	int prog_fd, err;

	if (r->created) {
		if (e && !strcmp(e->host_ifname, r->ep.host_ifname)) {
			r->ep = *e;
			return 0;
		}
		nl_link_delete(r->ep.host_ifname);
		r->created = 0;
	}
	if (!e || strcmp(e->node, r->host.node)) {
		pr_err("attach: no endpoint %s on this host", v->name);
		return -ENOENT;
	}
	if (e->host_ifname[0]) {
		pr_err("attach: endpoint %s already has interface %s", v->name, e->host_ifname);
		return -EEXIST;
	}
	if (strlen(v->sandbox) >= sizeof(e->netns)) {
		pr_err("attach: sandbox path is too long (%zu characters, at most %zu)",
		       strlen(v->sandbox), sizeof(e->netns) - 1);
		return -ENAMETOOLONG;
	}
	n = state_find_network(st, e->network);
	if (!n) {
		pr_err("attach: unknown network %s", e->network);
		return -ENOENT;
	}
	snprintf(e->host_ifname, sizeof(e->host_ifname), "vx%08lx",
		 crc32(0, (const unsigned char *)e->name, strlen(e->name)));
	snprintf(v->peer, sizeof(v->peer), "vp%s", e->host_ifname + 2);
	snprintf(e->netns, sizeof(e->netns), "%s", v->sandbox);
	r->ep = *e;
	if (nl_link_exists(-1, e->host_ifname) || nl_link_exists(-1, v->peer)) {
		pr_err("attach: host interface %s or %s already exists", e->host_ifname, v->peer);
		return -EEXIST;
	}
	err = state_validate(st, "attach");
	if (err)
		return err;
	prog_fd = open_from_container(v->req.pin_dir);
	if (prog_fd < 0)
		return prog_fd;
	mtu = dp_network_mtu(n, dp_default_mtu(&r->host));
	err = nl_veth_create(r->ep.host_ifname, v->peer, -1, mtu);
	if (err) {
		pr_err("attach: create veth %s: %s", r->ep.host_ifname, strerror(-err));
		goto cleanup;
	}
	r->created = 1;
	err = nl_link_set_mac(v->peer, r->ep.mac);
	if (err) {
		pr_err("attach: set the MAC address of %s: %s", v->peer, strerror(-err));
		goto cleanup;
	}
	err = attach_host_side(r->ep.host_ifname, prog_fd);
cleanup:
	close(prog_fd);
	return err;
}

int vx_attach_veth(struct vx_store *store, const char *pin_dir, const char *name,
		   const char *sandbox, struct vx_endpoint *ep, char *peer)
{
	struct veth_ctx v = { .name = name, .sandbox = sandbox ?: "" };
	int err;

	v.req = (struct vx_attach_req){ .store = store, .pin_dir = pin_dir };
	v.a = (struct attach_ctx){ .req = &v.req, .netns_fd = -1 };
	err = dp_read_host(pin_dir, &v.a.host) ?: store_update(store, do_attach_veth, &v);
	if (err && v.a.created)
		nl_link_delete(v.a.ep.host_ifname);
	err = err ?: finish_attach(&v.a);
	if (!err) {
		*ep = v.a.ep;
		memcpy(peer, v.peer, IFNAMSIZ);
	}
	return err;
}

/* Runs with the state locked: the record loses its veth. */
static int do_detach_veth(struct vx_state *st, void *arg)
{
	struct veth_ctx *v = arg;
	struct vx_endpoint *e = state_find_endpoint(st, v->name);

	if (!e || !e->host_ifname[0])
		return 0; /* nothing to do, or a retry after a lost reply */
	/* while vxnet is down (no node known) the veth must be on this host */
	if (v->a.host.node[0] ? strcmp(e->node, v->a.host.node) : nl_link_exists(-1, e->host_ifname) != 1)
		return 0;
	v->a.ep = *e;
	e->host_ifname[0] = 0;
	e->netns[0] = 0;
	return 0;
}

int vx_detach_veth(struct vx_store *store, const char *pin_dir, const char *name)
{
	struct veth_ctx v = { .name = name };
	struct kv_result res;
	int err, del, up;

	up = !dp_read_host(pin_dir, &v.a.host);
	if (!up)
		v.a.host.node[0] = 0;
	err = store_update(store, do_detach_veth, &v);
	if (err || !v.a.ep.host_ifname[0])
		return err;
	if (up)
		err = dp_sync_store(store, pin_dir, &res);
	del = delete_veth(pin_dir, v.a.ep.host_ifname);
	if (del && del != -ENODEV) {
		pr_err("detach: delete %s: %s", v.a.ep.host_ifname, strerror(-del));
		err = err ?: del;
	}
	return err;
}
