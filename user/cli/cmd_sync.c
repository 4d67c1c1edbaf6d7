// SPDX-License-Identifier: GPL-2.0-only
/* `vxnet sync`: this host's maps made equal to the state (dp_sync). */
#include <stdio.h>

#include "cli.h"
#include "log.h"
#include "sync.h"

int cmd_sync(int argc, char **argv)
{
	struct kv_result res;
	struct vx_state st;
	int err;

	if (argc > 1) {
		pr_err("sync: unexpected argument '%s'; usage: vxnet sync", argv[1]);
		return 2;
	}
	if (cli_read_state(&st))
		return 1;
	err = dp_sync(&st, vx_opts.pin_dir, &res);
	if (!err)
		pr_info("synced: %u added, %u changed, %u removed", res.added, res.changed, res.removed);
	state_free(&st);
	return err ? 1 : 0;
}
