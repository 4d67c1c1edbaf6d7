// SPDX-License-Identifier: GPL-2.0-only
/* The agent's loop (agent.h): one loop for every store; the store's list,
 * watch and error operations hide how changes are noticed (an etcd watch,
 * inotify on the state file).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "agent.h"
#include "log.h"
#include "sync.h"

struct agent {
	const struct agent_opts *o;
	struct dp_sync maps;
	struct vx_state st; /* the store as of the last event applied */
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

static int should_stop(void *arg)
{
	const struct agent *a = arg;

	return *a->o->stop;
}

/* Sleeps ms milliseconds unless asked to stop. */
static void nap(const struct agent *a, unsigned int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (!*a->o->stop && nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static const char *const kind_names[] = { "node", "network", "endpoint" };

/* The changes of one store revision, one record at a time. */
static int on_events(void *arg, const struct vx_store_event *ev, size_t n)
{
	struct agent *a = arg;
	int err = 0;

	for (size_t i = 0; i < n && !err; i++) {
		struct kv_result res;

		err = dp_sync_event(&a->maps, &a->st, &ev[i], &res);
		if (!err)
			agent_log(a, "revision %lld: %s %s %s: %u added, %u changed, %u removed",
				  (long long)ev[i].revision, kind_names[ev[i].kind], ev[i].name,
				  ev[i].deleted ? "deleted" : "put", res.added, res.changed,
				  res.removed);
	}
	return err;
}

/* Why the last list, watch or sync failed. */
static const char *why(struct vx_store *store, int err)
{
	const char *e = store_error(store);

	return e && *e ? e : strerror(-err);
}

int agent_run(const struct agent_opts *o)
{
	struct agent a = { .o = o };
	struct vx_store *store = o->store;
	unsigned int backoff = 200;
	int64_t rev;
	int err;

	state_init(&a.st);
	err = dp_sync_open(&a.maps, o->pin_dir, "agent");
	if (err)
		goto cleanup;
	pr_info("agent: node %s, store %s, maps in %s", a.maps.host.node, store->location,
		o->pin_dir);
	while (!*o->stop) {
		struct kv_result res;

		state_free(&a.st);
		err = store_list(store, &a.st, &rev);
		if (err) {
			pr_warn("agent: list %s: %s; keeping the maps, retrying in %u ms",
				store->location, why(store, err), backoff);
			goto retry;
		}
		err = dp_sync_full(&a.maps, &a.st, &res);
		if (err) { /* it said why */
			pr_warn("agent: keeping the maps, retrying in %u ms", backoff);
			goto retry;
		}
		agent_log(&a, "synced at revision %lld: %zu nodes, %zu networks, %zu endpoints; "
			  "%u added, %u changed, %u removed", (long long)rev, a.st.nnodes,
			  a.st.nnetworks, a.st.nendpoints, res.added, res.changed, res.removed);
		backoff = 200;
		err = store_watch(store, rev, on_events, should_stop, &a);
		if (err == -ECANCELED || *o->stop)
			break;
		if (err == -ESTALE) {
			pr_warn("agent: %s; resyncing", why(store, err));
			continue;
		}
		pr_warn("agent: %s; keeping the maps, retrying in %u ms", why(store, err), backoff);
retry:
		nap(&a, backoff);
		backoff = backoff * 2 > 5000 ? 5000 : backoff * 2;
		/* The pins as they are now: `vxnet up` may have replaced them. */
		dp_sync_close(&a.maps);
		if (!*o->stop && dp_sync_open(&a.maps, o->pin_dir, "agent"))
			goto retry;
	}
	err = 0;
cleanup:
	dp_sync_close(&a.maps);
	state_free(&a.st);
	return err;
}
