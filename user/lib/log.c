// SPDX-License-Identifier: GPL-2.0-only
/* Verbosity, libbpf's output and error lines about an input (log.h). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <bpf/libbpf.h>

#include "log.h"

int vx_verbose;

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	/* Our own error line says what failed; -v shows libbpf's details. */
	if (!vx_verbose)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

void log_init(int verbose)
{
	vx_verbose = verbose;
	libbpf_set_print(libbpf_print);
}

int vpr_err_at(const char *source, const char *where, const char *fmt, va_list ap)
{
	flockfile(stderr); /* one line, not interleaved with another thread's */
	fputs("vxnet: ", stderr);
	if (source)
		fprintf(stderr, "%s: ", source);
	if (where)
		fprintf(stderr, "%s: ", where);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	funlockfile(stderr);
	return -EINVAL;
}

int pr_err_at(const char *source, const char *fmt, ...)
{
	va_list ap;
	int err;

	va_start(ap, fmt);
	err = vpr_err_at(source, NULL, fmt, ap);
	va_end(ap);
	return err;
}
