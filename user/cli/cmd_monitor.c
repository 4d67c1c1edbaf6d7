// SPDX-License-Identifier: GPL-2.0-only
/* `vxnet monitor`: the datapath's drops (and, with --trace, what it
 * forwards) as they happen, one line each, from the events ring
 * (monitor.h); names from the state; -j one JSON object per line, -x the
 * first bytes of each frame. Runs until interrupted (or --count events).
 *
 * A line: time, type, reason or trace point, hook, endpoint and network,
 * the other end, the inner frame and, for VXLAN, the outer one:
 *   01:50:12.345678 drop spoofed-ip from_container endpoint c1 network blue:
 *     10.1.0.99 > 10.1.0.5 icmp echo-request ttl 64, len 98
 */
#include <errno.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <jansson.h>

#include "cli.h"
#include "datapath.h"
#include "log.h"
#include "monitor.h"

enum { TYPE_ANY, TYPE_DROP, TYPE_TRACE };

struct monitor_arg {
	int trace, json, hex;
	const char *endpoint, *network, *reason;
	int type;
	uint32_t count;
};

struct mon_ctx {
	const struct monitor_arg *a;
	struct vx_state st;
	struct vxnet_host host;
	int reason;             /* --reason as enum vxnet_drop, or -1 */
	int64_t mono_to_real;   /* ns: CLOCK_REALTIME - CLOCK_MONOTONIC */
	time_t state_read;      /* when st was read (re-read on unknown names) */
	uint32_t shown;
	int failed;             /* stdout failed */
};

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static int64_t ns_of(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* The state again, at most once a second: an endpoint attached after the
 * monitor started is named too.
 */
static void reread_state(struct mon_ctx *c)
{
	struct vx_state st;
	time_t now = time(NULL);

	if (now == c->state_read)
		return;
	c->state_read = now;
	if (cli_read_state(&st))
		return;
	state_free(&c->st);
	c->st = st;
}

static const char *icmp_name(uint8_t type)
{
	switch (type) {
	case 0: return "echo-reply";
	case 3: return "unreachable";
	case 8: return "echo-request";
	case 11: return "time-exceeded";
	default: return NULL;
	}
}

static const char *proto_name(uint8_t p)
{
	return p == IPPROTO_TCP ? "tcp" : p == IPPROTO_UDP ? "udp" : p == IPPROTO_ICMP ? "icmp" : NULL;
}

/* "10.1.0.2:80" or "10.1.0.2" */
static void addr_port(char *buf, size_t n, uint32_t ip, int ports, uint16_t port)
{
	char a[16];

	format_ipv4(ip, a);
	if (ports)
		snprintf(buf, n, "%s:%u", a, port);
	else
		snprintf(buf, n, "%s", a);
}

/* The frame in words: "10.1.0.2:40000 > 10.1.0.3:80 tcp ttl 64" */
static void frame_text(char *buf, size_t n, const struct vx_frame *f)
{
	char s[32], d[32], m1[18], m2[18], num[8];
	const char *p;

	if (f->arp) {
		format_ipv4(f->arp_spa, s);
		format_ipv4(f->arp_tpa, d);
		snprintf(buf, n, "arp %s %s > %s", f->arp_op == 1 ? "request" : f->arp_op == 2 ? "reply" : "op?",
			 s, d);
	} else if (f->ipv4) {
		addr_port(s, sizeof(s), f->src, f->ports, f->sport);
		addr_port(d, sizeof(d), f->dst, f->ports, f->dport);
		p = proto_name(f->proto);
		snprintf(num, sizeof(num), "%u", f->proto);
		snprintf(buf, n, "%s > %s %s%s%s%s ttl %u", s, d, p ? p : "proto ", p ? "" : num,
			 f->icmp ? " " : "", f->icmp ? (icmp_name(f->icmp_type) ?: "type?") : "", f->ttl);
	} else if (f->eth) {
		format_mac(f->smac, m1);
		format_mac(f->dmac, m2);
		snprintf(buf, n, "%s > %s ethertype 0x%04x", m1, m2, f->ethertype);
	} else {
		snprintf(buf, n, "(truncated)");
	}
}

static json_t *frame_json(const struct vx_frame *f)
{
	char m[18], a[16];
	json_t *j = json_object();
	const char *p;

	if (!j || !f->eth)
		return j;
	format_mac(f->smac, m);
	json_object_set_new(j, "smac", json_string(m));
	format_mac(f->dmac, m);
	json_object_set_new(j, "dmac", json_string(m));
	json_object_set_new(j, "ethertype", json_integer(f->ethertype));
	if (f->arp) {
		json_object_set_new(j, "arp_op", json_integer(f->arp_op));
		format_ipv4(f->arp_spa, a);
		json_object_set_new(j, "src", json_string(a));
		format_ipv4(f->arp_tpa, a);
		json_object_set_new(j, "dst", json_string(a));
		return j;
	}
	if (!f->ipv4)
		return j;
	format_ipv4(f->src, a);
	json_object_set_new(j, "src", json_string(a));
	format_ipv4(f->dst, a);
	json_object_set_new(j, "dst", json_string(a));
	p = proto_name(f->proto);
	json_object_set_new(j, "proto", p ? json_string(p) : json_integer(f->proto));
	json_object_set_new(j, "ttl", json_integer(f->ttl));
	if (f->ports) {
		json_object_set_new(j, "sport", json_integer(f->sport));
		json_object_set_new(j, "dport", json_integer(f->dport));
	}
	if (f->icmp) {
		json_object_set_new(j, "icmp_type", json_integer(f->icmp_type));
		json_object_set_new(j, "icmp_code", json_integer(f->icmp_code));
	}
	return j;
}

static void hex_text(const struct vxnet_event *ev)
{
	for (uint32_t i = 0; i < ev->cap_len && i < VXNET_EVENT_CAP; i += 16) {
		printf("  %04x ", i);
		for (uint32_t k = i; k < i + 16 && k < ev->cap_len; k++)
			printf(" %02x", ev->data[k]);
		putchar('\n');
	}
}

static int selected(const struct mon_ctx *c, const struct vxnet_event *ev,
		    const struct vx_event_names *nm)
{
	const struct monitor_arg *a = c->a;

	if (a->type == TYPE_DROP && ev->type != VXNET_EV_DROP)
		return 0;
	if (a->type == TYPE_TRACE && ev->type != VXNET_EV_TRACE)
		return 0;
	if (c->reason >= 0 && (ev->type != VXNET_EV_DROP || ev->code != c->reason))
		return 0;
	if (a->network && (!nm->network || strcmp(nm->network->name, a->network)))
		return 0;
	if (a->endpoint && !(nm->endpoint && !strcmp(nm->endpoint->name, a->endpoint)) &&
	    !(nm->peer && !strcmp(nm->peer->name, a->endpoint)))
		return 0;
	return 1;
}

static void print_json_event(struct mon_ctx *c, const struct vxnet_event *ev,
			     const struct vx_event_info *in, const struct vx_event_names *nm,
			     int64_t real)
{
	char t[64], hex[2 * VXNET_EVENT_CAP + 1];
	time_t sec = real / 1000000000;
	struct tm tm;
	json_t *j = json_object(), *o;

	if (!j)
		return;
	gmtime_r(&sec, &tm);
	strftime(t, 32, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(t + strlen(t), sizeof(t) - strlen(t), ".%06lldZ",
		 (long long)(real % 1000000000) / 1000);
	json_object_set_new(j, "time", json_string(t));
	json_object_set_new(j, "type", json_string(monitor_type_name(ev->type)));
	json_object_set_new(j, ev->type == VXNET_EV_DROP ? "reason" : "point",
			    json_string(monitor_code_name(ev)));
	json_object_set_new(j, "hook", json_string(monitor_hook_name(ev->hook)));
	json_object_set_new(j, "endpoint", nm->endpoint ? json_string(nm->endpoint->name) : json_null());
	json_object_set_new(j, "network", nm->network ? json_string(nm->network->name) : json_null());
	json_object_set_new(j, "peer", nm->peer ? json_string(nm->peer->name) : json_null());
	json_object_set_new(j, "ifindex", json_integer(ev->ifindex));
	if (ev->target)
		json_object_set_new(j, "target_ifindex", json_integer(ev->target));
	json_object_set_new(j, "len", json_integer(ev->len));
	json_object_set_new(j, "inner", frame_json(&in->inner));
	if (in->vxlan) {
		o = frame_json(&in->outer);
		if (o) {
			json_object_set_new(o, "vni", json_integer(in->vni));
			json_object_set_new(o, "vxlan_flags", json_integer(in->vx_flags));
		}
		json_object_set_new(j, "outer", o);
	}
	if (c->a->hex) {
		for (uint32_t i = 0; i < ev->cap_len && i < VXNET_EVENT_CAP; i++)
			snprintf(hex + 2 * i, 3, "%02x", ev->data[i]);
		hex[2 * (ev->cap_len < VXNET_EVENT_CAP ? ev->cap_len : VXNET_EVENT_CAP)] = 0;
		json_object_set_new(j, "data", json_string(hex));
	}
	if (json_dumpf(j, stdout, JSON_COMPACT | JSON_PRESERVE_ORDER) || putchar('\n') == EOF)
		c->failed = 1;
	json_decref(j);
}

static void print_text_event(struct mon_ctx *c, const struct vxnet_event *ev,
			     const struct vx_event_info *in, const struct vx_event_names *nm,
			     int64_t real)
{
	char t[32], inner[160], outer[160] = "";
	time_t sec = real / 1000000000;
	struct tm tm;

	localtime_r(&sec, &tm);
	strftime(t, sizeof(t), "%H:%M:%S", &tm);
	frame_text(inner, sizeof(inner), &in->inner);
	if (in->vxlan) {
		char o[128];

		frame_text(o, sizeof(o), &in->outer);
		snprintf(outer, sizeof(outer), " | outer %s vni %u", o, in->vni);
	}
	printf("%s.%06lld %s %s %s", t, (long long)(real % 1000000000) / 1000,
	       monitor_type_name(ev->type), monitor_code_name(ev), monitor_hook_name(ev->hook));
	if (nm->endpoint)
		printf(" endpoint %s", nm->endpoint->name);
	if (nm->network)
		printf(" network %s", nm->network->name);
	if (nm->peer)
		printf(" peer %s", nm->peer->name);
	printf(": %s%s, len %u\n", inner, outer, ev->len);
	if (c->a->hex)
		hex_text(ev);
	if (ferror(stdout))
		c->failed = 1;
}

static void on_event(void *arg, const struct vxnet_event *ev)
{
	struct mon_ctx *c = arg;
	struct vx_event_info in;
	struct vx_event_names nm;
	int64_t real = (int64_t)ev->ts + c->mono_to_real;

	if (c->a->count && c->shown >= c->a->count)
		return;
	monitor_decode(ev, c->host.port, &in);
	monitor_names(&c->st, c->host.node, ev, &in, &nm);
	if (!nm.endpoint && (ev->hook == VXNET_HOOK_FROM_CONTAINER || ev->target)) {
		reread_state(c);
		monitor_names(&c->st, c->host.node, ev, &in, &nm);
	}
	if (!selected(c, ev, &nm))
		return;
	if (c->a->json)
		print_json_event(c, ev, &in, &nm, real);
	else
		print_text_event(c, ev, &in, &nm, real);
	c->shown++;
}

static void print_lost(struct mon_ctx *c, uint64_t n)
{
	if (c->a->json)
		printf("{\"type\":\"lost\",\"lost\":%llu}\n", (unsigned long long)n);
	else
		printf("%llu events lost\n", (unsigned long long)n);
}

static int monitor(void *arg)
{
	const struct monitor_arg *a = arg;
	struct mon_ctx c = { .a = a, .reason = -1 };
	struct sigaction sa = { .sa_handler = on_signal };
	struct vx_monitor *m = NULL;
	uint32_t flags = 0;
	uint64_t lost;
	int err = 0, n;

	if (a->reason) {
		c.reason = monitor_drop_reason(a->reason);
		if (c.reason < 0) {
			pr_err("monitor: unknown drop reason '%s' (vxnet stats lists them)", a->reason);
			return 1;
		}
		if (a->type == TYPE_TRACE) {
			pr_err("monitor: --reason selects drops, not --type trace");
			return 1;
		}
	}
	if (dp_read_host(vx_opts.pin_dir, &c.host) || cli_read_state(&c.st))
		return 1;
	c.state_read = time(NULL);
	if (a->endpoint && !state_find_endpoint(&c.st, a->endpoint)) {
		pr_err("monitor: unknown endpoint %s", a->endpoint);
		err = 1;
		goto cleanup;
	}
	if (a->network && !state_find_network(&c.st, a->network)) {
		pr_err("monitor: unknown network %s", a->network);
		err = 1;
		goto cleanup;
	}
	if (a->type != TYPE_TRACE)
		flags |= VXNET_MON_DROPS;
	if ((a->trace || a->type == TYPE_TRACE) && c.reason < 0)
		flags |= VXNET_MON_TRACE;
	c.mono_to_real = ns_of(CLOCK_REALTIME) - ns_of(CLOCK_MONOTONIC);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGPIPE, &sa, NULL);
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (monitor_open(vx_opts.pin_dir, flags, on_event, &c, &m)) {
		err = 1;
		goto cleanup;
	}
	while (!stop && !c.failed && !(a->count && c.shown >= a->count)) {
		n = monitor_poll(m, VXNET_EVENTS_POLL_MS);
		if (n < 0 && n != -EINTR) {
			pr_err("monitor: read the events ring: %s", strerror(-n));
			err = 1;
			break;
		}
		lost = monitor_lost(m);
		if (lost)
			print_lost(&c, lost);
	}
	if (c.failed && !stop)
		pr_err("monitor: write to stdout failed");
cleanup:
	monitor_close(m);
	state_free(&c.st);
	return err || (c.failed && !stop) ? 1 : 0;
}

#define ARG(f) offsetof(struct monitor_arg, f)

static const struct cli_choice type_choices[] = {
	{ "drop", TYPE_DROP },
	{ "trace", TYPE_TRACE },
	{},
};

static const struct cli_opt monitor_opts[] = {
	{ "trace", NULL, CLI_FLAG, ARG(trace),
	  "also what the datapath forwards: encap, decap, local delivery, ARP and echo\n"
	  "replies, egress and its answers, published ports" },
	{ "type", NULL, CLI_ENUM, ARG(type), "only drops, or only traces (implies --trace)",
	  .choices = type_choices },
	{ "endpoint", "NAME", CLI_STR, ARG(endpoint),
	  "only events about endpoint NAME (sender or receiver)" },
	{ "network", "NAME", CLI_STR, ARG(network), "only events in network NAME" },
	{ "reason", "NAME", CLI_STR, ARG(reason),
	  "only drops for reason NAME (as vxnet stats names it, e.g. spoofed-ip)" },
	{ "count", "N", CLI_U32, ARG(count), "exit after N events", .min = 1, .max = 0xffffffffu },
	{ "hex", NULL, CLI_FLAG, ARG(hex), "the frame's first bytes in hex (up to 128)",
	  .letter = 'x' },
	{ "json", NULL, CLI_FLAG, ARG(json),
	  "one JSON object per event and line (time, type, reason or point, hook,\n"
	  "endpoint, network, peer, ifindex, len, inner, outer, data)", .letter = 'j' },
	{},
};

const struct cli_verb monitor_verb = { "monitor",
	"Shows the datapath's drops as they happen (with --trace also what it forwards), until interrupted.",
	monitor_opts, sizeof(struct monitor_arg), NULL, monitor };
