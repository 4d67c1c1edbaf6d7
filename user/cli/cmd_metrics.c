// SPDX-License-Identifier: GPL-2.0-only
/* `vxnet metrics`: this host's datapath in Prometheus' text exposition
 * format (metrics.h), for node_exporter's textfile collector; the names of
 * the per-endpoint labels come from the state.
 */
#include <stdio.h>

#include "cli.h"
#include "log.h"
#include "metrics.h"

static int metrics(void *arg)
{
	struct vx_state st;
	int err;

	if (cli_read_state(&st))
		return 1;
	err = metrics_write_datapath(stdout, vx_opts.pin_dir, &st);
	state_free(&st);
	if (!err && (fflush(stdout) || ferror(stdout))) {
		pr_err("metrics: write to stdout failed");
		err = 1;
	}
	return err ? 1 : 0;
}

const struct cli_verb metrics_verb = { "metrics",
	"Prints this host's datapath metrics in Prometheus' text format (node_exporter's textfile collector).",
	.run = metrics };
