// SPDX-License-Identifier: GPL-2.0-only
/* Maglev's table population (maglev.h). */
#include <errno.h>
#include <stdlib.h>

#include "maglev.h"

_Static_assert(MAGLEV_M == 251, "M must be a prime: each skip then visits every slot");

/* FNV-1a of s, 64 bits, then a seeded splitmix64 finalizer: two seeds give
 * the two independent hashes the paper asks for. Bytes, so the same on
 * every host.
 */
static uint64_t name_hash(const char *s, uint64_t seed)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ull;
	h ^= seed;
	h = (h ^ (h >> 30)) * 0xbf58476d1ce4e5b9ull;
	h = (h ^ (h >> 27)) * 0x94d049bb133111ebull;
	return h ^ (h >> 31);
}

struct maglev_perm {
	uint32_t offset, skip, next;
};

int maglev_fill(const char *const *names, size_t n, uint32_t table[MAGLEV_M])
{
	struct maglev_perm *p;
	size_t filled = 0;

	if (!n)
		return -EINVAL;
	p = calloc(n, sizeof(*p));
	if (!p)
		return -ENOMEM;
	/* Backend i prefers the slots offset, offset + skip, offset + 2 skip... */
	for (size_t i = 0; i < n; i++) {
		p[i].offset = name_hash(names[i], 0x6d61676c65763031ull) % MAGLEV_M;
		p[i].skip = name_hash(names[i], 0x6d61676c65763032ull) % (MAGLEV_M - 1) + 1;
	}
	for (size_t s = 0; s < MAGLEV_M; s++)
		table[s] = UINT32_MAX;
	/* In turns, each backend takes its next preferred slot still free. */
	while (filled < MAGLEV_M) {
		for (size_t i = 0; i < n && filled < MAGLEV_M; i++) {
			uint32_t slot;

			do {
				slot = (p[i].offset + (uint64_t)p[i].next * p[i].skip) % MAGLEV_M;
				p[i].next++;
			} while (table[slot] != UINT32_MAX);
			table[slot] = i;
			filled++;
		}
	}
	free(p);
	return 0;
}
