// SPDX-License-Identifier: GPL-2.0-only
/* vxnet: dispatch only. Global options, then `vxnet <object> <verb>`. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "log.h"

struct vx_opts vx_opts = {
	.state = VX_DEFAULT_STATE,
	.pin_dir = VX_DEFAULT_PIN_DIR,
};

static const struct cli_cmd commands[] = {
	{ "node", node_verbs },
	{ "network", network_verbs },
	{ "endpoint", endpoint_verbs },
	{ .verb = &up_verb },
	{ .verb = &down_verb },
	{ .verb = &attach_verb },
	{ .verb = &detach_verb },
	{ .verb = &sync_verb },
	{ .verb = &agent_verb },
	{ .verb = &status_verb },
	{ .verb = &stats_verb },
};
#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static void usage(FILE *f)
{
	fprintf(f, "usage: vxnet [--store file:PATH|etcd://HOST:PORT[,...]] [--pin-dir DIR] [-n NETNS] [-v] COMMAND ...\n\ncommands:\n");
	cli_print_synopses(f, commands, NCOMMANDS);
	fprintf(f, "\nvxnet COMMAND --help describes each.\n");
}

/* -n NETNS: a name under /run/netns or a path. Only the network namespace
 * changes; the mount namespace (and so bpffs pins) stays the caller's.
 */
static int enter_netns(const char *ns)
{
	char path[512];
	int fd;

	if (strchr(ns, '/'))
		snprintf(path, sizeof(path), "%s", ns);
	else
		snprintf(path, sizeof(path), "/run/netns/%s", ns);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		pr_err("network namespace %s: %s", ns, strerror(errno));
		return -errno;
	}
	if (setns(fd, CLONE_NEWNET)) {
		pr_err("enter network namespace %s: %s", ns, strerror(errno));
		close(fd);
		return -errno;
	}
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "state", required_argument, NULL, 's' },
		{ "store", required_argument, NULL, 's' },
		{ "pin-dir", required_argument, NULL, 'p' },
		{ "netns", required_argument, NULL, 'n' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	int c;

	log_init(0);
	opterr = 0;
	/* '+': stop at the first non-option, the command. */
	while ((c = getopt_long(argc, argv, "+:n:vh", opts, NULL)) != -1) {
		switch (c) {
		case 's': vx_opts.state = optarg; break;
		case 'p': vx_opts.pin_dir = optarg; break;
		case 'n': vx_opts.netns = optarg; break;
		case 'v': log_init(1); break;
		case 'h': usage(stdout); return 0;
		default: return cli_opt_error(NULL, c, argv);
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return 2;
	}
	for (size_t i = 0; i < NCOMMANDS; i++) {
		const struct cli_cmd *cmd = &commands[i];

		if (strcmp(argv[optind], cmd->object ?: cmd->verb->names))
			continue;
		if (vx_opts.netns && enter_netns(vx_opts.netns))
			return 1;
		return cli_run(cmd, argc - optind, argv + optind);
	}
	pr_err("unknown command '%s'; see vxnet --help", argv[optind]);
	return 2;
}
