// SPDX-License-Identifier: GPL-2.0-only
/* Full and incremental sync of this host's maps (sync.h). */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>

#include "datapath.h"
#include "emit.h"
#include "log.h"
#include "metrics.h"
#include "reconcile.h"
#include "sync.h"

/* The pinned host map's ID and record; quiet. */
static int read_host_pin(const char *dir, __u32 *id, struct vxnet_host *host)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info), zero = 0;
	int fd, err = 0;

	fd = dp_open_pin(dir, VXNET_PIN_HOST);
	if (fd < 0)
		return fd;
	if (bpf_obj_get_info_by_fd(fd, &info, &len) || bpf_map_lookup_elem(fd, &zero, host))
		err = -errno;
	*id = info.id;
	close(fd);
	return err;
}

int dp_sync_open(struct dp_sync *s, const char *dir, const char *who)
{
	struct vxnet_host host;

	*s = (struct dp_sync){ .dir = dir, .who = who, .reconcile = 1 };
	for (int m = 0; m < DP_MAP_NSYNCED; m++) {
		s->fds[m] = -1;
		kv_init(&s->want[m], dp_maps[m].key_size, dp_maps[m].value_size);
	}
	/* the ID first: if up replaces the pins between the two, stale says so */
	read_host_pin(dir, &s->host_map_id, &host);
	return dp_read_host(dir, &s->host) ?: dp_open_synced_maps(dir, who, s->fds);
}

int dp_sync_host(const char *dir, struct vxnet_host *host)
{
	__u32 id;

	return read_host_pin(dir, &id, host);
}

int dp_sync_stale(const struct dp_sync *s)
{
	struct vxnet_host host;
	__u32 id;

	return read_host_pin(s->dir, &id, &host) || id != s->host_map_id ||
	       memcmp(&host, &s->host, sizeof(host));
}

void dp_sync_close(struct dp_sync *s)
{
	dp_close_maps(s->fds, DP_MAP_NSYNCED);
	for (int m = 0; m < DP_MAP_NSYNCED; m++)
		kv_free(&s->want[m]);
}

/* The generation whose datapath copies a change to map m makes out of
 * date, or -1: iface_slots' copies hold ifaces records and their
 * network's flags from networks, ep_cache's endpoints records and, for an
 * address without one, whether a subnet holds it.
 */
static int copies_gen(int m)
{
	switch (m) {
	case DP_MAP_IFACES:
	case DP_MAP_NETWORKS:
		return VXNET_GEN_IFACES;
	case DP_MAP_ENDPOINTS:
	case DP_MAP_SUBNETS:
		return VXNET_GEN_ENDPOINTS;
	default:
		return -1;
	}
}

/* Writes want into map m; after a change to a map the datapath keeps
 * copies of, bumps their generation (copies_gen()).
 */
static int write_map(struct dp_sync *s, int m, const struct kv_set *want,
		     const struct kv_set *scope, struct kv_result *res)
{
	struct kv_result was = *res;
	int err = kv_apply(s->fds[m], want, scope, res);

	if (copies_gen(m) >= 0 && memcmp(&was, res, sizeof(was)))
		err = dp_gen_bump(s->dir, copies_gen(m)) ?: err;
	if (err)
		pr_err("%s: write %s/%s: %s", s->who, s->dir, dp_maps[m].name, strerror(-err));
	return err;
}

/* ep_counters_gone's walk: the ifindexes with traffic counters and no
 * ifaces entry.
 */
struct gone {
	int ifaces_fd;
	struct kv_set ifindexes;
};

static int add_if_gone(__u32 ifindex, void *arg)
{
	struct gone *g = arg;
	struct vxnet_iface f;

	if (!bpf_map_lookup_elem(g->ifaces_fd, &ifindex, &f) || errno != ENOENT)
		return 0;
	return kv_add(&g->ifindexes, &ifindex, NULL);
}

/* Frees the traffic counters of veths that are no longer attached ifaces
 * (ifaces was just written): their ep_slots slots and ep_stats entries. A
 * veth deleted without vxnet detach left them claimed, and a later veth
 * at the same ifindex % VXNET_EP_SLOTS would count in ep_stats. Quiet:
 * counters are bookkeeping; without their pins there is nothing to free.
 */
static void ep_counters_gone(struct dp_sync *s)
{
	struct gone g = { .ifaces_fd = s->fds[DP_MAP_IFACES] };

	kv_init(&g.ifindexes, sizeof(__u32), 0);
	if (!metrics_ep_ifindexes(s->dir, add_if_gone, &g))
		for (size_t i = 0; i < g.ifindexes.n; i++)
			metrics_clear_ep_stats(s->dir, *(__u32 *)kv_key(&g.ifindexes, i));
	kv_free(&g.ifindexes);
}

int dp_sync_full(struct dp_sync *s, const struct vx_state *st, struct kv_result *res)
{
	struct emit_ctx c;
	int err;

	*res = (struct kv_result){};
	emit_init(&c, st, &s->host);
	err = emit_all(&c);
	for (int m = 0; m < DP_MAP_NSYNCED && !err; m++)
		err = kv_sort(&c.out[m]);
	if (err) {
		pr_err("%s: %s", s->who, strerror(-err));
		goto cleanup;
	}
	if (!s->nfull++)
		reconcile_warn_mtu(st, &s->host, NULL, s->who);
	if (s->reconcile)
		reconcile_host(st, &s->host, NULL, RECONCILE_LOWER, s->who);
	for (int m = 0; m < DP_MAP_NSYNCED && !err; m++) {
		err = write_map(s, m, &c.out[m], NULL, res);
		/* the maps now hold what was emitted: keep it for dp_sync_event */
		kv_free(&s->want[m]);
		s->want[m] = c.out[m];
		kv_init(&c.out[m], c.out[m].ksz, c.out[m].vsz);
	}
	if (!err)
		ep_counters_gone(s);
	if (!err && s->reconcile)
		reconcile_host(st, &s->host, NULL, RECONCILE_ALL, s->who);
cleanup:
	emit_free(&c);
	return err;
}

/* For the old version of a record: the veth it was emitted with, as the
 * last sync wrote it (the veth itself may be gone by now).
 */
static __u32 emitted_ifindex(const struct emit_ctx *c, const struct vx_endpoint *ep,
			     const struct vxnet_ep_key *k)
{
	const struct kv_set *eps = &((const struct dp_sync *)c->arg)->want[DP_MAP_ENDPOINTS];
	ptrdiff_t i = kv_find(eps, k);
	const struct vxnet_endpoint *e = i < 0 ? NULL : kv_val(eps, i);

	return e && (e->flags & VXNET_EP_LOCAL) ? e->ifindex : 0;
}

/* Adds (sign 1) or takes away (-1) the entries one version of a record
 * emitted; their keys join scope.
 */
static int merge(struct kv_set *want, const struct kv_set *emitted, int sign, struct kv_set *scope)
{
	int err = 0;

	for (size_t i = 0; i < emitted->n && !err; i++) {
		const void *key = kv_key(emitted, i);
		ptrdiff_t at = kv_find(want, key);
		uint32_t n = emitted->count[i];

		err = kv_add(scope, key, NULL);
		if (at < 0) {
			if (sign > 0 && !err)
				err = kv_insert(want, key, kv_val(emitted, i), n);
		} else if (sign > 0) {
			want->count[at] += n;
			memcpy(kv_val(want, at), kv_val(emitted, i), want->vsz);
		} else {
			want->count[at] -= want->count[at] < n ? want->count[at] : n;
		}
	}
	return err;
}

/* The entries of want for the keys of scope that some record still emits. */
static int wanted_in(const struct kv_set *want, const struct kv_set *scope, struct kv_set *out)
{
	int err = 0;

	for (size_t i = 0; i < scope->n && !err; i++) {
		ptrdiff_t at = kv_find(want, kv_key(scope, i));

		if (at >= 0 && want->count[at])
			err = kv_add(out, kv_key(want, at), kv_val(want, at));
	}
	return err ?: kv_sort(out);
}

int dp_sync_event(struct dp_sync *s, struct vx_state *st, const struct vx_store_event *ev,
		  struct kv_result *res)
{
	struct emit_ctx before, after;
	struct kv_set scope[DP_MAP_NSYNCED], svc;
	int err, net_changed;

	*res = (struct kv_result){};
	emit_init(&before, st, &s->host);
	before.ifindex = emitted_ifindex;
	before.arg = s;
	before.quiet = 1;
	/* The services of the record's endpoints, old and new version: each
	 * table is emitted whole before and after.
	 */
	kv_init(&svc, sizeof(struct vxnet_service_key), 0);
	err = emit_record_services(st, ev->kind, ev->name, &svc);
	if (!err && ev->kind == VX_REC_ENDPOINT && !ev->deleted)
		err = emit_endpoint_services(&ev->rec.endpoint, &svc);
	err = err ?: kv_sort(&svc);
	err = err ?: emit_record(&before, ev->kind, ev->name) ?: emit_services(&before, &svc) ?:
		     state_apply(st, ev->kind, ev->name, ev->deleted ? NULL : &ev->rec);
	emit_init(&after, st, &s->host);
	err = err ?: emit_record(&after, ev->kind, ev->name) ?: emit_services(&after, &svc);
	/* a network changed: its containers here follow (MTU down before the maps, up after) */
	net_changed = !err && s->reconcile && ev->kind == VX_REC_NETWORK && !ev->deleted;
	if (net_changed) {
		reconcile_warn_mtu(st, &s->host, ev->name, s->who);
		reconcile_host(st, &s->host, ev->name, RECONCILE_LOWER, s->who);
	}
	for (int m = 0; m < DP_MAP_NSYNCED; m++)
		kv_init(&scope[m], dp_maps[m].key_size, 0);
	for (int m = 0; m < DP_MAP_NSYNCED && !err; m++) {
		struct kv_set *want = &s->want[m], sub;

		kv_init(&sub, want->ksz, want->vsz);
		err = kv_sort(&before.out[m]) ?: kv_sort(&after.out[m]) ?:
		      merge(want, &before.out[m], -1, &scope[m]) ?:
		      merge(want, &after.out[m], 1, &scope[m]) ?:
		      kv_sort(&scope[m]) ?: wanted_in(want, &scope[m], &sub);
		err = err ?: write_map(s, m, &sub, &scope[m], res);
		kv_prune(want); /* what no record emits any more */
		kv_free(&sub);
	}
	if (err == -ENOMEM)
		pr_err("%s: out of memory", s->who);
	if (!err && net_changed)
		reconcile_host(st, &s->host, ev->name, RECONCILE_ALL, s->who);
	for (int m = 0; m < DP_MAP_NSYNCED; m++)
		kv_free(&scope[m]);
	kv_free(&svc);
	emit_free(&before);
	emit_free(&after);
	return err;
}

/* dp_sync, reconciling this host's containers or not. */
static int sync_once(const struct vx_state *st, const char *dir, int reconcile,
		     struct kv_result *res)
{
	struct dp_sync s;
	int err;

	*res = (struct kv_result){};
	err = dp_lock(dir);
	if (err)
		return err;
	err = dp_sync_open(&s, dir, "sync");
	s.reconcile = reconcile;
	err = err ?: dp_sync_full(&s, st, res);
	dp_sync_close(&s);
	dp_unlock();
	return err;
}

int dp_sync(const struct vx_state *st, const char *dir, struct kv_result *res)
{
	return sync_once(st, dir, 1, res);
}

static int sync_store(struct vx_store *store, const char *dir, int reconcile,
		      struct kv_result *res)
{
	struct vx_state st;
	int err;

	*res = (struct kv_result){};
	err = dp_lock(dir);
	if (err)
		return err;
	state_init(&st);
	err = store_read(store, &st) ?: sync_once(&st, dir, reconcile, res);
	state_free(&st);
	dp_unlock();
	return err;
}

int dp_sync_store(struct vx_store *store, const char *dir, struct kv_result *res)
{
	return sync_store(store, dir, 0, res);
}

int dp_sync_store_reconcile(struct vx_store *store, const char *dir, struct kv_result *res)
{
	return sync_store(store, dir, 1, res);
}
