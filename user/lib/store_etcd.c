// SPDX-License-Identifier: GPL-2.0-only
/* The etcd store, through etcd's v3 HTTP/JSON gateway (libcurl, jansson).
 *
 *   /vxnet/nodes/NAME      {"name": ..., "address": ...}
 *   /vxnet/networks/NAME   {"name": ..., "vni": ..., "mtu": ..., "subnets": [...]}
 *   /vxnet/endpoints/NAME  {"name": ..., "network": ..., "node": ..., "ip": ..., ...}
 *   /vxnet/rev             bumped by every change (its mod_revision orders writers)
 *
 * The values are the records of the file store's arrays. A change reads the
 * whole prefix at one revision, runs the caller's function on the state,
 * validates it and writes the differences in one transaction guarded by
 * "mod_revision(/vxnet/rev) is still what we read"; on conflict the whole
 * read-modify-write runs again (bounded). So two hosts allocating an address
 * or a VNI at once never both get it: one of them retries on the new state.
 */
#define _GNU_SOURCE
#include <curl/curl.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "store.h"

#define PREFIX "/vxnet/"
#define PREFIX_END "/vxnet0" /* '/' + 1: the end of the prefix range */
#define REV_KEY "/vxnet/rev"
#define PAGE_SIZE 10000
#define MAX_ATTEMPTS 64

static const char *const kind_dir[] = {
	[VX_REC_NODE] = "nodes/",
	[VX_REC_NETWORK] = "networks/",
	[VX_REC_ENDPOINT] = "endpoints/",
};

struct etcd {
	struct vx_store base; /* base.location: the URL as given */
	char **eps;           /* "http://HOST:PORT" */
	int neps, cur;        /* cur: the endpoint that answered last */
	CURL *curl;
	char err[CURL_ERROR_SIZE + 128]; /* why the last request failed */
	char curl_err[CURL_ERROR_SIZE];
};

/* ---- base64 (keys and values in the gateway's JSON) ---- */

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static char *b64_encode(const void *data, size_t len)
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

/* Decodes into a malloc'd, NUL-terminated buffer; NULL when malformed. */
static char *b64_decode(const char *s, size_t *len)
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

/* An int64 of the gateway's JSON: a string ("12") or absent (0). */
static int64_t jint(const json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);

	if (json_is_string(v))
		return strtoll(json_string_value(v), NULL, 10);
	if (json_is_integer(v))
		return json_integer_value(v);
	return 0;
}

static void set_common(struct etcd *e, const char *url)
{
	curl_easy_reset(e->curl);
	curl_easy_setopt(e->curl, CURLOPT_URL, url);
	curl_easy_setopt(e->curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e->curl, CURLOPT_CONNECTTIMEOUT_MS, 2000L);
	curl_easy_setopt(e->curl, CURLOPT_ERRORBUFFER, e->curl_err);
	curl_easy_setopt(e->curl, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(e->curl, CURLOPT_TCP_KEEPIDLE, 2L);
	curl_easy_setopt(e->curl, CURLOPT_TCP_KEEPINTVL, 1L);
	curl_easy_setopt(e->curl, CURLOPT_PROXY, ""); /* never an http_proxy */
	e->curl_err[0] = '\0';
}

/* POSTs req to path on the first endpoint that answers, starting with the
 * last one that did. 0 with the response, or a negative errno with the
 * reason in e->err (no message printed).
 */
static int etcd_post(struct etcd *e, const char *path, json_t *req, json_t **resp)
{
	struct curl_slist *hdrs = NULL;
	char *body = json_dumps(req, JSON_COMPACT);
	struct buf b = {};
	char url[512];
	int err = -EHOSTUNREACH;

	*resp = NULL;
	if (!body) {
		snprintf(e->err, sizeof(e->err), "out of memory");
		return -ENOMEM;
	}
	hdrs = curl_slist_append(hdrs, "Content-Type: application/json");
	for (int i = 0; i < e->neps; i++) {
		int idx = (e->cur + i) % e->neps;
		json_error_t jerr;
		long code = 0;
		CURLcode rc;
		json_t *j;

		snprintf(url, sizeof(url), "%s%s", e->eps[idx], path);
		set_common(e, url);
		curl_easy_setopt(e->curl, CURLOPT_TIMEOUT_MS, 30000L);
		curl_easy_setopt(e->curl, CURLOPT_HTTPHEADER, hdrs);
		curl_easy_setopt(e->curl, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(e->curl, CURLOPT_WRITEFUNCTION, on_body);
		curl_easy_setopt(e->curl, CURLOPT_WRITEDATA, &b);
		b.n = 0;
		rc = curl_easy_perform(e->curl);
		if (rc != CURLE_OK) {
			snprintf(e->err, sizeof(e->err), "cannot reach etcd at %s: %s", e->eps[idx] + 7,
				 e->curl_err[0] ? e->curl_err : curl_easy_strerror(rc));
			continue;
		}
		curl_easy_getinfo(e->curl, CURLINFO_RESPONSE_CODE, &code);
		j = b.p ? json_loadb(b.p, b.n, 0, &jerr) : NULL;
		if (code != 200 || !json_is_object(j)) {
			const char *msg = json_string_value(json_object_get(j, "message"));

			if (!msg)
				msg = json_string_value(json_object_get(j, "error"));
			snprintf(e->err, sizeof(e->err), "etcd at %s answered HTTP %ld: %s", e->eps[idx] + 7,
				 code, msg ? msg : "no JSON body (is this etcd v3.4+?)");
			json_decref(j);
			/* Unavailable (no leader, stopping): another member may serve. */
			if (code == 503 || code >= 500)
				continue;
			err = -EIO;
			break;
		}
		e->cur = idx;
		*resp = j;
		err = 0;
		break;
	}
	curl_slist_free_all(hdrs);
	free(body);
	free(b.p);
	return err;
}

/* ---- records ---- */

static int key_kind(const char *key, const char **name)
{
	if (strncmp(key, PREFIX, strlen(PREFIX)))
		return -1;
	key += strlen(PREFIX);
	for (int k = 0; k < 3; k++) {
		size_t n = strlen(kind_dir[k]);

		if (!strncmp(key, kind_dir[k], n) && key[n]) {
			*name = key + n;
			return k;
		}
	}
	return -1;
}

/* Parses one kv of the gateway ({"key": b64, "value": b64, ...}) and appends
 * the record to st. 1: not a record (e.g. /vxnet/rev), 0: added, <0: bad.
 */
static int kv_to_state(const json_t *kv, struct vx_state *st, int *kind_out, char *name_out)
{
	const char *k64 = json_string_value(json_object_get(kv, "key"));
	const char *v64 = json_string_value(json_object_get(kv, "value"));
	char *key = NULL, *val = NULL, src[VX_NAME_MAX + 64];
	const char *name, *rec_name = NULL;
	size_t klen, vlen;
	int kind, err = 1;
	size_t before;

	if (!k64 || !(key = b64_decode(k64, &klen)) || strlen(key) != klen)
		goto cleanup;
	kind = key_kind(key, &name);
	if (kind < 0)
		goto cleanup;
	snprintf(src, sizeof(src), "etcd %s", key);
	if (!v64 || !(val = b64_decode(v64, &vlen))) {
		pr_err("%s: value is not base64", src);
		err = -EINVAL;
		goto cleanup;
	}
	before = kind == VX_REC_NODE ? st->nnodes : kind == VX_REC_NETWORK ? st->nnetworks : st->nendpoints;
	err = state_record_from_json(st, kind, val, vlen, src);
	if (err)
		goto cleanup;
	rec_name = kind == VX_REC_NODE ? st->nodes[before].name :
		   kind == VX_REC_NETWORK ? st->networks[before].name : st->endpoints[before].name;
	if (strcmp(rec_name, name)) {
		pr_err("%s: record name '%s' does not match its key", src, rec_name);
		if (kind == VX_REC_NODE)
			st->nnodes--;
		else if (kind == VX_REC_NETWORK)
			st->nnetworks--;
		else
			st->nendpoints--;
		err = -EINVAL;
		goto cleanup;
	}
	if (kind_out)
		*kind_out = kind;
	if (name_out)
		snprintf(name_out, VX_NAME_MAX, "%s", name);
cleanup:
	free(key);
	free(val);
	return err;
}

/* Reads every key under the prefix at one revision, page by page. strict:
 * a bad record fails the read; else it is skipped (its line is printed).
 * *rev: the revision read; *rev_mod: mod_revision of /vxnet/rev (0: none).
 */
static int etcd_range(struct etcd *e, struct vx_state *st, int strict, int64_t *rev, int64_t *rev_mod)
{
	char *key = strdup(PREFIX), *end = b64_encode(PREFIX_END, strlen(PREFIX_END));
	size_t keylen = strlen(PREFIX);
	int64_t at = 0;
	int err = 0, more = 1;

	state_init(st);
	*rev_mod = 0;
	while (more && !err) {
		char *k64 = key ? b64_encode(key, keylen) : NULL;
		json_t *req, *resp = NULL, *kvs, *kv;
		size_t i;

		req = k64 && end ? json_pack("{s:s, s:s, s:I}", "key", k64, "range_end", end,
					     "limit", (json_int_t)PAGE_SIZE) : NULL;
		free(k64);
		if (!req) {
			snprintf(e->err, sizeof(e->err), "out of memory");
			err = -ENOMEM;
			break;
		}
		if (at)
			json_object_set_new(req, "revision", json_integer(at));
		err = etcd_post(e, "/v3/kv/range", req, &resp);
		json_decref(req);
		if (err)
			break;
		if (!at)
			at = jint(json_object_get(resp, "header"), "revision");
		more = json_is_true(json_object_get(resp, "more"));
		kvs = json_object_get(resp, "kvs");
		json_array_foreach(kvs, i, kv) {
			const char *k = json_string_value(json_object_get(kv, "key"));
			char *dk;
			size_t dlen;
			int r;

			r = kv_to_state(kv, st, NULL, NULL);
			if (r == 1 && k && (dk = b64_decode(k, &dlen))) {
				if (!strcmp(dk, REV_KEY))
					*rev_mod = jint(kv, "mod_revision");
				free(dk);
			}
			if (r < 0 && strict) {
				err = r;
				e->err[0] = '\0'; /* already reported */
				break;
			}
			if (i + 1 == json_array_size(kvs) && more && k) {
				/* Next page: keys after this one. */
				free(key);
				key = b64_decode(k, &keylen);
				if (key) {
					char *p = realloc(key, keylen + 2);

					if (p) {
						key = p;
						key[keylen++] = '\0';
					} else {
						free(key);
						key = NULL;
					}
				}
			}
		}
		json_decref(resp);
		if (!key && more) {
			snprintf(e->err, sizeof(e->err), "out of memory");
			err = -ENOMEM;
		}
	}
	free(key);
	free(end);
	if (err)
		state_free(st);
	*rev = at;
	return err;
}

static void report(struct etcd *e)
{
	if (e->err[0])
		pr_err("store %s: %s", e->base.location, e->err);
}

static int etcd_read(struct vx_store *s, struct vx_state *st)
{
	struct etcd *e = (struct etcd *)s;
	int64_t rev, rev_mod;
	int err;

	err = etcd_range(e, st, 1, &rev, &rev_mod);
	if (err) {
		report(e);
		return err;
	}
	err = state_validate(st, s->location);
	if (err)
		state_free(st);
	return err;
}

static int etcd_list(struct vx_store *s, struct vx_state *st, int64_t *rev)
{
	struct etcd *e = (struct etcd *)s;
	int64_t rev_mod;

	return etcd_range(e, st, 0, rev, &rev_mod);
}

/* ---- update: read, fn, validate, diff, one transaction ---- */

struct rec_text {
	char name[VX_NAME_MAX]; /* a copy: fn may move the records */
	char *json;
};

static int rec_cmp(const void *a, const void *b)
{
	return strcmp(((const struct rec_text *)a)->name, ((const struct rec_text *)b)->name);
}

/* The records of one kind as sorted (name, JSON) pairs. */
static struct rec_text *rec_texts(const struct vx_state *st, int kind, size_t *n)
{
	size_t cnt = kind == VX_REC_NODE ? st->nnodes : kind == VX_REC_NETWORK ? st->nnetworks : st->nendpoints;
	struct rec_text *r = calloc(cnt + 1, sizeof(*r));

	*n = cnt;
	if (!r)
		return NULL;
	for (size_t i = 0; i < cnt; i++) {
		const void *rec = kind == VX_REC_NODE ? (const void *)&st->nodes[i] :
				  kind == VX_REC_NETWORK ? (const void *)&st->networks[i] :
							   (const void *)&st->endpoints[i];

		snprintf(r[i].name, sizeof(r[i].name), "%s",
			 kind == VX_REC_NODE ? st->nodes[i].name :
			 kind == VX_REC_NETWORK ? st->networks[i].name : st->endpoints[i].name);
		r[i].json = state_record_to_json(kind, rec);
		if (!r[i].json) {
			for (size_t j = 0; j < i; j++)
				free(r[j].json);
			free(r);
			return NULL;
		}
	}
	qsort(r, cnt, sizeof(*r), rec_cmp);
	return r;
}

static void rec_texts_free(struct rec_text *r, size_t n)
{
	for (size_t i = 0; r && i < n; i++)
		free(r[i].json);
	free(r);
}

static int add_op(json_t *ops, int del, const char *key, const char *val)
{
	char *k64 = b64_encode(key, strlen(key)), *v64 = val ? b64_encode(val, strlen(val)) : NULL;
	json_t *op = NULL;

	if (k64 && del)
		op = json_pack("{s:{s:s}}", "request_delete_range", "key", k64);
	else if (k64 && v64)
		op = json_pack("{s:{s:s, s:s}}", "request_put", "key", k64, "value", v64);
	free(k64);
	free(v64);
	return op ? json_array_append_new(ops, op) : -1;
}

/* Appends to ops the puts and deletes that turn old into new. */
static int diff_ops(json_t *ops, int kind, struct rec_text *o, size_t no, struct rec_text *n, size_t nn)
{
	size_t i = 0, j = 0;
	char key[256];

	while (i < no || j < nn) {
		int c = i == no ? 1 : j == nn ? -1 : strcmp(o[i].name, n[j].name);

		if (c < 0) {
			snprintf(key, sizeof(key), PREFIX "%s%s", kind_dir[kind], o[i++].name);
			if (add_op(ops, 1, key, NULL))
				return -ENOMEM;
			continue;
		}
		if (c > 0 || strcmp(o[i].json, n[j].json)) {
			snprintf(key, sizeof(key), PREFIX "%s%s", kind_dir[kind], n[j].name);
			if (add_op(ops, 0, key, n[j].json))
				return -ENOMEM;
		}
		if (c == 0)
			i++;
		j++;
	}
	return 0;
}

static int etcd_update(struct vx_store *s, int (*fn)(struct vx_state *st, void *arg), void *arg)
{
	struct etcd *e = (struct etcd *)s;
	struct vx_state st;
	int err = 0;

	for (int attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
		struct rec_text *old[3] = {}, *cur;
		size_t nold[3] = {}, ncur;
		json_t *ops = NULL, *req = NULL, *resp = NULL;
		int64_t rev, rev_mod;
		char *rk = NULL;
		int done = 0;

		err = etcd_range(e, &st, 1, &rev, &rev_mod);
		if (err) {
			report(e);
			return err;
		}
		err = state_validate(&st, s->location);
		for (int k = 0; k < 3 && !err; k++) {
			old[k] = rec_texts(&st, k, &nold[k]);
			if (!old[k])
				err = -ENOMEM;
		}
		if (!err)
			err = fn(&st, arg);
		if (!err)
			err = state_validate(&st, NULL);
		if (!err && !(ops = json_array()))
			err = -ENOMEM;
		for (int k = 0; k < 3 && !err; k++) {
			cur = rec_texts(&st, k, &ncur);
			err = cur ? diff_ops(ops, k, old[k], nold[k], cur, ncur) : -ENOMEM;
			rec_texts_free(cur, ncur);
		}
		if (!err && json_array_size(ops) == 0)
			done = 1; /* nothing to write */
		if (!err && !done) {
			rk = b64_encode(REV_KEY, strlen(REV_KEY));
			err = rk && !add_op(ops, 0, REV_KEY, "") ? 0 : -ENOMEM;
		}
		if (!err && !done) {
			req = json_pack("{s:[{s:s, s:s, s:s, s:I}], s:O}", "compare", "result", "EQUAL",
					"target", "MOD", "key", rk, "mod_revision", (json_int_t)rev_mod,
					"success", ops);
			err = req ? etcd_post(e, "/v3/kv/txn", req, &resp) : -ENOMEM;
			if (err)
				report(e);
			else if (json_is_true(json_object_get(resp, "succeeded")))
				done = 1;
		}
		if (err == -ENOMEM)
			pr_err("store %s: out of memory", s->location);
		for (int k = 0; k < 3; k++)
			rec_texts_free(old[k], nold[k]);
		json_decref(ops);
		json_decref(req);
		json_decref(resp);
		free(rk);
		state_free(&st);
		if (err || done)
			return err;
		/* Someone else changed the store since we read it: again, after
		 * a short random pause so that contenders spread out.
		 */
		pr_debug("store %s: conflict at revision %lld, attempt %d", s->location, (long long)rev, attempt);
		usleep(1000 * (1 + rand() % (attempt < 8 ? 4 * attempt : 32)));
	}
	pr_err("store %s: gave up after %d conflicting attempts (too many concurrent changes)",
	       s->location, MAX_ATTEMPTS);
	return -EAGAIN;
}

/* ---- watch ---- */

struct watch_ctx {
	struct etcd *e;
	struct buf b;
	vx_watch_fn fn;
	int (*stop)(void *arg);
	void *arg;
	int err;
	struct vx_store_event *evs;
	size_t nevs, cap;
};

static int flush_events(struct watch_ctx *w)
{
	int err = 0;

	if (w->nevs)
		err = w->fn(w->arg, w->evs, w->nevs);
	w->nevs = 0;
	return err;
}

static int watch_event(struct watch_ctx *w, const json_t *ev)
{
	const json_t *kv = json_object_get(ev, "kv");
	const char *type = json_string_value(json_object_get(ev, "type"));
	struct vx_store_event *out;
	int64_t rev = jint(kv, "mod_revision");
	const char *k64 = json_string_value(json_object_get(kv, "key")), *name;
	char *key;
	size_t klen;
	int kind, err;

	if (!k64 || !(key = b64_decode(k64, &klen)))
		return 0;
	kind = key_kind(key, &name);
	if (kind < 0 || strlen(name) >= VX_NAME_MAX) {
		free(key);
		return 0;
	}
	/* Events of one revision (one transaction) go to fn together. */
	if (w->nevs && w->evs[0].revision != rev && (err = flush_events(w))) {
		free(key);
		return err;
	}
	if (w->nevs == w->cap) {
		size_t cap = w->cap ? w->cap * 2 : 16;
		void *p = realloc(w->evs, cap * sizeof(*w->evs));

		if (!p) {
			free(key);
			return -ENOMEM;
		}
		w->evs = p;
		w->cap = cap;
	}
	out = &w->evs[w->nevs];
	memset(out, 0, sizeof(*out));
	out->revision = rev;
	out->kind = kind;
	snprintf(out->name, sizeof(out->name), "%s", name);
	free(key);
	if (type && !strcmp(type, "DELETE")) {
		out->deleted = 1;
	} else {
		struct vx_state one;
		char nm[VX_NAME_MAX];

		state_init(&one);
		if (kv_to_state(kv, &one, NULL, nm)) {
			state_free(&one);
			return 0; /* bad record: reported, skipped */
		}
		if (kind == VX_REC_NODE)
			out->rec.node = one.nodes[0];
		else if (kind == VX_REC_NETWORK)
			out->rec.network = one.networks[0];
		else
			out->rec.endpoint = one.endpoints[0];
		state_free(&one);
	}
	w->nevs++;
	return 0;
}

/* One line of the stream: {"result": {"header": ..., "events": [...]}} */
static int watch_line(struct watch_ctx *w, const char *line, size_t len)
{
	json_error_t jerr;
	json_t *j = json_loadb(line, len, 0, &jerr), *r, *evs, *ev;
	size_t i;
	int err = 0;

	if (!j)
		return -EPROTO;
	r = json_object_get(j, "result");
	if (!r) {
		const char *msg = json_string_value(json_object_get(json_object_get(j, "error"), "message"));

		snprintf(w->e->err, sizeof(w->e->err), "watch failed: %s", msg ? msg : "no result");
		json_decref(j);
		return -EIO;
	}
	if (json_is_true(json_object_get(r, "canceled"))) {
		int64_t c = jint(r, "compact_revision");

		snprintf(w->e->err, sizeof(w->e->err), c ? "watch revision compacted (oldest kept: %lld)" :
			 "watch canceled by etcd", (long long)c);
		json_decref(j);
		return c ? -ESTALE : -ECONNRESET;
	}
	evs = json_object_get(r, "events");
	json_array_foreach(evs, i, ev) {
		err = watch_event(w, ev);
		if (err)
			break;
	}
	if (!err)
		err = flush_events(w);
	json_decref(j);
	return err;
}

static size_t on_watch_data(char *data, size_t size, size_t nmemb, void *arg)
{
	struct watch_ctx *w = arg;
	size_t n = size * nmemb, off = 0;
	char *nl;

	if (buf_add(&w->b, data, n)) {
		w->err = -ENOMEM;
		return 0;
	}
	while ((nl = memchr(w->b.p + off, '\n', w->b.n - off))) {
		size_t len = nl - (w->b.p + off);

		if (len && (w->err = watch_line(w, w->b.p + off, len)))
			return 0; /* aborts the transfer */
		off += len + 1;
	}
	memmove(w->b.p, w->b.p + off, w->b.n - off);
	w->b.n -= off;
	return n;
}

static int on_watch_progress(void *arg, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un)
{
	struct watch_ctx *w = arg;

	return w->stop(w->arg) ? 1 : 0;
}

static int etcd_watch(struct vx_store *s, int64_t rev, vx_watch_fn fn, int (*stop)(void *arg), void *arg)
{
	struct etcd *e = (struct etcd *)s;
	struct watch_ctx w = { .e = e, .fn = fn, .stop = stop, .arg = arg };
	struct curl_slist *hdrs = curl_slist_append(NULL, "Content-Type: application/json");
	char *k64 = b64_encode(PREFIX, strlen(PREFIX)), *end = b64_encode(PREFIX_END, strlen(PREFIX_END));
	char *body = NULL, url[512];
	json_t *req = NULL;
	CURLcode rc;
	int err;

	e->err[0] = '\0';
	if (k64 && end)
		req = json_pack("{s:{s:s, s:s, s:I}}", "create_request", "key", k64, "range_end", end,
				"start_revision", (json_int_t)rev + 1);
	body = req ? json_dumps(req, JSON_COMPACT) : NULL;
	if (!body || !hdrs) {
		err = -ENOMEM;
		goto cleanup;
	}
	snprintf(url, sizeof(url), "%s/v3/watch", e->eps[e->cur]);
	set_common(e, url);
	curl_easy_setopt(e->curl, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(e->curl, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(e->curl, CURLOPT_WRITEFUNCTION, on_watch_data);
	curl_easy_setopt(e->curl, CURLOPT_WRITEDATA, &w);
	curl_easy_setopt(e->curl, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(e->curl, CURLOPT_XFERINFOFUNCTION, on_watch_progress);
	curl_easy_setopt(e->curl, CURLOPT_XFERINFODATA, &w);
	rc = curl_easy_perform(e->curl);
	if (w.err)
		err = w.err;
	else if (stop(arg))
		err = -ECANCELED;
	else {
		err = -ECONNRESET;
		snprintf(e->err, sizeof(e->err), "watch on %s ended: %s", e->eps[e->cur] + 7,
			 rc == CURLE_OK ? "closed by etcd" :
			 e->curl_err[0] ? e->curl_err : curl_easy_strerror(rc));
	}
	/* A member that dropped us may be gone: next time, try the next one. */
	if (err != -ECANCELED && err != -ESTALE)
		e->cur = (e->cur + 1) % e->neps;
cleanup:
	if (err == -ENOMEM && !e->err[0])
		snprintf(e->err, sizeof(e->err), "out of memory");
	json_decref(req);
	free(body);
	free(k64);
	free(end);
	free(w.b.p);
	free(w.evs);
	curl_slist_free_all(hdrs);
	return err;
}

/* The last failure, for callers (the agent) that log it themselves. */
static const char *etcd_error(struct vx_store *s)
{
	return ((struct etcd *)s)->err;
}

static void etcd_close(struct vx_store *s)
{
	struct etcd *e = (struct etcd *)s;

	for (int i = 0; i < e->neps; i++)
		free(e->eps[i]);
	free(e->eps);
	if (e->curl)
		curl_easy_cleanup(e->curl);
	free(s->location);
	free(e);
}

static const struct vx_store_ops etcd_ops = {
	.read = etcd_read,
	.update = etcd_update,
	.close = etcd_close,
	.list = etcd_list,
	.watch = etcd_watch,
	.error = etcd_error,
};

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
		return -ENOMEM;
	}
	return 0;
}

int store_etcd_open(const char *url, struct vx_store **out)
{
	const char *p = url + strlen("etcd://");
	struct etcd *e;
	int err = 0;

	*out = NULL;
	e = calloc(1, sizeof(*e));
	if (!e || !(e->base.location = strdup(url))) {
		free(e);
		pr_err("store %s: out of memory", url);
		return -ENOMEM;
	}
	e->base.ops = &etcd_ops;
	do {
		size_t len = strcspn(p, ",");
		char **eps = realloc(e->eps, (e->neps + 1) * sizeof(*eps));

		if (!eps) {
			err = -ENOMEM;
			pr_err("store %s: out of memory", url);
			break;
		}
		e->eps = eps;
		if (memchr(p, '/', len)) {
			pr_err("store %s: unexpected path; use etcd://HOST:PORT[,HOST:PORT...]", url);
			err = -EINVAL;
			break;
		}
		err = parse_endpoint(url, p, len, &e->eps[e->neps]);
		if (err)
			break;
		e->neps++;
		p += len;
	} while (*p++ == ',');
	if (!err) {
		curl_global_init(CURL_GLOBAL_DEFAULT);
		e->curl = curl_easy_init();
		if (!e->curl) {
			pr_err("store %s: cannot initialise libcurl", url);
			err = -ENOMEM;
		}
	}
	if (err) {
		etcd_close(&e->base);
		return err;
	}
	srand(getpid() ^ time(NULL));
	*out = &e->base;
	return 0;
}
