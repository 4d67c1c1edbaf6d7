/* SPDX-License-Identifier: GPL-2.0-only */
/* Logging: every user-visible error is one line on stderr, prefixed "vxnet: ". */
#ifndef VXNET_LOG_H
#define VXNET_LOG_H

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

#endif
