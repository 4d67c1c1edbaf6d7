/* SPDX-License-Identifier: GPL-2.0-only */
/* What the libFuzzer targets (tests/fuzz/fuzz_*.c) share: each input's
 * stderr captured, and the checks every parser of outside input must pass
 * besides not crashing under ASan/UBSan:
 *
 *   - what it prints is whole "vxnet: ..." lines, no control characters in
 *     them: a name or key from a state file or an etcd value can neither
 *     split an error into several lines nor reach the terminal as an escape
 *     sequence (README: "a problem gets one line on stderr");
 *   - how many lines: exactly one for a rejected input, none for a good one.
 *
 * stderr and stdout are the library's FILE pointers, swapped for the call:
 * libFuzzer's and the sanitizers' own reports keep their file descriptors.
 * A broken check prints "fuzz: CHECK: ..." with the captured lines and
 * aborts; libFuzzer saves the input (crash-*). VXNET_FUZZ_LAX=1 in the
 * environment skips these output checks (the others stay), to explore past
 * an open report of one.
 */
#ifndef VXNET_FUZZ_H
#define VXNET_FUZZ_H

#define _GNU_SOURCE
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static FILE *fz_stderr;   /* the real one, for our reports */
static int fz_lax;        /* VXNET_FUZZ_LAX: output not checked */
static FILE *fz_capture;  /* this input's stderr */
static char *fz_buf;
static size_t fz_len;

/* Once, from LLVMFuzzerInitialize. */
static inline void fz_init(void)
{
	fz_stderr = stderr;
	fz_lax = getenv("VXNET_FUZZ_LAX") != NULL;
	stdout = fopen("/dev/null", "w"); /* --help, pr_info */
	if (!stdout)
		abort();
}

static inline void fz_free(void)
{
	free(fz_buf);
	fz_buf = NULL;
	fz_len = 0;
}

/* Starts capturing; drops the last capture. */
static inline void fz_begin(void)
{
	fz_free();
	fz_capture = open_memstream(&fz_buf, &fz_len);
	if (!fz_capture)
		abort();
	stderr = fz_capture;
}

/* Ends the capture; the lines stay in fz_buf until the next fz_begin. */
static inline void fz_end(void)
{
	fclose(fz_capture);
	fz_capture = NULL;
	stderr = fz_stderr;
}

__attribute__((format(printf, 1, 2), noreturn))
static inline void fz_fail(const char *fmt, ...)
{
	va_list ap;

	if (fz_capture)
		fz_end();
	fputs("fuzz: CHECK: ", fz_stderr);
	va_start(ap, fmt);
	vfprintf(fz_stderr, fmt, ap);
	va_end(ap);
	fputc('\n', fz_stderr);
	if (fz_buf && fz_len) {
		fputs("fuzz: what it printed, escaped:\n  ", fz_stderr);
		for (size_t i = 0; i < fz_len; i++) {
			unsigned char c = fz_buf[i];

			if (c == '\n')
				fputs("\\n\n  ", fz_stderr);
			else if (c < 0x20 || c == 0x7f || c == '\\')
				fprintf(fz_stderr, "\\x%02x", c);
			else
				fputc(c, fz_stderr);
		}
		fputc('\n', fz_stderr);
	}
	fflush(fz_stderr);
	abort();
}

/* The captured output is min..max whole lines "vxnet: ...", none with a
 * control character; what names the call in a failure.
 */
static inline void fz_expect_lines(const char *what, int min, int max)
{
	static const char prefix[] = "vxnet: ";
	size_t i = 0;
	int n = 0;

	if (fz_lax)
		return;
	while (i < fz_len) {
		const char *nl = memchr(fz_buf + i, '\n', fz_len - i);
		size_t end = nl ? (size_t)(nl - fz_buf) : fz_len;

		if (!nl)
			fz_fail("%s: last line not terminated by a newline", what);
		if (end - i < sizeof(prefix) - 1 || memcmp(fz_buf + i, prefix, sizeof(prefix) - 1))
			fz_fail("%s: line %d does not start with \"vxnet: \" (split by a newline "
				"from the input?)", what, n + 1);
		for (size_t k = i; k < end; k++) {
			unsigned char c = fz_buf[k];

			if (c < 0x20 || c == 0x7f)
				fz_fail("%s: line %d holds control character 0x%02x", what, n + 1, c);
		}
		n++;
		i = end + 1;
	}
	if (n < min || n > max)
		fz_fail("%s: printed %d lines, expected %d..%d", what, n, min, max);
}

/* data as a NUL-terminated string (the input may hold NULs: cut there). */
static inline char *fz_strndup(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (!s)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

#endif
