/* SPDX-License-Identifier: GPL-2.0-only */
/* Global options and the command entry points main.c dispatches to. Each
 * cmd_* gets argv starting at its own verb (argv[0] = "add", "ls", ...),
 * parses its options with getopt_long, prints one pr_err line on failure and
 * returns 0 or 1 (the process exit code).
 */
#ifndef VXNET_CLI_H
#define VXNET_CLI_H

#include "store.h"

struct vx_opts {
	const char *state;   /* --state / --store, default VX_DEFAULT_STATE */
	const char *pin_dir; /* --pin-dir, default VX_DEFAULT_PIN_DIR */
	const char *netns;   /* -n NETNS, already entered by main */
};

#define VX_DEFAULT_STATE "/var/lib/vxnet/state.json"
#define VX_DEFAULT_PIN_DIR "/sys/fs/bpf/vxnet"

extern struct vx_opts vx_opts;

/* Opens vx_opts.state as a store; prints its own error. */
int cli_open_store(struct vx_store **out);

int cmd_node(int argc, char **argv);
int cmd_network(int argc, char **argv);
int cmd_endpoint(int argc, char **argv);
int cmd_up(int argc, char **argv);
int cmd_down(int argc, char **argv);
int cmd_attach(int argc, char **argv);
int cmd_detach(int argc, char **argv);
int cmd_sync(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_stats(int argc, char **argv);

#endif
