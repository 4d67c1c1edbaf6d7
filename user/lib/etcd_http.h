/* SPDX-License-Identifier: GPL-2.0-only */
/* A client of etcd's v3 HTTP/JSON gateway (libcurl, jansson): the member
 * list of an etcd:// or etcds:// URL, TLS (server verified against a CA,
 * optionally a client certificate), etcd's user/password authentication
 * (a token from /v3/auth/authenticate, renewed when etcd refuses it), JSON
 * requests that fail over between members, the watch stream, etcd's
 * native gRPC API (unary calls, the Watch stream and its framing), and the
 * base64 the gateway wants for keys and values. Every answer is bounded
 * (ETCD_MAX_BODY, ETCD_MAX_LINE) and every integer in it checked.
 * Nothing here prints after open: a failed request leaves its reason in
 * h->err.
 */
#ifndef VXNET_ETCD_HTTP_H
#define VXNET_ETCD_HTTP_H

#include <curl/curl.h>
#include <jansson.h>
#include <stdint.h>

#include "etcd_rpc.pb-c.h" /* generated from etcd_rpc.proto into build/ */
#include "store.h"

/* The largest answer to one request (a page of the list is about 1 KB per
 * record, 10 000 records), and the largest line of the watch stream (the
 * events of one revision: a transaction of up to etcd's --max-txn-ops).
 */
#define ETCD_MAX_BODY (64u << 20)
#define ETCD_MAX_LINE (16u << 20)

struct etcd_http {
	char **eps;         /* "http://HOST:PORT" or "https://HOST:PORT" */
	int neps, cur;      /* cur: the endpoint that answered last */
	int tls;            /* etcds:// */
	CURL *curl;
	CURL *grpc;         /* gRPC's own (HTTP/2) connection; NULL: none yet */
	char *ca, *cert, *key;  /* TLS files; NULL: the system's CAs, no client certificate */
	char *user, *password;  /* etcd authentication; NULL: none */
	char *token;            /* the current token; NULL: authenticate first */
	int grpc_off;           /* a member answered gRPC with something else */
	char err[CURL_ERROR_SIZE + 256]; /* why the last request failed */
	char curl_err[CURL_ERROR_SIZE];
};

/* url: "etcd://HOST:PORT[,HOST:PORT...]" or "etcds://..."; o: TLS files and
 * credentials (store.h). Prints one "store URL: ..." line on failure (then
 * h holds nothing to close), and once per process a warning for plain
 * HTTP to an address that is not loopback unless o->allow_plain.
 */
int etcd_http_open(struct etcd_http *h, const char *url, const struct vx_store_opts *o);
void etcd_http_close(struct etcd_http *h);

/* POSTs req to path (e.g. "/v3/kv/range") on the first member that
 * answers, starting with the last one that did; authenticates first when a
 * user is set and again once when etcd says the token is invalid. 0 with
 * the response, or a negative errno with the reason in h->err.
 */
int etcd_post(struct etcd_http *h, const char *path, const json_t *req, json_t **resp);

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

/* Gets one line of the watch stream; 0 to go on, else a negative errno
 * that ends the watch (and is etcd_watch_stream's result). -EACCES: etcd
 * refused the token (the next request authenticates again).
 */
typedef int (*etcd_line_fn)(void *arg, const char *line, size_t len);

/* POSTs req to /v3/watch on the current member and hands each line of the
 * answer to fn(arg) until fn fails, stop(stop_arg) says so (-ECANCELED), a
 * line is longer than ETCD_MAX_LINE (-EFBIG) or the stream ends
 * (-ECONNRESET, reason in h->err). Unless fn asked for -ESTALE or we
 * stopped, the next watch tries the next member.
 */
int etcd_watch_stream(struct etcd_http *h, const json_t *req, etcd_line_fn fn, void *arg,
		      int (*stop)(void *arg), void *stop_arg);

/* Gets one message of a gRPC stream (protobuf, len bytes); 0 to go on,
 * else a negative errno that ends the stream (etcd_grpc_stream's result).
 */
typedef int (*etcd_msg_fn)(void *arg, const uint8_t *msg, size_t len);

/* A server stream of etcd's gRPC API (Watch/Watch) on the current member:
 * msg sent as the one request, then our side closes (etcd keeps a watch
 * whose client half-closed: v3rpc/watch.go, recvLoop returns nil on EOF).
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
	uint8_t *p;
	size_t n, cap;
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

/* An int64 of the gateway's JSON into *out: a decimal string ("12"), a
 * number, or absent (0, as proto3 leaves out zeros). -EPROTO for anything
 * else or a negative value (every integer vxnet reads from etcd is a
 * revision or a count); h->err then names key.
 */
int etcd_jint(struct etcd_http *h, const json_t *obj, const char *key, int64_t *out);

/* malloc'd, NUL-terminated; NULL on ENOMEM (or, decoding, when s is not
 * padded base64).
 */
char *b64_encode(const void *data, size_t len);
char *b64_decode(const char *s, size_t *len);

#endif
