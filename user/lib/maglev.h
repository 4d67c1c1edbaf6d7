/* SPDX-License-Identifier: GPL-2.0-only */
/* Maglev's lookup table (Eisenbud et al., "Maglev: A Fast and Reliable
 * Software Network Load Balancer", NSDI 2016, section 3.4): the slots of a
 * published port's service (VXNET_SERVICE_SLOTS, a prime M) shared out
 * among its backends so that each gets M/N of them, give or take one, and a
 * backend that comes or goes moves few slots of the others. The datapath
 * picks a new flow's backend as slot hash(flow) % M; every node computes
 * the same table from the same backends, so a flow finds the same backend
 * whichever node it reaches.
 */
#ifndef VXNET_MAGLEV_H
#define VXNET_MAGLEV_H

#include <stddef.h>
#include <stdint.h>

#include "vxnet.h"

#define MAGLEV_M VXNET_SERVICE_SLOTS

/* Fills table[slot] with the index (0..n-1) of the backend of each slot.
 * names: the backends' names (their endpoints' names), sorted, unique: a
 * backend's place in the order is its preference on ties. A pure function
 * of names. 0, -EINVAL for n == 0, or -ENOMEM.
 */
int maglev_fill(const char *const *names, size_t n, uint32_t table[MAGLEV_M]);

#endif
