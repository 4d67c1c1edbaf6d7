/* SPDX-License-Identifier: GPL-2.0-only */
/* Prometheus metrics: the datapath's counters, drops, per-endpoint traffic
 * and map fill levels read from the pins, and the agent's own counters, in
 * the text exposition format (version 0.0.4): `vxnet metrics` prints them,
 * `vxnet agent --metrics-listen` serves them on /metrics (libmicrohttpd).
 * The names of the datapath's counters and drop reasons live here too, for
 * every reader (stats, metrics, map dump).
 */
#ifndef VXNET_METRICS_H
#define VXNET_METRICS_H

#include <stdint.h>
#include <stdio.h>
#include <netinet/in.h>

#include "state.h"
#include "vxnet.h"

/* "encap", "no-endpoint": index by enum vxnet_stat / enum vxnet_drop. */
extern const char *const vx_stat_names[VXNET_STAT__MAX];
extern const char *const vx_drop_names[VXNET_DROP__MAX];

/* Sums the n first slots of the per-CPU counter array pinned at dir/name
 * into out; 0 or a negative errno (no message).
 */
int metrics_read_counters(const char *dir, const char *name, struct vxnet_counter *out,
			  unsigned int n);
/* The traffic of the local endpoint behind host veth ifindex (its
 * ep_slots slot on the CPUs where it owns it, and its ep_stats entry,
 * CPUs summed; zeros when it has none yet); 0 or a negative errno. The
 * maps pinned in dir, or their fds (slots_fd, spill_fd).
 */
int metrics_read_ep_stats(const char *dir, __u32 ifindex, struct vxnet_ep_stats *out);
int metrics_read_ep_fds(int slots_fd, int spill_fd, __u32 ifindex, struct vxnet_ep_stats *out);
/* Forgets the traffic of ifindex (its veth gone): its ep_stats entry, and
 * its slot on the CPUs where it owns it, freed. 0 or a negative errno.
 */
int metrics_clear_ep_stats(const char *dir, __u32 ifindex);
/* Calls fn for each ifindex with traffic (ep_slots owners, ep_stats keys),
 * once each; 0 or a negative errno.
 */
int metrics_ep_ifindexes(const char *dir, int (*fn)(__u32 ifindex, void *arg), void *arg);
/* Entries of the map fd (its keys walked; an array: max_entries), or a
 * negative errno.
 */
long metrics_map_entries(int fd);

/* Writes every family of the datapath pinned in pin_dir to f: counters,
 * drops, map fill, and, with st (the state, may be NULL), per-endpoint and
 * per-network traffic of this host's endpoints. 0, or a negative errno after
 * one pr_err line (vxnet not up).
 */
int metrics_write_datapath(FILE *f, const char *pin_dir, const struct vx_state *st);

/* The agent's counters, process-wide, safe to call from the agent's thread
 * while the server's thread writes them out.
 */
enum metrics_sync_cause { METRICS_SYNC_START, METRICS_SYNC_TIMER, METRICS_SYNC_PINS,
			  METRICS_SYNC_RETRY, METRICS_SYNC_STALE, METRICS_SYNC__MAX };
void metrics_agent_revision(int64_t rev);
void metrics_agent_change(enum vx_rec_kind kind, int deleted);
void metrics_agent_full_sync(enum metrics_sync_cause cause, double seconds);
void metrics_agent_reconnect(void);
/* What the store's watch runs over now (store_transport), or NULL. */
void metrics_agent_transport(const char *transport);
/* n records of kind left out by validation (the etcd store's list and
 * watch; every list counts the records it leaves out again).
 */
void metrics_agent_rejected_n(enum vx_rec_kind kind, size_t n);
/* The state the agent applied last, this host's node: names for the
 * per-endpoint labels. 0 or -ENOMEM.
 */
int metrics_agent_state(const struct vx_state *st, const char *node);
/* The agent's families (after the datapath's on /metrics). */
void metrics_write_agent(FILE *f);

/* "ADDR:PORT" (IPv4, port 1..65535) into sa; 0 or -EINVAL (no message). */
int metrics_parse_listen(const char *s, struct sockaddr_in *sa);

/* The /metrics server: its own thread; every scrape reads the pins of
 * pin_dir and the agent's counters. 0, or a negative errno after one pr_err
 * line (address in use, ...).
 */
struct metrics_server;
int metrics_serve(const struct sockaddr_in *sa, const char *pin_dir, struct metrics_server **out);
void metrics_serve_stop(struct metrics_server *s);

#endif
