/* SPDX-License-Identifier: GPL-2.0-only */
/* etcd's native gRPC API over libcurl's HTTP/2 (h2c with prior knowledge
 * on etcd://, ALPN h2 on etcds://), on an etcd_http handle (its members,
 * TLS files, token): unary calls (KV/Range, Auth/Authenticate) and the
 * Watch stream with its framing. Messages are packed and unpacked by
 * protobuf-c from user/lib/etcd_rpc.proto; every answer is bounded and
 * checked before the store reads it.
 */
#ifndef VXNET_ETCD_GRPC_H
#define VXNET_ETCD_GRPC_H

#include "etcd_http.h"
#include "etcd_rpc.pb-c.h" /* generated from etcd_rpc.proto into build/ */

/* One unary call of etcd's native gRPC API (HTTP/2: h2c on etcd://, ALPN
 * h2 on etcds://) on the member that answered last: method e.g.
 * "/etcdserverpb.KV/Range", msg the request message (protobuf). 0 with
 * the answer message in *out (malloc'd, *outlen bytes), with the token
 * when a user is set (authenticating first, and again once when etcd says
 * the token is invalid). Else a negative errno with the reason in h->err:
 * the caller then asks the JSON gateway, whose answer names the problem
 * for the user (and which tries the other members). -ENOTSUP: a member
 * answered something that is not gRPC; the handle then never asks again.
 */
int etcd_grpc(struct etcd_http *h, const char *method, const ProtobufCMessage *msg,
	      uint8_t **out, size_t *outlen);

/* Reads a RangeResponse (protobuf-c, user/lib/etcd_rpc.proto) from a
 * hostile etcd: the message, whose revisions (the header's, each kv's
 * mod_revision) are not negative and whose kvs all have a key; free it
 * with etcdserverpb__range_response__free_unpacked. NULL with the reason
 * in *why (a static string) when the bytes are not such a message.
 */
Etcdserverpb__RangeResponse *etcd_range_unpack(const uint8_t *p, size_t n, const char **why);

/* Gets one message of a gRPC stream (protobuf, len bytes); 0 to go on,
 * else a negative errno that ends the stream (etcd_grpc_stream's result).
 */
typedef int (*etcd_msg_fn)(void *arg, const uint8_t *msg, size_t len);

/* A server stream of etcd's gRPC API (Watch/Watch) on the current member:
 * msg sent as the one request, our side then left open for as long as the
 * call lasts (etcd would keep a half-closed watch, but its grpc-proxy ends
 * a watch whose client half-closes).
 * Each message that comes goes to fn(arg), until fn fails, stop(stop_arg)
 * says so (asked about once a second: -ECANCELED), etcd sends something
 * that is not a message of at most ETCD_MAX_LINE bytes (-EPROTO, -EFBIG),
 * etcd ends it (its grpc-status in h->err; -EACCES: the token) or the
 * connection goes (-ECONNRESET). -ENOTSUP: the member does not speak gRPC
 * (use etcd_watch_stream; when it answered something else, the handle
 * never asks again; when it closed the connection unanswered, the next
 * stream asks again). The token
 * and TLS as etcd_grpc; unless fn asked for -ESTALE, we stopped or the
 * token was refused, the next stream tries the next member.
 */
int etcd_grpc_stream(struct etcd_http *h, const char *method, const ProtobufCMessage *msg,
		     etcd_msg_fn fn, void *arg, int (*stop)(void *arg), void *stop_arg);

/* The gRPC framing of a stream, fed as the bytes come (a frame may be
 * split across feeds, a feed may hold several frames): each whole
 * message goes to fn(arg). 0, fn's result, -ENOMEM, or -EPROTO / -EFBIG
 * with *why (a static string) when the bytes are not uncompressed gRPC
 * messages of at most max bytes (checked on the 5-byte prefix, before the
 * message is kept).
 */
struct grpc_frames {
	struct etcd_buf b; /* the bytes not yet framed */
};
int grpc_frames_feed(struct grpc_frames *r, const void *data, size_t n, size_t max,
		     etcd_msg_fn fn, void *arg, const char **why);
void grpc_frames_free(struct grpc_frames *r);

/* Reads a WatchResponse from a hostile etcd: the message, whose
 * revisions are not negative and whose events are each a put or a delete
 * of a key at a positive mod_revision; free it with
 * etcdserverpb__watch_response__free_unpacked. NULL with the reason in
 * *why (a static string) otherwise.
 */
Etcdserverpb__WatchResponse *etcd_watch_unpack(const uint8_t *p, size_t n, const char **why);

#endif
