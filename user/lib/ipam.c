// SPDX-License-Identifier: GPL-2.0-only
/* Allocation (state.h): the first free host address of a network and the
 * lowest free VNI.
 */
#include <arpa/inet.h>
#include <errno.h>

#include "state.h"

int ipam_alloc(const struct vx_state *st, const struct vx_network *n, uint32_t *ip)
{
	for (int i = 0; i < n->nsubnets; i++) {
		const struct vx_subnet *s = &n->subnets[i];
		uint32_t first = ntohl(s->addr), last = ntohl(subnet_broadcast(s));

		if (s->prefix >= 31)
			continue;
		for (uint32_t h = first + 1; h < last; h++) {
			uint32_t a = htonl(h);

			if (a == s->gateway || state_find_endpoint_ip(st, n->name, a))
				continue;
			*ip = a;
			return 0;
		}
	}
	return -ENOSPC;
}

int vni_alloc(const struct vx_state *st, uint32_t *vni)
{
	for (uint32_t v = VX_VNI_MIN_AUTO; v <= VX_VNI_MAX; v++) {
		if (!state_find_network_vni(st, v)) {
			*vni = v;
			return 0;
		}
	}
	return -ENOSPC;
}
