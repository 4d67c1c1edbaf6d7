// SPDX-License-Identifier: GPL-2.0-only
/* libFuzzer target: the address parsers every state value, etcd record and
 * command-line address goes through (user/lib/addr.c).
 *
 * Input: one selector byte (mod 3: parse_ipv4, parse_cidr, parse_mac), then
 * the string (cut at the first NUL). Checks besides ASan/UBSan: what
 * parses formats back to the same text (a dotted quad has no leading
 * zeros; a MAC compares case-insensitively); a CIDR with host bits set
 * (-EDOM) gives the masked network, whose text parses to 0; the subnet
 * helpers agree with the prefix.
 * Seeds: tests/fuzz/corpus/addr/.
 */
#include "fuzz.h" /* first: _GNU_SOURCE */
#include <arpa/inet.h>
#include <errno.h>
#include <strings.h>

#include "state.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fz_init();
	return 0;
}

static void check_ipv4(const char *s)
{
	uint32_t a;
	char buf[16];

	if (parse_ipv4(s, &a))
		return;
	format_ipv4(a, buf);
	if (strcmp(buf, s))
		fz_fail("parse_ipv4('%s') formats as '%s'", s, buf);
}

static void check_cidr(const char *s)
{
	struct vx_subnet sub = {};
	uint32_t a, a2;
	uint8_t p, p2;
	char buf[20];
	int err = parse_cidr(s, &a, &p);

	if (err && err != -EDOM) {
		if (err != -EINVAL)
			fz_fail("parse_cidr('%s') returned %d", s, err);
		return;
	}
	if (p > 32)
		fz_fail("parse_cidr('%s'): prefix %u", s, p);
	if (a & ~prefix_mask(p))
		fz_fail("parse_cidr('%s'): host bits left in the network", s);
	format_cidr(a, p, buf);
	if (!err && strcmp(buf, s))
		fz_fail("parse_cidr('%s') formats as '%s'", s, buf);
	if (parse_cidr(buf, &a2, &p2) || a2 != a || p2 != p)
		fz_fail("parse_cidr('%s'): its network '%s' does not parse back", s, buf);
	sub.addr = a;
	sub.prefix = p;
	if ((subnet_broadcast(&sub) & prefix_mask(p)) != a)
		fz_fail("'%s': broadcast outside the subnet", s);
}

static void check_mac(const char *s)
{
	uint8_t mac[6];
	char buf[18];

	if (parse_mac(s, mac))
		return;
	format_mac(mac, buf);
	if (strcasecmp(buf, s))
		fz_fail("parse_mac('%s') formats as '%s'", s, buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s;

	if (size < 1)
		return 0;
	s = fz_strndup(data + 1, size - 1);
	switch (data[0] % 3) {
	case 0: check_ipv4(s); break;
	case 1: check_cidr(s); break;
	default: check_mac(s); break;
	}
	free(s);
	return 0;
}
