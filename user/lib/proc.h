/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef VXNET_PROC_H
#define VXNET_PROC_H

#include <errno.h>
#include <stdio.h>
#include <time.h>

/* CLOCK_MONOTONIC, in milliseconds. */
static inline long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/* Writes val to a /proc/sys file of the current network namespace. */
static inline int proc_write(const char *path, const char *val)
{
	FILE *f = fopen(path, "w");
	int err = 0;

	if (!f)
		return -errno;
	if (fputs(val, f) < 0)
		err = -EIO;
	if (fclose(f) && !err)
		err = -errno;
	return err;
}

#endif
