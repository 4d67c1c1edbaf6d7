// SPDX-License-Identifier: GPL-2.0-only
/* Verbosity, libbpf's output, error lines about an input, and capturing
 * stderr for a plugin's error answer (log.h).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
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

const char *log_printable(const char *s, char *buf, size_t size)
{
	size_t o = 0;

	if (!s)
		return NULL;
	for (; *s && o + 8 <= size; s++) { /* room for "\xNN", "..." and NUL */
		unsigned char c = *s;

		if (c < 0x20 || c == 0x7f)
			o += snprintf(buf + o, size - o, "\\x%02x", c);
		else
			buf[o++] = c;
	}
	strcpy(buf + o, *s ? "..." : "");
	return buf;
}

static int cap_fd = -1, saved_err = -1;

void log_capture_begin(void)
{
	cap_fd = memfd_create("vxnet-stderr", MFD_CLOEXEC);
	if (cap_fd < 0)
		return;
	fflush(stderr);
	saved_err = fcntl(2, F_DUPFD_CLOEXEC, 3);
	dup2(cap_fd, 2);
}

void log_capture_end(char *last, size_t len)
{
	char buf[8192], *l;
	ssize_t n;

	if (cap_fd < 0)
		return;
	fflush(stderr);
	dup2(saved_err, 2);
	close(saved_err);
	n = pread(cap_fd, buf, sizeof(buf) - 1, 0);
	close(cap_fd);
	cap_fd = -1;
	if (n <= 0)
		return;
	buf[n] = 0;
	if (write(2, buf, n) != n)
		n = strlen(buf); /* stderr is gone: the caller still gets the line */
	while (n && buf[n - 1] == '\n')
		buf[--n] = 0;
	for (l = buf + n; l > buf && l[-1] != '\n'; l--)
		;
	if (*l)
		snprintf(last, len, "%s", l);
}
