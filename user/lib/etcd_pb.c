// SPDX-License-Identifier: GPL-2.0-only
/* etcd's RangeRequest and RangeResponse in protobuf's wire format (etcd_pb.h). */
#include <errno.h>
#include <string.h>

#include "etcd_pb.h"

/* Wire types. */
enum { WT_VARINT = 0, WT_I64 = 1, WT_LEN = 2, WT_I32 = 5 };

static size_t put_varint(uint8_t *out, uint64_t v)
{
	size_t n = 0;

	do {
		out[n++] = (v & 0x7f) | (v > 0x7f ? 0x80 : 0);
		v >>= 7;
	} while (v);
	return n;
}

size_t pb_range_request(uint8_t *out, size_t size, const void *key, size_t klen,
			const void *end, size_t elen, int64_t limit, int64_t revision)
{
	size_t o = 0;

	/* the largest: two tags and lengths (11 bytes each), two varint fields */
	if (size < klen + elen + 2 * 11 + 2 * 11)
		return 0;
	out[o++] = 1 << 3 | WT_LEN; /* key = 1 */
	o += put_varint(out + o, klen);
	memcpy(out + o, key, klen);
	o += klen;
	out[o++] = 2 << 3 | WT_LEN; /* range_end = 2 */
	o += put_varint(out + o, elen);
	memcpy(out + o, end, elen);
	o += elen;
	if (limit) {
		out[o++] = 3 << 3 | WT_VARINT; /* limit = 3 */
		o += put_varint(out + o, (uint64_t)limit);
	}
	if (revision) {
		out[o++] = 4 << 3 | WT_VARINT; /* revision = 4 */
		o += put_varint(out + o, (uint64_t)revision);
	}
	return o;
}

size_t pb_auth_request(uint8_t *out, size_t size, const char *name, const char *password)
{
	size_t nlen = strlen(name), plen = strlen(password), o = 0;

	if (size < nlen + plen + 2 * 11)
		return 0;
	out[o++] = 1 << 3 | WT_LEN; /* name = 1 */
	o += put_varint(out + o, nlen);
	memcpy(out + o, name, nlen);
	o += nlen;
	out[o++] = 2 << 3 | WT_LEN; /* password = 2 */
	o += put_varint(out + o, plen);
	memcpy(out + o, password, plen);
	return o + plen;
}

/* A cursor over one message. */
struct rd {
	const uint8_t *p, *end;
	const char **why;
};

static int bad(struct rd *r, const char *why)
{
	*r->why = why;
	return -EPROTO;
}

static int varint(struct rd *r, uint64_t *v)
{
	*v = 0;
	for (int shift = 0; shift < 70; shift += 7) {
		if (r->p == r->end)
			return bad(r, "a truncated varint");
		*v |= (uint64_t)(*r->p & 0x7f) << shift;
		if (!(*r->p++ & 0x80))
			return 0;
	}
	return bad(r, "a varint longer than 10 bytes");
}

/* The next field: its number and wire type; a WT_LEN field's bytes in
 * *sub, a varint's value in *v; I32 and I64 fields are skipped.
 */
static int field(struct rd *r, unsigned *num, unsigned *wt, uint64_t *v, struct rd *sub)
{
	uint64_t tag;
	int err = varint(r, &tag);

	if (err)
		return err;
	*num = tag >> 3;
	*wt = tag & 7;
	switch (*wt) {
	case WT_VARINT:
		return varint(r, v);
	case WT_I64:
	case WT_I32:
		if ((size_t)(r->end - r->p) < (*wt == WT_I64 ? 8u : 4u))
			return bad(r, "a truncated fixed-size field");
		r->p += *wt == WT_I64 ? 8 : 4;
		return 0;
	case WT_LEN:
		err = varint(r, v);
		if (err)
			return err;
		if (*v > (uint64_t)(r->end - r->p))
			return bad(r, "a field longer than its message");
		*sub = (struct rd){ .p = r->p, .end = r->p + *v, .why = r->why };
		r->p += *v;
		return 0;
	default:
		return bad(r, "an unknown wire type");
	}
}

/* An int64 that vxnet reads (a revision): varint, not negative. */
static int revision(struct rd *r, unsigned wt, uint64_t v, int64_t *out)
{
	if (wt != WT_VARINT || (int64_t)v < 0)
		return bad(r, "a revision that is not a non-negative varint");
	*out = (int64_t)v;
	return 0;
}

static int header(struct rd *r, int64_t *rev)
{
	while (r->p < r->end) {
		unsigned num, wt;
		uint64_t v;
		struct rd sub;
		int err = field(r, &num, &wt, &v, &sub);

		if (!err && num == 3) /* revision = 3 */
			err = revision(r, wt, v, rev);
		if (err)
			return err;
	}
	return 0;
}

static int key_value(struct rd *r, struct pb_kv *kv)
{
	int have_key = 0;

	memset(kv, 0, sizeof(*kv));
	kv->key = kv->value = (const uint8_t *)"";
	while (r->p < r->end) {
		unsigned num, wt;
		uint64_t v;
		struct rd sub;
		int err = field(r, &num, &wt, &v, &sub);

		if (err)
			return err;
		if ((num == 1 || num == 5) && wt != WT_LEN)
			return bad(r, "a key or value that is not bytes");
		if (num == 1) { /* key = 1 */
			kv->key = sub.p;
			kv->klen = v;
			have_key = 1;
		} else if (num == 5) { /* value = 5 */
			kv->value = sub.p;
			kv->vlen = v;
		} else if (num == 3 && (err = revision(r, wt, v, &kv->mod_revision))) {
			return err; /* mod_revision = 3 */
		}
	}
	return have_key ? 0 : bad(r, "a key-value without a key");
}

int pb_range_response(const uint8_t *p, size_t n, int64_t *rev, int *more,
		      pb_kv_fn fn, void *arg, const char **why)
{
	struct rd r = { .p = p, .end = p + n, .why = why };

	*rev = 0;
	*more = 0;
	while (r.p < r.end) {
		unsigned num, wt;
		uint64_t v;
		struct rd sub;
		struct pb_kv kv;
		int err = field(&r, &num, &wt, &v, &sub);

		if (err)
			return err;
		if ((num == 1 || num == 2) && wt != WT_LEN)
			return bad(&r, "a header or key-value that is not a message");
		if (num == 1) /* header = 1 */
			err = header(&sub, rev);
		else if (num == 2) /* kvs = 2 */
			err = key_value(&sub, &kv) ?: fn(arg, &kv);
		else if (num == 3) /* more = 3 */
			*more = wt == WT_VARINT && v;
		if (err)
			return err;
	}
	return 0;
}

int pb_auth_response(const uint8_t *p, size_t n, const uint8_t **token, size_t *len,
		     const char **why)
{
	struct rd r = { .p = p, .end = p + n, .why = why };

	*token = NULL;
	*len = 0;
	while (r.p < r.end) {
		unsigned num, wt;
		uint64_t v;
		struct rd sub;
		int err = field(&r, &num, &wt, &v, &sub);

		if (err)
			return err;
		if (num == 2 && wt != WT_LEN) /* token = 2 */
			return bad(&r, "a token that is not a string");
		if (num == 2) {
			*token = sub.p;
			*len = v;
		}
	}
	return 0;
}
