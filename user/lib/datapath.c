// SPDX-License-Identifier: GPL-2.0-only
/* Pin directory, its writers' lock, pinned objects, vxnet's TC and XDP
 * hooks, container veths and the default MTU.
 */
#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <linux/magic.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <netinet/in.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "datapath.h"
#include "log.h"
#include "netlink.h"
#include "proc.h"

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

int dp_gen_bump_fd(int gens_fd, enum vxnet_gen which)
{
	__u32 key = which, gen;

	/* the writers hold dp_lock: no bump is lost between the two */
	if (bpf_map_lookup_elem(gens_fd, &key, &gen))
		return -errno;
	gen++;
	return bpf_map_update_elem(gens_fd, &key, &gen, BPF_ANY) ? -errno : 0;
}

int dp_gen_bump(const char *dir, enum vxnet_gen which)
{
	int fd = dp_open_pin(dir, VXNET_PIN_GENS), err;

	if (fd == -ENOENT)
		return 0;
	if (fd < 0)
		return fd;
	err = dp_gen_bump_fd(fd, which);
	close(fd);
	return err;
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

static struct {
	int fd, depth;
} lock = { .fd = -1 };

/* flock on dir itself; -ENOENT (quiet) when it is gone, also when a down
 * removed it while we waited.
 */
static int lock_dir(const char *dir)
{
	struct stat a, b;
	int fd, err;

	for (;;) {
		fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0)
			return -errno;
		while (flock(fd, LOCK_EX))
			if (errno != EINTR)
				goto fail;
		if (fstat(fd, &a))
			goto fail;
		if (!stat(dir, &b) && a.st_ino == b.st_ino && a.st_dev == b.st_dev)
			break;
		close(fd); /* removed, maybe made again, while we waited */
	}
	lock.fd = fd;
	lock.depth = 1;
	return 0;
fail:
	err = -errno;
	close(fd);
	return err;
}

int dp_lock(const char *dir)
{
	int err;

	if (lock.depth) {
		lock.depth++;
		return 0;
	}
	err = lock_dir(dir);
	if (err == -ENOENT)
		pr_err("vxnet is not up on this host (nothing pinned in %s); run vxnet up first", dir);
	else if (err)
		pr_err("lock %s: %s", dir, strerror(-err));
	return err;
}

int dp_lock_create(const char *dir)
{
	int err;

	if (lock.depth) {
		lock.depth++;
		return 0;
	}
	do {
		err = dp_prepare_pin_dir(dir);
		if (err)
			return err; /* it said why */
		err = lock_dir(dir);
	} while (err == -ENOENT); /* a down removed it meanwhile */
	if (err)
		pr_err("lock %s: %s", dir, strerror(-err));
	return err;
}

void dp_unlock(void)
{
	if (!lock.depth || --lock.depth)
		return;
	close(lock.fd);
	lock.fd = -1;
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

int dp_tc_ours(int ifindex)
{
	DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex,
			    .attach_point = BPF_TC_INGRESS);
	DECLARE_LIBBPF_OPTS(bpf_tc_opts, opts, .handle = VX_TC_HANDLE,
			    .priority = VX_TC_PRIO);

	return !bpf_tc_query(&hook, &opts);
}

void dp_xdp_detach_ours(int ifindex)
{
	struct bpf_prog_info info = {};
	__u32 id = 0, len = sizeof(info);
	int fd;

	if (bpf_xdp_query_id(ifindex, 0, &id) || !id)
		return;
	fd = bpf_prog_get_fd_by_id(id);
	if (fd < 0)
		return;
	if (!bpf_obj_get_info_by_fd(fd, &info, &len) && !strcmp(info.name, "vxnet_xdp_decap"))
		bpf_xdp_detach(ifindex, 0, NULL);
	close(fd);
}

int dp_veth_attach(int ifindex, int prog_fd)
{
	return dp_tc_attach(ifindex, prog_fd) ?: nl_link_set_state(ifindex, 1);
}

int dp_veth_detach(int ifindex)
{
	int err = nl_link_set_state(ifindex, 0);

	dp_tc_detach(ifindex);
	return err;
}

int dp_veth_accept_local(const char *ifname)
{
	char path[128];

	if (snprintf(path, sizeof(path), "/proc/sys/net/ipv4/conf/%s/accept_local", ifname) >=
	    (int)sizeof(path))
		return -ENAMETOOLONG;
	return proc_write(path, "1");
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

int dp_addr_where(const char *dev, uint32_t addr, char *other, uint32_t *dev_addr)
{
	struct ifaddrs *ifa, *a;
	int on_dev = 0;

	if (getifaddrs(&ifa))
		return -errno;
	if (other)
		other[0] = 0;
	if (dev_addr)
		*dev_addr = 0;
	for (a = ifa; a; a = a->ifa_next) {
		uint32_t got;

		if (!a->ifa_addr || a->ifa_addr->sa_family != AF_INET)
			continue;
		got = ((struct sockaddr_in *)a->ifa_addr)->sin_addr.s_addr;
		if (!strcmp(a->ifa_name, dev)) {
			on_dev |= got == addr;
			if (dev_addr && !*dev_addr)
				*dev_addr = got;
		} else if (got == addr && other && !other[0]) {
			snprintf(other, IFNAMSIZ, "%s", a->ifa_name);
		}
	}
	freeifaddrs(ifa);
	return on_dev;
}
