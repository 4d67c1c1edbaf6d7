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

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *help;
} commands[] = {
	{ "node", cmd_node, "node add NAME ADDRESS | rm NAME | ls" },
	{ "network", cmd_network, "network create NAME --subnet CIDR [--vni N] [--gateway IP] [--mtu N] | rm | ls | inspect" },
	{ "endpoint", cmd_endpoint, "endpoint add NAME --network N --node NODE --ip IP [--mac MAC] | rm NAME | ls" },
	{ "up", cmd_up, "up --node NAME --dev IFACE [--decap xdp|tc] [--port N]" },
	{ "down", cmd_down, "down" },
	{ "attach", cmd_attach, "attach NETNS NETWORK [--ip IP] [--mac MAC] [--ifname IF] [--name NAME]" },
	{ "detach", cmd_detach, "detach NETNS NETWORK" },
	{ "sync", cmd_sync, "sync" },
	{ "agent", cmd_agent, "agent" },
	{ "status", cmd_status, "status" },
	{ "stats", cmd_stats, "stats" },
};

static void usage(FILE *f)
{
	fprintf(f, "usage: vxnet [--store file:PATH|etcd://HOST:PORT[,...]] [--pin-dir DIR] [-n NETNS] [-v] COMMAND ...\n\ncommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  vxnet %s\n", commands[i].help);
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
	/* '+': stop at the first non-option, the command. */
	while ((c = getopt_long(argc, argv, "+n:vh", opts, NULL)) != -1) {
		switch (c) {
		case 's': vx_opts.state = optarg; break;
		case 'p': vx_opts.pin_dir = optarg; break;
		case 'n': vx_opts.netns = optarg; break;
		case 'v': log_init(1); break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return 2;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(argv[optind], commands[i].name))
			continue;
		if (vx_opts.netns && enter_netns(vx_opts.netns))
			return 1;
		argc -= optind;
		argv += optind;
		/* Objects with verbs get argv at the verb; others at their name. */
		if (commands[i].fn == cmd_node || commands[i].fn == cmd_network ||
		    commands[i].fn == cmd_endpoint) {
			if (argc < 2) {
				pr_err("%s: missing verb; usage: vxnet %s", commands[i].name, commands[i].help);
				return 2;
			}
			argc--;
			argv++;
		}
		optind = 0; /* reset getopt for the command */
		return commands[i].fn(argc, argv);
	}
	pr_err("unknown command '%s'; see vxnet --help", argv[optind]);
	return 2;
}
