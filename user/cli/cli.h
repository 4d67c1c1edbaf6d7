/* SPDX-License-Identifier: GPL-2.0-only */
/* Global options and the command entry points main.c dispatches to. Each
 * cmd_* gets argv starting at its own verb (argv[0] = "add", "ls", ...),
 * parses its options with getopt_long, prints one pr_err line on failure and
 * returns 0 or 1 (the process exit code).
 */
#ifndef VXNET_CLI_H
#define VXNET_CLI_H

#include <stdio.h>

#include "store.h"

struct vx_opts {
	const char *state;   /* --state / --store (file:PATH, PATH or etcd://...), default VX_DEFAULT_STATE */
	const char *pin_dir; /* --pin-dir, default VX_DEFAULT_PIN_DIR */
	const char *netns;   /* -n NETNS, already entered by main */
};

#define VX_DEFAULT_STATE "/var/lib/vxnet/state.json"
#define VX_DEFAULT_PIN_DIR "/sys/fs/bpf/vxnet"

extern struct vx_opts vx_opts;

/* Opens vx_opts.state as a store; prints its own error. */
int cli_open_store(struct vx_store **out);
/* Opens the store and changes the state with fn (store_update); 0 or 1. */
int cli_store_update(int (*fn)(struct vx_state *st, void *arg), void *arg);
/* `vxnet OBJECT VERB ...`: runs the verb whose names (space-separated
 * aliases) match argv[0]; help prints usage; anything else is one error line.
 * verbs ends with an entry whose names is NULL.
 */
struct cli_verb {
	const char *names;
	int (*fn)(int argc, char **argv);
};
int cli_dispatch(const char *object, const struct cli_verb *verbs, const char *usage,
		 const char *expected, int argc, char **argv);

/* `vxnet OBJECT VERB NAME`: one argument, the state changed by fn(st, NAME),
 * NAME printed on success; 0, 1 or 2.
 */
int cli_update_named(const char *cmd, const char *usage,
		     int (*fn)(struct vx_state *st, void *name), int argc, char **argv);
/* Opens the store and reads the state into st; 0 or 1 (the error printed). */
int cli_read_state(struct vx_state *st);

/* Shared helpers for the cmd_* files (cli.c). */
/* Parses a verb that takes only --help and between min and max positional
 * arguments (left at argv[optind..]). Returns -1 to go on, else the exit
 * code: 0 after printing usage for --help, 2 after a one-line usage error.
 */
int cli_parse_plain(const char *cmd, const char *usage, int argc, char **argv,
		    int min_args, int max_args);
/* One usage-error line for getopt_long's '?' or ':' (optstring starts with
 * ':'); returns 2.
 */
int cli_opt_error(const char *cmd, int c, char **argv);
/* Decimal without sign or junk; -EINVAL when malformed, -ERANGE over max. */
int cli_parse_u32(const char *s, uint32_t max, uint32_t *out);

/* An aligned table: header then rows, columns two spaces apart. */
struct cli_table {
	int ncols;
	size_t ncells, cap;
	char **cells;
};
int cli_table_init(struct cli_table *t, int ncols, ...);  /* ncols header cells */
int cli_table_row(struct cli_table *t, ...);              /* ncols cells */
void cli_table_print(const struct cli_table *t, FILE *f);
void cli_table_free(struct cli_table *t);

int cmd_node(int argc, char **argv);
int cmd_network(int argc, char **argv);
int cmd_endpoint(int argc, char **argv);
int cmd_up(int argc, char **argv);
int cmd_down(int argc, char **argv);
int cmd_attach(int argc, char **argv);
int cmd_detach(int argc, char **argv);
int cmd_sync(int argc, char **argv);
int cmd_agent(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_stats(int argc, char **argv);

#endif
