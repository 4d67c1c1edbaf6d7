// SPDX-License-Identifier: GPL-2.0-only
/* The option tables' reader (cli.h): one parser for every verb, the help
 * printed from the same rows, verb dispatch; and small helpers the commands
 * share: opening the store, aligned tables.
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

/* What each type stores and what errors call it. */
static const struct {
	size_t size;
	const char *article, *noun, *hint;
} types[] = {
	[CLI_STR] = { sizeof(const char *) },
	[CLI_NAME] = { VX_NAME_MAX },
	[CLI_FLAG] = { sizeof(int) },
	[CLI_U32] = { sizeof(uint32_t), "a", "number" },
	[CLI_IPV4] = { sizeof(uint32_t), "an", "IPv4 address" },
	[CLI_CIDR] = { sizeof(struct vx_subnet), "an", "IPv4 CIDR subnet" },
	[CLI_MAC] = { 6, "a", "MAC address", " (expected xx:xx:xx:xx:xx:xx)" },
	[CLI_ENUM] = { sizeof(int) },
	[CLI_PUBLISH] = { sizeof(struct vx_publish) },
};

/* A parse in progress. */
struct parse {
	const char *cmd;     /* "node add", "up" */
	const char *object;  /* "node", or NULL */
	const char *subject; /* the CLI_NAME argument, or NULL */
	char where[128];     /* starts value errors: "node h3" or the command */
};

static size_t word_len(const char *names)
{
	return strcspn(names, " ");
}

/* Whether word is one of the space-separated names. */
static int name_matches(const char *names, const char *word)
{
	size_t len = strlen(word);

	for (const char *p = names; *p; p += word_len(p), p += *p == ' ')
		if (!strncmp(p, word, len) && (p[len] == ' ' || !p[len]))
			return 1;
	return 0;
}

static int nrows(const struct cli_verb *v)
{
	int n = 0;

	while (v->opts && (v->opts[n].name || v->opts[n].meta))
		n++;
	return n;
}

/* "xdp|tc" (sep "|") or "xdp or tc" (sep NULL) into buf. */
static const char *join_choices(const struct cli_choice *c, const char *sep, char *buf, size_t len)
{
	size_t off = 0;

	buf[0] = '\0';
	for (int i = 0; c[i].word && off < len; i++)
		off += snprintf(buf + off, len - off, "%s%s",
				!i ? "" : sep ? sep : c[i + 1].word ? ", " : " or ", c[i].word);
	return buf;
}

static const char *meta_of(const struct cli_opt *o, char *buf, size_t len)
{
	if (!o->meta && o->type == CLI_ENUM)
		return join_choices(o->choices, "|", buf, len);
	return o->meta;
}

/* "--subnet CIDR", "--timestamps" or, for a positional, "NAME"; an option
 * with a letter: "-j|--json" (sep "|", the synopsis) or "-j, --json".
 */
static int format_opt_sep(const struct cli_opt *o, const char *sep, char *buf, size_t len)
{
	char m[64], l[8] = "";

	if (!o->name)
		return snprintf(buf, len, "%s", o->meta);
	if (o->letter)
		snprintf(l, sizeof(l), "-%c%s", o->letter, sep);
	if (o->type == CLI_FLAG)
		return snprintf(buf, len, "%s--%s", l, o->name);
	return snprintf(buf, len, "%s--%s %s", l, o->name, meta_of(o, m, sizeof(m)));
}

static int format_opt(const struct cli_opt *o, char *buf, size_t len)
{
	return format_opt_sep(o, ", ", buf, len);
}

static void print_synopsis(FILE *f, const char *cmd, const struct cli_verb *v)
{
	int n = nrows(v);

	fprintf(f, "vxnet %s", cmd);
	for (int i = 0; i < n; i++) {
		const struct cli_opt *o = &v->opts[i];
		int optional = o->name && !(o->flags & CLI_REQUIRED);
		char s[96];

		format_opt_sep(o, "|", s, sizeof(s));
		fprintf(f, " %s%s%s%s", optional ? "[" : "", s, optional ? "]" : "",
			o->many ? "..." : "");
	}
	fputc('\n', f);
}

static void print_help(FILE *f, const char *cmd, const struct cli_verb *v)
{
	int n = nrows(v), w = strlen("-h, --help");
	char s[96];

	for (int i = 0; i < n; i++) {
		int l = format_opt(&v->opts[i], s, sizeof(s));

		if (v->opts[i].help && l > w)
			w = l;
	}
	fputs("usage: ", f);
	print_synopsis(f, cmd, v);
	fprintf(f, "%s\n", v->summary);
	for (int i = 0; i < n; i++) {
		const char *h = v->opts[i].help;

		if (!h)
			continue;
		format_opt(&v->opts[i], s, sizeof(s));
		fprintf(f, "  %-*s  ", w, s);
		for (; *h; h++) {
			fputc(*h, f);
			if (*h == '\n')
				fprintf(f, "  %-*s  ", w, "");
		}
		fputc('\n', f);
	}
	fprintf(f, "  %-*s  print this help\n", w, "-h, --help");
}

int cli_opt_error(const char *cmd, int c, char **argv)
{
	char opt[3] = { '-', optopt }, where[80] = "", see[80] = "vxnet --help";

	if (cmd) {
		snprintf(where, sizeof(where), "%s: ", cmd);
		snprintf(see, sizeof(see), "vxnet %s --help", cmd);
	}
	if (c == ':')
		pr_err("%soption '%s' needs a value; see %s", where, argv[optind - 1], see);
	else if (optopt >= 256) /* a known long option given a value it does not take */
		pr_err("%soption '%.*s' takes no value; see %s", where,
		       (int)strcspn(argv[optind - 1], "="), argv[optind - 1], see);
	else
		pr_err("%sunknown option '%s'; see %s", where, optopt ? opt : argv[optind - 1], see);
	return 2;
}

/* Decimal without sign or junk; -EINVAL when malformed, -ERANGE over 2^32-1. */
static int parse_u32(const char *s, uint32_t *out)
{
	unsigned long long v = 0;

	if (!*s)
		return -EINVAL;
	for (; *s; s++) {
		if (!isdigit((unsigned char)*s))
			return -EINVAL;
		v = v * 10 + (*s - '0');
		if (v > UINT32_MAX)
			return -ERANGE;
	}
	*out = v;
	return 0;
}

/* A CIDR with its host bits as given: state_validate says what they mean. */
static int parse_subnet(const char *s, struct vx_subnet *sub)
{
	char ip[16];
	size_t n = strcspn(s, "/");
	int err = parse_cidr(s, &sub->addr, &sub->prefix);

	if (err != -EDOM)
		return err;
	memcpy(ip, s, n); /* parse_cidr read an address of n < 16 chars */
	ip[n] = '\0';
	return parse_ipv4(ip, &sub->addr);
}

static int bad_value(const struct parse *p, const struct cli_opt *o, const char *s)
{
	const char *hint = types[o->type].hint ?: "";

	if (p->subject)
		pr_err("%s: %s%s'%s' is not %s %s%s", p->where, o->label ?: "", o->label ? " " : "", s,
		       types[o->type].article, types[o->type].noun, hint);
	else
		pr_err("%s: invalid %s '%s'%s", p->where, types[o->type].noun, s, hint);
	return 1;
}

/* A published port; 0, or 2 after one error line. */
static int convert_publish(const struct parse *p, const struct cli_opt *o, const char *s, void *dst)
{
	int err = parse_publish(s, dst);

	if (err == -ERANGE)
		pr_err("%s: --%s '%s': ports are 1..65535", p->where, o->name, s);
	else if (err)
		pr_err("%s: --%s '%s' is not %s", p->where, o->name, s, VX_PUBLISH_SYNTAX);
	return err ? 2 : 0;
}

/* The value s of row o into dst; 0, or the exit code (1, or 2 for a usage
 * error) after one error line.
 */
static int convert(const struct parse *p, const struct cli_opt *o, const char *s, void *dst)
{
	char list[128];
	uint32_t u;
	int err;

	switch (o->type) {
	case CLI_STR:
		*(const char **)dst = s;
		return 0;
	case CLI_FLAG:
		*(int *)dst = 1;
		return 0;
	case CLI_NAME:
		if (strlen(s) >= VX_NAME_MAX) {
			pr_err("invalid %s name '%s' (must match %s)", p->object ?: p->cmd, s, VX_NAME_RULE);
			return 1;
		}
		strcpy(dst, s);
		return 0;
	case CLI_U32:
		err = parse_u32(s, &u);
		if (o->max && (err || u < o->min || u > o->max)) {
			pr_err("%s: --%s must be %u..%u, not '%s'", p->where, o->name, o->min, o->max, s);
			return 1;
		}
		if (err == -ERANGE) {
			pr_err("%s: %s %s is too large", p->where, o->label ?: o->name, s);
			return 1;
		}
		if (err)
			return bad_value(p, o, s);
		memcpy(dst, &u, sizeof(u));
		return 0;
	case CLI_IPV4:
		return parse_ipv4(s, dst) ? bad_value(p, o, s) : 0;
	case CLI_CIDR:
		return parse_subnet(s, dst) ? bad_value(p, o, s) : 0;
	case CLI_MAC:
		return parse_mac(s, dst) ? bad_value(p, o, s) : 0;
	case CLI_ENUM:
		for (const struct cli_choice *c = o->choices; c->word; c++) {
			if (!strcmp(c->word, s)) {
				*(int *)dst = c->value;
				return 0;
			}
		}
		pr_err("%s: --%s must be %s, not '%s'", p->where, o->name,
		       join_choices(o->choices, NULL, list, sizeof(list)), s);
		return 1;
	case CLI_PUBLISH:
		return convert_publish(p, o, s, dst);
	}
	return 1;
}

/* Names the required options, one missing; returns 2. */
static int missing_required(const struct parse *p, const struct cli_verb *v,
			    const struct cli_opt *miss)
{
	char all[256], s[96];
	size_t off = 0;
	int n = nrows(v), nreq = 0, k = 0;

	for (int i = 0; i < n; i++)
		nreq += !!(v->opts[i].flags & CLI_REQUIRED);
	all[0] = '\0';
	for (int i = 0; i < n && off < sizeof(all); i++) {
		if (!(v->opts[i].flags & CLI_REQUIRED))
			continue;
		format_opt(&v->opts[i], s, sizeof(s));
		k++;
		off += snprintf(all + off, sizeof(all) - off, "%s%s",
				k == 1 ? "" : k == nreq ? " and " : ", ", s);
	}
	if (nreq > 1)
		pr_err("%s: --%s is required (%s are required); see vxnet %s --help",
		       p->cmd, miss->name, all, p->cmd);
	else
		pr_err("%s: --%s is required; see vxnet %s --help", p->cmd, miss->name, p->cmd);
	return 2;
}

/* The values argv gave, in order, and how many each row got. One argument
 * may give several ("-js": two letters), so v grows.
 */
struct given {
	int n, cap, *count;
	struct { const struct cli_opt *o; const char *s; } *v;
};

static int grow_given(struct given *g)
{
	void *v = realloc(g->v, 2 * g->cap * sizeof(*g->v));

	if (!v)
		return -ENOMEM;
	g->v = v;
	g->cap *= 2;
	return 0;
}

/* The options (getopt_long built from the rows); -1 to go on, else the
 * exit code.
 */
static int scan_options(struct parse *p, const struct cli_verb *v, int argc, char **argv,
			struct given *g)
{
	int n = nrows(v), nlo = 0, c, ret = -1;
	struct option *lo = calloc(n + 2, sizeof(*lo));
	char optstring[64] = ":h";
	size_t ol = 2;

	if (!lo) {
		pr_err("%s: out of memory", p->cmd);
		return 1;
	}
	for (int i = 0; i < n; i++)
		if (v->opts[i].name)
			lo[nlo++] = (struct option){ v->opts[i].name,
				v->opts[i].type == CLI_FLAG ? no_argument : required_argument, NULL, 256 + i };
	lo[nlo] = (struct option){ "help", no_argument, NULL, 'h' };
	for (int i = 0; i < n && ol + 3 < sizeof(optstring); i++) {
		if (!v->opts[i].name || !v->opts[i].letter)
			continue;
		optstring[ol++] = v->opts[i].letter;
		if (v->opts[i].type != CLI_FLAG)
			optstring[ol++] = ':';
	}
	optstring[ol] = '\0';
	optind = 0;
	opterr = 0;
	while (ret < 0 && (c = getopt_long(argc, argv, optstring, lo, NULL)) != -1) {
		const struct cli_opt *o = NULL;

		for (int i = 0; c != 'h' && c < 256 && c > 0 && i < n; i++)
			if (v->opts[i].name && v->opts[i].letter == c)
				c = 256 + i;
		if (c >= 256)
			o = &v->opts[c - 256];

		if (c == 'h') {
			print_help(stdout, p->cmd, v);
			ret = 0;
		} else if (!o) {
			ret = cli_opt_error(p->cmd, c, argv);
		} else if (o->many && g->count[c - 256] == o->many) {
			pr_err("%s: at most %d --%s options", p->cmd, o->many, o->name);
			ret = 2;
		} else if (g->n == g->cap && grow_given(g)) {
			pr_err("%s: out of memory", p->cmd);
			ret = 1;
		} else {
			g->count[c - 256]++;
			g->v[g->n].o = o;
			g->v[g->n++].s = optarg;
		}
	}
	free(lo);
	return ret;
}

/* The positional arguments and the required options; -1 to go on, else 2. */
static int scan_arguments(struct parse *p, const struct cli_verb *v, int argc, char **argv,
			  struct given *g)
{
	int n = nrows(v);
	char missing[256] = "";

	for (int i = 0; i < n; i++) {
		const struct cli_opt *o = &v->opts[i];
		size_t l = strlen(missing);

		if (o->name)
			continue;
		if (optind == argc) {
			snprintf(missing + l, sizeof(missing) - l, "%s%s", l ? " " : "", o->meta);
			continue;
		}
		if (g->n == g->cap && grow_given(g)) {
			pr_err("%s: out of memory", p->cmd);
			return 1;
		}
		g->count[i]++;
		g->v[g->n].o = o;
		g->v[g->n++].s = argv[optind];
		if (o->type == CLI_NAME)
			p->subject = argv[optind];
		optind++;
	}
	if (missing[0]) {
		pr_err("%s: missing arguments: %s; see vxnet %s --help", p->cmd, missing, p->cmd);
		return 2;
	}
	if (optind < argc) {
		pr_err("%s: too many arguments: '%s'; see vxnet %s --help", p->cmd, argv[optind],
		       p->cmd);
		return 2;
	}
	for (int i = 0; i < n; i++)
		if ((v->opts[i].flags & CLI_REQUIRED) && !g->count[i])
			return missing_required(p, v, &v->opts[i]);
	return -1;
}

/* Turns the values given into the verb's struct arg; -1, or convert's
 * exit code.
 */
static int convert_all(struct parse *p, const struct cli_verb *v, const struct given *g, char *arg)
{
	if (p->subject && p->object)
		snprintf(p->where, sizeof(p->where), "%s %s", p->object, p->subject);
	else
		snprintf(p->where, sizeof(p->where), "%s", p->cmd);
	for (int i = 0; i < nrows(v); i++) {
		const struct cli_opt *o = &v->opts[i];
		int k = 0;

		for (int j = 0; j < g->n; j++) {
			int ret;

			if (g->v[j].o != o)
				continue;
			ret = convert(p, o, g->v[j].s, arg + o->off + k * types[o->type].size);
			if (ret)
				return ret;
			k += !!o->many; /* a single option: the last one given wins */
		}
		if (o->many || (o->flags & CLI_COUNTED))
			*(int *)(arg + o->count) = o->many ? g->count[i] : !!g->count[i];
	}
	return -1;
}

/* Reads argv against v's rows into arg. Returns -1 to run the verb, else
 * the exit code: 0 after --help, 1 for a malformed value, 2 for a usage
 * error (a malformed --publish too), each error one line.
 */
static int parse(struct parse *p, const struct cli_verb *v, int argc, char **argv, char *arg)
{
	struct given g = { .count = calloc(nrows(v) + 1, sizeof(int)), .cap = argc + 1,
			   .v = calloc(argc + 1, sizeof(*g.v)) };
	int ret = 1;

	if (!g.count || !g.v)
		pr_err("%s: out of memory", p->cmd);
	else
		ret = scan_options(p, v, argc, argv, &g);
	if (ret < 0)
		ret = scan_arguments(p, v, argc, argv, &g);
	if (ret < 0)
		ret = convert_all(p, v, &g, arg);
	free(g.count);
	free(g.v);
	return ret;
}

static int run_verb(const char *object, const struct cli_verb *v, int argc, char **argv)
{
	struct parse p = { .object = object };
	char cmd[64];
	char *arg;
	int ret;

	snprintf(cmd, sizeof(cmd), "%s%s%.*s", object ?: "", object ? " " : "",
		 (int)word_len(v->names), v->names);
	p.cmd = cmd;
	arg = calloc(1, v->size ?: 1);
	if (!arg) {
		pr_err("%s: out of memory", cmd);
		return 1;
	}
	if (v->defaults)
		memcpy(arg, v->defaults, v->size);
	ret = parse(&p, v, argc, argv, arg);
	if (ret < 0)
		ret = v->run(arg);
	free(arg);
	return ret;
}

static void print_cmd_synopses(FILE *f, const char *first, const char *next, const struct cli_cmd *c)
{
	char cmd[64];

	if (c->verb) {
		fputs(first, f);
		print_synopsis(f, c->verb->names, c->verb);
		return;
	}
	for (const struct cli_verb *v = c->verbs; v->names; v++) {
		snprintf(cmd, sizeof(cmd), "%s %.*s", c->object, (int)word_len(v->names), v->names);
		fputs(v == c->verbs ? first : next, f);
		print_synopsis(f, cmd, v);
	}
}

void cli_print_synopses(FILE *f, const struct cli_cmd *cmds, size_t n)
{
	for (size_t i = 0; i < n; i++)
		print_cmd_synopses(f, "  ", "  ", &cmds[i]);
}

int cli_run(const struct cli_cmd *cmd, int argc, char **argv)
{
	char expected[128] = "";
	size_t off = 0;

	if (cmd->verb)
		return run_verb(NULL, cmd->verb, argc, argv);
	if (argc >= 2) {
		for (const struct cli_verb *v = cmd->verbs; v->names; v++)
			if (name_matches(v->names, argv[1]))
				return run_verb(cmd->object, v, argc - 1, argv + 1);
		if (name_matches("help --help -h", argv[1])) {
			print_cmd_synopses(stdout, "usage: ", "       ", cmd);
			return 0;
		}
	}
	for (const struct cli_verb *v = cmd->verbs; v->names && off < sizeof(expected); v++)
		off += snprintf(expected + off, sizeof(expected) - off, "%s%.*s",
				v == cmd->verbs ? "" : v[1].names ? ", " : " or ",
				(int)word_len(v->names), v->names);
	if (argc < 2)
		pr_err("%s: missing verb; expected %s", cmd->object, expected);
	else
		pr_err("%s: unknown verb '%s'; expected %s", cmd->object, argv[1], expected);
	return 2;
}

int cli_open_store(struct vx_store **out)
{
	return store_open(vx_opts.state, &vx_opts.store, out);
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

int cli_store_update(int (*fn)(struct vx_state *st, void *arg), void *arg, const char *done)
{
	struct vx_store *store = NULL;
	int err;

	err = cli_open_store(&store) ?: store_update(store, fn, arg);
	store_close(store);
	if (!err && done)
		pr_info("%s", done);
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
