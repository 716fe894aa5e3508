/* variant.h: the supervisor of one variant.
 *
 * The supervisor is the first process of the variant's namespaces (see
 * runner.h for the whole process model). It starts the server role, waits
 * for it to be ready, starts the client, watches both with deadlines,
 * captures their traffic, runs the checks, and sends one encoded result
 * back to the runner.
 */
#ifndef NC_PROC_VARIANT_H
#define NC_PROC_VARIANT_H

#include "proc/options.h"
#include "scenario/scenario.h"

struct nc_variant_job {
	const struct nc_scenario *sc;  /* borrowed */
	enum nc_family family;
	const char *name;              /* "udp/hello-bye[inet6]" */
	const char *variant;           /* "inet6" */
	const struct nc_run_opts *opts;
};

/* Runs the variant in the calling (supervisor) process and writes the
 * encoded result to result_fd. Returns the supervisor's exit status. */
int nc_variant_main(const struct nc_variant_job *job, int result_fd);

/* How long the runner waits for a supervisor beyond the scenario's own
 * (scaled) timeout before it kills it: enough to stop the roles, drain
 * the capture and run the checks. */
#define NC_SUPERVISOR_SLACK_NS (10LL * 1000000000LL)

/* How long a server program may go on after its client ended before it is
 * stopped (scaled by --timeout-scale). */
#define NC_SERVER_LINGER_NS (100LL * 1000000LL)

/* The grace between SIGTERM and SIGKILL when stopping a role. */
#define NC_KILL_GRACE_NS (200LL * 1000000LL)

#endif
