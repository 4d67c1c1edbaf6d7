// SPDX-License-Identifier: GPL-2.0-only
/* libFuzzer target: how the store reads etcd's gRPC answers (a hostile or
 * broken etcd's) through protobuf-c and user/lib/etcd_rpc.proto:
 * etcd_range_unpack (a RangeResponse and its checks), etcd_watch_unpack
 * (a WatchResponse and its checks), the AuthenticateResponse's unpack, and
 * the watch stream's framing (grpc_frames_feed). Input: a message as etcd
 * would send it, and the same bytes as a stream of gRPC frames.
 * Checks besides ASan/UBSan (fuzz.h):
 *   - etcd_range_unpack gives a message or NULL with a reason, and a
 *     message it gives has no negative revision and no kv without a key;
 *     what it says is its own: it prints nothing;
 *   - every kv of it packs back (the store's next page starts at its
 *     last key) and, unpacked again, is the same key, value and revision;
 *   - a RangeRequest for a key and range end taken from the input packs
 *     and unpacks back to the same fields (the store's request);
 *   - etcd_watch_unpack gives a message or NULL with a reason, silently,
 *     and a message it gives has no negative revision and only puts and
 *     deletes of a key at a positive revision;
 *   - the input as a frame stream, fed whole, one byte at a time and cut
 *     in two where its first byte says, gives the same messages (count
 *     and bytes) and the same end (0, -EPROTO, -EFBIG with a reason), and
 *     never a message over the bound (64 bytes, so that it is hit).
 * Seeds: tests/fuzz/corpus/etcd_pb/.
 */
#include <errno.h>

#include "fuzz.h"

#include "etcd_grpc.h"

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

static void check_watch(const Etcdserverpb__WatchResponse *w)
{
	if ((w->header && w->header->revision < 0) || w->compact_revision < 0)
		fz_fail("WatchResponse: a negative revision");
	for (size_t i = 0; i < w->n_events; i++) {
		const Etcdserverpb__Event *ev = w->events[i];

		if (ev->type != ETCDSERVERPB__EVENT__EVENT_TYPE__PUT &&
		    ev->type != ETCDSERVERPB__EVENT__EVENT_TYPE__DELETE)
			fz_fail("event %zu: type %d", i, ev->type);
		if (!ev->kv || !ev->kv->key.len || ev->kv->mod_revision <= 0)
			fz_fail("event %zu: no key or no revision", i);
	}
}

#define FRAME_MAX 64

/* What a frame stream gave: how many messages, a hash of their bytes. */
struct seen {
	size_t n;
	uint64_t hash;
};

static int on_msg(void *arg, const uint8_t *p, size_t len)
{
	struct seen *s = arg;

	if (len > FRAME_MAX)
		fz_fail("a message of %zu bytes, over the bound %d", len, FRAME_MAX);
	s->n++;
	s->hash = (s->hash ^ len) * 0x100000001b3ull;
	for (size_t i = 0; i < len; i++)
		s->hash = (s->hash ^ p[i]) * 0x100000001b3ull;
	return 0;
}

/* Feeds data in pieces of at most step bytes (0: whole). */
static int feed(const uint8_t *data, size_t size, size_t step, struct seen *s, const char **why)
{
	struct grpc_frames f = {};
	size_t off = 0;
	int err = 0;

	*s = (struct seen){ .hash = 0xcbf29ce484222325ull };
	*why = NULL;
	do {
		size_t n = step && size - off > step ? step : size - off;

		err = grpc_frames_feed(&f, data + off, n, FRAME_MAX, on_msg, s, why);
		off += n;
	} while (!err && off < size);
	grpc_frames_free(&f);
	if (err && err != -EPROTO && err != -EFBIG)
		fz_fail("grpc_frames_feed: %d", err);
	if (!err != !*why)
		fz_fail("grpc_frames_feed: %d with reason %s", err, *why ? *why : "none");
	return err;
}

static void check_frames(const uint8_t *data, size_t size)
{
	struct seen whole, bytes, two;
	const char *why;
	int e0, e1, e2;
	size_t cut = size ? data[0] % (size + 1) : 0;

	e0 = feed(data, size, 0, &whole, &why);
	e1 = feed(data, size, 1, &bytes, &why);
	if (e0 != e1 || whole.n != bytes.n || whole.hash != bytes.hash)
		fz_fail("frames: whole %d/%zu, a byte at a time %d/%zu", e0, whole.n, e1, bytes.n);
	e2 = cut ? feed(data, size, cut, &two, &why) : e0;
	if (cut && (e0 != e2 || whole.n != two.n || whole.hash != two.hash))
		fz_fail("frames: whole %d/%zu, in pieces of %zu %d/%zu", e0, whole.n, cut, e2, two.n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	Etcdserverpb__WatchResponse *w;
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
	why = "unset";
	fz_begin();
	w = etcd_watch_unpack(data, size, &why);
	fz_end();
	fz_expect_lines("etcd_watch_unpack", 0, 0);
	if (!w == !why)
		fz_fail("etcd_watch_unpack: %s and %s", w ? "a message" : "NULL", why ? why : "no reason");
	if (w) {
		check_watch(w);
		etcdserverpb__watch_response__free_unpacked(w, NULL);
	}
	check_frames(data, size);
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
