// SPDX-License-Identifier: GPL-2.0-only
/* vxnet monitor: the events ring, decoding, names (monitor.h). */
#include <errno.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <netinet/in.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "datapath.h"
#include "log.h"
#include "metrics.h"
#include "monitor.h"

struct vx_monitor {
	int mon_fd, events_fd;
	struct ring_buffer *rb;
	vx_event_fn fn;
	void *arg;
	uint64_t lost; /* the monitor map's lost, as last read */
};

static int read_mon(const struct vx_monitor *m, struct vxnet_monitor *v)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(m->mon_fd, &zero, v) ? -errno : 0;
}

static int write_mon(const struct vx_monitor *m, const struct vxnet_monitor *v)
{
	__u32 zero = 0;

	return bpf_map_update_elem(m->mon_fd, &zero, v, BPF_ANY) ? -errno : 0;
}

/* Whether pid is a running vxnet (another monitor), not us. */
static int other_listener(__u32 pid)
{
	char path[64], comm[32] = "";
	FILE *f;

	if (!pid || pid == (__u32)getpid())
		return 0;
	snprintf(path, sizeof(path), "/proc/%u/comm", pid);
	f = fopen(path, "r");
	if (!f)
		return 0;
	if (!fgets(comm, sizeof(comm), f))
		comm[0] = 0;
	fclose(f);
	return !strncmp(comm, "vxnet", 5);
}

static int on_event(void *ctx, void *data, size_t size)
{
	struct vx_monitor *m = ctx;

	if (size >= sizeof(struct vxnet_event))
		m->fn(m->arg, data);
	return 0;
}

int monitor_open(const char *dir, uint32_t flags, vx_event_fn fn, void *arg,
		 struct vx_monitor **out)
{
	struct vx_monitor *m = calloc(1, sizeof(*m));
	struct vxnet_monitor v;
	const char *pin = VXNET_PIN_MONITOR;
	int err;

	if (!m) {
		pr_err("monitor: out of memory");
		return -ENOMEM;
	}
	m->fn = fn;
	m->arg = arg;
	m->events_fd = -1;
	m->mon_fd = dp_open_pin(dir, VXNET_PIN_MONITOR);
	if (m->mon_fd >= 0) {
		pin = VXNET_PIN_EVENTS;
		m->events_fd = dp_open_pin(dir, VXNET_PIN_EVENTS);
	}
	if (m->mon_fd < 0 || m->events_fd < 0) {
		err = m->mon_fd < 0 ? m->mon_fd : m->events_fd;
		if (err == -ENOENT)
			pr_err("monitor: no %s/%s: vxnet is not up on this host, or was started by a "
			       "vxnet without monitor (run vxnet up again)", dir, pin);
		else
			pr_err("monitor: open %s/%s: %s", dir, pin, strerror(-err));
		goto cleanup;
	}
	err = read_mon(m, &v);
	if (!err && other_listener(v.pid)) {
		pr_err("monitor: another vxnet monitor (pid %u) listens on %s", v.pid, dir);
		err = -EBUSY;
		goto cleanup;
	}
	if (err) {
		pr_err("monitor: read %s/%s: %s", dir, VXNET_PIN_MONITOR, strerror(-err));
		goto cleanup;
	}
	m->rb = ring_buffer__new(m->events_fd, on_event, m, NULL);
	if (!m->rb) {
		err = -errno;
		pr_err("monitor: map the ring %s/%s: %s", dir, VXNET_PIN_EVENTS, strerror(-err));
		goto cleanup;
	}
	/* What a crashed monitor left in the ring is not news: skip it. */
	while (ring_buffer__consume(m->rb) > 0)
		;
	m->lost = v.lost;
	v.flags = flags;
	v.pid = getpid();
	err = write_mon(m, &v);
	if (err) {
		pr_err("monitor: write %s/%s: %s", dir, VXNET_PIN_MONITOR, strerror(-err));
		goto cleanup;
	}
	*out = m;
	return 0;
cleanup:
	monitor_close(m);
	return err;
}

int monitor_poll(struct vx_monitor *m, int timeout_ms)
{
	int n = ring_buffer__poll(m->rb, timeout_ms), more;

	/* The datapath wakes us only when the ring fills up (event_wakeup()):
	 * what came meanwhile is read here, after the timeout.
	 */
	if (n < 0 && n != -EINTR)
		return n;
	more = ring_buffer__consume(m->rb);
	if (more < 0)
		return more;
	return n < 0 ? n : n + more;
}

uint64_t monitor_lost(struct vx_monitor *m)
{
	struct vxnet_monitor v;
	uint64_t n;

	if (read_mon(m, &v) || v.lost < m->lost)
		return 0;
	n = v.lost - m->lost;
	m->lost = v.lost;
	return n;
}

void monitor_close(struct vx_monitor *m)
{
	struct vxnet_monitor v;

	if (!m)
		return;
	/* Off, unless another monitor took over (a stale pid it replaced). */
	if (m->rb && m->mon_fd >= 0 && !read_mon(m, &v) && v.pid == (__u32)getpid()) {
		v.flags = 0;
		v.pid = 0;
		write_mon(m, &v);
	}
	ring_buffer__free(m->rb);
	if (m->mon_fd >= 0)
		close(m->mon_fd);
	if (m->events_fd >= 0)
		close(m->events_fd);
	free(m);
}

/* ---- decoding ---- */

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)p[0] << 8 | p[1];
}

static uint32_t get_be32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

/* Decodes the frame at p (len bytes); returns the offset of the UDP
 * payload when it is UDP to port (VXLAN), else 0.
 */
static size_t decode_frame(const uint8_t *p, size_t len, uint16_t port, struct vx_frame *f)
{
	size_t ihl, l4;

	memset(f, 0, sizeof(*f));
	if (len < ETH_HLEN)
		return 0;
	f->eth = 1;
	memcpy(f->dmac, p, 6);
	memcpy(f->smac, p + 6, 6);
	f->ethertype = get16(p + 12);
	p += ETH_HLEN;
	len -= ETH_HLEN;
	if (f->ethertype == ETH_P_ARP) {
		if (len >= 28 && get16(p) == 1 && get16(p + 2) == ETH_P_IP && p[4] == 6 && p[5] == 4) {
			f->arp = 1;
			f->arp_op = get16(p + 6);
			f->arp_spa = get_be32(p + 14);
			f->arp_tpa = get_be32(p + 24);
		}
		return 0;
	}
	if (f->ethertype != ETH_P_IP || len < 20 || p[0] >> 4 != 4)
		return 0;
	ihl = (p[0] & 0xf) * 4;
	if (ihl < 20)
		return 0;
	f->ipv4 = 1;
	f->ip_len = get16(p + 2);
	f->fragment = (get16(p + 6) & 0x1fff) != 0;
	f->ttl = p[8];
	f->proto = p[9];
	f->src = get_be32(p + 12);
	f->dst = get_be32(p + 16);
	l4 = ihl;
	if (f->fragment || len < l4 + 4)
		return 0;
	if (f->proto == IPPROTO_TCP || f->proto == IPPROTO_UDP) {
		f->ports = 1;
		f->sport = get16(p + l4);
		f->dport = get16(p + l4 + 2);
		if (f->proto == IPPROTO_UDP && f->dport == port && len >= l4 + 8)
			return ETH_HLEN + l4 + 8;
	} else if (f->proto == IPPROTO_ICMP) {
		f->icmp = 1;
		f->icmp_type = p[l4];
		f->icmp_code = p[l4 + 1];
	}
	return 0;
}

void monitor_decode(const struct vxnet_event *ev, uint16_t port, struct vx_event_info *out)
{
	size_t len = ev->cap_len < VXNET_EVENT_CAP ? ev->cap_len : VXNET_EVENT_CAP;
	const uint8_t *p = ev->data;
	size_t vx;

	memset(out, 0, sizeof(*out));
	/* A container's frame is VXLAN only once vxnet encapsulated it. */
	if (ev->hook == VXNET_HOOK_FROM_CONTAINER &&
	    !(ev->type == VXNET_EV_TRACE && ev->code == VXNET_STAT_ENCAP)) {
		decode_frame(p, len, 0, &out->inner);
		return;
	}
	vx = decode_frame(p, len, port, &out->outer);
	if (!vx || len < vx + 8) {
		out->inner = out->outer;
		memset(&out->outer, 0, sizeof(out->outer));
		return;
	}
	out->vxlan = 1;
	out->vx_flags = p[vx];
	out->vni = get_be32(p + vx + 4);
	out->vni = ntohl(out->vni) >> 8;
	decode_frame(p + vx + 8, len - vx - 8, 0, &out->inner);
}

static const char *const hook_names[] = {
	[VXNET_HOOK_FROM_CONTAINER] = "from_container",
	[VXNET_HOOK_XDP_DECAP] = "xdp_decap",
	[VXNET_HOOK_TC_DECAP] = "tc_decap",
	[VXNET_HOOK_NAT_IN] = "nat_in",
	[VXNET_HOOK_GRO_SINK] = "gro_sink",
};

const char *monitor_hook_name(unsigned int hook)
{
	return hook < sizeof(hook_names) / sizeof(hook_names[0]) && hook_names[hook] ?
		       hook_names[hook] : "?";
}

const char *monitor_type_name(unsigned int type)
{
	return type == VXNET_EV_DROP ? "drop" : type == VXNET_EV_TRACE ? "trace" : "?";
}

const char *monitor_code_name(const struct vxnet_event *ev)
{
	const char *s = NULL;

	if (ev->type == VXNET_EV_DROP && ev->code < VXNET_DROP__MAX)
		s = vx_drop_names[ev->code];
	else if (ev->type == VXNET_EV_TRACE && ev->code < VXNET_STAT__MAX)
		s = vx_stat_names[ev->code];
	return s ? s : "?";
}

int monitor_drop_reason(const char *name)
{
	for (int i = 0; i < VXNET_DROP__MAX; i++)
		if (vx_drop_names[i] && !strcmp(vx_drop_names[i], name))
			return i;
	return -1;
}

/* ---- names ---- */

const struct vx_endpoint *monitor_endpoint_of_ifindex(const struct vx_state *st,
						      const char *node, uint32_t ifindex)
{
	char ifname[IF_NAMESIZE];

	if (!ifindex || !if_indextoname(ifindex, ifname))
		return NULL;
	for (size_t i = 0; i < st->nendpoints; i++) {
		const struct vx_endpoint *e = &st->endpoints[i];

		if (!strcmp(e->host_ifname, ifname) && (!node || !strcmp(e->node, node)))
			return e;
	}
	return NULL;
}

static const struct vx_endpoint *endpoint_at(const struct vx_state *st,
					     const struct vx_network *n, uint32_t ip)
{
	return n && ip ? state_find_endpoint_ip(st, n->name, ip) : NULL;
}

void monitor_names(const struct vx_state *st, const char *node, const struct vxnet_event *ev,
		   const struct vx_event_info *info, struct vx_event_names *out)
{
	const struct vx_frame *in = &info->inner;
	uint32_t src = in->ipv4 ? in->src : in->arp ? in->arp_spa : 0;
	uint32_t dst = in->ipv4 ? in->dst : in->arp ? in->arp_tpa : 0;
	const struct vx_endpoint *to = monitor_endpoint_of_ifindex(st, node, ev->target);

	memset(out, 0, sizeof(*out));
	if (ev->hook == VXNET_HOOK_FROM_CONTAINER) {
		/* the sender; the other end: where it went, or its destination */
		out->endpoint = monitor_endpoint_of_ifindex(st, node, ev->ifindex);
		if (out->endpoint)
			out->network = state_find_network(st, out->endpoint->network);
		else if (info->vxlan)
			out->network = state_find_network_vni(st, info->vni);
		out->peer = to && to != out->endpoint ? to : endpoint_at(st, out->network, dst);
		if (out->peer == out->endpoint)
			out->peer = NULL;
		return;
	}
	/* From the underlay: the receiver here, the sender there. */
	if (info->vxlan)
		out->network = state_find_network_vni(st, info->vni);
	out->endpoint = to;
	if (to && !out->network)
		out->network = state_find_network(st, to->network);
	if (!out->endpoint)
		out->endpoint = endpoint_at(st, out->network, dst);
	if (info->vxlan)
		out->peer = endpoint_at(st, out->network, src);
}
