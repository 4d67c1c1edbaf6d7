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

extern const struct cli_verb docker_verb; /* cmd_docker.c */

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
	{ .verb = &metrics_verb },
	{ .verb = &monitor_verb },
	{ "nat", nat_verbs },
	{ "map", map_verbs },
	{ .verb = &docker_verb },
};
#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

/* The global options that take a value or set a flag: getopt's table,
 * --help and the environment are read from this one list. An option not
 * given takes its environment variable (when set and not empty), so that
 * the agent's systemd unit can pass them through its environment file.
 */
struct global_opt {
	const char *name;  /* long option without "--" */
	const char *meta;  /* its value's placeholder; NULL: a flag */
	const char *env;   /* the environment variable, or NULL */
	const char *help;
	const char **str;  /* where the value goes */
	int *flag;         /* or the flag */
};

static const struct global_opt globals[] = {
	{ "store", "URL", NULL, "file:PATH, PATH, etcd://HOST:PORT[,HOST:PORT...] or etcds://... (TLS);\n"
	  "default " VX_DEFAULT_STATE, &vx_opts.state },
	{ "state", "FILE", NULL, "the same as --store FILE", &vx_opts.state },
	{ "pin-dir", "DIR", NULL, "where the maps are pinned; default " VX_DEFAULT_PIN_DIR, &vx_opts.pin_dir },
	{ "store-ca", "FILE", "VXNET_STORE_CA", "etcds://: verify etcd's certificate against this CA (PEM)",
	  &vx_opts.store.ca },
	{ "store-cert", "FILE", "VXNET_STORE_CERT", "etcds://: present this client certificate (PEM)",
	  &vx_opts.store.cert },
	{ "store-key", "FILE", "VXNET_STORE_KEY", "the client certificate's key (PEM)", &vx_opts.store.key },
	{ "store-user", "NAME", "VXNET_STORE_USER", "etcd authentication as this user", &vx_opts.store.user },
	{ "store-password-file", "FILE", "VXNET_STORE_PASSWORD_FILE", "the user's password: the file's first line",
	  &vx_opts.store.password_file },
	{ "store-allow-plain", NULL, "VXNET_STORE_ALLOW_PLAIN",
	  "no warning for plain etcd:// to another host (a network you trust)", .flag = &vx_opts.store.allow_plain },
};
#define NGLOBALS (sizeof(globals) / sizeof(globals[0]))

static void usage(FILE *f)
{
	fprintf(f, "usage: vxnet [--store URL] [--pin-dir DIR] [--store-... ] [-n NETNS] [-v] COMMAND ...\n\nglobal options:\n");
	for (size_t i = 0; i < NGLOBALS; i++) {
		const struct global_opt *g = &globals[i];
		const char *h = g->help, *nl;
		char left[64];

		snprintf(left, sizeof(left), "--%s%s%s", g->name, g->meta ? " " : "", g->meta ?: "");
		while ((nl = strchr(h, '\n'))) {
			fprintf(f, "  %-28s %.*s\n", left, (int)(nl - h), h);
			left[0] = '\0';
			h = nl + 1;
		}
		fprintf(f, "  %-28s %s%s%s%s\n", left, h, g->env ? " [" : "", g->env ?: "", g->env ? "]" : "");
	}
	fprintf(f, "  %-28s %s\n  %-28s %s\n\ncommands:\n", "-n NETNS",
		"run in that network namespace (as ip -n)", "-v", "libbpf and debug output");
	cli_print_synopses(f, commands, NCOMMANDS);
	fprintf(f, "\nvxnet COMMAND --help describes each.\n");
}

/* The environment's values for the options not given; they are all etcd's,
 * so a file store leaves them aside (given as options, they are an error).
 */
static void globals_from_env(const unsigned char *given)
{
	int etcd = !strncmp(vx_opts.state, "etcd", 4);

	for (size_t i = 0; i < NGLOBALS; i++) {
		const struct global_opt *g = &globals[i];
		const char *v = g->env && etcd ? getenv(g->env) : NULL;

		if (given[i] || !v || !*v)
			continue;
		if (g->str)
			*g->str = v;
		else
			*g->flag = strcmp(v, "0") != 0;
	}
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
	struct option opts[NGLOBALS + 4] = {
		[NGLOBALS] = { "netns", required_argument, NULL, 'n' },
		[NGLOBALS + 1] = { "verbose", no_argument, NULL, 'v' },
		[NGLOBALS + 2] = { "help", no_argument, NULL, 'h' },
	};
	unsigned char given[NGLOBALS] = {};
	int c;

	for (size_t i = 0; i < NGLOBALS; i++)
		opts[i] = (struct option){ globals[i].name, globals[i].meta ? required_argument : no_argument,
					   NULL, 256 + (int)i };
	log_init(0);
	opterr = 0;
	/* '+': stop at the first non-option, the command. */
	while ((c = getopt_long(argc, argv, "+:n:vh", opts, NULL)) != -1) {
		const struct global_opt *g = c >= 256 && c < 256 + (int)NGLOBALS ? &globals[c - 256] : NULL;

		if (g) {
			given[c - 256] = 1;
			if (g->str)
				*g->str = optarg;
			else
				*g->flag = 1;
			continue;
		}
		switch (c) {
		case 'n': vx_opts.netns = optarg; break;
		case 'v': log_init(1); break;
		case 'h': usage(stdout); return 0;
		default: return cli_opt_error(NULL, c, argv);
		}
	}
	globals_from_env(given);
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
