/* SPDX-License-Identifier: GPL-2.0-only */
/* net.ipv4.ip_local_reserved_ports of the current network namespace (it is
 * per namespace): ports the kernel never hands out as ephemeral ones. `up`
 * reserves the egress NAT range there, `down` takes it out again.
 *
 * The file holds comma-separated ports and ranges ("8080,61001-65535");
 * writing it replaces the whole set. A struct port_set is that set as a
 * bitmap: read, change, compare, write back.
 */
#ifndef VXNET_PORTS_H
#define VXNET_PORTS_H

#include <stdint.h>

#define VX_RESERVED_PORTS "/proc/sys/net/ipv4/ip_local_reserved_ports"

struct port_set {
	uint64_t bits[65536 / 64];
};

/* Reads/writes path (VX_RESERVED_PORTS, or a file for tests); 0 or a
 * negative errno (-EINVAL: a malformed file), quiet.
 */
int ports_read(const char *path, struct port_set *s);
int ports_write(const char *path, const struct port_set *s);
/* Parses "8080,61001-65535" (also "" or "\n": none). 0 or -EINVAL. */
int ports_parse(const char *text, struct port_set *s);
/* The set in the file's form, without a newline; buf of at least
 * PORTS_TEXT_MAX bytes.
 */
#define PORTS_TEXT_MAX (6 * 65536 + 1)
void ports_format(const struct port_set *s, char *buf);

void ports_set_range(struct port_set *s, unsigned int lo, unsigned int hi, int on);
/* Whether every port of lo..hi is in s. */
int ports_cover(const struct port_set *s, unsigned int lo, unsigned int hi);
int ports_equal(const struct port_set *a, const struct port_set *b);

#endif
