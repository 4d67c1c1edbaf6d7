// SPDX-License-Identifier: GPL-2.0-only
/* Small helpers the commands share: opening the store, option errors,
 * number parsing and aligned tables.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "log.h"

int cli_open_store(struct vx_store **out)
{
	return store_open(vx_opts.state, out) ? -1 : 0;
}

int cli_opt_error(const char *cmd, int c, char **argv)
{
	const char *opt = argv[optind - 1];

	if (c == ':')
		pr_err("%s: option '%s' needs a value; see vxnet %s --help", cmd, opt, cmd);
	else if (optopt)
		pr_err("%s: unknown option '-%c'; see vxnet %s --help", cmd, optopt, cmd);
	else
		pr_err("%s: unknown option '%s'; see vxnet %s --help", cmd, opt, cmd);
	return 2;
}

int cli_parse_plain(const char *cmd, const char *usage, int argc, char **argv,
		    int min_args, int max_args)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	int c, n;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		if (c == 'h') {
			fputs(usage, stdout);
			return 0;
		}
		return cli_opt_error(cmd, c, argv);
	}
	n = argc - optind;
	if (n < min_args || n > max_args) {
		pr_err("%s: %s arguments; see vxnet %s --help", cmd,
		       n < min_args ? "missing" : "too many", cmd);
		return 2;
	}
	return -1;
}

int cli_parse_u32(const char *s, uint32_t max, uint32_t *out)
{
	unsigned long long v = 0;

	if (!*s)
		return -EINVAL;
	for (; *s; s++) {
		if (!isdigit((unsigned char)*s))
			return -EINVAL;
		v = v * 10 + (*s - '0');
		if (v > max)
			return -ERANGE;
	}
	*out = v;
	return 0;
}

static int table_push(struct cli_table *t, va_list ap)
{
	if (t->cap - t->ncells < (size_t)t->ncols) {
		size_t ncap = t->cap ? t->cap * 2 : 16 * t->ncols;
		char **p = realloc(t->cells, ncap * sizeof(*p));

		if (!p)
			return -ENOMEM;
		t->cells = p;
		t->cap = ncap;
	}
	for (int i = 0; i < t->ncols; i++) {
		const char *s = va_arg(ap, const char *);

		t->cells[t->ncells] = strdup(s ? s : "");
		if (!t->cells[t->ncells])
			return -ENOMEM;
		t->ncells++;
	}
	return 0;
}

int cli_table_init(struct cli_table *t, int ncols, ...)
{
	va_list ap;
	int err;

	memset(t, 0, sizeof(*t));
	t->ncols = ncols;
	va_start(ap, ncols);
	err = table_push(t, ap);
	va_end(ap);
	return err;
}

int cli_table_row(struct cli_table *t, ...)
{
	va_list ap;
	int err;

	va_start(ap, t);
	err = table_push(t, ap);
	va_end(ap);
	return err;
}

void cli_table_print(const struct cli_table *t, FILE *f)
{
	size_t w[32] = {};
	int nc = t->ncols < 32 ? t->ncols : 32;

	for (size_t i = 0; i < t->ncells; i++) {
		size_t col = i % t->ncols, l = strlen(t->cells[i]);

		if (col < (size_t)nc && l > w[col])
			w[col] = l;
	}
	for (size_t i = 0; i + t->ncols <= t->ncells; i += t->ncols) {
		for (int c = 0; c < nc; c++) {
			if (c == nc - 1)
				fprintf(f, "%s\n", t->cells[i + c]);
			else
				fprintf(f, "%-*s  ", (int)w[c], t->cells[i + c]);
		}
	}
}

void cli_table_free(struct cli_table *t)
{
	for (size_t i = 0; i < t->ncells; i++)
		free(t->cells[i]);
	free(t->cells);
	memset(t, 0, sizeof(*t));
}

int cli_store_update(int (*fn)(struct vx_state *st, void *arg), void *arg)
{
	struct vx_store *store = NULL;
	int err;

	err = cli_open_store(&store) ?: store_update(store, fn, arg);
	store_close(store);
	return err ? 1 : 0;
}

int cli_read_state(struct vx_state *st)
{
	struct vx_store *store = NULL;
	int err;

	state_init(st);
	err = cli_open_store(&store) ?: store_read(store, st);
	store_close(store);
	return err ? 1 : 0;
}

/* Whether word is one of the space-separated names. */
static int verb_matches(const char *names, const char *word)
{
	size_t len = strlen(word);

	for (const char *p = names; *p; p += strcspn(p, " "), p += *p == ' ')
		if (!strncmp(p, word, len) && (p[len] == ' ' || !p[len]))
			return 1;
	return 0;
}

int cli_dispatch(const char *object, const struct cli_verb *verbs, const char *usage,
		 const char *expected, int argc, char **argv)
{
	const char *verb = argv[0];

	for (const struct cli_verb *v = verbs; v->names; v++)
		if (verb_matches(v->names, verb))
			return v->fn(argc, argv);
	if (verb_matches("help --help -h", verb)) {
		fputs(usage, stdout);
		return 0;
	}
	pr_err("%s: unknown verb '%s'; expected %s", object, verb, expected);
	return 2;
}

int cli_update_named(const char *cmd, const char *usage,
		     int (*fn)(struct vx_state *st, void *name), int argc, char **argv)
{
	int ret = cli_parse_plain(cmd, usage, argc, argv, 1, 1);

	if (ret >= 0)
		return ret;
	ret = cli_store_update(fn, argv[optind]);
	if (!ret)
		pr_info("%s", argv[optind]);
	return ret;
}
