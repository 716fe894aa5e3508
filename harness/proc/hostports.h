/* hostports.h: fixed ports on the host loopback.
 *
 * Without namespaces every variant shares the host's ports. Within one run
 * fixed-port variants already take turns; across runs (two CI jobs on one
 * machine, a developer's run beside ctest) a lock per port, shared by
 * every netconform process of the machine, keeps them from colliding:
 * a variant takes the locks of all the fixed ports it names, checks that
 * nobody else holds the ports (in both families), and keeps the locks
 * until it has ended. A port held by a program that is not netconform is
 * a reasoned skip.
 *
 * The locks are flock()s on /tmp/netconform-port-<N>.lock, which go away
 * with the process, however it ends.
 */
#ifndef NC_PROC_HOSTPORTS_H
#define NC_PROC_HOSTPORTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "scenario/scenario.h"

#define NC_HOSTPORTS_MAX 16

struct nc_hostports {
	int fd[NC_HOSTPORTS_MAX];
	int n;
};

/* Takes the locks of the scenario's fixed ports. Returns 1 when all are
 * held, 0 when another run holds one (nothing is held then; try again
 * later), -1 when a lock file cannot be used (why says so). */
int nc_hostports_lock(const struct nc_scenario *sc, struct nc_hostports *h, char *why, size_t n);

/* With the locks held: true, with why filled, when one of the fixed ports
 * the scenario binds is in use on the host in either family. */
bool nc_hostports_taken(const struct nc_scenario *sc, char *why, size_t n);

void nc_hostports_unlock(struct nc_hostports *h);

/* The lock of one port, for a port netconform chooses (a program's, or
 * `unused`) rather than one a scenario names. Returns 1 with the
 * descriptor in *fd, 0 when another process holds it, -1 on an error. */
int nc_hostports_lock_one(uint16_t port, int *fd);

#endif
