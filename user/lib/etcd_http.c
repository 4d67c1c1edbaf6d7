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
static const char *cur_host(const struct etcd_http *h)
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
		 cur_host(h), key);
	return -EPROTO;
}

/* ---- requests ---- */

struct buf {
	char *p;
	size_t n, cap, max;
	int too_big; /* more than max bytes came */
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
	struct buf *b = arg;

	if (b->n + size * nmemb > b->max) {
		b->too_big = 1;
		return 0; /* aborts the transfer */
	}
	return buf_add(b, data, size * nmemb) ? 0 : size * nmemb;
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
static void set_common(struct etcd_http *h, CURL *c, int idx, const char *path,
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
static int curl_failed(struct etcd_http *h, int idx, CURLcode rc, const struct buf *b)
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
static void etcd_message(const json_t *j, const struct buf *b, char *out, size_t size)
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
static const char *hint(const char *msg)
{
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
		    const struct curl_slist *hdrs, const char *body, struct buf *b, json_t **resp)
{
	const char *host = strstr(h->eps[idx], "://") + 3;
	char msg[256];
	json_error_t jerr;
	long code = 0;
	CURLcode rc;
	json_t *j;

	set_common(h, h->curl, idx, path, hdrs, body);
	curl_easy_setopt(h->curl, CURLOPT_TIMEOUT_MS, 30000L);
	curl_easy_setopt(h->curl, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h->curl, CURLOPT_WRITEDATA, b);
	b->n = 0;
	b->too_big = 0;
	rc = curl_easy_perform(h->curl);
	if (rc != CURLE_OK)
		return curl_failed(h, idx, rc, b);
	curl_easy_getinfo(h->curl, CURLINFO_RESPONSE_CODE, &code);
	j = b->p ? json_loadb(b->p, b->n, 0, &jerr) : NULL;
	if (code == 200 && json_is_object(j)) {
		*resp = j;
		return 0;
	}
	etcd_message(j, b, msg, sizeof(msg));
	json_decref(j);
	snprintf(h->err, sizeof(h->err), "etcd at %s answered HTTP %ld: %s%s", host, code, msg, hint(msg));
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
	struct buf b = { .max = ETCD_MAX_BODY };
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
		snprintf(h->err, sizeof(h->err), "etcd at %s sent no usable token for %s", cur_host(h), h->user);
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

/* ---- native gRPC: unary calls over HTTP/2 ---- */

struct grpc_head {
	int status;        /* grpc-status; -1: none came */
	int is_grpc;       /* content-type application/grpc */
	char message[192]; /* grpc-message (percent-encoded, as sent) */
};

/* Headers and trailers (libcurl hands both here, one line a call). */
static size_t on_grpc_header(char *line, size_t size, size_t nmemb, void *arg)
{
	struct grpc_head *g = arg;
	size_t n = size * nmemb;

	if (n > 12 && !strncasecmp(line, "grpc-status:", 12))
		g->status = atoi(line + 12);
	else if (n > 13 && !strncasecmp(line, "grpc-message:", 13))
		snprintf(g->message, sizeof(g->message), "%.*s", (int)(n - 13), line + 13);
	else if (n > 13 && !strncasecmp(line, "content-type:", 13))
		g->is_grpc = !!strstr(line, "application/grpc");
	return n;
}

/* One call on member h->cur: 0, -EACCES (the token), or another errno. */
static int grpc_once(struct etcd_http *h, const char *method, const char *body, size_t blen,
		     struct buf *b)
{
	struct curl_slist *l = curl_slist_append(NULL, "Content-Type: application/grpc"), *t = NULL;
	struct grpc_head g = { .status = -1 };
	const char *host = cur_host(h);
	char *a = NULL;
	long code = 0, ver = 0;
	CURLcode rc;
	int err;

	if (l)
		t = curl_slist_append(l, "TE: trailers");
	if (t && h->token && (asprintf(&a, "token: %s", h->token) < 0 || !(t = curl_slist_append(l, a))))
		t = NULL;
	free(a);
	if (!t) {
		curl_slist_free_all(l);
		snprintf(h->err, sizeof(h->err), "out of memory");
		return -ENOMEM;
	}
	if (!h->grpc && !(h->grpc = curl_easy_init())) {
		curl_slist_free_all(l);
		snprintf(h->err, sizeof(h->err), "out of memory");
		return -ENOMEM;
	}
	set_common(h, h->grpc, h->cur, method, l, NULL);
	/* libcurl 7.88 fails a second POST on a reused h2c connection
	 * ("Error in the HTTP2 framing layer"): one connection a call (a
	 * list is a few calls).
	 */
	curl_easy_setopt(h->grpc, CURLOPT_FRESH_CONNECT, 1L);
	curl_easy_setopt(h->grpc, CURLOPT_FORBID_REUSE, 1L);
	curl_easy_setopt(h->grpc, CURLOPT_BUFFERSIZE, 512L << 10);
	curl_easy_setopt(h->grpc, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(h->grpc, CURLOPT_POSTFIELDSIZE, (long)blen);
	curl_easy_setopt(h->grpc, CURLOPT_HTTP_VERSION,
			 h->tls ? (long)CURL_HTTP_VERSION_2TLS : (long)CURL_HTTP_VERSION_2_PRIOR_KNOWLEDGE);
	curl_easy_setopt(h->grpc, CURLOPT_TIMEOUT_MS, 30000L);
	curl_easy_setopt(h->grpc, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h->grpc, CURLOPT_WRITEDATA, b);
	curl_easy_setopt(h->grpc, CURLOPT_HEADERFUNCTION, on_grpc_header);
	curl_easy_setopt(h->grpc, CURLOPT_HEADERDATA, &g);
	b->n = 0;
	b->too_big = 0;
	rc = curl_easy_perform(h->grpc);
	curl_slist_free_all(l);
	curl_easy_getinfo(h->grpc, CURLINFO_RESPONSE_CODE, &code);
	curl_easy_getinfo(h->grpc, CURLINFO_HTTP_VERSION, &ver);
	if (rc != CURLE_OK) {
		err = curl_failed(h, h->cur, rc, b);
		/* not a connection failure: it does not speak HTTP/2 */
		if (rc == CURLE_HTTP2 || rc == CURLE_WEIRD_SERVER_REPLY || rc == CURLE_UNSUPPORTED_PROTOCOL)
			err = -ENOTSUP;
		return err;
	}
	if (ver != CURL_HTTP_VERSION_2_0 || code != 200 || !g.is_grpc) {
		snprintf(h->err, sizeof(h->err), "etcd at %s answered gRPC with HTTP %ld, not gRPC", host, code);
		return -ENOTSUP;
	}
	if (g.status != 0) {
		snprintf(h->err, sizeof(h->err), "etcd at %s: gRPC status %d: %s", host, g.status, g.message);
		for (char *c = h->err; *c; c++)
			if ((unsigned char)*c < ' ' || *c == 0x7f)
				*c = '?';
		return strstr(g.message, "invalid auth token") || strstr(g.message, "invalid%20auth%20token") ?
		       -EACCES : -EIO;
	}
	/* One message, not compressed: flag 0, a 4-byte length, the bytes. */
	if (b->n < 5 || b->p[0] || ((uint32_t)(uint8_t)b->p[1] << 24 | (uint8_t)b->p[2] << 16 |
				    (uint8_t)b->p[3] << 8 | (uint8_t)b->p[4]) != b->n - 5) {
		snprintf(h->err, sizeof(h->err), "etcd at %s sent a gRPC answer that is not one uncompressed message", host);
		return -EPROTO;
	}
	return 0;
}

/* A gRPC message: flag 0 (not compressed), a 4-byte length, m packed;
 * NULL when out of memory.
 */
static uint8_t *grpc_frame(const ProtobufCMessage *m, size_t *len)
{
	size_t n = protobuf_c_message_get_packed_size(m);
	uint8_t *f = malloc(n + 5);

	if (!f)
		return NULL;
	f[0] = 0;
	f[1] = n >> 24;
	f[2] = n >> 16;
	f[3] = n >> 8;
	f[4] = n;
	*len = protobuf_c_message_pack(m, f + 5) + 5;
	return f;
}

/* A token for h->user over gRPC (as authenticate). 0, or a negative errno
 * (reason in h->err): then the caller asks the gateway, which
 * authenticates itself and says what went wrong.
 */
static int grpc_authenticate(struct etcd_http *h)
{
	Etcdserverpb__AuthenticateRequest req = ETCDSERVERPB__AUTHENTICATE_REQUEST__INIT;
	Etcdserverpb__AuthenticateResponse *resp = NULL;
	struct buf b = { .max = ETCD_MAX_BODY };
	size_t len = 0;
	uint8_t *body, *tok = NULL;
	size_t tlen = 0;
	int err = -ENOMEM;

	free(h->token);
	h->token = NULL;
	req.name = h->user;
	req.password = h->password;
	body = grpc_frame(&req.base, &len);
	if (body)
		err = grpc_once(h, "/etcdserverpb.Auth/Authenticate", (char *)body, len, &b);
	else
		snprintf(h->err, sizeof(h->err), "out of memory");
	if (!err && !(resp = etcdserverpb__authenticate_response__unpack(NULL, b.n - 5, (uint8_t *)b.p + 5)))
		err = -EPROTO;
	if (resp) {
		tok = resp->token.data;
		tlen = resp->token.len;
	}
	/* etcd's simple or JWT token: printable, one line */
	if (!err && (!tlen || tlen > 4096 || memchr(tok, '\0', tlen) || memchr(tok, '\r', tlen) ||
		     memchr(tok, '\n', tlen)))
		err = -EPROTO;
	if (err == -EPROTO)
		snprintf(h->err, sizeof(h->err), "etcd at %s sent no usable token for %s", cur_host(h), h->user);
	if (!err && !(h->token = strndup((const char *)tok, tlen))) {
		snprintf(h->err, sizeof(h->err), "out of memory");
		err = -ENOMEM;
	}
	if (body) {
		explicit_bzero(body, len); /* it holds the password */
		free(body);
	}
	if (resp)
		etcdserverpb__authenticate_response__free_unpacked(resp, NULL);
	free(b.p);
	return err;
}

int etcd_grpc(struct etcd_http *h, const char *method, const ProtobufCMessage *msg,
	      uint8_t **out, size_t *outlen)
{
	struct buf b = { .max = ETCD_MAX_BODY };
	size_t len = 0;
	char *body = (char *)grpc_frame(msg, &len);
	int err = 0;

	*out = NULL;
	*outlen = 0;
	if (h->grpc_off) {
		snprintf(h->err, sizeof(h->err), "etcd at %s does not answer gRPC", cur_host(h));
		free(body);
		return -ENOTSUP;
	}
	if (!body) {
		snprintf(h->err, sizeof(h->err), "out of memory");
		return -ENOMEM;
	}
	if (h->user && !h->token)
		err = grpc_authenticate(h);
	err = err ?: grpc_once(h, method, body, len, &b);
	if (err == -EACCES && h->user)
		err = grpc_authenticate(h) ?: grpc_once(h, method, body, len, &b);
	if (err == -ENOTSUP)
		h->grpc_off = 1;
	if (!err) {
		memmove(b.p, b.p + 5, b.n - 5);
		*out = (uint8_t *)b.p;
		*outlen = b.n - 5;
	} else {
		free(b.p);
	}
	free(body);
	return err;
}

Etcdserverpb__RangeResponse *etcd_range_unpack(const uint8_t *p, size_t n, const char **why)
{
	Etcdserverpb__RangeResponse *r = etcdserverpb__range_response__unpack(NULL, n, p);

	*why = NULL;
	if (!r) {
		*why = "not a RangeResponse message";
		return NULL;
	}
	if (r->header && r->header->revision < 0)
		*why = "a negative revision";
	for (size_t i = 0; i < r->n_kvs && !*why; i++) {
		if (r->kvs[i]->mod_revision < 0)
			*why = "a negative revision";
		else if (!r->kvs[i]->key.len)
			*why = "a key-value without a key";
	}
	if (*why) {
		etcdserverpb__range_response__free_unpacked(r, NULL);
		return NULL;
	}
	return r;
}

/* ---- the watch stream: one JSON object a line ---- */

struct stream {
	struct etcd_http *h;
	struct buf b;
	etcd_line_fn fn;
	void *arg;
	int (*stop)(void *arg);
	void *stop_arg;
	int err;
};

static int line_too_long(struct stream *w)
{
	snprintf(w->h->err, sizeof(w->h->err), "watch on %s: an event longer than %u MiB",
		 cur_host(w->h), ETCD_MAX_LINE >> 20);
	return -EFBIG;
}

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
static int never_connected(CURLcode rc)
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
	set_common(h, h->curl, h->cur, "/v3/watch", hdrs, body);
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
	else if (never_connected(rc))
		err = curl_failed(h, h->cur, rc, NULL) == -EAGAIN ? -ECONNRESET : -EIO;
	else {
		err = -ECONNRESET;
		snprintf(h->err, sizeof(h->err), "watch on %s ended: %s", cur_host(h),
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

/* ---- native gRPC: a server stream (Watch) ---- */

int grpc_frames_feed(struct grpc_frames *r, const void *data, size_t n, size_t max,
		     etcd_msg_fn fn, void *arg, const char **why)
{
	size_t off = 0;
	int err = 0;

	*why = NULL;
	if (!n)
		return 0; /* nothing new: whole frames went at the last feed */
	if (r->n + n > r->cap) {
		size_t cap = r->cap ? r->cap : 4096;
		uint8_t *p;

		while (cap < r->n + n)
			cap *= 2;
		p = realloc(r->p, cap);
		if (!p)
			return -ENOMEM;
		r->p = p;
		r->cap = cap;
	}
	memcpy(r->p + r->n, data, n);
	r->n += n;
	/* Each message: a flag (0: not compressed; we never ask for
	 * compression), a 4-byte big-endian length, the bytes.
	 */
	while (!err && r->n - off >= 5) {
		const uint8_t *f = r->p + off;
		uint32_t len = (uint32_t)f[1] << 24 | f[2] << 16 | f[3] << 8 | f[4];

		if (f[0]) {
			*why = f[0] == 1 ? "a compressed message (never asked for)" : "bytes that are not a gRPC message";
			err = -EPROTO;
		} else if (len > max) {
			*why = "a message larger than the bound";
			err = -EFBIG;
		} else if (r->n - off - 5 < len) {
			break; /* the rest comes in a later callback */
		} else {
			err = fn(arg, f + 5, len);
			off += 5 + len;
		}
	}
	memmove(r->p, r->p + off, r->n - off);
	r->n -= off;
	return err;
}

void grpc_frames_free(struct grpc_frames *r)
{
	free(r->p);
	*r = (struct grpc_frames){};
}

struct gstream {
	struct etcd_http *h;
	struct grpc_head g;
	struct grpc_frames f;
	etcd_msg_fn fn;
	void *arg;
	int (*stop)(void *arg);
	void *stop_arg;
	int err;
};

static size_t on_gstream_data(char *data, size_t size, size_t nmemb, void *arg)
{
	struct gstream *w = arg;
	const char *why = NULL;
	long code = 0;

	curl_easy_getinfo(w->h->grpc, CURLINFO_RESPONSE_CODE, &code);
	if (code != 200 || !w->g.is_grpc) {
		snprintf(w->h->err, sizeof(w->h->err), "etcd at %s answered gRPC with HTTP %ld, not gRPC",
			 cur_host(w->h), code);
		w->h->grpc_off = 1;
		w->err = -ENOTSUP;
		return 0;
	}
	w->err = grpc_frames_feed(&w->f, data, size * nmemb, ETCD_MAX_LINE, w->fn, w->arg, &why);
	if (w->err == -EFBIG && why) /* as the gateway's stream says it */
		snprintf(w->h->err, sizeof(w->h->err), "watch on %s: an event longer than %u MiB",
			 cur_host(w->h), ETCD_MAX_LINE >> 20);
	else if (why)
		snprintf(w->h->err, sizeof(w->h->err), "watch on %s: etcd sent %s", cur_host(w->h), why);
	else if (w->err == -ENOMEM && !w->h->err[0])
		snprintf(w->h->err, sizeof(w->h->err), "out of memory");
	return w->err ? 0 : size * nmemb;
}

static int on_gstream_progress(void *arg, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un)
{
	struct gstream *w = arg;

	return w->stop(w->stop_arg) ? 1 : 0;
}

/* One stream on member h->cur, as etcd_grpc_stream. */
static int grpc_stream_once(struct etcd_http *h, const char *method, const char *body, size_t blen,
			    struct gstream *w)
{
	struct curl_slist *l = curl_slist_append(NULL, "Content-Type: application/grpc"), *t = NULL;
	char *a = NULL;
	long ver = 0;
	CURLcode rc;
	int err;

	if (l)
		t = curl_slist_append(l, "TE: trailers");
	if (t && h->token && (asprintf(&a, "token: %s", h->token) < 0 || !(t = curl_slist_append(l, a))))
		t = NULL;
	free(a);
	if (!t || (!h->grpc && !(h->grpc = curl_easy_init()))) {
		curl_slist_free_all(l);
		snprintf(h->err, sizeof(h->err), "out of memory");
		return -ENOMEM;
	}
	set_common(h, h->grpc, h->cur, method, l, NULL);
	curl_easy_setopt(h->grpc, CURLOPT_FRESH_CONNECT, 1L); /* as grpc_once */
	curl_easy_setopt(h->grpc, CURLOPT_FORBID_REUSE, 1L);
	curl_easy_setopt(h->grpc, CURLOPT_BUFFERSIZE, 512L << 10);
	/* The request, then our half of the stream closes: etcd keeps the
	 * watch (recvLoop returns nil on EOF, etcd commit 9a20743).
	 */
	curl_easy_setopt(h->grpc, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(h->grpc, CURLOPT_POSTFIELDSIZE, (long)blen);
	curl_easy_setopt(h->grpc, CURLOPT_HTTP_VERSION,
			 h->tls ? (long)CURL_HTTP_VERSION_2TLS : (long)CURL_HTTP_VERSION_2_PRIOR_KNOWLEDGE);
	curl_easy_setopt(h->grpc, CURLOPT_WRITEFUNCTION, on_gstream_data);
	curl_easy_setopt(h->grpc, CURLOPT_WRITEDATA, w);
	curl_easy_setopt(h->grpc, CURLOPT_HEADERFUNCTION, on_grpc_header);
	curl_easy_setopt(h->grpc, CURLOPT_HEADERDATA, &w->g);
	curl_easy_setopt(h->grpc, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(h->grpc, CURLOPT_XFERINFOFUNCTION, on_gstream_progress);
	curl_easy_setopt(h->grpc, CURLOPT_XFERINFODATA, w);
	w->g = (struct grpc_head){ .status = -1 };
	rc = curl_easy_perform(h->grpc);
	curl_slist_free_all(l);
	curl_easy_getinfo(h->grpc, CURLINFO_HTTP_VERSION, &ver);
	if (w->err)
		return w->err;
	if (w->stop(w->stop_arg))
		return -ECANCELED;
	if (!w->g.is_grpc && (rc == CURLE_HTTP2 || rc == CURLE_WEIRD_SERVER_REPLY ||
			      rc == CURLE_UNSUPPORTED_PROTOCOL || (rc == CURLE_OK && ver != CURL_HTTP_VERSION_2_0))) {
		snprintf(h->err, sizeof(h->err), "etcd at %s does not answer gRPC", cur_host(h));
		h->grpc_off = 1; /* as etcd_grpc: it never will */
		return -ENOTSUP;
	}
	/* Connected, and closed with no HTTP/2 answer at all: what an HTTP/1.1
	 * proxy does with HTTP/2's preface (curl then fails to send or to
	 * read, or got nothing), but also what a member going down or a
	 * refused TLS handshake may do: the gateway for this watch (it says
	 * what is wrong if something is), gRPC again for the next.
	 */
	if (!w->g.is_grpc && (rc == CURLE_GOT_NOTHING || rc == CURLE_SEND_ERROR || rc == CURLE_RECV_ERROR)) {
		snprintf(h->err, sizeof(h->err), "etcd at %s closed the connection without a gRPC answer",
			 cur_host(h));
		return -ENOTSUP;
	}
	if (never_connected(rc))
		return curl_failed(h, h->cur, rc, NULL) == -EAGAIN ? -ECONNRESET : -EIO;
	if (rc == CURLE_OK && !w->g.is_grpc) {
		snprintf(h->err, sizeof(h->err), "etcd at %s answered gRPC with something else", cur_host(h));
		h->grpc_off = 1;
		return -ENOTSUP;
	}
	if (rc == CURLE_OK && w->g.status > 0) {
		snprintf(h->err, sizeof(h->err), "watch failed: etcd at %s: gRPC status %d: %s", cur_host(h),
			 w->g.status, w->g.message);
		for (char *c = h->err; *c; c++)
			if ((unsigned char)*c < ' ' || *c == 0x7f)
				*c = '?';
		return strstr(w->g.message, "invalid auth token") ||
		       strstr(w->g.message, "invalid%20auth%20token") ? -EACCES : -EIO;
	}
	err = -ECONNRESET;
	snprintf(h->err, sizeof(h->err), "watch on %s ended: %s", cur_host(h),
		 rc == CURLE_OK ? "closed by etcd" : h->curl_err[0] ? h->curl_err : curl_easy_strerror(rc));
	return err;
}

int etcd_grpc_stream(struct etcd_http *h, const char *method, const ProtobufCMessage *msg,
		     etcd_msg_fn fn, void *arg, int (*stop)(void *arg), void *stop_arg)
{
	struct gstream w = { .h = h, .fn = fn, .arg = arg, .stop = stop, .stop_arg = stop_arg };
	size_t len = 0;
	char *body;
	int err = 0;

	h->err[0] = '\0';
	if (h->grpc_off) {
		snprintf(h->err, sizeof(h->err), "etcd at %s does not answer gRPC", cur_host(h));
		return -ENOTSUP;
	}
	body = (char *)grpc_frame(msg, &len);
	if (!body) {
		snprintf(h->err, sizeof(h->err), "out of memory");
		return -ENOMEM;
	}
	if (h->user && !h->token)
		err = grpc_authenticate(h);
	err = err ?: grpc_stream_once(h, method, body, len, &w);
	/* etcd refused the token: the next request gets a new one. */
	if (err == -EACCES) {
		free(h->token);
		h->token = NULL;
	}
	/* A member that dropped us may be gone: next time, try the next one. */
	if (err != -ECANCELED && err != -ESTALE && err != -EACCES && err != -ENOTSUP)
		h->cur = (h->cur + 1) % h->neps;
	grpc_frames_free(&w.f);
	free(body);
	return err;
}

Etcdserverpb__WatchResponse *etcd_watch_unpack(const uint8_t *p, size_t n, const char **why)
{
	Etcdserverpb__WatchResponse *r = etcdserverpb__watch_response__unpack(NULL, n, p);

	*why = NULL;
	if (!r) {
		*why = "not a WatchResponse message";
		return NULL;
	}
	if ((r->header && r->header->revision < 0) || r->compact_revision < 0)
		*why = "a negative revision";
	for (size_t i = 0; i < r->n_events && !*why; i++) {
		const Etcdserverpb__Event *ev = r->events[i];

		if (ev->type != ETCDSERVERPB__EVENT__EVENT_TYPE__PUT &&
		    ev->type != ETCDSERVERPB__EVENT__EVENT_TYPE__DELETE)
			*why = "an event that is neither a put nor a delete";
		else if (!ev->kv || !ev->kv->key.len)
			*why = "an event without a key";
		else if (ev->kv->mod_revision <= 0)
			*why = "an event without a revision";
	}
	if (*why) {
		etcdserverpb__watch_response__free_unpacked(r, NULL);
		return NULL;
	}
	return r;
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
