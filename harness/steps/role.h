/* role.h: a built-in role, run in its own process.
 *
 * The variant supervisor forks one process per role and calls
 * nc_role_run() in it. The role executes its steps in order, streams records
 * (record.h) to rec_fd, and returns the process exit status. It never judges
 * its own results, except for the streaming payload comparison described in
 * record.h.
 */
#ifndef NC_STEPS_ROLE_H
#define NC_STEPS_ROLE_H

#include <stdint.h>

#include "scenario/scenario.h"
#include "steps/record.h"

struct nc_role_ctx {
	const struct nc_scenario *sc;   /* borrowed */
	enum nc_role_id role;
	enum nc_family family;
	int rec_fd;                     /* records go here; owned by the role */
	int64_t epoch_ns;               /* the variant's time zero */
	int64_t deadline_ns;            /* absolute: the variant's deadline */
	double timeout_scale;
	struct nc_addr server;          /* the server's bound address, if known */
	uint16_t unused_port;           /* a port nothing listens on */
	/* Server only: run steps up to this index, report READY, go on. */
	uint32_t ready_after;
	/* On the host loopback: a socket the scenario did not bind is bound to
	 * loopback before it listens or sends, so the kernel never gives it
	 * the wildcard address, which other machines could reach. */
	bool no_wildcard;
};

/* Returns the index of the first step after the server's setup steps (the
 * leading socket/setsockopt/nonblock/bind/listen steps): the client may
 * start once those have run. */
uint32_t nc_role_setup_steps(const struct nc_role *r);

/* The exit status of a role process in which netconform itself failed (a
 * record could not be written); 0 means every step ran, whatever the
 * steps' outcomes. */
#define NC_ROLE_EXIT_HARNESS 3

/* Runs the role; returns the exit status for the role process: 0 when all
 * steps ran (whatever their outcome), NC_ROLE_EXIT_HARNESS when the
 * harness itself failed. */
int nc_role_run(const struct nc_role_ctx *ctx);

/* Resolves the address family a role's sockets use in a variant. */
int nc_role_family(enum nc_family fam, enum nc_role_id role);

/* The address `loopback` means for a role in a variant: 127.0.0.1 or ::1,
 * and for a dual-stack server the IPv4-mapped ::ffff:127.0.0.1. */
void nc_role_loopback(enum nc_family fam, enum nc_role_id role, uint16_t port, struct nc_addr *a);

#endif
