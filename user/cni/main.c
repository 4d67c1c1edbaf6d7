// SPDX-License-Identifier: GPL-2.0-only
/* vxnet-cni: a CNI plugin over libvxnet. ADD is vx_attach (or an IPAM
 * plugin's address, then vx_attach), DEL vx_detach_container, CHECK
 * check.c, STATUS the pins and the store, GC the records of this host's
 * containers that the runtime no longer lists. Results and errors as the
 * spec has them on stdout; every other line on stderr.
 *
 * Configuration keys besides the spec's (cniVersion, name, type, ipam,
 * dns, prevResult):
 *   network   vxnet network to join (default: name); it must exist
 *   store     file:PATH, /PATH, etcd://HOST:PORT[,...] or etcds://...
 *             (default /var/lib/vxnet/state.json)
 *   storeCA, storeCert, storeKey   TLS files for etcds://
 *   pinDir    vxnet's pins (default /sys/fs/bpf/vxnet)
 * CNI_ARGS: IP=A.B.C.D and MAC=xx:..:xx (without ipam); other keys ignored.
 * runtimeConfig.portMappings (when the conflist gives the plugin
 * "capabilities": {"portMappings": true}; podman -p): the endpoint's
 * published ports, [{"hostPort", "containerPort", "protocol"}]; hostIP
 * empty or 0.0.0.0 only. DEL removes them with the endpoint.
 * Endpoint names: the container ID's first 24 characters, '-', and the
 * CRC-32 of "CONTAINERID/IFNAME" in hex.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>
#include <zlib.h>

#include "attach.h"
#include "cni.h"
#include "datapath.h"
#include "log.h"
#include "netlink.h"
#include "store.h"

#define CONF_MAX (1 << 20)
static const char *const versions[] = { "0.3.1", "0.4.0", "1.0.0", "1.1.0" };
static int out_fd = -1; /* the real stdout */

int cni_fail(struct cni_err *e, int code, const char *fmt, ...)
{
	va_list ap;

	e->code = code;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	return -1;
}

/* Writes j, then a newline, to the saved stdout. */
static void emit(json_t *j)
{
	char *s = json_dumps(j, JSON_INDENT(2));
	size_t off = 0, n;

	if (!s)
		return;
	n = strlen(s);
	s[n] = '\n'; /* json_dumps' NUL: the text is written by length */
	while (off <= n) {
		ssize_t w = write(out_fd, s + off, n + 1 - off);

		if (w <= 0)
			break;
		off += w;
	}
	free(s);
}

/* The library's last error line, without its "vxnet: ", for an error's
 * details (log_capture_end).
 */
static void capture_end(char *last, size_t len)
{
	log_capture_end(last, len);
	if (!strncmp(last, "vxnet: ", 7))
		memmove(last, last + 7, strlen(last + 7) + 1);
}

/* A library error's code: a store that did not answer may answer later. */
static int lib_code(int err)
{
	switch (-err) {
	case EAGAIN: case EBUSY: case ETIMEDOUT: case ECONNREFUSED: case EIO: case EHOSTUNREACH:
	case ECONNRESET: case ENOLCK:
		return CNI_ERR_AGAIN;
	default:
		return CNI_ERR_PLUGIN;
	}
}

/* ---- environment and configuration ---- */
static int valid_ifname(const char *s)
{
	if (!*s || strlen(s) >= IFNAMSIZ || !strcmp(s, ".") || !strcmp(s, ".."))
		return 0;
	for (; *s; s++)
		if (*s == '/' || *s == ':' || *s <= ' ' || *s == 0x7f)
			return 0;
	return 1;
}

static int read_env(struct cni_env *env, struct cni_err *e)
{
	const char *cmd = getenv("CNI_COMMAND");

	*env = (struct cni_env){ .command = cmd, .container_id = getenv("CNI_CONTAINERID"),
				 .netns = getenv("CNI_NETNS"), .ifname = getenv("CNI_IFNAME"),
				 .args = getenv("CNI_ARGS"), .path = getenv("CNI_PATH") };
	if (!cmd || !*cmd)
		return cni_fail(e, CNI_ERR_ENV, "CNI_COMMAND is not set");
	if (strcmp(cmd, "ADD") && strcmp(cmd, "DEL") && strcmp(cmd, "CHECK") && strcmp(cmd, "VERSION") &&
	    strcmp(cmd, "STATUS") && strcmp(cmd, "GC"))
		return cni_fail(e, CNI_ERR_ENV, "unknown CNI_COMMAND '%.64s'", cmd);
	if (strcmp(cmd, "ADD") && strcmp(cmd, "DEL") && strcmp(cmd, "CHECK"))
		return 0;
	if (!env->container_id || !*env->container_id)
		return cni_fail(e, CNI_ERR_ENV, "CNI_CONTAINERID is not set");
	if (!valid_container_id(env->container_id))
		return cni_fail(e, CNI_ERR_ENV, "invalid CNI_CONTAINERID '%.*s' (must match %s, at most %d characters)",
				VX_CONTAINER_ID_MAX, env->container_id, VX_CONTAINER_ID_RULE,
				VX_CONTAINER_ID_MAX - 1);
	if (!env->ifname || !*env->ifname)
		return cni_fail(e, CNI_ERR_ENV, "CNI_IFNAME is not set");
	if (!valid_ifname(env->ifname))
		return cni_fail(e, CNI_ERR_ENV, "invalid CNI_IFNAME '%.32s'", env->ifname);
	if (strcmp(cmd, "DEL") && (!env->netns || !*env->netns))
		return cni_fail(e, CNI_ERR_ENV, "CNI_NETNS is not set");
	if (env->netns && !*env->netns)
		env->netns = NULL;
	return 0;
}

static int opt_str(json_t *root, const char *key, const char **out, const char *def,
		   struct cni_err *e)
{
	json_t *v = json_object_get(root, key);

	*out = def;
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_string(v) || !*json_string_value(v))
		return cni_fail(e, CNI_ERR_CONFIG, "'%s' must be a non-empty string", key);
	*out = json_string_value(v);
	return 0;
}

static int supported(const char *v)
{
	for (size_t i = 0; i < sizeof(versions) / sizeof(versions[0]); i++)
		if (!strcmp(v, versions[i]))
			return 1;
	return 0;
}

static int read_conf(struct cni_conf *c, char *raw, size_t len, struct cni_err *e)
{
	json_error_t jerr;
	json_t *ipam;

	c->raw = raw;
	c->raw_len = len;
	c->root = json_loadb(raw, len, 0, &jerr);
	if (!c->root)
		return cni_fail(e, CNI_ERR_DECODE, "malformed configuration: %s at line %d column %d",
				jerr.text, jerr.line, jerr.column);
	if (!json_is_object(c->root))
		return cni_fail(e, CNI_ERR_DECODE, "the configuration is not a JSON object");
	if (opt_str(c->root, "cniVersion", &c->version, NULL, e))
		return -1;
	if (!c->version)
		return cni_fail(e, CNI_ERR_CONFIG, "'cniVersion' is missing");
	if (!supported(c->version)) {
		const char *v = c->version;

		c->version = "1.1.0";
		return cni_fail(e, CNI_ERR_VERSION, "unsupported cniVersion '%.32s' (supported: 0.3.1 0.4.0 1.0.0 1.1.0)", v);
	}
	if (opt_str(c->root, "name", &c->name, NULL, e) ||
	    opt_str(c->root, "network", &c->network, NULL, e) ||
	    opt_str(c->root, "store", &c->store, "/var/lib/vxnet/state.json", e) ||
	    opt_str(c->root, "storeCA", &c->ca, NULL, e) ||
	    opt_str(c->root, "storeCert", &c->cert, NULL, e) ||
	    opt_str(c->root, "storeKey", &c->key, NULL, e) ||
	    opt_str(c->root, "pinDir", &c->pin_dir, "/sys/fs/bpf/vxnet", e))
		return -1;
	if (!c->name)
		return cni_fail(e, CNI_ERR_CONFIG, "'name' is missing");
	if (!c->network)
		c->network = c->name;
	if (!valid_name(c->network))
		return cni_fail(e, CNI_ERR_CONFIG, "invalid network name '%.64s' (must match %s)", c->network,
				VX_NAME_RULE);
	if (strncmp(c->store, "file:", 5) && strncmp(c->store, "etcd://", 7) &&
	    strncmp(c->store, "etcds://", 8) && c->store[0] != '/')
		return cni_fail(e, CNI_ERR_CONFIG, "'store' must be file:PATH, an absolute path, etcd:// or etcds://, not '%.128s'",
				c->store);
	if (!!c->cert != !!c->key)
		return cni_fail(e, CNI_ERR_CONFIG, "'storeCert' and 'storeKey' go together");
	ipam = json_object_get(c->root, "ipam");
	if (ipam && !json_is_null(ipam)) {
		json_t *t = json_object_get(ipam, "type");

		if (!json_is_object(ipam))
			return cni_fail(e, CNI_ERR_CONFIG, "'ipam' must be an object");
		if (json_object_size(ipam)) {
			if (!json_is_string(t) || !*json_string_value(t))
				return cni_fail(e, CNI_ERR_CONFIG, "'ipam' needs a 'type'");
			c->ipam_type = json_string_value(t);
		}
	}
	{
		json_t *dns = json_object_get(c->root, "dns"), *prev = json_object_get(c->root, "prevResult");

		if (dns && !json_is_object(dns))
			return cni_fail(e, CNI_ERR_CONFIG, "'dns' must be an object");
		if (prev && !json_is_object(prev))
			return cni_fail(e, CNI_ERR_CONFIG, "'prevResult' must be an object");
	}
	return 0;
}

/* CNI_ARGS: IP= and MAC=; other keys are the runtime's business. */
static int read_args(const char *args, uint32_t *ip, int *has_ip, uint8_t *mac, int *has_mac,
		     struct cni_err *e)
{
	char buf[1024], *save, *kv;

	*has_ip = *has_mac = 0;
	if (!args || !*args)
		return 0;
	if (snprintf(buf, sizeof(buf), "%s", args) >= (int)sizeof(buf))
		return cni_fail(e, CNI_ERR_ENV, "CNI_ARGS is too long");
	for (kv = strtok_r(buf, ";", &save); kv; kv = strtok_r(NULL, ";", &save)) {
		char *v = strchr(kv, '=');

		if (!v)
			return cni_fail(e, CNI_ERR_ENV, "CNI_ARGS: '%.64s' is not KEY=VALUE", kv);
		*v++ = 0;
		if (!strcmp(kv, "IP")) {
			if (parse_ipv4(v, ip))
				return cni_fail(e, CNI_ERR_ENV, "CNI_ARGS: IP '%.64s' is not an IPv4 address", v);
			*has_ip = 1;
		} else if (!strcmp(kv, "MAC")) {
			if (parse_mac(v, mac))
				return cni_fail(e, CNI_ERR_ENV, "CNI_ARGS: MAC '%.64s' is not a MAC address", v);
			*has_mac = 1;
		}
	}
	return 0;
}

/* One element of runtimeConfig.portMappings. */
static int read_port_mapping(const json_t *m, size_t i, struct vx_publish *p, struct cni_err *e)
{
	const json_t *host = json_object_get(m, "hostPort"), *port = json_object_get(m, "containerPort");
	const json_t *proto = json_object_get(m, "protocol"), *hip = json_object_get(m, "hostIP");
	const char *ps = json_is_string(proto) ? json_string_value(proto) : "tcp";
	char lower[8] = "";

	if (!json_is_object(m))
		return cni_fail(e, CNI_ERR_CONFIG, "runtimeConfig.portMappings[%zu] must be an object", i);
	if (!json_is_integer(host) || json_integer_value(host) < 1 || json_integer_value(host) > 65535 ||
	    !json_is_integer(port) || json_integer_value(port) < 1 || json_integer_value(port) > 65535)
		return cni_fail(e, CNI_ERR_CONFIG, "runtimeConfig.portMappings[%zu]: hostPort and containerPort must be 1..65535", i);
	for (size_t k = 0; ps[k] && k < sizeof(lower) - 1; k++)
		lower[k] = ps[k] >= 'A' && ps[k] <= 'Z' ? ps[k] - 'A' + 'a' : ps[k];
	if ((proto && !json_is_string(proto)) || strlen(ps) >= sizeof(lower) ||
	    publish_proto_of(lower) < 0)
		return cni_fail(e, CNI_ERR_CONFIG, "runtimeConfig.portMappings[%zu]: protocol must be tcp or udp", i);
	/* vxnet publishes on every node's underlay address */
	if (hip && !json_is_null(hip) && (!json_is_string(hip) || (*json_string_value(hip) &&
	    strcmp(json_string_value(hip), "0.0.0.0"))))
		return cni_fail(e, CNI_ERR_CONFIG, "runtimeConfig.portMappings[%zu]: hostIP is not supported (a published port is on every node's address)", i);
	*p = (struct vx_publish){ .proto = publish_proto_of(lower), .host_port = json_integer_value(host),
				  .port = json_integer_value(port) };
	return 0;
}

/* runtimeConfig.portMappings, the portMappings capability (podman -p):
 * [{"hostPort": 8080, "containerPort": 80, "protocol": "tcp"}], the
 * endpoint's published ports. Absent: none.
 */
static int read_port_mappings(const struct cni_conf *c, struct vx_publish *pub, int *n,
			      struct cni_err *e)
{
	const json_t *rc = json_object_get(c->root, "runtimeConfig"), *pm, *m;
	size_t i;

	*n = 0;
	pm = json_is_object(rc) ? json_object_get(rc, "portMappings") : NULL;
	if (!pm || json_is_null(pm))
		return 0;
	if (!json_is_array(pm))
		return cni_fail(e, CNI_ERR_CONFIG, "runtimeConfig.portMappings must be an array");
	if (json_array_size(pm) > VX_MAX_PUBLISH)
		return cni_fail(e, CNI_ERR_CONFIG, "runtimeConfig.portMappings: more than %d ports",
				VX_MAX_PUBLISH);
	json_array_foreach(pm, i, m) {
		if (read_port_mapping(m, i, &pub[i], e))
			return -1;
		(*n)++;
	}
	return 0;
}

static int open_store(const struct cni_conf *c, struct vx_store **s, struct cni_err *e)
{
	struct vx_store_opts o = { .ca = c->ca, .cert = c->cert, .key = c->key };
	char line[512] = "";
	int err;

	log_capture_begin();
	err = store_open(c->store, &o, s);
	capture_end(line, sizeof(line));
	if (err) {
		cni_fail(e, CNI_ERR_AGAIN, "cannot open store %.200s", c->store);
		snprintf(e->details, sizeof(e->details), "%s", line);
		return -1;
	}
	return 0;
}

static int read_state(struct vx_store *s, struct vx_state *st, struct cni_err *e)
{
	char line[512] = "";
	int err;

	state_init(st);
	log_capture_begin();
	err = store_read(s, st);
	capture_end(line, sizeof(line));
	if (err) {
		cni_fail(e, CNI_ERR_AGAIN, "cannot read the store %.200s", s->location);
		snprintf(e->details, sizeof(e->details), "%s", line);
		return -1;
	}
	return 0;
}

/* The endpoint name of container cid's interface ifname: unique per pair,
 * within VX_NAME_RULE.
 */
static void endpoint_name(const char *cid, const char *ifname, char buf[VX_NAME_MAX])
{
	uLong crc = crc32(0, (const Bytef *)cid, strlen(cid));

	crc = crc32(crc, (const Bytef *)"/", 1);
	crc = crc32(crc, (const Bytef *)ifname, strlen(ifname));
	snprintf(buf, VX_NAME_MAX, "%.24s-%08lx", cid, crc & 0xffffffffUL);
}

/* ---- results ---- */
static int old_format(const char *v)
{
	return !strcmp(v, "0.3.1") || !strcmp(v, "0.4.0");
}

static json_t *make_result(const struct cni_conf *c, const struct cni_env *env,
			   const struct vx_endpoint *ep, const struct vx_network *n, const json_t *ipam)
{
	const struct vx_subnet *sn = network_subnet_of(n, ep->ip);
	char addr[24], gw[16], mac[18], hmac[18] = "", cidr[20];
	json_t *r = json_object(), *ifs = json_array(), *ips = json_array(), *routes = json_array();
	json_t *ipj, *dns;
	struct ifreq ifr = {};
	int fd;

	format_ipv4(ep->ip, addr);
	snprintf(addr + strlen(addr), sizeof(addr) - strlen(addr), "/%u", sn->prefix);
	format_ipv4(sn->gateway, gw);
	format_mac(ep->mac, mac);
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ep->host_ifname);
	if (fd >= 0 && !ioctl(fd, SIOCGIFHWADDR, &ifr))
		format_mac((const uint8_t *)ifr.ifr_hwaddr.sa_data, hmac);
	if (fd >= 0)
		close(fd);
	json_object_set_new(r, "cniVersion", json_string(c->version));
	json_array_append_new(ifs, json_pack("{s:s,s:s}", "name", ep->host_ifname, "mac", hmac));
	json_array_append_new(ifs, json_pack("{s:s,s:s,s:s}", "name", ep->ifname, "mac", mac,
					     "sandbox", env->netns));
	json_object_set_new(r, "interfaces", ifs);
	ipj = json_pack("{s:s,s:s,s:i}", "address", addr, "gateway", gw, "interface", 1);
	if (old_format(c->version))
		json_object_set_new(ipj, "version", json_string("4"));
	json_array_append_new(ips, ipj);
	json_object_set_new(r, "ips", ips);
	json_array_append_new(routes, json_pack("{s:s,s:s}", "dst", "0.0.0.0/0", "gw", gw));
	for (int i = 0; i < n->nsubnets; i++) {
		if (&n->subnets[i] == sn)
			continue;
		format_cidr(n->subnets[i].addr, n->subnets[i].prefix, cidr);
		json_array_append_new(routes, json_pack("{s:s,s:s}", "dst", cidr, "gw", gw));
	}
	json_object_set_new(r, "routes", routes);
	dns = json_object_get(c->root, "dns");
	if (!dns && ipam)
		dns = json_object_get(ipam, "dns");
	if (dns && json_object_size(dns))
		json_object_set(r, "dns", dns);
	return r;
}

/* ---- verbs ---- */
static int attach_error(int err, const char *line, struct cni_err *e)
{
	cni_fail(e, err == -ENOENT || err == -EINVAL ? CNI_ERR_CONFIG : lib_code(err), "%s",
		 *line ? line : strerror(-err));
	snprintf(e->details, sizeof(e->details), "%s", strerror(-err));
	return -1;
}

static int cmd_add(const struct cni_env *env, const struct cni_conf *c, struct cni_err *e)
{
	struct vx_attach_req req = { .netns = env->netns, .network = c->network,
				     .ifname = env->ifname, .pin_dir = c->pin_dir,
				     .container_id = env->container_id };
	char name[VX_NAME_MAX], line[512] = "";
	const struct vx_network *n;
	json_t *ipam = NULL, *res;
	struct vx_endpoint ep;
	struct vx_state st;
	struct vx_publish pub[VX_MAX_PUBLISH];
	int has_ip, has_mac, err, ret = -1;
	uint32_t ip;
	uint8_t mac[6];

	state_init(&st);
	if (access(env->netns, F_OK))
		return cni_fail(e, CNI_ERR_ENV, "CNI_NETNS %.256s: %s", env->netns, strerror(errno));
	if (read_args(env->args, &ip, &has_ip, mac, &has_mac, e) ||
	    read_port_mappings(c, pub, &req.npublish, e) || open_store(c, &req.store, e))
		return -1;
	req.publish = pub;
	if (read_state(req.store, &st, e))
		goto cleanup;
	n = state_find_network(&st, c->network);
	if (!n) {
		cni_fail(e, CNI_ERR_CONFIG, "network %s is not in the store %s", c->network, c->store);
		goto cleanup;
	}
	if (c->ipam_type) {
		const char *a;
		char buf[64], *slash;

		if (cni_delegate(env, c, "ADD", &ipam, e))
			goto cleanup;
		a = json_string_value(json_object_get(json_array_get(json_object_get(ipam, "ips"), 0), "address"));
		snprintf(buf, sizeof(buf), "%s", a ? a : "");
		slash = strchr(buf, '/');
		if (slash)
			*slash = 0;
		if (!a || parse_ipv4(buf, &ip)) {
			cni_fail(e, CNI_ERR_PLUGIN, "IPAM %s gave no IPv4 address", c->ipam_type);
			goto undo_ipam;
		}
		if (!network_subnet_of(n, ip)) {
			cni_fail(e, CNI_ERR_CONFIG, "IPAM %s gave %s, outside the subnets of network %s",
				 c->ipam_type, a, n->name);
			goto undo_ipam;
		}
		has_ip = 1;
	}
	req.ip = has_ip ? &ip : NULL;
	req.mac = has_mac ? mac : NULL;
	endpoint_name(env->container_id, env->ifname, name);
	req.name = name;
	log_capture_begin();
	err = vx_attach(&req, &ep);
	capture_end(line, sizeof(line));
	if (err) {
		attach_error(err, line, e);
		goto undo_ipam;
	}
	state_free(&st);
	if (read_state(req.store, &st, e) || !(n = state_find_network(&st, c->network))) {
		if (!e->code)
			cni_fail(e, CNI_ERR_AGAIN, "network %s vanished from the store", c->network);
		goto cleanup;
	}
	res = make_result(c, env, &ep, n, ipam);
	emit(res);
	json_decref(res);
	ret = 0;
	goto cleanup;
undo_ipam:
	if (ipam) {
		struct cni_err ignored = {};
		json_t *out = NULL;

		cni_delegate(env, c, "DEL", &out, &ignored);
		json_decref(out);
	}
cleanup:
	json_decref(ipam);
	state_free(&st);
	store_close(req.store);
	return ret;
}

static int cmd_del(const struct cni_env *env, const struct cni_conf *c, struct cni_err *e)
{
	struct vx_attach_req req = { .network = c->network, .ifname = env->ifname,
				     .pin_dir = c->pin_dir, .container_id = env->container_id };
	char name[VX_NAME_MAX], host_if[IFNAMSIZ], line[512] = "";
	struct vx_endpoint ep;
	uLong crc;
	int err, ifindex;

	if (c->ipam_type) {
		json_t *out = NULL;

		if (cni_delegate(env, c, "DEL", &out, e))
			return -1;
		json_decref(out);
	}
	if (open_store(c, &req.store, e))
		return -1;
	log_capture_begin();
	err = vx_detach_container(&req, &ep);
	capture_end(line, sizeof(line));
	store_close(req.store);
	if (err && err != -ENOENT)
		return attach_error(err, line, e);
	if (err == -ENOENT) {
		/* No record: a veth an interrupted ADD left behind still goes. */
		endpoint_name(env->container_id, env->ifname, name);
		crc = crc32(0, (const Bytef *)name, strlen(name));
		snprintf(host_if, sizeof(host_if), "vx%08lx", crc & 0xffffffffUL);
		ifindex = if_nametoindex(host_if);
		if (ifindex && dp_tc_ours(ifindex) == 1 && nl_link_delete(host_if) && if_nametoindex(host_if))
			return cni_fail(e, CNI_ERR_PLUGIN, "cannot delete %s", host_if);
	}
	return 0;
}

static int cmd_check(const struct cni_env *env, const struct cni_conf *c, struct cni_err *e)
{
	json_t *prev = json_object_get(c->root, "prevResult");
	const struct vx_endpoint *ep;
	const struct vx_network *n;
	struct vx_store *s = NULL;
	struct vx_state st;
	struct vxnet_host host;
	int ret = -1;

	state_init(&st);
	if (!strcmp(c->version, "0.3.1"))
		return cni_fail(e, CNI_ERR_VERSION, "CHECK needs cniVersion 0.4.0 or later, not %s", c->version);
	if (!prev)
		return cni_fail(e, CNI_ERR_CONFIG, "CHECK needs a 'prevResult'");
	if (c->ipam_type) {
		json_t *out = NULL;

		if (cni_delegate(env, c, "CHECK", &out, e))
			return -1;
		json_decref(out);
	}
	if (dp_read_host(c->pin_dir, &host))
		return cni_fail(e, CNI_ERR_PLUGIN, "vxnet is not up on this host (pins in %s)", c->pin_dir);
	if (open_store(c, &s, e) || read_state(s, &st, e))
		goto cleanup;
	n = state_find_network(&st, c->network);
	ep = vx_find_container(&st, env->container_id, env->ifname, host.node, c->network);
	if (!n || !ep) {
		cni_fail(e, CNI_ERR_PLUGIN, "no endpoint record for container %s interface %s on network %s",
			 env->container_id, env->ifname, c->network);
		goto cleanup;
	}
	ret = cni_check(env, ep, n, prev, c->pin_dir, e);
cleanup:
	state_free(&st);
	store_close(s);
	return ret;
}

static int cmd_status(const struct cni_conf *c, struct cni_err *e)
{
	struct vxnet_host host;
	struct vx_store *s = NULL;
	struct vx_state st;
	int ret = -1;

	state_init(&st);
	if (dp_read_host(c->pin_dir, &host))
		return cni_fail(e, CNI_ERR_UNAVAILABLE, "vxnet is not up on this host: no pins in %s", c->pin_dir);
	if (open_store(c, &s, e) || read_state(s, &st, e)) {
		e->code = CNI_ERR_UNAVAILABLE;
		goto cleanup;
	}
	if (!state_find_network(&st, c->network)) {
		cni_fail(e, CNI_ERR_UNAVAILABLE, "network %s is not in the store %s", c->network, c->store);
		goto cleanup;
	}
	ret = 0;
cleanup:
	state_free(&st);
	store_close(s);
	return ret;
}

static int valid_attachment(const json_t *list, const struct vx_endpoint *ep)
{
	size_t i;
	json_t *v;

	json_array_foreach(list, i, v) {
		const char *cid = json_string_value(json_object_get(v, "containerID"));
		const char *ifn = json_string_value(json_object_get(v, "ifname"));

		if (cid && ifn && !strcmp(cid, ep->container_id) && !strcmp(ifn, ep->ifname))
			return 1;
	}
	return 0;
}

static int cmd_gc(const struct cni_env *env, const struct cni_conf *c, struct cni_err *e)
{
	json_t *list = json_object_get(c->root, "cni.dev/valid-attachments");
	struct vx_attach_req req = { .network = c->network, .pin_dir = c->pin_dir };
	struct vxnet_host host;
	struct vx_state st;
	int ret = -1;

	state_init(&st);
	if (list && !json_is_array(list))
		return cni_fail(e, CNI_ERR_CONFIG, "'cni.dev/valid-attachments' must be an array");
	if (c->ipam_type) {
		json_t *out = NULL;

		if (cni_delegate(env, c, "GC", &out, e))
			return -1;
		json_decref(out);
	}
	if (dp_read_host(c->pin_dir, &host))
		return cni_fail(e, CNI_ERR_PLUGIN, "vxnet is not up on this host (pins in %s)", c->pin_dir);
	if (open_store(c, &req.store, e) || read_state(req.store, &st, e))
		goto cleanup;
	for (size_t i = 0; i < st.nendpoints; i++) {
		const struct vx_endpoint *ep = &st.endpoints[i];
		struct vx_endpoint gone;
		char line[512] = "";
		int err;

		if (!ep->container_id[0] || strcmp(ep->node, host.node) ||
		    strcmp(ep->network, c->network) || valid_attachment(list, ep))
			continue;
		req.container_id = ep->container_id;
		req.ifname = ep->ifname;
		fprintf(stderr, "vxnet: gc: removing %s (container %s, %s)\n", ep->name, ep->container_id,
			ep->ifname);
		log_capture_begin();
		err = vx_detach_container(&req, &gone);
		capture_end(line, sizeof(line));
		if (err && err != -ENOENT) {
			attach_error(err, line, e);
			goto cleanup;
		}
	}
	ret = 0;
cleanup:
	state_free(&st);
	store_close(req.store);
	return ret;
}

static void emit_error(const char *version, const struct cni_err *e)
{
	json_t *j = json_pack("{s:s,s:i,s:s}", "cniVersion", version ? version : "1.1.0", "code", e->code,
			      "msg", e->msg);

	if (e->details[0])
		json_object_set_new(j, "details", json_string(e->details));
	emit(j);
	json_decref(j);
	fprintf(stderr, "vxnet-cni: %s%s%s\n", e->msg, e->details[0] ? ": " : "", e->details);
}

static void emit_version(const char *version)
{
	json_t *j = json_pack("{s:s,s:[s,s,s,s]}", "cniVersion", version ? version : "1.1.0",
			      "supportedVersions", versions[0], versions[1], versions[2], versions[3]);

	emit(j);
	json_decref(j);
}

int main(int argc, char **argv)
{
	struct cni_conf conf = {};
	struct cni_err e = {};
	struct cni_env env;
	char *raw = NULL;
	size_t len = 0;
	int ret = -1;

	(void)argc; (void)argv;
	/* The library prints progress on stdout: only the result goes there. */
	out_fd = fcntl(1, F_DUPFD_CLOEXEC, 3);
	if (out_fd < 0 || dup2(2, 1) < 0)
		return 1;
	log_init(0);
	raw = malloc(CONF_MAX + 1);
	if (!raw) {
		cni_fail(&e, CNI_ERR_AGAIN, "out of memory");
		goto out;
	}
	for (;;) {
		ssize_t r = read(0, raw + len, CONF_MAX - len);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		len += r;
		if (len == CONF_MAX) {
			cni_fail(&e, CNI_ERR_DECODE, "the configuration is larger than %d bytes", CONF_MAX);
			goto out;
		}
	}
	raw[len] = 0;
	if (read_env(&env, &e))
		goto out;
	if (!strcmp(env.command, "VERSION")) {
		json_t *j = json_loadb(raw, len, 0, NULL);
		const char *v = json_string_value(json_object_get(j, "cniVersion"));

		emit_version(v && supported(v) ? v : "1.1.0");
		json_decref(j);
		ret = 0;
		goto out;
	}
	if (read_conf(&conf, raw, len, &e))
		goto out;
	if (!strcmp(env.command, "ADD"))
		ret = cmd_add(&env, &conf, &e);
	else if (!strcmp(env.command, "DEL"))
		ret = cmd_del(&env, &conf, &e);
	else if (!strcmp(env.command, "CHECK"))
		ret = cmd_check(&env, &conf, &e);
	else if (!strcmp(env.command, "STATUS"))
		ret = cmd_status(&conf, &e);
	else
		ret = cmd_gc(&env, &conf, &e);
out:
	if (ret)
		emit_error(conf.version, &e);
	json_decref(conf.root);
	free(raw);
	return ret ? 1 : 0;
}
