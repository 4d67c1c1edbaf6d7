// SPDX-License-Identifier: GPL-2.0-only
/* A network's properties on this host's running containers (reconcile.h). */
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "datapath.h"
#include "log.h"
#include "netlink.h"
#include "reconcile.h"

/* What endpoint ep of network n wants of its interface on this host. */
static void wanted(const struct vx_endpoint *ep, const struct vx_network *n, unsigned int mtu,
		   enum reconcile_phase phase, struct nl_peer_update *u)
{
	const struct vx_subnet *sn = network_subnet_of(n, ep->ip);

	*u = (struct nl_peer_update){ .mtu = mtu, .lower_only = phase == RECONCILE_LOWER,
				      .gateway = sn ? sn->gateway : 0 };
	for (int i = 0; sn && i < n->nsubnets; i++) {
		if (&n->subnets[i] == sn)
			continue;
		u->routes[u->nroutes].addr = n->subnets[i].addr;
		u->routes[u->nroutes++].prefix = n->subnets[i].prefix;
	}
}

/* One endpoint; 1 when its interface changed, said in one line. */
static int reconcile_endpoint(const struct vx_endpoint *ep, const struct vx_network *n,
			      unsigned int mtu, enum reconcile_phase phase, const char *who)
{
	const char *ifname = ep->ifname[0] ? ep->ifname : "its interface";
	struct nl_peer_result r;
	struct nl_peer_update u;
	char what[64] = "";
	int fd, err;

	fd = open(ep->netns, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0; /* the container is gone */
	wanted(ep, n, mtu, phase, &u);
	err = nl_peer_update(fd, ep->host_ifname, &u, &r);
	close(fd);
	if (err && err != -ENODEV)
		pr_warn("%s: endpoint %s: cannot apply network %s (MTU %u, %d routes) to %s in %s: %s",
			who, ep->name, n->name, mtu, u.nroutes, ifname, ep->netns, strerror(-err));
	if (!r.old_mtu && !r.routes_added)
		return 0;
	if (r.old_mtu)
		snprintf(what, sizeof(what), "MTU %u -> %u", r.old_mtu, mtu);
	if (r.routes_added)
		snprintf(what + strlen(what), sizeof(what) - strlen(what), "%s%d route%s added",
			 r.old_mtu ? ", " : "", r.routes_added, r.routes_added == 1 ? "" : "s");
	pr_info("%s: endpoint %s: %s in %s: %s", who, ep->name, ifname, ep->netns, what);
	return 1;
}

int reconcile_host(const struct vx_state *st, const struct vxnet_host *host, const char *network,
		   enum reconcile_phase phase, const char *who)
{
	unsigned int dflt = dp_default_mtu(host);
	const struct vx_network *n = NULL;
	int changed = 0;

	for (size_t i = 0; i < st->nendpoints; i++) {
		const struct vx_endpoint *ep = &st->endpoints[i];

		if ((network && strcmp(ep->network, network)) || strcmp(ep->node, host->node) ||
		    !ep->netns[0] || !ep->host_ifname[0])
			continue;
		if (!n || strcmp(n->name, ep->network))
			n = state_find_network(st, ep->network);
		if (n)
			changed += reconcile_endpoint(ep, n, dp_network_mtu(n, dflt), phase, who);
	}
	return changed;
}

int reconcile_warn_mtu(const struct vx_state *st, const struct vxnet_host *host,
		       const char *network, const char *who)
{
	unsigned int max = dp_default_mtu(host);
	char dev[IF_NAMESIZE] = "?";
	int n = 0;

	if_indextoname(host->ifindex, dev);
	for (size_t i = 0; i < st->nnetworks; i++) {
		const struct vx_network *net = &st->networks[i];

		if ((network && strcmp(net->name, network)) || net->mtu <= max)
			continue;
		pr_warn("%s: network %s: MTU %u is more than this host's underlay carries (%s MTU %u - %d = %u); "
			"its endpoints on this host get %u (vxnet network update %s --mtu N to change it)",
			who, net->name, net->mtu, dev, max + VXNET_ENCAP_LEN, VXNET_ENCAP_LEN, max, max,
			net->name);
		n++;
	}
	return n;
}
