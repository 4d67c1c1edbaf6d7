/* SPDX-License-Identifier: GPL-2.0-only */
/* The vxnet command: global options, option tables and the helpers the
 * cmd_* files share.
 *
 * Every verb is a struct cli_verb: its names, one sentence, a table of
 * rows (one per option or positional argument) and a function. The rows say
 * what each value is (a string, a name, a number, an address, a CIDR, a MAC,
 * one of some words, a flag) and where it goes: an offset into the verb's
 * own struct. One parser (cli.c) reads argv against the table into that
 * struct, turns strings into typed values and reports what is malformed;
 * `vxnet VERB --help` and `vxnet --help` are printed from the same rows.
 * What the values mean (a name's rule, a VNI's range, an address inside a
 * subnet) is state_validate's to judge, once, after the change.
 *
 * Adding an option: a row in the verb's table and a field in its struct.
 * Adding a verb: a struct cli_verb in its object's array (or, for a plain
 * verb, in main.c's command table).
 */
#ifndef VXNET_CLI_H
#define VXNET_CLI_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "state.h"
#include "store.h"

struct vx_opts {
	const char *state;   /* --state / --store (file:PATH, PATH, etcd://... or etcds://...), default VX_DEFAULT_STATE */
	const char *pin_dir; /* --pin-dir, default VX_DEFAULT_PIN_DIR */
	const char *netns;   /* -n NETNS, already entered by main */
	/* --store-ca, --store-cert, --store-key, --store-user,
	 * --store-password-file, --store-allow-plain; each unset one from the
	 * environment (VXNET_STORE_CA, ...; main.c's table).
	 */
	struct vx_store_opts store;
};

#define VX_DEFAULT_STATE "/var/lib/vxnet/state.json"
#define VX_DEFAULT_PIN_DIR "/sys/fs/bpf/vxnet"

extern struct vx_opts vx_opts;

/* What a row's value is, and so what lies at its offset. */
enum cli_type {
	CLI_STR,  /* const char *: the argument itself */
	CLI_NAME, /* char[VX_NAME_MAX]: the name of the record the verb makes;
		   * errors about the other values then name the record */
	CLI_FLAG, /* int, set to 1; takes no value */
	CLI_U32,  /* uint32_t, decimal; min..max when max is not 0 */
	CLI_IPV4, /* uint32_t, network order */
	CLI_CIDR, /* struct vx_subnet: addr (host bits kept) and prefix */
	CLI_MAC,  /* uint8_t[6] */
	CLI_ENUM, /* int: the value of one of choices */
	CLI_PUBLISH, /* struct vx_publish: VX_PUBLISH_SYNTAX; malformed is a
		      * usage error (exit 2) */
};

struct cli_choice {
	const char *word;
	int value;
};

#define CLI_REQUIRED 1u /* an option that must be given */
#define CLI_COUNTED 2u  /* the int at .count gets how many values were given */

/* One option (name set) or positional argument (name NULL; each is
 * required, in table order). Tables end with {}.
 */
struct cli_opt {
	const char *name;   /* long option without "--" */
	const char *meta;   /* placeholder of its value ("CIDR"); of an enum, NULL
			     * shows the choices */
	enum cli_type type;
	size_t off;         /* where the value goes in the verb's struct */
	const char *help;   /* for --help; '\n' starts an indented line */
	unsigned int flags; /* CLI_REQUIRED, CLI_COUNTED */
	int many;           /* repeatable, up to many values at off[0..]; implies CLI_COUNTED */
	size_t count;       /* with CLI_COUNTED: offset of an int */
	const char *label;  /* names the value in errors, e.g. "VNI" */
	uint32_t min, max;  /* CLI_U32 */
	const struct cli_choice *choices; /* CLI_ENUM, ending with {} */
	char letter;        /* a one-letter alias (-j for --json), or 0 */
};

/* A verb: `vxnet OBJECT NAME ...` or `vxnet NAME ...`. run gets a struct of
 * size bytes, first a copy of defaults (zeros when NULL), then filled from
 * argv; it returns the exit code (0, or 1 once it printed one error line).
 */
struct cli_verb {
	const char *names;   /* space-separated: the first is shown, the others are aliases */
	const char *summary; /* one sentence for --help */
	const struct cli_opt *opts; /* NULL: --help only */
	size_t size;
	const void *defaults;
	int (*run)(void *arg);
};

/* A command of main's table: an object with verbs, or a plain verb. */
struct cli_cmd {
	const char *object;           /* "node", ...; NULL for a plain verb */
	const struct cli_verb *verbs; /* the object's, ending with {} */
	const struct cli_verb *verb;  /* the plain verb */
};

/* Runs cmd on argv (argv[0] is the command's name): picks the verb, parses
 * its options, runs it. Returns the exit code: 0 (also after --help), 1
 * (an error, or a malformed value), 2 (a usage error); one stderr line on
 * failure.
 */
int cli_run(const struct cli_cmd *cmd, int argc, char **argv);
/* The one-line synopsis of every verb of cmds, for `vxnet --help`. */
void cli_print_synopses(FILE *f, const struct cli_cmd *cmds, size_t n);
/* One usage-error line for getopt_long's '?' or ':' (optstring starting with
 * ':'); cmd NULL for the global options. Returns 2.
 */
int cli_opt_error(const char *cmd, int c, char **argv);

/* Opens vx_opts.state as a store; prints its own error. */
int cli_open_store(struct vx_store **out);
/* Opens the store and changes the state with fn (store_update), then prints
 * done (when not NULL); 0 or 1.
 */
int cli_store_update(int (*fn)(struct vx_state *st, void *arg), void *arg, const char *done);
/* Opens the store and reads the state into st; 0 or 1 (the error printed). */
int cli_read_state(struct vx_state *st);

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

/* The verbs (cmd_*.c, status.c). */
extern const struct cli_verb node_verbs[], network_verbs[], endpoint_verbs[], nat_verbs[],
	map_verbs[];
extern const struct cli_verb up_verb, down_verb, attach_verb, detach_verb, sync_verb,
	agent_verb, status_verb, stats_verb, metrics_verb, monitor_verb;

#endif
