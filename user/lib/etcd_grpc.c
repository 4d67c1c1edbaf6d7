// SPDX-License-Identifier: GPL-2.0-only
/* etcd's native gRPC API over libcurl's HTTP/2 (etcd_grpc.h): unary calls
 * (KV/Range, Auth/Authenticate) and the Watch stream, with its framing.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <strings.h>

#include "etcd_grpc.h"
#include "proc.h"

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
		     struct etcd_buf *b)
{
	struct curl_slist *l = curl_slist_append(NULL, "Content-Type: application/grpc"), *t = NULL;
	struct grpc_head g = { .status = -1 };
	const char *host = etcd_cur_host(h);
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
	etcd_set_common(h, h->grpc, h->cur, method, l, NULL);
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
	curl_easy_setopt(h->grpc, CURLOPT_WRITEFUNCTION, etcd_on_body);
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
		err = etcd_curl_failed(h, h->cur, rc, b);
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
	struct etcd_buf b = { .max = ETCD_MAX_BODY };
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
		snprintf(h->err, sizeof(h->err), "etcd at %s sent no usable token for %s", etcd_cur_host(h), h->user);
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
	struct etcd_buf b = { .max = ETCD_MAX_BODY };
	size_t len = 0;
	char *body = (char *)grpc_frame(msg, &len);
	int err = 0;

	*out = NULL;
	*outlen = 0;
	if (h->grpc_off) {
		snprintf(h->err, sizeof(h->err), "etcd at %s does not answer gRPC", etcd_cur_host(h));
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

/* ---- native gRPC: a server stream (Watch) ---- */

int grpc_frames_feed(struct grpc_frames *r, const void *data, size_t n, size_t max,
		     etcd_msg_fn fn, void *arg, const char **why)
{
	size_t off = 0;
	int err = 0;

	*why = NULL;
	if (!n)
		return 0; /* nothing new: whole frames went at the last feed */
	if (etcd_buf_add(&r->b, data, n))
		return -ENOMEM;
	/* Each message: a flag (0: not compressed; we never ask for
	 * compression), a 4-byte big-endian length, the bytes.
	 */
	while (!err && r->b.n - off >= 5) {
		const uint8_t *f = (const uint8_t *)r->b.p + off;
		uint32_t len = (uint32_t)f[1] << 24 | f[2] << 16 | f[3] << 8 | f[4];

		if (f[0]) {
			*why = f[0] == 1 ? "a compressed message (never asked for)" : "bytes that are not a gRPC message";
			err = -EPROTO;
		} else if (len > max) {
			*why = "a message larger than the bound";
			err = -EFBIG;
		} else if (r->b.n - off - 5 < len) {
			break; /* the rest comes in a later callback */
		} else {
			err = fn(arg, f + 5, len);
			off += 5 + len;
		}
	}
	memmove(r->b.p, r->b.p + off, r->b.n - off);
	r->b.n -= off;
	return err;
}

void grpc_frames_free(struct grpc_frames *r)
{
	free(r->b.p);
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
	const char *body; /* the request, sent once */
	size_t blen, sent;
	long long resumed, hup; /* now_ms(); hup 0: not seen; see on_gstream_progress */
	curl_socket_t fd; /* the call's connection (on_gstream_sockopt) */
	int closed; /* the member closed the connection under us */
	int err;
};

/* The request, then nothing: our half of the stream stays open (paused)
 * for as long as the call lasts. etcd would keep a half-closed watch
 * (recvLoop returns nil on EOF, etcd commit 9a20743), but its grpc-proxy
 * ends the watch when the client's request stream ends (3.4's
 * proxy/grpcproxy/watch.go: recvLoop's error stops the call).
 */
static size_t on_gstream_read(char *buf, size_t size, size_t nitems, void *arg)
{
	struct gstream *w = arg;
	size_t n = size * nitems;

	if (w->sent == w->blen)
		return CURL_READFUNC_PAUSE;
	if (n > w->blen - w->sent)
		n = w->blen - w->sent;
	memcpy(buf, w->body + w->sent, n);
	w->sent += n;
	return n;
}

static size_t on_gstream_data(char *data, size_t size, size_t nmemb, void *arg)
{
	struct gstream *w = arg;
	const char *why = NULL;
	long code = 0;

	curl_easy_getinfo(w->h->grpc, CURLINFO_RESPONSE_CODE, &code);
	if (code != 200 || !w->g.is_grpc) {
		snprintf(w->h->err, sizeof(w->h->err), "etcd at %s answered gRPC with HTTP %ld, not gRPC",
			 etcd_cur_host(w->h), code);
		w->h->grpc_off = 1;
		w->err = -ENOTSUP;
		return 0;
	}
	w->err = grpc_frames_feed(&w->f, data, size * nmemb, ETCD_MAX_LINE, w->fn, w->arg, &why);
	if (w->err == -EFBIG && why) /* as the gateway's stream says it */
		snprintf(w->h->err, sizeof(w->h->err), "watch on %s: an event longer than %u MiB",
			 etcd_cur_host(w->h), ETCD_MAX_LINE >> 20);
	else if (why)
		snprintf(w->h->err, sizeof(w->h->err), "watch on %s: etcd sent %s", etcd_cur_host(w->h), why);
	else if (w->err == -ENOMEM && !w->h->err[0])
		snprintf(w->h->err, sizeof(w->h->err), "out of memory");
	return w->err ? 0 : size * nmemb;
}

static int on_gstream_progress(void *arg, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un)
{
	struct gstream *w = arg;
	struct pollfd p = { .fd = w->fd, .events = POLLRDHUP };
	long long now = now_ms();

	/* libcurl 7.88 may wait forever on our paused upload once the member
	 * has closed the connection, where it would end the call: "done
	 * reading" (an HTTP/1.1-only proxy that closes unanswered), or no
	 * longer reading at all (etcd stopping under a TLS watch: the
	 * connection in CLOSE-WAIT, its last bytes unread, curl polling it
	 * only for POLLOUT). So the request resumes every 100 ms (and pauses
	 * again at once), which ends the first; and a connection the member
	 * closed 1 s ago or more (POLLRDHUP seen on two calls, curl had the
	 * time to read what came before) ends the call here.
	 */
	if (w->sent == w->blen && now - w->resumed >= 100) {
		w->resumed = now;
		curl_easy_pause(w->h->grpc, CURLPAUSE_CONT);
	}
	if (w->fd != CURL_SOCKET_BAD && poll(&p, 1, 0) == 1 && (p.revents & (POLLRDHUP | POLLHUP | POLLERR))) {
		if (!w->hup)
			w->hup = now;
		else if (now - w->hup >= 1000) {
			w->closed = 1;
			return 1;
		}
	}
	return w->stop(w->stop_arg) ? 1 : 0;
}

/* The socket of the call (one connection a call): CURLINFO_ACTIVESOCKET
 * has it only once the call is over.
 */
static int on_gstream_sockopt(void *arg, curl_socket_t fd, curlsocktype purpose)
{
	((struct gstream *)arg)->fd = fd;
	return CURL_SOCKOPT_OK;
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
	etcd_set_common(h, h->grpc, h->cur, method, l, NULL);
	curl_easy_setopt(h->grpc, CURLOPT_FRESH_CONNECT, 1L); /* as grpc_once */
	curl_easy_setopt(h->grpc, CURLOPT_FORBID_REUSE, 1L);
	curl_easy_setopt(h->grpc, CURLOPT_BUFFERSIZE, 512L << 10);
	w->body = body, w->blen = blen, w->sent = 0;
	w->resumed = w->hup = 0;
	w->closed = 0;
	w->fd = CURL_SOCKET_BAD;
	curl_easy_setopt(h->grpc, CURLOPT_SOCKOPTFUNCTION, on_gstream_sockopt);
	curl_easy_setopt(h->grpc, CURLOPT_SOCKOPTDATA, w);
	curl_easy_setopt(h->grpc, CURLOPT_POST, 1L);
	curl_easy_setopt(h->grpc, CURLOPT_READFUNCTION, on_gstream_read);
	curl_easy_setopt(h->grpc, CURLOPT_READDATA, w);
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
	if (w->closed) /* ended in on_gstream_progress: as curl would have */
		rc = w->g.is_grpc ? CURLE_OK : CURLE_GOT_NOTHING;
	if (!w->g.is_grpc && (rc == CURLE_HTTP2 || rc == CURLE_WEIRD_SERVER_REPLY ||
			      rc == CURLE_UNSUPPORTED_PROTOCOL || (rc == CURLE_OK && ver != CURL_HTTP_VERSION_2_0))) {
		snprintf(h->err, sizeof(h->err), "etcd at %s does not answer gRPC", etcd_cur_host(h));
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
			 etcd_cur_host(h));
		return -ENOTSUP;
	}
	if (etcd_never_connected(rc))
		return etcd_curl_failed(h, h->cur, rc, NULL) == -EAGAIN ? -ECONNRESET : -EIO;
	if (rc == CURLE_OK && !w->g.is_grpc) {
		snprintf(h->err, sizeof(h->err), "etcd at %s answered gRPC with something else", etcd_cur_host(h));
		h->grpc_off = 1;
		return -ENOTSUP;
	}
	if (rc == CURLE_OK && w->g.status > 0) {
		snprintf(h->err, sizeof(h->err), "watch failed: etcd at %s: gRPC status %d: %s", etcd_cur_host(h),
			 w->g.status, w->g.message);
		for (char *c = h->err; *c; c++)
			if ((unsigned char)*c < ' ' || *c == 0x7f)
				*c = '?';
		return strstr(w->g.message, "invalid auth token") ||
		       strstr(w->g.message, "invalid%20auth%20token") ? -EACCES : -EIO;
	}
	err = -ECONNRESET;
	snprintf(h->err, sizeof(h->err), "watch on %s ended: %s", etcd_cur_host(h),
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
		snprintf(h->err, sizeof(h->err), "etcd at %s does not answer gRPC", etcd_cur_host(h));
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
