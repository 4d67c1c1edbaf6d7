/* SPDX-License-Identifier: GPL-2.0-only */
/* `vxnet status`'s container interfaces (status_ifaces.c). */
#ifndef VXNET_CLI_STATUS_H
#define VXNET_CLI_STATUS_H

#include <jansson.h>

#include "ifaudit.h"

/* The table, then "summary: N container interfaces, no mismatch" (or "M
 * with a mismatch"). 0 or -ENOMEM.
 */
int status_ifaces_print(const struct vx_if_audit *a);
/* [{"host_ifname", "ifindex", "endpoint", ...}], one object a row. */
json_t *status_ifaces_json(const struct vx_if_audit *a);

#endif
