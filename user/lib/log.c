// SPDX-License-Identifier: GPL-2.0-only
/* Verbosity and libbpf's output (log.h). */
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
