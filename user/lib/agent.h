/* SPDX-License-Identifier: GPL-2.0-only */
/* The agent: keeps this host's maps equal to the store for as long as it
 * runs. The datapath must be up; the agent never loads, attaches or removes
 * anything, so stopping or restarting it never touches traffic.
 */
#ifndef VXNET_AGENT_H
#define VXNET_AGENT_H

#include <signal.h>
#include <stdint.h>
#include <netinet/in.h>

#include "store.h"

struct agent_opts {
	struct vx_store *store;
	const char *pin_dir;
	int timestamps;               /* start each log line with the epoch time */
	uint32_t resync;              /* seconds between full syncs; 0: never */
	volatile sig_atomic_t *stop;  /* set (by a signal handler) to stop */
	const struct sockaddr_in *metrics_listen; /* serve /metrics there, or NULL */
};

#define AGENT_DEFAULT_RESYNC 60

/* List, sync in full, then apply each change the store's watch reports;
 * when the watch fails the maps stay as they are and the agent lists again
 * after a backoff (0.2 s doubling to 5 s). Every o->resync seconds it lists
 * and syncs in full (an entry lost or changed by hand comes back). Every
 * write holds dp_lock and first checks that the pins are still the maps
 * it opened: after `vxnet down` and `up` it opens the new ones and syncs
 * in full. With metrics_listen, /metrics is served there (metrics.h) for
 * as long as it runs. Returns when *stop is set: 0, or a negative errno when the maps
 * cannot be opened at the start.
 */
int agent_run(const struct agent_opts *o);

#endif
