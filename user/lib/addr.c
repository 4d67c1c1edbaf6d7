// SPDX-License-Identifier: GPL-2.0-only
/* Addresses (addr.h): IPv4, CIDR and MAC parsing and formatting, subnet
 * arithmetic.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "state.h" /* struct vx_subnet, struct vx_network */

/* Dotted quad only: four decimal parts 0..255, no leading zeros. */
int parse_ipv4(const char *s, uint32_t *addr)
{
	struct in_addr a;

	if (!s || inet_pton(AF_INET, s, &a) != 1)
		return -EINVAL;
	*addr = a.s_addr;
	return 0;
}

int parse_cidr(const char *s, uint32_t *addr, uint8_t *prefix)
{
	char ip[INET_ADDRSTRLEN];
	const char *slash, *p;
	unsigned long plen;
	uint32_t a;
	size_t n;

	if (!s)
		return -EINVAL;
	slash = strchr(s, '/');
	if (!slash)
		return -EINVAL;
	n = slash - s;
	if (n == 0 || n >= sizeof(ip))
		return -EINVAL;
	memcpy(ip, s, n);
	ip[n] = '\0';
	if (parse_ipv4(ip, &a))
		return -EINVAL;
	p = slash + 1;
	if (!*p || strlen(p) > 2 || (p[0] == '0' && p[1]))
		return -EINVAL;
	for (const char *q = p; *q; q++)
		if (!isdigit((unsigned char)*q))
			return -EINVAL;
	plen = strtoul(p, NULL, 10);
	if (plen > 32)
		return -EINVAL;
	*prefix = plen;
	*addr = a & prefix_mask(plen);
	return *addr == a ? 0 : -EDOM;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* xx:xx:xx:xx:xx:xx, hex digits in either case. */
int parse_mac(const char *s, uint8_t mac[6])
{
	if (!s || strlen(s) != 17)
		return -EINVAL;
	for (int i = 0; i < 6; i++) {
		int hi = hexval(s[3 * i]), lo = hexval(s[3 * i + 1]);

		if (hi < 0 || lo < 0 || (i < 5 && s[3 * i + 2] != ':'))
			return -EINVAL;
		mac[i] = hi << 4 | lo;
	}
	return 0;
}

void format_ipv4(uint32_t addr, char buf[16])
{
	const uint8_t *b = (const uint8_t *)&addr;

	snprintf(buf, 16, "%u.%u.%u.%u", b[0], b[1], b[2], b[3]);
}

void format_cidr(uint32_t addr, uint8_t prefix, char buf[20])
{
	const uint8_t *b = (const uint8_t *)&addr;

	snprintf(buf, 20, "%u.%u.%u.%u/%u", b[0], b[1], b[2], b[3], prefix);
}

void format_mac(const uint8_t mac[6], char buf[18])
{
	snprintf(buf, 18, "%02x:%02x:%02x:%02x:%02x:%02x",
		 mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
}

uint32_t prefix_mask(uint8_t prefix)
{
	if (prefix == 0)
		return 0;
	if (prefix >= 32)
		return 0xffffffffu;
	return htonl(0xffffffffu << (32 - prefix));
}

uint32_t subnet_broadcast(const struct vx_subnet *s)
{
	return s->addr | ~prefix_mask(s->prefix);
}

const struct vx_subnet *network_subnet_of(const struct vx_network *n, uint32_t ip)
{
	for (int i = 0; i < n->nsubnets; i++) {
		const struct vx_subnet *s = &n->subnets[i];

		if ((ip & prefix_mask(s->prefix)) == s->addr)
			return s;
	}
	return NULL;
}

/* 02:42 followed by the four address bytes, as Docker does. */
void default_mac(uint32_t ip, uint8_t mac[6])
{
	mac[0] = 0x02;
	mac[1] = 0x42;
	memcpy(mac + 2, &ip, 4);
}
