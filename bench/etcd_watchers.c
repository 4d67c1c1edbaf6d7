// SPDX-License-Identifier: GPL-2.0-only
/* Watch-only gRPC clients for bench/etcd_convergence.sh (WCLIENT=c), the
 * same streams as `bench/etcd_watchers.py grpc` for a fraction of its CPU:
 * N native gRPC Watch calls (etcdserverpb.Watch/Watch, one
 * WatchCreateRequest on the prefix /vxnet/ from revision REV + 1, the
 * request stream left open as a watching client leaves it), 100 streams per
 * HTTP/2 connection (nghttp2; PER: that many, 1 for a connection each as
 * agents have), every WatchResponse read and thrown away;
 * PORTS a comma-separated list: the connections go to each in turn (the
 * grpc-proxies of PROXY=K).
 * Flow control: nghttp2 gives the window back only for what it has
 * received, so etcd (or a proxy) has to send every event to every stream.
 * Runs until SIGTERM or SECONDS pass, then prints "watchers: N streams
 * created, events per stream min/median/max" (events counted exactly: the
 * WatchResponse.events fields of every message).
 *
 *   etcd_watchers N HOST PORTS REV SECONDS [PER]
 */
#include <arpa/inet.h>
#include <errno.h>
#include <nghttp2/nghttp2.h>
#include <sys/epoll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#define MAX_PORTS 64
#define MSG_MAX (4u << 20)

struct wstream {
	int created;
	long events;
	uint8_t hdr[5]; /* the gRPC message prefix being read */
	unsigned hlen;
	uint8_t *msg; /* the message being read */
	uint32_t mlen, mgot;
	int sent; /* the request frame went out */
};

struct conn {
	int fd;
	nghttp2_session *s;
};

static volatile sig_atomic_t stopped;
static uint8_t req[64];
static size_t req_len;

static void on_term(int sig)
{
	stopped = 1;
}

static size_t put_varint(uint8_t *p, uint64_t v)
{
	size_t n = 0;

	do {
		p[n++] = (v & 0x7f) | (v > 0x7f ? 0x80 : 0);
		v >>= 7;
	} while (v);
	return n;
}

static int get_varint(const uint8_t **p, const uint8_t *end, uint64_t *v)
{
	int shift = 0;

	*v = 0;
	while (*p < end && shift < 64) {
		uint8_t b = *(*p)++;

		*v |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80))
			return 0;
		shift += 7;
	}
	return -1;
}

/* One WatchResponse: created = 3 (varint), events = 11 (repeated message). */
static void count_msg(struct wstream *w, const uint8_t *p, size_t n)
{
	const uint8_t *end = p + n;
	uint64_t key, v;

	while (p < end && !get_varint(&p, end, &key)) {
		switch (key & 7) {
		case 0:
			if (get_varint(&p, end, &v))
				return;
			if (key >> 3 == 3 && v)
				w->created = 1;
			break;
		case 2:
			if (get_varint(&p, end, &v) || v > (uint64_t)(end - p))
				return;
			p += v;
			w->events += key >> 3 == 11;
			break;
		case 1:
			p += 8;
			break;
		case 5:
			p += 4;
			break;
		default:
			return;
		}
	}
}

static int on_data(nghttp2_session *s, uint8_t flags, int32_t sid, const uint8_t *d, size_t n, void *u)
{
	struct wstream *w = nghttp2_session_get_stream_user_data(s, sid);

	while (w && n) {
		size_t k;

		if (w->hlen < 5) {
			k = 5 - w->hlen < n ? 5 - w->hlen : n;
			memcpy(w->hdr + w->hlen, d, k);
			w->hlen += k, d += k, n -= k;
			if (w->hlen < 5)
				break;
			w->mlen = (uint32_t)w->hdr[1] << 24 | w->hdr[2] << 16 | w->hdr[3] << 8 | w->hdr[4];
			w->mgot = 0;
			if (w->mlen > MSG_MAX || !(w->msg = realloc(w->msg, w->mlen + 1))) {
				fprintf(stderr, "etcd_watchers: stream %d: message of %u bytes\n", sid, w->mlen);
				return NGHTTP2_ERR_CALLBACK_FAILURE;
			}
		}
		k = w->mlen - w->mgot < n ? w->mlen - w->mgot : n;
		memcpy(w->msg + w->mgot, d, k);
		w->mgot += k, d += k, n -= k;
		if (w->mgot == w->mlen) {
			count_msg(w, w->msg, w->mlen);
			w->hlen = 0;
		}
	}
	return 0;
}

/* The request frame once, then nothing more for now: the stream stays open. */
static ssize_t read_req(nghttp2_session *s, int32_t sid, uint8_t *buf, size_t len, uint32_t *flags,
			nghttp2_data_source *src, void *u)
{
	struct wstream *w = src->ptr;

	if (w->sent || len < req_len)
		return NGHTTP2_ERR_DEFERRED;
	memcpy(buf, req, req_len);
	w->sent = 1;
	return req_len;
}

static ssize_t on_send(nghttp2_session *s, const uint8_t *d, size_t n, int flags, void *u)
{
	struct conn *c = u;
	ssize_t r = send(c->fd, d, n, MSG_NOSIGNAL);

	if (r < 0)
		return errno == EAGAIN ? NGHTTP2_ERR_WOULDBLOCK : NGHTTP2_ERR_CALLBACK_FAILURE;
	return r;
}

static int cmp_long(const void *a, const void *b)
{
	long x = *(const long *)a, y = *(const long *)b;

	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	nghttp2_settings_entry set = { NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, 1 << 24 };
	struct sockaddr_in sa = { .sin_family = AF_INET };
	nghttp2_session_callbacks *cb;
	struct wstream *ws;
	struct epoll_event ev_in = { .events = EPOLLIN }, evs[256];
	int ep = epoll_create1(0);
	struct conn *cs;
	struct rlimit rl;
	int n, nc, per = 100, created = 0, one = 1, np = 0, port[MAX_PORTS];
	long rev, *ev;
	time_t end;
	uint8_t create[48], *p;
	char auth[MAX_PORTS][64], *ps, *tok;
	size_t k;

	if (argc > 6)
		per = atoi(argv[6]);
	if (argc < 6 || argc > 7 || (n = atoi(argv[1])) <= 0 || per <= 0 ||
	    inet_pton(AF_INET, argv[2], &sa.sin_addr) != 1) {
		fprintf(stderr, "usage: etcd_watchers N HOST PORTS REV SECONDS [PER]\n");
		return 2;
	}
	for (ps = argv[3]; np < MAX_PORTS && (tok = strtok(ps, ",")); ps = NULL, np++) {
		port[np] = atoi(tok);
		snprintf(auth[np], sizeof(auth[np]), "%s:%d", argv[2], port[np]);
	}
	if (!np)
		return 2;
	rev = atol(argv[4]);
	end = time(NULL) + atol(argv[5]);
	if (!getrlimit(RLIMIT_NOFILE, &rl)) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	signal(SIGTERM, on_term);
	signal(SIGINT, on_term);

	/* WatchRequest { create_request = 1 { key = 1, range_end = 2, start_revision = 3 } } */
	p = create;
	*p++ = 1 << 3 | 2, *p++ = 7, memcpy(p, "/vxnet/", 7), p += 7;
	*p++ = 2 << 3 | 2, *p++ = 7, memcpy(p, "/vxnet0", 7), p += 7;
	*p++ = 3 << 3, p += put_varint(p, rev + 1);
	k = p - create;
	req[5] = 1 << 3 | 2, req[6] = k;
	memcpy(req + 7, create, k);
	req_len = 7 + k;
	req[0] = 0, req[1] = req[2] = req[3] = 0, req[4] = req_len - 5;

	nc = (n + per - 1) / per;
	ws = calloc(n, sizeof(*ws));
	cs = calloc(nc, sizeof(*cs));
	ev = calloc(n, sizeof(*ev));
	if (ep < 0 || !ws || !cs || !ev || nghttp2_session_callbacks_new(&cb))
		return 1;
	nghttp2_session_callbacks_set_send_callback(cb, on_send);
	nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cb, on_data);
	for (int c = 0; c < nc; c++) {
		sa.sin_port = htons(port[c % np]);
		cs[c].fd = socket(AF_INET, SOCK_STREAM, 0);
		if (cs[c].fd < 0 || connect(cs[c].fd, (struct sockaddr *)&sa, sizeof(sa))) {
			fprintf(stderr, "etcd_watchers: connect %s: %s\n", auth[c % np], strerror(errno));
			return 1;
		}
		setsockopt(cs[c].fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		fcntl(cs[c].fd, F_SETFL, O_NONBLOCK);
		if (nghttp2_session_client_new(&cs[c].s, cb, &cs[c]) ||
		    nghttp2_submit_settings(cs[c].s, NGHTTP2_FLAG_NONE, &set, 1) ||
		    nghttp2_submit_window_update(cs[c].s, NGHTTP2_FLAG_NONE, 0, 1 << 30))
			return 1;
		for (int i = c * per; i < n && i < (c + 1) * per; i++) {
			const nghttp2_nv hv[] = {
#define NV(a, b) { (uint8_t *)(a), (uint8_t *)(b), sizeof(a) - 1, strlen(b), NGHTTP2_NV_FLAG_NONE }
				NV(":method", "POST"), NV(":scheme", "http"), NV(":authority", auth[c % np]),
				NV(":path", "/etcdserverpb.Watch/Watch"), NV("content-type", "application/grpc"),
				NV("te", "trailers"),
			};
			nghttp2_data_provider dp = { .source.ptr = &ws[i], .read_callback = read_req };

			if (nghttp2_submit_request(cs[c].s, NULL, hv, sizeof(hv) / sizeof(hv[0]), &dp, &ws[i]) < 0)
				return 1;
		}
		ev_in.data.u32 = c;
		if (nghttp2_session_send(cs[c].s) || epoll_ctl(ep, EPOLL_CTL_ADD, cs[c].fd, &ev_in))
			return 1;
	}
	printf("watchers: %d streams open\n", n);
	fflush(stdout);

	/* Only what is readable is read; what nghttp2 has to send then (window
	 * updates, pings' answers) goes at once, the sockets being writable
	 * but for a full send buffer, which etcd's reading empties.
	 */
	while (!stopped && time(NULL) < end) {
		int k = epoll_wait(ep, evs, sizeof(evs) / sizeof(evs[0]), 500);

		for (int e = 0; e < k; e++) {
			static uint8_t buf[256 << 10];
			struct conn *c = &cs[evs[e].data.u32];
			ssize_t r;

			while ((r = recv(c->fd, buf, sizeof(buf), 0)) > 0)
				if (nghttp2_session_mem_recv(c->s, buf, r) < 0)
					break;
			if (r == 0 || (r < 0 && errno != EAGAIN)) {
				epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL); /* closed: its streams stop counting */
				continue;
			}
			nghttp2_session_send(c->s);
		}
	}
	for (int i = 0; i < n; i++)
		created += ws[i].created, ev[i] = ws[i].events;
	qsort(ev, n, sizeof(*ev), cmp_long);
	printf("watchers: %d streams created, events per stream min %ld, median %ld, max %ld\n", created, ev[0],
	       ev[n / 2], ev[n - 1]);
	return 0;
}
