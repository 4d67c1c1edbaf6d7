// SPDX-License-Identifier: GPL-2.0-only
/* `vxnet docker-plugin`: Docker's network and IPAM driver "vxnet" on a unix
 * socket until SIGTERM (the work is docker_serve, user/lib/docker.c).
 */
#include <stddef.h>

#include "cli.h"
#include "docker.h"
#include "log.h"

struct docker_arg {
	const char *socket;
	const char *data_dir;
};

static int docker_plugin(void *arg)
{
	struct docker_arg *a = arg;
	struct vx_docker d = { .pin_dir = vx_opts.pin_dir, .data_dir = a->data_dir };
	int err;

	err = cli_open_store(&d.store) ?: docker_serve(&d, a->socket);
	store_close(d.store);
	return err ? 1 : 0;
}

#define ARG(field) offsetof(struct docker_arg, field)
static const struct cli_opt docker_opts[] = {
	{ "socket", "PATH", CLI_STR, ARG(socket), "the unix socket Docker finds the plugin by\n"
	  "(default " VX_DOCKER_SOCKET ")" },
	{ "data-dir", "DIR", CLI_STR, ARG(data_dir), "which vxnet network each Docker network is\n"
	  "(default " VX_DOCKER_DATA_DIR ")" },
	{},
};

static const struct docker_arg docker_defaults = { VX_DOCKER_SOCKET, VX_DOCKER_DATA_DIR };

const struct cli_verb docker_verb = {
	"docker-plugin",
	"Serves Docker's remote network and IPAM driver vxnet on a unix socket until SIGTERM.",
	docker_opts, sizeof(struct docker_arg), &docker_defaults, docker_plugin,
};
