// SPDX-License-Identifier: GPL-2.0-only
/* `vxnet agent` (the work is agent_run). */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>

#include "agent.h"
#include "cli.h"
#include "log.h"

static volatile sig_atomic_t stopping;

static void on_signal(int sig)
{
	stopping = 1;
}

int cmd_agent(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "timestamps", no_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	static const char usage[] =
		"usage: vxnet agent [--timestamps]\n"
		"Keeps this host's maps equal to the store until SIGTERM or SIGINT. Run vxnet up first.\n"
		"--timestamps: start each change's line with the time (epoch seconds) it reached the maps.\n";
	struct agent_opts o = { .pin_dir = vx_opts.pin_dir, .stop = &stopping };
	struct sigaction sa = { .sa_handler = on_signal };
	int c, err;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case 't': o.timestamps = 1; break;
		case 'h': fputs(usage, stdout); return 0;
		default: return cli_opt_error("agent", c, argv);
		}
	}
	if (optind < argc) {
		pr_err("agent: unexpected argument '%s'; see vxnet agent --help", argv[optind]);
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	err = cli_open_store(&o.store) ?: agent_run(&o);
	if (!err)
		pr_info("agent: stopped; the datapath stays as it is");
	store_close(o.store);
	return err ? 1 : 0;
}
