// SPDX-License-Identifier: GPL-2.0-only
/* The etcd v3 HTTP/JSON gateway client (etcd_http.h). */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "etcd_http.h"
#include "log.h"

/* ---- base64 (keys and values in the gateway's JSON) ----
 * Neither libcurl, jansson, libbpf, libelf, zlib nor libnl exports one;
 * glibc's b64_ntop/b64_pton need -lresolv.
 */

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

char *b64_encode(const void *data, size_t len)
{
	const unsigned char *p = data;
	char *out = malloc((len + 2) / 3 * 4 + 1), *o = out;

	if (!out)
		return NULL;
	for (size_t i = 0; i < len; i += 3) {
		unsigned v = p[i] << 16 | (i + 1 < len ? p[i + 1] << 8 : 0) | (i + 2 < len ? p[i + 2] : 0);

		*o++ = b64[v >> 18 & 63];
		*o++ = b64[v >> 12 & 63];
		*o++ = i + 1 < len ? b64[v >> 6 & 63] : '=';
		*o++ = i + 2 < len ? b64[v & 63] : '=';
	}
	*o = '\0';
	return out;
}

char *b64_decode(const char *s, size_t *len)
{
	size_t n = strlen(s), o = 0;
	unsigned v = 0;
	int bits = 0;
	char *out = malloc(n / 4 * 3 + 4);

	if (!out)
		return NULL;
	for (size_t i = 0; i < n && s[i] != '='; i++) {
		const char *c = strchr(b64, s[i]);

		if (!c || !s[i]) {
			free(out);
			return NULL;
		}
		v = v << 6 | (unsigned)(c - b64);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = v >> bits & 0xff;
		}
	}
	out[o] = '\0';
	*len = o;
	return out;
}

int64_t etcd_jint(const json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);

	if (json_is_string(v))
		return strtoll(json_string_value(v), NULL, 10);
	if (json_is_integer(v))
		return json_integer_value(v);
	return 0;
}

/* ---- requests ---- */

struct buf {
	char *p;
	size_t n, cap;
};

static int buf_add(struct buf *b, const char *data, size_t n)
{
	if (b->n + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		char *p;

		while (cap < b->n + n + 1)
			cap *= 2;
		p = realloc(b->p, cap);
		if (!p)
			return -ENOMEM;
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->n, data, n);
	b->n += n;
	b->p[b->n] = '\0';
	return 0;
}

static size_t on_body(char *data, size_t size, size_t nmemb, void *arg)
{
	return buf_add(arg, data, size * nmemb) ? 0 : size * nmemb;
}

/* A POST of body (JSON) to path on member idx. */
static void set_common(struct etcd_http *h, int idx, const char *path,
		       const struct curl_slist *hdrs, const char *body)
{
	char url[512];

	snprintf(url, sizeof(url), "%s%s", h->eps[idx], path);
	curl_easy_reset(h->curl);
	curl_easy_setopt(h->curl, CURLOPT_URL, url);
	curl_easy_setopt(h->curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h->curl, CURLOPT_CONNECTTIMEOUT_MS, 2000L);
	curl_easy_setopt(h->curl, CURLOPT_ERRORBUFFER, h->curl_err);
	curl_easy_setopt(h->curl, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(h->curl, CURLOPT_TCP_KEEPIDLE, 2L);
	curl_easy_setopt(h->curl, CURLOPT_TCP_KEEPINTVL, 1L);
	curl_easy_setopt(h->curl, CURLOPT_PROXY, ""); /* never an http_proxy */
	curl_easy_setopt(h->curl, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(h->curl, CURLOPT_POSTFIELDS, body);
	h->curl_err[0] = '\0';
}

/* One request to member idx: 0 with the response; -EAGAIN: another member
 * may answer; another negative errno: give up. The reason is in h->err.
 */
static int post_one(struct etcd_http *h, int idx, const char *path,
		    const struct curl_slist *hdrs, const char *body, struct buf *b, json_t **resp)
{
	const char *host = h->eps[idx] + strlen("http://"), *msg;
	json_error_t jerr;
	long code = 0;
	CURLcode rc;
	json_t *j;

	set_common(h, idx, path, hdrs, body);
	curl_easy_setopt(h->curl, CURLOPT_TIMEOUT_MS, 30000L);
	curl_easy_setopt(h->curl, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h->curl, CURLOPT_WRITEDATA, b);
	b->n = 0;
	rc = curl_easy_perform(h->curl);
	if (rc != CURLE_OK) {
		snprintf(h->err, sizeof(h->err), "cannot reach etcd at %s: %s", host,
			 h->curl_err[0] ? h->curl_err : curl_easy_strerror(rc));
		return -EAGAIN;
	}
	curl_easy_getinfo(h->curl, CURLINFO_RESPONSE_CODE, &code);
	j = b->p ? json_loadb(b->p, b->n, 0, &jerr) : NULL;
	if (code == 200 && json_is_object(j)) {
		*resp = j;
		return 0;
	}
	msg = json_string_value(json_object_get(j, "message"));
	if (!msg)
		msg = json_string_value(json_object_get(j, "error"));
	snprintf(h->err, sizeof(h->err), "etcd at %s answered HTTP %ld: %s", host, code,
		 msg ? msg : "no JSON body (is this etcd v3.4+?)");
	json_decref(j);
	/* Unavailable (no leader, stopping): another member may serve. */
	return code >= 500 ? -EAGAIN : -EIO;
}

int etcd_post(struct etcd_http *h, const char *path, const json_t *req, json_t **resp)
{
	struct curl_slist *hdrs = curl_slist_append(NULL, "Content-Type: application/json");
	char *body = json_dumps(req, JSON_COMPACT);
	struct buf b = {};
	int err = -ENOMEM;

	*resp = NULL;
	if (!body || !hdrs) {
		snprintf(h->err, sizeof(h->err), "out of memory");
		goto cleanup;
	}
	for (int i = 0; i < h->neps; i++) {
		int idx = (h->cur + i) % h->neps;

		err = post_one(h, idx, path, hdrs, body, &b, resp);
		if (!err)
			h->cur = idx;
		if (err != -EAGAIN)
			break;
	}
	if (err == -EAGAIN)
		err = -EHOSTUNREACH;
cleanup:
	curl_slist_free_all(hdrs);
	free(body);
	free(b.p);
	return err;
}

/* ---- the watch stream: one JSON object a line ---- */

struct stream {
	struct buf b;
	etcd_line_fn fn;
	void *arg;
	int (*stop)(void *arg);
	void *stop_arg;
	int err;
};

static size_t on_stream_data(char *data, size_t size, size_t nmemb, void *arg)
{
	struct stream *w = arg;
	size_t n = size * nmemb, off = 0;
	char *nl;

	if (buf_add(&w->b, data, n)) {
		w->err = -ENOMEM;
		return 0;
	}
	while ((nl = memchr(w->b.p + off, '\n', w->b.n - off))) {
		size_t len = nl - (w->b.p + off);

		if (len && (w->err = w->fn(w->arg, w->b.p + off, len)))
			return 0; /* aborts the transfer */
		off += len + 1;
	}
	memmove(w->b.p, w->b.p + off, w->b.n - off);
	w->b.n -= off;
	return n;
}

static int on_stream_progress(void *arg, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un)
{
	struct stream *w = arg;

	return w->stop(w->stop_arg) ? 1 : 0;
}

int etcd_watch_stream(struct etcd_http *h, const json_t *req, etcd_line_fn fn, void *arg,
		      int (*stop)(void *arg), void *stop_arg)
{
	struct curl_slist *hdrs = curl_slist_append(NULL, "Content-Type: application/json");
	struct stream w = { .fn = fn, .arg = arg, .stop = stop, .stop_arg = stop_arg };
	char *body = json_dumps(req, JSON_COMPACT);
	CURLcode rc;
	int err;

	h->err[0] = '\0';
	if (!body || !hdrs) {
		err = -ENOMEM;
		goto cleanup;
	}
	set_common(h, h->cur, "/v3/watch", hdrs, body);
	curl_easy_setopt(h->curl, CURLOPT_WRITEFUNCTION, on_stream_data);
	curl_easy_setopt(h->curl, CURLOPT_WRITEDATA, &w);
	curl_easy_setopt(h->curl, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(h->curl, CURLOPT_XFERINFOFUNCTION, on_stream_progress);
	curl_easy_setopt(h->curl, CURLOPT_XFERINFODATA, &w);
	rc = curl_easy_perform(h->curl);
	if (w.err)
		err = w.err;
	else if (stop(stop_arg))
		err = -ECANCELED;
	else {
		err = -ECONNRESET;
		snprintf(h->err, sizeof(h->err), "watch on %s ended: %s",
			 h->eps[h->cur] + strlen("http://"), rc == CURLE_OK ? "closed by etcd" :
			 h->curl_err[0] ? h->curl_err : curl_easy_strerror(rc));
	}
	/* A member that dropped us may be gone: next time, try the next one. */
	if (err != -ECANCELED && err != -ESTALE)
		h->cur = (h->cur + 1) % h->neps;
cleanup:
	if (err == -ENOMEM && !h->err[0])
		snprintf(h->err, sizeof(h->err), "out of memory");
	free(body);
	free(w.b.p);
	curl_slist_free_all(hdrs);
	return err;
}

/* ---- the member list ---- */

/* "HOST:PORT": a host name or IPv4 address and a port 1..65535. */
static int parse_endpoint(const char *url, const char *ep, size_t len, char **out)
{
	char host[256], *colon, *end;
	unsigned long port;

	if (!len || len >= sizeof(host)) {
		pr_err("store %s: empty etcd endpoint (expected etcd://HOST:PORT[,HOST:PORT...])", url);
		return -EINVAL;
	}
	memcpy(host, ep, len);
	host[len] = '\0';
	colon = strrchr(host, ':');
	if (!colon || colon == host) {
		pr_err("store %s: endpoint '%s' needs HOST:PORT (etcd clients use port 2379)", url, host);
		return -EINVAL;
	}
	*colon = '\0';
	errno = 0;
	port = strtoul(colon + 1, &end, 10);
	if (errno || *end || !colon[1] || port < 1 || port > 65535) {
		pr_err("store %s: endpoint '%s:%s': port must be 1..65535", url, host, colon + 1);
		return -EINVAL;
	}
	for (char *p = host; *p; p++) {
		if (!(*p >= 'a' && *p <= 'z') && !(*p >= 'A' && *p <= 'Z') &&
		    !(*p >= '0' && *p <= '9') && *p != '.' && *p != '-') {
			pr_err("store %s: endpoint '%s': invalid host name", url, host);
			return -EINVAL;
		}
	}
	if (asprintf(out, "http://%s:%lu", host, port) < 0) {
		*out = NULL;
		pr_err("store %s: out of memory", url);
		return -ENOMEM;
	}
	return 0;
}

static int parse_endpoints(struct etcd_http *h, const char *url)
{
	const char *p = url + strlen("etcd://");
	int err;

	do {
		size_t len = strcspn(p, ",");
		char **eps = realloc(h->eps, (h->neps + 1) * sizeof(*eps));

		if (!eps) {
			pr_err("store %s: out of memory", url);
			return -ENOMEM;
		}
		h->eps = eps;
		if (memchr(p, '/', len)) {
			pr_err("store %s: unexpected path; use etcd://HOST:PORT[,HOST:PORT...]", url);
			return -EINVAL;
		}
		err = parse_endpoint(url, p, len, &h->eps[h->neps]);
		if (err)
			return err;
		h->neps++;
		p += len;
	} while (*p++ == ',');
	return 0;
}

int etcd_http_open(struct etcd_http *h, const char *url)
{
	int err;

	*h = (struct etcd_http){};
	err = parse_endpoints(h, url);
	if (!err) {
		curl_global_init(CURL_GLOBAL_DEFAULT);
		h->curl = curl_easy_init();
		if (!h->curl) {
			pr_err("store %s: cannot initialise libcurl", url);
			err = -ENOMEM;
		}
	}
	if (err)
		etcd_http_close(h);
	return err;
}

void etcd_http_close(struct etcd_http *h)
{
	for (int i = 0; i < h->neps; i++)
		free(h->eps[i]);
	free(h->eps);
	if (h->curl)
		curl_easy_cleanup(h->curl);
	*h = (struct etcd_http){};
}
