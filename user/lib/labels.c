// SPDX-License-Identifier: GPL-2.0-only
/* A network's labels and options as "KEY=VALUE\0" entries in a fixed
 * buffer, and its ID and creation time (state.h).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "state.h"

const char *lbl_next(const char *buf, uint16_t len, const char *e)
{
	e = e ? e + strlen(e) + 1 : buf;
	return e < buf + len ? e : NULL;
}

size_t lbl_key_len(const char *e)
{
	return strcspn(e, "=");
}

/* The entry of key, or NULL. */
static const char *find(const char *buf, uint16_t len, const char *key)
{
	size_t kl = strlen(key);

	for (const char *e = lbl_next(buf, len, NULL); e; e = lbl_next(buf, len, e))
		if (lbl_key_len(e) == kl && !memcmp(e, key, kl))
			return e;
	return NULL;
}

const char *lbl_get(const char *buf, uint16_t len, const char *key)
{
	const char *e = find(buf, len, key);

	return e ? e + strlen(key) + (e[strlen(key)] == '=') : NULL;
}

int lbl_del(char *buf, uint16_t *len, const char *key)
{
	char *e = (char *)find(buf, *len, key);
	size_t n;

	if (!e)
		return -ENOENT;
	n = strlen(e) + 1;
	memmove(e, e + n, buf + *len - (e + n));
	*len -= n;
	return 0;
}

int lbl_set(char *buf, size_t cap, uint16_t *len, const char *key, const char *value)
{
	const char *old = find(buf, *len, key);
	size_t need = strlen(key) + 1 + strlen(value) + 1;
	size_t freed = old ? strlen(old) + 1 : 0;

	if (*len - freed + need > cap)
		return -ENOSPC;
	if (old)
		lbl_del(buf, len, key); /* the new value goes last, as Docker's map prints it */
	snprintf(buf + *len, need, "%s=%s", key, value);
	*len += need;
	return 0;
}

static int control(unsigned char c)
{
	return c < 0x20 || c == 0x7f;
}

const char *lbl_check_key(const char *key, size_t len)
{
	if (!len)
		return "is empty";
	if (len > VX_LABEL_KEY_MAX)
		return "is longer than 128 bytes";
	for (size_t i = 0; i < len; i++)
		if (control(key[i]))
			return "holds a control character";
	return memchr(key, '=', len) ? "holds '='" : NULL;
}

const char *lbl_check_value(const char *value)
{
	for (; *value; value++)
		if (control(*value))
			return "holds a control character";
	return NULL;
}

int network_stamp(struct vx_network *n)
{
	unsigned char r[VX_ID_LEN / 2];
	struct timespec ts;
	struct tm tm;
	char sec[24];

	if (getrandom(r, sizeof(r), 0) != (ssize_t)sizeof(r))
		return -errno ?: -EIO;
	for (size_t i = 0; i < sizeof(r); i++)
		snprintf(n->id + 2 * i, 3, "%02x", r[i]);
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(sec, sizeof(sec), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(n->created, sizeof(n->created), "%s.%09ldZ", sec, ts.tv_nsec);
	return 0;
}
