// SPDX-License-Identifier: GPL-2.0-only
/* Wanted map contents in memory and the one way they reach a pinned map. */
#define _GNU_SOURCE
#include <endian.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>

#include "kvset.h"

void kv_init(struct kv_set *s, size_t ksz, size_t vsz)
{
	*s = (struct kv_set){ .ksz = ksz, .vsz = vsz };
}

void kv_free(struct kv_set *s)
{
	free(s->data);
	free(s->count);
	kv_init(s, s->ksz, s->vsz);
}

int kv_add(struct kv_set *s, const void *key, const void *val)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 64;
		void *p = realloc(s->data, cap * (s->ksz + s->vsz));

		if (!p)
			return -ENOMEM;
		s->data = p;
		s->cap = cap;
	}
	memcpy(kv_key(s, s->n), key, s->ksz);
	if (s->vsz)
		memcpy(kv_val(s, s->n), val, s->vsz);
	s->n++;
	return 0;
}

/* memcmp's order of key then value, with the keys of 4 and 8 bytes (all
 * but one today) read as big-endian numbers: no call per comparison.
 */
static int cmp_entry(const void *a, const void *b, void *arg)
{
	const struct kv_set *s = arg;
	uint64_t x = 0, y = 0;
	int c;

	if (s->ksz == 4 || s->ksz == 8) {
		memcpy(&x, a, s->ksz);
		memcpy(&y, b, s->ksz);
		x = s->ksz == 8 ? be64toh(x) : be32toh(x);
		y = s->ksz == 8 ? be64toh(y) : be32toh(y);
		c = (x > y) - (x < y);
	} else {
		c = memcmp(a, b, s->ksz);
	}
	return c ? c : memcmp((const char *)a + s->ksz, (const char *)b + s->ksz, s->vsz);
}

int kv_sort(struct kv_set *s)
{
	size_t esz = s->ksz + s->vsz, n = 0;
	uint32_t *count = realloc(s->count, (s->n ? s->n : 1) * sizeof(*count));

	if (!count)
		return -ENOMEM;
	s->count = count;
	if (!s->n)
		return 0;
	/* Whole entries: of the values emitted for one key (records that
	 * disagree, which only an invalid state has) the smallest stays,
	 * whatever order the records came in.
	 */
	qsort_r(s->data, s->n, esz, cmp_entry, s);
	count[0] = 1;
	for (size_t i = 1; i < s->n; i++) {
		if (memcmp(kv_key(s, n), kv_key(s, i), s->ksz)) {
			memmove(kv_key(s, ++n), kv_key(s, i), esz);
			count[n] = 1;
		} else {
			count[n]++;
		}
	}
	s->n = n + 1;
	return 0;
}

int kv_insert(struct kv_set *s, const void *key, const void *val, uint32_t count)
{
	size_t esz = s->ksz + s->vsz, lo = 0, hi = s->n;
	uint32_t *c;
	int err;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (memcmp(kv_key(s, mid), key, s->ksz) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	c = realloc(s->count, (s->n + 1) * sizeof(*c));
	if (!c)
		return -ENOMEM;
	s->count = c;
	err = kv_add(s, key, val);
	if (err)
		return err;
	memmove(kv_key(s, lo + 1), kv_key(s, lo), (s->n - 1 - lo) * esz);
	memmove(c + lo + 1, c + lo, (s->n - 1 - lo) * sizeof(*c));
	memcpy(kv_key(s, lo), key, s->ksz);
	memcpy(kv_val(s, lo), val, s->vsz);
	c[lo] = count;
	return 0;
}

void kv_prune(struct kv_set *s)
{
	size_t n = 0;

	for (size_t i = 0; i < s->n; i++) {
		if (!s->count[i])
			continue;
		if (n != i) {
			memcpy(kv_key(s, n), kv_key(s, i), s->ksz + s->vsz);
			s->count[n] = s->count[i];
		}
		n++;
	}
	s->n = n;
}

ptrdiff_t kv_find(const struct kv_set *s, const void *key)
{
	size_t lo = 0, hi = s->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = memcmp(kv_key(s, mid), key, s->ksz);

		if (!c)
			return mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

int kv_dump(int fd, struct kv_set *s)
{
	const __u32 batch = 8192;
	unsigned char *keys, *vals, token[8];
	int err = 0, done = 0, first = 1;

	keys = malloc((size_t)batch * s->ksz);
	vals = malloc((size_t)batch * s->vsz);
	while (keys && vals && !err && !done) {
		__u32 count = batch;

		if (bpf_map_lookup_batch(fd, first ? NULL : token, token, keys, vals, &count, NULL)) {
			if (errno != ENOENT) /* ENOENT: this was the last batch */
				err = -errno;
			done = 1;
		}
		first = 0;
		for (__u32 i = 0; i < count && !err; i++)
			err = kv_add(s, keys + i * s->ksz, vals + i * s->vsz);
	}
	if (!keys || !vals)
		err = -ENOMEM;
	free(keys);
	free(vals);
	return err;
}

/* Whether fd is an LPM trie, whose lookup answers the longest prefix that
 * matches, not the key asked for.
 */
static int is_lpm(int fd)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);

	return !bpf_obj_get_info_by_fd(fd, &info, &len) && info.type == BPF_MAP_TYPE_LPM_TRIE;
}

/* An LPM trie's entries for the keys of scope: those of the whole map
 * (its keys as they are) that scope holds.
 */
static int kv_lookup_lpm(int fd, const struct kv_set *scope, struct kv_set *cur)
{
	struct kv_set all;
	int err;

	kv_init(&all, cur->ksz, cur->vsz);
	err = kv_dump(fd, &all);
	for (size_t i = 0; i < all.n && !err; i++)
		if (kv_find(scope, kv_key(&all, i)) >= 0)
			err = kv_add(cur, kv_key(&all, i), kv_val(&all, i));
	kv_free(&all);
	return err;
}

/* The map's current entries for the keys of scope (sorted). */
static int kv_lookup(int fd, const struct kv_set *scope, struct kv_set *cur)
{
	unsigned char val[256];
	int err = 0;

	if (cur->vsz > sizeof(val))
		return -E2BIG;
	if (is_lpm(fd))
		return kv_lookup_lpm(fd, scope, cur);
	for (size_t i = 0; i < scope->n && !err; i++)
		if (!bpf_map_lookup_elem(fd, kv_key(scope, i), val))
			err = kv_add(cur, kv_key(scope, i), val);
	return err;
}

static int delete_keys(int fd, const struct kv_set *del, struct kv_result *res)
{
	__u32 count = del->n;

	if (!del->n)
		return 0;
	/* ENOENT: another writer (an agent) removed a key meanwhile; the batch
	 * stops there, so delete the rest one by one.
	 */
	if (bpf_map_delete_batch(fd, del->data, &count, NULL) && errno != ENOENT)
		return -errno;
	res->removed += count;
	for (size_t k = count + 1; k < del->n; k++) {
		if (!bpf_map_delete_elem(fd, kv_key(del, k)))
			res->removed++;
		else if (errno != ENOENT)
			return -errno;
	}
	return 0;
}

static int update_entries(int fd, const struct kv_set *upd)
{
	unsigned char *keys, *vals;
	__u32 count = upd->n;
	int err = 0;

	if (!upd->n)
		return 0;
	keys = malloc(upd->n * upd->ksz);
	vals = malloc(upd->n * upd->vsz);
	if (!keys || !vals)
		err = -ENOMEM;
	for (size_t k = 0; !err && k < upd->n; k++) {
		memcpy(keys + k * upd->ksz, kv_key(upd, k), upd->ksz);
		memcpy(vals + k * upd->vsz, kv_val(upd, k), upd->vsz);
	}
	if (!err && bpf_map_update_batch(fd, keys, vals, &count, NULL))
		err = -errno;
	free(keys);
	free(vals);
	return err;
}

int kv_apply(int fd, const struct kv_set *want, const struct kv_set *scope,
	     struct kv_result *res)
{
	struct kv_set cur, del, upd;
	size_t i = 0, j = 0;
	int err;

	kv_init(&cur, want->ksz, want->vsz);
	kv_init(&del, want->ksz, 0);
	kv_init(&upd, want->ksz, want->vsz);
	err = scope ? kv_lookup(fd, scope, &cur) : kv_dump(fd, &cur);
	err = err ?: kv_sort(&cur);
	while (!err && (i < want->n || j < cur.n)) {
		int d = i == want->n ? 1 : j == cur.n ? -1 :
			memcmp(kv_key(want, i), kv_key(&cur, j), want->ksz);
		int differs = d < 0 || (d == 0 && memcmp(kv_val(want, i), kv_val(&cur, j), want->vsz));

		if (d > 0) {
			err = kv_add(&del, kv_key(&cur, j++), NULL);
			continue;
		}
		if (differs) {
			if (d < 0)
				res->added++;
			else
				res->changed++;
			err = kv_add(&upd, kv_key(want, i), kv_val(want, i));
		}
		i++;
		j += d == 0;
	}
	err = err ?: delete_keys(fd, &del, res) ?: update_entries(fd, &upd);
	kv_free(&cur);
	kv_free(&del);
	kv_free(&upd);
	return err;
}
