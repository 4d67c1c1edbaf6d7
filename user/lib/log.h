/* SPDX-License-Identifier: GPL-2.0-only */
/* Logging: every user-visible error is one line on stderr, prefixed "vxnet: ". */
#ifndef VXNET_LOG_H
#define VXNET_LOG_H

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

extern int vx_verbose;
/* Sets vx_verbose; libbpf prints only with it. */
void log_init(int verbose);

#define pr_err(fmt, ...) fprintf(stderr, "vxnet: " fmt "\n", ##__VA_ARGS__)
#define pr_warn(fmt, ...) fprintf(stderr, "vxnet: warning: " fmt "\n", ##__VA_ARGS__)
#define pr_info(fmt, ...) fprintf(stdout, fmt "\n", ##__VA_ARGS__)
#define pr_debug(fmt, ...)                                                     \
	do {                                                                   \
		if (vx_verbose)                                                \
			fprintf(stderr, "vxnet: debug: " fmt "\n",             \
				##__VA_ARGS__);                                \
	} while (0)

/* One error line about an input: "vxnet: SOURCE: WHERE: message", SOURCE
 * (a file name, an etcd key) and WHERE (a place inside it, "nodes[3]") each
 * left out when NULL. Both return -EINVAL, for `return pr_err_at(...)`.
 */
__attribute__((format(printf, 2, 3)))
int pr_err_at(const char *source, const char *fmt, ...);
__attribute__((format(printf, 3, 0)))
int vpr_err_at(const char *source, const char *where, const char *fmt, va_list ap);

/* s for an error line: control characters (a newline would split the one
 * line, an escape sequence would reach the terminal) become \xNN, the rest
 * is cut with "..." to fit size. NULL stays NULL.
 */
const char *log_printable(const char *s, char *buf, size_t size);

/* stderr goes into a memory file until log_capture_end, which writes what
 * was said to the real stderr and copies its last line into last (left as
 * it was when nothing was said): a plugin's error answer gets the library's
 * own line. One capture at a time.
 */
void log_capture_begin(void);
void log_capture_end(char *last, size_t len);

#endif
