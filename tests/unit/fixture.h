/* SPDX-License-Identifier: GPL-2.0-only */
/* The skeleton and map contents the BPF unit tests and bench/prog_cost run
 * against: the topology described in tests/unit/test_datapath.c, in the maps
 * of a loaded skeleton. Include after vxnet.skel.h and packet.h.
 */
#ifndef VXNET_TEST_FIXTURE_H
#define VXNET_TEST_FIXTURE_H

/* Opens the skeleton, sets the loader's constants as the fixtures assume them
 * (VXLAN port PORT, own address 198.18.0.1, underlay ul0 of setup_netns),
 * calls before_load (if not NULL; 0 or -1 with errno set) for a test's own
 * rodata or map sizes, and loads it. On failure prints one "not ok load: ..."
 * line naming the step and returns NULL.
 */
static inline struct vxnet_bpf *fixture_load(int (*before_load)(struct vxnet_bpf *skel))
{
	struct vxnet_bpf *skel = vxnet_bpf__open();

	if (!skel || (before_load && before_load(skel))) {
		printf("not ok load: opening the skeleton: %s\n", strerror(errno));
		vxnet_bpf__destroy(skel);
		return NULL;
	}
	skel->rodata->cfg_port = PORT;
	skel->rodata->cfg_local_addr = ip("198.18.0.1");
	skel->rodata->cfg_underlay_ifindex = if_nametoindex("ul0");
	if (vxnet_bpf__load(skel)) {
		printf("not ok load: the verifier rejected the programs (VXNET_TEST_DEBUG=1 for the log)\n");
		vxnet_bpf__destroy(skel);
		return NULL;
	}
	return skel;
}

/* The entry programs the tests run, in this order: the packet fuzzer's
 * seed files store the index.
 */
enum prog { FROM_CONTAINER, XDP_DECAP, TC_DECAP, GRO_SINK, NAT_IN, NPROGS };
static const char *const prog_names[NPROGS] = { "from_container", "xdp_decap", "tc_decap",
						"gro_sink", "nat_in" };

static inline int prog_fd(struct vxnet_bpf *skel, enum prog p)
{
	struct bpf_program *progs[NPROGS] = { skel->progs.vxnet_from_container,
					      skel->progs.vxnet_xdp_decap, skel->progs.vxnet_tc_decap,
					      skel->progs.vxnet_gro_sink, skel->progs.vxnet_nat_in };

	return bpf_program__fd(progs[p]);
}

static int add_ep(struct vxnet_bpf *skel, const char *addr, const __u8 *mac, __u16 flags,
		  __u32 ifindex, const char *node, const char *gateway)
{
	struct vxnet_ep_key k = { .vni = VNI, .ip.be32 = ip(addr) };
	struct vxnet_endpoint v = { .flags = flags, .ifindex = ifindex,
				    .node.be32 = node ? ip(node) : 0, .gateway.be32 = ip(gateway) };

	memcpy(v.mac, mac, 6);
	return bpf_map__update_elem(skel->maps.endpoints, &k, sizeof(k), &v, sizeof(v), BPF_ANY);
}

static int add_subnet(struct vxnet_bpf *skel, __u32 vni, const char *addr, __u32 prefix,
		      const char *gateway)
{
	struct vxnet_subnet_key k = { .prefixlen = 32 + prefix, .vni = vni, .addr.be32 = ip(addr) };
	struct vxnet_subnet v = { .gateway.be32 = ip(gateway) };

	return bpf_map__update_elem(skel->maps.subnets, &k, sizeof(k), &v, sizeof(v), BPF_ANY);
}

/* Fills the maps; 0, or -1 with errno set. c1h and c2h: the host-side veths. */
static int fill_maps(struct vxnet_bpf *skel, __u32 c1h, __u32 c2h)
{
	struct vxnet_iface ifc = { .vni = VNI, .ip.be32 = ip("10.0.1.2"), .gateway.be32 = ip("10.0.1.1"),
				   .mtu = 1450 };
	struct vxnet_network net = { .mtu = 1450 };
	struct vxnet_node node = {};
	__u32 vni = VNI, vni7 = 7, n1 = ip("198.18.2.10"), n2 = ip("198.18.0.20"), n3 = ip("198.19.9.9");
	__u32 n4 = ip("198.18.2.20");
	struct vxnet_node_vni nv1 = { .node.be32 = n1, .vni = VNI }, nv2 = { .node.be32 = n2, .vni = VNI },
			      nv3 = { .node.be32 = n3, .vni = VNI }, nv4 = { .node.be32 = n4, .vni = 7 };

	memcpy(ifc.mac, C1_MAC, 6);
	if (bpf_map__update_elem(skel->maps.ifaces, &c1h, sizeof(c1h), &ifc, sizeof(ifc), 0) ||
	    bpf_map__update_elem(skel->maps.networks, &vni, sizeof(vni), &net, sizeof(net), 0) ||
	    bpf_map__update_elem(skel->maps.nodes, &n1, sizeof(n1), &node, sizeof(node), 0) ||
	    bpf_map__update_elem(skel->maps.nodes, &n2, sizeof(n2), &node, sizeof(node), 0) ||
	    bpf_map__update_elem(skel->maps.nodes, &n3, sizeof(n3), &node, sizeof(node), 0) ||
	    bpf_map__update_elem(skel->maps.nodes, &n4, sizeof(n4), &node, sizeof(node), 0) ||
	    bpf_map__update_elem(skel->maps.networks, &vni7, sizeof(vni7), &net, sizeof(net), 0) ||
	    bpf_map__update_elem(skel->maps.node_vnis, &nv1, sizeof(nv1), &node, sizeof(node), 0) ||
	    bpf_map__update_elem(skel->maps.node_vnis, &nv2, sizeof(nv2), &node, sizeof(node), 0) ||
	    bpf_map__update_elem(skel->maps.node_vnis, &nv3, sizeof(nv3), &node, sizeof(node), 0) ||
	    bpf_map__update_elem(skel->maps.node_vnis, &nv4, sizeof(nv4), &node, sizeof(node), 0) ||
	    add_ep(skel, "10.0.1.1", SUBNET_GW_MAC, VXNET_EP_GATEWAY, 0, NULL, "10.0.1.1") ||
	    add_ep(skel, "10.0.1.2", C1_MAC, VXNET_EP_LOCAL, c1h, "198.18.0.1", "10.0.1.1") ||
	    add_ep(skel, "10.0.1.3", C2_MAC, VXNET_EP_LOCAL, c2h, "198.18.0.1", "10.0.1.1") ||
	    add_ep(skel, "10.0.1.4", R1_MAC, 0, 0, "198.18.2.10", "10.0.1.1") ||
	    add_ep(skel, "10.0.1.5", R2_MAC, 0, 0, "198.18.0.20", "10.0.1.1") ||
	    add_ep(skel, "10.0.1.6", R2_MAC, 0, 0, "198.19.9.9", "10.0.1.1") ||
	    add_ep(skel, "10.0.2.1", GW2_MAC, VXNET_EP_GATEWAY, 0, NULL, "10.0.2.1") ||
	    add_ep(skel, "10.0.2.3", C2B_MAC, VXNET_EP_LOCAL, c2h, "198.18.0.1", "10.0.2.1") ||
	    add_ep(skel, "10.0.2.4", R4_MAC, 0, 0, "198.18.2.10", "10.0.2.1") ||
	    add_subnet(skel, VNI, "10.0.1.0", 24, "10.0.1.1") ||
	    add_subnet(skel, VNI, "10.0.2.0", 24, "10.0.2.1")) {
		return -1;
	}
	return 0;
}

#endif
