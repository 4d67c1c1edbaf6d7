// SPDX-License-Identifier: GPL-2.0-only
/* The etcd v3 HTTP/JSON gateway client (etcd_http.h). */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

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
	size_t n = strlen(s), o = 0, pad = 0;
	unsigned v = 0;
	int bits = 0;
	char *out;

	/* Padded, as etcd (Go's StdEncoding) writes it: '=' only at the end. */
	while (pad < 2 && pad < n && s[n - 1 - pad] == '=')
		pad++;
	if (n % 4)
		return NULL;
	out = malloc(n / 4 * 3 + 1);
	if (!out)
		return NULL;
	for (size_t i = 0; i < n - pad; i++) {
		const char *c = s[i] ? strchr(b64, s[i]) : NULL;

		if (!c) {
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

/* "HOST:PORT" of the member that answered last, for messages. */
const char *etcd_cur_host(const struct etcd_http *h)
{
	return strstr(h->eps[h->cur], "://") + 3;
}

int etcd_jint(struct etcd_http *h, const json_t *obj, const char *key, int64_t *out)
{
	json_t *v = json_object_get(obj, key);
	const char *s;
	char *end;

	*out = 0;
	if (!v)
		return 0;
	if (json_is_integer(v)) {
		*out = json_integer_value(v);
	} else if (json_is_string(v)) {
		s = json_string_value(v);
		errno = 0;
		*out = strtoll(s, &end, 10);
		if (errno || end == s || *end || !(*s >= '0' && *s <= '9'))
			goto bad;
	} else {
		goto bad;
	}
	if (*out >= 0)
		return 0;
bad:
	*out = 0;
	snprintf(h->err, sizeof(h->err), "etcd at %s sent a malformed '%s' (not a non-negative 64-bit integer)",
		 etcd_cur_host(h), key);
	return -EPROTO;
}

/* ---- requests ---- */

int etcd_buf_add(struct etcd_buf *b, const char *data, size_t n)
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

size_t etcd_on_body(char *data, size_t size, size_t nmemb, void *arg)
{
	struct etcd_buf *b = arg;

	if (b->n + size * nmemb > b->max) {
		b->too_big = 1;
		return 0; /* aborts the transfer */
	}
	return etcd_buf_add(b, data, size * nmemb) ? 0 : size * nmemb;
}

/* Content-Type, and the token when there is one and auth says so. */
static struct curl_slist *headers(const struct etcd_http *h, int auth)
{
	struct curl_slist *l = curl_slist_append(NULL, "Content-Type: application/json"), *t;
	char *a = NULL;

	if (!l || !auth || !h->token)
		return l;
	if (asprintf(&a, "Authorization: %s", h->token) < 0 || !(t = curl_slist_append(l, a))) {
		curl_slist_free_all(l);
		l = NULL;
	}
	free(a);
	return l;
}

/* A POST of body to path on member idx, through c (h->curl, or h->grpc's). */
void etcd_set_common(struct etcd_http *h, CURL *c, int idx, const char *path,
		       const struct curl_slist *hdrs, const char *body)
{
	char url[512];

	snprintf(url, sizeof(url), "%s%s", h->eps[idx], path);
	curl_easy_reset(c);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, h->tls ? "https" : "http");
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, 2000L);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, h->curl_err);
	curl_easy_setopt(c, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(c, CURLOPT_TCP_KEEPIDLE, 2L);
	curl_easy_setopt(c, CURLOPT_TCP_KEEPINTVL, 1L);
	curl_easy_setopt(c, CURLOPT_PROXY, ""); /* never an http_proxy */
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	/* The JSON gateway in HTTP/1.1 on etcds:// too, as on etcd://: over
	 * HTTP/2 an etcd grpc-proxy takes it for gRPC and resets the stream
	 * (PROTOCOL_ERROR) where over HTTP/1.1 it answers 404 (hint()). The
	 * gRPC calls set HTTP/2 after this.
	 */
	curl_easy_setopt(c, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
	if (h->tls) {
		/* curl verifies peer and host name by default; say so anyway. */
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
		if (h->ca)
			curl_easy_setopt(c, CURLOPT_CAINFO, h->ca);
		if (h->cert) {
			curl_easy_setopt(c, CURLOPT_SSLCERT, h->cert);
			curl_easy_setopt(c, CURLOPT_SSLKEY, h->key);
		}
	}
	h->curl_err[0] = '\0';
}

/* Why curl failed on member idx, in h->err. -EAGAIN: another member may
 * answer; -EFBIG: the answer was too large.
 */
int etcd_curl_failed(struct etcd_http *h, int idx, CURLcode rc, const struct etcd_buf *b)
{
	const char *host = strstr(h->eps[idx], "://") + 3;
	const char *why = h->curl_err[0] ? h->curl_err : curl_easy_strerror(rc);

	if (b && b->too_big) {
		snprintf(h->err, sizeof(h->err), "etcd at %s: answer larger than %u MiB", host,
			 ETCD_MAX_BODY >> 20);
		return -EFBIG;
	}
	if (!h->tls || !(rc == CURLE_PEER_FAILED_VERIFICATION || rc == CURLE_SSL_CACERT_BADFILE ||
			 rc == CURLE_SSL_CERTPROBLEM || rc == CURLE_SSL_CONNECT_ERROR ||
			 rc == CURLE_SEND_ERROR || rc == CURLE_RECV_ERROR ||
			 strstr(why, "SSL") || strstr(why, "certificate")))
		snprintf(h->err, sizeof(h->err), "cannot reach etcd at %s: %s", host, why);
	else if (strstr(why, "subject name") || strstr(why, "does not match"))
		snprintf(h->err, sizeof(h->err), "cannot verify etcd at %s: %s (use a name or address its certificate holds)",
			 host, why);
	else if (rc == CURLE_PEER_FAILED_VERIFICATION || rc == CURLE_SSL_CACERT_BADFILE)
		snprintf(h->err, sizeof(h->err), "cannot verify etcd at %s: %s (--store-ca: the CA that signed etcd's certificate)",
			 host, why);
	else if (rc == CURLE_SSL_CERTPROBLEM)
		snprintf(h->err, sizeof(h->err), "client certificate for etcd at %s: %s (--store-cert, --store-key)",
			 host, why);
	else if (h->cert && (strstr(why, "certificate required") || strstr(why, "alert bad certificate")))
		snprintf(h->err, sizeof(h->err), "etcd at %s refused our client certificate: %s", host, why);
	else if (!h->cert)
		/* With TLS 1.3 the server's alert comes after the handshake:
		 * curl then sees a failed send or receive, or the alert.
		 */
		snprintf(h->err, sizeof(h->err), "etcd at %s dropped the TLS connection (no client certificate: does it want one? --store-cert, --store-key): %s",
			 host, why);
	else
		snprintf(h->err, sizeof(h->err), "TLS with etcd at %s failed: %s", host, why);
	return -EAGAIN;
}

/* What etcd said: the JSON's "message" or "error", else the body's first
 * line (printable characters, at most 160).
 */
static void etcd_message(const json_t *j, const struct etcd_buf *b, char *out, size_t size)
{
	const char *msg = json_string_value(json_object_get(j, "message"));
	size_t n = 0;

	if (!msg)
		msg = json_string_value(json_object_get(j, "error"));
	if (msg) {
		snprintf(out, size, "%.160s", msg);
		for (char *c = out; *c; c++) /* one line stays one line */
			if ((unsigned char)*c < ' ' || *c == 0x7f)
				*c = '?';
		return;
	}
	for (size_t i = 0; b->p && i < b->n && b->p[i] != '\n' && n + 1 < size && n < 160; i++)
		out[n++] = b->p[i] >= ' ' && b->p[i] < 0x7f ? b->p[i] : '?';
	out[n] = '\0';
	if (!n)
		snprintf(out, size, "no JSON body (is this etcd v3.4+?)");
}

/* What to do about etcd's message, for the user. */
static const char *hint(long code, const char *msg)
{
	if (code == 404) /* etcd with --enable-grpc-gateway=false, or an etcd grpc-proxy */
		return " (no JSON gateway there: vxnet writes through etcd's /v3 gateway, which etcd grpc-proxy lacks; "
		       "give etcd's members)";
	if (strstr(msg, "user name is empty"))
		return " (etcd has authentication on: --store-user, --store-password-file)";
	if (strstr(msg, "permission denied"))
		return " (the user's role needs readwrite on the prefix /vxnet/)";
	if (strstr(msg, "CommonName of client"))
		return " (etcd's gateway takes only client certificates without a CN)";
	return "";
}

/* One request to member idx: 0 with the response; -EAGAIN: another member
 * may answer; -EACCES: etcd refused the token; another negative errno:
 * give up. The reason is in h->err.
 */
static int post_one(struct etcd_http *h, int idx, const char *path,
		    const struct curl_slist *hdrs, const char *body, struct etcd_buf *b, json_t **resp)
{
	const char *host = strstr(h->eps[idx], "://") + 3;
	char msg[256];
	json_error_t jerr;
	long code = 0;
	CURLcode rc;
	json_t *j;

	etcd_set_common(h, h->curl, idx, path, hdrs, body);
	curl_easy_setopt(h->curl, CURLOPT_TIMEOUT_MS, 30000L);
	curl_easy_setopt(h->curl, CURLOPT_WRITEFUNCTION, etcd_on_body);
	curl_easy_setopt(h->curl, CURLOPT_WRITEDATA, b);
	b->n = 0;
	b->too_big = 0;
	rc = curl_easy_perform(h->curl);
	if (rc != CURLE_OK)
		return etcd_curl_failed(h, idx, rc, b);
	curl_easy_getinfo(h->curl, CURLINFO_RESPONSE_CODE, &code);
	j = b->p ? json_loadb(b->p, b->n, 0, &jerr) : NULL;
	if (code == 200 && json_is_object(j)) {
		*resp = j;
		return 0;
	}
	etcd_message(j, b, msg, sizeof(msg));
	json_decref(j);
	snprintf(h->err, sizeof(h->err), "etcd at %s answered HTTP %ld: %s%s", host, code, msg, hint(code, msg));
	if (code == 401 || strstr(msg, "invalid auth token"))
		return -EACCES;
	/* Unavailable (no leader, stopping): another member may serve. */
	return code >= 500 ? -EAGAIN : -EIO;
}

/* body to path on the first member that answers, with the token when auth. */
static int post_members(struct etcd_http *h, const char *path, const char *body, int auth,
			json_t **resp)
{
	struct curl_slist *hdrs = headers(h, auth);
	struct etcd_buf b = { .max = ETCD_MAX_BODY };
	int err = -ENOMEM;

	*resp = NULL;
	if (!hdrs)
		snprintf(h->err, sizeof(h->err), "out of memory");
	for (int i = 0; hdrs && i < h->neps; i++) {
		int idx = (h->cur + i) % h->neps;

		err = post_one(h, idx, path, hdrs, body, &b, resp);
		if (!err)
			h->cur = idx;
		if (err != -EAGAIN)
			break;
	}
	if (err == -EAGAIN)
		err = -EHOSTUNREACH;
	curl_slist_free_all(hdrs);
	free(b.p);
	return err;
}

/* A token for h->user (etcd's simple or JWT token: printable, one line). */
static int authenticate(struct etcd_http *h)
{
	json_t *req = json_pack("{s:s, s:s}", "name", h->user, "password", h->password), *resp = NULL;
	char *body = req ? json_dumps(req, JSON_COMPACT) : NULL;
	const char *tok;
	int err = -ENOMEM;

	free(h->token);
	h->token = NULL;
	if (body)
		err = post_members(h, "/v3/auth/authenticate", body, 0, &resp);
	else
		snprintf(h->err, sizeof(h->err), "out of memory");
	if (err == -EIO || err == -EACCES) {
		char why[sizeof(h->err)];

		snprintf(why, sizeof(why), "%s", h->err);
		snprintf(h->err, sizeof(h->err), "authentication as %.64s failed: %.400s", h->user, why);
	}
	tok = json_string_value(json_object_get(resp, "token"));
	if (!err && (!tok || !*tok || strlen(tok) > 4096 || strpbrk(tok, "\r\n"))) {
		snprintf(h->err, sizeof(h->err), "etcd at %s sent no usable token for %s", etcd_cur_host(h), h->user);
		err = -EPROTO;
	}
	if (!err && !(h->token = strdup(tok))) {
		snprintf(h->err, sizeof(h->err), "out of memory");
		err = -ENOMEM;
	}
	if (err && err != -ENOMEM && err != -EHOSTUNREACH)
		err = -EACCES;
	json_decref(req);
	json_decref(resp);
	if (body)
		explicit_bzero(body, strlen(body)); /* it holds the password */
	free(body);
	return err;
}

int etcd_post(struct etcd_http *h, const char *path, const json_t *req, json_t **resp)
{
	char *body = json_dumps(req, JSON_COMPACT);
	int err = 0;

	*resp = NULL;
	if (!body) {
		snprintf(h->err, sizeof(h->err), "out of memory");
		return -ENOMEM;
	}
	if (h->user && !h->token)
		err = authenticate(h);
	if (err)
		goto cleanup;
	err = post_members(h, path, body, 1, resp);
	/* Expired (or etcd restarted and forgot it): once more with a new one. */
	if (err == -EACCES && h->user)
		err = authenticate(h) ?: post_members(h, path, body, 1, resp);
cleanup:
	free(body);
	return err;
}

/* ---- the watch stream: one JSON object a line ---- */

struct stream {
	struct etcd_http *h;
	struct etcd_buf b;
	etcd_line_fn fn;
	void *arg;
	int (*stop)(void *arg);
	void *stop_arg;
	int err;
};

static int line_too_long(struct stream *w)
{
	snprintf(w->h->err, sizeof(w->h->err), "watch on %s: an event longer than %u MiB",
		 etcd_cur_host(w->h), ETCD_MAX_LINE >> 20);
	return -EFBIG;
}

static size_t on_stream_data(char *data, size_t size, size_t nmemb, void *arg)
{
	struct stream *w = arg;
	size_t n = size * nmemb, off = 0;
	char *nl;

	if (etcd_buf_add(&w->b, data, n)) {
		w->err = -ENOMEM;
		return 0;
	}
	while ((nl = memchr(w->b.p + off, '\n', w->b.n - off))) {
		size_t len = nl - (w->b.p + off);

		if (len > ETCD_MAX_LINE)
			w->err = line_too_long(w);
		else if (len)
			w->err = w->fn(w->arg, w->b.p + off, len);
		if (w->err)
			return 0; /* aborts the transfer */
		off += len + 1;
	}
	memmove(w->b.p, w->b.p + off, w->b.n - off);
	w->b.n -= off;
	if (w->b.n > ETCD_MAX_LINE) {
		w->err = line_too_long(w);
		return 0;
	}
	return n;
}

static int on_stream_progress(void *arg, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un)
{
	struct stream *w = arg;

	return w->stop(w->stop_arg) ? 1 : 0;
}

/* The watch never started: no connection, or TLS refused it. */
int etcd_never_connected(CURLcode rc)
{
	return rc == CURLE_COULDNT_CONNECT || rc == CURLE_COULDNT_RESOLVE_HOST ||
	       rc == CURLE_SSL_CONNECT_ERROR || rc == CURLE_PEER_FAILED_VERIFICATION ||
	       rc == CURLE_SSL_CERTPROBLEM || rc == CURLE_SSL_CACERT_BADFILE;
}

int etcd_watch_stream(struct etcd_http *h, const json_t *req, etcd_line_fn fn, void *arg,
		      int (*stop)(void *arg), void *stop_arg)
{
	struct stream w = { .h = h, .fn = fn, .arg = arg, .stop = stop, .stop_arg = stop_arg };
	char *body = json_dumps(req, JSON_COMPACT);
	struct curl_slist *hdrs = NULL;
	CURLcode rc;
	int err = 0;

	h->err[0] = '\0';
	if (h->user && !h->token)
		err = authenticate(h);
	if (err)
		goto cleanup;
	hdrs = headers(h, 1);
	if (!body || !hdrs) {
		err = -ENOMEM;
		goto cleanup;
	}
	etcd_set_common(h, h->curl, h->cur, "/v3/watch", hdrs, body);
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
	else if (etcd_never_connected(rc))
		err = etcd_curl_failed(h, h->cur, rc, NULL) == -EAGAIN ? -ECONNRESET : -EIO;
	else {
		err = -ECONNRESET;
		snprintf(h->err, sizeof(h->err), "watch on %s ended: %s", etcd_cur_host(h),
			 rc == CURLE_OK ? "closed by etcd" :
			 h->curl_err[0] ? h->curl_err : curl_easy_strerror(rc));
	}
	/* etcd refused the token: the next request gets a new one. */
	if (err == -EACCES) {
		free(h->token);
		h->token = NULL;
	}
	/* A member that dropped us may be gone: next time, try the next one. */
	if (err != -ECANCELED && err != -ESTALE && err != -EACCES)
		h->cur = (h->cur + 1) % h->neps;
cleanup:
	if (err == -ENOMEM && !h->err[0])
		snprintf(h->err, sizeof(h->err), "out of memory");
	free(body);
	free(w.b.p);
	curl_slist_free_all(hdrs);
	return err;
}

/* ---- the member list, the options ---- */

/* "HOST:PORT": a host name or IPv4 address and a port 1..65535. */
static int parse_endpoint(const char *url, const char *scheme, const char *ep, size_t len,
			  char **out)
{
	char host[256], *colon, *end;
	unsigned long port;

	if (!len || len >= sizeof(host)) {
		pr_err("store %s: empty etcd endpoint (expected %s://HOST:PORT[,HOST:PORT...])", url,
		       !strcmp(scheme, "https") ? "etcds" : "etcd");
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
	if (errno || *end || !colon[1] || colon[1] < '0' || colon[1] > '9' || port < 1 || port > 65535) {
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
	if (asprintf(out, "%s://%s:%lu", scheme, host, port) < 0) {
		*out = NULL;
		pr_err("store %s: out of memory", url);
		return -ENOMEM;
	}
	return 0;
}

static int parse_endpoints(struct etcd_http *h, const char *url)
{
	const char *p = strstr(url, "://") + 3, *scheme = h->tls ? "https" : "http";
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
			pr_err("store %s: unexpected path; use %.*sHOST:PORT[,HOST:PORT...]", url,
			       (int)(strstr(url, "://") + 3 - url), url);
			return -EINVAL;
		}
		err = parse_endpoint(url, scheme, p, len, &h->eps[h->neps]);
		if (err)
			return err;
		h->neps++;
		p += len;
	} while (*p++ == ',');
	return 0;
}

/* "localhost" or 127.0.0.0/8: plain HTTP that never leaves the host. */
static int loopback(const char *ep)
{
	const char *host = strstr(ep, "://") + 3;

	return !strncmp(host, "localhost:", 10) || !strncmp(host, "127.", 4);
}

/* Plain etcd:// to another host: once per process, one line. */
static void warn_plain(const struct etcd_http *h, const char *url, const struct vx_store_opts *o)
{
	static int warned;

	if (h->tls || o->allow_plain || warned)
		return;
	for (int i = 0; i < h->neps; i++) {
		if (loopback(h->eps[i]))
			continue;
		pr_warn("store %s: plain HTTP to %s: anyone on the path can read and change the cluster state; use etcds:// and --store-ca (or --store-allow-plain on a trusted network)",
			url, strstr(h->eps[i], "://") + 3);
		warned = 1;
		return;
	}
}

/* A file named by an option: readable now (curl would only say later). */
static int readable(const char *url, const char *opt, const char *path)
{
	FILE *f = fopen(path, "re");

	if (!f) {
		int err = -errno;

		pr_err("store %s: %s %s: %s", url, opt, path, strerror(errno));
		return err;
	}
	fclose(f);
	return 0;
}

/* The first line of the password file, without its newline. */
static int read_password(struct etcd_http *h, const char *url, const char *path)
{
	char buf[1024];
	size_t n;
	FILE *f = fopen(path, "re");

	if (!f) {
		int err = -errno;

		pr_err("store %s: --store-password-file %s: %s", url, path, strerror(errno));
		return err;
	}
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	buf[strcspn(buf, "\r\n")] = '\0';
	if (!buf[0]) {
		pr_err("store %s: --store-password-file %s: empty first line", url, path);
		return -EINVAL;
	}
	h->password = strdup(buf);
	explicit_bzero(buf, sizeof(buf));
	if (!h->password) {
		pr_err("store %s: out of memory", url);
		return -ENOMEM;
	}
	return 0;
}

/* The options that make sense for this URL, copied into h. */
static int take_options(struct etcd_http *h, const char *url, const struct vx_store_opts *o)
{
	const char *tls_opt = o->ca ? "--store-ca" : o->cert ? "--store-cert" : o->key ? "--store-key" : NULL;
	int err = 0;

	if (!h->tls && tls_opt) {
		pr_err("store %s: %s needs an etcds:// URL (TLS)", url, tls_opt);
		return -EINVAL;
	}
	if (!o->cert != !o->key) {
		pr_err("store %s: --store-cert and --store-key go together", url);
		return -EINVAL;
	}
	if (!o->user != !o->password_file) {
		pr_err("store %s: --store-user and --store-password-file go together", url);
		return -EINVAL;
	}
	if ((o->ca && (err = readable(url, "--store-ca", o->ca))) ||
	    (o->cert && (err = readable(url, "--store-cert", o->cert))) ||
	    (o->key && (err = readable(url, "--store-key", o->key))) ||
	    (o->password_file && (err = read_password(h, url, o->password_file))))
		return err;
	if ((o->ca && !(h->ca = strdup(o->ca))) || (o->cert && !(h->cert = strdup(o->cert))) ||
	    (o->key && !(h->key = strdup(o->key))) || (o->user && !(h->user = strdup(o->user)))) {
		pr_err("store %s: out of memory", url);
		return -ENOMEM;
	}
	return 0;
}

int etcd_http_open(struct etcd_http *h, const char *url, const struct vx_store_opts *o)
{
	int err;

	*h = (struct etcd_http){ .tls = !strncmp(url, "etcds://", 8) };
	err = parse_endpoints(h, url) ?: take_options(h, url, o);
	if (!err) {
		curl_global_init(CURL_GLOBAL_DEFAULT);
		h->curl = curl_easy_init();
		if (!h->curl) {
			pr_err("store %s: cannot initialise libcurl", url);
			err = -ENOMEM;
		}
	}
	if (err) {
		etcd_http_close(h);
		return err;
	}
	warn_plain(h, url, o);
	return 0;
}

void etcd_http_close(struct etcd_http *h)
{
	for (int i = 0; i < h->neps; i++)
		free(h->eps[i]);
	free(h->eps);
	if (h->curl)
		curl_easy_cleanup(h->curl);
	if (h->grpc)
		curl_easy_cleanup(h->grpc);
	if (h->password)
		explicit_bzero(h->password, strlen(h->password));
	free(h->password);
	free(h->token);
	free(h->ca);
	free(h->cert);
	free(h->key);
	free(h->user);
	*h = (struct etcd_http){};
}
