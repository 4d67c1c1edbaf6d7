// SPDX-License-Identifier: GPL-2.0-only
/* Pin directory, pinned objects, vxnet's TC hooks and the default MTU. */
#include <errno.h>
#include <linux/magic.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "datapath.h"
#include "log.h"

static int on_bpffs(const char *path)
{
	struct statfs st;

	return !statfs(path, &st) && st.f_type == BPF_FS_MAGIC;
}

static int mkdir_p(const char *dir)
{
	char buf[512];
	char *p;

	snprintf(buf, sizeof(buf), "%s", dir);
	for (p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = 0;
		if (mkdir(buf, 0700) && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(buf, 0700) && errno != EEXIST)
		return -errno;
	return 0;
}

int dp_prepare_pin_dir(const char *dir)
{
	int err;

	if (geteuid() != 0) {
		pr_err("%s: permission denied; vxnet needs root (CAP_BPF, CAP_NET_ADMIN)", dir);
		return -EPERM;
	}
	if (!strncmp(dir, "/sys/fs/bpf", 11) && !on_bpffs("/sys/fs/bpf") &&
	    mount("bpf", "/sys/fs/bpf", "bpf", 0, "mode=0700")) {
		err = -errno;
		pr_err("mount bpffs on /sys/fs/bpf: %s", strerror(errno));
		return err;
	}
	err = mkdir_p(dir);
	if (err) {
		pr_err("pin directory %s: %s", dir, strerror(-err));
		return err;
	}
	if (!on_bpffs(dir)) {
		pr_err("pin directory %s is not on a bpf filesystem (mount -t bpf bpf DIR)", dir);
		return -EINVAL;
	}
	return 0;
}

int dp_open_pin(const char *dir, const char *name)
{
	char path[512];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = bpf_obj_get(path);
	return fd < 0 ? -errno : fd;
}

int dp_read_host(const char *dir, struct vxnet_host *host)
{
	__u32 key = 0;
	int fd, err = 0;

	fd = dp_open_pin(dir, VXNET_PIN_HOST);
	if (fd < 0) {
		if (fd == -ENOENT)
			pr_err("vxnet is not up on this host (nothing pinned in %s); run vxnet up first", dir);
		else
			pr_err("open %s/%s: %s", dir, VXNET_PIN_HOST, strerror(-fd));
		return fd;
	}
	if (bpf_map_lookup_elem(fd, &key, host)) {
		err = -errno;
		pr_err("read %s/%s: %s", dir, VXNET_PIN_HOST, strerror(errno));
	} else if (!host->ifindex) {
		err = -ENOENT;
		pr_err("vxnet is not up on this host (%s/%s is empty); run vxnet up first", dir, VXNET_PIN_HOST);
	}
	close(fd);
	return err;
}

int dp_tc_attach(int ifindex, int prog_fd)
{
	DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex,
			    .attach_point = BPF_TC_INGRESS);
	DECLARE_LIBBPF_OPTS(bpf_tc_opts, opts, .handle = VX_TC_HANDLE,
			    .priority = VX_TC_PRIO, .prog_fd = prog_fd,
			    .flags = BPF_TC_F_REPLACE);
	int err;

	err = bpf_tc_hook_create(&hook);
	if (err && err != -EEXIST)
		return err;
	return bpf_tc_attach(&hook, &opts);
}

int dp_tc_detach(int ifindex)
{
	DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex,
			    .attach_point = BPF_TC_INGRESS);
	DECLARE_LIBBPF_OPTS(bpf_tc_opts, opts, .handle = VX_TC_HANDLE,
			    .priority = VX_TC_PRIO);

	return bpf_tc_detach(&hook, &opts);
}

/* Device MTU through an ioctl on a socket of the current network namespace
 * (sysfs shows the namespace it was mounted in, not ours under -n).
 */
unsigned int dp_default_mtu(const struct vxnet_host *host)
{
	struct ifreq ifr = {};
	unsigned int mtu = 1500;
	int fd;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd >= 0 && if_indextoname(host->ifindex, ifr.ifr_name) &&
	    !ioctl(fd, SIOCGIFMTU, &ifr))
		mtu = ifr.ifr_mtu;
	if (fd >= 0)
		close(fd);
	return mtu - VXNET_ENCAP_LEN;
}
