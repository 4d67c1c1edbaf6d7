// SPDX-License-Identifier: GPL-2.0-only
/* Validation (state.h): the name rule, and the whole state before any
 * write. Reports the first problem as one line and returns -EINVAL.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "state.h"
#include "vxnet.h"

static int name_char(char c)
{
	return isalnum((unsigned char)c) || c == '_' || c == '.' || c == '-';
}

/* VX_NAME_RULE: a letter or digit, then up to 62 of those or "_.-". */
int valid_name(const char *s)
{
	size_t i;

	if (!s || !isalnum((unsigned char)s[0]))
		return 0;
	for (i = 1; s[i]; i++)
		if (!name_char(s[i]) || i >= VX_NAME_MAX - 1)
			return 0;
	return 1;
}

/* Room for a name or an interface name as log_printable() writes it. */
#define ESC_MAX (4 * VX_NAME_MAX + 8)


static int unicast_addr(uint32_t a)
{
	uint32_t h = ntohl(a);

	return h != 0 && h < 0xe0000000u; /* not 0.0.0.0, not multicast/class E */
}

static int subnets_overlap(const struct vx_subnet *a, const struct vx_subnet *b)
{
	uint8_t p = a->prefix < b->prefix ? a->prefix : b->prefix;

	return (a->addr & prefix_mask(p)) == (b->addr & prefix_mask(p));
}

/* A node on its own: name, address. */
static int check_node(const struct vx_node *n, const char *src)
{
	char a[16], esc[ESC_MAX];

	if (!valid_name(n->name))
		return pr_err_at(src, "invalid node name '%s' (must match %s)",
				 log_printable(n->name, esc, sizeof(esc)), VX_NAME_RULE);
	if (!unicast_addr(n->addr)) {
		format_ipv4(n->addr, a);
		return pr_err_at(src, "node %s: address %s is not a unicast address", n->name, a);
	}
	return 0;
}

/* Node n against node o, one that came before it. */
static int node_clash(const struct vx_node *o, const struct vx_node *n, const char *src)
{
	char a[16];

	if (!strcmp(o->name, n->name))
		return pr_err_at(src, "node %s already exists", n->name);
	if (o->addr == n->addr) {
		format_ipv4(n->addr, a);
		return pr_err_at(src, "node %s: address %s is already used by node %s", n->name, a, o->name);
	}
	return 0;
}

static int validate_nodes(const struct vx_state *st, const char *src)
{
	for (size_t i = 0; i < st->nnodes; i++) {
		int err = check_node(&st->nodes[i], src);

		for (size_t j = 0; j < i && !err; j++)
			err = node_clash(&st->nodes[j], &st->nodes[i], src);
		if (err)
			return err;
	}
	return 0;
}

static int validate_subnet(const struct vx_network *n, int k, const char *src)
{
	const struct vx_subnet *s = &n->subnets[k];
	char c[20], g[16];

	format_cidr(s->addr, s->prefix, c);
	format_ipv4(s->gateway, g);
	if (s->prefix > 32)
		return pr_err_at(src, "network %s: subnet prefix /%u is outside 0..32", n->name, s->prefix);
	if (s->addr & ~prefix_mask(s->prefix)) {
		char m[20];

		format_cidr(s->addr & prefix_mask(s->prefix), s->prefix, m);
		return pr_err_at(src, "network %s: subnet %s has host bits set; did you mean %s", n->name, c, m);
	}
	if (s->prefix < 1 || s->prefix > 30)
		return pr_err_at(src, "network %s: subnet %s: prefix must be 1..30", n->name, c);
	if (!unicast_addr(s->addr))
		return pr_err_at(src, "network %s: subnet %s is not a unicast range", n->name, c);
	if ((s->gateway & prefix_mask(s->prefix)) != s->addr)
		return pr_err_at(src, "network %s: gateway %s is outside subnet %s", n->name, g, c);
	if (s->gateway == s->addr)
		return pr_err_at(src, "network %s: gateway %s is the network address of %s", n->name, g, c);
	if (s->gateway == subnet_broadcast(s))
		return pr_err_at(src, "network %s: gateway %s is the broadcast address of %s", n->name, g, c);
	for (int j = 0; j < k; j++) {
		char o[20];

		if (!subnets_overlap(s, &n->subnets[j]))
			continue;
		format_cidr(n->subnets[j].addr, n->subnets[j].prefix, o);
		return pr_err_at(src, "network %s: subnet %s overlaps subnet %s", n->name, c, o);
	}
	return 0;
}

/* "" or VX_ID_LEN lowercase hex digits. */
static int valid_id(const char *id)
{
	size_t n = strspn(id, "0123456789abcdef");

	return !id[0] || (n == VX_ID_LEN && !id[n]);
}

/* "" or RFC 3339: YYYY-MM-DDTHH:MM:SS, up to 9 digits of fraction, then Z
 * or +HH:MM / -HH:MM.
 */
static int valid_created(const char *s)
{
	const char *p;
	struct tm tm = {};
	size_t frac;

	if (!s[0])
		return 1;
	p = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	if (!p || strspn(s, "0123456789") != 4)
		return 0;
	if (*p == '.') {
		frac = strspn(p + 1, "0123456789");
		if (frac < 1 || frac > 9)
			return 0;
		p += 1 + frac;
	}
	if (!strcmp(p, "Z"))
		return 1;
	return (*p == '+' || *p == '-') && strlen(p) == 6 && isdigit((unsigned char)p[1]) &&
	       isdigit((unsigned char)p[2]) && p[3] == ':' && isdigit((unsigned char)p[4]) &&
	       isdigit((unsigned char)p[5]);
}

/* A decimal number within lo..hi. */
static int number_in(const char *s, unsigned long lo, unsigned long hi)
{
	unsigned long v = 0;

	if (!*s || strlen(s) > 9 || strspn(s, "0123456789") != strlen(s))
		return 0;
	v = strtoul(s, NULL, 10);
	return v >= lo && v <= hi;
}

/* Labels or options (what = "label", "option"): well-formed entries, keys
 * and values as lbl_check_* want them, no key twice.
 */
static int check_labels(const struct vx_network *n, const char *what, const char *buf,
			uint16_t len, size_t cap, const char *src)
{
	char esc[4 * VX_LABEL_KEY_MAX + 8];
	const char *why;

	if (len > cap || (len && buf[len - 1]))
		return pr_err_at(src, "network %s: malformed %ss", n->name, what);
	for (const char *e = lbl_next(buf, len, NULL); e; e = lbl_next(buf, len, e)) {
		size_t kl = lbl_key_len(e);
		char key[VX_LABEL_KEY_MAX + 1];

		if ((why = lbl_check_key(e, kl)) || !e[kl])
			return pr_err_at(src, "network %s: %s key '%s' %s", n->name, what,
					 log_printable(e, esc, sizeof(esc)), why ?: "has no '='");
		snprintf(key, sizeof(key), "%.*s", (int)kl, e);
		if ((why = lbl_check_value(e + kl + 1)))
			return pr_err_at(src, "network %s: %s %s: value %s", n->name, what,
					 log_printable(key, esc, sizeof(esc)), why);
		for (const char *o = lbl_next(buf, len, NULL); o != e; o = lbl_next(buf, len, o))
			if (lbl_key_len(o) == kl && !memcmp(o, e, kl))
				return pr_err_at(src, "network %s: %s %s given twice", n->name, what, key);
	}
	return 0;
}

/* The options vxnet understands, and their values: each one what the
 * network's own field holds.
 */
static int check_options(const struct vx_network *n, const char *src)
{
	char esc[4 * VX_LABEL_KEY_MAX + 8];
	const char *v;

	for (const char *e = lbl_next(n->options, n->options_len, NULL); e;
	     e = lbl_next(n->options, n->options_len, e)) {
		size_t kl = lbl_key_len(e);

		if ((kl == strlen(VX_OPT_MTU) && !memcmp(e, VX_OPT_MTU, kl)) ||
		    (kl == strlen(VX_OPT_VNI) && !memcmp(e, VX_OPT_VNI, kl)))
			continue;
		return pr_err_at(src, "network %s: option '%.*s' is not one vxnet knows (%s, %s)",
				 n->name, (int)strcspn(log_printable(e, esc, sizeof(esc)), "="), esc,
				 VX_OPT_MTU, VX_OPT_VNI);
	}
	v = lbl_get(n->options, n->options_len, VX_OPT_MTU);
	if (v && (!number_in(v, VX_MTU_MIN, VX_MTU_MAX) || strtoul(v, NULL, 10) != n->mtu))
		return pr_err_at(src, "network %s: option %s=%s: must be the network's MTU (%u), %d..%d",
				 n->name, VX_OPT_MTU, log_printable(v, esc, sizeof(esc)), n->mtu,
				 VX_MTU_MIN, VX_MTU_MAX);
	v = lbl_get(n->options, n->options_len, VX_OPT_VNI);
	if (v && (!number_in(v, 1, VX_VNI_MAX) || strtoul(v, NULL, 10) != n->vni))
		return pr_err_at(src, "network %s: option %s=%s: must be the network's VNI (%u)",
				 n->name, VX_OPT_VNI, log_printable(v, esc, sizeof(esc)), n->vni);
	return 0;
}

/* A network's own fields but its subnets: name, VNI, MTU, how many subnets,
 * ID, creation time, labels, options.
 */
static int check_network_fields(const struct vx_network *n, const char *src)
{
	char esc[ESC_MAX];

	if (!valid_name(n->name))
		return pr_err_at(src, "invalid network name '%s' (must match %s)",
				 log_printable(n->name, esc, sizeof(esc)), VX_NAME_RULE);
	if (n->vni < 1 || n->vni > VX_VNI_MAX)
		return pr_err_at(src, "network %s: VNI %u is outside 1..%u", n->name, n->vni, VX_VNI_MAX);
	if (n->mtu && (n->mtu < VX_MTU_MIN || n->mtu > VX_MTU_MAX))
		return pr_err_at(src, "network %s: MTU %u is outside %d..%d", n->name, n->mtu,
				 VX_MTU_MIN, VX_MTU_MAX);
	if (n->nsubnets < 1 || n->nsubnets > VX_MAX_SUBNETS)
		return pr_err_at(src, "network %s: needs 1..%d subnets, has %d", n->name,
				 VX_MAX_SUBNETS, n->nsubnets);
	if (!valid_id(n->id))
		return pr_err_at(src, "network %s: ID '%s' is not %d lowercase hex digits", n->name,
				 log_printable(n->id, esc, sizeof(esc)), VX_ID_LEN);
	if (!valid_created(n->created))
		return pr_err_at(src, "network %s: created '%s' is not an RFC 3339 time", n->name,
				 log_printable(n->created, esc, sizeof(esc)));
	return check_labels(n, "label", n->labels, n->labels_len, sizeof(n->labels), src) ?:
	       check_labels(n, "option", n->options, n->options_len, sizeof(n->options), src) ?:
	       check_options(n, src);
}

static int check_subnets(const struct vx_network *n, const char *src)
{
	int err = 0;

	for (int k = 0; k < n->nsubnets && !err; k++)
		err = validate_subnet(n, k, src);
	return err;
}

/* Network n against network o, one that came before it. */
static int network_clash(const struct vx_network *o, const struct vx_network *n, const char *src)
{
	if (!strcmp(o->name, n->name))
		return pr_err_at(src, "network %s already exists", n->name);
	if (o->vni == n->vni)
		return pr_err_at(src, "network %s: VNI %u is already used by network %s",
				 n->name, n->vni, o->name);
	if (n->id[0] && !strcmp(o->id, n->id))
		return pr_err_at(src, "network %s: ID %s is already network %s's", n->name, n->id,
				 o->name);
	return 0;
}

/* Network i of st: its fields, no clash with an earlier one, its subnets. */
static int check_network_at(const struct vx_network *nets, size_t i, const char *src)
{
	int err = check_network_fields(&nets[i], src);

	for (size_t j = 0; j < i && !err; j++)
		err = network_clash(&nets[j], &nets[i], src);
	return err ?: check_subnets(&nets[i], src);
}

static int validate_networks(const struct vx_state *st, const char *src)
{
	int err = 0;

	for (size_t i = 0; i < st->nnetworks && !err; i++)
		err = check_network_at(st->networks, i, src);
	return err;
}

static void subnet_list(const struct vx_network *n, char *buf, size_t len)
{
	size_t off = 0;

	buf[0] = '\0';
	for (int k = 0; k < n->nsubnets && off < len; k++) {
		char c[20];

		format_cidr(n->subnets[k].addr, n->subnets[k].prefix, c);
		off += snprintf(buf + off, len - off, "%s%s", k ? ", " : "", c);
	}
}

static int valid_ifname(const char *s)
{
	if (!*s)
		return 1; /* unset */
	if (!strcmp(s, ".") || !strcmp(s, ".."))
		return 0;
	for (; *s; s++)
		if (*s == '/' || *s == ':' || *s <= ' ' || *s == 0x7f)
			return 0;
	return 1;
}

int valid_container_id(const char *s)
{
	size_t n = strlen(s);

	if (!n)
		return 1; /* unset */
	if (n >= VX_CONTAINER_ID_MAX || !isalnum((unsigned char)s[0]))
		return 0;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '_' && *s != '.' && *s != '-')
			return 0;
	return 1;
}

static const char *ipv4_str(uint32_t ip, char buf[16])
{
	format_ipv4(ip, buf);
	return buf;
}

static const char *mac_str(const uint8_t mac[6], char buf[18])
{
	format_mac(mac, buf);
	return buf;
}

/* Endpoint e's address in network n: inside a subnet, not its network,
 * broadcast or gateway address.
 */
static int endpoint_fits(const struct vx_endpoint *e, const struct vx_network *n, const char *src)
{
	const struct vx_subnet *s = network_subnet_of(n, e->ip);
	char a[16], list[20 * VX_MAX_SUBNETS + 2];

	/* Addresses are formatted only for a message: this runs per endpoint. */
	if (!s) {
		subnet_list(n, list, sizeof(list));
		return pr_err_at(src, "endpoint %s: address %s is outside the subnets of network %s (%s)",
				 e->name, ipv4_str(e->ip, a), n->name, list);
	}
	if (e->ip == s->addr || e->ip == subnet_broadcast(s) || e->ip == s->gateway) {
		format_cidr(s->addr, s->prefix, list);
		if (e->ip == s->gateway)
			return pr_err_at(src, "endpoint %s: address %s is the gateway of %s in network %s",
					 e->name, ipv4_str(e->ip, a), list, n->name);
		return pr_err_at(src, "endpoint %s: address %s is the %s address of %s", e->name,
				 ipv4_str(e->ip, a), e->ip == s->addr ? "network" : "broadcast", list);
	}
	return 0;
}

/* Endpoint e's published ports on their own (n is its network): ports,
 * the host ports the datapath keeps for itself, no host port and no
 * container port twice.
 */
static int check_publish(const struct vx_endpoint *e, const struct vx_network *n, const char *src)
{
	if (e->npublish < 0 || e->npublish > VX_MAX_PUBLISH)
		return pr_err_at(src, "endpoint %s: more than %d published ports", e->name, VX_MAX_PUBLISH);
	if (e->npublish && n->no_egress)
		return pr_err_at(src, "endpoint %s: network %s has no egress; it cannot publish ports",
				 e->name, n->name);
	for (int i = 0; i < e->npublish; i++) {
		const struct vx_publish *p = &e->publish[i];
		const char *proto = publish_proto(p->proto);

		if (p->proto != IPPROTO_TCP && p->proto != IPPROTO_UDP)
			return pr_err_at(src, "endpoint %s: published protocol %u is not tcp or udp",
					 e->name, p->proto);
		if (!p->host_port || !p->port)
			return pr_err_at(src, "endpoint %s: published port %u:%u/%s: ports are 1..65535",
					 e->name, p->host_port, p->port, proto);
		if (p->host_port >= VXNET_NAT_PORT_MIN && p->host_port <= VXNET_NAT_PORT_MAX)
			return pr_err_at(src, "endpoint %s: host port %u/%s is in the NAT port range %d-%d",
					 e->name, p->host_port, proto, VXNET_NAT_PORT_MIN, VXNET_NAT_PORT_MAX);
		if (p->host_port == VXNET_DEFAULT_PORT && p->proto == IPPROTO_UDP)
			return pr_err_at(src, "endpoint %s: host port %u/udp is the VXLAN port", e->name,
					 p->host_port);
		for (int j = 0; j < i; j++) {
			const struct vx_publish *q = &e->publish[j];

			if (q->proto != p->proto)
				continue;
			if (q->host_port == p->host_port)
				return pr_err_at(src, "endpoint %s: host port %u/%s is published twice",
						 e->name, p->host_port, proto);
			/* published[{VNI, IP, proto, port}] holds one host port */
			if (q->port == p->port)
				return pr_err_at(src, "endpoint %s: port %u/%s is published twice (host ports %u and %u)",
						 e->name, p->port, proto, q->host_port, p->host_port);
		}
	}
	return 0;
}

/* An endpoint on its own and its references: n is its network and
 * has_node whether its node exists (NULL, 0: they do not).
 */
static int check_endpoint(const struct vx_endpoint *e, const struct vx_network *n, int has_node,
			  const char *src)
{
	char m[18], esc[ESC_MAX];
	int err;

	if (!valid_name(e->name))
		return pr_err_at(src, "invalid endpoint name '%s' (must match %s)",
				 log_printable(e->name, esc, sizeof(esc)), VX_NAME_RULE);
	if (!n)
		return pr_err_at(src, "endpoint %s: no such network %s", e->name,
				 log_printable(e->network, esc, sizeof(esc)));
	if (!has_node)
		return pr_err_at(src, "endpoint %s: no such node %s", e->name,
				 log_printable(e->node, esc, sizeof(esc)));
	err = endpoint_fits(e, n, src);
	if (err)
		return err;
	if (e->mac[0] & 1)
		return pr_err_at(src, "endpoint %s: MAC %s has the multicast bit set", e->name, mac_str(e->mac, m));
	if (!memcmp(e->mac, "\0\0\0\0\0\0", 6))
		return pr_err_at(src, "endpoint %s: MAC %s is all zeros", e->name, mac_str(e->mac, m));
	if (!valid_ifname(e->ifname))
		return pr_err_at(src, "endpoint %s: invalid interface name '%s'", e->name,
				 log_printable(e->ifname, esc, sizeof(esc)));
	if (!valid_ifname(e->host_ifname))
		return pr_err_at(src, "endpoint %s: invalid host interface name '%s'", e->name,
				 log_printable(e->host_ifname, esc, sizeof(esc)));
	if (!valid_container_id(e->container_id))
		return pr_err_at(src, "endpoint %s: invalid container ID '%s' (must match %s, at most %d characters)",
				 e->name, log_printable(e->container_id, esc, sizeof(esc)),
				 VX_CONTAINER_ID_RULE, VX_CONTAINER_ID_MAX - 1);
	return check_publish(e, n, src);
}

/* e's publication of p, or NULL. */
static const struct vx_publish *find_publish(const struct vx_endpoint *e, const struct vx_publish *p)
{
	for (int i = 0; i < e->npublish; i++)
		if (e->publish[i].proto == p->proto && e->publish[i].host_port == p->host_port)
			return &e->publish[i];
	return NULL;
}

/* Endpoint e publishing p against o, which publishes the same host port
 * and protocol as op: they make one service only in the same network
 * with the same container port.
 */
static int publish_clash(const struct vx_endpoint *o, const struct vx_publish *op,
			 const struct vx_endpoint *e, const struct vx_publish *p, const char *src)
{
	if (!strcmp(o->network, e->network) && op->port == p->port)
		return 0;
	return pr_err_at(src, "host port %u/%s: published by %s (port %u, network %s) and %s (port %u, network %s)",
			 p->host_port, publish_proto(p->proto), o->name, op->port, o->network,
			 e->name, p->port, e->network);
}

/* The owner table of the published host ports: slot (udp, host port)
 * holds 1 + the index of the first endpoint to publish it, 0 when none.
 */
#define PUBLISH_SLOTS (2 << 16)

static size_t publish_slot(const struct vx_publish *p)
{
	return (size_t)(p->proto == IPPROTO_UDP) << 16 | p->host_port;
}

/* Endpoint i of st against the owners of its host ports (taking the free
 * ones); *nsvc counts the services. 0 or the line's -EINVAL.
 */
static int publish_owned(const struct vx_state *st, size_t i, uint32_t *owner, size_t *nsvc,
			 const char *src)
{
	const struct vx_endpoint *e = &st->endpoints[i];

	for (int k = 0; k < e->npublish; k++) {
		const struct vx_publish *p = &e->publish[k];
		uint32_t *own = &owner[publish_slot(p)];
		const struct vx_endpoint *o;
		int err;

		if (!*own) {
			if (++*nsvc > VXNET_MAX_SERVICES)
				return pr_err_at(src, "endpoint %s: host port %u/%s: more than %d published host ports",
						 e->name, p->host_port, publish_proto(p->proto),
						 VXNET_MAX_SERVICES);
			continue;
		}
		o = &st->endpoints[*own - 1];
		err = publish_clash(o, find_publish(o, p), e, p, src);
		if (err)
			return err;
	}
	for (int k = 0; k < e->npublish; k++) {
		uint32_t *own = &owner[publish_slot(&e->publish[k])];

		*own = *own ?: i + 1;
	}
	return 0;
}

/* Published host ports across the endpoints: the first endpoint to
 * publish one owns it, every later one must join its service. drop NULL:
 * one line for the first problem; else endpoints marked in drop are left
 * out and each that clashes is marked, with its line from d (0 or
 * -ENOMEM).
 */
struct drop_ctx;
static const char *drop_src(struct drop_ctx *d, enum vx_rec_kind kind, const char *name);

static int validate_services(const struct vx_state *st, unsigned char *drop, struct drop_ctx *d,
			     const char *src)
{
	uint32_t *owner = NULL;
	size_t nsvc = 0;
	int err = 0;

	for (size_t i = 0; i < st->nendpoints && !owner; i++)
		if (st->endpoints[i].npublish && !(drop && drop[i]) &&
		    !(owner = calloc(PUBLISH_SLOTS, sizeof(*owner))))
			return drop ? -ENOMEM : pr_err_at(src, "validating published ports: out of memory");
	for (size_t i = 0; owner && i < st->nendpoints && !err; i++) {
		if (drop && drop[i])
			continue;
		if (!drop) {
			err = publish_owned(st, i, owner, &nsvc, src);
			continue;
		}
		drop[i] = !!publish_owned(st, i, owner, &nsvc,
					  drop_src(d, VX_REC_ENDPOINT, st->endpoints[i].name));
	}
	free(owner);
	return err;
}

static int validate_endpoint(const struct vx_state *st, struct vx_state_index *ix,
			     size_t i, const char *src)
{
	const struct vx_endpoint *e = &st->endpoints[i];

	return check_endpoint(e, state_index_network(ix, e->network),
			      state_index_node(ix, e->node) != NULL, src);
}

/* Uniqueness of endpoint names, and of addresses and MACs within a network:
 * sort the endpoints by each key (O(n log n), for states of 100 000
 * endpoints); equal neighbours are the later endpoint clashing with the
 * earlier one. The keys are compared as numbers in the order strcmp and
 * memcmp give: the network's rank among the sorted network names (all exist
 * and are unique once the endpoints and networks are valid), then the
 * address or MAC read big-endian.
 *
 * Most states have no duplicate, so each key is first checked on a sorted
 * array of one 64-bit value per endpoint, equal for equal keys: the key
 * itself, or a hash of it. Only when two values are equal are the endpoints
 * sorted by the key itself, to report the first duplicate.
 */
enum ep_key { EP_NAME, EP_IP, EP_MAC };

struct ep_sort {
	const char *name; /* EP_NAME */
	uint64_t net;     /* EP_IP, EP_MAC: rank of the network's name */
	uint64_t val;     /* address or MAC */
	size_t idx;       /* position in the state: the later one clashes */
};

static int ep_sort_same(const struct ep_sort *x, const struct ep_sort *y, enum ep_key key)
{
	if (key == EP_NAME)
		return !strcmp(x->name, y->name);
	return x->net == y->net && x->val == y->val;
}

static int ep_name_cmp(const void *a, const void *b)
{
	const struct ep_sort *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	return c ? c : (x->idx > y->idx) - (x->idx < y->idx);
}

static int ep_val_cmp(const void *a, const void *b)
{
	const struct ep_sort *x = a, *y = b;

	if (x->net != y->net)
		return x->net < y->net ? -1 : 1;
	if (x->val != y->val)
		return x->val < y->val ? -1 : 1;
	return (x->idx > y->idx) - (x->idx < y->idx);
}

static int u64_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

static uint64_t mac_value(const uint8_t mac[6])
{
	uint64_t v = 0;

	for (int i = 0; i < 6; i++)
		v = v << 8 | mac[i];
	return v;
}

/* FNV-1a, 64 bits. */
static uint64_t name_hash(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ull;
	return h;
}

/* Equal for equal keys; net is the rank of the endpoint's network. A rank
 * of 65 536 or more shifts out of a MAC's value: two networks may then
 * share values, which only sends the check to the exact sort.
 */
static uint64_t ep_key_value(const struct vx_endpoint *e, enum ep_key key, uint64_t net)
{
	if (key == EP_NAME)
		return name_hash(e->name);
	if (key == EP_IP)
		return net << 32 | ntohl(e->ip);
	return net << 48 | mac_value(e->mac);
}

/* Whether two endpoints may share the key: sorts their values in vals. */
static int ep_may_clash(const struct vx_state *st, const uint32_t *net, enum ep_key key,
			uint64_t *vals)
{
	size_t n = st->nendpoints;

	for (size_t i = 0; i < n; i++)
		vals[i] = ep_key_value(&st->endpoints[i], key, net[i]);
	qsort(vals, n, sizeof(*vals), u64_cmp);
	for (size_t i = 1; i < n; i++)
		if (vals[i - 1] == vals[i])
			return 1;
	return 0;
}

/* The line for endpoint e clashing on key with o, an earlier one. */
static int ep_clash(const struct vx_endpoint *e, const struct vx_endpoint *o, enum ep_key key,
		    const char *src)
{
	char a[16], m[18];

	if (key == EP_NAME)
		return pr_err_at(src, "endpoint %s already exists", e->name);
	if (key == EP_IP)
		return pr_err_at(src, "endpoint %s: address %s is already used by endpoint %s in network %s",
				 e->name, ipv4_str(e->ip, a), o->name, e->network);
	return pr_err_at(src, "endpoint %s: MAC %s is already used by endpoint %s in network %s",
			 e->name, mac_str(e->mac, m), o->name, e->network);
}

/* v[0..]: the endpoints not in skip (NULL: all) sorted by key; returns
 * how many.
 */
static size_t ep_sorted(const struct vx_state *st, const uint32_t *net, enum ep_key key,
			const unsigned char *skip, struct ep_sort *v)
{
	size_t n = 0;

	for (size_t i = 0; i < st->nendpoints; i++) {
		const struct vx_endpoint *e = &st->endpoints[i];

		if (skip && skip[i])
			continue;
		v[n] = (struct ep_sort){ .name = e->name, .net = net[i], .idx = i };
		if (key != EP_NAME)
			v[n].val = key == EP_IP ? ntohl(e->ip) : mac_value(e->mac);
		n++;
	}
	qsort(v, n, sizeof(*v), key == EP_NAME ? ep_name_cmp : ep_val_cmp);
	return n;
}

/* The exact check: sorts the endpoints by key in v and reports the first
 * duplicate.
 */
static int ep_dup_key(const struct vx_state *st, const uint32_t *net, enum ep_key key,
		      struct ep_sort *v, const char *src)
{
	size_t n = ep_sorted(st, net, key, NULL, v);
	int err = 0;

	for (size_t i = 1; i < n && !err; i++)
		if (ep_sort_same(&v[i - 1], &v[i], key))
			err = ep_clash(&st->endpoints[v[i].idx], &st->endpoints[v[i - 1].idx], key, src);
	return err;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Position of the first name >= name. */
static size_t name_lower_bound(const char *const *names, size_t n, const char *name)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (strcmp(names[mid], name) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* net[i]: the rank of endpoint i's network among the network names sorted
 * (unique and existing once validate_networks and validate_endpoint pass).
 */
static int network_ranks(const struct vx_state *st, uint32_t *net)
{
	const char **names = malloc((st->nnetworks + 1) * sizeof(*names));

	if (!names)
		return -ENOMEM;
	for (size_t i = 0; i < st->nnetworks; i++)
		names[i] = st->networks[i].name;
	qsort(names, st->nnetworks, sizeof(*names), name_cmp);
	for (size_t i = 0; i < st->nendpoints; i++)
		net[i] = name_lower_bound(names, st->nnetworks, st->endpoints[i].network);
	free(names);
	return 0;
}

static int validate_endpoint_dups(const struct vx_state *st, const char *src)
{
	static const enum ep_key keys[] = { EP_NAME, EP_IP, EP_MAC };
	size_t n = st->nendpoints;
	struct ep_sort *v = NULL;
	uint64_t *vals;
	uint32_t *net;
	int err = 0;

	if (n < 2)
		return 0;
	vals = malloc(n * sizeof(*vals));
	net = malloc(n * sizeof(*net));
	if (!vals || !net || network_ranks(st, net)) {
		err = pr_err_at(src, "validating %zu endpoints: out of memory", n);
		goto cleanup;
	}
	for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]) && !err; k++) {
		if (!ep_may_clash(st, net, keys[k], vals))
			continue;
		if (!v)
			v = malloc(n * sizeof(*v));
		if (!v) {
			err = pr_err_at(src, "validating %zu endpoints: out of memory", n);
			goto cleanup;
		}
		err = ep_dup_key(st, net, keys[k], v, src);
	}
cleanup:
	free(vals);
	free(net);
	free(v);
	return err;
}

int state_validate(const struct vx_state *st, const char *source)
{
	struct vx_state_index *ix;
	int err;

	err = validate_nodes(st, source);
	if (err)
		return err;
	err = validate_networks(st, source);
	if (err)
		return err;
	if (!st->nendpoints)
		return 0;
	ix = state_index_new(st);
	if (!ix)
		return pr_err_at(source, "validating %zu endpoints: out of memory", st->nendpoints);
	for (size_t i = 0; i < st->nendpoints && !err; i++)
		err = validate_endpoint(st, ix, i, source);
	state_index_free(ix);
	if (!err)
		err = validate_endpoint_dups(st, source);
	return err ?: validate_services(st, NULL, NULL, source);
}

/* ---- one record at a time: the agent's view of a store (store.h) ---- */

/* Endpoint e against every other endpoint of st: name, and address and MAC
 * in its network.
 */
static int endpoint_clashes(const struct vx_state *st, const struct vx_endpoint *e, const char *src)
{
	for (size_t i = 0; i < st->nendpoints; i++) {
		const struct vx_endpoint *o = &st->endpoints[i];

		if (o == e)
			continue;
		if (!strcmp(o->name, e->name))
			return ep_clash(e, o, EP_NAME, src);
		if (strcmp(o->network, e->network))
			continue;
		if (o->ip == e->ip)
			return ep_clash(e, o, EP_IP, src);
		if (!memcmp(o->mac, e->mac, 6))
			return ep_clash(e, o, EP_MAC, src);
	}
	return 0;
}

/* Endpoint e's published ports against every other endpoint's. */
static int publish_clashes(const struct vx_state *st, const struct vx_endpoint *e, const char *src)
{
	for (size_t i = 0; i < st->nendpoints && e->npublish; i++) {
		const struct vx_endpoint *o = &st->endpoints[i];

		for (int k = 0; k < e->npublish && o != e; k++) {
			const struct vx_publish *op = find_publish(o, &e->publish[k]);
			int err = op ? publish_clash(o, op, e, &e->publish[k], src) : 0;

			if (err)
				return err;
		}
	}
	return 0;
}

static int validate_one_node(const struct vx_state *st, const struct vx_node *n, const char *src)
{
	int err = check_node(n, src);

	for (size_t i = 0; i < st->nnodes && !err; i++)
		if (&st->nodes[i] != n)
			err = node_clash(&st->nodes[i], n, src);
	return err;
}

/* A network, and the addresses of its endpoints in its subnets. */
static int validate_one_network(const struct vx_state *st, const struct vx_network *n, const char *src)
{
	int err = check_network_fields(n, src);

	for (size_t i = 0; i < st->nnetworks && !err; i++)
		if (&st->networks[i] != n)
			err = network_clash(&st->networks[i], n, src);
	err = err ?: check_subnets(n, src);
	for (size_t i = 0; i < st->nendpoints && !err; i++) {
		const struct vx_endpoint *e = &st->endpoints[i];

		if (strcmp(e->network, n->name))
			continue;
		err = endpoint_fits(e, n, src);
		if (!err && e->npublish && n->no_egress)
			err = pr_err_at(src, "network %s: no egress, but endpoint %s publishes ports",
					n->name, e->name);
	}
	return err;
}

int state_validate_record(const struct vx_state *st, enum vx_rec_kind kind, const char *name,
			  const char *source)
{
	const struct vx_endpoint *e;
	const struct vx_network *n;
	const struct vx_node *node;

	switch (kind) {
	case VX_REC_NODE:
		node = state_find_node(st, name);
		return node ? validate_one_node(st, node, source) : 0;
	case VX_REC_NETWORK:
		n = state_find_network(st, name);
		return n ? validate_one_network(st, n, source) : 0;
	case VX_REC_ENDPOINT:
		e = state_find_endpoint(st, name);
		if (!e)
			return 0;
		return check_endpoint(e, state_find_network(st, e->network),
				      state_find_node(st, e->node) != NULL, source) ?:
		       endpoint_clashes(st, e, source) ?: publish_clashes(st, e, source);
	}
	return 0;
}

struct drop_ctx {
	vx_rec_source_fn src;
	void *arg;
	char buf[VX_NAME_MAX + 192];
};

static const char *drop_src(struct drop_ctx *d, enum vx_rec_kind kind, const char *name)
{
	d->src(d->arg, kind, name, d->buf, sizeof(d->buf));
	return d->buf;
}

/* Takes the records marked in drop out of an array, keeping the order;
 * returns how many went.
 */
static size_t compact(void *recs, size_t *n, size_t size, const unsigned char *drop)
{
	size_t k = 0, was = *n;

	for (size_t i = 0; i < was; i++) {
		if (drop[i])
			continue;
		if (k != i)
			memcpy((char *)recs + k * size, (char *)recs + i * size, size);
		k++;
	}
	*n = k;
	return was - k;
}

static void drop_nodes(const struct vx_state *st, unsigned char *drop, struct drop_ctx *d)
{
	for (size_t i = 0; i < st->nnodes; i++) {
		const struct vx_node *n = &st->nodes[i];
		const char *src = drop_src(d, VX_REC_NODE, n->name);
		int err = check_node(n, src);

		for (size_t j = 0; j < i && !err; j++)
			if (!drop[j])
				err = node_clash(&st->nodes[j], n, src);
		drop[i] = !!err;
	}
}

static void drop_networks(const struct vx_state *st, unsigned char *drop, struct drop_ctx *d)
{
	for (size_t i = 0; i < st->nnetworks; i++) {
		const struct vx_network *n = &st->networks[i];
		const char *src = drop_src(d, VX_REC_NETWORK, n->name);
		int err = check_network_fields(n, src);

		for (size_t j = 0; j < i && !err; j++)
			if (!drop[j])
				err = network_clash(&st->networks[j], n, src);
		drop[i] = !!(err ?: check_subnets(n, src));
	}
}

/* Marks every endpoint that clashes on key with an earlier one not
 * dropped, one line each.
 */
static void drop_dups(const struct vx_state *st, const uint32_t *net, enum ep_key key,
		      struct ep_sort *v, unsigned char *drop, struct drop_ctx *d)
{
	size_t n = ep_sorted(st, net, key, drop, v), first = 0;

	for (size_t i = 1; i < n; i++) {
		const struct vx_endpoint *e = &st->endpoints[v[i].idx];

		if (!ep_sort_same(&v[first], &v[i], key)) {
			first = i;
			continue;
		}
		ep_clash(e, &st->endpoints[v[first].idx], key, drop_src(d, VX_REC_ENDPOINT, e->name));
		drop[v[i].idx] = 1;
	}
}

/* The endpoints of st (nodes and networks valid) as state_validate judges
 * them, each refused one marked in drop.
 */
static int drop_endpoints(const struct vx_state *st, unsigned char *drop, struct drop_ctx *d)
{
	static const enum ep_key keys[] = { EP_NAME, EP_IP, EP_MAC };
	struct vx_state_index *ix = state_index_new(st);
	size_t n = st->nendpoints;
	struct ep_sort *v = NULL;
	uint64_t *vals = NULL;
	uint32_t *net = NULL;
	int err = -ENOMEM;

	if (!ix)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		const struct vx_endpoint *e = &st->endpoints[i];

		drop[i] = !!check_endpoint(e, state_index_network(ix, e->network),
					   state_index_node(ix, e->node) != NULL,
					   drop_src(d, VX_REC_ENDPOINT, e->name));
	}
	vals = malloc((n + 1) * sizeof(*vals));
	net = malloc((n + 1) * sizeof(*net));
	v = malloc((n + 1) * sizeof(*v));
	if (!vals || !net || !v || network_ranks(st, net))
		goto cleanup;
	/* A dropped endpoint's rank may be anything: it only costs an exact sort. */
	for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
		if (n > 1 && ep_may_clash(st, net, keys[k], vals))
			drop_dups(st, net, keys[k], v, drop, d);
	err = validate_services(st, drop, d, NULL); /* 0 or -ENOMEM */
cleanup:
	state_index_free(ix);
	free(vals);
	free(net);
	free(v);
	return err;
}

long state_drop_invalid(struct vx_state *st, vx_rec_source_fn src, void *arg)
{
	size_t most = st->nnodes > st->nnetworks ? st->nnodes : st->nnetworks;
	struct drop_ctx d = { .src = src, .arg = arg };
	unsigned char *drop;
	long gone = 0;
	int err;

	most = most > st->nendpoints ? most : st->nendpoints;
	drop = calloc(most + 1, 1);
	if (!drop)
		return -ENOMEM;
	drop_nodes(st, drop, &d);
	gone += compact(st->nodes, &st->nnodes, sizeof(*st->nodes), drop);
	drop_networks(st, drop, &d);
	gone += compact(st->networks, &st->nnetworks, sizeof(*st->networks), drop);
	err = drop_endpoints(st, drop, &d);
	if (!err)
		gone += compact(st->endpoints, &st->nendpoints, sizeof(*st->endpoints), drop);
	free(drop);
	return err ? err : gone;
}
