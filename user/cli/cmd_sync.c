// SPDX-License-Identifier: GPL-2.0-only
/* `vxnet sync`: this host's maps made equal to the state, and its running
 * containers to their networks (dp_sync_store_reconcile).
 */
#include <stdio.h>

#include "cli.h"
#include "log.h"
#include "sync.h"

static int sync_maps(void *arg)
{
	struct vx_store *store = NULL;
	struct kv_result res;
	int err;

	/* the state is read under the host's lock: a later writer's entries
	 * are never undone by an older snapshot
	 */
	err = cli_open_store(&store) ?: dp_sync_store_reconcile(store, vx_opts.pin_dir, &res);
	if (!err)
		pr_info("synced: %u added, %u changed, %u removed", res.added, res.changed, res.removed);
	store_close(store);
	return err ? 1 : 0;
}

const struct cli_verb sync_verb = { "sync", "Makes this host's maps and its containers' interfaces (MTU, routes) equal to the state, once.",
				    .run = sync_maps };
