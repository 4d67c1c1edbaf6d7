// SPDX-License-Identifier: GPL-2.0-only
/* `vxnet agent` (the work is agent_run). */
#include <signal.h>
#include <stdio.h>

#include "agent.h"
#include "cli.h"
#include "log.h"
#include "metrics.h"

static volatile sig_atomic_t stopping;

static void on_signal(int sig)
{
	stopping = 1;
}

struct agent_arg {
	struct agent_opts o;
	const char *listen; /* --metrics-listen */
	struct sockaddr_in sa;
};

static int agent(void *arg)
{
	struct agent_arg *aa = arg;
	struct agent_opts *o = &aa->o;
	struct sigaction sa = { .sa_handler = on_signal };
	int err;

	if (aa->listen) {
		if (metrics_parse_listen(aa->listen, &aa->sa)) {
			pr_err("agent: --metrics-listen '%s' is not ADDR:PORT (an IPv4 address, port 1..65535)",
			       aa->listen);
			return 2;
		}
		o->metrics_listen = &aa->sa;
	}

	o->pin_dir = vx_opts.pin_dir;
	o->stop = &stopping;
	setvbuf(stdout, NULL, _IOLBF, 0);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	err = cli_open_store(&o->store) ?: agent_run(o);
	if (!err)
		pr_info("agent: stopped; the datapath stays as it is");
	store_close(o->store);
	return err ? 1 : 0;
}

#define STR_(x) #x
#define STR(x) STR_(x)
#define ARG(field) offsetof(struct agent_arg, field)
static const struct cli_opt agent_opts[] = {
	{ "timestamps", NULL, CLI_FLAG, ARG(o.timestamps),
	  "start each change's line with the time (epoch seconds) it reached the maps" },
	{ "resync", "SECONDS", CLI_U32, ARG(o.resync),
	  "list the store and sync in full every SECONDS, repairing entries changed\n"
	  "by hand or lost (default: " STR(AGENT_DEFAULT_RESYNC) "; 0: never)",
	  .min = 0, .max = 86400 },
	{ "metrics-listen", "ADDR:PORT", CLI_STR, ARG(listen),
	  "serve Prometheus metrics on http://ADDR:PORT/metrics (vxnet metrics'\n"
	  "families and the agent's own)" },
	{},
};

static const struct agent_arg agent_defaults = { .o.resync = AGENT_DEFAULT_RESYNC };

const struct cli_verb agent_verb = {
	"agent", "Keeps this host's maps equal to the store until SIGTERM or SIGINT. Run vxnet up first.",
	agent_opts, sizeof(struct agent_arg), &agent_defaults, agent,
};
