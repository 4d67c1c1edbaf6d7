// SPDX-License-Identifier: GPL-2.0-only
/* libFuzzer target: how the store reads etcd's gRPC answers (a hostile or
 * broken etcd's) through protobuf-c and user/lib/etcd_rpc.proto:
 * etcd_range_unpack (a RangeResponse and its checks) and the
 * AuthenticateResponse's unpack. Input: a message as etcd would send it.
 * Checks besides ASan/UBSan (fuzz.h):
 *   - etcd_range_unpack gives a message or NULL with a reason, and a
 *     message it gives has no negative revision and no kv without a key;
 *     what it says is its own: it prints nothing;
 *   - every kv of it packs back (the store's next page starts at its
 *     last key) and, unpacked again, is the same key, value and revision;
 *   - a RangeRequest for a key and range end taken from the input packs
 *     and unpacks back to the same fields (the store's request).
 * Seeds: tests/fuzz/corpus/etcd_pb/.
 */
#include "fuzz.h"

#include "etcd_http.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fz_init();
	return 0;
}

static int same(const ProtobufCBinaryData *a, const ProtobufCBinaryData *b)
{
	return a->len == b->len && (!a->len || !memcmp(a->data, b->data, a->len));
}

/* kv packed and unpacked again is itself (as the fields vxnet reads). */
static void kv_round_trip(const Etcdserverpb__KeyValue *kv, size_t i)
{
	size_t n = etcdserverpb__key_value__get_packed_size(kv);
	uint8_t *buf = malloc(n ? n : 1);
	Etcdserverpb__KeyValue *back;

	if (!buf)
		fz_fail("out of memory");
	if (etcdserverpb__key_value__pack(kv, buf) != n)
		fz_fail("kv %zu: packed size differs", i);
	back = etcdserverpb__key_value__unpack(NULL, n, buf);
	if (!back || !same(&back->key, &kv->key) || !same(&back->value, &kv->value) ||
	    back->mod_revision != kv->mod_revision)
		fz_fail("kv %zu: does not read back as itself", i);
	etcdserverpb__key_value__free_unpacked(back, NULL);
	free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	Etcdserverpb__RangeRequest req = ETCDSERVERPB__RANGE_REQUEST__INIT, *rback;
	Etcdserverpb__RangeResponse *r;
	Etcdserverpb__AuthenticateResponse *a;
	const char *why = "unset";
	size_t half = size / 2, len;
	uint8_t *buf;

	fz_begin();
	r = etcd_range_unpack(data, size, &why);
	fz_end();
	fz_expect_lines("etcd_range_unpack", 0, 0);
	if (!r && !why)
		fz_fail("etcd_range_unpack: NULL without a reason");
	if (r && why)
		fz_fail("etcd_range_unpack: a message and a reason (%s)", why);
	if (r && r->header && r->header->revision < 0)
		fz_fail("revision %lld", (long long)r->header->revision);
	for (size_t i = 0; r && i < r->n_kvs; i++) {
		if (r->kvs[i]->mod_revision < 0)
			fz_fail("kv %zu: mod_revision %lld", i, (long long)r->kvs[i]->mod_revision);
		if (!r->kvs[i]->key.len)
			fz_fail("kv %zu: no key", i);
		kv_round_trip(r->kvs[i], i);
	}
	if (r)
		etcdserverpb__range_response__free_unpacked(r, NULL);
	a = etcdserverpb__authenticate_response__unpack(NULL, size, data);
	if (a)
		etcdserverpb__authenticate_response__free_unpacked(a, NULL);

	req.key = (ProtobufCBinaryData){ .data = (uint8_t *)data, .len = half };
	req.range_end = (ProtobufCBinaryData){ .data = (uint8_t *)data + half, .len = size - half };
	req.limit = 10000;
	req.revision = size;
	len = etcdserverpb__range_request__get_packed_size(&req);
	buf = malloc(len);
	if (!buf)
		fz_fail("out of memory");
	if (etcdserverpb__range_request__pack(&req, buf) != len)
		fz_fail("RangeRequest: packed size differs");
	rback = etcdserverpb__range_request__unpack(NULL, len, buf);
	if (!rback || !same(&rback->key, &req.key) || !same(&rback->range_end, &req.range_end) ||
	    rback->limit != req.limit || rback->revision != req.revision)
		fz_fail("RangeRequest of %zu + %zu bytes does not read back", half, size - half);
	etcdserverpb__range_request__free_unpacked(rback, NULL);
	free(buf);
	return 0;
}
