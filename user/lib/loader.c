// SPDX-License-Identifier: GPL-2.0-only
/* Bringing this host's datapath up and down (datapath.h): load, pin and
 * attach, or take it all away. A second up reuses the pinned maps and swaps
 * the programs atomically, so established connections keep flowing.
 *
 * An up runs as a transaction until it writes the host record (struct
 * up_txn notes what it found and what it changed): if loading, forwarding,
 * the reserved ports, the hooks or the pinning fails, it is all put back
 * and the previous datapath, if any, runs on as it was. After the commit the previous up's
 * device loses vxnet's hooks, the maps are synced and the container veths
 * get the new program, then go up.
 */
#include <errno.h>
#include <signal.h>
#include <linux/if_link.h>
#include <sys/socket.h>
#include <sys/stat.h>
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
#include "ports.h"
#include "proc.h"
#include "sync.h"
#include "vxnet.skel.h"

/* What `up` found before it changed anything, and what it changed since. */
struct up_txn {
	const struct dp_up_opts *a;
	struct vxnet_host host;       /* the record up writes */
	struct vxnet_host old;        /* the record it found (zeros: none) */
	int old_up;                   /* old is a datapath that is up */
	int old_prog[DP_PROG_COUNT];  /* the programs pinned before, or -1 */
	unsigned int old_maps;        /* bit m: dp_maps[m] was pinned before */
	int dir_existed;
	int fwd_was_off;              /* up turned forwarding on dev on */
	int xdp_on, tc_on, lo_on;     /* the new XDP, dev's TC, lo's TC hook attached */
	int ports_written;            /* ip_local_reserved_ports was ports_before */
	struct port_set ports_before;
	int host_written, progs_touched;
	struct vxnet_bpf *skel;
};

static int pin_path(char *buf, size_t len, const char *dir, const char *name)
{
	return snprintf(buf, len, "%s/%s", dir, name) >= (int)len ? -ENAMETOOLONG : 0;
}

static int prog_index(const char *pin)
{
	for (int i = 0; i < DP_PROG_COUNT; i++)
		if (!strcmp(dp_progs[i].pin, pin))
			return i;
	return 0;
}

/* The pins and the host record as they are before up changes anything. */
static void snapshot(struct up_txn *t)
{
	const char *dir = t->a->dir;
	__u32 zero = 0;
	int fd;

	for (int m = 0; m < DP_MAP_COUNT; m++) {
		fd = dp_open_pin(dir, dp_maps[m].name);
		if (fd >= 0) {
			t->old_maps |= 1u << m;
			close(fd);
		}
	}
	for (int i = 0; i < DP_PROG_COUNT; i++) {
		t->old_prog[i] = dp_open_pin(dir, dp_progs[i].pin);
		if (t->old_prog[i] < 0)
			t->old_prog[i] = -1;
	}
	fd = dp_open_pin(dir, VXNET_PIN_HOST);
	if (fd >= 0 && bpf_map_lookup_elem(fd, &zero, &t->old))
		memset(&t->old, 0, sizeof(t->old));
	t->old_up = t->old.ifindex != 0;
	if (fd >= 0)
		close(fd);
}

static void txn_free(struct up_txn *t)
{
	for (int i = 0; i < DP_PROG_COUNT; i++)
		if (t->old_prog[i] >= 0)
			close(t->old_prog[i]);
	vxnet_bpf__destroy(t->skel);
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

/* IPv4 forwarding of dev in the current network namespace. */
static int fwd_path(char *buf, size_t len, const char *dev)
{
	return snprintf(buf, len, "/proc/sys/net/ipv4/conf/%s/forwarding", dev) >= (int)len ?
	       -ENAMETOOLONG : 0;
}

static int fwd_read(const char *dev, int *on)
{
	char path[128];
	FILE *f;
	int err;

	err = fwd_path(path, sizeof(path), dev);
	if (err)
		return err;
	f = fopen(path, "r");
	if (!f)
		return -errno;
	err = fscanf(f, "%d", on) == 1 ? 0 : -EIO;
	fclose(f);
	return err;
}

static int fwd_write(const char *dev, const char *val)
{
	char path[128];

	return fwd_path(path, sizeof(path), dev) ?: proc_write(path, val);
}

/* bpf_fib_lookup answers FWD_DISABLED unless the underlay forwards. The
 * record keeps whether up turned it on, for down (and a later up on the
 * same device keeps what the first one found).
 */
static int set_forwarding(struct up_txn *t)
{
	const char *dev = t->a->dev;
	int on, err;

	err = fwd_read(dev, &on);
	if (err) {
		pr_err("up: read IPv4 forwarding of %s: %s", dev, strerror(-err));
		return err;
	}
	if (t->old_up && t->old.ifindex == t->host.ifindex)
		t->host.restore |= t->old.restore & VXNET_RESTORE_FWD;
	else if (!on)
		t->host.restore |= VXNET_RESTORE_FWD;
	err = on ? 0 : fwd_write(dev, "1");
	if (err) {
		pr_err("up: enable forwarding on %s: %s", dev, strerror(-err));
		return err;
	}
	t->fwd_was_off = !on;
	return 0;
}

/* Opens and loads the programs for this host, maps pinned in dir (reused
 * when already pinned).
 */
/* A map pinned by an earlier up is reused only if this build defines it
 * the same way; libbpf would refuse it with a bare EINVAL.
 */
static int pinned_map_fits(const struct bpf_map *m, const char *path)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	int fd = bpf_obj_get(path), same;

	if (fd < 0)
		return 0; /* not pinned yet: load pins it */
	same = !bpf_obj_get_info_by_fd(fd, &info, &len) && info.type == bpf_map__type(m) &&
	       info.key_size == bpf_map__key_size(m) && info.value_size == bpf_map__value_size(m);
	close(fd);
	if (same && info.max_entries == bpf_map__max_entries(m))
		return 0;
	if (same && !strcmp(bpf_map__name(m), VXNET_PIN_NAT)) {
		pr_err("up: the NAT table %s has %u entries, --nat-entries asks for %u; "
		       "vxnet down first (it forgets every translation), or leave --nat-entries out",
		       path, info.max_entries, bpf_map__max_entries(m));
		return -EINVAL;
	}
	pr_err("up: pinned map %s was made by another vxnet build (%u entries of %u+%u bytes, "
	       "this one needs %u of %u+%u); run vxnet down first", path, info.max_entries,
	       info.key_size, info.value_size, bpf_map__max_entries(m), bpf_map__key_size(m),
	       bpf_map__value_size(m));
	return -EINVAL;
}

/* The nat map's size: --nat-entries, else the pinned map's (a second up
 * keeps the table), else the default of bpf/lib/maps.h.
 */
static int size_nat(const struct up_txn *t, struct bpf_map *m)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	int fd, err = 0;

	if (t->a->nat_entries)
		return bpf_map__set_max_entries(m, t->a->nat_entries);
	fd = dp_open_pin(t->a->dir, VXNET_PIN_NAT);
	if (fd < 0)
		return 0;
	if (!bpf_obj_get_info_by_fd(fd, &info, &len) && info.max_entries)
		err = bpf_map__set_max_entries(m, info.max_entries);
	close(fd);
	return err;
}

static int load(struct up_txn *t)
{
	struct vxnet_bpf *skel;
	char path[512];
	int err;

	t->skel = skel = vxnet_bpf__open();
	if (!skel) {
		err = -errno;
		pr_err("up: open BPF object: %s", strerror(-err));
		return err;
	}
	skel->rodata->cfg_port = t->host.port;
	skel->rodata->cfg_local_addr = t->host.addr.be32;
	skel->rodata->cfg_underlay_ifindex = t->host.ifindex;
	skel->rodata->cfg_nat_port_min = t->host.nat_port_min;
	skel->rodata->cfg_nat_port_max = t->host.nat_port_max;
	skel->rodata->cfg_decap_tc = t->host.decap == VXNET_DECAP_TC;
	for (int i = 0; i < DP_MAP_COUNT; i++) {
		struct bpf_map *m = bpf_object__find_map_by_name(skel->obj, dp_maps[i].name);

		err = m ? pin_path(path, sizeof(path), t->a->dir, dp_maps[i].name) : -ENOENT;
		err = err ?: bpf_map__set_pin_path(m, path);
		if (!err && i == DP_MAP_NAT)
			err = size_nat(t, m);
		if (err) {
			pr_err("up: map %s: %s", dp_maps[i].name, strerror(-err));
			return err;
		}
		err = pinned_map_fits(m, path);
		if (err)
			return err;
	}
	err = vxnet_bpf__load(skel); /* reuses pinned maps, pins new ones */
	if (err)
		pr_err("up: load BPF programs: %s (run with -v for the verifier log)", strerror(-err));
	return err;
}

/* The egress NAT ports in ip_local_reserved_ports: added to what is there
 * (less the range of the previous up, when that up added it), so that no
 * socket of this host gets one. The record's VXNET_RESTORE_PORTS says
 * whether the range was (partly) missing, and so whether down takes it out.
 * A second up with the same range writes nothing.
 */
static int reserve_ports(struct up_txn *t)
{
	unsigned int lo = t->host.nat_port_min, hi = t->host.nat_port_max;
	struct port_set want;
	int err;

	err = ports_read(VX_RESERVED_PORTS, &t->ports_before);
	if (err) {
		pr_err("up: read %s: %s", VX_RESERVED_PORTS, strerror(-err));
		return err;
	}
	want = t->ports_before;
	if (t->old_up && (t->old.restore & VXNET_RESTORE_PORTS))
		ports_set_range(&want, t->old.nat_port_min, t->old.nat_port_max, 0);
	if (!ports_cover(&want, lo, hi))
		t->host.restore |= VXNET_RESTORE_PORTS;
	ports_set_range(&want, lo, hi, 1);
	if (ports_equal(&want, &t->ports_before))
		return 0;
	t->ports_written = 1;
	err = ports_write(VX_RESERVED_PORTS, &want);
	if (err)
		pr_err("up: reserve the NAT ports %u-%u in %s: %s", lo, hi, VX_RESERVED_PORTS,
		       strerror(-err));
	return err;
}

/* The program dev's tc ingress had before this up: decap in tc mode,
 * vxnet_nat_in in XDP mode (or none); lo's: vxnet_nat_in. fd or -1.
 */
static int old_tc_prog(const struct up_txn *t, int lo)
{
	if (!t->old_up || (!lo && t->old.ifindex != t->host.ifindex))
		return -1;
	if (lo || t->old.decap == VXNET_DECAP_XDP)
		return t->old_prog[prog_index(VXNET_PIN_PROG_NAT_IN)];
	return t->old_prog[prog_index(VXNET_PIN_PROG_TC_DECAP)];
}

/* Decap on the underlay (replacing vxnet's previous hook of that mode);
 * in XDP mode vxnet_nat_in on its tc ingress, for the egress replies
 * that XDP passes (in tc mode vxnet_tc_decap translates them). Each
 * replaces what vxnet had there, the other mode's decap included.
 */
static int attach_decap(struct up_txn *t)
{
	const struct dp_up_opts *a = t->a;
	int err;

	if (a->decap == VXNET_DECAP_XDP) {
		err = bpf_xdp_attach(t->host.ifindex, bpf_program__fd(t->skel->progs.vxnet_xdp_decap),
				     XDP_FLAGS_DRV_MODE, NULL);
		if (err) {
			pr_err("up: attach XDP to %s: %s (try --decap tc)", a->dev, strerror(-err));
			return err;
		}
		t->xdp_on = 1;
	}
	err = dp_tc_attach(t->host.ifindex, a->decap == VXNET_DECAP_XDP ?
			   bpf_program__fd(t->skel->progs.vxnet_nat_in) :
			   bpf_program__fd(t->skel->progs.vxnet_tc_decap));
	if (err) {
		pr_err("up: attach TC to %s: %s", a->dev, strerror(-err));
		return err;
	}
	t->tc_on = 1;
	return 0;
}

/* vxnet_nat_in on lo's tc ingress: the answers of this host's own sockets
 * to a container's translated flow (to the host's own address) come back
 * over lo, in either mode.
 */
static int attach_nat_lo(struct up_txn *t)
{
	int ifindex = if_nametoindex("lo"), err;

	err = ifindex ? dp_tc_attach(ifindex, bpf_program__fd(t->skel->progs.vxnet_nat_in)) : -ENODEV;
	if (err) {
		pr_err("up: attach TC to lo: %s", strerror(-err));
		return err;
	}
	t->lo_on = 1;
	return 0;
}

/* The point of no return: the host record, then the programs' pins. */
static int commit(struct up_txn *t)
{
	__u32 zero = 0;
	int err;

	t->host_written = 1;
	if (bpf_map_update_elem(bpf_map__fd(t->skel->maps.host), &zero, &t->host, BPF_ANY)) {
		err = -errno;
		pr_err("up: write host record: %s", strerror(-err));
		return err;
	}
	t->progs_touched = 1;
	err = pin_programs(t->skel->obj, t->a->dir);
	if (err)
		pr_err("up: pin programs in %s: %s", t->a->dir, strerror(-err));
	return err;
}

/* A TC hook this up attached off again, or the program it replaced back. */
static void undo_tc(int ifindex, int old_fd)
{
	if (old_fd >= 0)
		dp_tc_attach(ifindex, old_fd);
	else
		dp_tc_detach(ifindex);
}

/* The new hooks off again; the previous ones back where they were replaced. */
static void undo_hooks(const struct up_txn *t)
{
	int ifindex = t->host.ifindex;
	int same = t->old_up && t->old.ifindex == ifindex && t->old.decap == VXNET_DECAP_XDP;
	int fd = same ? t->old_prog[prog_index(VXNET_PIN_PROG_XDP_DECAP)] : -1;

	if (t->xdp_on && fd >= 0)
		bpf_xdp_attach(ifindex, fd, XDP_FLAGS_DRV_MODE, NULL);
	else if (t->xdp_on)
		bpf_xdp_detach(ifindex, XDP_FLAGS_DRV_MODE, NULL);
	if (t->tc_on)
		undo_tc(ifindex, old_tc_prog(t, 0));
	if (t->lo_on)
		undo_tc(if_nametoindex("lo"), old_tc_prog(t, 1));
}

/* Puts back what up changed before its commit failed. */
static void rollback(const struct up_txn *t)
{
	const char *dir = t->a->dir;
	char path[512];
	__u32 zero = 0;

	undo_hooks(t);
	if (t->host_written)
		bpf_map_update_elem(bpf_map__fd(t->skel->maps.host), &zero, &t->old, BPF_ANY);
	for (int i = 0; t->progs_touched && i < DP_PROG_COUNT; i++) {
		if (pin_path(path, sizeof(path), dir, dp_progs[i].pin))
			continue;
		unlink(path);
		if (t->old_prog[i] >= 0)
			bpf_obj_pin(t->old_prog[i], path);
	}
	if (t->fwd_was_off)
		fwd_write(t->a->dev, "0");
	if (t->ports_written)
		ports_write(VX_RESERVED_PORTS, &t->ports_before);
	for (int m = 0; m < DP_MAP_COUNT; m++)
		if (!(t->old_maps & 1u << m) && !pin_path(path, sizeof(path), dir, dp_maps[m].name))
			unlink(path);
	if (!t->dir_existed)
		rmdir(dir);
}

/* After the commit: the hooks this up no longer uses (XDP decap on dev in
 * tc mode; in XDP mode vxnet_nat_in replaced tc decap on dev's tc ingress;
 * everything on the previous up's device when it was another one, whose
 * forwarding goes back to off if that up turned it on).
 */
static void leave_old_hooks(const struct up_txn *t)
{
	char old_dev[IF_NAMESIZE];

	if (t->a->decap == VXNET_DECAP_TC)
		dp_xdp_detach_ours(t->host.ifindex);
	if (!t->old_up || t->old.ifindex == t->host.ifindex)
		return;
	dp_xdp_detach_ours(t->old.ifindex);
	dp_tc_detach(t->old.ifindex);
	if ((t->old.restore & VXNET_RESTORE_FWD) && if_indextoname(t->old.ifindex, old_dev) &&
	    fwd_write(old_dev, "0"))
		pr_warn("up: cannot turn IPv4 forwarding on %s off again", old_dev);
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

/* Every local endpoint's veth (of node, in st) gets accept_local (veths
 * made before egress NAT had none) and the from-container program, then
 * goes up. A veth that is gone (its container too) is skipped: the sync
 * said so already.
 */
static int attach_endpoints(const struct vx_state *st, const char *node, int prog_fd)
{
	int err = 0;

	for (size_t i = 0; i < st->nendpoints; i++) {
		const struct vx_endpoint *ep = &st->endpoints[i];
		int ifindex, e;

		if (strcmp(ep->node, node) || !ep->host_ifname[0])
			continue;
		ifindex = if_nametoindex(ep->host_ifname);
		if (!ifindex)
			continue;
		e = dp_veth_accept_local(ep->host_ifname);
		if (e) { /* only egress to this host's own addresses needs it */
			pr_err("up: set accept_local on %s (endpoint %s): %s", ep->host_ifname,
			       ep->name, strerror(-e));
			err = err ?: e;
		}
		e = dp_veth_attach(ifindex, prog_fd);
		if (e) {
			pr_err("up: attach the container program to %s (endpoint %s): %s",
			       ep->host_ifname, ep->name, strerror(-e));
			err = err ?: e;
		}
	}
	return err;
}

/* The node's address must be dev's: it is the outer source of what this
 * host sends and the destination the other hosts send to. Another node's
 * address (up with another host's --node) or another interface's would
 * load a datapath that breaks this host's traffic.
 */
static int node_addr_on_dev(const struct vx_state *st, const struct vx_node *node,
			    const char *dev)
{
	char other[IFNAMSIZ], addr[16], dev_addr[16];
	const struct vx_node *owner = NULL;
	uint32_t first;
	int on = dp_addr_where(dev, node->addr, other, &first);

	if (on == 1)
		return 0;
	format_ipv4(node->addr, addr);
	if (on < 0) {
		pr_err("up: read the addresses of %s: %s", dev, strerror(-on));
		return on;
	}
	if (other[0]) {
		pr_err("up: node %s's address %s is on %s, not on %s (--dev %s)", node->name, addr,
		       other, dev, other);
		return -EADDRNOTAVAIL;
	}
	for (size_t i = 0; first && i < st->nnodes && !owner; i++)
		if (st->nodes[i].addr == first)
			owner = &st->nodes[i];
	format_ipv4(first, dev_addr);
	if (owner)
		pr_err("up: node %s's address %s is not on this host; %s has %s, node %s's (--node %s)",
		       node->name, addr, dev, dev_addr, owner->name, owner->name);
	else if (first)
		pr_err("up: node %s's address %s is not on this host (%s has %s); --node this host's node",
		       node->name, addr, dev, dev_addr);
	else
		pr_err("up: node %s's address %s is not on this host (%s has no IPv4 address)",
		       node->name, addr, dev);
	return -EADDRNOTAVAIL;
}

/* The host record up will write: this host's node and underlay. */
static int check(struct up_txn *t, const struct vx_state *st)
{
	const struct dp_up_opts *a = t->a;
	const struct vx_node *node;
	int err;

	node = state_find_node(st, a->node);
	if (!node) {
		pr_err("up: unknown node %s; add it with vxnet node add %s ADDRESS", a->node, a->node);
		return -ENOENT;
	}
	t->host.ifindex = if_nametoindex(a->dev);
	if (!t->host.ifindex) {
		pr_err("up: unknown interface %s", a->dev);
		return -ENODEV;
	}
	err = node_addr_on_dev(st, node, a->dev);
	if (err)
		return err;
	t->host.addr.be32 = node->addr;
	snprintf(t->host.node, sizeof(t->host.node), "%s", a->node);
	return 0;
}

/* The monitor's gate, when the vxnet monitor that opened it is gone
 * (killed with SIGKILL: it never turned it off): off, or the programs keep
 * writing events nobody reads. A live monitor keeps it.
 */
static void monitor_gate_reset(const char *dir)
{
	struct vxnet_monitor v;
	__u32 zero = 0;
	int fd = dp_open_pin(dir, VXNET_PIN_MONITOR);

	if (fd < 0)
		return;
	if (!bpf_map_lookup_elem(fd, &zero, &v) && v.flags && v.pid &&
	    kill((pid_t)v.pid, 0) == -1 && errno == ESRCH) {
		pr_info("up: vxnet monitor (pid %u) is gone: monitor gate off", v.pid);
		v.flags = 0;
		v.pid = 0;
		if (bpf_map_update_elem(fd, &zero, &v, BPF_ANY))
			pr_warn("up: clear %s/%s: %s", dir, VXNET_PIN_MONITOR, strerror(errno));
	}
	close(fd);
}

/* Under the lock: checks, the transaction, then what follows the commit. */
static int up_locked(struct up_txn *t, const struct vx_state *st, struct kv_result *res)
{
	const struct dp_up_opts *a = t->a;
	int err;

	snapshot(t);
	/* Everything is checked before anything is loaded or pinned. */
	err = check(t, st) ?: load(t) ?: set_forwarding(t) ?: reserve_ports(t) ?:
	      attach_decap(t) ?: attach_nat_lo(t) ?: commit(t);
	if (err) {
		rollback(t);
		return err;
	}
	leave_old_hooks(t);
	monitor_gate_reset(a->dir);
	if (a->decap == VXNET_DECAP_TC)
		gro_dev_setup(a, t->skel);
	else
		gro_dev_remove();
	err = dp_sync(st, a->dir, res) ?:
	      attach_endpoints(st, a->node, bpf_program__fd(t->skel->progs.vxnet_from_container));
	/* The new programs run everywhere: copies the previous ones made (of
	 * another build: without a network's flags) are not used again.
	 */
	return dp_gen_bump(a->dir, VXNET_GEN_IFACES) ?: err;
}

int dp_up(const struct dp_up_opts *a, struct vx_store *store, struct kv_result *res)
{
	struct up_txn t = { .a = a, .host = { .port = a->port, .decap = a->decap,
					      .nat_port_min = a->nat_port_min,
					      .nat_port_max = a->nat_port_max } };
	struct vx_state st;
	struct stat sb;
	int err;

	*res = (struct kv_result){};
	for (int i = 0; i < DP_PROG_COUNT; i++)
		t.old_prog[i] = -1;
	t.dir_existed = !stat(a->dir, &sb);
	err = dp_lock_create(a->dir);
	if (err)
		return err;
	/* The state as of now, under the lock: an attach that commits later
	 * syncs after this up (attach.c), one that committed before is in it.
	 */
	state_init(&st);
	err = store_read(store, &st);
	if (!err)
		err = up_locked(&t, &st, res);
	else if (!t.dir_existed)
		rmdir(a->dir);
	state_free(&st);
	txn_free(&t);
	dp_unlock();
	return err;
}

/* The NAT ports up reserved, out of ip_local_reserved_ports again (the
 * rest stays as it is).
 */
static void unreserve_ports(const struct vxnet_host *host)
{
	struct port_set set;
	int err;

	err = ports_read(VX_RESERVED_PORTS, &set);
	if (!err) {
		ports_set_range(&set, host->nat_port_min, host->nat_port_max, 0);
		err = ports_write(VX_RESERVED_PORTS, &set);
	}
	if (err)
		pr_warn("down: cannot take the NAT ports %u-%u out of %s: %s", host->nat_port_min,
			host->nat_port_max, VX_RESERVED_PORTS, strerror(-err));
}

/* Local veths down, then without the program: those of node's endpoints in
 * st, and those in the ifaces map that carry vxnet's filter (an entry may
 * outlive its veth, and its ifindex could be another link's by now).
 */
static void veths_down(const char *dir, const struct vx_state *st, const char *node)
{
	__u32 key, *prev = NULL;
	int fd;

	for (size_t i = 0; st && i < st->nendpoints; i++) {
		const struct vx_endpoint *ep = &st->endpoints[i];
		int ifindex = ep->host_ifname[0] && !strcmp(ep->node, node) ?
			      if_nametoindex(ep->host_ifname) : 0;

		if (ifindex)
			dp_veth_detach(ifindex);
	}
	fd = dp_open_pin(dir, VXNET_PIN_IFACES);
	if (fd < 0)
		return;
	while (!bpf_map_get_next_key(fd, prev, &key)) {
		prev = &key;
		if (dp_tc_ours(key))
			dp_veth_detach(key);
	}
	close(fd);
}

int dp_down(const char *dir, const struct vx_state *st, struct vxnet_host *host)
{
	char path[512], dev[IF_NAMESIZE];
	int err;

	err = dp_lock(dir);
	if (err)
		return err;
	err = dp_read_host(dir, host);
	if (err)
		goto cleanup;
	veths_down(dir, st, host->node);
	dp_xdp_detach_ours(host->ifindex);
	dp_tc_detach(host->ifindex);
	dp_tc_detach(if_nametoindex("lo"));
	gro_dev_remove();
	if ((host->restore & VXNET_RESTORE_FWD) && if_indextoname(host->ifindex, dev) && fwd_write(dev, "0"))
		pr_warn("down: cannot turn IPv4 forwarding on %s off again", dev);
	if (host->restore & VXNET_RESTORE_PORTS)
		unreserve_ports(host);
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
cleanup:
	dp_unlock();
	return err;
}
