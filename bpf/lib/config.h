/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* What the loader decides, set in .rodata before load. */
#ifndef VXNET_LIB_CONFIG_H
#define VXNET_LIB_CONFIG_H

#include <vmlinux.h>
#include <vxnet.h>

const volatile __u16 cfg_port = VXNET_DEFAULT_PORT; /* VXLAN UDP port, host order */
const volatile __be32 cfg_local_addr;              /* our underlay address: outer source */
const volatile __u32 cfg_underlay_ifindex;         /* underlay device, for the FIB lookup */
const volatile __u16 cfg_nat_port_min = VXNET_NAT_PORT_MIN; /* egress NAT ports, */
const volatile __u8 cfg_decap_tc;                  /* decap in tc (vxnet_tc_decap), not XDP */
const volatile __u16 cfg_nat_port_max = VXNET_NAT_PORT_MAX; /* host order */

#endif /* VXNET_LIB_CONFIG_H */
