/* SPDX-License-Identifier: GPL-2.0-only */
/* A client of etcd's v3 HTTP/JSON gateway (libcurl, jansson): the member
 * list of an etcd:// or etcds:// URL, TLS (server verified against a CA,
 * optionally a client certificate), etcd's user/password authentication
 * (a token from /v3/auth/authenticate, renewed when etcd refuses it), JSON
 * requests that fail over between members, the watch stream, and the
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

/* ---- shared with etcd_grpc.c (etcd's native gRPC API), not for callers ---- */

/* An answer as it comes, at most max bytes (too_big set beyond). */
struct etcd_buf {
	char *p;
	size_t n, cap, max;
	int too_big; /* more than max bytes came */
};

/* Appends n bytes to b, growing it, and keeps it NUL-terminated (for the
 * JSON answers; binary users ignore the NUL); -ENOMEM. No max check.
 */
int etcd_buf_add(struct etcd_buf *b, const char *data, size_t n);
/* "HOST:PORT" of the member that answered last, for messages. */
const char *etcd_cur_host(const struct etcd_http *h);
/* curl's write callback into a struct etcd_buf. */
size_t etcd_on_body(char *data, size_t size, size_t nmemb, void *arg);
/* c (h->curl, or h->grpc) reset for a POST of body to path on member idx:
 * TLS files, timeouts, keepalive, no proxy, hdrs.
 */
void etcd_set_common(struct etcd_http *h, CURL *c, int idx, const char *path,
		     const struct curl_slist *hdrs, const char *body);
/* Why curl failed on member idx, in h->err: -EAGAIN (another member may
 * answer) or -EFBIG (b: the answer was too large).
 */
int etcd_curl_failed(struct etcd_http *h, int idx, CURLcode rc, const struct etcd_buf *b);
/* The request never started: no connection, or TLS refused it. */
int etcd_never_connected(CURLcode rc);

#endif
