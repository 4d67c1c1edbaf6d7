// SPDX-License-Identifier: GPL-2.0-only
/* `vxnet agent`: keeps this host's maps equal to the store, for as long as it
 * runs. The datapath must be up (`vxnet up`); the agent never loads, attaches
 * or removes anything, so stopping or restarting it never touches traffic.
 *
 * etcd: list the prefix, dp_sync (writes only differences), then watch from
 * the listed revision + 1. Each change updates the agent's copy of the state
 * and rewrites only the map entries that the changed record decides (its
 * endpoints/ifaces/node_vnis entries; a network's VNI and gateways; a node's
 * address and the entries of its endpoints). When the watch fails (etcd gone,
 * revision compacted) the maps stay as they are, so traffic keeps flowing; the
 * agent retries with backoff (0.2 s doubling to 5 s) and resyncs in full.
 *
 * file: inotify on the state file's directory; a full dp_sync after each
 * change of the file (the file is replaced by rename, so read it whole).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <net/if.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>

#include "cli.h"
#include "datapath.h"
#include "log.h"

static volatile sig_atomic_t stopping;
static int timestamps; /* --timestamps: prefix log lines with epoch seconds */

/* One info line, after the maps were written. */
#define agent_log(fmt, ...)                                                    \
	do {                                                                   \
		if (timestamps) {                                              \
			struct timespec ts_;                                   \
			clock_gettime(CLOCK_REALTIME, &ts_);                   \
			printf("%lld.%06ld ", (long long)ts_.tv_sec,          \
			       ts_.tv_nsec / 1000);                            \
		}                                                              \
		pr_info(fmt, ##__VA_ARGS__);                                   \
	} while (0)

static void on_signal(int sig)
{
	stopping = 1;
}

static int should_stop(void *arg)
{
	return stopping;
}

/* Sleeps ms milliseconds unless a signal asks us to stop. */
static void nap(unsigned int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (!stopping && nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/* ---- targeted updates ---- */

enum { M_NODES, M_NETWORKS, M_NODE_VNIS, M_IFACES, M_ENDPOINTS, M_COUNT };

static const char *const map_names[M_COUNT] = {
	VXNET_PIN_NODES, VXNET_PIN_NETWORKS, VXNET_PIN_NODE_VNIS, VXNET_PIN_IFACES, VXNET_PIN_ENDPOINTS,
};
static const size_t key_size[M_COUNT] = {
	sizeof(__be32), sizeof(__u32), sizeof(struct vxnet_node_vni), sizeof(__u32),
	sizeof(struct vxnet_ep_key),
};
static const size_t val_size[M_COUNT] = {
	sizeof(struct vxnet_node), sizeof(struct vxnet_network), sizeof(struct vxnet_node),
	sizeof(struct vxnet_iface), sizeof(struct vxnet_endpoint),
};

/* Map keys a change may have affected. */
struct touched {
	size_t n[M_COUNT], cap[M_COUNT];
	unsigned char *keys[M_COUNT];
};

struct agent {
	struct vx_store *store;
	struct vx_state st; /* the store as of the last event applied */
	struct vxnet_host host;
	int fds[M_COUNT];
	struct touched t;
	struct dp_sync_result res;
};

static int touch(struct touched *t, int m, const void *key)
{
	if (t->n[m] == t->cap[m]) {
		size_t cap = t->cap[m] ? t->cap[m] * 2 : 16;
		void *p = realloc(t->keys[m], cap * key_size[m]);

		if (!p)
			return -ENOMEM;
		t->keys[m] = p;
		t->cap[m] = cap;
	}
	memcpy(t->keys[m] + t->n[m]++ * key_size[m], key, key_size[m]);
	return 0;
}

static int touch_endpoint(struct agent *a, const struct vx_endpoint *ep)
{
	struct vxnet_ep_key k;
	struct vxnet_endpoint e, cur;
	struct vxnet_iface f;
	struct vxnet_node_vni nv;
	__u32 ifindex;
	int r, err;

	r = dp_endpoint_entry(&a->st, &a->host, ep, &k, &e, &nv, &ifindex, &f);
	if (r == -ENOENT)
		return 0; /* its network or node is unknown: no entries */
	err = touch(&a->t, M_ENDPOINTS, &k) ?: touch(&a->t, M_NODE_VNIS, &nv);
	if (!err && r == 1)
		err = touch(&a->t, M_IFACES, &ifindex);
	/* The veth the map knows for this address (gone once detached). */
	if (!err && !bpf_map_lookup_elem(a->fds[M_ENDPOINTS], &k, &cur) &&
	    (cur.flags & VXNET_EP_LOCAL))
		err = touch(&a->t, M_IFACES, &cur.ifindex);
	return err;
}

static int touch_network(struct agent *a, const struct vx_network *n)
{
	int err = touch(&a->t, M_NETWORKS, &n->vni);

	for (int i = 0; i < n->nsubnets && !err; i++) {
		struct vxnet_ep_key k = { .vni = n->vni, .ip = n->subnets[i].gateway };

		err = touch(&a->t, M_ENDPOINTS, &k);
	}
	for (size_t i = 0; i < a->st.nendpoints && !err; i++)
		if (!strcmp(a->st.endpoints[i].network, n->name))
			err = touch_endpoint(a, &a->st.endpoints[i]);
	return err;
}

static int touch_node(struct agent *a, const struct vx_node *n)
{
	int err = touch(&a->t, M_NODES, &n->addr);

	for (size_t i = 0; i < a->st.nendpoints && !err; i++)
		if (!strcmp(a->st.endpoints[i].node, n->name))
			err = touch_endpoint(a, &a->st.endpoints[i]);
	return err;
}

/* Touches what record (kind, name) decides in the current copy, if present. */
static int touch_record(struct agent *a, enum vx_rec_kind kind, const char *name)
{
	const void *r;

	switch (kind) {
	case VX_REC_NODE:
		r = state_find_node(&a->st, name);
		return r ? touch_node(a, r) : 0;
	case VX_REC_NETWORK:
		r = state_find_network(&a->st, name);
		return r ? touch_network(a, r) : 0;
	case VX_REC_ENDPOINT:
		r = state_find_endpoint(&a->st, name);
		return r ? touch_endpoint(a, r) : 0;
	}
	return 0;
}

/* The value key should have in map m on this host; 0 when it should be absent. */
static int want(struct agent *a, int m, const void *key, void *val)
{
	const struct vx_state *st = &a->st;

	memset(val, 0, val_size[m]);
	switch (m) {
	case M_NODES:
		for (size_t i = 0; i < st->nnodes; i++)
			if (st->nodes[i].addr == *(const __be32 *)key)
				return 1;
		return 0;
	case M_NETWORKS: {
		const struct vx_network *n = state_find_network_vni(st, *(const __u32 *)key);

		if (n)
			((struct vxnet_network *)val)->mtu = dp_network_mtu(n, &a->host);
		return !!n;
	}
	case M_NODE_VNIS: {
		const struct vxnet_node_vni *k = key;
		const struct vx_network *n = state_find_network_vni(st, k->vni);
		const char *node = NULL;

		for (size_t i = 0; i < st->nnodes && !node; i++)
			if (st->nodes[i].addr == k->node)
				node = st->nodes[i].name;
		if (!n || !node)
			return 0;
		for (size_t i = 0; i < st->nendpoints; i++)
			if (!strcmp(st->endpoints[i].node, node) && !strcmp(st->endpoints[i].network, n->name))
				return 1;
		return 0;
	}
	case M_IFACES:
		for (size_t i = 0; i < st->nendpoints; i++) {
			const struct vx_endpoint *ep = &st->endpoints[i];
			struct vxnet_ep_key k;
			struct vxnet_endpoint e;
			struct vxnet_node_vni nv;
			__u32 ifindex;

			if (!ep->host_ifname[0] || strcmp(ep->node, a->host.node))
				continue;
			if (dp_endpoint_entry(st, &a->host, ep, &k, &e, &nv, &ifindex, val) == 1 &&
			    ifindex == *(const __u32 *)key)
				return 1;
		}
		memset(val, 0, val_size[m]);
		return 0;
	case M_ENDPOINTS: {
		const struct vxnet_ep_key *k = key;
		const struct vx_network *n = state_find_network_vni(st, k->vni);
		const struct vx_endpoint *ep;
		struct vxnet_endpoint *e = val;
		struct vxnet_node_vni nv;
		struct vxnet_iface f;
		__u32 ifindex;

		if (!n)
			return 0;
		for (int i = 0; i < n->nsubnets; i++) {
			if (n->subnets[i].gateway != k->ip)
				continue;
			e->flags = VXNET_EP_GATEWAY;
			e->gateway = k->ip;
			default_mac(k->ip, e->mac);
			return 1;
		}
		ep = state_find_endpoint_ip(st, n->name, k->ip);
		if (!ep)
			return 0;
		switch (dp_endpoint_entry(st, &a->host, ep, &(struct vxnet_ep_key){}, e, &nv, &ifindex, &f)) {
		case 0:
		case 1:
			return 1;
		case -ENODEV:
			pr_warn("endpoint %s: interface %s is missing; not forwarding to it",
				ep->name, ep->host_ifname);
		}
		memset(val, 0, val_size[m]);
		return 0;
	}
	}
	return 0;
}

/* Writes the touched keys: what others point at first, as dp_sync does. */
static int apply_touched(struct agent *a)
{
	unsigned char val[64], cur[64];
	int err = 0;

	for (int m = 0; m < M_COUNT && !err; m++) {
		for (size_t i = 0; i < a->t.n[m] && !err; i++) {
			const void *key = a->t.keys[m] + i * key_size[m];
			int have = !bpf_map_lookup_elem(a->fds[m], key, cur);

			if (!want(a, m, key, val)) {
				if (!have)
					continue;
				if (bpf_map_delete_elem(a->fds[m], key) && errno != ENOENT) {
					err = -errno;
					pr_err("agent: delete from %s/%s: %s", vx_opts.pin_dir,
					       map_names[m], strerror(-err));
				} else {
					a->res.removed++;
				}
				continue;
			}
			if (have && !memcmp(cur, val, val_size[m]))
				continue;
			if (bpf_map_update_elem(a->fds[m], key, val, BPF_ANY))
				err = -errno;
			else if (have)
				a->res.changed++;
			else
				a->res.added++;
			if (err)
				pr_err("agent: write %s/%s: %s", vx_opts.pin_dir, map_names[m], strerror(-err));
		}
		a->t.n[m] = 0;
	}
	for (int m = 0; m < M_COUNT; m++)
		a->t.n[m] = 0;
	return err;
}

/* Replaces, adds or removes one record of the agent's copy. */
static int apply_to_state(struct vx_state *st, const struct vx_store_event *ev)
{
	void *old = ev->kind == VX_REC_NODE ? (void *)state_find_node(st, ev->name) :
		    ev->kind == VX_REC_NETWORK ? (void *)state_find_network(st, ev->name) :
						 (void *)state_find_endpoint(st, ev->name);

	if (ev->deleted) {
		if (old && ev->kind == VX_REC_NODE)
			state_del_node(st, old);
		else if (old && ev->kind == VX_REC_NETWORK)
			state_del_network(st, old);
		else if (old)
			state_del_endpoint(st, old);
		return 0;
	}
	if (old) {
		if (ev->kind == VX_REC_NODE)
			*(struct vx_node *)old = ev->rec.node;
		else if (ev->kind == VX_REC_NETWORK)
			*(struct vx_network *)old = ev->rec.network;
		else
			*(struct vx_endpoint *)old = ev->rec.endpoint;
		return 0;
	}
	if (ev->kind == VX_REC_NODE)
		old = state_add_node(st, &ev->rec.node);
	else if (ev->kind == VX_REC_NETWORK)
		old = state_add_network(st, &ev->rec.network);
	else
		old = state_add_endpoint(st, &ev->rec.endpoint);
	return old ? 0 : -ENOMEM;
}

static const char *const kind_names[] = { "node", "network", "endpoint" };

/* The changes of one store revision: for each, the entries the record
 * decided before and after it changed are recomputed and written.
 */
static int on_events(void *arg, const struct vx_store_event *ev, size_t n)
{
	struct agent *a = arg;
	int err = 0;

	for (size_t i = 0; i < n && !err; i++) {
		a->res = (struct dp_sync_result){};
		err = touch_record(a, ev[i].kind, ev[i].name) ?: apply_to_state(&a->st, &ev[i]) ?:
		      touch_record(a, ev[i].kind, ev[i].name) ?: apply_touched(a);
		if (err == -ENOMEM)
			pr_err("agent: out of memory");
		if (!err)
			agent_log("revision %lld: %s %s %s: %u added, %u changed, %u removed",
				(long long)ev[i].revision, kind_names[ev[i].kind], ev[i].name,
				ev[i].deleted ? "deleted" : "put", a->res.added, a->res.changed,
				a->res.removed);
	}
	return err;
}

static int open_maps(struct agent *a)
{
	for (int m = 0; m < M_COUNT; m++) {
		a->fds[m] = dp_open_pin(vx_opts.pin_dir, map_names[m]);
		if (a->fds[m] < 0) {
			pr_err("agent: open %s/%s: %s", vx_opts.pin_dir, map_names[m], strerror(-a->fds[m]));
			return a->fds[m];
		}
	}
	return 0;
}

static int run_watch(struct agent *a)
{
	unsigned int backoff = 200;
	int64_t rev;
	int err;

	while (!stopping) {
		struct dp_sync_result res;

		state_free(&a->st);
		err = a->store->ops->list(a->store, &a->st, &rev);
		if (!err) {
			err = dp_sync(&a->st, vx_opts.pin_dir, &res);
			if (err) /* dp_sync said why; the maps are as before */
				return err;
			agent_log("synced at revision %lld: %zu nodes, %zu networks, %zu endpoints; "
				"%u added, %u changed, %u removed", (long long)rev, a->st.nnodes,
				a->st.nnetworks, a->st.nendpoints, res.added, res.changed, res.removed);
			backoff = 200;
			err = a->store->ops->watch(a->store, rev + 1, on_events, should_stop, a);
			if (err == -ECANCELED || stopping)
				break;
			if (err == -ESTALE)
				pr_warn("agent: %s; resyncing", store_etcd_error(a->store));
			else
				pr_warn("agent: %s; keeping the maps, retrying in %u ms",
					err == -ENOMEM ? "out of memory" : store_etcd_error(a->store), backoff);
			if (err == -ESTALE)
				continue;
		} else {
			pr_warn("agent: list %s: %s; keeping the maps, retrying in %u ms",
				a->store->location, store_etcd_error(a->store), backoff);
		}
		nap(backoff);
		backoff = backoff * 2 > 5000 ? 5000 : backoff * 2;
	}
	return 0;
}

/* The file store: a full sync whenever the file is replaced or written. */
static int run_inotify(struct agent *a)
{
	char *dup = strdup(a->store->location), *dir, *base;
	char evbuf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	int fd = -1, err = 0, dirty = 1;

	if (!dup)
		return -ENOMEM;
	base = strrchr(dup, '/');
	if (base) {
		*base++ = '\0';
		dir = *dup ? dup : "/";
	} else {
		dir = ".";
		base = dup;
	}
	fd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
	if (fd < 0 || inotify_add_watch(fd, dir, IN_CLOSE_WRITE | IN_MOVED_TO | IN_DELETE) < 0) {
		err = -errno;
		pr_err("agent: watch %s: %s", dir, strerror(errno));
		goto cleanup;
	}
	while (!stopping) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t n;

		if (dirty) {
			struct dp_sync_result res;

			dirty = 0;
			state_free(&a->st);
			if (!store_read(a->store, &a->st) && !dp_sync(&a->st, vx_opts.pin_dir, &res))
				agent_log("synced %s: %zu nodes, %zu networks, %zu endpoints; "
					"%u added, %u changed, %u removed", a->store->location, a->st.nnodes,
					a->st.nnetworks, a->st.nendpoints, res.added, res.changed, res.removed);
			/* else: the line above says why; keep the maps, wait for the next change */
		}
		if (poll(&p, 1, 1000) <= 0)
			continue;
		while ((n = read(fd, evbuf, sizeof(evbuf))) > 0) {
			for (char *q = evbuf; q < evbuf + n;) {
				struct inotify_event *ev = (struct inotify_event *)q;

				if (ev->len && !strcmp(ev->name, base))
					dirty = 1;
				q += sizeof(*ev) + ev->len;
			}
		}
	}
cleanup:
	if (fd >= 0)
		close(fd);
	free(dup);
	return err;
}

int cmd_agent(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "timestamps", no_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	static const char usage[] =
		"usage: vxnet agent [--timestamps]\n"
		"Keeps this host's maps equal to the store until SIGTERM or SIGINT. Run vxnet up first.\n"
		"--timestamps: start each change's line with the time (epoch seconds) it reached the maps.\n";
	struct agent a = { .fds = { -1, -1, -1, -1, -1 } };
	struct sigaction sa = { .sa_handler = on_signal };
	int c, err;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case 't': timestamps = 1; break;
		case 'h': fputs(usage, stdout); return 0;
		default: return cli_opt_error("agent", c, argv);
		}
	}
	if (optind < argc) {
		pr_err("agent: unexpected argument '%s'; see vxnet agent --help", argv[optind]);
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	state_init(&a.st);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	err = dp_read_host(vx_opts.pin_dir, &a.host) ?: open_maps(&a) ?: cli_open_store(&a.store);
	if (err)
		goto cleanup;
	pr_info("agent: node %s, store %s, maps in %s", a.host.node, a.store->location, vx_opts.pin_dir);
	if (a.store->ops->watch)
		err = run_watch(&a);
	else
		err = run_inotify(&a);
	if (!err)
		pr_info("agent: stopped; the datapath stays as it is");
cleanup:
	for (int m = 0; m < M_COUNT; m++) {
		if (a.fds[m] >= 0)
			close(a.fds[m]);
		free(a.t.keys[m]);
	}
	state_free(&a.st);
	store_close(a.store);
	return err ? 1 : 0;
}
