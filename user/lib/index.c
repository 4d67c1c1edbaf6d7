// SPDX-License-Identifier: GPL-2.0-only
/* Name lookups in O(1) (state.h): one hash table (glibc's hsearch_r) of
 * nodes and one of networks, each holding the first record of a name, as
 * state_find_* finds it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <search.h>
#include <stdlib.h>

#include "state.h"

struct vx_state_index {
	struct hsearch_data nodes, networks;
};

/* Enters n records of sz bytes, each starting with its name; an entered
 * name keeps its first record.
 */
static int table_fill(struct hsearch_data *tab, const void *recs, size_t n, size_t sz)
{
	ENTRY *found;

	if (!hcreate_r(2 * n + 1, tab)) /* half full at most */
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		char *rec = (char *)recs + i * sz;

		if (!hsearch_r((ENTRY){ .key = rec, .data = rec }, ENTER, &found, tab))
			return -ENOMEM;
	}
	return 0;
}

static void *table_find(struct hsearch_data *tab, const char *name)
{
	ENTRY *found;

	if (!hsearch_r((ENTRY){ .key = (char *)name }, FIND, &found, tab))
		return NULL;
	return found->data;
}

struct vx_state_index *state_index_new(const struct vx_state *st)
{
	struct vx_state_index *ix = calloc(1, sizeof(*ix));

	if (!ix)
		return NULL;
	if (table_fill(&ix->nodes, st->nodes, st->nnodes, sizeof(*st->nodes)) ||
	    table_fill(&ix->networks, st->networks, st->nnetworks, sizeof(*st->networks))) {
		state_index_free(ix);
		return NULL;
	}
	return ix;
}

void state_index_free(struct vx_state_index *ix)
{
	if (!ix)
		return;
	hdestroy_r(&ix->nodes);
	hdestroy_r(&ix->networks);
	free(ix);
}

const struct vx_node *state_index_node(struct vx_state_index *ix, const char *name)
{
	return table_find(&ix->nodes, name);
}

const struct vx_network *state_index_network(struct vx_state_index *ix, const char *name)
{
	return table_find(&ix->networks, name);
}
