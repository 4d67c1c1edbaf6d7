/* SPDX-License-Identifier: GPL-2.0-only */
/* The cluster state: nodes, networks, endpoints. One in-memory model, loaded
 * from and saved to a store (store.h); validated as a whole before any write.
 * Addresses are kept in network byte order (struct in_addr style __be32);
 * addr.h parses and formats them.
 *
 *   state.c       the model: records, lookups, changes
 *   index.c       name lookups in O(1)
 *   validate.c    names and whole-state validation
 *   ipam.c        address and VNI allocation
 *   state_json.c  the model as JSON: the state file, etcd records
 */
#ifndef VXNET_STATE_H
#define VXNET_STATE_H

#include <stdint.h>
#include <stddef.h>
#include <net/if.h>

#include "addr.h"

/* Limits. */
#define VX_NAME_MAX 64
/* The rule every node, network and endpoint name follows. */
#define VX_NAME_RULE "[A-Za-z0-9][A-Za-z0-9_.-]{0,62}"
#define VX_MAX_SUBNETS 16
#define VX_VNI_MIN_AUTO 4096
#define VX_VNI_MAX 16777215u
#define VX_MTU_MIN 68
#define VX_MTU_MAX 65485
/* A CNI container ID as the record keeps it (at most 127 characters of
 * VX_CONTAINER_ID_RULE).
 */
#define VX_CONTAINER_ID_MAX 128
#define VX_CONTAINER_ID_RULE "[A-Za-z0-9][A-Za-z0-9_.-]*"
/* Published ports of one endpoint (`--publish`). */
#define VX_MAX_PUBLISH 16
#define VX_PUBLISH_SYNTAX "[HOSTPORT:]PORT[/tcp|/udp]"

/* Records. Each starts with its name. */
struct vx_node {
	char name[VX_NAME_MAX];
	uint32_t addr; /* underlay IPv4, network order */
};

struct vx_subnet {
	uint32_t addr;    /* network address, network order */
	uint8_t prefix;   /* 0..32 */
	uint32_t gateway; /* network order */
};

/* A network's labels and options: "KEY=VALUE\0" entries one after the
 * other in a fixed buffer (len bytes used), in the order they were given;
 * labels.c reads and changes them. Keys: 1..VX_LABEL_KEY_MAX bytes, no '='
 * and no control character; values: no control character.
 */
#define VX_LABELS_BYTES 512
#define VX_OPTIONS_BYTES 128 /* the two options vxnet knows take 92 */
#define VX_LABEL_KEY_MAX 128
/* The network options vxnet understands (`network create --opt`), as
 * Docker's overlay driver names them; any other is refused.
 */
#define VX_OPT_MTU "com.docker.network.driver.mtu"
#define VX_OPT_VNI "com.docker.network.driver.overlay.vxlanid_list"
/* A network's ID: 64 lowercase hex digits, random, as Docker's. */
#define VX_ID_LEN 64
/* Its creation time, RFC 3339 in UTC: "2026-11-30T03:10:00.123456789Z". */
#define VX_CREATED_MAX 40

struct vx_network {
	char name[VX_NAME_MAX];
	uint32_t vni;
	uint32_t mtu; /* 0: underlay MTU - 50, decided on the host */
	int no_egress; /* `network create --no-egress`/`--internal`: nothing
			* leaves the overlay (0: containers reach outside,
			* translated) */
	int nsubnets;
	struct vx_subnet subnets[VX_MAX_SUBNETS];
	/* Empty in networks made before vxnet recorded them. */
	char id[VX_ID_LEN + 1];
	char created[VX_CREATED_MAX];
	uint16_t labels_len, options_len;
	char labels[VX_LABELS_BYTES];   /* `--label K=V` */
	char options[VX_OPTIONS_BYTES]; /* `--opt K=V` */
};

/* Labels and options (labels.c). buf/len: a network's labels or options,
 * cap the size of its buffer.
 *
 * lbl_next: the entry after e ("KEY=VALUE"), the first when e is NULL;
 * NULL after the last. lbl_get: the value of key, or NULL. lbl_set puts
 * key=value in place of key's entry, or appends it: 0 or -ENOSPC (no room
 * left). lbl_del: 0 or -ENOENT. lbl_key_len: the length of entry e's key.
 * lbl_check_key/lbl_check_value: NULL when fine, else why not ("is
 * empty", "holds a control character", ...).
 */
const char *lbl_next(const char *buf, uint16_t len, const char *e);
const char *lbl_get(const char *buf, uint16_t len, const char *key);
int lbl_set(char *buf, size_t cap, uint16_t *len, const char *key, const char *value);
int lbl_del(char *buf, uint16_t *len, const char *key);
size_t lbl_key_len(const char *e);
const char *lbl_check_key(const char *key, size_t len);
const char *lbl_check_value(const char *value);
/* A new network's ID and creation time (now), into n; 0 or a negative
 * errno (no randomness).
 */
int network_stamp(struct vx_network *n);

/* One published port: host_port on every node's underlay address reaches
 * port of the endpoint. Endpoints publishing the same host_port and proto
 * form a service (same network, same port: state_validate).
 */
struct vx_publish {
	uint8_t proto;      /* IPPROTO_TCP or IPPROTO_UDP */
	uint16_t host_port; /* host order */
	uint16_t port;      /* the container's, host order */
};

struct vx_endpoint {
	char name[VX_NAME_MAX];
	char network[VX_NAME_MAX];
	char node[VX_NAME_MAX];
	uint32_t ip; /* network order */
	uint8_t mac[6];
	/* set by `vxnet attach` only (empty for `endpoint add`): */
	char netns[256];
	char ifname[IFNAMSIZ];      /* inside the container, e.g. eth0 */
	char host_ifname[IFNAMSIZ]; /* host side of the veth */
	/* set by vxnet-cni only: the runtime's container ID (CNI_CONTAINERID) */
	char container_id[VX_CONTAINER_ID_MAX];
	int npublish;
	struct vx_publish publish[VX_MAX_PUBLISH];
};

/* A record's kind, where a function takes any of the three (const void *). */
enum vx_rec_kind { VX_REC_NODE, VX_REC_NETWORK, VX_REC_ENDPOINT };

/* The state: three arrays of records, in the order they were added. */
struct vx_state {
	struct vx_node *nodes;
	size_t nnodes, cap_nodes;
	struct vx_network *networks;
	size_t nnetworks, cap_networks;
	struct vx_endpoint *endpoints;
	size_t nendpoints, cap_endpoints;
};

void state_init(struct vx_state *st);
void state_free(struct vx_state *st);

/* Lookups, linear: the first record that matches, or NULL. */
struct vx_node *state_find_node(const struct vx_state *st, const char *name);
struct vx_network *state_find_network(const struct vx_state *st, const char *name);
struct vx_network *state_find_network_vni(const struct vx_state *st, uint32_t vni);
struct vx_endpoint *state_find_endpoint(const struct vx_state *st, const char *name);
struct vx_endpoint *state_find_endpoint_ip(const struct vx_state *st, const char *network, uint32_t ip);
size_t state_count_endpoints(const struct vx_state *st, const char *network,
			     const char *node); /* NULL: any */

/* Name lookups in O(1) for passes over every endpoint (validation, sync).
 * Each returns what the state_find_* above return (the first of equal
 * names). Valid until the state's nodes or networks change.
 */
struct vx_state_index;
struct vx_state_index *state_index_new(const struct vx_state *st); /* NULL: ENOMEM */
void state_index_free(struct vx_state_index *ix);
const struct vx_node *state_index_node(struct vx_state_index *ix, const char *name);
const struct vx_network *state_index_network(struct vx_state_index *ix, const char *name);

/* Changes. The state_add_* append copies and return the stored record, or
 * NULL on ENOMEM; the state_del_* remove a record the state holds.
 */
struct vx_node *state_add_node(struct vx_state *st, const struct vx_node *n);
struct vx_network *state_add_network(struct vx_state *st, const struct vx_network *n);
struct vx_endpoint *state_add_endpoint(struct vx_state *st, const struct vx_endpoint *e);
void state_del_node(struct vx_state *st, struct vx_node *n);
void state_del_network(struct vx_state *st, struct vx_network *n);
void state_del_endpoint(struct vx_state *st, struct vx_endpoint *e);
/* Puts record rec (a struct vx_node, vx_network or vx_endpoint) of that kind
 * in place of the record called name, or appends it; rec NULL removes it.
 * 0 or -ENOMEM.
 */
int state_apply(struct vx_state *st, enum vx_rec_kind kind, const char *name, const void *rec);

/* Published ports. parse_publish reads VX_PUBLISH_SYNTAX (HOSTPORT
 * defaults to PORT, the protocol to tcp): 0, -EINVAL when malformed,
 * -ERANGE for a port outside 1..65535. format_publish writes
 * "HOSTPORT:PORT/PROTO". publish_proto: "tcp", "udp" or "?".
 */
int parse_publish(const char *s, struct vx_publish *p);
void format_publish(const struct vx_publish *p, char buf[24]);
const char *publish_proto(uint8_t proto);
/* The IPPROTO_ number of "tcp" or "udp", else -1. */
int publish_proto_of(const char *name);

/* Validation. valid_name: whether s matches VX_NAME_RULE (1 or 0).
 * state_validate checks names, addresses, VNIs, MTUs, subnets, references
 * and uniqueness; it prints one pr_err line for the first problem, prefixed
 * by source when not NULL, and returns -EINVAL.
 */
int valid_name(const char *s);
/* Whether s is empty or matches VX_CONTAINER_ID_RULE and fits (1 or 0). */
int valid_container_id(const char *s);
int state_validate(const struct vx_state *st, const char *source);
/* The same rules one record at a time, for a store whose records arrive
 * one by one (etcd's list and watch), where a bad record is left out
 * rather than failing everything.
 *
 * state_validate_record: the record of that kind called name in st, on its
 * own and against the rest of st (a network also against the addresses of
 * its endpoints). 0, also when st holds no such record, or one line
 * prefixed by source and -EINVAL.
 *
 * state_drop_invalid: takes out of st every record state_validate would
 * refuse, one line each, prefixed by the source src writes for it into
 * buf: of two records that clash (name, node address, VNI, address or MAC
 * in a network) the later one goes, and so do the endpoints whose node or
 * network went. The number taken out, or -ENOMEM.
 */
int state_validate_record(const struct vx_state *st, enum vx_rec_kind kind, const char *name,
			  const char *source);
typedef void (*vx_rec_source_fn)(void *arg, enum vx_rec_kind kind, const char *name,
				 char *buf, size_t size);
long state_drop_invalid(struct vx_state *st, vx_rec_source_fn src, void *arg);

/* Allocation. ipam_alloc: first free host address of the network's subnets
 * (not network, broadcast, gateway, nor taken by an endpoint). vni_alloc:
 * lowest free VNI >= VX_VNI_MIN_AUTO. Both 0 or -ENOSPC when none is free.
 */
int ipam_alloc(const struct vx_state *st, const struct vx_network *n, uint32_t *ip);
int vni_alloc(const struct vx_state *st, uint32_t *vni);

/* JSON <-> model (schema in state_json.c). Reading checks the shape and the
 * syntax of each value, not its meaning (state_validate), and reports
 * malformed input as one pr_err line naming the source (file name) and, for
 * syntax errors, line and column.
 */
int state_from_json_text(struct vx_state *st, const char *text, const char *source);
/* A missing file: -ENOENT, nothing printed and st empty (the caller
 * decides: reads refuse it, the file store's update starts from nothing).
 */
int state_from_json_file(struct vx_state *st, const char *path);
char *state_to_json_text(const struct vx_state *st); /* malloc'd, caller frees */
/* One record (an element of the file's "nodes", "networks" or "endpoints"):
 * the values of the etcd store. from_json appends the record to st.
 */
int state_record_from_json(struct vx_state *st, enum vx_rec_kind kind, const char *text,
			   size_t len, const char *source);
char *state_record_to_json(enum vx_rec_kind kind, const void *rec); /* compact, malloc'd */
/* `network inspect`: a JSON array of one object in the shape of `docker
 * network inspect` (Name, Id, Created, Scope "global", Driver "vxnet",
 * EnableIPv6, IPAM, Internal, Attachable, Ingress, ConfigFrom, ConfigOnly,
 * Containers: the network's endpoints by name, Options, Labels, Peers: the
 * nodes of its endpoints) and vxnet's VNI and MTU (null: auto); malloc'd,
 * NULL on ENOMEM.
 */
char *state_network_inspect(const struct vx_state *st, const struct vx_network *n);
/* Labels or options (state.h) as a JSON object (jansson's json_t *), or
 * NULL on ENOMEM.
 */
struct json_t;
struct json_t *state_labels_to_json(const char *buf, uint16_t len);

#endif
