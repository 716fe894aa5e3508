/* forward.h: the process that carries the frames of wired links, impaired.
 *
 * Why a forwarder
 * ---------------
 * These kernels have no sch_netem, TUN needs root, and nftables can drop
 * the N-th packet (numgen inc) but cannot delay, reorder or duplicate, nor
 * say when it dropped what. So an impaired link is a wire (topo.h): two
 * veth pairs meeting in the wire namespace, and this process in between.
 * It reads each wire end with a packet socket, decides every frame's fate
 * (engine.h), times it (sched.h), writes it to the other end and reports
 * every decision (event.h). It needs CAP_NET_RAW over the wire namespace
 * only, which the topology's user namespace grants.
 *
 * Process model
 * -------------
 *   caller (a variant's supervisor, a test)
 *    +-- forwarder: one process for all the wired links it is given
 *
 * nc_fwd_start() opens the packet sockets itself, in the wire namespace,
 * bound to each wire end (protocol ETH_P_ALL, outgoing frames ignored, the
 * qdisc bypassed), and only then forks: every frame sent after it returns
 * is read, none is missed in a start-up race. The child keeps only its
 * sockets, the read end of a control pipe and the write end of the event
 * pipe (every other descriptor is closed), unblocks signals, and has a
 * parent-death SIGKILL. It loops on ppoll: reads frames in batches
 * (recvmmsg), decodes only those of directions that have rules, applies the
 * verdicts, sends in batches (sendmmsg), releases frames whose time has
 * come, and reads the sockets' drop counters (PACKET_STATISTICS), so that
 * a frame lost in the kernel is reported too.
 *
 * Events go to the event pipe as records (event.h). The forwarder never
 * blocks on it: events wait in a buffer of at most NC_FWD_EVENT_BUFFER
 * bytes, and past that they are counted as lost (events_lost in the
 * counters) rather than stalling the traffic.
 *
 * Stopping: nc_fwd_finish() closes the control pipe; the forwarder then
 * sends every direction's counters (NC_IMP_EV_STATS), flushes its events
 * (within a second), discards the frames still waiting (counted as
 * `discarded`), closes its pipes, then its sockets, and exits 0. On a
 * fatal error it sends
 * NC_IMP_EV_FAULT and exits 1. The caller reads the pipe to its end and
 * judges from the records (every direction's counters, no fault: a clean
 * end); it reaps the process in nc_fwd_free, because closing a packet
 * socket waits for an RCU grace period in the kernel (10 to 25 ms each,
 * two per link, measured here), which thus overlaps the caller's own work
 * in between. A forwarder that does not end in time is killed, and the
 * error says so. Stop the
 * forwarder before freeing its topology: once the hosts' namespaces are
 * gone, so are the wire ends, and the forwarder's next read fails
 * ("forwarder stopped: reading frames (recvmmsg) failed (Network is
 * down)").
 *
 * Cost (nc-bench-topo transfer, 256 MiB of TCP, on the 2-CPU build
 * machines): a wire moves about 200 to 250 MiB/s whether it only drops or
 * has no rule at all, against about 750 MiB/s over the same veth link
 * without a wire; the forwarder spends 4 to 5.5 us of CPU per frame, most
 * of it in the kernel: the copies in and out, and the receiving host's
 * whole stack, which runs in the forwarder's context when its write
 * reaches the veth. Decoding a frame for the filters is a small part. A
 * delay costs nothing more than its time. Stopping costs one RCU grace
 * period per wire end (see above).
 */
#ifndef NC_IMPAIR_FORWARD_H
#define NC_IMPAIR_FORWARD_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "impair/engine.h"
#include "impair/event.h"
#include "topo/err.h"

#define NC_FWD_LINKS_MAX 32
#define NC_FWD_EVENT_BUFFER (4u << 20)

/* One wired link to carry. */
struct nc_fwd_link {
	unsigned id;                 /* the link's number, in events */
	int nsfd;                    /* the wire namespace (borrowed) */
	unsigned ifindex[2];         /* wire ends: [0] faces side a, [1] side b */
	uint32_t mtu;
	struct nc_imp_link_conf conf;
};

struct nc_fwd;

/* Receives each event read from the forwarder (borrowed for the call). */
typedef void (*nc_fwd_sink)(const struct nc_imp_event *ev, void *ctx);

/* Opens the sockets and starts the forwarder. Returns 0 and a new handle
 * in *out, which the caller ends with nc_fwd_finish() and frees with
 * nc_fwd_free(); or -1 with e. */
int nc_fwd_start(const struct nc_fwd_link *links, size_t n, struct nc_fwd **out,
		 struct nc_topo_err *e);

/* The read end of the event pipe (non-blocking; owned by the handle), for
 * the caller's poll loop, and the forwarder's pid. */
int nc_fwd_event_fd(const struct nc_fwd *f);
pid_t nc_fwd_pid(const struct nc_fwd *f);

/* The CPU time the forwarder has used so far, in nanoseconds (from
 * /proc/PID/schedstat), or -1 once it is reaped or where that file is
 * missing: what the benchmark divides by the frames carried. */
int64_t nc_fwd_cpu_ns(const struct nc_fwd *f);

/* Reads the events available now and hands each to sink (which may be
 * NULL). Returns 1 while the pipe is open, 0 once it reached its end, -1
 * with e when the bytes on it are not events. */
int nc_fwd_read(struct nc_fwd *f, nc_fwd_sink sink, void *ctx, struct nc_topo_err *e);

/* Stops the forwarder and hands every remaining event to sink, within
 * timeout_ns. Returns 0 when it ended cleanly (its records say so); -1
 * with e when it had to be killed, reported a fault, died before its
 * counters, or sent what is not an event. */
int nc_fwd_finish(struct nc_fwd *f, int64_t timeout_ns, nc_fwd_sink sink, void *ctx,
		  struct nc_topo_err *e);

/* Reaps the forwarder (one that still forwards is killed; a finished one
 * gets up to 2 s to close its sockets first), closes the handle's
 * descriptors and frees it. NULL is allowed. */
void nc_fwd_free(struct nc_fwd *f);

#endif
