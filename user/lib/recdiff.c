// SPDX-License-Identifier: GPL-2.0-only
/* The record diff (recdiff.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "recdiff.h"

static int rec_cmp(const void *a, const void *b)
{
	return strcmp(((const struct rec_text *)a)->name, ((const struct rec_text *)b)->name);
}

static size_t kind_count(const struct vx_state *st, int kind)
{
	return kind == VX_REC_NODE ? st->nnodes : kind == VX_REC_NETWORK ? st->nnetworks :
	       st->nendpoints;
}

static const void *kind_rec(const struct vx_state *st, int kind, size_t i)
{
	return kind == VX_REC_NODE ? (const void *)&st->nodes[i] :
	       kind == VX_REC_NETWORK ? (const void *)&st->networks[i] :
					(const void *)&st->endpoints[i];
}

static const char *kind_name(const struct vx_state *st, int kind, size_t i)
{
	return kind == VX_REC_NODE ? st->nodes[i].name :
	       kind == VX_REC_NETWORK ? st->networks[i].name : st->endpoints[i].name;
}

static void texts_free(struct rec_text *r, size_t n)
{
	for (size_t i = 0; r && i < n; i++)
		free(r[i].json);
	free(r);
}

/* The records of one kind as sorted (name, JSON) pairs; NULL: ENOMEM. */
static struct rec_text *texts(const struct vx_state *st, int kind, size_t *n)
{
	size_t cnt = kind_count(st, kind);
	struct rec_text *r = calloc(cnt + 1, sizeof(*r));

	*n = cnt;
	if (!r)
		return NULL;
	for (size_t i = 0; i < cnt; i++) {
		snprintf(r[i].name, sizeof(r[i].name), "%s", kind_name(st, kind, i));
		r[i].rec = kind_rec(st, kind, i);
		r[i].json = state_record_to_json(kind, r[i].rec);
		if (!r[i].json) {
			texts_free(r, i);
			return NULL;
		}
	}
	qsort(r, cnt, sizeof(*r), rec_cmp);
	return r;
}

int rec_snap(const struct vx_state *st, struct rec_snap *out)
{
	*out = (struct rec_snap){};
	for (int k = 0; k < VX_REC_KINDS; k++) {
		out->r[k] = texts(st, k, &out->n[k]);
		if (!out->r[k]) {
			rec_snap_free(out);
			return -ENOMEM;
		}
	}
	return 0;
}

void rec_snap_free(struct rec_snap *s)
{
	for (int k = 0; k < VX_REC_KINDS; k++)
		texts_free(s->r[k], s->n[k]);
	*s = (struct rec_snap){};
}

/* One kind: a merge of two name-sorted lists. */
static int diff_kind(int kind, const struct rec_text *o, size_t no, const struct rec_text *n,
		     size_t nn, recdiff_fn fn, void *arg)
{
	size_t i = 0, j = 0;
	int err = 0;

	while ((i < no || j < nn) && !err) {
		int c = i == no ? 1 : j == nn ? -1 : strcmp(o[i].name, n[j].name);

		if (c < 0) {
			err = fn(arg, kind, o[i].name, NULL, NULL);
			i++;
			continue;
		}
		if (c > 0 || strcmp(o[i].json, n[j].json))
			err = fn(arg, kind, n[j].name, n[j].json, n[j].rec);
		if (c == 0)
			i++;
		j++;
	}
	return err;
}

int recdiff(const struct rec_snap *old, const struct rec_snap *new, recdiff_fn fn, void *arg)
{
	int err = 0;

	for (int k = 0; k < VX_REC_KINDS && !err; k++)
		err = diff_kind(k, old->r[k], old->n[k], new->r[k], new->n[k], fn, arg);
	return err;
}
