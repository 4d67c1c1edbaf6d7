/* SPDX-License-Identifier: GPL-2.0-only */
/* A map's wanted content in memory: entries of key_size + value_size bytes,
 * each with the number of records that emitted it, kept sorted by key
 * (memcmp order) once kv_sort ran. Full sync and the agent both make a
 * pinned map equal to one of these with kv_apply.
 */
#ifndef VXNET_KVSET_H
#define VXNET_KVSET_H

#include <stddef.h>
#include <stdint.h>

struct kv_set {
	size_t n, cap, ksz, vsz;
	unsigned char *data; /* n entries of ksz + vsz bytes */
	uint32_t *count;     /* n counts (NULL until kv_sort) */
};

struct kv_result {
	unsigned int added, changed, removed;
};

void kv_init(struct kv_set *s, size_t ksz, size_t vsz);
void kv_free(struct kv_set *s);
static inline void *kv_key(const struct kv_set *s, size_t i)
{
	return s->data + i * (s->ksz + s->vsz);
}
static inline void *kv_val(const struct kv_set *s, size_t i)
{
	return s->data + i * (s->ksz + s->vsz) + s->ksz;
}
/* Appends (unsorted); 0 or -ENOMEM. */
int kv_add(struct kv_set *s, const void *key, const void *val);
/* Sorts by key and merges equal keys: the first value added stays, count
 * says how many were merged. 0 or -ENOMEM.
 */
int kv_sort(struct kv_set *s);
/* Inserts into a sorted set, keeping it sorted; 0 or -ENOMEM. */
int kv_insert(struct kv_set *s, const void *key, const void *val, uint32_t count);
/* Drops the entries of a sorted set whose count is 0. */
void kv_prune(struct kv_set *s);
/* Position of key in a sorted set, or -1. */
ptrdiff_t kv_find(const struct kv_set *s, const void *key);
/* Reads a whole pinned map into s (unsorted), a batch per system call. */
int kv_dump(int fd, struct kv_set *s);

/* Makes the map fd hold want's entries, and none of the keys in scope that
 * want lacks: writes and deletes only the differences, each as one batch.
 * scope NULL: every key of the map (a full sync); else every key of want
 * must be in scope. want and scope must be sorted; res counts what
 * changed. Keys compare whole (an LPM trie's too: prefix length and data,
 * host bits zero), never by longest prefix.
 */
int kv_apply(int fd, const struct kv_set *want, const struct kv_set *scope,
	     struct kv_result *res);

#endif
