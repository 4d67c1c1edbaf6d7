// SPDX-License-Identifier: GPL-2.0-only
/* Bringing this host's datapath up and down (datapath.h): load, pin and
 * attach, or take it all away. A second up reuses the pinned maps and swaps
 * the programs atomically, so established connections keep flowing.
 */
#include <errno.h>
#include <linux/if_link.h>
#include <sys/socket.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "datapath.h"
#include "log.h"
#include "maps.h"
#include "netlink.h"
#include "proc.h"
#include "sync.h"
#include "vxnet.skel.h"

static int pin_path(char *buf, size_t len, const char *dir, const char *name)
{
	return snprintf(buf, len, "%s/%s", dir, name) >= (int)len ? -ENAMETOOLONG : 0;
}

static int pin_programs(struct bpf_object *obj, const char *dir)
{
	char path[512];
	int err = 0;

	for (int i = 0; i < DP_PROG_COUNT && !err; i++) {
		struct bpf_program *p = bpf_object__find_program_by_name(obj, dp_progs[i].name);

		err = p ? pin_path(path, sizeof(path), dir, dp_progs[i].pin) : -ENOENT;
		if (!err && unlink(path) && errno != ENOENT)
			err = -errno;
		err = err ?: bpf_program__pin(p, path);
	}
	return err;
}

/* Every veth of a local endpoint gets the new from-container program. */
static int reattach_endpoints(const char *dir, int prog_fd)
{
	__u32 key, *prev = NULL;
	int fd, err = 0;

	fd = dp_open_pin(dir, VXNET_PIN_IFACES);
	if (fd < 0)
		return fd;
	while (!bpf_map_get_next_key(fd, prev, &key)) {
		prev = &key;
		if (dp_tc_attach(key, prog_fd)) {
			pr_warn("re-attach to ifindex %u failed", key);
			err = -EIO;
		}
	}
	close(fd);
	return err;
}

static int attach_decap(const struct dp_up_opts *a, int ifindex, struct vxnet_bpf *skel)
{
	int err;

	if (a->decap == VXNET_DECAP_XDP) {
		err = bpf_xdp_attach(ifindex, bpf_program__fd(skel->progs.vxnet_xdp_decap),
				     XDP_FLAGS_DRV_MODE, NULL);
		if (err) {
			pr_err("up: attach XDP to %s: %s (try --decap tc)", a->dev, strerror(-err));
			return err;
		}
		dp_tc_detach(ifindex);
		return 0;
	}
	err = dp_tc_attach(ifindex, bpf_program__fd(skel->progs.vxnet_tc_decap));
	if (err) {
		pr_err("up: attach TC to %s: %s", a->dev, strerror(-err));
		return err;
	}
	bpf_xdp_detach(ifindex, 0, NULL);
	return 0;
}

static void gro_dev_remove(void)
{
	nl_link_delete(VXNET_GRO_DEV); /* -ENODEV when there is none */
}

/* With tc decap, the underlay's GRO (any NIC's, a veth's with gro on) can
 * aggregate VXLAN only for a UDP port with a tunnel socket: VXNET_GRO_DEV
 * provides one. vxnet_tc_decap then decapsulates each aggregate once. The
 * device itself must never deliver: vxnet_gro_sink drops what reaches it.
 * Without the device tc decap still works, one segment at a time.
 */
static void gro_dev_setup(const struct dp_up_opts *a, struct vxnet_bpf *skel)
{
	const char *step = "create";
	int ifindex, err;

	gro_dev_remove();
	err = nl_vxlan_external_create(VXNET_GRO_DEV, a->port);
	if (!err) {
		step = "attach vxnet_gro_sink to";
		ifindex = if_nametoindex(VXNET_GRO_DEV);
		err = ifindex ? dp_tc_attach(ifindex, bpf_program__fd(skel->progs.vxnet_gro_sink))
			      : -ENODEV;
	}
	if (!err) {
		step = "bring up";
		err = nl_link_set_up(VXNET_GRO_DEV);
	}
	if (!err)
		return;
	pr_warn("up: no GRO for VXLAN on %s (cannot %s %s: %s%s); decap runs per segment",
		a->dev, step, VXNET_GRO_DEV, strerror(-err),
		err == -EADDRINUSE ? ", another VXLAN device has the port" : "");
	gro_dev_remove();
}

/* Opens and loads the programs for this host, maps pinned in dir (reused
 * when already pinned), writes the host record and pins the programs.
 */
static int load(const struct dp_up_opts *a, const struct vxnet_host *host,
		struct vxnet_bpf **out)
{
	struct vxnet_bpf *skel;
	char path[512];
	__u32 zero = 0;
	int err;

	*out = skel = vxnet_bpf__open();
	if (!skel) {
		err = -errno;
		pr_err("up: open BPF object: %s", strerror(-err));
		return err;
	}
	skel->rodata->cfg_port = host->port;
	skel->rodata->cfg_local_addr = host->addr;
	skel->rodata->cfg_underlay_ifindex = host->ifindex;
	for (int i = 0; i < DP_MAP_COUNT; i++) {
		struct bpf_map *m = bpf_object__find_map_by_name(skel->obj, dp_maps[i].name);

		err = m ? pin_path(path, sizeof(path), a->dir, dp_maps[i].name) : -ENOENT;
		err = err ?: bpf_map__set_pin_path(m, path);
		if (err) {
			pr_err("up: map %s: %s", dp_maps[i].name, strerror(-err));
			return err;
		}
	}
	err = vxnet_bpf__load(skel); /* reuses pinned maps, pins new ones */
	if (err) {
		pr_err("up: load BPF programs: %s (run with -v for the verifier log)", strerror(-err));
		return err;
	}
	if (bpf_map_update_elem(bpf_map__fd(skel->maps.host), &zero, host, BPF_ANY)) {
		err = -errno;
		pr_err("up: write host record: %s", strerror(-err));
		return err;
	}
	err = pin_programs(skel->obj, a->dir);
	if (err)
		pr_err("up: pin programs in %s: %s", a->dir, strerror(-err));
	return err;
}

/* Forwarding on the underlay, decap on it, from-container on the veths. */
static int attach_hooks(const struct dp_up_opts *a, int ifindex, struct vxnet_bpf *skel)
{
	char path[512];
	int err;

	/* bpf_fib_lookup answers FWD_DISABLED unless the underlay forwards. */
	snprintf(path, sizeof(path), "/proc/sys/net/ipv4/conf/%s/forwarding", a->dev);
	err = proc_write(path, "1");
	if (err) {
		pr_err("up: enable forwarding on %s: %s", a->dev, strerror(-err));
		return err;
	}
	err = attach_decap(a, ifindex, skel);
	if (err)
		return err;
	if (a->decap == VXNET_DECAP_TC)
		gro_dev_setup(a, skel);
	else
		gro_dev_remove();
	err = reattach_endpoints(a->dir, bpf_program__fd(skel->progs.vxnet_from_container));
	if (err)
		pr_err("up: re-attach container interfaces: %s", strerror(-err));
	return err;
}

int dp_up(const struct dp_up_opts *a, const struct vx_state *st, struct kv_result *res)
{
	struct vxnet_bpf *skel = NULL;
	struct vxnet_host host = { .port = a->port, .decap = a->decap };
	const struct vx_node *node;
	int err;

	/* Everything is checked before anything is loaded or pinned. */
	node = state_find_node(st, a->node);
	if (!node) {
		pr_err("up: unknown node %s; add it with vxnet node add %s ADDRESS", a->node, a->node);
		return -ENOENT;
	}
	host.ifindex = if_nametoindex(a->dev);
	if (!host.ifindex) {
		pr_err("up: unknown interface %s", a->dev);
		return -ENODEV;
	}
	host.addr = node->addr;
	snprintf(host.node, sizeof(host.node), "%s", a->node);
	err = dp_prepare_pin_dir(a->dir) ?: load(a, &host, &skel) ?:
	      attach_hooks(a, host.ifindex, skel) ?: dp_sync(st, a->dir, res);
	vxnet_bpf__destroy(skel);
	return err;
}

int dp_down(const char *dir, struct vxnet_host *host)
{
	char path[512];
	__u32 key, *prev = NULL;
	int fd, err;

	err = dp_read_host(dir, host);
	if (err)
		return err;
	bpf_xdp_detach(host->ifindex, 0, NULL);
	dp_tc_detach(host->ifindex);
	gro_dev_remove();
	fd = dp_open_pin(dir, VXNET_PIN_IFACES);
	if (fd >= 0) {
		while (!bpf_map_get_next_key(fd, prev, &key)) {
			prev = &key;
			dp_tc_detach(key);
		}
		close(fd);
	}
	for (int i = 0; i < DP_PROG_COUNT; i++)
		if (!pin_path(path, sizeof(path), dir, dp_progs[i].pin))
			unlink(path);
	for (int i = 0; i < DP_MAP_COUNT; i++)
		if (!pin_path(path, sizeof(path), dir, dp_maps[i].name))
			unlink(path);
	if (rmdir(dir) && errno != ENOENT) {
		err = -errno;
		pr_err("down: remove %s: %s", dir, strerror(errno));
	}
	return err;
}
