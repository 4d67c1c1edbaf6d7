/* SPDX-License-Identifier: GPL-2.0-only */
/* The cluster state: nodes, networks, endpoints. One in-memory model, loaded
 * from and saved to a store (store.h); validated as a whole before any write.
 * Addresses are kept in network byte order (struct in_addr style __be32).
 */
#ifndef VXNET_STATE_H
#define VXNET_STATE_H

#include <stdint.h>
#include <stddef.h>
#include <net/if.h>

#define VX_NAME_MAX 64
#define VX_MAX_SUBNETS 16
#define VX_VNI_MIN_AUTO 4096
#define VX_VNI_MAX 16777215u

struct vx_node {
	char name[VX_NAME_MAX];
	uint32_t addr; /* underlay IPv4, network order */
};

struct vx_subnet {
	uint32_t addr;    /* network address, network order */
	uint8_t prefix;   /* 0..32 */
	uint32_t gateway; /* network order */
};

struct vx_network {
	char name[VX_NAME_MAX];
	uint32_t vni;
	uint32_t mtu; /* 0: underlay MTU - 50, decided on the host */
	int nsubnets;
	struct vx_subnet subnets[VX_MAX_SUBNETS];
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
};

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

/* JSON <-> model. state_from_json reports malformed input as one pr_err line
 * naming the source (file name) and, for syntax errors, line and column.
 */
int state_from_json_text(struct vx_state *st, const char *text, const char *source);
int state_from_json_file(struct vx_state *st, const char *path); /* missing file: empty state */
char *state_to_json_text(const struct vx_state *st); /* malloc'd, caller frees */

/* Whole-state validation: names, addresses, VNIs, subnets, references,
 * uniqueness. Prints one pr_err line for the first problem and returns -EINVAL.
 */
int state_validate(const struct vx_state *st, const char *source);

struct vx_node *state_find_node(const struct vx_state *st, const char *name);
struct vx_network *state_find_network(const struct vx_state *st, const char *name);
struct vx_network *state_find_network_vni(const struct vx_state *st, uint32_t vni);
struct vx_endpoint *state_find_endpoint(const struct vx_state *st, const char *name);
struct vx_endpoint *state_find_endpoint_ip(const struct vx_state *st, const char *network, uint32_t ip);

/* Name lookups in O(1) for passes over every endpoint (validation, sync).
 * Each returns what the state_find_* above return (the first of equal
 * names). Valid until the state's nodes or networks change.
 */
struct vx_state_index;
struct vx_state_index *state_index_new(const struct vx_state *st); /* NULL: ENOMEM */
void state_index_free(struct vx_state_index *ix);
const struct vx_node *state_index_node(struct vx_state_index *ix, const char *name);
const struct vx_network *state_index_network(struct vx_state_index *ix, const char *name);

/* Append copies; return the stored element or NULL on ENOMEM. */
struct vx_node *state_add_node(struct vx_state *st, const struct vx_node *n);
struct vx_network *state_add_network(struct vx_state *st, const struct vx_network *n);
struct vx_endpoint *state_add_endpoint(struct vx_state *st, const struct vx_endpoint *e);
void state_del_node(struct vx_state *st, struct vx_node *n);
void state_del_network(struct vx_state *st, struct vx_network *n);
void state_del_endpoint(struct vx_state *st, struct vx_endpoint *e);

/* Helpers shared by commands. */
int parse_ipv4(const char *s, uint32_t *addr);                 /* 0 or -EINVAL */
int parse_cidr(const char *s, uint32_t *addr, uint8_t *prefix); /* rejects host bits */
int parse_mac(const char *s, uint8_t mac[6]);
void format_mac(const uint8_t mac[6], char buf[18]);
void default_mac(uint32_t ip, uint8_t mac[6]); /* 02:42:a.b.c.d */
const struct vx_subnet *network_subnet_of(const struct vx_network *n, uint32_t ip);
/* The rule every node, network and endpoint name follows. */
#define VX_NAME_RULE "[A-Za-z0-9][A-Za-z0-9_.-]{0,62}"
int valid_name(const char *s); /* matches VX_NAME_RULE */

/* IPAM: first free host address of the network's subnets (not network,
 * broadcast, gateway, nor taken by an endpoint). -ENOSPC when full.
 */
int ipam_alloc(const struct vx_state *st, const struct vx_network *n, uint32_t *ip);
/* VNI allocation: lowest free VNI >= 4096. */
int vni_alloc(const struct vx_state *st, uint32_t *vni);

/* Extensions (state.c, ipam.c, state_json.c). */
#define VX_MTU_MIN 68
#define VX_MTU_MAX 65485
/* parse_cidr returns -EINVAL when malformed and -EDOM when host bits are set;
 * on -EDOM *addr and *prefix hold the masked network, for "did you mean".
 */
uint32_t prefix_mask(uint8_t prefix); /* network order */
void format_ipv4(uint32_t addr, char buf[16]);
void format_cidr(uint32_t addr, uint8_t prefix, char buf[20]);
uint32_t subnet_broadcast(const struct vx_subnet *s); /* network order */
size_t state_count_endpoints(const struct vx_state *st, const char *network,
			     const char *node); /* NULL: any */
/* One record (an element of the file's "nodes", "networks" or "endpoints"):
 * the values of the etcd store. from_json appends the record to st.
 */
enum vx_rec_kind { VX_REC_NODE, VX_REC_NETWORK, VX_REC_ENDPOINT };
int state_record_from_json(struct vx_state *st, enum vx_rec_kind kind, const char *text,
			   size_t len, const char *source);
char *state_record_to_json(enum vx_rec_kind kind, const void *rec); /* compact, malloc'd */
/* Puts record rec (a struct vx_node, vx_network or vx_endpoint) of that kind
 * in place of the record called name, or appends it; rec NULL removes it.
 * 0 or -ENOMEM.
 */
int state_apply(struct vx_state *st, enum vx_rec_kind kind, const char *name, const void *rec);
/* `network inspect`: the network's fields plus "endpoints": [...]. */
char *state_network_to_json_text(const struct vx_state *st, const struct vx_network *n);

#endif
