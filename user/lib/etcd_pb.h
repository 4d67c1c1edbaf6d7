/* SPDX-License-Identifier: GPL-2.0-only */
/* The messages of etcd's native v3 gRPC API that the store's list speaks
 * (etcdserverpb.KV/Range: RangeRequest, RangeResponse with its
 * ResponseHeader and mvccpb.KeyValue; etcdserverpb.Auth/Authenticate), in
 * protobuf's wire format, written and read by hand: six messages do not
 * need a code generator. The reader
 * takes any input (a hostile etcd's): every length is checked against what
 * is left, varints are at most 10 bytes, unknown fields are skipped by
 * their wire type, and a negative revision is refused.
 */
#ifndef VXNET_ETCD_PB_H
#define VXNET_ETCD_PB_H

#include <stddef.h>
#include <stdint.h>

/* RangeRequest {key, range_end, limit, revision (0: the newest)} into out
 * (size bytes); its length, or 0 when out is too small.
 */
size_t pb_range_request(uint8_t *out, size_t size, const void *key, size_t klen,
			const void *end, size_t elen, int64_t limit, int64_t revision);

/* One KeyValue of a RangeResponse: key and value point into the message. */
struct pb_kv {
	const uint8_t *key, *value;
	size_t klen, vlen;
	int64_t mod_revision;
};

/* Called for each kv in order; a non-zero result stops the reading and is
 * pb_range_response's.
 */
typedef int (*pb_kv_fn)(void *arg, const struct pb_kv *kv);

/* Reads a RangeResponse: *revision (the header's), *more, and fn(arg) for
 * each kv. 0, fn's non-zero result, or -EPROTO (malformed) with the reason
 * in why (a static string).
 */
int pb_range_response(const uint8_t *p, size_t n, int64_t *revision, int *more,
		      pb_kv_fn fn, void *arg, const char **why);

/* AuthenticateRequest {name, password} into out; its length, or 0 when
 * out is too small.
 */
size_t pb_auth_request(uint8_t *out, size_t size, const char *name, const char *password);

/* Reads an AuthenticateResponse: its token in *token (pointing into the
 * message, *len bytes; NULL when none came). 0 or -EPROTO with why.
 */
int pb_auth_response(const uint8_t *p, size_t n, const uint8_t **token, size_t *len,
		     const char **why);

#endif
