// SPDX-License-Identifier: GPL-2.0-only
/* `vxnet up` and `vxnet down`: load, pin and attach this host's datapath, or
 * take it all away. A second `up` reuses the pinned maps and swaps the
 * programs atomically, so established connections keep flowing.
 */
#include <errno.h>
#include <getopt.h>
#include <linux/if_link.h>
#include <sys/socket.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "cli.h"
#include "datapath.h"
#include "log.h"
#include "netlink.h"
#include "proc.h"
#include "vxnet.skel.h"

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	/* Our own error line says what failed; -v shows libbpf's details. */
	if (!vx_verbose)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

static const char *const map_pins[] = {
	VXNET_PIN_ENDPOINTS, VXNET_PIN_IFACES, VXNET_PIN_NODES, VXNET_PIN_NETWORKS,
	VXNET_PIN_STATS,     VXNET_PIN_DROPS,  VXNET_PIN_HOST,  VXNET_PIN_NODE_VNIS,
};
static const char *const prog_pins[] = {
	VXNET_PIN_PROG_FROM_CONTAINER, VXNET_PIN_PROG_XDP_DECAP, VXNET_PIN_PROG_TC_DECAP,
	VXNET_PIN_PROG_GRO_SINK,
};

static int pin_program(struct bpf_program *prog, const char *dir, const char *name)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (unlink(path) && errno != ENOENT)
		return -errno;
	return bpf_program__pin(prog, path);
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

struct up_args {
	const char *node;
	const char *dev;
	int decap;
	unsigned int port;
};

static int parse_up(int argc, char **argv, struct up_args *a)
{
	static const struct option opts[] = {
		{ "node", required_argument, NULL, 'N' },
		{ "dev", required_argument, NULL, 'd' },
		{ "decap", required_argument, NULL, 'D' },
		{ "port", required_argument, NULL, 'P' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	char *end;
	int c;

	/* TC decap by default, chosen by measurement (README, "Decapsulation
	 * modes"): with the underlay's GRO it decapsulates whole aggregates,
	 * and it keeps the NIC's checksum verdict, which XDP loses.
	 */
	*a = (struct up_args){ .decap = VXNET_DECAP_TC, .port = VXNET_DEFAULT_PORT };
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'N': a->node = optarg; break;
		case 'd': a->dev = optarg; break;
		case 'D':
			if (!strcmp(optarg, "xdp"))
				a->decap = VXNET_DECAP_XDP;
			else if (!strcmp(optarg, "tc"))
				a->decap = VXNET_DECAP_TC;
			else {
				pr_err("up: --decap must be xdp or tc, not '%s'", optarg);
				return -EINVAL;
			}
			break;
		case 'P':
			errno = 0;
			a->port = strtoul(optarg, &end, 10);
			if (errno || *end || !*optarg || a->port < 1 || a->port > 65535) {
				pr_err("up: --port must be 1..65535, not '%s'", optarg);
				return -EINVAL;
			}
			break;
		case 'h':
			printf("usage: vxnet up --node NAME --dev IFACE [--decap xdp|tc] [--port N]\n");
			exit(0);
		default:
			return -EINVAL;
		}
	}
	if (optind < argc) {
		pr_err("up: unexpected argument '%s'", argv[optind]);
		return -EINVAL;
	}
	if (!a->node || !a->dev) {
		pr_err("up: --node NAME and --dev IFACE are required");
		return -EINVAL;
	}
	return 0;
}

static int attach_decap(const struct up_args *a, int ifindex, struct vxnet_bpf *skel)
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
static void gro_dev_setup(const struct up_args *a, struct vxnet_bpf *skel)
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

int cmd_up(int argc, char **argv)
{
	const char *dir = vx_opts.pin_dir;
	struct vxnet_bpf *skel = NULL;
	struct vx_store *store = NULL;
	struct dp_sync_result res;
	struct vxnet_host host = {};
	struct vx_state st;
	struct vx_node *node;
	struct up_args a;
	char path[512];
	int ifindex, err;
	__u32 zero = 0;

	state_init(&st);
	err = parse_up(argc, argv, &a);
	if (err)
		return 2;
	/* Everything is checked before anything is loaded or pinned. */
	err = cli_open_store(&store);
	if (!err)
		err = store_read(store, &st);
	if (err)
		goto cleanup;
	node = state_find_node(&st, a.node);
	if (!node) {
		pr_err("up: unknown node %s; add it with vxnet node add %s ADDRESS", a.node, a.node);
		err = -ENOENT;
		goto cleanup;
	}
	ifindex = if_nametoindex(a.dev);
	if (!ifindex) {
		pr_err("up: unknown interface %s", a.dev);
		err = -ENODEV;
		goto cleanup;
	}
	err = dp_prepare_pin_dir(dir);
	if (err)
		goto cleanup;

	libbpf_set_print(libbpf_print);
	skel = vxnet_bpf__open();
	if (!skel) {
		err = -errno;
		pr_err("up: open BPF object: %s", strerror(errno));
		goto cleanup;
	}
	skel->rodata->cfg_port = a.port;
	skel->rodata->cfg_local_addr = node->addr;
	skel->rodata->cfg_underlay_ifindex = ifindex;
	for (size_t i = 0; i < sizeof(map_pins) / sizeof(map_pins[0]); i++) {
		struct bpf_map *m = bpf_object__find_map_by_name(skel->obj, map_pins[i]);

		snprintf(path, sizeof(path), "%s/%s", dir, map_pins[i]);
		err = m ? bpf_map__set_pin_path(m, path) : -ENOENT;
		if (err) {
			pr_err("up: map %s: %s", map_pins[i], strerror(-err));
			goto cleanup;
		}
	}
	err = vxnet_bpf__load(skel); /* reuses pinned maps, pins new ones */
	if (err) {
		pr_err("up: load BPF programs: %s (run with -v for the verifier log)", strerror(-err));
		goto cleanup;
	}
	snprintf(host.node, sizeof(host.node), "%s", a.node);
	host.addr = node->addr;
	host.ifindex = ifindex;
	host.port = a.port;
	host.decap = a.decap;
	err = bpf_map_update_elem(bpf_map__fd(skel->maps.host), &zero, &host, BPF_ANY);
	if (err) {
		err = -errno;
		pr_err("up: write host record: %s", strerror(errno));
		goto cleanup;
	}
	err = pin_program(skel->progs.vxnet_from_container, dir, VXNET_PIN_PROG_FROM_CONTAINER) ?:
	      pin_program(skel->progs.vxnet_xdp_decap, dir, VXNET_PIN_PROG_XDP_DECAP) ?:
	      pin_program(skel->progs.vxnet_tc_decap, dir, VXNET_PIN_PROG_TC_DECAP) ?:
	      pin_program(skel->progs.vxnet_gro_sink, dir, VXNET_PIN_PROG_GRO_SINK);
	if (err) {
		pr_err("up: pin programs in %s: %s", dir, strerror(-err));
		goto cleanup;
	}
	/* bpf_fib_lookup answers FWD_DISABLED unless the underlay forwards. */
	snprintf(path, sizeof(path), "/proc/sys/net/ipv4/conf/%s/forwarding", a.dev);
	err = proc_write(path, "1");
	if (err) {
		pr_err("up: enable forwarding on %s: %s", a.dev, strerror(-err));
		goto cleanup;
	}
	err = attach_decap(&a, ifindex, skel);
	if (err)
		goto cleanup;
	if (a.decap == VXNET_DECAP_TC)
		gro_dev_setup(&a, skel);
	else
		gro_dev_remove();
	err = reattach_endpoints(dir, bpf_program__fd(skel->progs.vxnet_from_container));
	if (err) {
		pr_err("up: re-attach container interfaces: %s", strerror(-err));
		goto cleanup;
	}
	err = dp_sync(&st, dir, &res);
	if (!err)
		pr_info("vxnet up: node %s on %s (%s decap, port %u), %u entries written",
			a.node, a.dev, a.decap == VXNET_DECAP_XDP ? "xdp" : "tc", a.port,
			res.added + res.changed);
cleanup:
	vxnet_bpf__destroy(skel);
	state_free(&st);
	store_close(store);
	return err ? 1 : 0;
}

int cmd_down(int argc, char **argv)
{
	const char *dir = vx_opts.pin_dir;
	struct vxnet_host host;
	char path[512];
	__u32 key, *prev = NULL;
	int fd, err;

	if (argc > 1) {
		pr_err("down: unexpected argument '%s'; usage: vxnet down", argv[1]);
		return 2;
	}
	err = dp_read_host(dir, &host);
	if (err)
		return 1;
	bpf_xdp_detach(host.ifindex, 0, NULL);
	dp_tc_detach(host.ifindex);
	gro_dev_remove();
	fd = dp_open_pin(dir, VXNET_PIN_IFACES);
	if (fd >= 0) {
		while (!bpf_map_get_next_key(fd, prev, &key)) {
			prev = &key;
			dp_tc_detach(key);
		}
		close(fd);
	}
	for (size_t i = 0; i < sizeof(prog_pins) / sizeof(prog_pins[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, prog_pins[i]);
		unlink(path);
	}
	for (size_t i = 0; i < sizeof(map_pins) / sizeof(map_pins[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, map_pins[i]);
		unlink(path);
	}
	if (rmdir(dir) && errno != ENOENT) {
		pr_err("down: remove %s: %s", dir, strerror(errno));
		return 1;
	}
	pr_info("vxnet down: node %s detached and unpinned", host.node);
	return 0;
}
