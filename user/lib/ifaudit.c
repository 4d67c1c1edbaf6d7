// SPDX-License-Identifier: GPL-2.0-only
/* The container interfaces, state against map against kernel (ifaudit.h).
 * Rows come first from the state (this node's endpoints with a host veth,
 * in state order), then from the ifaces map (entries no endpoint
 * explains), then from the kernel (vx + 8 hex digits links no one
 * explains: vxnet names every host veth so).
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>

#include "datapath.h"
#include "ifaudit.h"

const char *const vx_if_problem_names[VX_IF__MAX] = {
	[VX_IF_VETH_MISSING] = "veth-missing",
	[VX_IF_LINK_DOWN] = "link-down",
	[VX_IF_PROGRAM_MISSING] = "program-missing",
	[VX_IF_FOREIGN_PROGRAM] = "foreign-program",
	[VX_IF_OLD_PROGRAM] = "old-program",
	[VX_IF_MAP_MISSING] = "map-entry-missing",
	[VX_IF_MAP_DIFFERS] = "map-entry-differs",
	[VX_IF_ENDPOINT_MISSING] = "endpoint-missing",
};

static struct vx_if_row *add_row(struct vx_if_audit *a, const char *name, unsigned int ifindex)
{
	struct vx_if_row *rows = realloc(a->rows, (a->n + 1) * sizeof(*rows)), *r;

	if (!rows)
		return NULL;
	a->rows = rows;
	r = &rows[a->n++];
	memset(r, 0, sizeof(*r));
	snprintf(r->host_ifname, sizeof(r->host_ifname), "%s", name);
	r->ifindex = ifindex;
	r->vxnet_filter = -1;
	return r;
}

static struct vx_if_row *row_of_ifindex(struct vx_if_audit *a, unsigned int ifindex)
{
	for (size_t i = 0; ifindex && i < a->n; i++)
		if (a->rows[i].ifindex == ifindex)
			return &a->rows[i];
	return NULL;
}

/* vx and 8 lowercase hex digits: a host veth as vxnet names them. */
static int vx_veth_name(const char *s)
{
	if (strncmp(s, "vx", 2) || strlen(s) != 10)
		return 0;
	for (s += 2; *s; s++)
		if (!isxdigit((unsigned char)*s) || isupper((unsigned char)*s))
			return 0;
	return 1;
}

static void pinned_prog(const char *pin_dir, struct vx_if_audit *a)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);
	int fd = dp_open_pin(pin_dir, VXNET_PIN_PROG_FROM_CONTAINER);

	if (fd < 0)
		return;
	if (!bpf_obj_get_info_by_fd(fd, &info, &len)) {
		a->prog_id = info.id;
		snprintf(a->prog_name, sizeof(a->prog_name), "%s", info.name);
	}
	close(fd);
}

/* The name of program id as the kernel has it ("" when gone). */
static void prog_name_of(__u32 id, char *buf, size_t len)
{
	struct bpf_prog_info info = {};
	__u32 ilen = sizeof(info);
	int fd = id ? bpf_prog_get_fd_by_id(id) : -1;

	*buf = 0;
	if (fd < 0)
		return;
	if (!bpf_obj_get_info_by_fd(fd, &info, &ilen))
		snprintf(buf, len, "%s", info.name);
	close(fd);
}

/* The kernel's view of row r: link state and ingress filters. */
static void judge_kernel(const struct vx_if_audit *a, struct vx_if_row *r)
{
	int n, foreign = 0;

	r->link_up = r->ifindex ? nl_link_is_up(r->ifindex) : -1;
	if (r->link_up < 0) {
		r->link_up = -1;
		r->problems |= 1u << VX_IF_VETH_MISSING;
		return;
	}
	if (!r->link_up)
		r->problems |= 1u << VX_IF_LINK_DOWN;
	n = nl_tc_filters(r->ifindex, 1, r->filters, VX_IF_MAX_FILTERS);
	r->nfilters = n < 0 ? 0 : n;
	for (int i = 0; i < r->nfilters && i < VX_IF_MAX_FILTERS; i++) {
		struct nl_tc_filter *f = &r->filters[i];
		char name[sizeof(a->prog_name)];

		if (f->prio == VX_TC_PRIO && f->handle == VX_TC_HANDLE && !strcmp(f->kind, "bpf")) {
			r->vxnet_filter = i;
			if (a->prog_id && f->prog_id == a->prog_id)
				continue;
			prog_name_of(f->prog_id, name, sizeof(name));
			if (a->prog_name[0] && !strcmp(name, a->prog_name))
				r->problems |= 1u << VX_IF_OLD_PROGRAM;
			else
				foreign = 1;
		} else {
			foreign = 1;
		}
	}
	if (r->nfilters > VX_IF_MAX_FILTERS)
		foreign = 1; /* more than vxnet's one, whatever the rest are */
	if (r->vxnet_filter < 0)
		r->problems |= 1u << VX_IF_PROGRAM_MISSING;
	if (foreign)
		r->problems |= 1u << VX_IF_FOREIGN_PROGRAM;
}

static int from_state(struct vx_if_audit *a, const char *node, const struct vx_state *st)
{
	for (size_t i = 0; st && i < st->nendpoints; i++) {
		const struct vx_endpoint *e = &st->endpoints[i];
		struct vx_if_row *r;

		if (strcmp(e->node, node) || !e->host_ifname[0])
			continue;
		r = add_row(a, e->host_ifname, if_nametoindex(e->host_ifname));
		if (!r)
			return -ENOMEM;
		r->ep = e;
	}
	return 0;
}

static int from_map(struct vx_if_audit *a, const char *pin_dir)
{
	int fd = dp_open_pin(pin_dir, VXNET_PIN_IFACES), err = 0;
	__u32 key, *prev = NULL;

	while (fd >= 0 && !bpf_map_get_next_key(fd, prev, &key)) {
		char name[IF_NAMESIZE] = "";
		struct vx_if_row *r;

		prev = &key;
		r = row_of_ifindex(a, key);
		if (!r) {
			r = add_row(a, if_indextoname(key, name) ? name : "", key);
			if (!r) {
				err = -ENOMEM;
				break;
			}
		}
		if (!bpf_map_lookup_elem(fd, &key, &r->map))
			r->in_map = 1;
	}
	if (fd >= 0)
		close(fd);
	return err;
}

static int from_kernel(struct vx_if_audit *a)
{
	struct if_nameindex *ifs = if_nameindex(), *i;
	int err = 0;

	for (i = ifs; i && i->if_index; i++) {
		int seen = 0;

		if (!vx_veth_name(i->if_name) || row_of_ifindex(a, i->if_index))
			continue;
		for (size_t k = 0; k < a->n; k++)
			seen |= !strcmp(a->rows[k].host_ifname, i->if_name);
		if (!seen && !add_row(a, i->if_name, i->if_index)) {
			err = -ENOMEM;
			break;
		}
	}
	if (ifs)
		if_freenameindex(ifs);
	return err;
}

int vx_if_audit(const char *pin_dir, const char *node, const struct vx_state *st,
		struct vx_if_audit *a)
{
	int err;

	memset(a, 0, sizeof(*a));
	a->have_state = !!st;
	pinned_prog(pin_dir, a);
	err = from_state(a, node, st) ?: from_map(a, pin_dir) ?: from_kernel(a);
	if (err)
		return err;
	for (size_t i = 0; i < a->n; i++) {
		struct vx_if_row *r = &a->rows[i];

		judge_kernel(a, r);
		if (r->ep && r->ifindex && !r->in_map)
			r->problems |= 1u << VX_IF_MAP_MISSING;
		if (r->ep && r->in_map &&
		    (r->map.ip.be32 != r->ep->ip || memcmp(r->map.mac, r->ep->mac, 6)))
			r->problems |= 1u << VX_IF_MAP_DIFFERS;
		if (!r->ep && a->have_state)
			r->problems |= 1u << VX_IF_ENDPOINT_MISSING;
		a->nbad += !!r->problems;
	}
	return 0;
}

void vx_if_audit_free(struct vx_if_audit *a)
{
	free(a->rows);
	a->rows = NULL;
	a->n = 0;
}
