/* SPDX-License-Identifier: GPL-2.0-only */
/* Docker's libnetwork remote API (a NetworkDriver and an IpamDriver, both
 * "vxnet") over the store and the attach code: `vxnet docker-plugin`.
 */
#ifndef VXNET_DOCKER_H
#define VXNET_DOCKER_H

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

#endif
