// SPDX-License-Identifier: GPL-2.0-only
/* The state as JSON (jansson). Schema, version 1:
 *
 * {"version": 1,
 *  "nodes": [{"name": "h1", "address": "198.18.0.1"}],
 *  "networks": [{"name": "blue", "id": "4f0c...(64 hex)",
 *                "created": "2026-11-30T03:10:00.123456789Z",
 *                "vni": 4096, "mtu": 0, "egress": false,
 *                "subnets": [{"subnet": "10.1.0.0/24", "gateway": "10.1.0.1"}],
 *                "labels": {"com.example.team": "web"},
 *                "options": {"com.docker.network.driver.mtu": "1400"}}],
 *  "endpoints": [{"name": "c1", "network": "blue", "node": "h1",
 *                 "ip": "10.1.0.2", "mac": "02:42:0a:01:00:02",
 *                 "netns": "/run/netns/c1", "ifname": "eth0",
 *                 "host_ifname": "vx1a2b3c4d", "container_id": "0123abcd",
 *                 "publish": [{"proto": "tcp", "host_port": 8080, "port": 80}]}]}
 *
 * "version" is required; the three arrays may be absent (empty); "mtu" may be
 * absent (0), "egress" too (true; written only when false); "id" and
 * "created" are absent in networks made before vxnet recorded them (empty),
 * "labels" and "options" when there are none (objects of strings, written
 * in the order given); netns/ifname/host_ifname are absent until `vxnet attach`,
 * container_id unless vxnet-cni attached it, "publish" when it publishes
 * no port (at most VX_MAX_PUBLISH; "proto" is "tcp" or "udp", the ports
 * 0..65535: state_validate wants 1..65535).
 * Unknown keys and wrong types are errors. Reading only checks the shape and
 * the syntax of each value; state_validate checks the meaning.
 */
#include <errno.h>
#include <jansson.h>
#include <obstack.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "log.h"
#include "state.h"

#define VX_STATE_VERSION 1

/* Where a value sits, for messages: "top level", "record", "nodes[3]",
 * "networks[0].subnets[1]". Spelled out only for an error: a large state
 * has a hundred thousand endpoints.
 */
struct where {
	const struct where *up; /* the value holding this one, or NULL */
	const char *name;       /* "endpoints", ".subnets", "top level" */
	long idx;               /* the element of name, or -1 */
};

static const struct where top_level = { .name = "top level", .idx = -1 };

/* Writes w into buf, e.g. "networks[0].subnets[1]"; returns the length. */
static size_t format_where(const struct where *w, char *buf, size_t size)
{
	size_t off = w->up ? format_where(w->up, buf, size) : 0;

	if (off < size)
		off += snprintf(buf + off, size - off, "%s", w->name);
	if (off < size && w->idx >= 0)
		off += snprintf(buf + off, size - off, "[%ld]", w->idx);
	return off;
}

/* One error line: "vxnet: SOURCE: WHERE: message", all of it printable. */
__attribute__((format(printf, 3, 4)))
static int jerr(const char *src, const struct where *where, const char *fmt, ...)
{
	char at[128]; /* two levels: "networks[N].subnets[N]" */
	char msg[512], esc_src[512], esc_msg[1024];
	va_list ap;

	format_where(where, at, sizeof(at));
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return pr_err_at(log_printable(src, esc_src, sizeof(esc_src)), "%s: %s", at,
			 log_printable(msg, esc_msg, sizeof(esc_msg)));
}

/* jansson's syntax error: "vxnet: SOURCE:LINE:COLUMN: malformed JSON: ...". */
static int syntax_err(const char *src, const json_error_t *e)
{
	char esc_src[512], esc_text[4 * JSON_ERROR_TEXT_LENGTH];

	return pr_err_at(NULL, "%s:%d:%d: malformed JSON: %s", log_printable(src, esc_src, sizeof(esc_src)),
			 e->line, e->column, log_printable(e->text, esc_text, sizeof(esc_text)));
}

static const char *type_name(const json_t *j)
{
	switch (json_typeof(j)) {
	case JSON_OBJECT: return "an object";
	case JSON_ARRAY: return "an array";
	case JSON_STRING: return "a string";
	case JSON_INTEGER: return "an integer";
	case JSON_REAL: return "a real number";
	case JSON_TRUE: return "true";
	case JSON_FALSE: return "false";
	case JSON_NULL: return "null";
	}
	return "?";
}

/* Rejects keys not in the NULL-terminated list; vals[i] gets the value of
 * allowed[i], NULL when absent. One pass over the object, no lookups.
 */
static int check_keys(const json_t *obj, const char *const *allowed, json_t **vals,
		      const char *src, const struct where *where)
{
	const char *key;
	json_t *v;
	size_t i;

	for (i = 0; allowed[i]; i++)
		vals[i] = NULL;
	json_object_foreach((json_t *)obj, key, v) {
		for (i = 0; allowed[i]; i++)
			if (!strcmp(allowed[i], key))
				break;
		if (!allowed[i])
			return jerr(src, where, "unknown key '%s'", key);
		vals[i] = v; /* keys are unique: JSON_REJECT_DUPLICATES */
	}
	return 0;
}

/* v, the value of key, as a string into buf; absent (NULL) is an error when
 * required, else "".
 */
static int get_str(const json_t *v, const char *key, int required, char *buf, size_t size,
		   const char *src, const struct where *where)
{
	const char *s;
	size_t len;

	buf[0] = '\0';
	if (!v) {
		if (required)
			return jerr(src, where, "missing key '%s'", key);
		return 0;
	}
	if (!json_is_string(v))
		return jerr(src, where, "'%s' must be a string, not %s", key, type_name(v));
	s = json_string_value(v);
	len = strlen(s);
	if (len != json_string_length(v) || len >= size)
		return jerr(src, where, "'%s' is longer than %zu bytes or holds a NUL", key, size - 1);
	memcpy(buf, s, len + 1);
	return 0;
}

static int get_u32(const json_t *v, const char *key, int required, uint32_t *out,
		   const char *src, const struct where *where)
{
	json_int_t i;

	*out = 0;
	if (!v) {
		if (required)
			return jerr(src, where, "missing key '%s'", key);
		return 0;
	}
	if (!json_is_integer(v))
		return jerr(src, where, "'%s' must be an integer, not %s", key, type_name(v));
	i = json_integer_value(v);
	if (i < 0 || i > UINT32_MAX)
		return jerr(src, where, "'%s' %lld is out of range", key, (long long)i);
	*out = i;
	return 0;
}

/* An optional boolean; absent: dflt. */
static int get_bool(const json_t *v, const char *key, int dflt, int *out, const char *src,
		    const struct where *where)
{
	*out = dflt;
	if (!v)
		return 0;
	if (!json_is_boolean(v))
		return jerr(src, where, "'%s' must be true or false, not %s", key, type_name(v));
	*out = json_is_true(v);
	return 0;
}

static int get_ipv4(const json_t *v, const char *key, uint32_t *out, const char *src, const struct where *where)
{
	char buf[64];
	int err;

	err = get_str(v, key, 1, buf, sizeof(buf), src, where);
	if (err)
		return err;
	if (parse_ipv4(buf, out))
		return jerr(src, where, "'%s' is not an IPv4 address: '%s'", key, buf);
	return 0;
}

static const json_t *get_array(const json_t *v, const char *key, int required,
			       const char *src, const struct where *where, int *err)
{
	*err = 0;
	if (!v) {
		if (required)
			*err = jerr(src, where, "missing key '%s'", key);
		return NULL;
	}
	if (!json_is_array(v)) {
		*err = jerr(src, where, "'%s' must be an array, not %s", key, type_name(v));
		return NULL;
	}
	return v;
}

static int expect_object(const json_t *v, const char *src, const struct where *where)
{
	if (!json_is_object(v))
		return jerr(src, where, "must be an object, not %s", type_name(v));
	return 0;
}

static int node_from_json(struct vx_state *st, const json_t *j, const char *src, const struct where *where)
{
	static const char *const keys[] = { "name", "address", NULL };
	enum { NAME, ADDRESS };
	struct vx_node n = {};
	json_t *v[2];
	int err;

	if ((err = expect_object(j, src, where)) || (err = check_keys(j, keys, v, src, where)) ||
	    (err = get_str(v[NAME], "name", 1, n.name, sizeof(n.name), src, where)) ||
	    (err = get_ipv4(v[ADDRESS], "address", &n.addr, src, where)))
		return err;
	return state_add_node(st, &n) ? 0 : -ENOMEM;
}

static int subnet_from_json(struct vx_subnet *s, const json_t *j, const char *src, const struct where *where)
{
	static const char *const keys[] = { "subnet", "gateway", NULL };
	enum { SUBNET, GATEWAY };
	json_t *v[2];
	char buf[64];
	int err;

	if ((err = expect_object(j, src, where)) || (err = check_keys(j, keys, v, src, where)) ||
	    (err = get_str(v[SUBNET], "subnet", 1, buf, sizeof(buf), src, where)))
		return err;
	err = parse_cidr(buf, &s->addr, &s->prefix);
	if (err == -EDOM) {
		char m[20];

		format_cidr(s->addr, s->prefix, m);
		return jerr(src, where, "subnet %s has host bits set; did you mean %s", buf, m);
	}
	if (err)
		return jerr(src, where, "'subnet' is not an IPv4 CIDR: '%s'", buf);
	return get_ipv4(v[GATEWAY], "gateway", &s->gateway, src, where);
}

/* "labels" or "options": an object of strings into buf (cap bytes), as
 * lbl_set packs them; each key as lbl_check_key wants it (the packing
 * needs a key without '='), each value without control characters.
 */
static int labels_from_json(const json_t *v, const char *key, char *buf, size_t cap,
			    uint16_t *len, const char *src, const struct where *where)
{
	const char *k, *why;
	json_t *val;

	*len = 0;
	if (!v)
		return 0;
	if (!json_is_object(v))
		return jerr(src, where, "'%s' must be an object, not %s", key, type_name(v));
	json_object_foreach((json_t *)v, k, val) {
		if (!json_is_string(val))
			return jerr(src, where, "%s '%s' must be a string, not %s", key, k, type_name(val));
		if ((why = lbl_check_key(k, strlen(k))))
			return jerr(src, where, "%s key '%s' %s", key, k, why);
		if (strlen(json_string_value(val)) != json_string_length(val) ||
		    (why = lbl_check_value(json_string_value(val))))
			return jerr(src, where, "%s '%s': value %s", key, k, why ?: "holds a NUL");
		if (lbl_set(buf, cap, len, k, json_string_value(val)))
			return jerr(src, where, "'%s' take more than %zu bytes", key, cap);
	}
	return 0;
}

static int network_from_json(struct vx_state *st, const json_t *j, const char *src, const struct where *where)
{
	static const char *const keys[] = { "name", "id", "created", "vni", "mtu", "egress",
					    "subnets", "labels", "options", NULL };
	enum { NAME, ID, CREATED, VNI, MTU, EGRESS, SUBNETS, LABELS, OPTIONS };
	struct vx_network n = {};
	const json_t *subnets;
	json_t *v[9], *sv;
	size_t i;
	int egress, err;

	if ((err = expect_object(j, src, where)) || (err = check_keys(j, keys, v, src, where)) ||
	    (err = get_str(v[NAME], "name", 1, n.name, sizeof(n.name), src, where)) ||
	    (err = get_str(v[ID], "id", 0, n.id, sizeof(n.id), src, where)) ||
	    (err = get_str(v[CREATED], "created", 0, n.created, sizeof(n.created), src, where)) ||
	    (err = get_u32(v[VNI], "vni", 1, &n.vni, src, where)) ||
	    (err = get_u32(v[MTU], "mtu", 0, &n.mtu, src, where)) ||
	    (err = get_bool(v[EGRESS], "egress", 1, &egress, src, where)) ||
	    (err = labels_from_json(v[LABELS], "labels", n.labels, sizeof(n.labels), &n.labels_len,
				    src, where)) ||
	    (err = labels_from_json(v[OPTIONS], "options", n.options, sizeof(n.options),
				    &n.options_len, src, where)))
		return err;
	n.no_egress = !egress;
	subnets = get_array(v[SUBNETS], "subnets", 1, src, where, &err);
	if (err)
		return err;
	if (json_array_size(subnets) > VX_MAX_SUBNETS)
		return jerr(src, where, "more than %d subnets", VX_MAX_SUBNETS);
	json_array_foreach(subnets, i, sv) {
		struct where w = { .up = where, .name = ".subnets", .idx = i };

		err = subnet_from_json(&n.subnets[i], sv, src, &w);
		if (err)
			return err;
		n.nsubnets++;
	}
	return state_add_network(st, &n) ? 0 : -ENOMEM;
}

/* A port as read: 0..65535 (state_validate refuses 0). */
static int get_port(const json_t *v, const char *key, uint16_t *out, const char *src,
		    const struct where *where)
{
	uint32_t u;
	int err = get_u32(v, key, 1, &u, src, where);

	if (err)
		return err;
	if (u > 65535)
		return jerr(src, where, "'%s' %u is out of range", key, u);
	*out = u;
	return 0;
}

static int publish_from_json(struct vx_publish *p, const json_t *j, const char *src,
			     const struct where *where)
{
	static const char *const keys[] = { "proto", "host_port", "port", NULL };
	enum { PROTO, HOST_PORT, PORT };
	json_t *v[3];
	char proto[8];
	int err;

	if ((err = expect_object(j, src, where)) || (err = check_keys(j, keys, v, src, where)) ||
	    (err = get_str(v[PROTO], "proto", 1, proto, sizeof(proto), src, where)))
		return err;
	if (publish_proto_of(proto) < 0)
		return jerr(src, where, "'proto' must be tcp or udp, not '%s'", proto);
	p->proto = publish_proto_of(proto);
	return get_port(v[HOST_PORT], "host_port", &p->host_port, src, where) ?:
	       get_port(v[PORT], "port", &p->port, src, where);
}

static int publish_list_from_json(struct vx_endpoint *e, const json_t *v, const char *src,
				  const struct where *where)
{
	const json_t *list;
	json_t *pv;
	size_t i;
	int err;

	list = get_array(v, "publish", 0, src, where, &err);
	if (err || !list)
		return err;
	if (json_array_size(list) > VX_MAX_PUBLISH)
		return jerr(src, where, "more than %d published ports", VX_MAX_PUBLISH);
	json_array_foreach(list, i, pv) {
		struct where w = { .up = where, .name = ".publish", .idx = i };

		err = publish_from_json(&e->publish[i], pv, src, &w);
		if (err)
			return err;
		e->npublish++;
	}
	return 0;
}

static int endpoint_from_json(struct vx_state *st, const json_t *j, const char *src, const struct where *where)
{
	static const char *const keys[] = { "name", "network", "node", "ip", "mac",
					    "netns", "ifname", "host_ifname", "container_id", "publish",
					    NULL };
	enum { NAME, NETWORK, NODE, IP, MAC, NETNS, IFNAME, HOST_IFNAME, CONTAINER_ID, PUBLISH };
	struct vx_endpoint e = {};
	json_t *v[10];
	char mac[32];
	int err;

	if ((err = expect_object(j, src, where)) || (err = check_keys(j, keys, v, src, where)) ||
	    (err = get_str(v[NAME], "name", 1, e.name, sizeof(e.name), src, where)) ||
	    (err = get_str(v[NETWORK], "network", 1, e.network, sizeof(e.network), src, where)) ||
	    (err = get_str(v[NODE], "node", 1, e.node, sizeof(e.node), src, where)) ||
	    (err = get_ipv4(v[IP], "ip", &e.ip, src, where)) ||
	    (err = get_str(v[MAC], "mac", 1, mac, sizeof(mac), src, where)) ||
	    (err = get_str(v[NETNS], "netns", 0, e.netns, sizeof(e.netns), src, where)) ||
	    (err = get_str(v[IFNAME], "ifname", 0, e.ifname, sizeof(e.ifname), src, where)) ||
	    (err = get_str(v[HOST_IFNAME], "host_ifname", 0, e.host_ifname, sizeof(e.host_ifname),
			   src, where)) ||
	    (err = get_str(v[CONTAINER_ID], "container_id", 0, e.container_id,
			   sizeof(e.container_id), src, where)) ||
	    (err = publish_list_from_json(&e, v[PUBLISH], src, where)))
		return err;
	if (parse_mac(mac, e.mac))
		return jerr(src, where, "'mac' is not a MAC address: '%s'", mac);
	return state_add_endpoint(st, &e) ? 0 : -ENOMEM;
}

static int list_from_json(struct vx_state *st, const json_t *list, const char *key, const char *src,
			  int (*fn)(struct vx_state *, const json_t *, const char *, const struct where *))
{
	const json_t *arr;
	size_t i;
	json_t *v;
	int err;

	arr = get_array(list, key, 0, src, &top_level, &err);
	if (err || !arr)
		return err;
	json_array_foreach(arr, i, v) {
		struct where where = { .name = key, .idx = i };

		err = fn(st, v, src, &where);
		if (err == -ENOMEM)
			pr_err_at(src, "out of memory");
		if (err)
			return err;
	}
	return 0;
}

static int state_from_root(struct vx_state *st, const json_t *root, const char *src)
{
	static const char *const keys[] = { "version", "nodes", "networks", "endpoints", NULL };
	enum { VERSION, NODES, NETWORKS, ENDPOINTS };
	uint32_t version;
	json_t *v[4];
	int err;

	if (!json_is_object(root))
		return jerr(src, &top_level, "must be an object, not %s", type_name(root));
	if ((err = check_keys(root, keys, v, src, &top_level)) ||
	    (err = get_u32(v[VERSION], "version", 1, &version, src, &top_level)))
		return err;
	if (version != VX_STATE_VERSION)
		return jerr(src, &top_level, "unsupported version %u (this vxnet reads version %d)",
			    version, VX_STATE_VERSION);
	if ((err = list_from_json(st, v[NODES], "nodes", src, node_from_json)) ||
	    (err = list_from_json(st, v[NETWORKS], "networks", src, network_from_json)) ||
	    (err = list_from_json(st, v[ENDPOINTS], "endpoints", src, endpoint_from_json)))
		return err;
	return 0;
}

/* A state of 100 000 endpoints decodes to a million small jansson values
 * that all die together. While from_buffer decodes, jansson allocates them
 * from an obstack (glibc), and from_buffer frees the obstack at once: no
 * malloc and free per value, no json_decref walking the tree. Jansson's
 * frees (of buffers it outgrew) leave the memory in the obstack.
 */
#define obstack_chunk_alloc malloc
#define obstack_chunk_free free
#define OBSTACK_CHUNK (1 << 20)

static struct obstack decode_stack;

static void *decode_alloc(size_t size)
{
	return obstack_alloc(&decode_stack, size);
}

static void decode_free(void *p)
{
	(void)p; /* freed with the obstack */
}

static int from_buffer(struct vx_state *st, const char *text, size_t len, const char *source)
{
	json_malloc_t prev_malloc;
	json_free_t prev_free;
	json_error_t jerror;
	json_t *root;
	int err;

	state_init(st);
	obstack_begin(&decode_stack, OBSTACK_CHUNK); /* exits if out of memory */
	json_get_alloc_funcs(&prev_malloc, &prev_free);
	json_set_alloc_funcs(decode_alloc, decode_free);
	root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerror);
	if (!root) {
		err = syntax_err(source, &jerror);
	} else {
		err = state_from_root(st, root, source);
	}
	/* The tree lives in the obstack: freed with it, not json_decref'd. */
	json_set_alloc_funcs(prev_malloc, prev_free);
	obstack_free(&decode_stack, NULL);
	if (err)
		state_free(st);
	return err;
}

int state_from_json_text(struct vx_state *st, const char *text, const char *source)
{
	return from_buffer(st, text, strlen(text), source ? source : "<text>");
}

/* The rest of f into *buf, *len bytes; *buf is malloc'd, the caller frees
 * it, also on error.
 */
static int read_all(FILE *f, const char *path, char **buf, size_t *len)
{
	size_t cap = 0;
	struct stat sb;

	*buf = NULL;
	*len = 0;
	/* Room for the whole file at once (it may still grow meanwhile). */
	if (!fstat(fileno(f), &sb) && sb.st_size > 0 && (uint64_t)sb.st_size < SIZE_MAX / 2)
		cap = sb.st_size + 4096; /* the final read sees EOF */
	*buf = cap ? malloc(cap) : NULL;
	if (!*buf)
		cap = 0;
	for (;;) {
		size_t n;

		if (cap - *len < 4096) {
			char *p = realloc(*buf, cap + 65536);

			if (!p) {
				pr_err("cannot read state %s: out of memory", path);
				return -ENOMEM;
			}
			*buf = p;
			cap += 65536;
		}
		n = fread(*buf + *len, 1, cap - *len, f);
		*len += n;
		if (n == 0)
			break;
	}
	if (ferror(f)) {
		pr_err("cannot read state %s: read error", path);
		return -EIO;
	}
	return 0;
}

int state_from_json_file(struct vx_state *st, const char *path)
{
	char *buf = NULL;
	size_t len;
	FILE *f;
	int err;

	state_init(st);
	f = fopen(path, "re");
	if (!f) {
		if (errno == ENOENT)
			return -ENOENT; /* the caller says what that means */
		err = -errno;
		pr_err("cannot read state %s: %s", path, strerror(errno));
		return err;
	}
	err = read_all(f, path, &buf, &len);
	if (err)
		goto cleanup;
	err = from_buffer(st, buf, len, path);
cleanup:
	free(buf);
	fclose(f);
	return err;
}

/* One record, as an element of the file's arrays: the value of an etcd key. */
int state_record_from_json(struct vx_state *st, enum vx_rec_kind kind, const char *text,
			   size_t len, const char *source)
{
	static int (*const parse[])(struct vx_state *, const json_t *, const char *, const struct where *) = {
		[VX_REC_NODE] = node_from_json,
		[VX_REC_NETWORK] = network_from_json,
		[VX_REC_ENDPOINT] = endpoint_from_json,
	};
	json_error_t jerror;
	json_t *root;
	int err;

	root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerror);
	if (!root)
		return syntax_err(source, &jerror);
	err = parse[kind](st, root, source, &(const struct where){ .name = "record", .idx = -1 });
	if (err == -ENOMEM)
		pr_err_at(source, "out of memory");
	json_decref(root);
	return err;
}

static json_t *node_to_json(const struct vx_node *n)
{
	char a[16];

	format_ipv4(n->addr, a);
	return json_pack("{s:s, s:s}", "name", n->name, "address", a);
}

/* "publish": [...], or NULL on ENOMEM. */
static json_t *publish_to_json(const struct vx_endpoint *e)
{
	json_t *list = json_array();

	for (int i = 0; list && i < e->npublish; i++) {
		const struct vx_publish *p = &e->publish[i];

		if (json_array_append_new(list, json_pack("{s:s, s:i, s:i}", "proto",
							  publish_proto(p->proto), "host_port",
							  p->host_port, "port", p->port))) {
			json_decref(list);
			return NULL;
		}
	}
	return list;
}

static json_t *endpoint_to_json(const struct vx_endpoint *e)
{
	char ip[16], mac[18];
	json_t *j;

	format_ipv4(e->ip, ip);
	format_mac(e->mac, mac);
	j = json_pack("{s:s, s:s, s:s, s:s, s:s}", "name", e->name, "network", e->network,
		      "node", e->node, "ip", ip, "mac", mac);
	if (!j)
		return NULL;
	if ((e->netns[0] && json_object_set_new(j, "netns", json_string(e->netns))) ||
	    (e->ifname[0] && json_object_set_new(j, "ifname", json_string(e->ifname))) ||
	    (e->host_ifname[0] && json_object_set_new(j, "host_ifname", json_string(e->host_ifname))) ||
	    (e->container_id[0] &&
	     json_object_set_new(j, "container_id", json_string(e->container_id))) ||
	    (e->npublish && json_object_set_new(j, "publish", publish_to_json(e)))) {
		json_decref(j);
		return NULL;
	}
	return j;
}

/* Labels or options as an object, or NULL on ENOMEM. */
static json_t *labels_to_json(const char *buf, uint16_t len)
{
	json_t *o = json_object();

	for (const char *e = lbl_next(buf, len, NULL); o && e; e = lbl_next(buf, len, e)) {
		char key[VX_LABEL_KEY_MAX + 1];
		size_t kl = lbl_key_len(e);

		snprintf(key, sizeof(key), "%.*s", (int)kl, e);
		if (json_object_set_new(o, key, json_string(e + kl + 1))) {
			json_decref(o);
			return NULL;
		}
	}
	return o;
}

json_t *state_labels_to_json(const char *buf, uint16_t len)
{
	return labels_to_json(buf, len);
}

/* The record's optional fields, each only when set: old records read and
 * write as before.
 */
static int network_extras(json_t *j, const struct vx_network *n)
{
	return (n->labels_len && json_object_set_new(j, "labels", labels_to_json(n->labels, n->labels_len))) ||
	       (n->options_len &&
		json_object_set_new(j, "options", labels_to_json(n->options, n->options_len)));
}

static json_t *network_to_json(const struct vx_network *n)
{
	json_t *j, *subnets;
	int stolen = 0;

	subnets = json_array();
	if (!subnets)
		return NULL;
	for (int i = 0; i < n->nsubnets; i++) {
		char c[20], g[16];

		format_cidr(n->subnets[i].addr, n->subnets[i].prefix, c);
		format_ipv4(n->subnets[i].gateway, g);
		if (json_array_append_new(subnets, json_pack("{s:s, s:s}", "subnet", c, "gateway", g))) {
			json_decref(subnets);
			return NULL;
		}
	}
	/* Optional keys only when set ("egress" only when off), so that
	 * records without them read and write as before. Each set steals its
	 * value, also on failure; subnets is stolen once its turn came.
	 */
	j = json_pack("{s:s}", "name", n->name);
	if (!j || (n->id[0] && json_object_set_new(j, "id", json_string(n->id))) ||
	    (n->created[0] && json_object_set_new(j, "created", json_string(n->created))) ||
	    json_object_set_new(j, "vni", json_integer(n->vni)) ||
	    json_object_set_new(j, "mtu", json_integer(n->mtu)) ||
	    (n->no_egress && json_object_set_new(j, "egress", json_false())) ||
	    (stolen = 1, json_object_set_new(j, "subnets", subnets)) || network_extras(j, n)) {
		if (!stolen)
			json_decref(subnets);
		json_decref(j);
		return NULL;
	}
	return j;
}

/* The file's layout: indented, keys in schema order. */
static char *dump(const json_t *root)
{
	return json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
}

char *state_to_json_text(const struct vx_state *st)
{
	json_t *root, *nodes, *networks, *endpoints;
	char *text = NULL;
	int bad = 0;

	root = json_pack("{s:i, s:[], s:[], s:[]}", "version", VX_STATE_VERSION,
			 "nodes", "networks", "endpoints");
	if (!root)
		return NULL;
	nodes = json_object_get(root, "nodes");
	networks = json_object_get(root, "networks");
	endpoints = json_object_get(root, "endpoints");
	for (size_t i = 0; i < st->nnodes; i++)
		bad |= json_array_append_new(nodes, node_to_json(&st->nodes[i]));
	for (size_t i = 0; i < st->nnetworks; i++)
		bad |= json_array_append_new(networks, network_to_json(&st->networks[i]));
	for (size_t i = 0; i < st->nendpoints; i++)
		bad |= json_array_append_new(endpoints, endpoint_to_json(&st->endpoints[i]));
	if (!bad)
		text = dump(root);
	json_decref(root);
	return text;
}

char *state_record_to_json(enum vx_rec_kind kind, const void *rec)
{
	json_t *j = kind == VX_REC_NODE ? node_to_json(rec) :
		    kind == VX_REC_NETWORK ? network_to_json(rec) : endpoint_to_json(rec);
	char *text;

	if (!j)
		return NULL;
	text = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(j);
	return text;
}

/* One endpoint under "Containers" of `network inspect`: Docker's keys
 * (EndpointID is the endpoint's name: vxnet has no other ID for it) and
 * vxnet's: the node, the container's namespace and interfaces, the
 * container ID a runtime gave, the published ports. Absent values are "".
 */
static json_t *inspect_endpoint(const struct vx_endpoint *e, const struct vx_network *n)
{
	const struct vx_subnet *sn = network_subnet_of(n, e->ip);
	char ip[24], mac[18];
	json_t *pub = json_array(), *j;

	format_ipv4(e->ip, ip);
	snprintf(ip + strlen(ip), sizeof(ip) - strlen(ip), "/%u", sn ? sn->prefix : 32);
	format_mac(e->mac, mac);
	for (int i = 0; pub && i < e->npublish; i++) {
		char p[24];

		format_publish(&e->publish[i], p);
		if (json_array_append_new(pub, json_string(p))) {
			json_decref(pub);
			pub = NULL;
		}
	}
	if (!pub)
		return NULL;
	j = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:o}", "Name", e->name,
		      "EndpointID", e->name, "MacAddress", mac, "IPv4Address", ip, "IPv6Address", "",
		      "Node", e->node, "NetNS", e->netns, "Interface", e->ifname,
		      "HostInterface", e->host_ifname, "ContainerID", e->container_id,
		      "Publish", pub);
	return j;
}

/* "IPAM": {"Driver", "Options", "Config": [{"Subnet", "Gateway"}]}. */
static json_t *inspect_ipam(const struct vx_network *n)
{
	json_t *cfg = json_array();

	for (int i = 0; cfg && i < n->nsubnets; i++) {
		char c[20], g[16];

		format_cidr(n->subnets[i].addr, n->subnets[i].prefix, c);
		format_ipv4(n->subnets[i].gateway, g);
		if (json_array_append_new(cfg, json_pack("{s:s, s:s}", "Subnet", c, "Gateway", g))) {
			json_decref(cfg);
			return NULL;
		}
	}
	return cfg ? json_pack("{s:s, s:{}, s:o}", "Driver", "vxnet", "Options", "Config", cfg) : NULL;
}

/* The network's endpoints by name, and the nodes they are on ("Peers"). */
static int inspect_members(const struct vx_state *st, const struct vx_network *n, json_t *eps,
			   json_t *peers)
{
	for (size_t i = 0; i < st->nendpoints; i++) {
		const struct vx_endpoint *e = &st->endpoints[i];
		const struct vx_node *node;
		size_t k, seen = 0;
		json_t *p;

		if (strcmp(e->network, n->name))
			continue;
		if (json_object_set_new(eps, e->name, inspect_endpoint(e, n)))
			return -ENOMEM;
		json_array_foreach(peers, k, p)
			seen |= !strcmp(json_string_value(json_object_get(p, "Name")), e->node);
		node = state_find_node(st, e->node);
		if (!seen && node) {
			char a[16];

			format_ipv4(node->addr, a);
			if (json_array_append_new(peers, json_pack("{s:s, s:s}", "Name", node->name, "IP", a)))
				return -ENOMEM;
		}
	}
	return 0;
}

char *state_network_inspect(const struct vx_state *st, const struct vx_network *n)
{
	json_t *eps = json_object(), *peers = json_array(), *j, *arr;
	char *text = NULL;

	if (!eps || !peers || inspect_members(st, n, eps, peers)) {
		json_decref(eps);
		json_decref(peers);
		return NULL;
	}
	/* "o" steals each value, also on failure */
	j = json_pack("{s:s, s:s, s:s, s:s, s:s, s:b, s:o, s:b, s:b, s:b, s:{s:s}, s:b, s:o,"
		      " s:o, s:o, s:o, s:I, s:o}",
		      "Name", n->name, "Id", n->id, "Created", n->created, "Scope", "global",
		      "Driver", "vxnet", "EnableIPv6", 0, "IPAM", inspect_ipam(n),
		      "Internal", n->no_egress, "Attachable", 1, "Ingress", 0,
		      "ConfigFrom", "Network", "", "ConfigOnly", 0, "Containers", eps,
		      "Options", labels_to_json(n->options, n->options_len),
		      "Labels", labels_to_json(n->labels, n->labels_len), "Peers", peers,
		      "VNI", (json_int_t)n->vni, "MTU", n->mtu ? json_integer(n->mtu) : json_null());
	arr = j ? json_pack("[o]", j) : NULL;
	if (arr)
		text = dump(arr);
	json_decref(arr);
	return text;
}
