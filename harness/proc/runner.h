/* runner.h: runs a plan's variants and feeds the reporters.
 *
 * Process model
 * -------------
 *
 *   netconform (the runner; the only process that prints or writes reports)
 *    |  one per variant, up to -j at once, each created by clone() into new
 *    |  user (unless root), network and PID namespaces; plain fork() on the
 *    |  host loopback when namespaces are unavailable
 *    +-- supervisor (PID 1 of the variant's namespaces; own process group)
 *         |  owns the capture handle on the namespace's "lo", the role
 *         |  pipes, the deadlines and the checks
 *         +-- server role (own process group; built-in steps or a program)
 *         +-- client role (own process group; started once the server is ready)
 *
 * Descriptors (wiring.h): a supervisor has its result pipe in slot 3; a
 * role has standard I/O in 0-2 (a program's stdout is a pseudo-terminal,
 * so standard I/O line-buffers it), a close-on-exec pipe in 3 on which a
 * failed exec writes its errno, and a built-in role its record pipe in 4.
 * Every other descriptor is closed in the child. Each role writes records
 * (steps/record.h) and output to the supervisor; the supervisor writes one
 * encoded result (result/result.h) to the runner and exits. Exit statuses
 * of netconform's own processes are named in wiring.h and put in words by
 * nc_wait_describe().
 *
 * Lifetimes: a supervisor has a parent-death signal (SIGKILL in its own
 * namespaces, whose PID 1 it is, so the kernel ends every role with it;
 * SIGTERM on the host, so it can stop its roles), set right after the fork
 * and checked against the race through a pidfd of the runner. Roles have a
 * parent-death SIGKILL. On the host a supervisor is also the subreaper of
 * whatever its programs start, and ends it with the variant.
 *
 * Signals: the runner blocks SIGINT, SIGTERM and SIGHUP and reads them from
 * a signalfd. On the first one it launches nothing more and sends SIGTERM to
 * every supervisor; a supervisor then starts no role that has not started,
 * stops its roles (their stop signal, SIGKILL after a grace period), closes
 * its capture, and still sends a result: the variant is "not run", saying
 * where it was, unless it had already failed. A second signal, or a
 * supervisor that does not answer in time, gets SIGKILL.
 *
 * Deadlines and decisions: a supervisor enforces the scenario's timeout,
 * per-step deadlines and programs' deadlines on its roles (all scaled by
 * --timeout-scale), and judges steps and role ends as they come: once the
 * outcome is known (a step failed, a role crashed, a program ended wrongly
 * or before it was ready), the other roles are stopped at once and the
 * report leads with that first cause. The runner only enforces a backstop
 * on the supervisor itself.
 *
 * Order: variants may finish in any order; results are handed to the
 * reporters in plan order, buffering only those that finished early.
 */
#ifndef NC_PROC_RUNNER_H
#define NC_PROC_RUNNER_H

#include <stddef.h>

#include "plan/plan.h"
#include "proc/options.h"
#include "report/reporter.h"

/* Runs every variant of the plan. Returns 0, or -1 when the run could not
 * start at all (err says why). Totals, including an interruption and its
 * signal, are written to *t. Scenarios are loaded from the plan as their
 * variants launch and unloaded after the file's last one. */
int nc_run(struct nc_plan *plan, const struct nc_run_opts *o, const struct nc_run_info *info,
	   struct nc_reporter *reps, size_t nreps, struct nc_run_totals *t, char *err,
	   size_t errlen);

#endif
