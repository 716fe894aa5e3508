/* pollset.h: one poll() loop's descriptors and deadline, rebuilt each turn.
 *
 * The runner and every supervisor wait the same way: a set of descriptors
 * (pipes, pidfds, a signalfd, the capture) and the earliest deadline of
 * whatever they are waiting for. Each entry carries the caller's kind and
 * index, so the caller dispatches on the kind with a switch of its own.
 * Children without a pidfd (kernels before 5.3, valgrind) have nothing to
 * poll; the set then wakes up every NC_POLLSET_NOPIDFD_NS to ask.
 *
 * Ownership: the set owns its arrays; nc_pollset_free() releases them.
 */
#ifndef NC_PROC_POLLSET_H
#define NC_PROC_POLLSET_H

#include <poll.h>
#include <stddef.h>
#include <stdint.h>

#include "proc/spawn.h"

#define NC_POLLSET_NOPIDFD_NS (5LL * 1000000LL)

struct nc_poll_tag {
	int kind;      /* the caller's event kind */
	size_t who;    /* the caller's index (a slot, a role) */
};

struct nc_pollset {
	struct pollfd *pfd;
	struct nc_poll_tag *tag;
	size_t n, cap;
	int64_t next;  /* the earliest deadline (CLOCK_MONOTONIC ns), or INT64_MAX */
	int64_t now;   /* the time the turn began */
};

void nc_pollset_init(struct nc_pollset *ps);
void nc_pollset_free(struct nc_pollset *ps);

/* Starts a turn at `now`: no descriptors, no deadline. */
void nc_pollset_begin(struct nc_pollset *ps, int64_t now);
/* Adds a descriptor (ignored when fd < 0). */
void nc_pollset_add(struct nc_pollset *ps, int fd, short events, int kind, size_t who);
/* Wakes the turn up at t at the latest (INT64_MAX: no deadline). */
void nc_pollset_until(struct nc_pollset *ps, int64_t t);
/* Watches a child: its pidfd, or a short wake-up where it has none. A
 * reaped child adds nothing. */
void nc_pollset_child(struct nc_pollset *ps, const struct nc_child *c, int kind, size_t who);

/* Polls until a descriptor is ready or the deadline comes. Returns the
 * number of ready entries (0 on the deadline or EINTR), -1 on another
 * error with errno set. */
int nc_pollset_wait(struct nc_pollset *ps);

/* The poll() timeout in milliseconds for a deadline, rounded up so that a
 * wake-up never comes before it (-1: none). */
int nc_poll_timeout_ms(int64_t now, int64_t next);

#endif
