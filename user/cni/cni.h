/* SPDX-License-Identifier: GPL-2.0-only */
/* vxnet-cni: the CNI plugin (spec 1.0.0, with 1.1.0's STATUS and GC, and
 * results in the 0.3.1 and 0.4.0 formats). main.c reads the environment and
 * the configuration and dispatches; delegate.c runs an IPAM plugin;
 * check.c compares the kernel and the store with a prevResult. Results and
 * errors go to the saved stdout; the library's lines go to stderr.
 */
#ifndef VXNET_CNI_H
#define VXNET_CNI_H

#include <jansson.h>
#include <stdint.h>

#include "state.h"

/* The spec's error codes used here. */
enum {
	CNI_ERR_VERSION = 1,
	CNI_ERR_ENV = 4,
	CNI_ERR_DECODE = 6,
	CNI_ERR_CONFIG = 7,
	CNI_ERR_AGAIN = 11,
	CNI_ERR_UNAVAILABLE = 50,
	CNI_ERR_PLUGIN = 100, /* ours: the attach or detach failed */
};

struct cni_err {
	int code;
	char msg[256];
	char details[1024];
};

/* Sets e and returns -1, for `return cni_fail(...)`. */
__attribute__((format(printf, 3, 4)))
int cni_fail(struct cni_err *e, int code, const char *fmt, ...);

struct cni_env {
	const char *command, *container_id, *netns, *ifname, *args, *path;
};

/* The configuration, as the plugin reads it from stdin. */
struct cni_conf {
	const char *version; /* cniVersion */
	const char *name, *network, *store, *ca, *cert, *key, *pin_dir;
	const char *ipam_type;     /* NULL: vxnet's own allocation */
	json_t *root;              /* the whole configuration */
	const char *raw;           /* as read, for a delegated plugin */
	size_t raw_len;
};

/* delegate.c: runs the IPAM plugin conf->ipam_type found in CNI_PATH with
 * command, the environment (CNI_COMMAND replaced) and the configuration on
 * stdin; *out gets its parsed stdout (NULL when empty). 0, or -1 with e
 * set (its error passed on).
 */
int cni_delegate(const struct cni_env *env, const struct cni_conf *conf, const char *command,
		 json_t **out, struct cni_err *e);

/* check.c: CHECK of endpoint ep (the store's record) of network n against
 * prev (the prevResult). 0, or -1 with e saying what differs.
 */
int cni_check(const struct cni_env *env, const struct vx_endpoint *ep, const struct vx_network *n,
	      const json_t *prev, const char *pin_dir, struct cni_err *e);

#endif
