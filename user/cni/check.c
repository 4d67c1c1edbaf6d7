// SPDX-License-Identifier: GPL-2.0-only
/* CHECK: the container's interface (MAC, address, routes), the host side
 * (veth, vxnet's TC program, the endpoints map entry) and the endpoint
 * record, each against the prevResult; the first difference is the error.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>
#include <arpa/inet.h>

#include <bpf/bpf.h>

#include "cni.h"
#include "datapath.h"
#include "vxnet.h"

struct route {
	uint32_t dst, gw;
	uint8_t prefix;
};

/* Inside the current namespace: ifname's MAC, whether it has ip/prefix, its
 * IPv4 routes.
 */
static int read_if(const char *ifname, uint8_t mac[6], uint32_t ip, uint8_t prefix, int *has_ip,
		   struct route *routes, int *nroutes, int max)
{
	struct ifaddrs *ifa, *a;
	char line[512], name[IFNAMSIZ + 1];
	struct ifreq ifr = {};
	FILE *f;
	int fd;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	if (ioctl(fd, SIOCGIFHWADDR, &ifr)) {
		close(fd);
		return -ENODEV;
	}
	close(fd);
	memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
	*has_ip = 0;
	if (!getifaddrs(&ifa)) {
		for (a = ifa; a; a = a->ifa_next) {
			if (!a->ifa_addr || a->ifa_addr->sa_family != AF_INET || strcmp(a->ifa_name, ifname))
				continue;
			uint32_t got = ((struct sockaddr_in *)a->ifa_addr)->sin_addr.s_addr;
			uint32_t mask = ((struct sockaddr_in *)a->ifa_netmask)->sin_addr.s_addr;

			if (got == ip && __builtin_popcount(mask) == prefix)
				*has_ip = 1;
		}
		freeifaddrs(ifa);
	}
	*nroutes = 0;
	f = fopen("/proc/self/net/route", "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f) && *nroutes < max) {
		unsigned int dst, gw, flags, mask;

		if (sscanf(line, "%16s %x %x %x %*d %*d %*d %x", name, &dst, &gw, &flags, &mask) != 5 ||
		    strcmp(name, ifname))
			continue;
		routes[*nroutes] = (struct route){ dst, gw, __builtin_popcount(mask) };
		(*nroutes)++;
	}
	fclose(f);
	return 0;
}

/* read_if inside the namespace at path. */
static int read_if_in(const char *path, const char *ifname, uint8_t mac[6], uint32_t ip,
		      uint8_t prefix, int *has_ip, struct route *routes, int *nroutes, int max)
{
	int self, ns, err, back;

	self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	ns = open(path, O_RDONLY | O_CLOEXEC);
	if (self < 0 || ns < 0) {
		err = -errno;
		goto cleanup;
	}
	if (setns(ns, CLONE_NEWNET)) {
		err = -errno;
		goto cleanup;
	}
	err = read_if(ifname, mac, ip, prefix, has_ip, routes, nroutes, max);
	back = setns(self, CLONE_NEWNET);
	if (back)
		err = -errno;
cleanup:
	if (self >= 0)
		close(self);
	if (ns >= 0)
		close(ns);
	return err;
}

/* The endpoints map: a local entry for the address, behind the veth, with
 * the record's MAC.
 */
static int check_map(const struct vx_endpoint *ep, const struct vx_network *n, int ifindex,
		     const char *pin_dir, struct cni_err *e)
{
	struct vxnet_ep_key key = { .vni = n->vni, .ip.be32 = ep->ip };
	struct vxnet_endpoint val;
	char a[16];
	int fd, err;

	format_ipv4(ep->ip, a);
	fd = dp_open_pin(pin_dir, VXNET_PIN_ENDPOINTS);
	if (fd < 0)
		return cni_fail(e, CNI_ERR_PLUGIN, "open %s/%s: %s", pin_dir, VXNET_PIN_ENDPOINTS,
				strerror(-fd));
	err = bpf_map_lookup_elem(fd, &key, &val);
	close(fd);
	if (err)
		return cni_fail(e, CNI_ERR_PLUGIN, "the endpoints map has no entry for %s in VNI %u", a, n->vni);
	if (!(val.flags & VXNET_EP_LOCAL) || val.ifindex != (uint32_t)ifindex || memcmp(val.mac, ep->mac, 6))
		return cni_fail(e, CNI_ERR_PLUGIN, "the endpoints map entry for %s is not this container's (ifindex %u, host veth %d)",
				a, val.ifindex, ifindex);
	return 0;
}

int cni_check(const struct cni_env *env, const struct vx_endpoint *ep, const struct vx_network *n,
	      const json_t *prev, const char *pin_dir, struct cni_err *e)
{
	const struct vx_subnet *sn = network_subnet_of(n, ep->ip);
	char want[24], mac[18], got_mac[18];
	struct route routes[64];
	const json_t *ifs, *ips, *rts, *v;
	int nroutes = 0, has_ip = 0, err, idx = -1, ifindex;
	uint8_t kmac[6];
	size_t i;

	if (!sn)
		return cni_fail(e, CNI_ERR_PLUGIN, "endpoint %s: address outside network %s", ep->name, n->name);
	{
		char a[16];

		format_ipv4(ep->ip, a);
		snprintf(want, sizeof(want), "%s/%u", a, sn->prefix);
	}
	format_mac(ep->mac, mac);
	/* The record against the prevResult. */
	ifs = json_object_get(prev, "interfaces");
	json_array_foreach(ifs, i, v) {
		const char *name = json_string_value(json_object_get(v, "name"));
		const char *sandbox = json_string_value(json_object_get(v, "sandbox"));

		if (name && sandbox && *sandbox && !strcmp(name, env->ifname)) {
			const char *m = json_string_value(json_object_get(v, "mac"));

			idx = (int)i;
			if (m && strcasecmp(m, mac))
				return cni_fail(e, CNI_ERR_PLUGIN, "%s: MAC %s in prevResult, %s in the endpoint record %s",
						env->ifname, m, mac, ep->name);
		}
	}
	if (idx < 0)
		return cni_fail(e, CNI_ERR_PLUGIN, "prevResult has no interface %s in a sandbox", env->ifname);
	ips = json_object_get(prev, "ips");
	int found = 0;
	json_array_foreach(ips, i, v) {
		const char *a = json_string_value(json_object_get(v, "address"));
		const json_t *ix = json_object_get(v, "interface");

		if (ix && json_integer_value(ix) != idx)
			continue;
		if (a && !strcmp(a, want))
			found = 1;
	}
	if (!found)
		return cni_fail(e, CNI_ERR_PLUGIN, "prevResult has no address %s for %s (endpoint record %s)",
				want, env->ifname, ep->name);
	/* The kernel: the container's side. */
	err = read_if_in(env->netns, env->ifname, kmac, ep->ip, sn->prefix, &has_ip, routes, &nroutes, 64);
	if (err == -ENODEV)
		return cni_fail(e, CNI_ERR_PLUGIN, "interface %s is missing in %s", env->ifname, env->netns);
	if (err)
		return cni_fail(e, CNI_ERR_PLUGIN, "read %s in %s: %s", env->ifname, env->netns, strerror(-err));
	format_mac(kmac, got_mac);
	if (memcmp(kmac, ep->mac, 6))
		return cni_fail(e, CNI_ERR_PLUGIN, "%s has MAC %s, expected %s", env->ifname, got_mac, mac);
	if (!has_ip)
		return cni_fail(e, CNI_ERR_PLUGIN, "%s lacks address %s", env->ifname, want);
	rts = json_object_get(prev, "routes");
	json_array_foreach(rts, i, v) {
		const char *dst = json_string_value(json_object_get(v, "dst"));
		const char *gw = json_string_value(json_object_get(v, "gw"));
		uint32_t d, g = 0;
		uint8_t p;
		int ok = 0;

		if (!dst || parse_cidr(dst, &d, &p) || (gw && parse_ipv4(gw, &g)))
			return cni_fail(e, CNI_ERR_DECODE, "prevResult: malformed route %s", dst ? dst : "(no dst)");
		for (int k = 0; k < nroutes; k++)
			if (routes[k].dst == d && routes[k].prefix == p && (!gw || routes[k].gw == g))
				ok = 1;
		if (!ok)
			return cni_fail(e, CNI_ERR_PLUGIN, "route to %s%s%s is missing on %s", dst,
					gw ? " via " : "", gw ? gw : "", env->ifname);
	}
	/* The host's side. */
	ifindex = if_nametoindex(ep->host_ifname);
	if (!ifindex)
		return cni_fail(e, CNI_ERR_PLUGIN, "host interface %s is missing", ep->host_ifname);
	if (dp_tc_ours(ifindex) != 1)
		return cni_fail(e, CNI_ERR_PLUGIN, "host interface %s does not carry vxnet's TC program",
				ep->host_ifname);
	return check_map(ep, n, ifindex, pin_dir, e);
}
