// SPDX-License-Identifier: GPL-2.0-only
/* Maglev's table (user/lib/maglev.c) for services of 1 to 64 backends,
 * named as endpoints are and sorted:
 *   - every slot holds a backend, and the same names give the same table;
 *   - balance: each of N backends holds M/N slots, give or take one;
 *   - minimal disruption: taking one of N backends out moves its own slots
 *     (about M/N) and few of the others': measured over every backend
 *     taken out, at most 12% of M and 8% on average. With M = 251 that is
 *     up to about 3 M/N others' slots for 32 backends (the paper's M is
 *     100 times N and moves under 1%: disruption grows as M/N shrinks);
 *     what counts is that the table never reshuffles as a modulo would
 *     (N-1 of N slots moved). Putting it back gives the first table again;
 *     adding a backend takes about M/(N+1) slots and moves as few others;
 *   - the first slots of one table, spelled out: every node must agree.
 * Pure computation: needs no root, leaves nothing behind.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "maglev.h"

static int fails;

#define check(cond, ...)                              \
	do {                                          \
		if (cond) {                           \
			printf("ok ");                \
		} else {                              \
			printf("not ok ");            \
			fails++;                      \
		}                                     \
		printf(__VA_ARGS__);                  \
		printf("\n");                         \
	} while (0)

#define MAXB 65

static char names[MAXB][16];

/* The backends' names without skip (-1: none), sorted as the names are. */
static size_t pick(size_t n, long skip, const char **out)
{
	size_t k = 0;

	for (size_t i = 0; i < n; i++)
		if ((long)i != skip)
			out[k++] = names[i];
	return k;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* table with backend indices turned into names. */
static void fill(const char **v, size_t n, const char *out[MAGLEV_M])
{
	uint32_t t[MAGLEV_M];

	if (maglev_fill(v, n, t)) {
		fails++;
		printf("not ok maglev_fill failed for %zu backends\n", n);
		return;
	}
	for (size_t s = 0; s < MAGLEV_M; s++)
		out[s] = t[s] < n ? v[t[s]] : NULL;
}

static void filled_and_same(size_t n)
{
	const char *v[MAXB], *a[MAGLEV_M], *b[MAGLEV_M];
	size_t holes = 0;

	pick(n, -1, v);
	fill(v, n, a);
	fill(v, n, b);
	for (size_t s = 0; s < MAGLEV_M; s++)
		holes += !a[s];
	check(!holes, "%zu backends: every slot holds a backend (%zu do not)", n, holes);
	check(!memcmp(a, b, sizeof(a)), "%zu backends: the same names give the same table", n);
}

static void balance(size_t n)
{
	const char *v[MAXB], *t[MAGLEV_M];
	size_t lo = MAGLEV_M, hi = 0;

	pick(n, -1, v);
	fill(v, n, t);
	for (size_t i = 0; i < n; i++) {
		size_t c = 0;

		for (size_t s = 0; s < MAGLEV_M; s++)
			c += t[s] == v[i];
		lo = c < lo ? c : lo;
		hi = c > hi ? c : hi;
	}
	check(lo >= MAGLEV_M / n && hi <= (MAGLEV_M + n - 1) / n,
	      "%zu backends: each holds %zu..%zu slots of %d (M/N = %.1f)", n, lo, hi, MAGLEV_M,
	      (double)MAGLEV_M / n);
}

/* One of n out: how many of the others' slots moved, worst and mean over
 * each backend taken out; then back in, the first table again.
 */
static void remove_one(size_t n, double bound, double mean_bound)
{
	const char *all[MAXB], *less[MAXB], *t0[MAGLEV_M], *t1[MAGLEV_M], *t2[MAGLEV_M];
	size_t worst = 0, total = 0, restored = 0;

	pick(n, -1, all);
	fill(all, n, t0);
	for (size_t k = 0; k < n; k++) {
		size_t moved = 0, m = pick(n, k, less);

		fill(less, m, t1);
		for (size_t s = 0; s < MAGLEV_M; s++)
			moved += t0[s] != names[k] && t1[s] != t0[s];
		worst = moved > worst ? moved : worst;
		total += moved;
		/* back in: the names sorted again, as emit.c sorts them */
		less[m++] = names[k];
		qsort(less, m, sizeof(*less), cmp_str);
		fill(less, m, t2);
		restored += !memcmp(t0, t2, sizeof(t0));
	}
	check(worst <= bound * MAGLEV_M && total <= mean_bound * MAGLEV_M * n,
	      "%zu backends, one taken out: its %.1f slots and at most %zu of the others' move (mean %.1f; bounds %.0f and %.0f)",
	      n, (double)MAGLEV_M / n, worst, (double)total / n, bound * MAGLEV_M, mean_bound * MAGLEV_M);
	check(restored == n, "%zu backends: each taken out and put back gives the first table (%zu of %zu)",
	      n, restored, n);
}

/* A backend more: it takes about M/(n+1) slots, few of the others move. */
static void add_one(size_t n, double bound)
{
	const char *v[MAXB], *t0[MAGLEV_M], *t1[MAGLEV_M];
	size_t taken = 0, moved = 0, m;

	pick(n, -1, v);
	fill(v, n, t0);
	m = pick(n + 1, -1, v);
	qsort(v, m, sizeof(*v), cmp_str);
	fill(v, m, t1);
	for (size_t s = 0; s < MAGLEV_M; s++) {
		taken += t1[s] == names[n];
		moved += t1[s] != names[n] && t1[s] != t0[s];
	}
	check(moved <= bound * MAGLEV_M && taken + 1 >= MAGLEV_M / (n + 1),
	      "%zu backends, one added: it takes %zu slots, %zu others move (bound %.0f)", n, taken,
	      moved, bound * MAGLEV_M);
}

/* The table is part of the wire: nodes of one cluster, whatever their
 * build or architecture, must compute it alike. These are its first 24
 * slots for web1, web2, web3; a change of the hashes or the population
 * breaks mixed clusters and must change this line knowingly.
 */
static void golden(void)
{
	const char *v[3] = { "web1", "web2", "web3" };
	char got[25] = "";
	uint32_t t[MAGLEV_M];

	if (!maglev_fill(v, 3, t))
		for (int s = 0; s < 24; s++)
			got[s] = '0' + t[s];
	check(!strcmp(got, "021110022011210022011010"),
	      "web1, web2, web3: the first 24 slots are 021110022011210022011010 (got %s)", got);
}

int main(void)
{
	static const size_t sizes[] = { 1, 2, 3, 4, 5, 8, 10, 16, 20, 32, 50, 64 };
	const char *v[2] = { "a", "b" };
	uint32_t t[MAGLEV_M];

	/* endpoint names, sorted: "web-00" .. "web-64" */
	for (int i = 0; i < MAXB; i++)
		snprintf(names[i], sizeof(names[i]), "web-%02d", i);
	check(maglev_fill(v, 0, t) == -EINVAL, "no backend: -EINVAL");
	golden();
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		size_t n = sizes[i];

		filled_and_same(n);
		balance(n);
		if (n > 1)
			remove_one(n, 0.12, 0.08);
		if (n < MAXB - 1)
			add_one(n, 0.12);
	}
	return fails ? 1 : 0;
}
