/* SPDX-License-Identifier: GPL-2.0-only */
/* A client of etcd's v3 HTTP/JSON gateway (libcurl, jansson): the member
 * list of an etcd:// URL, JSON requests that fail over between members,
 * the watch stream, and the base64 the gateway wants for keys and values.
 * Nothing here prints: a failed request leaves its reason in h->err.
 */
#ifndef VXNET_ETCD_HTTP_H
#define VXNET_ETCD_HTTP_H

#include <curl/curl.h>
#include <jansson.h>
#include <stdint.h>

struct etcd_http {
	char **eps;         /* "http://HOST:PORT" */
	int neps, cur;      /* cur: the endpoint that answered last */
	CURL *curl;
	char err[CURL_ERROR_SIZE + 128]; /* why the last request failed */
	char curl_err[CURL_ERROR_SIZE];
};

/* url: "etcd://HOST:PORT[,HOST:PORT...]". Prints one "store URL: ..." line
 * on failure; then h holds nothing to close.
 */
int etcd_http_open(struct etcd_http *h, const char *url);
void etcd_http_close(struct etcd_http *h);

/* POSTs req to path (e.g. "/v3/kv/range") on the first member that
 * answers, starting with the last one that did. 0 with the response, or a
 * negative errno with the reason in h->err.
 */
int etcd_post(struct etcd_http *h, const char *path, const json_t *req, json_t **resp);

/* Gets one line of the watch stream; 0 to go on, else a negative errno
 * that ends the watch (and is etcd_watch_stream's result).
 */
typedef int (*etcd_line_fn)(void *arg, const char *line, size_t len);

/* POSTs req to /v3/watch on the current member and hands each line of the
 * answer to fn(arg) until fn fails, stop(stop_arg) says so (-ECANCELED) or
 * the stream ends (-ECONNRESET, reason in h->err). Unless fn asked for
 * -ESTALE or we stopped, the next watch tries the next member.
 */
int etcd_watch_stream(struct etcd_http *h, const json_t *req, etcd_line_fn fn, void *arg,
		      int (*stop)(void *arg), void *stop_arg);

/* An int64 of the gateway's JSON: a string ("12"), a number, or absent (0). */
int64_t etcd_jint(const json_t *obj, const char *key);

/* malloc'd, NUL-terminated; NULL on ENOMEM (or, decoding, when malformed). */
char *b64_encode(const void *data, size_t len);
char *b64_decode(const char *s, size_t *len);

#endif
