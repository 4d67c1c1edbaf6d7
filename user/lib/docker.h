/* SPDX-License-Identifier: GPL-2.0-only */
/* Docker's libnetwork remote API (a NetworkDriver and an IpamDriver, both
 * "vxnet") over the store and the attach code: `vxnet docker-plugin`.
 *
 * On every host, with vxnet up and the plugin running:
 *   docker network create -d vxnet --ipam-driver vxnet --subnet 10.5.0.0/24 \
 *       -o vxnet.network=blue [-o vxnet.vni=N] [-o com.docker.network.driver.mtu=N] NAME
 * Docker passes no network name to a driver (20.10 sends the ID, the -o
 * options and the pools), so vxnet.network names the vxnet network; without
 * it the name is docker-A.B.C.D-N from the first subnet, the same on every
 * host. The first host creates it, the others adopt it (same subnets and
 * gateways, and VNI and MTU when given); only the creator's DeleteNetwork
 * removes it, and only without endpoints. --internal makes it a network
 * without egress (vxnet network create --no-egress); it cannot adopt one
 * with egress. --subnet is required (the pool's
 * ID is the subnet); --gateway, --ip and --mac-address work; no IPv6, no
 * --ip-range. docker run -p HOSTPORT:PORT[/udp] publishes the port
 * (ProgramExternalConnectivity; Revoke takes it away); -p without a host
 * port, host port ranges and -p ADDRESS:... are refused.
 */
#ifndef VXNET_DOCKER_H
#define VXNET_DOCKER_H

#include "state.h"
#include "store.h"

#define VX_DOCKER_SOCKET "/run/docker/plugins/vxnet.sock"
#define VX_DOCKER_DATA_DIR "/var/lib/vxnet/docker"

struct vx_docker {
	struct vx_store *store;
	const char *pin_dir;
	const char *data_dir; /* one file per Docker network: its vxnet network */
};

/* Serves socket_path (its directory made, a stale socket removed) until
 * SIGTERM or SIGINT; 0, or one pr_err line and a negative errno.
 */
int docker_serve(struct vx_docker *d, const char *socket_path);

/* Whether e is the record of a Docker endpoint (the plugin's name for its
 * container_id).
 */
int docker_endpoint_is(const struct vx_endpoint *e);

#endif
