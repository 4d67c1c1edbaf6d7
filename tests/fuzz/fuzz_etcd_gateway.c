// SPDX-License-Identifier: GPL-2.0-only
/* libFuzzer target: what the etcd store makes of the gateway's answers
 * (user/lib/store_etcd.c, etcd_http.c): range pages (store_read,
 * store_list, store_update) and the watch stream (store_watch). The
 * decoders are static,
 * so this goes through the public store interface: a small HTTP server in
 * a thread of this process, on 127.0.0.1, answers the store's first request
 * with the input; libcurl, base64, jansson and the record decoder all run
 * on it, as against a hostile or broken etcd.
 *
 * The store asks etcd's gRPC API first for range pages (h2c): this server
 * answers that preface with HTTP/1.1 400, uncounted, and the store asks
 * the gateway (the gRPC reader has its own target, fuzz_etcd_pb).
 *
 * Input: byte 0 (mod 4) picks the call: 0 store_list, 1 store_read,
 * 2 store_watch, 3 store_update adding a node; byte 1 the HTTP status
 * (mod 8: 0-5 200, 6 404, 7 503); the rest is the body (for the watch: the
 * stream, one JSON object a line). Later range requests of the same call
 * (the next page) get an empty last page, a transaction succeeds. Checks
 * besides ASan/UBSan (fuzz.h):
 *   - every line printed is one "vxnet: " line without control characters,
 *     and store_error() has none either (the agent logs it);
 *   - store_read, store_update: 0 and quiet, or exactly one line;
 *   - store_list: its records decode (the agent then validates);
 *   - store_watch: each event names a record kind and a name of fewer than
 *     VX_NAME_MAX bytes, a put's record carries that name, one batch is one
 *     revision; the watch ends with an error once the stream does.
 * Seeds: tests/fuzz/corpus/etcd_gateway/.
 */
#include "fuzz.h" /* first: _GNU_SOURCE */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <strings.h>
#include <sys/socket.h>

#include "store.h"

/* ---- the server ---------------------------------------------------------- */

static int listen_fd, port;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
/* This input's answer, for the first request: a copy, because the server
 * may still be sending when the store call returned (curl aborted).
 */
static uint8_t *body;
static size_t body_len;
static int status, stream, served;

static const char last_page[] = "{\"header\":{\"revision\":\"1\"},\"count\":\"0\"}";
static const char txn_done[] = "{\"header\":{\"revision\":\"2\"},\"succeeded\":true}";

/* Reads the request: headers, then Content-Length bytes of body. Whether
 * it is a transaction.
 */
static int read_request(int fd)
{
	char buf[65536];
	size_t n = 0, want = 0;
	char *end = NULL;

	while (n < sizeof(buf) - 1) {
		ssize_t r = recv(fd, buf + n, sizeof(buf) - 1 - n, 0);

		if (r <= 0)
			return 0;
		n += r;
		buf[n] = '\0';
		if (!end && (end = strstr(buf, "\r\n\r\n"))) {
			char *cl = strcasestr(buf, "\r\nContent-Length:");

			want = end + 4 - buf + (cl && cl < end ? strtoul(cl + 17, NULL, 10) : 0);
		}
		if (end && n >= want)
			break;
	}
	buf[n] = '\0';
	if (!strncmp(buf, "PRI * HTTP/2.0", 14))
		return 2;
	return !strncmp(buf, "POST /v3/kv/txn ", 16);
}

static void send_all(int fd, const void *p, size_t len)
{
	while (len) {
		ssize_t w = send(fd, p, len, MSG_NOSIGNAL);

		if (w <= 0)
			return;
		p = (const char *)p + w;
		len -= w;
	}
}

static void answer(int fd, int txn)
{
	const void *b = txn ? txn_done : last_page;
	size_t len = strlen(b);
	int code = 200, first;
	char head[256];

	pthread_mutex_lock(&lock);
	first = !served++ && !txn;
	if (first) {
		b = body;
		len = body_len;
		code = status;
	}
	/* The watch stream ends when the connection does: no length. */
	if (first && stream)
		snprintf(head, sizeof(head), "HTTP/1.1 %d X\r\nContent-Type: application/json\r\n"
			 "Connection: close\r\n\r\n", code);
	else
		snprintf(head, sizeof(head), "HTTP/1.1 %d X\r\nContent-Type: application/json\r\n"
			 "Content-Length: %zu\r\nConnection: close\r\n\r\n", code, len);
	send_all(fd, head, strlen(head));
	send_all(fd, b, len);
	pthread_mutex_unlock(&lock);
}

static void *serve(void *arg)
{
	for (;;) {
		int fd = accept(listen_fd, NULL, NULL);

		if (fd < 0)
			continue;
		int req = read_request(fd);

		/* The store's list asks gRPC (HTTP/2) first: not here. */
		if (req == 2)
			send_all(fd, "HTTP/1.1 400 X\r\nConnection: close\r\n\r\n", 37);
		else
			answer(fd, req);
		shutdown(fd, SHUT_WR);
		close(fd);
	}
	return NULL;
}

static void start_server(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t alen = sizeof(a);
	pthread_t t;

	listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (listen_fd < 0 || bind(listen_fd, (struct sockaddr *)&a, sizeof(a)) ||
	    listen(listen_fd, 16) || getsockname(listen_fd, (struct sockaddr *)&a, &alen) ||
	    pthread_create(&t, NULL, serve, NULL)) {
		perror("fuzz_etcd_gateway: starting the server");
		abort();
	}
	port = ntohs(a.sin_port);
}

/* ---- the checks ---------------------------------------------------------- */

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fz_init();
	start_server();
	return 0;
}

static void check_printable(const char *what, const char *s)
{
	char esc[1024];
	size_t o = 0;
	int bad = 0;

	for (; *s && o + 5 < sizeof(esc); s++) {
		unsigned char c = *s;

		bad |= c < 0x20 || c == 0x7f;
		if (c < 0x20 || c == 0x7f)
			o += snprintf(esc + o, sizeof(esc) - o, "\\x%02x", c);
		else
			esc[o++] = c;
	}
	esc[o] = '\0';
	if (bad && !fz_lax)
		fz_fail("%s holds control characters: %s", what, esc);
}

static const char *rec_name(const struct vx_store_event *ev)
{
	return ev->kind == VX_REC_NODE ? ev->rec.node.name :
	       ev->kind == VX_REC_NETWORK ? ev->rec.network.name : ev->rec.endpoint.name;
}

static int on_events(void *arg, const struct vx_store_event *ev, size_t n)
{
	if (!n)
		fz_fail("watch: an empty batch");
	for (size_t i = 0; i < n; i++) {
		if (ev[i].kind != VX_REC_NODE && ev[i].kind != VX_REC_NETWORK &&
		    ev[i].kind != VX_REC_ENDPOINT)
			fz_fail("watch: event of kind %d", ev[i].kind);
		if (!memchr(ev[i].name, '\0', sizeof(ev[i].name)) || !ev[i].name[0])
			fz_fail("watch: event name empty or not terminated");
		if (!ev[i].deleted && strcmp(rec_name(&ev[i]), ev[i].name))
			fz_fail("watch: put of %s carries record %s", ev[i].name, rec_name(&ev[i]));
		if (ev[i].revision != ev[0].revision)
			fz_fail("watch: one batch, revisions %lld and %lld", (long long)ev[0].revision,
				(long long)ev[i].revision);
	}
	return 0;
}

static int never(void *arg)
{
	return 0;
}

static int add_node(struct vx_state *st, void *arg)
{
	struct vx_node n = { .name = "fuzz-node" };

	n.addr = htonl(0xc00002fe); /* 192.0.2.254 */
	return state_add_node(st, &n) ? 0 : -ENOMEM;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const int codes[8] = { 200, 200, 200, 200, 200, 200, 404, 503 };
	struct vx_store *s = NULL;
	struct vx_state st;
	char url[64];
	int64_t rev;
	int mode, err;

	if (size < 2)
		return 0;
	mode = data[0] % 4;
	pthread_mutex_lock(&lock); /* also: the last answer has been sent */
	status = codes[data[1] % 8];
	stream = mode == 2;
	free(body);
	body = malloc(size - 2 + 1);
	if (!body)
		abort();
	memcpy(body, data + 2, size - 2);
	body_len = size - 2;
	served = 0;
	pthread_mutex_unlock(&lock);

	snprintf(url, sizeof(url), "etcd://127.0.0.1:%d", port);
	if (store_open(url, &(struct vx_store_opts){}, &s))
		fz_fail("store_open %s failed", url);
	fz_begin();
	if (mode == 0) {
		err = store_list(s, &st, &rev);
		if (!err)
			state_free(&st);
	} else if (mode == 1) {
		err = store_read(s, &st);
		if (!err)
			state_free(&st);
	} else if (mode == 2) {
		err = store_watch(s, 0, on_events, never, NULL);
		if (!err)
			fz_fail("store_watch returned 0 after the stream ended");
	} else {
		err = store_update(s, add_node, NULL);
	}
	fz_end();
	if (mode == 0 || mode == 2)
		fz_expect_lines(mode ? "store_watch" : "store_list", 0, 1 << 30);
	else
		fz_expect_lines(mode == 1 ? "store_read" : "store_update", err != 0, err != 0);
	check_printable("store_error()", store_error(s));
	store_close(s);
	fz_free();
	return 0;
}
