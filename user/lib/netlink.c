// SPDX-License-Identifier: GPL-2.0-only
/* Links, addresses and routes through libnl-route; a namespace is entered
 * with setns() around the calls that must run inside it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/ethtool.h>
#include <linux/pkt_cls.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/link/veth.h>
#include <netlink/route/link/vxlan.h>
#include <netlink/route/route.h>

#include "log.h"
#include "proc.h"
#include "netlink.h"

static struct nl_sock *nl_open(void)
{
	struct nl_sock *sk = nl_socket_alloc();

	if (sk && nl_connect(sk, NETLINK_ROUTE)) {
		nl_socket_free(sk);
		sk = NULL;
	}
	return sk;
}

/* libnl error codes to errno, as far as callers care. */
static int nl_errno(int nlerr)
{
	switch (-nlerr) {
	case NLE_EXIST: return -EEXIST;
	case NLE_OBJ_NOTFOUND: case NLE_NODEV: return -ENODEV;
	case NLE_PERM: return -EPERM;
	case NLE_NOMEM: return -ENOMEM;
	case NLE_INVAL: return -EINVAL;
	default: return -EIO;
	}
}

int nl_veth_create(const char *host_name, const char *peer_name, int netns_fd,
		   unsigned int mtu)
{
	struct rtnl_link *link = NULL, *peer;
	struct nl_sock *sk = nl_open();
	int err;

	if (!sk)
		return -ENOMEM;
	link = rtnl_link_veth_alloc();
	if (!link) {
		err = -ENOMEM;
		goto cleanup;
	}
	peer = rtnl_link_veth_get_peer(link);
	rtnl_link_set_name(link, host_name);
	/* The host end takes any frame the container sends: vxnet checks the
	 * tunnel's MTU in BPF and answers "fragmentation needed" itself.
	 */
	rtnl_link_set_mtu(link, VX_HOST_VETH_MTU);
	/* down: it goes up once vxnet's program is on it (dp_veth_attach) */
	rtnl_link_set_name(peer, peer_name);
	rtnl_link_set_mtu(peer, mtu);
	if (netns_fd >= 0)
		rtnl_link_set_ns_fd(peer, netns_fd);
	rtnl_link_put(peer);
	err = rtnl_link_add(sk, link, NLM_F_CREATE | NLM_F_EXCL);
	if (err)
		err = nl_errno(err);
cleanup:
	rtnl_link_put(link);
	nl_socket_free(sk);
	return err;
}

int nl_link_delete(const char *name)
{
	struct nl_sock *sk = nl_open();
	struct rtnl_link *link;
	int err;

	if (!sk)
		return -ENOMEM;
	link = rtnl_link_alloc();
	rtnl_link_set_name(link, name);
	err = rtnl_link_delete(sk, link);
	rtnl_link_put(link);
	nl_socket_free(sk);
	return err ? nl_errno(err) : 0;
}

int nl_vxlan_external_create(const char *name, uint16_t port)
{
	struct rtnl_link *link = rtnl_link_vxlan_alloc();
	struct nl_sock *sk = nl_open();
	int err = -NLE_NOMEM;

	if (sk && link) {
		rtnl_link_set_name(link, name);
		err = rtnl_link_vxlan_set_collect_metadata(link, 1) ?:
		      rtnl_link_vxlan_set_port(link, port) ?:
		      rtnl_link_vxlan_set_learning(link, 0) ?:
		      rtnl_link_add(sk, link, NLM_F_CREATE | NLM_F_EXCL);
	}
	rtnl_link_put(link);
	nl_socket_free(sk);
	return err ? nl_errno(err) : 0;
}

int nl_link_set_up(const char *name)
{
	struct rtnl_link *link = NULL, *change = rtnl_link_alloc();
	struct nl_sock *sk = nl_open();
	int err = -NLE_NOMEM;

	if (sk && change) {
		err = rtnl_link_get_kernel(sk, 0, name, &link);
		if (!err) {
			rtnl_link_set_flags(change, IFF_UP);
			err = rtnl_link_change(sk, link, change, 0);
		}
	}
	rtnl_link_put(change);
	rtnl_link_put(link);
	nl_socket_free(sk);
	if (err == -NLE_BUSY || err == -NLE_EXIST) /* the kernel's EADDRINUSE/EBUSY */
		return -EADDRINUSE;
	return err ? nl_errno(err) : 0;
}

int nl_link_set_mac(const char *name, const uint8_t mac[6])
{
	struct rtnl_link *link = NULL, *change = rtnl_link_alloc();
	struct nl_addr *addr = nl_addr_build(AF_LLC, mac, 6);
	struct nl_sock *sk = nl_open();
	int err = -NLE_NOMEM;

	if (sk && change && addr) {
		err = rtnl_link_get_kernel(sk, 0, name, &link);
		if (!err) {
			rtnl_link_set_addr(change, addr);
			err = rtnl_link_change(sk, link, change, 0);
		}
	}
	nl_addr_put(addr);
	rtnl_link_put(change);
	rtnl_link_put(link);
	nl_socket_free(sk);
	return err ? nl_errno(err) : 0;
}

/* A veth whose two ends are up can send only once the kernel's linkwatch
 * has taken the carrier change (dev_activate(): until then its queue is
 * noop_qdisc, which drops). linkwatch may take seconds: it runs behind
 * RTNL, and postpones an end whose ifindex is its peer's, and the events
 * of many new links. A getlink of one link takes its pending change at
 * once (rtnl_getlink: linkwatch_sync_dev), so: this end, then its peer,
 * in the peer's namespace by the netnsid this end names it with. Best
 * effort: the change is taken later anyway.
 */
static void link_sync_pair(struct nl_sock *sk, int ifindex)
{
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC };
	struct rtnl_link *link = NULL;
	struct nl_msg *msg;
	int32_t nsid;

	if (rtnl_link_get_kernel(sk, ifindex, NULL, &link))
		return;
	ifi.ifi_index = rtnl_link_get_link(link);
	msg = ifi.ifi_index ? nlmsg_alloc_simple(RTM_GETLINK, 0) : NULL;
	if (msg && !nlmsg_append(msg, &ifi, sizeof(ifi), NLMSG_ALIGNTO) &&
	    (rtnl_link_get_link_netnsid(link, &nsid) || !nla_put_s32(msg, IFLA_TARGET_NETNSID, nsid)))
		nl_send_sync(sk, msg); /* frees msg */
	else
		nlmsg_free(msg);
	rtnl_link_put(link);
}

int nl_link_set_state(int ifindex, int up)
{
	struct rtnl_link *link = NULL, *change = rtnl_link_alloc();
	struct nl_sock *sk = nl_open();
	int err = -NLE_NOMEM;

	if (sk && change) {
		err = rtnl_link_get_kernel(sk, ifindex, NULL, &link);
		if (!err) {
			if (up)
				rtnl_link_set_flags(change, IFF_UP);
			else
				rtnl_link_unset_flags(change, IFF_UP);
			err = rtnl_link_change(sk, link, change, 0);
		}
		if (!err && up)
			link_sync_pair(sk, ifindex);
	}
	rtnl_link_put(change);
	rtnl_link_put(link);
	nl_socket_free(sk);
	return err ? nl_errno(err) : 0;
}

int nl_link_is_up(int ifindex)
{
	struct rtnl_link *link = NULL;
	struct nl_sock *sk = nl_open();
	int err;

	if (!sk)
		return -ENOMEM;
	err = rtnl_link_get_kernel(sk, ifindex, NULL, &link);
	if (!err)
		err = !!(rtnl_link_get_flags(link) & IFF_UP);
	else
		err = nl_errno(err);
	rtnl_link_put(link);
	nl_socket_free(sk);
	return err;
}

struct filter_dump {
	struct nl_tc_filter *out;
	int max, n;
};

/* One RTM_NEWTFILTER of the dump. Each priority starts with an entry for
 * the classifier itself (handle 0, no options): not a filter.
 */
static int filter_cb(struct nl_msg *msg, void *arg)
{
	struct nlattr *tb[TCA_MAX + 1], *opt[TCA_BPF_MAX + 1];
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct filter_dump *d = arg;
	struct nl_tc_filter *f;
	struct tcmsg *t;

	if (nlh->nlmsg_type != RTM_NEWTFILTER ||
	    nlmsg_parse(nlh, sizeof(*t), tb, TCA_MAX, NULL) < 0)
		return NL_OK;
	t = nlmsg_data(nlh);
	if (!t->tcm_handle || !tb[TCA_KIND])
		return NL_OK;
	if (d->n++ >= d->max)
		return NL_OK;
	f = &d->out[d->n - 1];
	memset(f, 0, sizeof(*f));
	f->prio = TC_H_MAJ(t->tcm_info) >> 16;
	f->handle = t->tcm_handle;
	snprintf(f->kind, sizeof(f->kind), "%s", nla_get_string(tb[TCA_KIND]));
	if (strcmp(f->kind, "bpf") || !tb[TCA_OPTIONS] ||
	    nla_parse_nested(opt, TCA_BPF_MAX, tb[TCA_OPTIONS], NULL) < 0)
		return NL_OK;
	if (opt[TCA_BPF_ID])
		f->prog_id = nla_get_u32(opt[TCA_BPF_ID]);
	if (opt[TCA_BPF_NAME])
		snprintf(f->prog_name, sizeof(f->prog_name), "%s", nla_get_string(opt[TCA_BPF_NAME]));
	return NL_OK;
}

int nl_tc_filters(int ifindex, int ingress, struct nl_tc_filter *out, int max)
{
	struct tcmsg t = {
		.tcm_family = AF_UNSPEC, .tcm_ifindex = ifindex,
		.tcm_parent = TC_H_MAKE(TC_H_CLSACT, ingress ? TC_H_MIN_INGRESS : TC_H_MIN_EGRESS),
	};
	struct filter_dump d = { .out = out, .max = max };
	struct nl_sock *sk = nl_open();
	struct nl_msg *msg = nlmsg_alloc_simple(RTM_GETTFILTER, NLM_F_DUMP);
	int err = -NLE_NOMEM;

	if (sk && msg && !nlmsg_append(msg, &t, sizeof(t), NLMSG_ALIGNTO)) {
		nl_socket_modify_cb(sk, NL_CB_VALID, NL_CB_CUSTOM, filter_cb, &d);
		err = nl_send_auto(sk, msg);
		if (err >= 0)
			err = nl_recvmsgs_default(sk);
	}
	nlmsg_free(msg);
	nl_socket_free(sk);
	return err < 0 ? nl_errno(err) : d.n;
}

static int enter_ns(int netns_fd, int *saved)
{
	*saved = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (*saved < 0)
		return -errno;
	if (setns(netns_fd, CLONE_NEWNET)) {
		close(*saved);
		return -errno;
	}
	return 0;
}

static void leave_ns(int saved)
{
	if (setns(saved, CLONE_NEWNET))
		pr_warn("cannot return to the host network namespace: %s", strerror(errno));
	close(saved);
}

int nl_link_exists(int netns_fd, const char *name)
{
	int saved, found;

	if (netns_fd < 0)
		return if_nametoindex(name) != 0;
	if (enter_ns(netns_fd, &saved))
		return 0;
	found = if_nametoindex(name) != 0;
	leave_ns(saved);
	return found;
}

int nl_next_ifname(int netns_fd, const char *prefix, int (*taken)(const char *name, void *arg),
		   void *arg, char *buf, size_t len)
{
	int saved, err;

	err = enter_ns(netns_fd, &saved);
	if (err)
		return err;
	err = -ENOSPC;
	for (unsigned int i = 0; i < 1024; i++) {
		if (snprintf(buf, len, "%s%u", prefix, i) >= (int)len) {
			err = -ENAMETOOLONG;
			break;
		}
		if (!if_nametoindex(buf) && !(taken && taken(buf, arg))) {
			err = 0;
			break;
		}
	}
	leave_ns(saved);
	return err;
}

static int set_gro(const char *ifname)
{
	struct ethtool_value ev = { .cmd = ETHTOOL_SGRO, .data = 1 };
	struct ifreq ifr = { .ifr_data = (void *)&ev };
	int fd, err = 0;

	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (ioctl(fd, SIOCETHTOOL, &ifr))
		err = -errno;
	close(fd);
	return err;
}

static int add_route(struct nl_sock *sk, int ifindex, uint32_t dst, uint8_t prefix,
		     uint32_t gateway)
{
	struct nl_addr *d = nl_addr_build(AF_INET, &dst, 4);
	struct nl_addr *gw = nl_addr_build(AF_INET, &gateway, 4);
	struct rtnl_route *route = rtnl_route_alloc();
	struct rtnl_nexthop *nh = rtnl_route_nh_alloc();
	int err = -NLE_NOMEM;

	if (d && gw && route && nh) {
		nl_addr_set_prefixlen(d, prefix);
		rtnl_route_set_family(route, AF_INET);
		rtnl_route_set_dst(route, d);
		rtnl_route_nh_set_ifindex(nh, ifindex);
		rtnl_route_nh_set_gateway(nh, gw);
		rtnl_route_add_nexthop(route, nh);
		nh = NULL; /* owned by route now */
		err = rtnl_route_add(sk, route, NLM_F_CREATE | NLM_F_EXCL);
	}
	if (nh)
		rtnl_route_nh_free(nh);
	rtnl_route_put(route);
	nl_addr_put(gw);
	nl_addr_put(d);
	return err;
}

/* nl_peer_update inside the namespace: the link peer (whose own peer must
 * be host_ifindex).
 */
static int peer_update_in_ns(struct nl_sock *sk, int peer, int host_ifindex,
			     const struct nl_peer_update *u, struct nl_peer_result *r)
{
	struct rtnl_link *link = NULL, *change = NULL;
	unsigned int mtu;
	int err;

	/* a veth whose own peer is the host side: not whatever now holds that
	 * ifindex in a namespace the path names since
	 */
	err = rtnl_link_get_kernel(sk, peer, NULL, &link);
	if (err || rtnl_link_get_link(link) != host_ifindex || !rtnl_link_get_type(link) ||
	    strcmp(rtnl_link_get_type(link), "veth")) {
		err = -NLE_NODEV;
		goto cleanup;
	}
	mtu = rtnl_link_get_mtu(link);
	if (mtu != u->mtu && (!u->lower_only || mtu > u->mtu)) {
		change = rtnl_link_alloc();
		err = -NLE_NOMEM;
		if (!change)
			goto cleanup;
		rtnl_link_set_mtu(change, u->mtu);
		err = rtnl_link_change(sk, link, change, 0);
		if (err)
			goto cleanup;
		r->old_mtu = mtu;
	}
	for (int i = 0; !u->lower_only && i < u->nroutes && !err; i++) {
		err = add_route(sk, peer, u->routes[i].addr, u->routes[i].prefix, u->gateway);
		if (!err)
			r->routes_added++;
		if (err == -NLE_EXIST)
			err = 0;
	}
cleanup:
	rtnl_link_put(change);
	rtnl_link_put(link);
	return err;
}

int nl_peer_update(int netns_fd, const char *host_ifname, const struct nl_peer_update *u,
		   struct nl_peer_result *r)
{
	struct nl_sock *sk = nl_open();
	struct rtnl_link *host = NULL;
	int saved, peer, host_ifindex, err;

	*r = (struct nl_peer_result){};
	if (!sk)
		return -ENOMEM;
	err = rtnl_link_get_kernel(sk, 0, host_ifname, &host);
	nl_socket_free(sk);
	if (err)
		return nl_errno(err);
	peer = rtnl_link_get_link(host);
	host_ifindex = rtnl_link_get_ifindex(host);
	rtnl_link_put(host);
	if (peer <= 0)
		return -ENODEV;
	err = enter_ns(netns_fd, &saved);
	if (err)
		return err;
	sk = nl_open();
	err = sk ? peer_update_in_ns(sk, peer, host_ifindex, u, r) : -NLE_NOMEM;
	nl_socket_free(sk);
	leave_ns(saved);
	return err ? nl_errno(err) : 0;
}

static int setup_in_ns(struct nl_sock *sk, const struct nl_container_if *c)
{
	struct rtnl_link *link = NULL, *change = NULL;
	struct nl_addr *lladdr = NULL, *local = NULL;
	struct rtnl_addr *addr = NULL;
	char path[128];
	int ifindex, err;

	err = rtnl_link_get_kernel(sk, 0, "lo", &link);
	if (!err && !(rtnl_link_get_flags(link) & IFF_UP)) {
		change = rtnl_link_alloc();
		rtnl_link_set_flags(change, IFF_UP);
		err = change ? rtnl_link_change(sk, link, change, 0) : -NLE_NOMEM;
		rtnl_link_put(change);
		change = NULL;
	}
	rtnl_link_put(link);
	link = NULL;
	if (err)
		goto cleanup;
	err = rtnl_link_get_kernel(sk, 0, c->tmp_name, &link);
	if (err)
		goto cleanup;
	change = rtnl_link_alloc();
	lladdr = nl_addr_build(AF_LLC, c->mac, 6);
	rtnl_link_set_name(change, c->ifname);
	rtnl_link_set_addr(change, lladdr);
	rtnl_link_set_mtu(change, c->mtu);
	err = rtnl_link_change(sk, link, change, 0);
	if (err)
		goto cleanup;
	ifindex = rtnl_link_get_ifindex(link);

	snprintf(path, sizeof(path), "/proc/sys/net/ipv6/conf/%s/disable_ipv6", c->ifname);
	proc_write(path, "1"); /* absent when IPv6 is off altogether */
	rtnl_link_put(change);
	change = rtnl_link_alloc();
	rtnl_link_set_flags(change, IFF_UP);
	err = rtnl_link_change(sk, link, change, 0);
	if (err)
		goto cleanup;
	/* After up: only then does veth enable NAPI and mark its peer as an
	 * XDP redirect target.
	 */
	err = set_gro(c->ifname);
	if (err) {
		err = -NLE_FAILURE;
		goto cleanup;
	}

	addr = rtnl_addr_alloc();
	local = nl_addr_build(AF_INET, &c->ip, 4);
	nl_addr_set_prefixlen(local, c->prefix);
	rtnl_addr_set_ifindex(addr, ifindex);
	rtnl_addr_set_local(addr, local);
	err = rtnl_addr_add(sk, addr, 0);
	if (err)
		goto cleanup;
	for (int i = 0; i < c->nroutes && !err; i++)
		err = add_route(sk, ifindex, c->routes[i].addr, c->routes[i].prefix, c->gateway);
	if (err)
		goto cleanup;
	err = add_route(sk, ifindex, 0, 0, c->gateway);
	if (err == -NLE_EXIST)
		err = 0; /* first network keeps the default route, as in Docker */
cleanup:
	rtnl_addr_put(addr);
	nl_addr_put(local);
	nl_addr_put(lladdr);
	rtnl_link_put(change);
	rtnl_link_put(link);
	return err ? nl_errno(err) : 0;
}

int nl_setup_container_if(int netns_fd, const struct nl_container_if *c)
{
	struct nl_sock *sk;
	int saved, err;

	err = enter_ns(netns_fd, &saved);
	if (err)
		return err;
	sk = nl_open();
	err = sk ? setup_in_ns(sk, c) : -ENOMEM;
	nl_socket_free(sk);
	leave_ns(saved);
	return err;
}
