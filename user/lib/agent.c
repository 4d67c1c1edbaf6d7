// SPDX-License-Identifier: GPL-2.0-only
/* The agent's loop (agent.h): one loop for every store; the store's list,
 * watch and error operations hide how changes are noticed (an etcd watch,
 * inotify on the state file). A watch asks should_stop about once a
 * second: there the resync timer fires and the pins are looked at, and the
 * watch ends for a full sync.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "agent.h"
#include "datapath.h"
#include "log.h"
#include "metrics.h"
#include "proc.h"
#include "sync.h"

/* Why the watch stopped for a full sync. */
enum agent_resync {
	RESYNC_NONE,
	RESYNC_TIMER,  /* --resync seconds went by */
	RESYNC_PINS,   /* the pins are other maps now: open them */
	RESYNC_RETRY,  /* after a failure: open the pins again, quietly */
};

struct agent {
	const struct agent_opts *o;
	struct dp_sync maps;
	struct vx_state st;   /* the store as of the last event applied */
	int resync;           /* enum agent_resync */
	long long sync_due;   /* CLOCK_MONOTONIC ms: the resync timer */
	long long check_due;  /* the next look at the pins */
};

/* One info line, after the maps were written. */
__attribute__((format(printf, 2, 3)))
static void agent_log(const struct agent *a, const char *fmt, ...)
{
	va_list ap;

	if (a->o->timestamps) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		printf("%lld.%06ld ", (long long)ts.tv_sec, ts.tv_nsec / 1000);
	}
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

/* The watch's stop question: a signal, the resync timer, or new pins
 * (looked at once a second at most).
 */
static int should_stop(void *arg)
{
	struct agent *a = arg;
	long long now;

	if (*a->o->stop || a->resync)
		return 1;
	metrics_agent_transport(store_transport(a->o->store));
	now = now_ms();
	if (a->o->resync && now >= a->sync_due) {
		a->resync = RESYNC_TIMER;
	} else if (now >= a->check_due) {
		a->check_due = now + 1000;
		if (dp_sync_stale(&a->maps))
			a->resync = RESYNC_PINS;
	}
	return a->resync != RESYNC_NONE;
}

/* Sleeps ms milliseconds unless asked to stop. */
static void nap(const struct agent *a, unsigned int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (!*a->o->stop && nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static const char *const kind_names[] = { "node", "network", "endpoint" };

/* The changes of one store revision, one record at a time, under the
 * datapath's lock. When the pins are other maps now, none: the list after
 * opening them brings these changes too.
 */
static int on_events(void *arg, const struct vx_store_event *ev, size_t n)
{
	struct agent *a = arg;
	int err;

	/* first without the lock: when vxnet is down, dp_lock would complain */
	if (dp_sync_stale(&a->maps) || dp_lock(a->o->pin_dir)) {
		a->resync = RESYNC_PINS;
		return -ECANCELED;
	}
	err = dp_sync_stale(&a->maps) ? -ECANCELED : 0;
	if (err)
		a->resync = RESYNC_PINS;
	for (size_t i = 0; i < n && !err; i++) {
		struct kv_result res;

		err = dp_sync_event(&a->maps, &a->st, &ev[i], &res);
		if (!err) {
			metrics_agent_change(ev[i].kind, ev[i].deleted);
			metrics_agent_revision(ev[i].revision);
			metrics_agent_state(&a->st, a->maps.host.node);
		}
		if (!err)
			agent_log(a, "revision %lld: %s %s %s: %u added, %u changed, %u removed",
				  (long long)ev[i].revision, kind_names[ev[i].kind], ev[i].name,
				  ev[i].deleted ? "deleted" : "put", res.added, res.changed,
				  res.removed);
	}
	dp_unlock();
	return err;
}

/* Why the last list, watch or sync failed. */
static const char *why(struct vx_store *store, int err)
{
	const char *e = store_error(store);

	return e && *e ? e : strerror(-err);
}

/* The maps in full from a.st, under the lock; 1: the pins are other maps
 * now (open them first).
 */
static int full_sync(struct agent *a, struct kv_result *res)
{
	int err;

	if (dp_sync_stale(&a->maps) || dp_lock(a->o->pin_dir))
		return 1;
	err = dp_sync_stale(&a->maps) ? 1 : dp_sync_full(&a->maps, &a->st, res);
	dp_unlock();
	return err;
}

/* The full sync's cause for the metrics: the first, or why it came. */
static enum metrics_sync_cause sync_cause(int cause, int first, int stale)
{
	if (first)
		return METRICS_SYNC_START;
	if (stale)
		return METRICS_SYNC_STALE;
	return cause == RESYNC_TIMER ? METRICS_SYNC_TIMER : cause == RESYNC_PINS ?
	       METRICS_SYNC_PINS : METRICS_SYNC_RETRY;
}

/* One line per full sync; a timer's only when it found the maps wrong. */
static void log_sync(const struct agent *a, int cause, int64_t rev, const struct kv_result *res)
{
	if (cause != RESYNC_TIMER)
		agent_log(a, "synced at revision %lld: %zu nodes, %zu networks, %zu endpoints; "
			  "%u added, %u changed, %u removed", (long long)rev, a->st.nnodes,
			  a->st.nnetworks, a->st.nendpoints, res->added, res->changed, res->removed);
	else if (res->added || res->changed || res->removed)
		agent_log(a, "resync at revision %lld repaired the maps: %u added, %u changed, "
			  "%u removed", (long long)rev, res->added, res->changed, res->removed);
}

/* Closes the maps and opens the pins as they are now. */
static int reopen(struct agent *a, int cause)
{
	if (cause == RESYNC_PINS)
		agent_log(a, "agent: the pins in %s are new maps (vxnet up again?): opening them",
			  a->o->pin_dir);
	dp_sync_close(&a->maps);
	return dp_sync_open(&a->maps, a->o->pin_dir, "agent");
}

int agent_run(const struct agent_opts *o)
{
	struct agent a = { .o = o };
	struct vx_store *store = o->store;
	struct metrics_server *ms = NULL;
	unsigned int backoff = 200;
	int first = 1, stale = 0;
	int64_t rev;
	int err;

	state_init(&a.st);
	err = dp_sync_open(&a.maps, o->pin_dir, "agent");
	if (!err && o->metrics_listen)
		err = metrics_serve(o->metrics_listen, o->pin_dir, &ms);
	if (err)
		goto cleanup;
	pr_info("agent: node %s, store %s, maps in %s", a.maps.host.node, store->location,
		o->pin_dir);
	while (!*o->stop) {
		struct kv_result res;
		int cause = a.resync;
		long long t0 = now_ms();

		a.resync = RESYNC_NONE;
		if ((cause == RESYNC_PINS || cause == RESYNC_RETRY) && reopen(&a, cause))
			goto retry;
		state_free(&a.st);
		err = store_list(store, &a.st, &rev);
		if (err) {
			pr_warn("agent: list %s: %s; keeping the maps, retrying in %u ms",
				store->location, why(store, err), backoff);
			goto retry;
		}
		err = full_sync(&a, &res);
		if (err == 1) { /* the pins changed, or went, meanwhile */
			if (cause == RESYNC_PINS || cause == RESYNC_RETRY)
				goto retry; /* right after opening them: not too often */
			a.resync = RESYNC_PINS;
			continue;
		}
		if (err) { /* it said why */
			pr_warn("agent: keeping the maps, retrying in %u ms", backoff);
			goto retry;
		}
		log_sync(&a, cause, rev, &res);
		metrics_agent_full_sync(sync_cause(cause, first, stale), (now_ms() - t0) / 1000.0);
		metrics_agent_revision(rev);
		metrics_agent_state(&a.st, a.maps.host.node);
		first = stale = 0;
		backoff = 200;
		a.sync_due = now_ms() + o->resync * 1000LL;
		err = store_watch(store, rev, on_events, should_stop, &a);
		if (*o->stop || err == -ECANCELED)
			continue; /* stopping, or a resync */
		metrics_agent_reconnect();
		if (err == -ESTALE) {
			pr_warn("agent: %s; resyncing", why(store, err));
			stale = 1;
			continue;
		}
		pr_warn("agent: %s; keeping the maps, retrying in %u ms", why(store, err), backoff);
retry:
		nap(&a, backoff);
		backoff = backoff * 2 > 5000 ? 5000 : backoff * 2;
		/* The pins as they are now: `vxnet up` may have replaced them. */
		a.resync = RESYNC_RETRY;
	}
	err = 0;
cleanup:
	metrics_serve_stop(ms);
	dp_sync_close(&a.maps);
	state_free(&a.st);
	return err;
}
