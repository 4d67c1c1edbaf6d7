// SPDX-License-Identifier: GPL-2.0-only
/* libFuzzer target: the protobuf reader of etcd's gRPC Range answers
 * (user/lib/etcd_pb.c), which the store's list reads from etcd (a hostile
 * or broken one). Input: a RangeResponse message as etcd would send it.
 * Checks besides ASan/UBSan (fuzz.h):
 *   - pb_range_response returns 0 or -EPROTO (with a reason), nothing else;
 *   - every kv's key and value lie inside the input, its mod_revision and
 *     the header's revision are not negative;
 *   - on -EPROTO nothing is claimed: *more is 0 or 1 either way;
 *   - pb_auth_response on the same input: 0 or -EPROTO, its token inside
 *     the input;
 *   - pb_range_request's message for a key and range end taken from the
 *     input reads back (as a RangeResponse field walk) without error.
 * (The input is also read as an AuthenticateResponse.)
 * Seeds: tests/fuzz/corpus/etcd_pb/.
 */
#include "fuzz.h"
#include <errno.h>

#include "etcd_pb.h"

struct ctx {
	const uint8_t *p;
	size_t n, kvs;
};

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fz_init();
	return 0;
}

static int inside(const struct ctx *c, const uint8_t *q, size_t len)
{
	return q >= c->p && q <= c->p + c->n && len <= (size_t)(c->p + c->n - q);
}

static int on_kv(void *arg, const struct pb_kv *kv)
{
	struct ctx *c = arg;

	if (kv->klen && !inside(c, kv->key, kv->klen))
		fz_fail("kv %zu: key of %zu bytes outside the input", c->kvs, kv->klen);
	if (kv->vlen && !inside(c, kv->value, kv->vlen))
		fz_fail("kv %zu: value of %zu bytes outside the input", c->kvs, kv->vlen);
	if (kv->mod_revision < 0)
		fz_fail("kv %zu: mod_revision %lld", c->kvs, (long long)kv->mod_revision);
	c->kvs++;
	return 0;
}

static int count_kv(void *arg, const struct pb_kv *kv)
{
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ctx c = { .p = data, .n = size };
	const char *why = NULL;
	int64_t rev = -1;
	int more = -1, err;
	uint8_t req[512];
	size_t half = size / 2 > 200 ? 200 : size / 2, len, tlen;
	const uint8_t *tok;

	err = pb_range_response(data, size, &rev, &more, on_kv, &c, &why);
	if (err && err != -EPROTO)
		fz_fail("pb_range_response returned %d", err);
	if (err && !why)
		fz_fail("pb_range_response: -EPROTO without a reason");
	if (rev < 0)
		fz_fail("revision %lld", (long long)rev);
	if (more != 0 && more != 1)
		fz_fail("more %d", more);
	err = pb_auth_response(data, size, &tok, &tlen, &why);
	if (err && err != -EPROTO)
		fz_fail("pb_auth_response returned %d", err);
	if (!err && tok && !inside(&c, tok, tlen))
		fz_fail("token of %zu bytes outside the input", tlen);
	/* A request is a valid message: its fields walk (key=1 and range_end=2
	 * as bytes, limit=3 and revision=4 as varints, which the response
	 * reader takes as header/kvs only when bytes: so it must refuse or
	 * accept without crashing, and a request with no limit and revision
	 * has only bytes fields).
	 */
	len = pb_range_request(req, sizeof(req), data, half, data + half, half, 0, 0);
	if (!len)
		fz_fail("pb_range_request of %zu + %zu bytes did not fit %zu", half, half, sizeof(req));
	pb_range_response(req, len, &rev, &more, count_kv, NULL, &why);
	return 0;
}
