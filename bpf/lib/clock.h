/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* This CPU's coarse clock, asked once per tick. bpf_ktime_get_coarse_ns()
 * (CLOCK_MONOTONIC to a tick, 4 ms at HZ=250) is a helper call whose
 * value moves only at a tick; bpf_jiffies64() is one load (the verifier
 * inlines it). The value is kept per CPU with the jiffy it was read in,
 * and read again when jiffies moved. Jiffies move just before the coarse
 * clock does, so the value kept for a jiffy may be the tick before's: at
 * most a tick behind, on this CPU only, never backwards on it.
 * Datapath-only: the loader does not pin it.
 */
#ifndef VXNET_LIB_CLOCK_H
#define VXNET_LIB_CLOCK_H

#include <vmlinux.h>
#include <bpf/bpf_helpers.h>

struct coarse_clock {
	__u64 jiffy; /* bpf_jiffies64() when ns was read */
	__u64 ns;    /* bpf_ktime_get_coarse_ns() then */
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct coarse_clock);
} coarse_clock SEC(".maps");

/* bpf_ktime_get_coarse_ns(), to a tick, asked at most once per tick. */
static __always_inline __u64 coarse_now(void)
{
	__u32 zero = 0;
	struct coarse_clock *c = bpf_map_lookup_elem(&coarse_clock, &zero);
	__u64 jiffy = bpf_jiffies64();

	if (!c) /* never: an array's slot */
		return bpf_ktime_get_coarse_ns();
	if (c->jiffy != jiffy) {
		c->ns = bpf_ktime_get_coarse_ns();
		c->jiffy = jiffy;
	}
	return c->ns;
}

#endif /* VXNET_LIB_CLOCK_H */
