// SPDX-License-Identifier: GPL-2.0-only
/* Reserved local ports (ports.h). */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ports.h"
#include "proc.h"

static int port_in(const struct port_set *s, unsigned int p)
{
	return s->bits[p / 64] >> (p % 64) & 1;
}

void ports_set_range(struct port_set *s, unsigned int lo, unsigned int hi, int on)
{
	for (unsigned int p = lo; p <= hi && p < 65536; p++) {
		if (on)
			s->bits[p / 64] |= 1ull << (p % 64);
		else
			s->bits[p / 64] &= ~(1ull << (p % 64));
	}
}

int ports_cover(const struct port_set *s, unsigned int lo, unsigned int hi)
{
	for (unsigned int p = lo; p <= hi && p < 65536; p++)
		if (!port_in(s, p))
			return 0;
	return 1;
}

int ports_equal(const struct port_set *a, const struct port_set *b)
{
	return !memcmp(a->bits, b->bits, sizeof(a->bits));
}

/* A decimal port at *p, moving *p past it. */
static int parse_port(const char **p, unsigned int *port)
{
	unsigned long v = 0;
	int n = 0;

	while (isdigit((unsigned char)**p) && n < 6) {
		v = v * 10 + (*(*p)++ - '0');
		n++;
	}
	if (!n || v > 65535 || isdigit((unsigned char)**p))
		return -EINVAL;
	*port = v;
	return 0;
}

int ports_parse(const char *text, struct port_set *s)
{
	const char *p = text;

	memset(s, 0, sizeof(*s));
	while (*p && *p != '\n') {
		unsigned int lo, hi;

		if (parse_port(&p, &lo))
			return -EINVAL;
		hi = lo;
		if (*p == '-') {
			p++;
			if (parse_port(&p, &hi) || hi < lo)
				return -EINVAL;
		}
		ports_set_range(s, lo, hi, 1);
		if (*p == ',')
			p++;
		else if (*p && *p != '\n')
			return -EINVAL;
	}
	return 0;
}

void ports_format(const struct port_set *s, char *buf)
{
	size_t off = 0;

	buf[0] = '\0';
	for (unsigned int p = 0; p < 65536; p++) {
		unsigned int hi = p;

		if (!port_in(s, p))
			continue;
		while (hi + 1 < 65536 && port_in(s, hi + 1))
			hi++;
		if (hi == p)
			off += sprintf(buf + off, "%s%u", off ? "," : "", p);
		else
			off += sprintf(buf + off, "%s%u-%u", off ? "," : "", p, hi);
		p = hi;
	}
}

int ports_read(const char *path, struct port_set *s)
{
	char *text = malloc(PORTS_TEXT_MAX + 1);
	size_t n = 0;
	FILE *f;
	int err;

	if (!text)
		return -ENOMEM;
	f = fopen(path, "r");
	if (!f) {
		err = -errno;
		goto cleanup;
	}
	n = fread(text, 1, PORTS_TEXT_MAX, f);
	err = ferror(f) ? -EIO : 0;
	fclose(f);
	text[n] = '\0';
	err = err ?: ports_parse(text, s);
cleanup:
	free(text);
	return err;
}

int ports_write(const char *path, const struct port_set *s)
{
	char *text = malloc(PORTS_TEXT_MAX + 1);
	int err;

	if (!text)
		return -ENOMEM;
	ports_format(s, text);
	strcat(text, "\n"); /* an empty write leaves the set as it was; "\n" empties it */
	err = proc_write(path, text);
	free(text);
	return err;
}
