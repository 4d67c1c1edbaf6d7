// SPDX-License-Identifier: GPL-2.0-only
/* `vxnet sync`: this host's maps made equal to the state (dp_sync). */
#include <stdio.h>

#include "cli.h"
#include "log.h"
#include "sync.h"

static int sync_maps(void *arg)
{
	struct kv_result res;
	struct vx_state st;
	int err;

	if (cli_read_state(&st))
		return 1;
	err = dp_sync(&st, vx_opts.pin_dir, &res);
	if (!err)
		pr_info("synced: %u added, %u changed, %u removed", res.added, res.changed, res.removed);
	state_free(&st);
	return err ? 1 : 0;
}

const struct cli_verb sync_verb = { "sync", "Makes this host's maps equal to the state, once.",
				    .run = sync_maps };
