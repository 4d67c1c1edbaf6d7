// SPDX-License-Identifier: GPL-2.0-only
/* The etcd store, through etcd's native gRPC API (Range and the watch;
 * etcd's JSON gateway where a member does not answer gRPC, and for the
 * transaction) (etcd_grpc.h, etcd_http.h).
 *
 *   /vxnet/nodes/NAME      {"name": ..., "address": ...}
 *   /vxnet/networks/NAME   {"name": ..., "vni": ..., "mtu": ..., "subnets": [...]}
 *   /vxnet/endpoints/NAME  {"name": ..., "network": ..., "node": ..., "ip": ..., ...}
 *   /vxnet/rev             bumped by every change (its mod_revision orders writers)
 *
 * The values are the records of the file store's arrays. A change reads the
 * whole prefix at one revision, runs the caller's function on the state,
 * validates it and writes the differences (recdiff.h) in one transaction
 * guarded by "mod_revision(/vxnet/rev) is still what we read"; on conflict
 * the whole read-modify-write runs again (bounded). So two hosts allocating
 * an address or a VNI at once never both get it: one of them retries on the
 * new state.
 *
 * A prefix without /vxnet/rev was never written by vxnet: read and list
 * refuse it (a typo in the URL must not read as an empty cluster); update
 * creates it. For the agent, list and watch validate every record as the
 * CLI does, against the others, and leave out (with one line naming the
 * key) any that the CLI would refuse: the agent keeps the last good
 * version. The watch checks against a copy of the state as of its last
 * revision (the mirror).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "etcd_grpc.h"
#include "log.h"
#include "metrics.h"
#include "recdiff.h"
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

/* A list that finds at most this many records changed since the last one
 * is checked as a watch's revision is (a bad change keeps the last good
 * version); more, and it is checked as a first list (a bad record is left
 * out): validating one record against the rest is linear.
 */
#define RELIST_AS_WATCH_MAX 1024

struct etcd {
	struct vx_store base; /* base.location: the URL as given */
	struct etcd_http h;
	struct vx_state mirror; /* list and watch: the state as last passed on */
	int listed;             /* the mirror holds a list's state */
	enum watch_via { VIA_NONE, VIA_GRPC, VIA_GATEWAY } via; /* the watch's, as last said */
};

/* ---- records ---- */

static int key_kind(const char *key, const char **name)
{
	if (strncmp(key, PREFIX, strlen(PREFIX)))
		return -1;
	key += strlen(PREFIX);
	for (int k = 0; k < VX_REC_KINDS; k++) {
		size_t n = strlen(kind_dir[k]);

		if (!strncmp(key, kind_dir[k], n) && key[n]) {
			*name = key + n;
			return k;
		}
	}
	return -1;
}

/* A key in an error line: anyone who can write etcd chooses it, so control
 * characters become '?' (one line stays one line).
 */
static void printable(char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < ' ' || *s == 0x7f)
			*s = '?';
}

/* Where a record's line comes from: its key; "(skipped)" where a bad
 * record is left out rather than failing the command.
 */
static void key_source(char *buf, size_t size, enum vx_rec_kind kind, const char *name, int strict)
{
	snprintf(buf, size, "etcd " PREFIX "%s%s%s", kind_dir[kind], name, strict ? "" : " (skipped)");
	printable(buf);
}

/* state_drop_invalid's names for the records it leaves out. */
static void skipped_source(void *arg, enum vx_rec_kind kind, const char *name, char *buf, size_t size)
{
	key_source(buf, size, kind, name, 0);
}

/* One key and value (raw bytes) as a record appended to st. 1: not a
 * record (e.g. /vxnet/rev), 0: added, <0: bad (reported; "(skipped)"
 * unless strict).
 */
static int rec_to_state(const char *key, size_t klen, const char *val, size_t vlen,
			struct vx_state *st, int strict)
{
	char src[VX_NAME_MAX + 128];
	const char *name, *rec_name = NULL;
	int kind = -1, err = 1;
	size_t before;

	if (strlen(key) != klen)
		goto cleanup;
	kind = key_kind(key, &name);
	if (kind < 0)
		goto cleanup;
	snprintf(src, sizeof(src), "etcd %.*s%s", VX_NAME_MAX + 64, key, strict ? "" : " (skipped)");
	printable(src);
	err = -EINVAL;
	if (strlen(name) >= VX_NAME_MAX) {
		pr_err("%s: the name in the key is longer than %d bytes", src, VX_NAME_MAX - 1);
		goto cleanup;
	}
	if (!val) {
		pr_err("%s: value is not base64", src);
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
	}
cleanup:
	if (err < 0 && !strict) /* a record the agent leaves out */
		metrics_agent_rejected_n(kind, 1);
	return err;
}

/* Parses one kv of the gateway ({"key": b64, "value": b64, ...}) into st:
 * rec_to_state's result.
 */
static int kv_to_state(const json_t *kv, struct vx_state *st, int strict)
{
	const char *k64 = json_string_value(json_object_get(kv, "key"));
	const char *v64 = json_string_value(json_object_get(kv, "value"));
	size_t klen, vlen = 0;
	char *key = k64 ? b64_decode(k64, &klen) : NULL, *val = NULL;
	int err = 1;

	if (key) {
		val = v64 ? b64_decode(v64, &vlen) : NULL;
		err = rec_to_state(key, klen, val, vlen, st, strict);
	}
	free(key);
	free(val);
	return err;
}

static int kv_is_rev(const json_t *kv)
{
	const char *k64 = json_string_value(json_object_get(kv, "key"));
	size_t len;
	char *key = k64 ? b64_decode(k64, &len) : NULL;
	int ret = key && !strcmp(key, REV_KEY);

	free(key);
	return ret;
}

/* ---- list: every key under the prefix at one revision, page by page ---- */

struct range {
	char *key;       /* where the next page starts */
	size_t keylen;
	int64_t at;      /* the revision read (the first page's) */
	int64_t rev_mod; /* mod_revision of /vxnet/rev; 0: none */
	int more;
};

/* The next page starts just after key (the last one of this page, len
 * bytes): at key + '\0'.
 */
static int range_next(struct etcd *e, struct range *r, const void *key, size_t len)
{
	char *p = malloc(len + 1);

	free(r->key);
	r->key = p;
	if (!p) {
		snprintf(e->h.err, sizeof(e->h.err), "out of memory");
		return -ENOMEM;
	}
	memcpy(p, key, len);
	p[len] = '\0';
	r->keylen = len + 1;
	return 0;
}

/* An answer that is not what the gateway sends. */
static int bad_answer(struct etcd *e, const char *what)
{
	snprintf(e->h.err, sizeof(e->h.err), "etcd at %s sent %s", strstr(e->h.eps[e->h.cur], "://") + 3, what);
	return -EPROTO;
}

/* One page through the JSON gateway: its records join st. strict: a bad
 * record fails the read (its line is printed); else it is skipped.
 */
static int range_page_json(struct etcd *e, struct range *r, const char *end, struct vx_state *st,
			   int strict)
{
	char *k64 = b64_encode(r->key, r->keylen);
	json_t *req = NULL, *resp = NULL, *kvs, *kv;
	const char *last = NULL;
	size_t i, klen;
	int err;

	if (k64)
		req = json_pack("{s:s, s:s, s:I}", "key", k64, "range_end", end,
				"limit", (json_int_t)PAGE_SIZE);
	free(k64);
	if (!req) {
		snprintf(e->h.err, sizeof(e->h.err), "out of memory");
		return -ENOMEM;
	}
	if (r->at)
		json_object_set_new(req, "revision", json_integer(r->at));
	err = etcd_post(&e->h, "/v3/kv/range", req, &resp);
	json_decref(req);
	if (err)
		return err;
	if (!r->at)
		err = etcd_jint(&e->h, json_object_get(resp, "header"), "revision", &r->at);
	r->more = json_is_true(json_object_get(resp, "more"));
	kvs = json_object_get(resp, "kvs");
	json_array_foreach(kvs, i, kv) {
		int ret = err ? 0 : kv_to_state(kv, st, strict);

		if (err)
			break;
		if (ret == 1 && kv_is_rev(kv) && !(err = etcd_jint(&e->h, kv, "mod_revision", &r->rev_mod)) &&
		    !r->rev_mod)
			err = bad_answer(e, "key " REV_KEY " without a mod_revision");
		if (ret < 0 && strict) {
			e->h.err[0] = '\0'; /* already reported */
			err = ret;
		}
		last = json_string_value(json_object_get(kv, "key"));
	}
	if (!err && r->more && !last)
		err = bad_answer(e, "\"more\" without keys");
	if (!err && r->more) {
		char *k = b64_decode(last, &klen);

		err = k ? range_next(e, r, k, klen) : bad_answer(e, "a key that is not base64");
		free(k);
	}
	json_decref(resp);
	return err;
}

/* One kv of a gRPC page: as the JSON gateway's (range_page_json). */
static int page_kv(struct etcd *e, struct range *r, const Etcdserverpb__KeyValue *kv,
		   struct vx_state *st, int strict)
{
	const char *val = kv->value.len ? (const char *)kv->value.data : "";
	char *key = malloc(kv->key.len + 1);
	int ret;

	if (!key) {
		snprintf(e->h.err, sizeof(e->h.err), "out of memory");
		return -ENOMEM;
	}
	memcpy(key, kv->key.data, kv->key.len);
	key[kv->key.len] = '\0';
	ret = rec_to_state(key, kv->key.len, val, kv->value.len, st, strict);
	if (ret == 1 && kv->key.len == strlen(REV_KEY) && !memcmp(key, REV_KEY, kv->key.len)) {
		r->rev_mod = kv->mod_revision;
		ret = kv->mod_revision ? 0 : bad_answer(e, "key " REV_KEY " without a mod_revision");
	} else if (ret < 0 && strict) {
		e->h.err[0] = '\0'; /* already reported */
	} else {
		ret = 0;
	}
	free(key);
	return ret;
}

/* One page through etcd's gRPC API, as range_page_json. 1: gRPC did not
 * answer (ask the gateway), else 0 or a negative errno.
 */
static int range_page_grpc(struct etcd *e, struct range *r, struct vx_state *st, int strict)
{
	Etcdserverpb__RangeRequest req = ETCDSERVERPB__RANGE_REQUEST__INIT;
	Etcdserverpb__RangeResponse *resp;
	const Etcdserverpb__KeyValue *last = NULL;
	const char *why;
	uint8_t *msg;
	size_t n;
	int err;

	req.key = (ProtobufCBinaryData){ .data = (uint8_t *)r->key, .len = r->keylen };
	req.range_end = (ProtobufCBinaryData){ .data = (uint8_t *)PREFIX_END, .len = strlen(PREFIX_END) };
	req.limit = PAGE_SIZE;
	req.revision = r->at;
	err = etcd_grpc(&e->h, "/etcdserverpb.KV/Range", &req.base, &msg, &n);
	if (err) {
		pr_debug("store %s: %s; asking the JSON gateway", e->base.location, e->h.err);
		e->h.err[0] = '\0';
		return 1;
	}
	resp = etcd_range_unpack(msg, n, &why);
	free(msg);
	if (!resp) {
		r->more = 0;
		snprintf(e->h.err, sizeof(e->h.err), "etcd at %s sent a malformed Range answer: %s",
			 strstr(e->h.eps[e->h.cur], "://") + 3, why);
		return -EPROTO;
	}
	for (size_t i = 0; i < resp->n_kvs && !err; i++)
		err = page_kv(e, r, last = resp->kvs[i], st, strict);
	if (!err && !r->at && resp->header)
		r->at = resp->header->revision;
	r->more = resp->more;
	if (!err && r->more && !last)
		err = bad_answer(e, "\"more\" without keys");
	if (!err && r->more)
		err = range_next(e, r, last->key.data, last->key.len);
	etcdserverpb__range_response__free_unpacked(resp, NULL);
	return err;
}

/* One page: gRPC, or the gateway where gRPC does not answer. */
static int range_page(struct etcd *e, struct range *r, const char *end, struct vx_state *st,
		      int strict)
{
	int err = range_page_grpc(e, r, st, strict);

	return err == 1 ? range_page_json(e, r, end, st, strict) : err;
}

/* The state at one revision: *rev, and *rev_mod for the transaction guard. */
static int etcd_range(struct etcd *e, struct vx_state *st, int strict, int64_t *rev, int64_t *rev_mod)
{
	struct range r = { .key = strdup(PREFIX), .keylen = strlen(PREFIX), .more = 1 };
	char *end = b64_encode(PREFIX_END, strlen(PREFIX_END));
	int err = 0;

	state_init(st);
	if (!r.key || !end) {
		snprintf(e->h.err, sizeof(e->h.err), "out of memory");
		err = -ENOMEM;
	}
	while (r.more && !err)
		err = range_page(e, &r, end, st, strict);
	free(r.key);
	free(end);
	if (err)
		state_free(st);
	*rev = r.at;
	*rev_mod = r.rev_mod;
	return err;
}

static void report(struct etcd *e)
{
	if (e->h.err[0])
		pr_err("store %s: %s", e->base.location, e->h.err);
}

/* No /vxnet/rev: vxnet never wrote here (a typo in the URL, a new etcd). */
static int uninitialised(struct etcd *e, struct vx_state *st)
{
	state_free(st);
	snprintf(e->h.err, sizeof(e->h.err),
		 "no vxnet state in etcd (no key %s); create it with vxnet node add NAME ADDRESS", REV_KEY);
	return -ENOENT;
}

static int etcd_read(struct vx_store *s, struct vx_state *st)
{
	struct etcd *e = (struct etcd *)s;
	int64_t rev, rev_mod;
	int err;

	err = etcd_range(e, st, 1, &rev, &rev_mod);
	if (!err && !rev_mod)
		err = uninitialised(e, st);
	if (err) {
		report(e);
		return err;
	}
	err = state_validate(st, s->location);
	if (err)
		state_free(st);
	return err;
}

/* A copy of src in dst (empty before); 0 or -ENOMEM (then dst is empty). */
static int state_copy(struct vx_state *dst, const struct vx_state *src)
{
	size_t i;

	state_init(dst);
	for (i = 0; i < src->nnodes; i++)
		if (!state_add_node(dst, &src->nodes[i]))
			goto nomem;
	for (i = 0; i < src->nnetworks; i++)
		if (!state_add_network(dst, &src->networks[i]))
			goto nomem;
	for (i = 0; i < src->nendpoints; i++)
		if (!state_add_endpoint(dst, &src->endpoints[i]))
			goto nomem;
	return 0;
nomem:
	state_free(dst);
	return -ENOMEM;
}

static int validate_revision(struct etcd *e, struct vx_store_events *evs);

/* A list after an earlier one: what changed since the mirror, as one
 * revision of a watch (a bad change keeps the last good version, as the
 * agent's maps do); *as_watch clear when too much changed for that.
 * 0 with st the mirror's copy, or a negative errno.
 */
static int relist(struct etcd *e, struct vx_state *st, int *as_watch)
{
	struct rec_snap old = {}, cur = {};
	struct vx_store_events evs = {};
	int err;

	err = rec_snap(&e->mirror, &old) ?: rec_snap(st, &cur) ?:
	      recdiff(&old, &cur, store_event_diff, &evs);
	*as_watch = !err && evs.n <= RELIST_AS_WATCH_MAX;
	if (!err && *as_watch)
		err = validate_revision(e, &evs);
	rec_snap_free(&old);
	rec_snap_free(&cur);
	free(evs.v);
	if (!err && *as_watch) {
		state_free(st);
		err = state_copy(st, &e->mirror);
	}
	return err;
}

/* The agent's state: every valid record, each bad one reported and left
 * out, or, after an earlier list, kept at its last good version.
 */
static int etcd_list(struct vx_store *s, struct vx_state *st, int64_t *rev)
{
	struct etcd *e = (struct etcd *)s;
	int64_t rev_mod;
	int as_watch = 0, err;

	err = etcd_range(e, st, 0, rev, &rev_mod);
	if (err)
		return err;
	if (!rev_mod)
		return uninitialised(e, st);
	if (e->listed)
		err = relist(e, st, &as_watch);
	if (!err && !as_watch) {
		size_t n[3] = { st->nnodes, st->nnetworks, st->nendpoints };

		state_free(&e->mirror);
		err = state_drop_invalid(st, skipped_source, NULL) < 0 ? -ENOMEM :
		      state_copy(&e->mirror, st);
		metrics_agent_rejected_n(VX_REC_NODE, n[0] - st->nnodes);
		metrics_agent_rejected_n(VX_REC_NETWORK, n[1] - st->nnetworks);
		metrics_agent_rejected_n(VX_REC_ENDPOINT, n[2] - st->nendpoints);
	}
	e->listed = !err;
	if (err) {
		state_free(st);
		snprintf(e->h.err, sizeof(e->h.err), "out of memory");
	}
	return err;
}

/* ---- update: read, fn, validate, diff, one transaction ---- */

static int add_op(json_t *ops, const char *key, const char *val)
{
	char *k64 = b64_encode(key, strlen(key)), *v64 = val ? b64_encode(val, strlen(val)) : NULL;
	json_t *op = NULL;

	if (k64 && !val)
		op = json_pack("{s:{s:s}}", "request_delete_range", "key", k64);
	else if (k64 && v64)
		op = json_pack("{s:{s:s, s:s}}", "request_put", "key", k64, "value", v64);
	free(k64);
	free(v64);
	return op && !json_array_append_new(ops, op) ? 0 : -ENOMEM;
}

/* recdiff's callback: one put (json) or delete (json NULL) joins the ops. */
static int diff_op(void *ops, enum vx_rec_kind kind, const char *name, const char *json,
		   const void *rec)
{
	char key[256];

	snprintf(key, sizeof(key), PREFIX "%s%s", kind_dir[kind], name);
	return add_op(ops, key, json);
}

/* Writes ops and bumps /vxnet/rev if it is still at rev_mod: *done set
 * when it was, clear on a conflict.
 */
static int txn(struct etcd *e, json_t *ops, int64_t rev_mod, int *done)
{
	char *rk = b64_encode(REV_KEY, strlen(REV_KEY));
	json_t *req = NULL, *resp = NULL;
	int err = -ENOMEM;

	if (rk && !add_op(ops, REV_KEY, ""))
		req = json_pack("{s:[{s:s, s:s, s:s, s:I}], s:O}", "compare", "result", "EQUAL",
				"target", "MOD", "key", rk, "mod_revision", (json_int_t)rev_mod,
				"success", ops);
	if (req) {
		err = etcd_post(&e->h, "/v3/kv/txn", req, &resp);
		if (err)
			report(e);
		else
			*done = json_is_true(json_object_get(resp, "succeeded"));
	}
	json_decref(req);
	json_decref(resp);
	free(rk);
	return err;
}

/* One read-modify-write at *rev: 0 with *done set when written (or when
 * there was nothing to write), 0 with *done clear on a conflict, or a
 * negative errno (reported).
 */
static int update_once(struct etcd *e, int (*fn)(struct vx_state *st, void *arg), void *arg,
		       int64_t *rev, int *done)
{
	struct rec_snap old = {}, cur = {};
	struct vx_state st;
	json_t *ops = NULL;
	int64_t rev_mod;
	int err;

	*done = 0;
	err = etcd_range(e, &st, 1, rev, &rev_mod);
	if (err) {
		report(e);
		return err;
	}
	err = state_validate(&st, e->base.location) ?: rec_snap(&st, &old) ?: fn(&st, arg) ?:
	      state_validate(&st, NULL) ?: rec_snap(&st, &cur);
	if (!err && !(ops = json_array()))
		err = -ENOMEM;
	err = err ?: recdiff(&old, &cur, diff_op, ops);
	if (!err && json_array_size(ops) == 0)
		*done = 1; /* nothing to write */
	else if (!err)
		err = txn(e, ops, rev_mod, done);
	if (err == -ENOMEM)
		pr_err("store %s: out of memory", e->base.location);
	rec_snap_free(&old);
	rec_snap_free(&cur);
	json_decref(ops);
	state_free(&st);
	return err;
}

static int etcd_update(struct vx_store *s, int (*fn)(struct vx_state *st, void *arg), void *arg)
{
	struct etcd *e = (struct etcd *)s;

	for (int attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
		int64_t rev;
		int done, err;

		err = update_once(e, fn, arg, &rev, &done);
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
	vx_watch_fn fn;
	void *arg;
	struct vx_store_events evs; /* of one revision */
};

/* The stored size of a record of each kind. */
static const size_t rec_size[] = {
	[VX_REC_NODE] = sizeof(struct vx_node),
	[VX_REC_NETWORK] = sizeof(struct vx_network),
	[VX_REC_ENDPOINT] = sizeof(struct vx_endpoint),
};

static const void *mirror_find(const struct vx_state *st, enum vx_rec_kind kind, const char *name)
{
	return kind == VX_REC_NODE ? (const void *)state_find_node(st, name) :
	       kind == VX_REC_NETWORK ? (const void *)state_find_network(st, name) :
					(const void *)state_find_endpoint(st, name);
}

/* A record as the mirror held it before this revision. */
struct undo {
	int had;
	union {
		struct vx_node node;
		struct vx_network network;
		struct vx_endpoint endpoint;
	} rec;
};

/* Applies the events of one revision to the mirror, then takes back each
 * put that leaves its record invalid there (reported with its key) and
 * drops it from evs, until every remaining put is valid: the agent never
 * sees a change the CLI would have refused.
 */
static int validate_revision(struct etcd *e, struct vx_store_events *evs)
{
	struct undo *u = calloc(evs->n, sizeof(*u));
	unsigned char *drop = calloc(evs->n, 1);
	char src[VX_NAME_MAX + 64];
	size_t kept = 0;
	int err = -ENOMEM, again = 1;

	for (size_t i = 0; u && drop && i < evs->n; i++) {
		const struct vx_store_event *ev = &evs->v[i];
		const void *old = mirror_find(&e->mirror, ev->kind, ev->name);

		if ((u[i].had = !!old))
			memcpy(&u[i].rec, old, rec_size[ev->kind]);
		if (state_apply(&e->mirror, ev->kind, ev->name, ev->deleted ? NULL : &ev->rec))
			goto cleanup; /* the mirror is wrong now: the agent lists again */
	}
	while (u && drop && again) {
		again = 0;
		for (size_t i = 0; i < evs->n; i++) {
			const struct vx_store_event *ev = &evs->v[i];

			if (drop[i] || ev->deleted)
				continue;
			key_source(src, sizeof(src), ev->kind, ev->name, 0);
			if (!state_validate_record(&e->mirror, ev->kind, ev->name, src))
				continue;
			if (state_apply(&e->mirror, ev->kind, ev->name, u[i].had ? &u[i].rec : NULL))
				goto cleanup;
			drop[i] = again = 1;
			metrics_agent_rejected_n(ev->kind, 1);
		}
	}
	for (size_t i = 0; u && drop && i < evs->n; i++)
		if (!drop[i])
			evs->v[kept++] = evs->v[i];
	if (u && drop) {
		evs->n = kept;
		err = 0;
	}
cleanup:
	if (err)
		snprintf(e->h.err, sizeof(e->h.err), "out of memory");
	free(u);
	free(drop);
	return err;
}

static int flush_events(struct watch_ctx *w)
{
	int err = 0;

	if (w->evs.n)
		err = validate_revision(w->e, &w->evs);
	if (!err && w->evs.n)
		err = w->fn(w->arg, w->evs.v, w->evs.n);
	w->evs.n = 0;
	return err;
}

/* The record of a put: 0, or 1 when bad (reported). */
static int event_record(const char *key, size_t klen, const char *val, size_t vlen,
			struct vx_store_event *out)
{
	struct vx_state one;

	state_init(&one);
	if (rec_to_state(key, klen, val, vlen, &one, 0)) {
		state_free(&one);
		return 1;
	}
	if (out->kind == VX_REC_NODE)
		out->rec.node = one.nodes[0];
	else if (out->kind == VX_REC_NETWORK)
		out->rec.network = one.networks[0];
	else
		out->rec.endpoint = one.endpoints[0];
	state_free(&one);
	return 0;
}

/* One event, as either decoder (JSON line, gRPC message) reads it: a put
 * of val (vlen bytes of JSON; NULL: the gateway's value was not base64)
 * or a delete of key (klen raw bytes) at revision rev. Events of one
 * revision (one transaction) go to fn together.
 */
static int watch_event(struct watch_ctx *w, int deleted, const void *k, size_t klen,
		       const char *val, size_t vlen, int64_t rev)
{
	struct vx_store_event *out;
	char *key = malloc(klen + 1);
	const char *name;
	int kind, err = 0;

	if (!key) {
		snprintf(w->e->h.err, sizeof(w->e->h.err), "out of memory");
		return -ENOMEM;
	}
	memcpy(key, k, klen);
	key[klen] = '\0';
	kind = strlen(key) == klen ? key_kind(key, &name) : -1;
	/* A name too long for any record: a put is reported below; a delete
	 * is of nothing the agent ever had.
	 */
	if (kind < 0 || (deleted && strlen(name) >= VX_NAME_MAX))
		goto cleanup;
	if (w->evs.n && w->evs.v[0].revision != rev && (err = flush_events(w)))
		goto cleanup;
	out = store_event_add(&w->evs);
	if (!out) {
		snprintf(w->e->h.err, sizeof(w->e->h.err), "out of memory");
		err = -ENOMEM;
		goto cleanup;
	}
	out->revision = rev;
	out->kind = kind;
	snprintf(out->name, sizeof(out->name), "%s", name);
	out->deleted = deleted;
	if (!deleted && event_record(key, klen, val, vlen, out))
		w->evs.n--; /* a bad record: reported, skipped */
cleanup:
	free(key);
	return err;
}

/* A watch etcd ended: compacted (compact: the oldest revision kept; the
 * agent lists again) or canceled for why.
 */
static int watch_canceled(struct watch_ctx *w, int64_t compact, const char *why)
{
	char *err_text = w->e->h.err;
	size_t err_size = sizeof(w->e->h.err);
	int err;

	if (compact) {
		snprintf(err_text, err_size, "watch revision compacted (oldest kept: %lld)", (long long)compact);
		err = -ESTALE;
	} else {
		snprintf(err_text, err_size, "watch canceled by etcd: %s", why && *why ? why : "no reason given");
		err = why && strstr(why, "invalid auth token") ? -EACCES : -ECONNRESET;
	}
	printable(err_text);
	return err;
}

/* The transport the watch uses, said once when it changes. */
static void watch_via(struct watch_ctx *w, enum watch_via via)
{
	if (w->e->via == via)
		return;
	w->e->via = via;
	pr_info("store %s: watching over %s", w->e->base.location,
		via == VIA_GRPC ? "gRPC (etcdserverpb.Watch/Watch)" :
				  "the JSON gateway (/v3/watch): etcd does not answer gRPC");
}

/* One event of a gateway line: {"type": "DELETE"?, "kv": {"key": b64, ...}} */
static int watch_event_json(struct watch_ctx *w, const json_t *ev)
{
	const json_t *kv = json_object_get(ev, "kv");
	const char *type = json_string_value(json_object_get(ev, "type"));
	const char *k64 = json_string_value(json_object_get(kv, "key"));
	const char *v64 = json_string_value(json_object_get(kv, "value"));
	char *key, *val = NULL;
	size_t klen, vlen = 0;
	int64_t rev;
	int err;

	err = etcd_jint(&w->e->h, kv, "mod_revision", &rev);
	if (err)
		return err;
	if (!k64 || !(key = b64_decode(k64, &klen)))
		return 0;
	if (v64)
		val = b64_decode(v64, &vlen);
	err = watch_event(w, type && !strcmp(type, "DELETE"), key, klen, val, vlen, rev);
	free(key);
	free(val);
	return err;
}

/* One line of the gateway's stream: {"result": {"header": ..., "events": [...]}} */
static int watch_line(void *arg, const char *line, size_t len)
{
	struct watch_ctx *w = arg;
	char *err_text = w->e->h.err;
	size_t err_size = sizeof(w->e->h.err), i;
	json_error_t jerr;
	json_t *j = json_loadb(line, len, 0, &jerr), *r, *evs, *ev;
	int err = 0;

	if (!j) {
		snprintf(err_text, err_size, "watch: a line that is not JSON: %s", jerr.text);
		printable(err_text);
		return -EPROTO;
	}
	r = json_object_get(j, "result");
	if (!r) {
		const json_t *je = json_object_get(j, "error");
		const char *msg = json_string_value(json_object_get(je, "message"));

		msg = msg ?: json_string_value(json_object_get(j, "message"));
		snprintf(err_text, err_size, "watch failed: %s", msg ? msg : "no result");
		err = msg && strstr(msg, "invalid auth token") ? -EACCES : -EIO;
		printable(err_text);
		json_decref(j);
		return err;
	}
	watch_via(w, VIA_GATEWAY);
	if (json_is_true(json_object_get(r, "canceled"))) {
		int64_t c;

		err = etcd_jint(&w->e->h, r, "compact_revision", &c) ?:
		      watch_canceled(w, c, json_string_value(json_object_get(r, "cancel_reason")));
		json_decref(j);
		return err;
	}
	evs = json_object_get(r, "events");
	json_array_foreach(evs, i, ev) {
		err = watch_event_json(w, ev);
		if (err)
			break;
	}
	if (!err)
		err = flush_events(w);
	json_decref(j);
	return err;
}

/* One message of the gRPC stream: a WatchResponse. */
static int watch_msg(void *arg, const uint8_t *p, size_t n)
{
	struct watch_ctx *w = arg;
	Etcdserverpb__WatchResponse *r;
	const char *why;
	int err = 0;

	r = etcd_watch_unpack(p, n, &why);
	if (!r) {
		snprintf(w->e->h.err, sizeof(w->e->h.err), "watch on %s: etcd sent a malformed watch answer: %s",
			 strstr(w->e->h.eps[w->e->h.cur], "://") + 3, why);
		return -EPROTO;
	}
	watch_via(w, VIA_GRPC);
	if (r->canceled) {
		err = watch_canceled(w, r->compact_revision, r->cancel_reason);
		etcdserverpb__watch_response__free_unpacked(r, NULL);
		return err;
	}
	for (size_t i = 0; i < r->n_events && !err; i++) {
		const Etcdserverpb__KeyValue *kv = r->events[i]->kv;

		err = watch_event(w, r->events[i]->type == ETCDSERVERPB__EVENT__EVENT_TYPE__DELETE,
				  kv->key.data, kv->key.len, kv->value.len ? (const char *)kv->value.data : "",
				  kv->value.len, kv->mod_revision);
	}
	if (!err)
		err = flush_events(w);
	etcdserverpb__watch_response__free_unpacked(r, NULL);
	return err;
}

/* The gateway's watch: the same request as JSON. */
static int watch_json(struct watch_ctx *w, int64_t rev, int (*stop)(void *arg), void *arg)
{
	struct etcd *e = w->e;
	char *k64 = b64_encode(PREFIX, strlen(PREFIX)), *end = b64_encode(PREFIX_END, strlen(PREFIX_END));
	json_t *req = NULL;
	int err;

	if (k64 && end)
		req = json_pack("{s:{s:s, s:s, s:I}}", "create_request", "key", k64, "range_end", end,
				"start_revision", (json_int_t)rev + 1);
	if (req) {
		err = etcd_watch_stream(&e->h, req, watch_line, w, stop, arg);
	} else {
		err = -ENOMEM;
		snprintf(e->h.err, sizeof(e->h.err), "out of memory");
	}
	json_decref(req);
	free(k64);
	free(end);
	return err;
}

/* The watch over etcd's gRPC API; the gateway's where gRPC does not answer. */
static int etcd_watch(struct vx_store *s, int64_t rev, vx_watch_fn fn, int (*stop)(void *arg), void *arg)
{
	struct etcd *e = (struct etcd *)s;
	struct watch_ctx w = { .e = e, .fn = fn, .arg = arg };
	Etcdserverpb__WatchCreateRequest c = ETCDSERVERPB__WATCH_CREATE_REQUEST__INIT;
	Etcdserverpb__WatchRequest req = ETCDSERVERPB__WATCH_REQUEST__INIT;
	int err;

	c.key = (ProtobufCBinaryData){ .data = (uint8_t *)PREFIX, .len = strlen(PREFIX) };
	c.range_end = (ProtobufCBinaryData){ .data = (uint8_t *)PREFIX_END, .len = strlen(PREFIX_END) };
	c.start_revision = rev + 1;
	req.create_request = &c;
	err = etcd_grpc_stream(&e->h, "/etcdserverpb.Watch/Watch", &req.base, watch_msg, &w, stop, arg);
	if (err == -ENOTSUP) {
		pr_debug("store %s: %s; watching through the JSON gateway", s->location, e->h.err);
		err = watch_json(&w, rev, stop, arg);
	}
	free(w.evs.v);
	return err;
}

/* The last failure, for callers (the agent) that log it themselves. */
static const char *etcd_error(struct vx_store *s)
{
	return ((struct etcd *)s)->h.err;
}

static const char *etcd_transport(struct vx_store *s)
{
	enum watch_via via = ((struct etcd *)s)->via;

	return via == VIA_GRPC ? "grpc" : via == VIA_GATEWAY ? "gateway" : NULL;
}

static void etcd_close(struct vx_store *s)
{
	struct etcd *e = (struct etcd *)s;

	etcd_http_close(&e->h);
	state_free(&e->mirror);
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
	.transport = etcd_transport,
};

int store_etcd_open(const char *url, const struct vx_store_opts *o, struct vx_store **out)
{
	struct etcd *e;
	int err;

	*out = NULL;
	e = calloc(1, sizeof(*e));
	if (!e || !(e->base.location = strdup(url))) {
		free(e);
		pr_err("store %s: out of memory", url);
		return -ENOMEM;
	}
	e->base.ops = &etcd_ops;
	state_init(&e->mirror);
	err = etcd_http_open(&e->h, url, o);
	if (err) {
		free(e->base.location);
		free(e);
		return err;
	}
	srand(getpid() ^ time(NULL));
	*out = &e->base;
	return 0;
}
