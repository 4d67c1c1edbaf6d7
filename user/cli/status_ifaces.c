// SPDX-License-Identifier: GPL-2.0-only
/* `vxnet status`'s container interfaces: the rows of vx_if_audit as a
 * table and a summary line, or as JSON (field names in README).
 */
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>

#include "cli.h"
#include "datapath.h"
#include "status.h"

/* The words of r's problems joined by ",", or "ok". */
static void problems_str(const struct vx_if_row *r, char *buf, size_t len)
{
	size_t off = 0;

	*buf = 0;
	for (int p = 0; p < VX_IF__MAX; p++)
		if (r->problems & (1u << p))
			off += snprintf(buf + off, off < len ? len - off : 0, "%s%s", off ? "," : "",
					vx_if_problem_names[p]);
	if (!off)
		snprintf(buf, len, "ok");
}

/* One filter as the table shows it: vxnet:ID, NAME:ID, bpf (classic) or its kind. */
static int filter_str(const struct vx_if_audit *a, const struct nl_tc_filter *f, char *buf, size_t len)
{
	if (strcmp(f->kind, "bpf"))
		return snprintf(buf, len, "%s", f->kind);
	if (!f->prog_id)
		return snprintf(buf, len, "bpf-classic");
	if (f->prog_id == a->prog_id)
		return snprintf(buf, len, "vxnet:%u", f->prog_id);
	return snprintf(buf, len, "%s:%u", f->prog_name[0] ? f->prog_name : "bpf", f->prog_id);
}

static void filters_str(const struct vx_if_audit *a, const struct vx_if_row *r, char *buf, size_t len)
{
	size_t off = 0;
	int shown = r->nfilters < VX_IF_MAX_FILTERS ? r->nfilters : VX_IF_MAX_FILTERS;

	snprintf(buf, len, "-");
	for (int i = 0; i < shown && off < len; i++) {
		if (off)
			off += snprintf(buf + off, len - off, ",");
		if (off < len)
			off += filter_str(a, &r->filters[i], buf + off, len - off);
	}
	if (r->nfilters > shown && off < len)
		snprintf(buf + off, len - off, ",...");
}

static const char *link_str(const struct vx_if_row *r)
{
	return r->link_up < 0 ? "missing" : r->link_up ? "up" : "down";
}

int status_ifaces_print(const struct vx_if_audit *a)
{
	struct cli_table t;
	int err;

	err = cli_table_init(&t, 9, "HOST_IF", "ENDPOINT", "NETWORK", "NETNS", "IF", "LINK",
			     "TC_INGRESS", "MAP", "STATUS");
	for (size_t i = 0; !err && i < a->n; i++) {
		const struct vx_if_row *r = &a->rows[i];
		const struct vx_endpoint *e = r->ep;
		char host[32], filters[256], problems[256];

		if (r->host_ifname[0])
			snprintf(host, sizeof(host), "%s", r->host_ifname);
		else
			snprintf(host, sizeof(host), "ifindex %u", r->ifindex);
		filters_str(a, r, filters, sizeof(filters));
		problems_str(r, problems, sizeof(problems));
		err = cli_table_row(&t, host, e ? e->name : "-", e ? e->network : "-",
				    e && e->netns[0] ? e->netns : "-", e && e->ifname[0] ? e->ifname : "-",
				    link_str(r), filters, r->in_map ? "yes" : "no", problems);
	}
	if (!err) {
		printf("container interfaces (state, ifaces map, kernel):\n");
		if (a->n)
			cli_table_print(&t, stdout);
		printf("summary: %zu container interface%s, %s", a->n, a->n == 1 ? "" : "s",
		       a->nbad ? "" : "no mismatch");
		if (a->nbad)
			printf("%zu with a mismatch", a->nbad);
		printf("%s\n", a->have_state ? "" : " (state unreadable: endpoints unknown)");
	}
	cli_table_free(&t);
	return err;
}

static json_t *filter_json(const struct nl_tc_filter *f, const struct vx_if_audit *a)
{
	return json_pack("{s:i,s:i,s:s,s:o,s:o,s:b}", "pref", (int)f->prio, "handle", (int)f->handle,
			 "kind", f->kind,
			 "prog_id", f->prog_id ? json_integer(f->prog_id) : json_null(),
			 "prog_name", f->prog_name[0] ? json_string(f->prog_name) : json_null(),
			 "vxnet", a->prog_id && f->prog_id == a->prog_id);
}

static json_t *row_json(const struct vx_if_audit *a, const struct vx_if_row *r)
{
	const struct vx_endpoint *e = r->ep;
	json_t *filters = json_array(), *problems = json_array();
	char ip[INET_ADDRSTRLEN];
	int shown = r->nfilters < VX_IF_MAX_FILTERS ? r->nfilters : VX_IF_MAX_FILTERS;

	for (int i = 0; filters && i < shown; i++)
		json_array_append_new(filters, filter_json(&r->filters[i], a));
	for (int p = 0; problems && p < VX_IF__MAX; p++)
		if (r->problems & (1u << p))
			json_array_append_new(problems, json_string(vx_if_problem_names[p]));
	if (e)
		inet_ntop(AF_INET, &e->ip, ip, sizeof(ip));
#define STR_OR_NULL(c, s) ((c) ? json_string(s) : json_null())
	return json_pack("{s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:b,s:s,s:o}",
		"host_ifname", STR_OR_NULL(r->host_ifname[0], r->host_ifname),
		"ifindex", r->ifindex ? json_integer(r->ifindex) : json_null(),
		"endpoint", STR_OR_NULL(e, e->name),
		"network", STR_OR_NULL(e, e->network),
		"netns", STR_OR_NULL(e && e->netns[0], e->netns),
		"ifname", STR_OR_NULL(e && e->ifname[0], e->ifname),
		"ip", STR_OR_NULL(e, ip),
		"link", STR_OR_NULL(r->link_up >= 0, r->link_up ? "up" : "down"),
		"tc_ingress", filters ? filters : json_null(),
		"in_map", r->in_map,
		"status", r->problems ? "mismatch" : "ok",
		"problems", problems ? problems : json_null());
#undef STR_OR_NULL
}

json_t *status_ifaces_json(const struct vx_if_audit *a)
{
	json_t *rows = json_array();

	for (size_t i = 0; rows && i < a->n; i++)
		json_array_append_new(rows, row_json(a, &a->rows[i]));
	return rows;
}
