// SPDX-License-Identifier: GPL-2.0-only
/* libFuzzer target: the single-record decoder, what the etcd store does
 * with the value of /vxnet/{nodes,networks,endpoints}/NAME
 * (state_record_from_json, user/lib/state_json.c), then the record judged
 * by state_validate inside a small valid state.
 *
 * Input: one byte of kind (0 node, 1 network, 2 endpoint; mod 3), then the
 * value's bytes (a length is passed: NULs included). Checks besides
 * ASan/UBSan (fuzz.h):
 *   - 0 with exactly one record appended and no output, or an error with
 *     one line and the state untouched;
 *   - the record written back (state_record_to_json) decodes to the same
 *     text;
 *   - state_validate of the base state plus the record: 0 and no output, or
 *     one line.
 * Seeds: tests/fuzz/corpus/record/ (first byte 0x00, 0x01, 0x02).
 */
#include "fuzz.h"
#include "state.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fz_init();
	return 0;
}

static size_t count(const struct vx_state *st, enum vx_rec_kind kind)
{
	return kind == VX_REC_NODE ? st->nnodes : kind == VX_REC_NETWORK ? st->nnetworks :
	       st->nendpoints;
}

static const void *record(const struct vx_state *st, enum vx_rec_kind kind, size_t i)
{
	return kind == VX_REC_NODE ? (const void *)&st->nodes[i] :
	       kind == VX_REC_NETWORK ? (const void *)&st->networks[i] :
	       (const void *)&st->endpoints[i];
}

/* What the other records refer to: node h1, network blue 10.1.0.0/24 with
 * endpoint c1, as in the README's state file.
 */
static const char base_json[] =
	"{\"version\": 1,"
	" \"nodes\": [{\"name\": \"h1\", \"address\": \"198.18.1.2\"}],"
	" \"networks\": [{\"name\": \"blue\", \"vni\": 4096, \"mtu\": 0,"
	"   \"subnets\": [{\"subnet\": \"10.1.0.0/24\", \"gateway\": \"10.1.0.1\"}]}],"
	" \"endpoints\": [{\"name\": \"c1\", \"network\": \"blue\", \"node\": \"h1\","
	"   \"ip\": \"10.1.0.2\", \"mac\": \"02:42:0a:01:00:02\"}]}";

static void check_round_trip(enum vx_rec_kind kind, const void *rec)
{
	char *text = state_record_to_json(kind, rec), *text2;
	struct vx_state one;

	if (!text)
		fz_fail("state_record_to_json failed on a decoded record");
	state_init(&one);
	fz_begin();
	if (state_record_from_json(&one, kind, text, strlen(text), "round-trip") ||
	    count(&one, kind) != 1)
		fz_fail("state_record_to_json wrote what state_record_from_json refuses: %s", text);
	fz_end();
	fz_expect_lines("state_record_from_json after the round trip", 0, 0);
	text2 = state_record_to_json(kind, record(&one, kind, 0));
	if (!text2 || strcmp(text, text2))
		fz_fail("written twice, different: %s --- %s", text, text2 ? text2 : "(NULL)");
	free(text);
	free(text2);
	state_free(&one);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	enum vx_rec_kind kind;
	struct vx_state st;
	size_t before;
	int err, valid;

	if (size < 1)
		return 0;
	kind = data[0] % 3;
	if (state_from_json_text(&st, base_json, "base") || state_validate(&st, "base"))
		fz_fail("the base state does not load");
	before = count(&st, kind);

	fz_begin();
	err = state_record_from_json(&st, kind, (const char *)data + 1, size - 1, "etcd /vxnet/x");
	fz_end();
	fz_expect_lines("state_record_from_json", err != 0, err != 0);
	if (count(&st, kind) != before + !err)
		fz_fail("state_record_from_json returned %d and left %zu records, %zu before", err,
			count(&st, kind), before);
	if (err)
		goto cleanup;

	check_round_trip(kind, record(&st, kind, before));
	fz_begin();
	valid = state_validate(&st, "etcd") == 0;
	fz_end();
	fz_expect_lines("state_validate", !valid, !valid);
cleanup:
	state_free(&st);
	fz_free();
	return 0;
}
