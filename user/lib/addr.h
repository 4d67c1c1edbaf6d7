/* SPDX-License-Identifier: GPL-2.0-only */
/* IPv4, CIDR and MAC addresses: parsing, formatting, subnet arithmetic.
 * Addresses are __be32 values in network byte order, as in struct in_addr.
 * Included by state.h; pure functions, no state.
 */
#ifndef VXNET_ADDR_H
#define VXNET_ADDR_H

#include <stdint.h>

struct vx_subnet;
struct vx_network;

/* Parsing: 0 or -EINVAL. */
int parse_ipv4(const char *s, uint32_t *addr); /* dotted quad, no leading zeros */
/* parse_cidr returns -EINVAL when malformed and -EDOM when host bits are set;
 * on -EDOM *addr and *prefix hold the masked network, for "did you mean".
 */
int parse_cidr(const char *s, uint32_t *addr, uint8_t *prefix);
int parse_mac(const char *s, uint8_t mac[6]); /* xx:xx:xx:xx:xx:xx */

/* Formatting into the caller's buffer. */
void format_ipv4(uint32_t addr, char buf[16]);
void format_cidr(uint32_t addr, uint8_t prefix, char buf[20]);
void format_mac(const uint8_t mac[6], char buf[18]);

/* Subnets. */
uint32_t prefix_mask(uint8_t prefix); /* network order */
uint32_t subnet_broadcast(const struct vx_subnet *s); /* network order */
/* The subnet of n that holds ip, or NULL. */
const struct vx_subnet *network_subnet_of(const struct vx_network *n, uint32_t ip);

void default_mac(uint32_t ip, uint8_t mac[6]); /* 02:42:a.b.c.d */

#endif
